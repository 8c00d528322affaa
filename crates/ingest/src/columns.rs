//! Finding each canonical column in a file's header row: by the profile's mapping if it names one,
//! otherwise by the canonical name itself, ignoring case, spaces, `_` and `-`.

use std::collections::BTreeMap;

use callaudit_domain::text::match_key;

use crate::error::FileError;

/// A column a reader understands.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    pub name: &'static str,
    pub required: bool,
}

impl ColumnDef {
    pub const fn new(name: &'static str, required: bool) -> Self {
        ColumnDef { name, required }
    }
}

/// Where each column of a `ColumnDef` list is in the file (`None`: not present).
#[derive(Debug, Clone)]
pub struct Columns {
    pub index: Vec<Option<usize>>,
    pub width: usize,
}

impl Columns {
    pub fn resolve(
        defs: &[ColumnDef],
        header: &[&str],
        mapped: &BTreeMap<String, String>,
    ) -> Result<Columns, FileError> {
        let keys: Vec<String> = header.iter().map(|h| match_key(h)).collect();
        let mut index = Vec::with_capacity(defs.len());
        let mut missing = Vec::new();
        for d in defs {
            let (wanted, label) = match mapped.get(d.name) {
                Some(theirs) => (
                    match_key(theirs),
                    format!("{} (mapped to {theirs:?})", d.name),
                ),
                None => (match_key(d.name), d.name.to_string()),
            };
            let found: Vec<usize> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| !k.is_empty() && **k == wanted)
                .map(|(i, _)| i)
                .collect();
            if let [first, second, ..] = found[..] {
                return Err(FileError::DuplicateColumn {
                    column: d.name.into(),
                    first: header[first].into(),
                    second: header[second].into(),
                });
            }
            if found.is_empty() && (d.required || mapped.contains_key(d.name)) {
                missing.push(label);
            }
            index.push(found.first().copied());
        }
        if !missing.is_empty() {
            let found = header
                .iter()
                .filter(|h| !h.trim().is_empty())
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>();
            return Err(FileError::MissingColumns {
                missing: missing.join(", "),
                found: if found.is_empty() {
                    "none".into()
                } else {
                    found.join(", ")
                },
            });
        }
        Ok(Columns {
            index,
            width: header.len(),
        })
    }

    /// The value of column `i` of the defs in a row; absent columns read as empty.
    pub fn get<'a>(&self, row: &[&'a str], i: usize) -> &'a str {
        self.index[i]
            .and_then(|j| row.get(j).copied())
            .unwrap_or("")
    }
}
