//! Torben Mogensen's median, with the reference's choice among the middle values.

/// The median of `values` as the PDQ reference computes it (Torben's bisection on the value
/// range, no sorting, no copy). For an even count it returns the lower middle value, like the
/// reference. `values` must be non-empty and finite; PDQ's DCT output always is.
pub(crate) fn median(values: &[f32]) -> f32 {
    let Some(&first) = values.first() else {
        return 0.0;
    };
    let n = values.len();
    let half = n.div_ceil(2);
    let (mut min, mut max) = values
        .iter()
        .fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));

    // Each round that does not finish moves `min` up or `max` down to another value of the input,
    // so there are at most `n` rounds; the bound only guards against non-finite input.
    let mut last = (min, 0, 0, min, max);
    for _ in 0..=n {
        let guess = (min + max) / 2.0;
        let (mut less, mut greater, mut equal) = (0, 0, 0);
        let (mut max_lt_guess, mut min_gt_guess) = (min, max);
        for &v in values {
            if v < guess {
                less += 1;
                if v > max_lt_guess {
                    max_lt_guess = v;
                }
            } else if v > guess {
                greater += 1;
                if v < min_gt_guess {
                    min_gt_guess = v;
                }
            } else {
                equal += 1;
            }
        }
        last = (guess, less, equal, max_lt_guess, min_gt_guess);
        if less <= half && greater <= half {
            break;
        } else if less > greater {
            max = max_lt_guess;
        } else {
            min = min_gt_guess;
        }
    }
    let (guess, less, equal, max_lt_guess, min_gt_guess) = last;
    if less >= half {
        max_lt_guess
    } else if less + equal >= half {
        guess
    } else {
        min_gt_guess
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn odd_counts_give_the_middle_value() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[5.0, -1.0, 4.0, 4.0, 0.5]), 4.0);
        assert_eq!(median(&[7.0]), 7.0);
    }

    #[test]
    fn even_counts_give_the_lower_middle_value() {
        assert_eq!(median(&[10.0, 20.0]), 10.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.0);
    }

    #[test]
    fn agrees_with_sorting_on_many_values() {
        let mut state = 0x2545_f491_u32;
        for len in [16, 255, 256, 257] {
            let values: Vec<f32> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    (state % 2001) as f32 / 7.0 - 100.0
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f32::total_cmp);
            assert_eq!(median(&values), sorted[(len - 1) / 2], "len {len}");
        }
    }

    #[test]
    fn degenerate_input_does_not_hang() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[1.0; 256]), 1.0);
        let _ = median(&[f32::NAN, 1.0, 2.0]);
    }
}
