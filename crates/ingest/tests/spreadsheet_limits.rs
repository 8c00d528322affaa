//! Spreadsheets built to exhaust memory are refused before they do, with a message that says what
//! is too large and what the limit is. This file holds one test so that the process's peak memory
//! (VmHWM) is this test's alone: every hostile file below is read, and the peak stays bounded.

mod support;

use std::io::Write;

use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{FileError, Profile, ReadFailure};

/// The peak resident memory of this process so far, in MB (Linux only; 0 elsewhere).
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn file_error(path: &std::path::Path) -> FileError {
    match read_pool_vec(Input::Path(path), &Profile::default()) {
        Err(ReadFailure::File(e)) => e,
        Err(ReadFailure::Rows(r)) => panic!("expected the file refused, got row errors: {r:?}"),
        Ok(c) => panic!("expected the file refused, got {} calls", c.len()),
    }
}

const HEADER: &str = r#"<c r="A1" t="inlineStr"><is><t>Call ID</t></is></c>"#;

#[test]
fn hostile_spreadsheets_are_refused_in_bounded_memory() {
    // 1. One cell at A1 and one at XFD1048576, with the dimension Excel would write: the sheet
    //    says it spans every column, and is refused before a cell is read.
    let declared = support::workbook(
        &[(
            "Calls",
            format!(
                r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{HEADER}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#
            ),
        )],
        &[],
    );
    assert!(
        std::fs::metadata(declared.path()).unwrap().len() < 4_096,
        "a few KB"
    );
    assert_eq!(
        file_error(declared.path()).to_string(),
        "the sheet says it reaches column XFD; at most 1024 columns are read. Delete the columns after the last one the export uses"
    );

    // 2. The same two cells with no dimension: refused at the far cell, naming it.
    let undeclared = support::workbook(
        &[(
            "Calls",
            format!(
                r#"<sheetData><row r="1">{HEADER}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#
            ),
        )],
        &[],
    );
    assert_eq!(
        file_error(undeclared.path()).to_string(),
        "row 1048576: a cell in column XFD is beyond the 1024 columns read. Delete the columns after the last one the export uses"
    );

    // 3. A cell at CV100000: within the limits, so the sheet is read, a row at a time; the stray
    //    row is reported with its spreadsheet row number and nothing is imported.
    let header: String = ["Call ID", "Started At", "Channel", "Incident Type"]
        .iter()
        .zip('A'..)
        .map(|(h, c)| format!(r#"<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>"#))
        .collect();
    let stray = support::workbook(
        &[(
            "Calls",
            format!(
                r#"<sheetData><row r="1">{header}</row><row r="100000"><c r="CV100000"><v>1</v></c></row></sheetData>"#
            ),
        )],
        &[],
    );
    match read_pool_vec(Input::Path(stray.path()), &Profile::default()) {
        Err(ReadFailure::Rows(r)) => {
            assert_eq!(r.total, 1);
            assert!(
                r.errors[0]
                    .to_string()
                    .starts_with("line 100000, column (row): "),
                "{}",
                r.errors[0]
            );
            assert!(r.errors[0].to_string().contains("has 100 fields"));
        }
        other => panic!("expected the stray row reported, got {other:?}"),
    }

    // 4. A deflate bomb: shared strings that unpack to 64 MiB from a few hundred KB. Refused from
    //    the zip's own directory, before anything is unpacked.
    let mut strings = Vec::with_capacity(64 << 20);
    strings.extend_from_slice(
        br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    while strings.len() < (64 << 20) {
        strings.extend_from_slice(b"<si><t>aaaaaaaaaaaaaaaaaaaaaaaa</t></si>");
    }
    strings.extend_from_slice(b"</sst>");
    let bomb = support::workbook(
        &[(
            "Calls",
            format!(r#"<sheetData><row r="1">{HEADER}</row></sheetData>"#),
        )],
        &[("xl/sharedStrings.xml", &strings)],
    );
    drop(strings);
    let packed = std::fs::metadata(bomb.path()).unwrap().len();
    assert!(packed < 1_000_000, "the bomb is {packed} bytes packed");
    assert_eq!(
        file_error(bomb.path()).to_string(),
        "its part xl/sharedStrings.xml unpacks to 67 MB; at most 50 MB is read into memory. Save the sheet as CSV UTF-8 and import that"
    );

    // 5. An Excel 97-2003 file is built whole when opened, so it is refused with what to do.
    let mut xls = tempfile::Builder::new().suffix(".xls").tempfile().unwrap();
    xls.write_all(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        .unwrap();
    xls.write_all(&[0; 504]).unwrap();
    assert!(
        file_error(xls.path())
            .to_string()
            .contains("Excel 97-2003 workbook (.xls), which cannot be read in bounded memory; open it in Excel or LibreOffice and save it as .xlsx or CSV UTF-8"),
    );

    // 6. A zip that is not a workbook (an OpenDocument sheet, say) is named as such.
    let ods = tempfile::Builder::new().suffix(".ods").tempfile().unwrap();
    let mut zip = zip::ZipWriter::new(ods.reopen().unwrap());
    zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"<office:document-content/>").unwrap();
    zip.finish().unwrap();
    assert!(
        file_error(ods.path())
            .to_string()
            .contains("not an Excel workbook (an OpenDocument .ods is not read)"),
    );

    // The building of the 64 MiB bomb itself is most of this; the reads add little.
    let peak = peak_mb();
    println!("peak resident memory over every hostile file: {peak} MB");
    assert!(
        peak < 300,
        "peak memory {peak} MB; the goal is under 300 MB"
    );
}
