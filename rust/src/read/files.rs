//! Turning the caller's sources into the list of files to read, in a deterministic order.
//!
//! A file is taken as given. A directory contributes every regular file below it whose name
//! does not start with `.` or `_` (Spark/HF markers such as `_SUCCESS`, `.lock`) and that is
//! not a known metadata file (`dataset_info.json`, `state.json`), sorted by path. Sources keep
//! the caller's order; a file named twice is read twice.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Metadata that HF `save_to_disk` writes next to the data.
const METADATA_FILES: &[&str] = &["dataset_info.json", "state.json", "dataset_dict.json"];

/// The files `sources` stand for, in reading order: directories expanded
/// (`axolotl_fast.reader.source_files` in Python, after its glob expansion).
pub fn source_files(sources: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for source in sources {
        let meta = std::fs::metadata(source).map_err(|err| Error::io(source, err))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(source, &mut found)?;
            if found.is_empty() {
                return Err(Error::invalid_argument(
                    "source",
                    format!("directory {} holds no data files", source.display()),
                ));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(source.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|err| Error::io(dir, err))?;
    for entry in entries {
        let entry = entry.map_err(|err| Error::io(dir, err))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') || METADATA_FILES.contains(&&*name) {
            continue;
        }
        let kind = entry.file_type().map_err(|err| Error::io(&path, err))?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            found.push(path);
        }
    }
    Ok(())
}
