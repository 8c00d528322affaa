//! Rows of a file, whatever it is: CSV (UTF-8 with or without BOM, comma or semicolon) or a
//! spreadsheet (.xlsx and the other formats calamine reads). Rows are streamed to a callback with
//! their line number so that a 2 GB export is read in constant memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use crate::error::FileError;

/// A spreadsheet is read into memory whole; beyond this size an export should be CSV.
pub const MAX_SPREADSHEET_BYTES: u64 = 200 * 1024 * 1024;

/// No line of a call export comes near this; a file with a longer one is not an export, and the
/// CSV reader would otherwise hold the whole line in memory however large it grew.
pub const MAX_LINE_BYTES: u64 = 1024 * 1024;

/// Passes bytes through, failing once more than [`MAX_LINE_BYTES`] arrive without a line break.
struct LineGuard<R> {
    inner: R,
    since_newline: u64,
    /// Line breaks passed so far: the runaway line is the next one.
    newlines: u64,
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        match buf[..n].iter().rposition(|b| *b == b'\n') {
            Some(p) => self.since_newline = (n - p - 1) as u64,
            None => self.since_newline += n as u64,
        }
        if self.since_newline > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line runs on for more than {} MiB without a line break; expected one call per line",
                    MAX_LINE_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(n)
    }
}

/// How to read a table; a profile can fix what is otherwise detected.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
}

/// One record of the file: its fields, or why they could not be read as text.
pub enum Record<'a> {
    Fields(&'a [&'a str]),
    /// Field `field` (0-based) is not UTF-8; `lossy` shows it with the bad bytes replaced.
    NotUtf8 {
        field: usize,
        lossy: String,
    },
}

/// Calls `on_record(line, record)` for every record, the header row first. Returning `false` from
/// the callback stops reading early.
pub fn read_path(
    path: &Path,
    opts: &TableOptions,
    on_record: impl FnMut(u64, Record<'_>) -> bool,
) -> Result<(), FileError> {
    let open_err = |e: std::io::Error| FileError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut file = File::open(path).map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    if meta.is_dir() {
        return Err(FileError::Open {
            path: path.display().to_string(),
            reason: "it is a folder; expected a CSV or Excel file".into(),
        });
    }
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(open_err)?;
    drop(file);
    // Zip (xlsx, ods) and OLE (xls) signatures: a spreadsheet whatever its name says.
    let spreadsheet = n == 4 && (magic == *b"PK\x03\x04" || magic == [0xD0, 0xCF, 0x11, 0xE0]);
    if spreadsheet {
        if meta.len() > MAX_SPREADSHEET_BYTES {
            return Err(FileError::TooLarge(format!(
                "the spreadsheet is {} MB; spreadsheets over {} MB are not read into memory. Save it as CSV UTF-8 and import that",
                meta.len() / 1_000_000,
                MAX_SPREADSHEET_BYTES / 1_000_000
            )));
        }
        read_spreadsheet(path, opts, on_record)
    } else {
        read_csv(File::open(path).map_err(open_err)?, opts, on_record)
    }
}

/// Reads CSV from any byte stream (the fuzz target feeds bytes here).
pub fn read_csv(
    input: impl Read,
    opts: &TableOptions,
    mut on_record: impl FnMut(u64, Record<'_>) -> bool,
) -> Result<(), FileError> {
    let mut input = BufReader::with_capacity(
        1 << 20,
        LineGuard {
            inner: input,
            since_newline: 0,
            newlines: 0,
        },
    );
    let head = input.fill_buf().map_err(|e| FileError::Csv {
        line: 1,
        reason: e.to_string(),
    })?;
    if head.is_empty() {
        return Err(FileError::Empty);
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::Encoding("UTF-16".into()));
    }
    if head.iter().take(4096).any(|b| *b == 0) {
        return Err(FileError::Encoding(
            "not text (it holds NUL bytes: binary, or UTF-16 without a byte-order mark)".into(),
        ));
    }
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(&head[if bom { 3 } else { 0 }..]));
    if bom {
        input.consume(3);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // Only LF ends a record: with the default CR/LF handling the csv crate dates each record
        // from before the LF of a CRLF pair, and every line number after the first is one short.
        // The CR that is left on the last field is removed below.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                // Errors of the underlying reader carry no position; the guard knows the line.
                let line = e
                    .position()
                    .map_or(reader.get_ref().get_ref().newlines + 1, |p| p.line());
                let reason = match e.kind() {
                    csv::ErrorKind::Io(io) => io.to_string(),
                    _ => e.to_string(),
                };
                return Err(FileError::Csv { line, reason });
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let mut fields: Vec<&str> = Vec::with_capacity(record.len());
        let mut bad = None;
        let last = record.len().saturating_sub(1);
        for (i, f) in record.iter().enumerate() {
            let f = if i == last {
                f.strip_suffix(b"\r").unwrap_or(f)
            } else {
                f
            };
            match std::str::from_utf8(f) {
                Ok(s) => fields.push(s),
                Err(_) => {
                    bad = Some((i, String::from_utf8_lossy(f).into_owned()));
                    break;
                }
            }
        }
        let go_on = match bad {
            None => on_record(line, Record::Fields(&fields)),
            Some((field, lossy)) => on_record(line, Record::NotUtf8 { field, lossy }),
        };
        if !go_on {
            return Ok(());
        }
    }
}

