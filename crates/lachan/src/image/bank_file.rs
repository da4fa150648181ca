//! Reading hash bank files as they are shared: one hex PDQ hash per line, or CSV with the hash
//! in the first column and optional labels after it. Streaming: one line in memory at a time;
//! each bad line is reported with its number and reading goes on.

use std::io::{BufRead, Read};

use lachan_image::Hash256;

/// Longest line of a hex file read, in bytes; longer lines are bad lines.
const MAX_HEX_LINE: usize = 4096;

/// Longest label kept, in bytes; longer labels are cut at a character boundary with `…`.
pub const MAX_LABEL_BYTES: usize = 512;

/// The layout of a bank file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BankFormat {
    /// One 64-digit hex PDQ hash per line; blank lines and lines starting with `#` are skipped.
    Hex,
    /// CSV: the hash in the first column, labels in the others (joined with "; "); a first
    /// line whose first field has no digit is a header; lines starting with `#` are skipped.
    Csv,
}

/// One thing read from a bank file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A hash, with its label if the file gives one.
    Hash {
        /// The hash.
        hash: Hash256,
        /// Its label.
        label: Option<String>,
    },
    /// A line that is not a hash: skipped.
    Bad {
        /// Its number (from 1).
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The CSV header line: skipped.
    Header {
        /// Its number (from 1).
        line: u64,
        /// Its text.
        text: String,
    },
}

/// The lines of a bank file, read one at a time; an I/O error ends the reading.
pub struct BankLines<R: BufRead> {
    source: Source<R>,
    /// Lines of a hex file read so far.
    line: u64,
    /// Whether a CSV record was read already (only the first may be a header).
    started: bool,
}

enum Source<R: BufRead> {
    Hex(R),
    Csv(Box<csv::Reader<R>>, csv::ByteRecord),
}

impl<R: BufRead> BankLines<R> {
    /// Reads `reader` as a file of `format`.
    pub fn new(reader: R, format: BankFormat) -> BankLines<R> {
        let source = match format {
            BankFormat::Hex => Source::Hex(reader),
            BankFormat::Csv => {
                let csv = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .comment(Some(b'#'))
                    .trim(csv::Trim::All)
                    .from_reader(reader);
                Source::Csv(Box::new(csv), csv::ByteRecord::new())
            }
        };
        BankLines {
            source,
            line: 0,
            started: false,
        }
    }

    /// The next hash, bad line or header of a hex file.
    fn next_hex(&mut self) -> Option<std::io::Result<Line>> {
        let Source::Hex(reader) = &mut self.source else {
            return None;
        };
        // Each round reads at least one byte, or ends at the end of the file.
        loop {
            let mut bytes = Vec::new();
            let limit = MAX_HEX_LINE as u64 + 1;
            match reader.by_ref().take(limit).read_until(b'\n', &mut bytes) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            self.line += 1;
            let line = self.line;
            if bytes.len() > MAX_HEX_LINE && !bytes.ends_with(b"\n") {
                if let Err(e) = skip_line(reader) {
                    return Some(Err(e));
                }
                return Some(Ok(bad(
                    line,
                    format!("the line is longer than {MAX_HEX_LINE} bytes"),
                )));
            }
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return Some(Ok(bad(line, "the line is not UTF-8 text".into())));
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            return Some(Ok(match Hash256::from_hex(text) {
                Ok(hash) => Line::Hash { hash, label: None },
                Err(e) if text.contains([',', ';', '\t', ' ']) => bad(
                    line,
                    format!("{e}; a hex file has one hash per line: use --format csv for labels"),
                ),
                Err(e) => bad(line, e.to_string()),
            }));
        }
    }

    /// The next hash, bad line or header of a CSV file.
    fn next_csv(&mut self) -> Option<std::io::Result<Line>> {
        let Source::Csv(reader, record) = &mut self.source else {
            return None;
        };
        match reader.read_byte_record(record) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Some(Err(std::io::Error::other(format!(
                    "line {line}: the CSV cannot be read on: {e}"
                ))));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let first_record = !self.started;
        self.started = true;
        let field = record.get(0).unwrap_or_default();
        let text = String::from_utf8_lossy(field);
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            return Some(Ok(bad(line, "the first column holds no hash".into())));
        }
        let hash = match Hash256::from_hex(text) {
            Ok(hash) => hash,
            Err(_) if first_record && !text.contains(|c: char| c.is_ascii_digit()) => {
                let fields: Vec<_> = record.iter().map(String::from_utf8_lossy).collect();
                return Some(Ok(Line::Header {
                    line,
                    text: fields.join(","),
                }));
            }
            Err(e) => return Some(Ok(bad(line, format!("first column: {e}")))),
        };
        let labels: Vec<_> = record
            .iter()
            .skip(1)
            .map(String::from_utf8_lossy)
            .filter(|l| !l.trim().is_empty())
            .collect();
        let label = (!labels.is_empty()).then(|| shorten(labels.join("; ")));
        Some(Ok(Line::Hash { hash, label }))
    }
}

