//! The fields of a CSV chunk found with SIMD, for chunks that `csv_core` would read the same way.
//!
//! arrow-csv splits records with `csv_core`, a byte-at-a-time state machine; on long text
//! fields that is most of a CSV read. [`split_plain`] finds the records and fields with
//! `simd-csv`'s zero-copy reader instead, which searches for quotes, delimiters and newlines
//! 16-32 bytes at a time, then checks every field before using it. simd-csv reads some
//! malformed CSV differently from `csv_core` (a quote inside an unquoted field, text after a
//! closing quote, a lone CR, a BOM at the start of a later chunk), so a chunk holding any of
//! those, a record with another number of fields, or invalid UTF-8, is not split here:
//! [`split_plain`] returns `None` and the caller reads it with `csv_core`, which gives the data
//! or the error it always gave. What it does return is what `csv_core` gives, field for field,
//! with every empty field `""` (arrow-csv makes those null; the CSV reader treats both alike).

use std::io::Cursor;
use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryBuilder, RecordBatch, StringArray};
use arrow::datatypes::SchemaRef;
use simd_csv::ZeroCopyReaderBuilder;

const QUOTE: u8 = b'"';
const BOM: &[u8] = b"\xef\xbb\xbf";
/// The zero-copy reader's buffer: records longer than this are gathered across refills.
const BUFFER_BYTES: usize = 1 << 16;

/// The fields of `body`'s records as one string column per field of `strings`, skipping the
/// first record when `skip_header`; `None` where `csv_core` must split the chunk instead.
pub fn split_plain(
    body: &[u8],
    skip_header: bool,
    delimiter: u8,
    strings: &SchemaRef,
) -> Option<RecordBatch> {
    if !plain_line_ends(body) || i32::try_from(body.len()).is_err() {
        return None;
    }
    let columns = strings.fields().len();
    // Room for a column holding up to twice its share of the chunk without growing (a grown
    // buffer is copied).
    let per_column = (2 * body.len() / columns.max(1)).min(body.len());
    let mut builders: Vec<BinaryBuilder> = (0..columns)
        .map(|_| BinaryBuilder::with_capacity(body.len() / 256, per_column))
        .collect();
    let mut reader = ZeroCopyReaderBuilder::with_capacity(BUFFER_BYTES)
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(body));
    let mut scratch = Vec::new();
    let mut header = skip_header;
    while let Some(record) = reader.read_byte_record().ok()? {
        // The header is checked like any record: where simd-csv ends it decides every row.
        if record.len() != columns {
            return None;
        }
        if std::mem::take(&mut header) {
            for field in record.iter() {
                field_value(field, &mut scratch)?;
            }
            continue;
        }
        for (field, builder) in record.iter().zip(&mut builders) {
            builder.append_value(field_value(field, &mut scratch)?);
        }
    }
    let arrays = builders
        .iter_mut()
        .map(|builder| {
            let array = StringArray::try_from_binary(builder.finish()).ok()?;
            Some(Arc::new(array) as ArrayRef)
        })
        .collect::<Option<Vec<_>>>()?;
    RecordBatch::try_new(strings.clone(), arrays).ok()
}

/// Whether every CR is the first half of a CRLF and a later chunk does not start with a BOM
/// (simd-csv drops a record's leading CR and a stream's BOM, `csv_core` does neither).
fn plain_line_ends(body: &[u8]) -> bool {
    !body.starts_with(BOM)
        && memchr::memchr_iter(b'\r', body).all(|at| body.get(at + 1) == Some(&b'\n'))
}

