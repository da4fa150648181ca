//! Cues that a list of terms cannot express, written as small detectors over the words of the
//! `folded` view: a minor's age or school grade, a Vietnamese phone number.

use std::ops::Range;

/// A coded detector a lexicon cue can use (`pattern = "minor_age"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Ages 6–15 and school grades up to 9: "13 tuoi", "lop 7", "8a3", "for 12", "ur 14", "13 yo".
    MinorAge,
    /// A Vietnamese mobile or landline number: 10 digits from 0, or 11 from 84, in groups.
    PhoneNumber,
}

impl Pattern {
    /// The names accepted in lexicon files.
    pub const NAMES: &'static [&'static str] = &["minor_age", "phone_number"];

    /// The pattern called `name` in lexicon files.
    pub fn from_name(name: &str) -> Option<Pattern> {
        match name {
            "minor_age" => Some(Pattern::MinorAge),
            "phone_number" => Some(Pattern::PhoneNumber),
            _ => None,
        }
    }

    /// Where the pattern occurs, as ranges of word indices (`start..end`) into `words`.
    pub fn find(self, words: &[&str], out: &mut Vec<Range<usize>>) {
        match self {
            Pattern::MinorAge => minor_age(words, out),
            Pattern::PhoneNumber => phone_number(words, out),
        }
    }
}

fn number(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 3 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok()
}

/// A Vietnamese class name: grade 1–9, a letter, an optional number ("7b", "8a3").
fn class_code(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 2
        && b.len() <= 4
        && (b'1'..=b'9').contains(&b[0])
        && b[1].is_ascii_lowercase()
        && b[2..].iter().all(u8::is_ascii_digit)
}

fn minor_age(words: &[&str], out: &mut Vec<Range<usize>>) {
    let child_age = |w: &str| number(w).is_some_and(|n| (6..=15).contains(&n));
    let teen_age = |w: &str| number(w).is_some_and(|n| (8..=15).contains(&n));
    for (i, &w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let next2 = words.get(i + 2).copied().unwrap_or("");
        // "13 tuoi", "13 yo", "13 years old", "13 year old"
        if child_age(w) && matches!(next, "tuoi" | "yo" | "years" | "year") {
            out.push(i..i + 2);
        }
        // "13yo"
        if let Some(n) = w.strip_suffix("yo")
            && child_age(n)
        {
            out.push(i..i + 1);
        }
        // "lop 7", "lop 8a3", "grade 7", "cap 2"
        if matches!(w, "lop" | "grade")
            && (number(next).is_some_and(|n| (1..=9).contains(&n)) || class_code(next))
        {
            out.push(i..i + 2);
        }
        // a class code on its own: "8a3", "7b"
        if class_code(w) {
            out.push(i..i + 1);
        }
        // "7th grade"
        if matches!(w, "6th" | "7th" | "8th" | "9th") && next == "grade" {
            out.push(i..i + 2);
        }
        // "for 12", "ur 14" (read "your 14" once teencode is expanded), "im 13", "i m 13",
        // "aged 12", "you re 13"
        if matches!(w, "for" | "ur" | "your" | "im" | "aged" | "age") && teen_age(next) {
            out.push(i..i + 2);
        }
        if matches!(
            (w, next),
            ("i", "m") | ("you", "re") | ("u", "r") | ("i", "am")
        ) && teen_age(next2)
        {
            out.push(i..i + 3);
        }
    }
}

fn phone_number(words: &[&str], out: &mut Vec<Range<usize>>) {
    let digits = |w: &str| !w.is_empty() && w.len() <= 11 && w.bytes().all(|b| b.is_ascii_digit());
    let mut i = 0;
    while i < words.len() {
        if !digits(words[i]) {
            i += 1;
            continue;
        }
        // Grow a run of digit groups while it can still become a phone number.
        let mut total = 0;
        let mut end = i;
        while end < words.len() && digits(words[end]) && total + words[end].len() <= 11 {
            total += words[end].len();
            end += 1;
            let joined: String = words[i..end].concat();
            if is_phone(&joined) {
                out.push(i..end);
                break;
            }
        }
        i += 1;
    }
}

fn is_phone(d: &str) -> bool {
    let b = d.as_bytes();
    match b.len() {
        10 => b[0] == b'0' && matches!(b[1], b'2' | b'3' | b'5' | b'7' | b'8' | b'9'),
        11 => b.starts_with(b"84") && matches!(b[2], b'2' | b'3' | b'5' | b'7' | b'8' | b'9'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(p: Pattern, text: &str) -> Vec<Range<usize>> {
        let words: Vec<&str> = text.split(' ').collect();
        let mut out = Vec::new();
        p.find(&words, &mut out);
        out
    }

    #[test]
    fn minor_ages() {
        assert_eq!(find(Pattern::MinorAge, "em moi 13 tuoi"), vec![2..4]);
        assert_eq!(find(Pattern::MinorAge, "nhom lop 8a"), vec![1..3, 2..3]);
        assert_eq!(find(Pattern::MinorAge, "so mature for 12"), vec![2..4]);
        assert!(find(Pattern::MinorAge, "toi 25 tuoi").is_empty());
        assert!(find(Pattern::MinorAge, "wait for 30 minutes").is_empty());
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            find(Pattern::PhoneNumber, "so em la 0912 345 678"),
            vec![3..6]
        );
        assert_eq!(
            find(Pattern::PhoneNumber, "goi 84 912345678 nhe"),
            vec![1..3]
        );
        assert!(find(Pattern::PhoneNumber, "nap 100 000 dong").is_empty());
        assert!(find(Pattern::PhoneNumber, "ma 1234567890").is_empty());
    }
}
