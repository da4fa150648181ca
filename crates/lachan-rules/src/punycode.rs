//! Punycode encoding (RFC 3492) of one domain label, so that lists written with Unicode names
//! match the ASCII (`xn--`) form that DNS queries carry.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// Appends the Punycode form of `label` (without the `xn--` prefix) to `out`.
///
/// Returns `None` when a counter would overflow, which only very long labels can cause; such
/// labels are over the 63-byte limit anyway.
pub(crate) fn encode_label(label: &[char], out: &mut String) -> Option<()> {
    let basic = label.iter().filter(|c| c.is_ascii()).count();
    out.extend(label.iter().filter(|c| c.is_ascii()));
    if basic > 0 {
        out.push('-');
    }
    let total = u32::try_from(label.len()).ok()?;
    let mut handled = u32::try_from(basic).ok()?;
    let first_round = handled;
    let mut n = INITIAL_N;
    let mut delta: u32 = 0;
    let mut bias = INITIAL_BIAS;
    while handled < total {
        let m = label.iter().map(|&c| c as u32).filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in label {
            let c = c as u32;
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == first_round);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(())
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + ((BASE - T_MIN + 1) * delta) / (delta + SKEW)
}

fn digit(d: u32) -> char {
    // `d` is always below BASE here, so both arms stay in the ASCII range.
    if d < 26 {
        char::from(b'a' + d as u8)
    } else {
        char::from(b'0' + (d - 26) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::encode_label;

    fn encode(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::new();
        encode_label(&chars, &mut out).expect("encodable");
        out
    }

    #[test]
    fn rfc_and_well_known_vectors() {
        assert_eq!(encode("bücher"), "bcher-kva");
        assert_eq!(encode("münchen"), "mnchen-3ya");
        assert_eq!(encode("mañana"), "maana-pta");
        assert_eq!(encode("ü"), "tda");
        // RFC 3492 section 7.1 (L): Japanese "3年B組金八先生".
        assert_eq!(encode("3年b組金八先生"), "3b-ww4c5e180e575a65lsy2b");
    }
}
