//! List inputs, per-list load reports, and a streaming line reader with a line-length cap.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;

use crate::MAX_LINE_LEN;
use crate::error::RuleError;

/// Identifies a list; the caller assigns ids (for instance its database ids).
pub type ListId = u16;

/// How many line errors a [`ListReport`] keeps; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 20;

/// Longest line text kept in a [`LineError`], in bytes.
const MAX_REPORTED_TEXT: usize = 200;

/// Where a list's text comes from (the caller downloads URL lists to a file first).
#[derive(Debug, Clone)]
pub enum ListSource {
    /// A file read line by line; it must not change while a build or rebuild runs.
    File(PathBuf),
    /// Text held in memory, such as a profile's custom rules.
    Text(Arc<str>),
}

/// One list to load.
#[derive(Debug, Clone)]
pub struct ListInput {
    /// The list's id, reported in every [`crate::Match`].
    pub id: ListId,
    /// Display name, for logs.
    pub name: String,
    /// Whether plain domain lines also match subdomains (true for HaGeZi "onlydomains" and
    /// wildcard lists, false for plain exported hosts lists).
    pub subdomains: bool,
    /// Where the text comes from.
    pub source: ListSource,
}

/// A line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: u32,
    /// The line (cut to 200 bytes).
    pub text: String,
    /// What is wrong and what to write instead.
    pub reason: String,
}

/// What loading one list gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListReport {
    /// The list's id.
    pub id: ListId,
    /// Rules loaded; a hosts line with several names counts each name.
    pub rules: usize,
    /// Lines refused.
    pub invalid: usize,
    /// The first [`MAX_REPORTED_ERRORS`] refused lines.
    pub errors: Vec<LineError>,
    /// Set when the source could not be read (the list then holds the rules read before).
    pub io_error: Option<String>,
}

impl ListReport {
    pub(crate) fn new(id: ListId) -> Self {
        ListReport {
            id,
            rules: 0,
            invalid: 0,
            errors: Vec::new(),
            io_error: None,
        }
    }

    pub(crate) fn refuse(&mut self, line: u32, text: &[u8], err: &RuleError) {
        self.invalid += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            let text =
                String::from_utf8_lossy(&text[..text.len().min(MAX_REPORTED_TEXT)]).into_owned();
            self.errors.push(LineError {
                line,
                text,
                reason: err.to_string(),
            });
        }
    }
}

impl ListSource {
    /// Opens the source for streaming.
    pub(crate) fn open(&self) -> io::Result<Box<dyn BufRead + '_>> {
        Ok(match self {
            ListSource::File(path) => {
                Box::new(BufReader::with_capacity(64 * 1024, File::open(path)?))
            }
            ListSource::Text(text) => Box::new(text.as_bytes()),
        })
    }

    /// Size in bytes, to size buffers before reading; 0 when unknown.
    pub(crate) fn size_hint(&self) -> u64 {
        match self {
            ListSource::File(path) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            ListSource::Text(text) => text.len() as u64,
        }
    }
}

/// One line from a [`LineReader`].
pub(crate) enum RawLine<'a> {
    /// The line, without its line ending.
    Text(&'a str),
    /// The line is not UTF-8 or is over [`MAX_LINE_LEN`]; the bytes kept and the error.
    Refused(&'a [u8], RuleError),
}

/// Reads lines while holding at most [`MAX_LINE_LEN`] + 1 bytes of any line, so that a file
/// without line breaks cannot exhaust memory.
pub(crate) struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line_no: u32,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(256),
            line_no: 0,
        }
    }

    /// The next line with its 1-based number, or `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<(u32, RawLine<'_>)>> {
        self.buf.clear();
        let mut total = 0usize;
        let mut seen = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if !seen {
                    return Ok(None);
                }
                break;
            }
            seen = true;
            let newline = memchr::memchr(b'\n', avail);
            let chunk = &avail[..newline.unwrap_or(avail.len())];
            let room = (MAX_LINE_LEN + 1).saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            total = total.saturating_add(chunk.len());
            let used = chunk.len() + usize::from(newline.is_some());
            self.inner.consume(used);
            if newline.is_some() {
                break;
            }
        }
        self.line_no = self.line_no.saturating_add(1);
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
            total -= 1;
        }
        let line = if total > MAX_LINE_LEN {
            RawLine::Refused(&self.buf, RuleError::TooLong(total))
        } else {
            match std::str::from_utf8(&self.buf) {
                Ok(s) => RawLine::Text(s),
                Err(_) => RawLine::Refused(&self.buf, RuleError::NotUtf8),
            }
        };
        Ok(Some((self.line_no, line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(u32, Result<String, RuleError>)> {
        let mut r = LineReader::new(input);
        let mut out = Vec::new();
        while let Some((n, line)) = r.next_line().unwrap() {
            out.push((
                n,
                match line {
                    RawLine::Text(s) => Ok(s.to_string()),
                    RawLine::Refused(_, e) => Err(e),
                },
            ));
        }
        out
    }

    #[test]
    fn splits_lines_and_numbers_them() {
        let got = lines(b"a\r\nb\n\nc");
        assert_eq!(
            got,
            vec![
                (1, Ok("a".into())),
                (2, Ok("b".into())),
                (3, Ok(String::new())),
                (4, Ok("c".into()))
            ]
        );
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn refuses_long_and_non_utf8_lines_without_losing_count() {
        let mut input = vec![b'x'; MAX_LINE_LEN + 10];
        input.extend_from_slice(b"\n\xff\xfe\nok\n");
        let got = lines(&input);
        assert_eq!(got[0], (1, Err(RuleError::TooLong(MAX_LINE_LEN + 10))));
        assert_eq!(got[1], (2, Err(RuleError::NotUtf8)));
        assert_eq!(got[2], (3, Ok("ok".into())));
    }

    #[test]
    fn report_keeps_first_errors_only() {
        let mut r = ListReport::new(1);
        for i in 0..30 {
            r.refuse(i + 1, b"bad", &RuleError::NotUtf8);
        }
        assert_eq!(r.invalid, 30);
        assert_eq!(r.errors.len(), MAX_REPORTED_ERRORS);
        assert_eq!(r.errors[19].line, 20);
    }
}
