//! Statistics tables exported as CSV and XLSX, for hotlines that report their figures in
//! spreadsheets.
//!
//! A [`Table`] is plain data (a title, column headers and rows of [`Cell`]s); [`to_csv`] and
//! [`to_xlsx`] render it. Both are written in memory: statistics tables are small.
//!
//! Text reaching these files comes partly from the public (descriptions, platform names), and a
//! spreadsheet treats a CSV field beginning with `=`, `+`, `-` or `@` as a formula that can
//! run commands or send the sheet's contents elsewhere ("CSV injection"). [`to_csv`] defuses
//! such text; [`to_xlsx`] stores every [`Cell::Text`] as a string cell, which Excel never
//! evaluates.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, shown as it is.
    Text(String),
    /// A count or other whole number (numbers beyond ±2^53 lose precision in XLSX, whose
    /// numbers are doubles).
    Int(i64),
    /// A share between 0 and 1, shown as a percentage; a value that is not finite is left
    /// blank.
    Percent(f64),
}

/// A titled table of statistics: one CSV file or one XLSX worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// What the table shows; the worksheet's name in XLSX (shortened to Excel's 31
    /// characters), not written in CSV (the file name carries it).
    pub title: String,
    /// Column headers: the first row.
    pub headers: Vec<String>,
    /// The data rows; a row shorter than the headers is padded with blank cells in CSV.
    pub rows: Vec<Vec<Cell>>,
}

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// [`to_xlsx`] was given no table, and a workbook needs at least one worksheet.
    #[error("nothing to export: a workbook needs at least one table")]
    NoTables,
    /// A table does not fit in a worksheet.
    #[error(
        "table \"{title}\" has {rows} rows and {columns} columns, more than a worksheet holds \
         (1,048,575 data rows, 16,384 columns): export a shorter period"
    )]
    TooLarge {
        /// The table's title.
        title: String,
        /// Its number of data rows.
        rows: usize,
        /// Its widest row.
        columns: usize,
    },
    /// The XLSX writer refused the workbook.
    #[error("cannot write the XLSX workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The UTF-8 byte order mark: without it Excel reads a CSV file in the system's legacy code
/// page and garbles Vietnamese.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Excel's longest worksheet name, in UTF-16 code units.
const MAX_SHEET_NAME: usize = 31;

/// Widest a column is autofitted to, in pixels (long descriptions wrap rather than push the
/// other columns off screen).
const MAX_COLUMN_PIXELS: u32 = 480;

/// Renders `table` as CSV: UTF-8 with a byte order mark, RFC 4180 quoting and CRLF line ends,
/// the headers first. Percentages are written like `12.5%`.
///
/// Text (headers included) beginning with `=`, `+`, `-`, `@`, a tab or a carriage return, or
/// with the full-width `＝`, `＋`, `－`, `＠` that some Excel versions also accept, gets a `'`
/// in front, so that a spreadsheet shows it as text instead of running it as a formula. The
/// apostrophe stays visible: the file is for reading, and the original text is in the
/// console.
pub fn to_csv(table: &Table) -> Vec<u8> {
    let mut out = BOM.to_vec();
    write_csv(table, &mut out).expect("writing CSV to memory cannot fail");
    out
}

fn write_csv(table: &Table, out: &mut Vec<u8>) -> csv::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(out);
    writer.write_record(table.headers.iter().map(|header| defuse(header)))?;
    for row in &table.rows {
        let mut fields: Vec<String> = row.iter().map(csv_field).collect();
        if fields.len() < table.headers.len() {
            fields.resize(table.headers.len(), String::new());
        }
        writer.write_record(&fields)?;
    }
    writer.flush()?;
    Ok(())
}

fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => defuse(text),
        Cell::Int(n) => n.to_string(),
        Cell::Percent(share) if share.is_finite() => format!("{:.1}%", share * 100.0),
        Cell::Percent(_) => String::new(),
    }
}

