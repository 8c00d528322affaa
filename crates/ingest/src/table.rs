//! Rows of a file, whatever it is: CSV (UTF-8 with or without BOM, comma or semicolon) or a
//! spreadsheet (.xlsx and the other formats calamine reads). Rows are streamed to a callback with
//! their line number so that a 2 GB export is read in constant memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use calamine::{Data, DataRef, Dimensions, Reader, Xlsb, Xlsx};

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
        // calamine can panic on a damaged workbook (an arithmetic overflow on a cell reference
        // such as "AAAAAAAAAA1"); a damaged file is a refusal, never a crash.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_spreadsheet(path, opts, on_record)
        }))
        .unwrap_or_else(|_| {
            Err(FileError::Excel(
                "it is damaged (the workbook's contents do not follow the format); open it in Excel and save it again, or save it as CSV UTF-8".into(),
            ))
        })
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

/// The most columns a sheet may use: call exports have tens; Excel allows 16,384, and a sheet that
/// reaches that far is a mistake or an attack, not an export.
pub const MAX_COLUMNS: u32 = 1024;

/// The most cells read from one sheet (a million calls of 60 columns).
pub const MAX_CELLS: u64 = 64_000_000;

/// The largest part of a workbook held in memory whole (shared strings, styles, the workbook):
/// the worksheet itself is streamed, but these are read before any row is.
pub const MAX_HELD_PART_BYTES: u64 = 48 * 1024 * 1024;

/// The most a workbook may unpack to, all parts together: bounds the time a read takes.
pub const MAX_UNPACKED_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The most parts a workbook may have (a real one has tens).
const MAX_PARTS: usize = 10_000;

/// What kind of workbook a zip holds.
enum Workbook {
    Xlsx,
    Xlsb,
}

/// Checks a zip workbook before anything in it is unpacked: every part's declared size (the zip
/// reader never unpacks more than a part declares, so the declaration is a bound), the total, the
/// number of parts; and says which kind of workbook it is.
fn check_zip(path: &Path) -> Result<Workbook, FileError> {
    let too_large = FileError::TooLarge;
    let file = File::open(path).map_err(|e| FileError::Excel(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| FileError::Excel(format!("it is not a readable workbook ({e})")))?;
    if zip.len() > MAX_PARTS {
        return Err(too_large(format!(
            "the workbook has {} parts; a spreadsheet has tens, and at most {MAX_PARTS} are read",
            zip.len()
        )));
    }
    let (mut total, mut kind) = (0u64, None);
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| FileError::Excel(format!("it is not a readable workbook ({e})")))?;
        let name = part
            .name()
            .map_err(|e| FileError::Excel(format!("it is not a readable workbook ({e})")))?
            .into_owned();
        let size = part.size();
        // Worksheets are streamed; every other part calamine reads into memory whole.
        let streamed = name.contains("/worksheets/");
        if !streamed && size > MAX_HELD_PART_BYTES {
            return Err(too_large(format!(
                "its part {name} unpacks to {} MB; at most {} MB is read into memory. Save the sheet as CSV UTF-8 and import that",
                size / 1_000_000,
                MAX_HELD_PART_BYTES / 1_000_000
            )));
        }
        total = total.saturating_add(size);
        if total > MAX_UNPACKED_BYTES {
            return Err(too_large(format!(
                "the workbook unpacks to more than {} MB; save the sheet as CSV UTF-8 and import that",
                MAX_UNPACKED_BYTES / 1_000_000
            )));
        }
        match name.as_str() {
            "xl/workbook.xml" => kind = Some(Workbook::Xlsx),
            "xl/workbook.bin" => kind = Some(Workbook::Xlsb),
            _ => {}
        }
    }
    kind.ok_or_else(|| {
        FileError::Excel(
            "it is a zip file but not an Excel workbook (an OpenDocument .ods is not read); save it from Excel or LibreOffice as .xlsx or CSV UTF-8".into(),
        )
    })
}

/// Checks a sheet's declared size before its cells are read.
fn check_dimensions(dims: Dimensions) -> Result<(), FileError> {
    if dims.end.1 >= MAX_COLUMNS && dims.end.1 >= dims.start.1 {
        return Err(FileError::TooLarge(format!(
            "the sheet says it reaches column {}; at most {MAX_COLUMNS} columns are read. Delete the columns after the last one the export uses",
            column_name(dims.end.1)
        )));
    }
    Ok(())
}