/// The value `csv_core` gives for the raw `field`, or `None` where it might read it otherwise.
///
/// An unquoted field must hold no quote; a quoted one must be closed by its last byte and
/// hold no quote inside but doubled ones, which become one (`"a""b"` is `a"b`).
fn field_value<'f>(field: &'f [u8], scratch: &'f mut Vec<u8>) -> Option<&'f [u8]> {
    let Some(rest) = field.strip_prefix(&[QUOTE]) else {
        return memchr::memchr(QUOTE, field).is_none().then_some(field);
    };
    let inner = rest.strip_suffix(&[QUOTE])?;
    let Some(first_quote) = memchr::memchr(QUOTE, inner) else {
        return Some(inner);
    };
    scratch.clear();
    let mut start = 0;
    let mut at = first_quote;
    loop {
        if inner.get(at + 1) != Some(&QUOTE) {
            return None;
        }
        scratch.extend_from_slice(&inner[start..=at]);
        start = at + 2;
        match memchr::memchr(QUOTE, &inner[start..]) {
            Some(next) => at = start + next,
            None => break,
        }
    }
    scratch.extend_from_slice(&inner[start..]);
    Some(scratch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::{DataType, Field, Schema};
    use proptest::prelude::*;

    fn strings(columns: usize) -> SchemaRef {
        let fields: Vec<Field> = (0..columns)
            .map(|i| Field::new(format!("c{i}"), DataType::Utf8, true))
            .collect();
        Arc::new(Schema::new(fields))
    }

    fn rows(batch: &RecordBatch) -> Vec<Vec<String>> {
        (0..batch.num_rows())
            .map(|row| {
                let columns = batch.columns().iter();
                columns
                    .map(|c| c.as_string::<i32>().value(row).to_owned())
                    .collect()
            })
            .collect()
    }

    fn split(body: &str, columns: usize) -> Option<Vec<Vec<String>>> {
        split_plain(body.as_bytes(), false, b',', &strings(columns)).map(|b| rows(&b))
    }

    fn split_after_header(body: &str, columns: usize) -> Option<Vec<Vec<String>>> {
        split_plain(body.as_bytes(), true, b',', &strings(columns)).map(|b| rows(&b))
    }

    #[test]
    fn quoted_fields_lose_their_quotes_and_doubled_quotes_become_one() {
        let got = split("a,\"b,\"\"c\"\"\nd\"\r\n\"\",x\n\n", 2).unwrap();
        assert_eq!(got, [vec!["a", "b,\"c\"\nd"], vec!["", "x"]]);
    }

    #[test]
    fn the_header_is_skipped_when_asked() {
        let batch = split_plain(b"h1,h2\n1,2\n", true, b',', &strings(2)).unwrap();
        assert_eq!(rows(&batch), [vec!["1", "2"]]);
    }

    #[test]
    fn tabs_delimit_tsv() {
        let batch = split_plain(b"a\tb,c\n", false, b'\t', &strings(2)).unwrap();
        assert_eq!(rows(&batch), [vec!["a", "b,c"]]);
    }

    #[test]
    fn what_csv_core_might_read_otherwise_is_handed_back() {
        for body in [
            "joh\"n,landis\nb,c\n", // a quote inside an unquoted field
            "\"ab\"cd,e\n",         // text after the closing quote
            "\"a\"b\",c\n",         // a lone quote inside a quoted field
            "\"abc,d\n",            // a quote never closed
            "a,b\rc,d\n",           // a lone CR ends a record for csv_core
            "a,b\n\rc,d\n",         // simd-csv drops a record's leading CR
            "\u{feff}a,b\n",        // a BOM (the caller strips the first chunk's)
            "a,b,c\n",              // another number of fields
        ] {
            assert_eq!(split(body, 2), None, "{body:?}");
        }
    }

    #[test]
    fn a_header_simd_csv_would_end_elsewhere_is_handed_back() {
        // A quote inside the header's unquoted field: simd-csv would read on to the end.
        assert_eq!(split_after_header("na\"me,x\n1,2\n3,4\n", 2), None);
        assert_eq!(
            split_after_header("name,x\n1,2\n", 2),
            Some(vec![vec!["1".into(), "2".into()]])
        );
    }

    /// What arrow-csv (`csv_core`) gives for `body`, nulls as `""`, or `None` on its error.
    fn csv_core(body: &[u8], columns: usize, header: bool) -> Option<Vec<Vec<String>>> {
        let reader = arrow::csv::ReaderBuilder::new(strings(columns))
            .with_header(header)
            .with_batch_size(1 << 20)
            .build(Cursor::new(body))
            .ok()?;
        let batches = reader.collect::<Result<Vec<_>, _>>().ok()?;
        Some(batches.iter().flat_map(rows).collect())
    }

    fn csv_text() -> impl Strategy<Value = String> {
        let byte = prop::sample::select(vec!['a', 'é', ',', '"', '\n', '\r', ' ']);
        prop::collection::vec(byte, 0..40).prop_map(|chars| chars.into_iter().collect())
    }

    /// Fields written as a CSV writer would: quoted where they hold a quote, comma or newline.
    fn written_csv() -> impl Strategy<Value = (String, usize)> {
        let field =
            prop::collection::vec(prop::sample::select(vec!['a', ',', '"', '\n', ' ']), 0..6)
                .prop_map(|chars| chars.into_iter().collect::<String>());
        (1..4usize).prop_flat_map(move |columns| {
            let record = prop::collection::vec(field.clone(), columns);
            prop::collection::vec(record, 0..6).prop_map(move |records| {
                let text: String = records.iter().map(|r| write_record(r) + "\r\n").collect();
                (text, columns)
            })
        })
    }

    fn write_record(fields: &[String]) -> String {
        let quoted = |f: &String| {
            let special = f.contains([',', '"', '\n']) || (fields.len() == 1 && f.is_empty());
            if special {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        };
        fields.iter().map(quoted).collect::<Vec<_>>().join(",")
    }

    proptest! {
        #[test]
        fn what_it_splits_is_what_csv_core_gives(
            text in csv_text(), columns in 1..4usize, header: bool
        ) {
            let ours = split_plain(text.as_bytes(), header, b',', &strings(columns));
            if let Some(ours) = ours.map(|b| rows(&b)) {
                prop_assert_eq!(Some(ours), csv_core(text.as_bytes(), columns, header));
            }
        }

        #[test]
        fn csv_as_writers_write_it_is_split_here((text, columns) in written_csv(), header: bool) {
            let ours = split_plain(text.as_bytes(), header, b',', &strings(columns));
            let ours = ours.map(|b| rows(&b));
            prop_assert_eq!(ours, csv_core(text.as_bytes(), columns, header));
        }
    }

    #[test]
    fn invalid_utf8_is_handed_back() {
        assert!(split_plain(b"a,\xff\n", false, b',', &strings(2)).is_none());
    }
}
