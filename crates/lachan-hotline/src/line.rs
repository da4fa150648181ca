//! Line numbers for error messages about the crate's TOML texts.

/// The 1-based line holding byte `offset` of `text` (the last line when past the end).
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of a TOML parser error, or line 1 when the parser gave no place.
pub(crate) fn line_of_error(text: &str, error: &toml::de::Error) -> usize {
    error.span().map_or(1, |s| line_of(text, s.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let text = "a\nbé\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 3), 2, "inside a multi-byte character");
        assert_eq!(line_of(text, 6), 3);
        assert_eq!(line_of(text, 99), 3);
    }
}