/// Excel's letters for a 0-based column: 0 is A, 26 is AA.
fn column_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut name = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        name.push(b'A' + r);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Streams a sheet's cells into rows: one row is held at a time, so memory does not grow with the
/// sheet, however its cells are spread. Rows with no cells are not reported (their numbers are
/// skipped, as in Excel).
fn stream_rows<'a, E: std::fmt::Display>(
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    first_column: u32,
    declared_width: usize,
    on_record: &mut impl FnMut(u64, Record<'_>) -> bool,
) -> Result<bool, FileError> {
    let mut row: Vec<String> = Vec::new();
    let mut row_number: Option<u32> = None;
    let mut cells = 0u64;
    // Every row as wide as the sheet says it is (or as its first row, where it says nothing), as
    // a CSV export of it would be.
    let mut width = declared_width;
    let mut emit =
        |n: u32, row: &mut Vec<String>, on_record: &mut dyn FnMut(u64, Record<'_>) -> bool| {
            width = width.max(if width == 0 { row.len() } else { 0 });
            if row.len() < width {
                row.resize(width, String::new());
            }
            let fields: Vec<&str> = row.iter().map(String::as_str).collect();
            let go_on = on_record(u64::from(n) + 1, Record::Fields(&fields));
            row.clear();
            go_on
        };
    while let Some(cell) = next_cell().map_err(|e| FileError::Excel(e.to_string()))? {
        let (r, c) = cell.get_position();
        cells += 1;
        if cells > MAX_CELLS {
            return Err(FileError::TooLarge(format!(
                "the sheet has more than {MAX_CELLS} cells; split it, or save it as CSV UTF-8 and import that"
            )));
        }
        if c >= MAX_COLUMNS {
            return Err(FileError::TooLarge(format!(
                "row {}: a cell in column {} is beyond the {MAX_COLUMNS} columns read. Delete the columns after the last one the export uses",
                u64::from(r) + 1,
                column_name(c)
            )));
        }
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        match row_number {
            Some(n) if n == r => {}
            Some(n) if r < n => {
                return Err(FileError::Excel(format!(
                    "row {} comes after row {}; the sheet's rows are out of order",
                    u64::from(r) + 1,
                    u64::from(n) + 1
                )));
            }
            Some(n) => {
                if !emit(n, &mut row, on_record) {
                    return Ok(false);
                }
                row_number = Some(r);
            }
            None => row_number = Some(r),
        }
        let Some(c) = c.checked_sub(first_column).map(|c| c as usize) else {
            return Err(FileError::Excel(format!(
                "row {}: a cell in column {} lies outside the sheet's declared dimension; open the file in Excel and save it again",
                u64::from(r) + 1,
                column_name(c)
            )));
        };
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = cell_text(&value);
    }
    match row_number {
        Some(n) => Ok(emit(n, &mut row, on_record)),
        None => Err(FileError::Empty),
    }
}

fn read_spreadsheet(
    path: &Path,
    opts: &TableOptions,
    mut on_record: impl FnMut(u64, Record<'_>) -> bool,
) -> Result<(), FileError> {
    let excel = |e: &dyn std::fmt::Display| FileError::Excel(e.to_string());
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map_err(|e| excel(&e))?;
    if magic == [0xD0, 0xCF, 0x11, 0xE0] {
        // calamine builds every sheet of an .xls whole, as a grid from its first cell to its last,
        // when the file is opened: a few sparse cells would take gigabytes before any check.
        return Err(FileError::Excel(
            "it is an Excel 97-2003 workbook (.xls), which cannot be read in bounded memory; open it in Excel or LibreOffice and save it as .xlsx or CSV UTF-8".into(),
        ));
    }
    let kind = check_zip(path)?;
    let open = || File::open(path).map(BufReader::new).map_err(|e| excel(&e));
    let pick = |names: Vec<String>| -> Result<String, FileError> {
        match &opts.sheet {
            Some(s) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(s))
                .cloned()
                .ok_or_else(|| {
                    FileError::Excel(format!(
                        "it has no sheet named {s:?}; its sheets are {names:?}"
                    ))
                }),
            None => names.first().cloned().ok_or(FileError::Empty),
        }
    };
    match kind {
        Workbook::Xlsx => {
            let mut book: Xlsx<_> = Xlsx::new(open()?).map_err(|e| excel(&e))?;
            let sheet = pick(book.sheet_names())?;
            let mut cells = book.worksheet_cells_reader(&sheet).map_err(|e| excel(&e))?;
            let (first, width) = declared(cells.dimensions())?;
            stream_rows(|| cells.next_cell(), first, width, &mut on_record)?;
        }
        Workbook::Xlsb => {
            let mut book: Xlsb<_> = Xlsb::new(open()?).map_err(|e| excel(&e))?;
            let sheet = pick(book.sheet_names())?;
            let mut cells = book.worksheet_cells_reader(&sheet).map_err(|e| excel(&e))?;
            let (first, width) = declared(cells.dimensions())?;
            stream_rows(|| cells.next_cell(), first, width, &mut on_record)?;
        }
    }
    Ok(())
}

/// The first column and the width a sheet declares, once checked; a sheet that declares nothing
/// (some writers leave the dimension out) starts at column A with the width of its first row.
fn declared(dims: Dimensions) -> Result<(u32, usize), FileError> {
    check_dimensions(dims)?;
    if dims == Dimensions::default() || dims.end.1 < dims.start.1 {
        return Ok((0, 0));
    }
    Ok((dims.start.1, (dims.end.1 - dims.start.1 + 1) as usize))
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