/// `text`, with a `'` in front when a spreadsheet would take it for a formula.
fn defuse(text: &str) -> String {
    const TRIGGERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
    if text.starts_with(TRIGGERS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Renders `tables` as an XLSX workbook, one worksheet per table in order: the headers in
/// bold on a frozen first row, counts as numbers, shares as numbers with a `0.0%` format,
/// columns fitted to their contents. Worksheet names are the titles made valid for Excel
/// (at most 31 characters, none of `[]:*?/\`, no leading or trailing `'`, unique ignoring
/// case, with ` (2)`, ` (3)`… added when two titles collide).
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    if tables.is_empty() {
        return Err(ExportError::NoTables);
    }
    let names = sheet_names(tables.iter().map(|table| table.title.as_str()));
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let mut workbook = Workbook::new();
    for (table, name) in tables.iter().zip(names) {
        let too_large = || ExportError::TooLarge {
            title: table.title.clone(),
            rows: table.rows.len(),
            columns: table
                .rows
                .iter()
                .map(Vec::len)
                .chain([table.headers.len()])
                .max()
                .unwrap_or(0),
        };
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        for (col, header) in table.headers.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| too_large())?;
            sheet.write_string_with_format(0, col, header, &bold)?;
        }
        for (row, cells) in table.rows.iter().enumerate() {
            let row = u32::try_from(row + 1).map_err(|_| too_large())?;
            for (col, cell) in cells.iter().enumerate() {
                let col = u16::try_from(col).map_err(|_| too_large())?;
                match cell {
                    Cell::Text(text) => {
                        sheet.write_string(row, col, text)?;
                    }
                    // Counts are far below 2^53, where doubles stop being exact.
                    Cell::Int(n) => {
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Percent(share) if share.is_finite() => {
                        sheet.write_number_with_format(row, col, *share, &percent)?;
                    }
                    Cell::Percent(_) => {}
                }
            }
        }
        if !table.headers.is_empty() {
            sheet.set_freeze_panes(1, 0)?;
        }
        sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
        sheet.autofit();
    }
    Ok(workbook.save_to_buffer()?)
}

/// Valid, distinct Excel worksheet names for `titles`, in order.
fn sheet_names<'a>(titles: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for (index, title) in titles.enumerate() {
        let mut base = clean_sheet_name(title);
        if base.is_empty() {
            base = format!("Sheet{}", index + 1);
        }
        let mut name = truncate_utf16(&base, MAX_SHEET_NAME).to_owned();
        // Each earlier name blocks at most one suffix, so this ends within names.len() + 2.
        for n in 2..=names.len() + 2 {
            let key = name.to_lowercase();
            // Excel keeps "History" for its change tracking.
            if key != "history" && !taken.contains(&key) {
                break;
            }
            let suffix = format!(" ({n})");
            let room = MAX_SHEET_NAME - suffix.len();
            name = format!("{}{suffix}", truncate_utf16(&base, room).trim_end());
        }
        taken.push(name.to_lowercase());
        names.push(name);
    }
    names
}

/// `title` without the characters Excel forbids in sheet names, control characters and
/// surrounding apostrophes or spaces.
fn clean_sheet_name(title: &str) -> String {
    let replaced: String = title
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    replaced
        .trim_matches(|c: char| c == '\'' || c.is_whitespace())
        .to_owned()
}