impl<R: BufRead> Iterator for BankLines<R> {
    type Item = std::io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.source {
            Source::Hex(_) => self.next_hex(),
            Source::Csv(..) => self.next_csv(),
        }
    }
}

fn bad(line: u64, reason: String) -> Line {
    Line::Bad { line, reason }
}

/// Reads past the end of the current line (or to the end of the file).
fn skip_line<R: BufRead>(reader: &mut R) -> std::io::Result<()> {
    // Each round consumes what the buffer holds, at least one byte, or ends.
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        if let Some(at) = buffer.iter().position(|&b| b == b'\n') {
            reader.consume(at + 1);
            return Ok(());
        }
        let len = buffer.len();
        reader.consume(len);
    }
}

/// `label` cut to [`MAX_LABEL_BYTES`] at a character boundary, with `…` when cut.
fn shorten(label: String) -> String {
    if label.len() <= MAX_LABEL_BYTES {
        return label;
    }
    let mut end = MAX_LABEL_BYTES - '…'.len_utf8();
    while !label.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &label[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    const B: &str = "accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715";

    fn read(text: &[u8], format: BankFormat) -> Vec<Line> {
        BankLines::new(text, format)
            .collect::<std::io::Result<_>>()
            .unwrap()
    }

    fn hash(hex: &str, label: Option<&str>) -> Line {
        Line::Hash {
            hash: Hash256::from_hex(hex).unwrap(),
            label: label.map(str::to_string),
        }
    }

    fn reason(line: &Line) -> &str {
        match line {
            Line::Bad { reason, .. } => reason,
            other => panic!("not a bad line: {other:?}"),
        }
    }

    #[test]
    fn hex_files_skip_comments_and_blank_lines_and_name_bad_ones() {
        let mut text = format!(
            "\u{feff}# NCMEC export\r\n{A}\r\n\n  {}  \n{}\nzz{}\n{A},case 1\n",
            B.to_uppercase(),
            &A[..60],
            &A[2..]
        )
        .into_bytes();
        text.extend_from_slice(b"\xff\xfe\n");
        text.extend_from_slice(B.as_bytes());
        let lines = read(&text, BankFormat::Hex);
        assert_eq!(lines.len(), 7, "{lines:?}");
        assert_eq!(lines[0], hash(A, None));
        assert_eq!(lines[1], hash(B, None));
        assert!(matches!(lines[2], Line::Bad { line: 5, .. }));
        assert!(reason(&lines[2]).contains("this one has 60 characters"));
        assert!(matches!(lines[3], Line::Bad { line: 6, .. }));
        assert!(reason(&lines[3]).contains("character 1 is not one"));
        assert!(reason(&lines[4]).contains("use --format csv for labels"));
        assert!(matches!(lines[5], Line::Bad { line: 8, .. }));
        assert!(reason(&lines[5]).contains("not UTF-8"));
        assert_eq!(lines[6], hash(B, None), "a last line without a newline");
    }

    #[test]
    fn an_overlong_hex_line_is_one_bad_line() {
        let text = format!("{}\n{A}\n", "0".repeat(MAX_HEX_LINE * 3));
        let lines = read(text.as_bytes(), BankFormat::Hex);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(matches!(lines[0], Line::Bad { line: 1, .. }));
        assert!(reason(&lines[0]).contains("longer than 4096 bytes"));
        assert_eq!(lines[1], hash(A, None));
    }

    #[test]
    fn csv_files_take_labels_and_a_header() {
        let text = format!(
            "pdq_hash,case,note\n# comment\n{A},4411,\"seen, twice\"\n{B}\n,lonely label\n\
             {A}x,1\n\"{B}\", , second \n"
        );
        let lines = read(text.as_bytes(), BankFormat::Csv);
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert_eq!(
            lines[0],
            Line::Header {
                line: 1,
                text: "pdq_hash,case,note".into()
            }
        );
        assert_eq!(lines[1], hash(A, Some("4411; seen, twice")));
        assert_eq!(lines[2], hash(B, None));
        assert!(matches!(lines[3], Line::Bad { line: 5, .. }));
        assert!(reason(&lines[3]).contains("no hash"));
        assert!(matches!(lines[4], Line::Bad { line: 6, .. }));
        assert!(reason(&lines[4]).contains("first column"));
        assert_eq!(lines[5], hash(B, Some("second")));
    }

    #[test]
    fn only_the_first_csv_line_may_be_a_header() {
        let lines = read(format!("{A}\nhash,label\n").as_bytes(), BankFormat::Csv);
        assert_eq!(lines[0], hash(A, None));
        assert!(matches!(lines[1], Line::Bad { line: 2, .. }));
    }

    #[test]
    fn long_labels_are_cut_at_a_character() {
        let label = "ả".repeat(400);
        let lines = read(format!("{A},{label}\n").as_bytes(), BankFormat::Csv);
        let Line::Hash {
            label: Some(kept), ..
        } = &lines[0]
        else {
            panic!("{lines:?}");
        };
        assert!(kept.len() <= MAX_LABEL_BYTES);
        assert!(kept.ends_with('…'));
        assert!(kept.starts_with("ảả"));
    }
}
