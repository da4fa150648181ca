//! Robustness transforms used to evaluate the engine: the same text typed differently.

use unicode_normalization::UnicodeNormalization;

/// `s` with every combining mark removed and đ/Đ (and the look-alikes ð/Ð) turned into d/D:
/// Vietnamese as typed on a phone without diacritics ("Không được" → "Khong duoc").
pub fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !super::letters::is_mark(*c))
        .map(|c| match c {
            'đ' | 'ð' | 'ɖ' => 'd',
            'Đ' | 'Ð' | 'Ɖ' => 'D',
            other => other,
        })
        .nfc()
        .collect()
}

/// `s` in Unicode NFD: every precomposed letter split into base and combining marks.
pub fn to_nfd(s: &str) -> String {
    s.nfd().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_and_decomposes() {
        assert_eq!(
            super::strip_diacritics("Không được Đà Nẵng"),
            "Khong duoc Da Nang"
        );
        assert_eq!(super::to_nfd("ộ"), "o\u{323}\u{302}");
    }
}
