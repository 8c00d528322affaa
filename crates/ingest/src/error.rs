//! What a reader reports when a file is not right: one `RowError` per bad value, or a `FileError`
//! when the file as a whole cannot be read (empty, wrong encoding, missing columns).

use std::fmt;

use callaudit_domain::Problem;

/// One bad value: printed `line 14, column started_at: "31/02/2024 10:00" is not a date …; expected …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    /// The canonical column name (or the file's own header where there is no canonical one).
    pub column: String,
    pub value: String,
    pub problem: Problem,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long values are shortened so one bad cell cannot flood the terminal.
        let shown: String = self.value.chars().take(80).collect();
        let ellipsis = if self.value.chars().count() > 80 {
            "…"
        } else {
            ""
        };
        write!(
            f,
            "line {}, column {}: {:?}{} {}",
            self.line, self.column, shown, ellipsis, self.problem
        )
    }
}

/// The file as a whole could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("cannot open {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("the file is empty; expected a header row and at least one call")]
    Empty,
    #[error("the file has a header row but no rows under it; expected at least one row")]
    NoRows,
    #[error("the file is {0}; save it as \"CSV UTF-8\" and import it again")]
    Encoding(String),
    #[error("line {line}: the file is not valid CSV ({reason})")]
    Csv { line: u64, reason: String },
    #[error("the spreadsheet cannot be read: {0}")]
    Excel(String),
    #[error(
        "the file has no column for {missing}; found columns: {found}. Name them so in the header row, or map them in a profile's [columns]"
    )]
    MissingColumns { missing: String, found: String },
    #[error(
        "columns {first:?} and {second:?} both give {column}; keep one, or map one explicitly in a profile's [columns]"
    )]
    DuplicateColumn {
        column: String,
        first: String,
        second: String,
    },
    #[error("the profile is not valid: {0}")]
    Profile(String),
    #[error("{0}")]
    TooLarge(String),
}

/// Why nothing was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFailure {
    File(FileError),
    /// Every bad value found, in file order.
    Rows(RowErrors),
}

/// The bad values of a file. All are counted; the first [`RowErrors::KEEP`] are kept in full so that
/// a file of garbage cannot exhaust memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    pub errors: Vec<RowError>,
    pub total: u64,
    pub lines: u64,
    last_line: u64,
}

impl RowErrors {
    pub const KEEP: usize = 10_000;

    pub fn push(&mut self, e: RowError) {
        self.total += 1;
        if e.line != self.last_line {
            self.lines += 1;
            self.last_line = e.line;
        }
        if self.errors.len() < Self::KEEP {
            self.errors.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl From<FileError> for ReadFailure {
    fn from(e: FileError) -> Self {
        ReadFailure::File(e)
    }
}

impl fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadFailure::File(e) => write!(f, "{e}"),
            ReadFailure::Rows(rows) => {
                let s = |n: u64| if n == 1 { "" } else { "s" };
                write!(
                    f,
                    "{} problem{} on {} line{}; nothing was imported",
                    rows.total,
                    s(rows.total),
                    rows.lines,
                    s(rows.lines)
                )
            }
        }
    }
}
