//! Downsampling to 64×64 as the reference does it: two X,Y passes of a 1-D box filter (Wojciech
//! Jarosz, "Fast Image Convolutions", 2001: the passes together make a tent filter), then
//! sampling the pixel at each output cell's centre.
//!
//! Every output value is the same chain of `f32` additions, subtractions and divisions as in the
//! reference's `box1DFloat`, so the result is bit-identical. What differs is only the schedule:
//! row passes run eight rows side by side; column passes advance all columns' running sums
//! together, one row at a time, keeping only the rows they still have to subtract; the four
//! passes run as one pipeline; and the last row and column passes only keep the 64 columns that
//! the sampling reads. The reference holds two full-size float copies of the image; this holds
//! a few dozen rows.

use super::dct::Block64;
use crate::ImageError;

/// Output side of the downsample.
const OUT: usize = 64;

/// The reference's window size for a box filter taking `old` samples towards `new`: half of
/// `old / new`, rounded up, because the two passes together cover the full block.
pub(crate) fn window_size(old: usize, new: usize) -> usize {
    // The reference writes (old + 2 * new - 1) / (2 * new).
    old.div_ceil(2 * new)
}

/// The four phases of the reference's running-sum box filter of a vector of `len` samples.
#[derive(Clone, Copy)]
struct Phases {
    /// Samples added before the first output.
    grow_silent: usize,
    /// Outputs written while the window still grows.
    grow: usize,
    /// Outputs written with the full window.
    full: usize,
    /// Outputs written while the window shrinks at the end.
    shrink: usize,
}

impl Phases {
    fn new(len: usize, window: usize) -> Phases {
        let half = (window + 2) / 2;
        Phases {
            grow_silent: half - 1,
            grow: window - half + 1,
            full: len - window,
            shrink: half - 1,
        }
    }
}

/// Rows filtered together: their running sums are independent, so interleaving them hides the
/// latency of each sum's add-subtract-divide chain and lets the arithmetic use vector lanes.
const LANES: usize = 8;