/// Semicolons are the separator of CSV saved by Excel in much of Europe; a header line with more
/// semicolons than commas is taken to use them.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

fn read_spreadsheet(
    path: &Path,
    opts: &TableOptions,
    mut on_record: impl FnMut(u64, Record<'_>) -> bool,
) -> Result<(), FileError> {
    let mut book = open_workbook_auto(path).map_err(|e| FileError::Excel(e.to_string()))?;
    let names = book.sheet_names();
    let sheet = match &opts.sheet {
        Some(s) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(s))
            .cloned()
            .ok_or_else(|| {
                FileError::Excel(format!(
                    "it has no sheet named {s:?}; its sheets are {names:?}"
                ))
            })?,
        None => names.first().cloned().ok_or(FileError::Empty)?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| FileError::Excel(e.to_string()))?;
    if range.is_empty() {
        return Err(FileError::Empty);
    }
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut cells: Vec<String> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        cells.clear();
        cells.extend(row.iter().map(cell_text));
        let fields: Vec<&str> = cells.iter().map(String::as_str).collect();
        // Spreadsheet row numbers, as the user sees them in Excel.
        let line = u64::from(first_row) + i as u64 + 1;
        if !on_record(line, Record::Fields(&fields)) {
            break;
        }
    }
    Ok(())
}

/// A cell as the text a CSV export of it would hold; dates in the canonical local form.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Whole numbers typed into Excel are floats; print them as the integers they are.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, FileError> {
        let mut out = Vec::new();
        read_csv(bytes, &TableOptions::default(), |line, r| {
            match r {
                Record::Fields(f) => out.push((line, f.iter().map(|s| s.to_string()).collect())),
                Record::NotUtf8 { field, lossy } => {
                    out.push((line, vec![format!("!{field}:{lossy}")]))
                }
            }
            true
        })?;
        Ok(out)
    }

    #[test]
    fn bom_and_semicolons_are_handled() {
        let r = rows("\u{feff}a;b\n1;\"x;y\"\n".as_bytes()).unwrap();
        assert_eq!(
            r,
            [
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "x;y".into()])
            ]
        );
    }

    #[test]
    fn lines_count_quoted_newlines() {
        let r = rows(b"a,b\n1,\"two\nlines\"\n3,4\n").unwrap();
        assert_eq!(r[2].0, 4);
    }

    #[test]
    fn a_line_without_end_is_refused_before_it_fills_memory() {
        let mut big = b"a,b\n1,".to_vec();
        big.extend(std::iter::repeat_n(b'x', (MAX_LINE_BYTES + 10) as usize));
        let e = rows(&big).unwrap_err();
        assert!(
            matches!(&e, FileError::Csv { line: 2, reason } if reason.contains("without a line break")),
            "{e}"
        );
    }

    #[test]
    fn crlf_files_keep_their_line_numbers_and_lose_the_cr() {
        let r = rows(b"a,b\r\n1,\"x\r\ny\"\r\n5,6\r\n").unwrap();
        assert_eq!(r[1], (2, vec!["1".into(), "x\r\ny".into()]));
        assert_eq!(r[2], (4, vec!["5".into(), "6".into()]));
    }

    #[test]
    fn encodings_that_are_not_utf8_are_named() {
        assert_eq!(rows(b"").unwrap_err(), FileError::Empty);
        assert_eq!(
            rows(&[0xFF, 0xFE, b'a', 0]).unwrap_err(),
            FileError::Encoding("UTF-16".into())
        );
        let r = rows(b"a\ncaf\xe9\n").unwrap();
        assert_eq!(r[1].1, ["!0:caf\u{fffd}"]);
    }
}
