//! Typesetting reports as PDF with the Typst engine, embedded as a library. The template reads the
//! report's own JSON (`json("report.json")`), so text written by people (comments, case studies)
//! reaches the page as text and is never interpreted as markup. Fonts ship inside the binary, so a
//! report renders identically on every machine, and the output is byte-for-byte reproducible: no
//! clock is read, and the document carries no creation date.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::output::ReportError;

/// The fonts bundled with Typst (Libertinus Serif, New Computer Modern, DejaVu Sans Mono), parsed
/// once per process.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> Result<FileId, String> {
    let vpath = VirtualPath::new(path).map_err(|e| format!("{path}: {e:?}"))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// A world of in-memory files: the template and the data it reads.
struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        let bytes = self.file(id)?;
        let text = std::str::from_utf8(bytes.as_slice()).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_string()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(std::path::PathBuf::from(format!("{id:?}"))))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Typesets `template` (Typst markup) with `files` beside it, e.g. `("report.json", bytes)`.
/// `today` is what the template sees as the current date. Errors are Typst's messages, one a line.
pub fn typeset(
    template: &str,
    files: Vec<(&str, Vec<u8>)>,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, ReportError> {
    typeset_with_typst(template, files, today).map_err(ReportError::Typeset)
}

fn typeset_with_typst(
    template: &str,
    files: Vec<(&str, Vec<u8>)>,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    use chrono::Datelike;
    let main = Source::new(file_id("main.typ")?, template.to_string());
    let mut map = HashMap::new();
    for (name, bytes) in files {
        map.insert(file_id(name)?, Bytes::new(bytes));
    }
    let today = Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8)
        .ok_or("the date is out of Typst's range")?;
    let world = ReportWorld {
        main,
        files: map,
        today,
    };
    let result = typst::compile::<PagedDocument>(&world).output;
    // A server typesets many reports: let Typst's memo cache forget what it has not reused lately.
    typst::comemo::evict(10);
    let document = result.map_err(|errors| messages(&errors))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| messages(&errors))
}

fn messages(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The annual report as a PDF.
pub fn annual(report: &crate::annual::AnnualReport) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_vec(report)?;
    let chart = crate::chart::audits_svg(report).into_bytes();
    typeset(
        include_str!("../typst/annual.typ"),
        vec![("report.json", json), ("audits.svg", chart)],
        report.to,
    )
}

/// The report of one session as a PDF.
pub fn session(report: &crate::session::SessionReport) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_vec(report)?;
    typeset(
        include_str!("../typst/session.typ"),
        vec![("report.json", json)],
        report.held_on,
    )
}

/// The Crime Data Integrity report as a PDF, typeset from the worded figures of [`crate::cdi::view`].
pub fn cdi(report: &crate::cdi::CdiReport) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_vec(&crate::cdi::view(report))?;
    let (_, to) = crate::annual::year_bounds(report.year);
    typeset(
        include_str!("../typst/cdi.typ"),
        vec![("report.json", json)],
        to,
    )
}

/// The board pack as a PDF, typeset from the same [`crate::board::BoardPack`] as its Markdown.
pub fn board(pack: &crate::board::BoardPack) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_vec(pack)?;
    typeset(
        include_str!("../typst/board.typ"),
        vec![("report.json", json)],
        pack.as_of,
    )
}

/// The board performance pack as a PDF, typeset from the same tables and sentences as the
/// Markdown and HTML, with the same two charts.
pub fn performance(report: &crate::performance::PerformanceReport) -> Result<Vec<u8>, ReportError> {
    let view = crate::performance::view(report);
    let mut files = vec![("report.json", serde_json::to_vec(&view)?)];
    if let Some((trend, bands)) = view.charts {
        files.push(("trend.svg", trend.into_bytes()));
        files.push(("bands.svg", bands.into_bytes()));
    }
    typeset(include_str!("../typst/performance.typ"), files, report.to)
}
