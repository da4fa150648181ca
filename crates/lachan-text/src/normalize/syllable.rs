//! The shape of a Vietnamese syllable written without diacritics: an initial consonant (or
//! none), one to three vowels, a final consonant (or none). Used to tell whether bare letters
//! could be a Vietnamese word ("bat" could be "bát", "bắt", "bất"; "bats" could not).

/// Initial consonants, longest first so that "ngh" is tried before "ng" and "n".
const INITIALS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h",
    "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// Final consonants.
const FINALS: &[&str] = &["ng", "nh", "ch", "c", "m", "n", "p", "t"];

/// The most vowels in a row in a syllable ("uoi" in "người", "oai" in "ngoài").
const MAX_VOWELS: usize = 3;

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Whether `word` (lowercase ASCII letters, as in the folded view) has the shape of one
/// Vietnamese syllable typed without diacritics.
pub(crate) fn is_syllable(word: &str) -> bool {
    let b = word.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    INITIALS
        .iter()
        .filter(|i| b.starts_with(i.as_bytes()))
        .map(|i| i.len())
        .chain([0])
        .any(|start| rhyme(&b[start..]))
}

/// The longest syllable ("nghieng").
const MAX_SYLLABLE: usize = 7;

/// The most letters [`split`] cuts (longer runs are left whole).
const MAX_SPLIT: usize = 64;

/// Cuts `letters` (lowercase ASCII, as in the folded view) into pieces that are each a Vietnamese
/// syllable or a single letter that `single` accepts ("tchansongr" → t, chan, song, r;
/// "samlon" → sam, lon): as few pieces as possible, then as few single letters, then as few
/// syllables without an initial consonant ("nhacai" → nha, cai, not nhac, ai). Returns the end
/// of each piece, or `None` if no cut exists.
pub(crate) fn split(letters: &[u8], single: impl Fn(u8) -> bool) -> Option<Vec<usize>> {
    let n = letters.len();
    if n == 0 || n > MAX_SPLIT {
        return None;
    }
    let word = |r: std::ops::Range<usize>| std::str::from_utf8(&letters[r]).ok();
    // best[i]: (pieces, single letters, pieces without initial, start of the last piece) of the
    // best cut of letters[..i].
    let mut best: Vec<Option<(u32, u32, u32, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0, 0, 0));
    for end in 1..=n {
        for start in end.saturating_sub(MAX_SYLLABLE)..end {
            let Some((pieces, singles, bare, _)) = best[start] else {
                continue;
            };
            let one = end - start == 1;
            let fits = if one {
                single(letters[start]) || word(start..end).is_some_and(is_syllable)
            } else {
                word(start..end).is_some_and(is_syllable)
            };
            if !fits {
                continue;
            }
            let cost = (
                pieces + 1,
                singles + u32::from(one && !is_vowel(letters[start])),
                bare + u32::from(is_vowel(letters[start])),
                start,
            );
            if best[end].is_none_or(|b| (cost.0, cost.1, cost.2) < (b.0, b.1, b.2)) {
                best[end] = Some(cost);
            }
        }
    }
    let mut ends = Vec::new();
    let mut at = n;
    while at > 0 {
        ends.push(at);
        at = best[at]?.3;
    }
    ends.reverse();
    Some(ends)
}

/// Whether `b` is one to three vowels and an optional final consonant. Vowels that end in a
/// glide ("ai", "ieu", "ao") take no final consonant ("hieut" is not a syllable), "uy" aside
/// ("huynh"); "ie", "ye", "uo" need one ("hie" is not a syllable).
fn rhyme(b: &[u8]) -> bool {
    let vowels = b.iter().take_while(|&&c| is_vowel(c)).count();
    if !(1..=MAX_VOWELS).contains(&vowels) {
        return false;
    }
    let group = &b[..vowels];
    if vowels == b.len() {
        // "iê", "yê", "uô"/"ươ" need a final consonant or glide ("hiểu", "tiền", "người").
        return !matches!(group, b"ie" | b"ye" | b"uo" | b"uye");
    }
    let glide = vowels >= 2
        && group != b"uy"
        && (matches!(group[vowels - 1], b'i' | b'u' | b'y')
            || group.ends_with(b"ao")
            || group.ends_with(b"eo"));
    !glide && FINALS.iter().any(|f| &b[vowels..] == f.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{is_syllable, split};

    fn cut(letters: &str) -> Option<Vec<String>> {
        let single = |b: u8| matches!(b, b't' | b'r' | b'j' | b'e' | b'a' | b'm');
        let ends = split(letters.as_bytes(), single)?;
        let mut start = 0;
        Some(
            ends.into_iter()
                .map(|e| {
                    let w = letters[start..e].to_owned();
                    start = e;
                    w
                })
                .collect(),
        )
    }

    #[test]
    fn cuts_syllables() {
        let words = |s: &str| Some(s.split(' ').map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(cut("tchansongr"), words("t chan song r"));
        assert_eq!(cut("samlon"), words("sam lon"));
        assert_eq!(cut("nhacai"), words("nha cai"));
        assert_eq!(cut("buoij"), words("buoi j"));
        assert_eq!(cut("bongcuoi"), words("bong cuoi"));
        assert_eq!(cut("hieut"), words("hieu t"));
        assert!(is_syllable("huynh") && is_syllable("nguong") && !is_syllable("hieut"));
        assert_eq!(cut("ngu"), words("ngu"));
        assert_eq!(cut("fuck"), None);
        assert_eq!(cut(""), None);
    }

    #[test]
    fn vietnamese_shapes() {
        for w in [
            "bat", "nguoi", "nghieng", "khong", "gi", "qua", "ai", "o", "duoc", "truong", "gun",
        ] {
            assert!(is_syllable(w), "{w}");
        }
        for w in [
            "bats", "knife", "pipe", "weed", "fuck", "sex", "stupid", "kys", "", "b", "a1",
        ] {
            assert!(!is_syllable(w), "{w}");
        }
    }
}
