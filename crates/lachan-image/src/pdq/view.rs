//! Borrowed 8-bit pixels, optionally seen turned or mirrored, and their float luma.

use super::dct::Transform;
use crate::ImageError;

/// How the bytes of a [`PixelView`] are laid out, one pixel after another, rows top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelLayout {
    /// Red, green, blue: 3 bytes a pixel.
    Rgb8,
    /// Red, green, blue, alpha: 4 bytes a pixel. Alpha is ignored, as when the reference's
    /// callers convert to RGB.
    Rgba8,
    /// Grey: 1 byte a pixel, hashed as the RGB pixel (v, v, v).
    Luma8,
    /// Grey and alpha: 2 bytes a pixel, hashed as (v, v, v); alpha is ignored.
    LumaAlpha8,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelLayout::Rgb8 => 3,
            PixelLayout::Rgba8 => 4,
            PixelLayout::Luma8 => 1,
            PixelLayout::LumaAlpha8 => 2,
        }
    }
}

/// A borrowed 8-bit image to hash, possibly seen through one of the eight rotations and flips.
#[derive(Clone, Copy, Debug)]
pub struct PixelView<'a> {
    /// Width and height of the stored pixels.
    width: usize,
    height: usize,
    layout: PixelLayout,
    data: &'a [u8],
    /// The view is the stored pixels transformed by this.
    transform: Transform,
}

impl<'a> PixelView<'a> {
    /// Checks that `data` holds exactly `width`×`height` pixels of `layout`.
    pub fn new(
        width: usize,
        height: usize,
        layout: PixelLayout,
        data: &'a [u8],
    ) -> Result<PixelView<'a>, ImageError> {
        let expected = width
            .checked_mul(height)
            .and_then(|n| n.checked_mul(layout.bytes_per_pixel()));
        if expected != Some(data.len()) {
            return Err(ImageError::BufferSize {
                width,
                height,
                layout,
                len: data.len(),
            });
        }
        Ok(PixelView {
            width,
            height,
            layout,
            data,
            transform: Transform::Original,
        })
    }

    /// A view whose buffer the caller has already checked with [`PixelView::new`]. A wrong
    /// length cannot cause undefined behaviour, only a panic while hashing.
    pub(crate) fn from_parts(
        width: usize,
        height: usize,
        layout: PixelLayout,
        data: &'a [u8],
    ) -> PixelView<'a> {
        PixelView {
            width,
            height,
            layout,
            data,
            transform: Transform::Original,
        }
    }

    /// The same pixels seen turned or mirrored by `t` (replacing any earlier transform).
    /// Hashing the view equals hashing a transformed copy, bit for bit, without making one.
    pub fn transformed(self, t: Transform) -> PixelView<'a> {
        PixelView {
            transform: t,
            ..self
        }
    }

    /// Whether the transform swaps width and height.
    fn swaps_sides(&self) -> bool {
        matches!(
            self.transform,
            Transform::Rotate90
                | Transform::Rotate270
                | Transform::FlipPlus1
                | Transform::FlipMinus1
        )
    }

    /// Width of the view in pixels.
    pub fn width(&self) -> usize {
        if self.swaps_sides() {
            self.height
        } else {
            self.width
        }
    }

    /// Height of the view in pixels.
    pub fn height(&self) -> usize {
        if self.swaps_sides() {
            self.width
        } else {
            self.height
        }
    }

    /// Where row `r` of the view lies in the stored pixels: the index of its first pixel and
    /// the step from one pixel to the next, in pixels.
    fn row_walk(&self, r: usize) -> (usize, isize) {
        let (w, h) = (self.width, self.height);
        let stride = w as isize;
        match self.transform {
            Transform::Original => (r * w, 1),
            // Counter-clockwise: view (x, r) is stored (w-1-r, x).
            Transform::Rotate90 => (w - 1 - r, stride),
            Transform::Rotate180 => ((h - 1 - r) * w + w - 1, -1),
            // Clockwise: view (x, r) is stored (r, h-1-x).
            Transform::Rotate270 => ((h - 1) * w + r, -stride),
            Transform::FlipX => ((h - 1 - r) * w, 1),
            Transform::FlipY => (r * w + w - 1, -1),
            Transform::FlipPlus1 => (r, stride),
            Transform::FlipMinus1 => ((h - 1) * w + w - 1 - r, -stride),
        }
    }

    /// Writes the reference's float luma of row `r` of the view into `out` (`width()` values).
    pub(crate) fn luma_row(&self, r: usize, out: &mut [f32]) {
        let rgb = |p: &[u8]| {
            LUMA[0][usize::from(p[0])] + LUMA[1][usize::from(p[1])] + LUMA[2][usize::from(p[2])]
        };
        let grey = |p: &[u8]| GREY[usize::from(p[0])];
        // One loop per layout, with the pixel size a constant, so each compiles to tight code.
        match self.layout {
            PixelLayout::Rgb8 => self.walk::<3>(r, out, rgb),
            PixelLayout::Rgba8 => self.walk::<4>(r, out, rgb),
            PixelLayout::Luma8 => self.walk::<1>(r, out, grey),
            PixelLayout::LumaAlpha8 => self.walk::<2>(r, out, grey),
        }
    }

    /// Applies `luma` to each pixel of row `r` of the view, in order, into `out`.
    fn walk<const BPP: usize>(&self, r: usize, out: &mut [f32], luma: impl Fn(&[u8]) -> f32) {
        let n = out.len();
        let (start, step) = self.row_walk(r);
        let data = self.data;
        match step {
            1 => fill(
                out,
                data[start * BPP..(start + n) * BPP].chunks_exact(BPP),
                luma,
            ),
            -1 => fill(
                out,
                data[(start + 1 - n) * BPP..(start + 1) * BPP]
                    .chunks_exact(BPP)
                    .rev(),
                luma,
            ),
            s if s > 0 => fill(
                out,
                data[start * BPP..]
                    .chunks_exact(BPP)
                    .step_by(s.unsigned_abs()),
                luma,
            ),
            s => fill(
                out,
                data[..(start + 1) * BPP]
                    .chunks_exact(BPP)
                    .rev()
                    .step_by(s.unsigned_abs()),
                luma,
            ),
        }
    }
}

