//! Exact deduplication of Arrow rows.
//!
//! Every row is encoded canonically ([`encode`]) and hashed to a 16-byte key: `xxh3_128`, or
//! the first 16 bytes of `sha256`. Keys are computed in parallel on rayon, in pieces of rows
//! that never depend on batch boundaries; then they enter a [`HashSet`] one by one in row
//! order, so the first occurrence of a row is the one kept, whatever the thread count. A
//! [`HashSet`] can be saved ([`file`]) and loaded to dedupe new data against old.
//!
//! [`HashSet`] is this crate's set of row keys (`axolotl_fast.HashSet` in Python), not
//! `std::collections::HashSet`, which this module never imports.

pub mod encode;
pub mod file;
pub mod ints;
pub mod keyset;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod width_tests;

use std::path::Path;
use std::str::FromStr;

use arrow::array::RecordBatch;
use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::Xxh3;

pub use keyset::KeySet;

use crate::error::{Error, Result};
use crate::parallel;
use encode::{Column, Sink, row_prefix};

/// The version of the row encoding; keys made with another version never match ours.
pub const ROW_ENCODING_VERSION: u8 = 1;

/// Rows per unit of parallel work.
const PIECE_ROWS: usize = 256;

/// The hash that turns a row's encoding into its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// XXH3, 128-bit: fast, not cryptographic (the default).
    Xxh3_128,
    /// SHA-256 truncated to 128 bits: slower, cryptographic.
    Sha256,
}

impl HashKind {
    /// Every hash's name, as `FromStr` takes it and [`HashKind::name`] gives it.
    pub const NAMES: [&'static str; 2] = ["xxh3_128", "sha256"];

    /// The name used in the Python API.
    pub fn name(self) -> &'static str {
        match self {
            HashKind::Xxh3_128 => "xxh3_128",
            HashKind::Sha256 => "sha256",
        }
    }

    fn code(self) -> u8 {
        match self {
            HashKind::Xxh3_128 => 1,
            HashKind::Sha256 => 2,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [HashKind::Xxh3_128, HashKind::Sha256]
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

impl FromStr for HashKind {
    type Err = Error;

    /// Parses the name used in the Python API (one of [`HashKind::NAMES`]).
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "xxh3_128" => Ok(HashKind::Xxh3_128),
            "sha256" => Ok(HashKind::Sha256),
            other => Err(Error::unknown_value("hash", other, &HashKind::NAMES)),
        }
    }
}

/// The keys of every row of `batches`, in order, hashing the `columns` given (all, in schema
/// order, when `None`) on `threads` threads.
pub fn row_keys(
    batches: &[RecordBatch],
    columns: Option<&[String]>,
    kind: HashKind,
    threads: usize,
) -> Result<Vec<u128>> {
    let prepared = batches
        .iter()
        .map(|batch| prepare(batch, columns))
        .collect::<Result<Vec<_>>>()?;
    let Some((names, _)) = prepared.first() else {
        return Ok(Vec::new());
    };
    if let Some((other, _)) = prepared.iter().find(|(n, _)| n != names) {
        return Err(Error::invalid_argument(
            "data",
            format!("batches have different columns: {names:?} and {other:?}"),
        ));
    }
    let threads = if parallel::parallelism_enabled() {
        threads
    } else {
        1
    };
    let prefix = row_prefix(names);
    let pieces: Vec<(usize, usize, usize)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(b, _)| {
            let rows = batches[b].num_rows();
            (0..rows)
                .step_by(PIECE_ROWS)
                .map(move |start| (b, start, (start + PIECE_ROWS).min(rows)))
        })
        .collect();
    let hash_piece = |&(b, start, end): &(usize, usize, usize)| -> Vec<u128> {
        let cols = &prepared[b].1;
        (start..end)
            .map(|row| hash_row(kind, &prefix, cols, row))
            .collect()
    };
    let nested = parallel::map_in_order(threads, &pieces, hash_piece)?;
    Ok(nested.into_iter().flatten().collect())
}

/// A set of seen row keys and the hash that made them (`axolotl_fast.HashSet` in Python).
#[derive(Clone)]
pub struct HashSet {
    kind: HashKind,
    keys: KeySet,
}

impl HashSet {
    /// An empty set for keys made with `kind`.
    pub fn new(kind: HashKind) -> Self {
        HashSet {
            kind,
            keys: KeySet::new(),
        }
    }

    /// The hash of the keys.
    pub fn kind(&self) -> HashKind {
        self.kind
    }

    /// The keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Adds `keys` in order and returns the positions of those not seen before, plus
    /// `first_index`. With `order`, position `j` stands for the row `order[j]` of `keys`
    /// (an indices mapping, as an HF `Dataset` after `select` has).
    pub fn insert_new(
        &mut self,
        keys: &[u128],
        order: Option<&[u64]>,
        first_index: i64,
    ) -> Result<Vec<i64>> {
        let mut kept = Vec::new();
        let mut position = first_index;
        let mut add = |key: u128, kept: &mut Vec<i64>| {
            if self.keys.insert(key) {
                kept.push(position);
            }
            position += 1;
        };
        match order {
            None => keys.iter().for_each(|&key| add(key, &mut kept)),
            Some(order) => {
                for &row in order {
                    let key = usize::try_from(row)
                        .ok()
                        .and_then(|r| keys.get(r))
                        .ok_or_else(|| {
                            Error::invalid_argument(
                                "data",
                                format!("indices mapping names row {row} of {} rows", keys.len()),
                            )
                        })?;
                    add(*key, &mut kept);
                }
            }
        }
        Ok(kept)
    }

    /// Saves the set to `path` (see [`file`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        file::save(path, self.kind, &self.keys)
    }

    /// Loads a set saved with [`HashSet::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let (kind, keys) = file::load(path)?;
        Ok(HashSet { kind, keys })
    }
}

/// The column names to hash and their prepared columns.
fn prepare(batch: &RecordBatch, columns: Option<&[String]>) -> Result<(Vec<String>, Vec<Column>)> {
    let schema = batch.schema();
    let names: Vec<String> = match columns {
        Some(columns) => columns.to_vec(),
        None => schema.fields().iter().map(|f| f.name().clone()).collect(),
    };
    let prepared = names
        .iter()
        .map(|name| {
            let array = batch.column_by_name(name).ok_or_else(|| {
                let available: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
                Error::invalid_argument(
                    "columns",
                    format!("no column {name:?}; the data has {available:?}"),
                )
            })?;
            Column::new(name, array)
        })
        .collect::<Result<_>>()?;
    Ok((names, prepared))
}

fn hash_row(kind: HashKind, prefix: &[u8], columns: &[Column], row: usize) -> u128 {
    match kind {
        HashKind::Xxh3_128 => {
            let mut sink = XxhSink(Xxh3::new());
            encode_row(&mut sink, prefix, columns, row);
            sink.0.digest128()
        }
        HashKind::Sha256 => {
            let mut sink = ShaSink(Sha256::new());
            encode_row(&mut sink, prefix, columns, row);
            let digest = sink.0.finalize();
            let mut first = [0u8; 16];
            first.copy_from_slice(&digest[..16]);
            u128::from_le_bytes(first)
        }
    }
}

fn encode_row<S: Sink>(sink: &mut S, prefix: &[u8], columns: &[Column], row: usize) {
    sink.put(prefix);
    for column in columns {
        column.put(row, sink);
    }
}

struct XxhSink(Xxh3);

impl Sink for XxhSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

struct ShaSink(Sha256);

impl Sink for ShaSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
