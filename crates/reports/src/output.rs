//! One way to write any report: the formats a report can be written in, what each report offers,
//! and the one error type of writing. The command line and the web both call [`Report::render`],
//! so a format means the same everywhere and each report is laid out the same way.

use serde::Serialize;

/// The formats reports are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Csv,
    Html,
    Pdf,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Markdown,
        Format::Json,
        Format::Csv,
        Format::Html,
        Format::Pdf,
    ];

    /// The name a person types (`md`, `json`, `csv`, `html`, `pdf`), also the file's extension.
    pub fn code(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == s)
    }

    /// The media type a download in this format is sent with.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }
}

/// A report written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// One text file (Markdown, JSON, HTML, or a report's single CSV table).
    Text(String),
    /// A PDF.
    Bytes(Vec<u8>),
    /// Several CSV tables, one file each: (file name, contents).
    Tables(Vec<(&'static str, String)>),
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("there is no {format} version of the {report}; choose {offered}")]
    NotOffered {
        report: &'static str,
        format: &'static str,
        offered: String,
    },
    #[error("the page could not be written: {0}")]
    Page(#[from] askama::Error),
    #[error("the tables could not be written: {0}")]
    Csv(#[from] csv::Error),
    #[error("the JSON could not be written: {0}")]
    Json(#[from] serde_json::Error),
    /// Typst's messages, one a line.
    #[error("the PDF could not be typeset: {0}")]
    Typeset(String),
}

/// A report that can be written in some of the [`Format`]s.
pub trait Report {
    /// What the report is called in messages and file names ("annual report").
    const NAME: &'static str;
    /// The formats it offers, the first its default.
    const FORMATS: &'static [Format];

    /// Writes the report in `format`, which must be one of [`Report::FORMATS`].
    fn write(&self, format: Format) -> Result<Output, ReportError>;

    /// Writes the report in `format`, or says which formats it offers.
    fn render(&self, format: Format) -> Result<Output, ReportError> {
        if !Self::FORMATS.contains(&format) {
            return Err(ReportError::NotOffered {
                report: Self::NAME,
                format: format.code(),
                offered: Self::FORMATS
                    .iter()
                    .map(|f| f.code())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        self.write(format)
    }
}

/// A value as indented JSON ending in a newline.
pub(crate) fn json(value: &impl Serialize) -> Result<Output, ReportError> {
    Ok(Output::Text(serde_json::to_string_pretty(value)? + "\n"))
}

impl Report for crate::annual::AnnualReport {
    const NAME: &'static str = "annual report";
    const FORMATS: &'static [Format] = &Format::ALL;

    fn write(&self, format: Format) -> Result<Output, ReportError> {
        Ok(match format {
            Format::Markdown => Output::Text(crate::annual::markdown(self)),
            Format::Json => Output::Text(format!("{}\n", crate::annual::json(self))),
            Format::Csv => Output::Tables(crate::annual::csv_tables(self)?),
            Format::Html => Output::Text(crate::html::annual(self)?),
            Format::Pdf => Output::Bytes(crate::pdf::annual(self)?),
        })
    }
}

impl Report for crate::session::SessionReport {
    const NAME: &'static str = "session report";
    const FORMATS: &'static [Format] = &Format::ALL;

    fn write(&self, format: Format) -> Result<Output, ReportError> {
        Ok(match format {
            Format::Markdown => Output::Text(crate::session::markdown(self)),
            Format::Json => json(self)?,
            Format::Csv => Output::Tables(crate::session::csv_tables(self)?),
            Format::Html => Output::Text(crate::html::session(self)?),
            Format::Pdf => Output::Bytes(crate::pdf::session(self)?),
        })
    }
}

impl Report for crate::cdi::CdiReport {
    const NAME: &'static str = "Crime Data Integrity report";
    const FORMATS: &'static [Format] = &Format::ALL;

    fn write(&self, format: Format) -> Result<Output, ReportError> {
        Ok(match format {
            Format::Markdown => Output::Text(crate::cdi::markdown(self)),
            Format::Json => json(self)?,
            Format::Csv => Output::Text(crate::cdi::csv_table(self)?),
            Format::Html => Output::Text(crate::html::cdi(self)?),
            Format::Pdf => Output::Bytes(crate::pdf::cdi(self)?),
        })
    }
}

impl Report for crate::performance::PerformanceReport {
    const NAME: &'static str = "performance report";
    const FORMATS: &'static [Format] = &Format::ALL;

    fn write(&self, format: Format) -> Result<Output, ReportError> {
        Ok(match format {
            Format::Markdown => Output::Text(crate::performance::markdown(self)),
            Format::Json => Output::Text(format!("{}\n", crate::performance::json(self))),
            Format::Csv => Output::Text(crate::performance::csv(self)?),
            Format::Html => Output::Text(crate::html::performance(self)?),
            Format::Pdf => Output::Bytes(crate::pdf::performance(self)?),
        })
    }
}

impl Report for crate::board::BoardPack {
    const NAME: &'static str = "board pack";
    const FORMATS: &'static [Format] = &[Format::Pdf, Format::Markdown];

    fn write(&self, format: Format) -> Result<Output, ReportError> {
        Ok(match format {
            Format::Markdown => Output::Text(crate::board::markdown(self)),
            _ => Output::Bytes(crate::pdf::board(self)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_reads_back_from_its_code() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.code()), Some(f));
        }
        assert_eq!(Format::parse("docx"), None);
    }
}