/// `out[i] = luma(pixel i)` for the pixels in order.
fn fill<'p>(out: &mut [f32], pixels: impl Iterator<Item = &'p [u8]>, luma: impl Fn(&[u8]) -> f32) {
    for (o, p) in out.iter_mut().zip(pixels) {
        *o = luma(p);
    }
}

/// The reference's luma coefficients, as `f32` like the reference's `const float`s.
const LUMA_COEFFICIENTS: [f32; 3] = [0.299, 0.587, 0.114];

/// `LUMA[c][v]` = coefficient `c` × `v`: the exact `f32` products the reference computes per
/// pixel (const evaluation rounds like the hardware), so a pixel's luma is
/// `(LUMA[0][r] + LUMA[1][g]) + LUMA[2][b]`, bit for bit the reference's expression.
const LUMA: [[f32; 256]; 3] = {
    let mut t = [[0f32; 256]; 3];
    let mut c = 0;
    while c < 3 {
        let mut v = 0;
        while v < 256 {
            t[c][v] = LUMA_COEFFICIENTS[c] * v as f32;
            v += 1;
        }
        c += 1;
    }
    t
};

/// The luma of the grey pixel (v, v, v), in the reference's order of operations.
const GREY: [f32; 256] = {
    let mut t = [0f32; 256];
    let mut v = 0;
    while v < 256 {
        t[v] = LUMA[0][v] + LUMA[1][v] + LUMA[2][v];
        v += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_tables_equal_the_reference_expression() {
        let [r, g, b] = LUMA_COEFFICIENTS;
        let runtime = |x: u8, y: u8, z: u8| r * f32::from(x) + g * f32::from(y) + b * f32::from(z);
        for v in 0..=255u8 {
            assert_eq!(GREY[usize::from(v)].to_bits(), runtime(v, v, v).to_bits());
            for (x, y, z) in [(v, 0, 255), (255 - v, v, v / 3), (v, v / 2, 7)] {
                let data = [x, y, z];
                let view = PixelView::new(1, 1, PixelLayout::Rgb8, &data).unwrap();
                let mut out = [0f32];
                view.luma_row(0, &mut out);
                assert_eq!(out[0].to_bits(), runtime(x, y, z).to_bits());
            }
        }
    }

    #[test]
    fn buffer_length_must_fit_the_dimensions() {
        assert!(PixelView::new(3, 2, PixelLayout::Rgb8, &[0; 18]).is_ok());
        assert!(matches!(
            PixelView::new(3, 2, PixelLayout::Rgba8, &[0; 18]),
            Err(ImageError::BufferSize { len: 18, .. })
        ));
        assert!(PixelView::new(usize::MAX, 2, PixelLayout::Rgb8, &[]).is_err());
    }

    /// Pixel (x, y) of the stored image transformed by `t`, computed the obvious way.
    fn turned(t: Transform, w: usize, h: usize, x: usize, y: usize) -> (usize, usize) {
        match t {
            Transform::Original => (x, y),
            Transform::Rotate90 => (w - 1 - y, x),
            Transform::Rotate180 => (w - 1 - x, h - 1 - y),
            Transform::Rotate270 => (y, h - 1 - x),
            Transform::FlipX => (x, h - 1 - y),
            Transform::FlipY => (w - 1 - x, y),
            Transform::FlipPlus1 => (y, x),
            Transform::FlipMinus1 => (w - 1 - y, h - 1 - x),
        }
    }

    #[test]
    fn transformed_views_read_the_right_pixels_in_every_layout() {
        let (w, h) = (5usize, 3usize);
        for layout in [
            PixelLayout::Rgb8,
            PixelLayout::Rgba8,
            PixelLayout::Luma8,
            PixelLayout::LumaAlpha8,
        ] {
            let bpp = layout.bytes_per_pixel();
            // Every pixel's first byte is its index, so the luma tells which pixel was read.
            let data: Vec<u8> = (0..w * h)
                .flat_map(|i| std::iter::repeat_n(i as u8 * 10, bpp))
                .collect();
            let base = PixelView::new(w, h, layout, &data).unwrap();
            for t in Transform::ALL {
                let view = base.transformed(t);
                let mut row = vec![0f32; view.width()];
                for y in 0..view.height() {
                    view.luma_row(y, &mut row);
                    for (x, &got) in row.iter().enumerate() {
                        let (sx, sy) = turned(t, w, h, x, y);
                        let mut expected = [0f32];
                        PixelView::new(1, 1, layout, &data[(sy * w + sx) * bpp..][..bpp])
                            .unwrap()
                            .luma_row(0, &mut expected);
                        assert_eq!(got, expected[0], "{layout:?} {t} at ({x}, {y})");
                    }
                }
            }
        }
    }
}