/// Box filter along each of `N` rows of `cols` samples (`input` and `output` hold the rows one
/// after another), with the reference's exact sequence of operations per row.
fn box_rows<const N: usize>(input: &[f32], output: &mut [f32], cols: usize, window: usize) {
    let p = Phases::new(cols, window);
    let rows: [&[f32]; N] = std::array::from_fn(|r| &input[r * cols..(r + 1) * cols]);
    let load = |k: usize| -> [f32; N] { std::array::from_fn(|r| rows[r][k]) };
    let mut store = |k: usize, sum: &[f32; N], count: usize| {
        let divisor = count as f32;
        for (r, s) in sum.iter().enumerate() {
            output[r * cols + k] = s / divisor;
        }
    };
    let mut sum = [0f32; N];
    let mut count = 0usize;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    for _ in 0..p.grow_silent {
        let add = load(ri);
        for (s, a) in sum.iter_mut().zip(add) {
            *s += a;
        }
        count += 1;
        ri += 1;
    }
    for _ in 0..p.grow {
        let add = load(ri);
        for (s, a) in sum.iter_mut().zip(add) {
            *s += a;
        }
        count += 1;
        store(oi, &sum, count);
        ri += 1;
        oi += 1;
    }
    for _ in 0..p.full {
        let (add, sub) = (load(ri), load(li));
        for ((s, a), b) in sum.iter_mut().zip(add).zip(sub) {
            *s += a;
            *s -= b;
        }
        store(oi, &sum, count);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..p.shrink {
        let sub = load(li);
        for (s, b) in sum.iter_mut().zip(sub) {
            *s -= b;
        }
        count -= 1;
        store(oi, &sum, count);
        li += 1;
        oi += 1;
    }
}

/// Box filter along every row of a `rows`×`cols` matrix, `LANES` rows at a time.
fn box_all_rows(input: &[f32], output: &mut [f32], cols: usize, window: usize) {
    let block = LANES * cols;
    let mut inputs = input.chunks_exact(block);
    let mut outputs = output.chunks_exact_mut(block);
    for (i, o) in (&mut inputs).zip(&mut outputs) {
        box_rows::<LANES>(i, o, cols, window);
    }
    let (rest_in, rest_out) = (inputs.remainder(), outputs.into_remainder());
    for (i, o) in rest_in
        .chunks_exact(cols)
        .zip(rest_out.chunks_exact_mut(cols))
    {
        box_rows::<1>(i, o, cols, window);
    }
}

/// The reference's box filter down every column of an image, fed one row at a time.
///
/// Each column gets the reference's exact sequence of operations (add the entering row, then
/// subtract the leaving one, then divide by the current window size); all columns advance
/// together, which vectorises. Only the rows still to be subtracted are kept, in a ring of
/// `window + 1` rows, so memory is proportional to the window, not to the image.
struct ColumnBox {
    cols: usize,
    phases: Phases,
    slots: usize,
    ring: Vec<f32>,
    sums: Vec<f32>,
    /// The last row produced, valid after `push` or `drain` returned true.
    out: Vec<f32>,
    count: usize,
    pushed: usize,
    subtracted: usize,
    /// Number of rows produced so far; the last one produced is row `emitted - 1`.
    emitted: usize,
}

impl ColumnBox {
    fn new(rows: usize, cols: usize, window: usize) -> Result<ColumnBox, ImageError> {
        let slots = window + 1;
        Ok(ColumnBox {
            cols,
            phases: Phases::new(rows, window),
            slots,
            ring: try_vec(slots.checked_mul(cols).ok_or(ImageError::OutOfMemory)?)?,
            sums: try_vec(cols)?,
            out: try_vec(cols)?,
            count: 0,
            pushed: 0,
            subtracted: 0,
            emitted: 0,
        })
    }

    fn slot(&self, row: usize) -> std::ops::Range<usize> {
        let start = (row % self.slots) * self.cols;
        start..start + self.cols
    }

    /// Takes the next input row; returns true when it completes an output row (in `out`).
    fn push(&mut self, row: &[f32]) -> bool {
        let range = self.slot(self.pushed);
        self.ring[range].copy_from_slice(row);
        for (s, &v) in self.sums.iter_mut().zip(row) {
            *s += v;
        }
        self.pushed += 1;
        let p = self.phases;
        if self.pushed <= p.grow_silent + p.grow {
            self.count += 1;
            if self.pushed <= p.grow_silent {
                return false;
            }
        } else {
            self.subtract_oldest();
        }
        self.emit();
        true
    }

    /// After the last input row: produces the next of the final rows (in `out`), if any is left.
    fn drain(&mut self) -> bool {
        let p = self.phases;
        if self.emitted >= p.grow + p.full + p.shrink {
            return false;
        }
        self.subtract_oldest();
        self.count -= 1;
        self.emit();
        true
    }

    fn subtract_oldest(&mut self) {
        let range = self.slot(self.subtracted);
        for (s, &v) in self.sums.iter_mut().zip(&self.ring[range]) {
            *s -= v;
        }
        self.subtracted += 1;
    }

    fn emit(&mut self) {
        let divisor = self.count as f32;
        for (o, &s) in self.out.iter_mut().zip(&self.sums) {
            *o = s / divisor;
        }
        self.emitted += 1;
    }
}

/// The reference's `decimateFloat` sample index: the input pixel under output cell `out`'s centre.
fn sample_index(out: usize, input_len: usize) -> usize {
    // The reference computes in double and truncates.
    (((out as f64 + 0.5) * input_len as f64) / OUT as f64) as usize
}

/// Blurs and decimates a `rows`×`cols` luma image (`rows`, `cols` ≥ 1) to 64×64.
///
/// `fill_row(r, out)` writes the luma of row `r` into `out` (`cols` values); it is called once
/// per row, in order. The four passes run as one pipeline (row box, column box, row box on the
/// column box's output rows as they appear, column box on the 64 sampled columns), so the memory
/// used is a few dozen rows, never a full-size copy of the image.
pub(crate) fn downsample(
    rows: usize,
    cols: usize,
    fill_row: impl FnMut(usize, &mut [f32]),
) -> Result<Box<Block64>, ImageError> {
    let mut pipeline = Pipeline::new(rows, cols)?;
    pipeline.run(fill_row);
    Ok(pipeline.block)
}

/// The state of [`downsample`]'s pipeline.
struct Pipeline {
    rows: usize,
    cols: usize,
    window_along_rows: usize,
    sample_cols: Vec<usize>,
    sample_rows: Vec<usize>,
    first_columns: ColumnBox,
    second_columns: ColumnBox,
    /// Input rows, then the same rows after the first row pass (`LANES` rows each).
    luma: Vec<f32>,
    boxed: Vec<f32>,
    /// Rows out of the first column pass awaiting the second row pass, and their number.
    pending: Vec<f32>,
    pending_rows: usize,
    /// The second row pass's output, and one row of its sampled columns.
    filtered: Vec<f32>,
    sampled: Vec<f32>,
    next_sample: usize,
    block: Box<Block64>,
}

impl Pipeline {
    fn new(rows: usize, cols: usize) -> Result<Pipeline, ImageError> {
        let window_along_cols = window_size(rows, OUT);
        let block_len = LANES.checked_mul(cols).ok_or(ImageError::OutOfMemory)?;
        Ok(Pipeline {
            rows,
            cols,
            window_along_rows: window_size(cols, OUT),
            sample_cols: (0..OUT).map(|j| sample_index(j, cols)).collect(),
            sample_rows: (0..OUT).map(|i| sample_index(i, rows)).collect(),
            first_columns: ColumnBox::new(rows, cols, window_along_cols)?,
            second_columns: ColumnBox::new(rows, OUT, window_along_cols)?,
            luma: try_vec(block_len)?,
            boxed: try_vec(block_len)?,
            pending: try_vec(block_len)?,
            pending_rows: 0,
            filtered: try_vec(block_len)?,
            sampled: try_vec(OUT)?,
            next_sample: 0,
            block: Box::new([[0f32; 64]; 64]),
        })
    }

    fn run(&mut self, mut fill_row: impl FnMut(usize, &mut [f32])) {
        let cols = self.cols;
        let mut first = 0;
        while first < self.rows {
            let n = LANES.min(self.rows - first);
            for (k, row) in self.luma.chunks_exact_mut(cols).take(n).enumerate() {
                fill_row(first + k, row);
            }
            box_all_rows(
                &self.luma[..n * cols],
                &mut self.boxed[..n * cols],
                cols,
                self.window_along_rows,
            );
            for k in 0..n {
                if self
                    .first_columns
                    .push(&self.boxed[k * cols..(k + 1) * cols])
                {
                    self.take_first_output();
                }
            }
            first += n;
        }
        while self.first_columns.drain() {
            self.take_first_output();
        }
        self.flush_pending();
        while self.second_columns.drain() {
            self.take_second_output();
        }
    }

    /// Queues the first column pass's latest row for the second row pass.
    fn take_first_output(&mut self) {
        let cols = self.cols;
        let k = self.pending_rows;
        self.pending[k * cols..(k + 1) * cols].copy_from_slice(&self.first_columns.out);
        self.pending_rows += 1;
        if self.pending_rows == LANES {
            self.flush_pending();
        }
    }

    /// Second row pass on the queued rows; their sampled columns go to the second column pass.
    fn flush_pending(&mut self) {
        let cols = self.cols;
        let n = self.pending_rows;
        box_all_rows(
            &self.pending[..n * cols],
            &mut self.filtered[..n * cols],
            cols,
            self.window_along_rows,
        );
        for k in 0..n {
            let row = &self.filtered[k * cols..(k + 1) * cols];
            for (dst, &c) in self.sampled.iter_mut().zip(&self.sample_cols) {
                *dst = row[c];
            }
            if self.second_columns.push(&self.sampled) {
                self.take_second_output();
            }
        }
        self.pending_rows = 0;
    }

    /// Keeps the second column pass's latest row if the decimation samples it.
    fn take_second_output(&mut self) {
        let row = self.second_columns.emitted - 1;
        while self.next_sample < OUT && self.sample_rows[self.next_sample] == row {
            self.block[self.next_sample].copy_from_slice(&self.second_columns.out);
            self.next_sample += 1;
        }
    }
}

/// A zeroed `f32` vector, or `OutOfMemory` instead of aborting the process.
pub(crate) fn try_vec(len: usize) -> Result<Vec<f32>, ImageError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| ImageError::OutOfMemory)?;
    v.resize(len, 0.0);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's `box1DFloat` on one row, literally.
    fn box_row(input: &[f32], output: &mut [f32], window: usize) {
        let p = Phases::new(input.len(), window);
        let mut sum = 0f32;
        let mut count = 0usize;
        let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
        for _ in 0..p.grow_silent {
            sum += input[ri];
            count += 1;
            ri += 1;
        }
        for _ in 0..p.grow {
            sum += input[ri];
            count += 1;
            output[oi] = sum / count as f32;
            ri += 1;
            oi += 1;
        }
        for _ in 0..p.full {
            sum += input[ri];
            sum -= input[li];
            output[oi] = sum / count as f32;
            li += 1;
            ri += 1;
            oi += 1;
        }
        for _ in 0..p.shrink {
            sum -= input[li];
            count -= 1;
            output[oi] = sum / count as f32;
            li += 1;
            oi += 1;
        }
    }

    /// The reference's schedule, literally: full buffers, column by column, all four passes.
    fn reference_downsample(luma: &[f32], rows: usize, cols: usize) -> Block64 {
        let wr = window_size(cols, OUT);
        let wc = window_size(rows, OUT);
        let mut a = luma.to_vec();
        let mut b = vec![0f32; rows * cols];
        for _ in 0..2 {
            for r in 0..rows {
                box_row(
                    &a[r * cols..(r + 1) * cols],
                    &mut b[r * cols..(r + 1) * cols],
                    wr,
                );
            }
            for c in 0..cols {
                let column: Vec<f32> = (0..rows).map(|r| b[r * cols + c]).collect();
                let mut out = vec![0f32; rows];
                box_row(&column, &mut out, wc);
                for (r, v) in out.into_iter().enumerate() {
                    a[r * cols + c] = v;
                }
            }
        }
        let mut block = [[0f32; 64]; 64];
        for (i, row) in block.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = a[sample_index(i, rows) * cols + sample_index(j, cols)];
            }
        }
        block
    }

    #[test]
    fn window_sizes_match_the_reference_examples() {
        assert_eq!(window_size(1024, 64), 8);
        assert_eq!(window_size(1600, 64), 13);
        assert_eq!(window_size(5, 64), 1);
        assert_eq!(window_size(4032, 64), 32);
    }

    #[test]
    fn box_row_matches_the_worked_example() {
        // The reference's comment: window 7 over 0..16 gives these sums (divided by the count).
        let input: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let mut out = vec![0f32; 16];
        box_row(&input, &mut out, 7);
        let mut fast = vec![0f32; 16];
        box_rows::<1>(&input, &mut fast, 16, 7);
        assert_eq!(out, fast);
        let sums = [
            6, 10, 15, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 75, 65, 54,
        ];
        let counts = [4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4];
        for i in 0..16 {
            assert_eq!(out[i], sums[i] as f32 / counts[i] as f32, "index {i}");
        }
    }

    #[test]
    fn fast_schedule_is_bit_identical_to_the_reference_schedule() {
        let mut state = 12345u32;
        for (rows, cols) in [(5, 7), (64, 64), (100, 257), (300, 129), (1004, 160)] {
            let luma: Vec<f32> = (0..rows * cols)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let (r, g, b) = ((state >> 8) as u8, (state >> 16) as u8, (state >> 24) as u8);
                    0.299f32 * f32::from(r) + 0.587f32 * f32::from(g) + 0.114f32 * f32::from(b)
                })
                .collect();
            let expected = reference_downsample(&luma, rows, cols);
            let got = downsample(rows, cols, |r, out| {
                out.copy_from_slice(&luma[r * cols..(r + 1) * cols]);
            })
            .unwrap();
            for i in 0..64 {
                for j in 0..64 {
                    assert_eq!(
                        got[i][j].to_bits(),
                        expected[i][j].to_bits(),
                        "{rows}x{cols} at {i},{j}"
                    );
                }
            }
        }
    }
}