/// The longest prefix of `text` that is at most `max` UTF-16 code units (Excel's measure).
fn truncate_utf16(text: &str, max: usize) -> &str {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            return text[..at].trim_end_matches('\'');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    fn provinces() -> Table {
        Table {
            title: "Báo cáo theo tỉnh/thành".to_owned(),
            headers: vec!["Tỉnh/thành".into(), "Số báo cáo".into(), "Tỷ lệ".into()],
            rows: vec![
                vec![text("Hà Nội"), Cell::Int(42), Cell::Percent(0.125)],
                vec![
                    text("Thành phố Hồ Chí Minh"),
                    Cell::Int(-3),
                    Cell::Percent(1.0),
                ],
                vec![
                    text("Huế, \"cố đô\"\r\ndòng 2"),
                    Cell::Int(0),
                    Cell::Percent(f64::NAN),
                ],
                vec![
                    text("=HYPERLINK(\"http://x.invalid\",\"bấm\")"),
                    Cell::Int(1),
                ],
            ],
        }
    }

    fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
        let body = bytes.strip_prefix(BOM).expect("starts with a BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body)
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn csv_round_trips_vietnamese_quotes_commas_and_newlines() {
        let bytes = to_csv(&provinces());
        assert!(bytes.starts_with(BOM));
        assert!(std::str::from_utf8(&bytes).is_ok());
        assert!(bytes.ends_with(b"\r\n"));
        let rows = read_csv(&bytes);
        assert_eq!(rows[0], ["Tỉnh/thành", "Số báo cáo", "Tỷ lệ"]);
        assert_eq!(rows[1], ["Hà Nội", "42", "12.5%"]);
        assert_eq!(rows[2], ["Thành phố Hồ Chí Minh", "-3", "100.0%"]);
        assert_eq!(rows[3], ["Huế, \"cố đô\"\r\ndòng 2", "0", ""]);
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn csv_defuses_formulas_in_text_only() {
        let table = Table {
            title: "t".into(),
            headers: vec!["=cmd".into(), "n".into()],
            rows: [
                "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1", "a=b", "'quoted",
            ]
            .iter()
            .map(|s| vec![text(s), Cell::Int(-7)])
            .collect(),
        };
        let rows = read_csv(&to_csv(&table));
        assert_eq!(rows[0], ["'=cmd", "n"]);
        let firsts: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            firsts,
            [
                "'=1+1",
                "'+1",
                "'-1",
                "'@SUM(A1)",
                "'\tx",
                "'\rx",
                "'＝1",
                "a=b",
                "'quoted"
            ]
        );
        assert!(
            rows[1..].iter().all(|r| r[1] == "-7"),
            "numbers stay numbers"
        );
    }

    #[test]
    fn csv_pads_short_rows_to_the_headers() {
        let rows = read_csv(&to_csv(&provinces()));
        assert_eq!(
            rows[4],
            ["'=HYPERLINK(\"http://x.invalid\",\"bấm\")", "1", ""]
        );
    }

    /// The named part of an XLSX (a zip archive), as text.
    fn part(xlsx: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn xlsx_has_one_named_sheet_per_table_with_typed_cells() {
        let second = Table {
            title: "Kênh".into(),
            headers: vec!["Kênh".into(), "Số".into()],
            rows: vec![vec![text("zalo"), Cell::Int(9)]],
        };
        let bytes = to_xlsx(&[provinces(), second]).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let sheets: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .filter(|name| name.starts_with("xl/worksheets/sheet"))
            .collect();
        assert_eq!(sheets.len(), 2, "{sheets:?}");

        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(
            workbook.contains("name=\"Báo cáo theo tỉnh-thành\""),
            "{workbook}"
        );
        assert!(workbook.contains("name=\"Kênh\""), "{workbook}");

        let strings = part(&bytes, "xl/sharedStrings.xml");
        for s in ["Tỉnh/thành", "Hà Nội", "Huế, \"cố đô\"", "=HYPERLINK("] {
            assert!(strings.contains(s), "{s} missing from {strings}");
        }
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        // Numbers are numeric cells (no t="s"), the formula-looking text a string, no formula.
        assert!(sheet.contains("<c r=\"B2\""), "{sheet}");
        assert!(
            sheet.contains("<v>42</v>") && sheet.contains("<v>-3</v>"),
            "{sheet}"
        );
        assert!(sheet.contains("<v>0.125</v>"), "{sheet}");
        assert!(!sheet.contains("<f>"), "{sheet}");
        assert!(sheet.contains("<c r=\"A5\" t=\"s\""), "{sheet}");
        assert!(!sheet.contains("r=\"C4\""), "NaN left blank: {sheet}");
        assert!(
            sheet.contains("<pane ySplit=\"1\""),
            "frozen header: {sheet}"
        );
        assert!(sheet.contains("<col "), "fitted widths: {sheet}");

        let styles = part(&bytes, "xl/styles.xml");
        assert!(styles.contains("formatCode=\"0.0%\""), "{styles}");
        assert!(styles.contains("<b/>"), "{styles}");
    }

    #[test]
    fn xlsx_needs_a_table() {
        assert!(matches!(to_xlsx(&[]), Err(ExportError::NoTables)));
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        let long = "Số ca theo nhóm tuổi và giới tính của trẻ em";
        let emoji = "\u{1F600}".repeat(20);
        let titles = [
            long,
            long,
            "a[b]c:d*e?f/g\\h",
            "'quoted'",
            "",
            "History",
            "KÊNH",
            "kênh",
            &emoji,
        ];
        let names = sheet_names(titles.into_iter());
        for name in &names {
            assert!(name.encode_utf16().count() <= MAX_SHEET_NAME, "{name}");
            assert!(
                !name.contains(['[', ']', ':', '*', '?', '/', '\\']),
                "{name}"
            );
            assert!(!name.starts_with('\'') && !name.ends_with('\''), "{name}");
            assert!(!name.is_empty());
            rust_xlsxwriter::utility::check_sheet_name(name).unwrap();
        }
        let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        for (i, name) in lower.iter().enumerate() {
            assert!(!lower[..i].contains(name), "duplicate {name} in {names:?}");
        }
        assert_eq!(names[0], "Số ca theo nhóm tuổi và giới tí");
        assert_eq!(names[1], "Số ca theo nhóm tuổi và giớ (2)");
        assert_eq!(names[2], "a-b-c-d-e-f-g-h");
        assert_eq!(names[3], "quoted");
        assert_eq!(names[4], "Sheet5");
        assert_eq!(names[5], "History (2)");
        assert_eq!(names[7], "kênh (2)");
        assert_eq!(
            names[8].encode_utf16().count(),
            30,
            "surrogate pairs are not split"
        );
    }

    #[test]
    fn many_identical_titles_all_get_sheets() {
        let tables: Vec<Table> = (0..12)
            .map(|i| Table {
                title: "Thống kê".into(),
                headers: vec!["n".into()],
                rows: vec![vec![Cell::Int(i)]],
            })
            .collect();
        let bytes = to_xlsx(&tables).unwrap();
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(workbook.contains("name=\"Thống kê (12)\""), "{workbook}");
    }
}
