//! What every report's writing shares: months as people write them, Markdown cells that carry
//! what people typed as text and nothing else, percentages, and CSV tables safe to open in a
//! spreadsheet.

/// The months as people write them.
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2025-06` as `June 2025`.
pub fn month_name(m: &str) -> String {
    match m
        .split_once('-')
        .and_then(|(y, mm)| Some((y, mm.parse::<usize>().ok()?)))
    {
        Some((y, mm)) if (1..=12).contains(&mm) => format!("{} {y}", MONTHS[mm - 1]),
        _ => m.to_string(),
    }
}

/// `2025-04` as `Apr 25`, for a chart's axis where twelve months must fit.
pub fn short_month(m: &str) -> String {
    match m
        .split_once('-')
        .and_then(|(y, mm)| Some((y, mm.parse::<usize>().ok()?)))
    {
        Some((y, mm)) if (1..=12).contains(&mm) => {
            format!("{} {}", &MONTHS[mm - 1][..3], y.get(2..).unwrap_or(y))
        }
        _ => m.to_string(),
    }
}

/// Text placed in a Markdown table cell: no line breaks, no column separators.
pub(crate) fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// What people typed (comments, issues, responses, actions, the coordinator's sections), made
/// to read as the words typed and nothing else: HTML tags cannot open (`<` and `>` become
/// entities) and Markdown cannot turn it into links, images, emphasis or headings (its
/// punctuation is escaped), so `<script>` or `[x](javascript:…)` reach no reader's renderer.
/// Line breaks are kept; use [`typed_cell`] inside a table.
pub(crate) fn typed(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut line_start = true;
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Links and images need brackets; code, emphasis and tables need these.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(ch);
            }
            '#' if line_start => out.push_str("\\#"),
            _ => out.push(ch),
        }
        if ch == '\n' {
            line_start = true;
        } else if !ch.is_whitespace() {
            line_start = false;
        }
    }
    out
}

/// [`typed`] text in a table cell: on one line.
pub(crate) fn typed_cell(s: &str) -> String {
    typed(s).replace(['\n', '\r'], " ")
}

/// A fraction as a whole percentage, e.g. 0.75 as `75%`.
pub(crate) fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// One CSV file a table: (file name, contents).
/// One CSV table. Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, and not a number) is prefixed with `'`, so a comment typed by
/// a volunteer can never become a formula in the coordinator's spreadsheet.
pub fn csv_table<const N: usize>(
    header: [&str; N],
    rows: Vec<[String; N]>,
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod csv_tests {
    use super::{csv_table, typed, typed_cell};

    #[test]
    fn what_people_typed_cannot_become_html_or_a_link_in_markdown() {
        assert_eq!(
            typed(
                "<script>alert(1)</script> see [the log](javascript:alert(1)) and <javascript:x>"
            ),
            "&lt;script&gt;alert(1)&lt;/script&gt; see \\[the log\\](javascript:alert(1)) and &lt;javascript:x&gt;"
        );
        assert_eq!(
            typed("# not a heading\n  # nor this, but 3 # 4"),
            "\\# not a heading\n  \\# nor this, but 3 # 4"
        );
        assert_eq!(
            typed("call_ref *urgent* `x` a|b"),
            "call\\_ref \\*urgent\\* \\`x\\` a\\|b"
        );
        assert_eq!(typed_cell("two\nlines"), "two lines");
        assert_eq!(
            typed("Caller reassured (twice)! Good."),
            "Caller reassured (twice)! Good."
        );
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_kept_as_text() {
        let out = csv_table(
            ["a", "b", "c", "d", "e"],
            vec![[
                "=HYPERLINK(\"http://x\")".into(),
                "-3.5".into(),
                "- a note".into(),
                "@cmd".into(),
                "plain".into(),
            ]],
        )
        .unwrap();
        assert_eq!(
            out.lines().nth(1).unwrap(),
            "\"'=HYPERLINK(\"\"http://x\"\")\",-3.5,'- a note,'@cmd,plain"
        );
    }
}
