//! Excel exports: a real .xlsx (written here with the zip crate, as Excel lays it out) imports
//! like its CSV twin, with numeric call references and date-formatted cells handled.

use std::io::Write;

use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{Profile, ReadFailure};

/// A workbook whose first sheet holds `rows`; a cell is `s:TEXT` (inline string), `n:NUMBER`, or
/// `d:SERIAL` (a number with a date-time format, as Excel stores dates).
fn xlsx(sheets: &[(&str, &[&[&str]])]) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    let mut zip = zip::ZipWriter::new(file.reopen().unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: String| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    put(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>"#
        ),
    );
    put("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into());
    let names: String = sheets
        .iter()
        .enumerate()
        .map(|(i, (n, _))| {
            format!(
                r#"<sheet name="{n}" sheetId="{}" r:id="rId{}"/>"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    put(
        "xl/workbook.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{names}</sheets></workbook>"#
        ),
    );
    let rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
        .collect();
    put(
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
        ),
    );
    // Style 1 is built-in number format 22, "m/d/yyyy h:mm": what marks a cell as a date.
    put("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>"#.into());
    for (i, (_, rows)) in sheets.iter().enumerate() {
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!(r#"<row r="{}">"#, r + 1));
            for (c, cell) in row.iter().enumerate() {
                let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
                let (kind, v) = cell.split_at(2);
                data.push_str(&match kind {
                    "s:" => format!(r#"<c r="{at}" t="inlineStr"><is><t>{v}</t></is></c>"#),
                    "n:" => format!(r#"<c r="{at}"><v>{v}</v></c>"#),
                    _ => format!(r#"<c r="{at}" s="1"><v>{v}</v></c>"#),
                });
            }
            data.push_str("</row>");
        }
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            ),
        );
    }
    zip.finish().unwrap();
    file
}

const HEADER: &[&str] = &[
    "s:Call ID",
    "s:Started At",
    "s:Channel",
    "s:Incident Type",
    "s:Answer S",
];

#[test]
fn an_excel_export_reads_with_numbers_and_dates_as_excel_holds_them() {
    // 45383.4270833333 is 2024-04-01 10:15 (British Summer Time, so 09:15 UTC).
    let book = xlsx(&[(
        "Calls",
        &[
            HEADER,
            &[
                "n:2023000319821",
                "d:45383.4270833333",
                "n:999",
                "s:HATE CRIME",
                "n:4",
            ],
            &["s:CH-2", "s:02/04/2024 11:00", "s:101", "s:ASB", "s:"],
        ],
    )]);
    let calls = read_pool_vec(Input::Path(book.path()), &Profile::default()).unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].call_ref.as_str(),
        "2023000319821",
        "a numeric reference keeps all its digits"
    );
    assert_eq!(
        calls[0].started_at.to_rfc3339(),
        "2024-04-01T09:15:00+00:00"
    );
    assert_eq!(calls[0].answer_s, Some(4));
    assert_eq!(
        calls[1].started_at.to_rfc3339(),
        "2024-04-02T10:00:00+00:00"
    );
}

#[test]
fn a_named_sheet_is_read_and_a_missing_one_is_named() {
    let rows: &[&[&str]] = &[
        HEADER,
        &["s:X1", "s:2024-04-02 10:00", "s:999", "s:ASB", "s:"],
    ];
    let book = xlsx(&[("Notes", &[&["s:nothing here"]]), ("Calls", rows)]);
    let profile = Profile::parse("sheet = \"calls\"").unwrap();
    assert_eq!(
        read_pool_vec(Input::Path(book.path()), &profile)
            .unwrap()
            .len(),
        1
    );
    let missing = Profile::parse("sheet = \"Pool\"").unwrap();
    let Err(ReadFailure::File(e)) = read_pool_vec(Input::Path(book.path()), &missing) else {
        panic!("expected a file error")
    };
    assert_eq!(
        e.to_string(),
        "the spreadsheet cannot be read: it has no sheet named \"Pool\"; its sheets are [\"Notes\", \"Calls\"]"
    );
}

#[test]
fn bad_cells_are_reported_with_their_spreadsheet_row() {
    let book = xlsx(&[(
        "Calls",
        &[
            HEADER,
            &["s:X1", "s:2024-04-02 10:00", "s:999", "s:ASB", "s:"],
            &["s:X2", "s:soon", "s:999", "s:ASB", "s:"],
        ],
    )]);
    let Err(ReadFailure::Rows(e)) = read_pool_vec(Input::Path(book.path()), &Profile::default())
    else {
        panic!("expected row errors")
    };
    assert!(
        e.errors[0]
            .to_string()
            .starts_with("line 3, column started_at: \"soon\" is not a date and time"),
        "{}",
        e.errors[0]
    );
}

#[test]
fn a_damaged_workbook_is_a_clear_error() {
    let book = xlsx(&[("Calls", &[HEADER])]);
    let mut bytes = std::fs::read(book.path()).unwrap();
    bytes.truncate(bytes.len() / 2);
    let cut = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    std::fs::write(cut.path(), bytes).unwrap();
    let Err(ReadFailure::File(e)) = read_pool_vec(Input::Path(cut.path()), &Profile::default())
    else {
        panic!("expected a file error")
    };
    assert!(
        e.to_string().starts_with("the spreadsheet cannot be read"),
        "{e}"
    );
}
