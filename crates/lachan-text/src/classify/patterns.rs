//! Cues that a list of terms cannot express, written as small detectors over the words of the
//! `folded` view: a minor's age or school grade, a Vietnamese phone number.

use std::ops::Range;

use super::words::{Words, pack};

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
    pub fn find(self, words: Words, out: &mut Vec<Range<usize>>) {
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

/// Packed words (see [`pack`]) the patterns look for.
mod key {
    use super::pack;

    pub const TUOI: u64 = pack("tuoi");
    pub const YO: u64 = pack("yo");
    pub const YEARS: u64 = pack("years");
    pub const YEAR: u64 = pack("year");
    pub const GRADE: u64 = pack("grade");
    pub const LOP: u64 = pack("lop");
    pub const FOR: u64 = pack("for");
    pub const UR: u64 = pack("ur");
    pub const YOUR: u64 = pack("your");
    pub const IM: u64 = pack("im");
    pub const AGED: u64 = pack("aged");
    pub const AGE: u64 = pack("age");
    pub const I: u64 = pack("i");
    pub const M: u64 = pack("m");
    pub const YOU: u64 = pack("you");
    pub const RE: u64 = pack("re");
    pub const U: u64 = pack("u");
    pub const R: u64 = pack("r");
    pub const AM: u64 = pack("am");
}

fn minor_age(words: Words, out: &mut Vec<Range<usize>>) {
    use key::*;
    let child_age = |w: &str| number(w).is_some_and(|n| (6..=15).contains(&n));
    let teen_age = |w: &str| number(w).is_some_and(|n| (8..=15).contains(&n));
    for i in 0..words.len() {
        let w = words.get(i);
        if w.starts_with(|c: char| c.is_ascii_digit()) {
            let next = words.key(i + 1);
            // "13 tuoi", "13 yo", "13 years old", "13 year old"
            if child_age(w) && matches!(next, TUOI | YO | YEARS | YEAR) {
                out.push(i..i + 2);
            }
            // "13yo"
            if let Some(n) = w.strip_suffix("yo")
                && child_age(n)
            {
                out.push(i..i + 1);
            }
            // a class code on its own: "8a3", "7b"
            if class_code(w) {
                out.push(i..i + 1);
            }
            // "7th grade"
            if matches!(w, "6th" | "7th" | "8th" | "9th") && next == GRADE {
                out.push(i..i + 2);
            }
            continue;
        }
        // Every word below starts with one of these letters.
        if !w
            .as_bytes()
            .first()
            .is_some_and(|b| matches!(b, b'l' | b'g' | b'f' | b'u' | b'y' | b'i' | b'a'))
        {
            continue;
        }
        let key = words.key(i);
        // "lop 7", "lop 8a3", "grade 7"
        if matches!(key, LOP | GRADE) {
            let next = words.get(i + 1);
            if number(next).is_some_and(|n| (1..=9).contains(&n)) || class_code(next) {
                out.push(i..i + 2);
            }
        }
        // "for 12", "ur 14" (read "your 14" once teencode is expanded), "im 13", "i m 13",
        // "aged 12", "you re 13"
        if matches!(key, FOR | UR | YOUR | IM | AGED | AGE) && teen_age(words.get(i + 1)) {
            out.push(i..i + 2);
        }
        if matches!(key, I | YOU | U)
            && matches!(
                (key, words.key(i + 1)),
                (I, M) | (YOU, RE) | (U, R) | (I, AM)
            )
            && teen_age(words.get(i + 2))
        {
            out.push(i..i + 3);
        }
    }
}

/// The most digits a phone number has.
const PHONE_DIGITS: usize = 11;

fn phone_number(words: Words, out: &mut Vec<Range<usize>>) {
    let digits =
        |w: &str| !w.is_empty() && w.len() <= PHONE_DIGITS && w.bytes().all(|b| b.is_ascii_digit());
    let mut joined = [0u8; PHONE_DIGITS];
    for i in 0..words.len() {
        let w = words.get(i);
        if !w.as_bytes().first().is_some_and(u8::is_ascii_digit) || !digits(w) {
            continue;
        }
        // Grow a run of digit groups while it can still become a phone number.
        let mut total = 0;
        let mut end = i;
        while end < words.len() && digits(words.get(end)) {
            let w = words.get(end).as_bytes();
            if total + w.len() > PHONE_DIGITS {
                break;
            }
            joined[total..total + w.len()].copy_from_slice(w);
            total += w.len();
            end += 1;
            if is_phone(&joined[..total]) {
                out.push(i..end);
                break;
            }
        }
    }
}

fn is_phone(b: &[u8]) -> bool {
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
        let mut ranges = Vec::new();
        super::super::words::split(text, &mut ranges);
        let mut out = Vec::new();
        p.find(Words::new(text, &ranges), &mut out);
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
