//! Excel exports: a real .xlsx (written here with the zip crate, as Excel lays it out) imports
//! like its CSV twin, with numeric call references and date-formatted cells handled.

mod support;

use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{Profile, ReadFailure};

/// A workbook whose sheets hold `rows`; a cell is `s:TEXT` (inline string), `n:NUMBER`, or
/// `d:SERIAL` (a number with a date-time format, as Excel stores dates).
fn xlsx(sheets: &[(&str, &[&[&str]])]) -> tempfile::NamedTempFile {
    let sheets: Vec<(&str, String)> = sheets
        .iter()
        .map(|(name, rows)| {
            let mut data = String::from("<sheetData>");
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
            data.push_str("</sheetData>");
            (*name, data)
        })
        .collect();
    support::workbook(&sheets, &[])
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

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// A workbook damaged anywhere is read or refused, never a panic (the fuzz target
    /// `spreadsheet` goes further).
    #[test]
    fn a_workbook_damaged_anywhere_never_panics(
        flips in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 1..8)
    ) {
        let book = xlsx(&[(
            "Calls",
            &[HEADER, &["s:X1", "s:2024-04-02 10:00", "s:999", "s:ASB", "n:4"]],
        )]);
        let mut bytes = std::fs::read(book.path()).unwrap();
        for (at, b) in flips {
            let i = ((bytes.len() - 1) as f64 * at) as usize;
            bytes[i] = b;
        }
        let damaged = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        std::fs::write(damaged.path(), &bytes).unwrap();
        let _ = read_pool_vec(Input::Path(damaged.path()), &Profile::default());
    }
}

#[test]
fn a_cell_reference_past_any_column_is_refused_not_a_crash() {
    let book = support::workbook(
        &[(
            "Calls",
            r#"<sheetData><row r="1"><c r="AAAAAAAAAAAAAAA1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#.into(),
        )],
        &[],
    );
    let Err(ReadFailure::File(e)) = read_pool_vec(Input::Path(book.path()), &Profile::default())
    else {
        panic!("expected a file error")
    };
    // Built with overflow checks, calamine panics on the reference and the file is called
    // damaged; without them the column wraps round and lands beyond the columns read.
    let e = e.to_string();
    assert!(
        e.starts_with("the spreadsheet cannot be read: it is damaged")
            || e.contains("is beyond the 1024 columns read"),
        "{e}"
    );
}
