//! Read-only memory maps of one file, a window at a time, as zero-copy Arrow buffers.
//!
//! [`Windows::get`] hands out any byte range of the file as an Arrow [`Buffer`] that points
//! into a memory map. A map covers at least [`WINDOW`] bytes (or the whole range asked for),
//! so consecutive ranges share one map, and each map is released once the last buffer
//! pointing into it is dropped: the pages of a file read front to back leave the process as
//! its batches are consumed, and resident memory stays bounded by the batches in flight, not
//! by the file size.
//!
//! Where a file cannot be mapped (some network and virtual file systems), the range is read
//! into memory instead.
//!
//! This is the reader's one `unsafe` call. Like pyarrow's `memory_map` and HF `datasets`' Arrow
//! cache files, it assumes the file is not truncated or rewritten while it is read: a
//! truncated file makes the process fail with `SIGBUS` on the next page it touches instead of
//! reading changed bytes (docs/index.md says so).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use arrow::buffer::Buffer;

use crate::error::{Error, Location, Result};

/// The smallest map: large enough that map calls cost nothing next to decoding, small enough
/// that a window of consumed batches is soon released.
pub const WINDOW: u64 = 32 << 20;

/// One file, mapped a window at a time.
pub struct Windows {
    file: File,
    path: PathBuf,
    len: u64,
    window: u64,
    current: Option<(u64, Buffer)>,
}

impl Windows {
    /// Opens `path` for mapping, [`WINDOW`] bytes at least at a time.
    pub fn open(path: &Path) -> Result<Self> {
        Self::with_window(path, WINDOW)
    }

    /// Opens `path` for mapping, `window` bytes at least at a time.
    pub fn with_window(path: &Path, window: u64) -> Result<Self> {
        let file = File::open(path).map_err(|err| Error::io(path, err))?;
        let len = file.metadata().map_err(|err| Error::io(path, err))?.len();
        Ok(Windows {
            file,
            path: path.to_path_buf(),
            len,
            window: window.max(1),
            current: None,
        })
    }

    /// The open file (for checks that read it before it is mapped: the same file, even if
    /// another is renamed over its path meanwhile).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The smallest map, in bytes.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// The map that the last [`Windows::get`] pointed into.
    pub fn current_map(&self) -> Option<&Buffer> {
        self.current.as_ref().map(|(_, bytes)| bytes)
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes `offset .. offset + len` of the file, without copying; an error (naming `what`)
    /// when they run past its end.
    pub fn get(&mut self, offset: u64, len: u64, what: &str) -> Result<Buffer> {
        let end = offset
            .checked_add(len)
            .filter(|end| *end <= self.len)
            .ok_or_else(|| {
                self.corrupt(offset, &format!("{what} runs past the end of the file"))
            })?;
        if len == 0 {
            return Ok(Buffer::from_vec(Vec::<u8>::new()));
        }
        if let Some((start, bytes)) = &self.current {
            let map_end = start + bytes.len() as u64;
            if offset >= *start && end <= map_end {
                return self.slice(bytes, offset - start, len);
            }
        }
        let map_end = end.max(offset.saturating_add(self.window)).min(self.len);
        let bytes = self.map(offset, map_end - offset)?;
        self.current = Some((offset, bytes.clone()));
        self.slice(&bytes, 0, len)
    }

    /// The error for bytes at `offset` that are not what their format says.
    pub fn corrupt(&self, offset: u64, reason: &str) -> Error {
        let location = Location {
            path: Some(self.path.clone()),
            byte_offset: Some(offset),
            ..Location::default()
        };
        Error::data_format(location, format!("corrupt Arrow IPC data: {reason}"))
    }

    /// `len` bytes of a map from `offset` (both checked to fit in it).
    fn slice(&self, bytes: &Buffer, offset: u64, len: u64) -> Result<Buffer> {
        let (Ok(offset), Ok(len)) = (usize::try_from(offset), usize::try_from(len)) else {
            return Err(self.corrupt(offset, "a block larger than memory"));
        };
        Ok(bytes.slice_with_length(offset, len))
    }

    /// `len` bytes from `offset`, mapped; read into memory where the file cannot be mapped
    /// (some network and virtual file systems).
    fn map(&self, offset: u64, len: u64) -> Result<Buffer> {
        let len =
            usize::try_from(len).map_err(|_| self.corrupt(offset, "a block larger than memory"))?;
        match self.try_map(offset, len) {
            Ok(map) => Ok(map),
            Err(_) => self.read(offset, len),
        }
    }

    #[allow(unsafe_code)]
    fn try_map(&self, offset: u64, len: usize) -> std::io::Result<Buffer> {
        let mut options = memmap2::MmapOptions::new();
        options.offset(offset).len(len);
        // SAFETY: the map is read-only, and its bytes are only read through arrow-ipc, which
        // validates them. What is left is another process truncating or rewriting the file
        // while it is mapped: the reader's stated contract (module docs, docs/index.md), the
        // same as pyarrow's and HF datasets' memory-mapped Arrow files.
        let map = unsafe { options.map(&self.file) }?;
        // Read front to back: let the kernel read ahead.
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Buffer::from(bytes::Bytes::from_owner(map)))
    }

    fn read(&self, offset: u64, len: usize) -> Result<Buffer> {
        let mut bytes = Vec::new();
        let mut file = &self.file;
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.take(len as u64).read_to_end(&mut bytes))
            .map_err(|err| Error::io(&self.path, err))?;
        if bytes.len() < len {
            return Err(self.corrupt(offset, "the file ended early"));
        }
        Ok(Buffer::from_vec(bytes))
    }
}
