//! The seed corpus: small valid files of every format, with their options and variant bytes.
//!
//! `cargo run --example make_seeds` (in `fuzz/`) writes them to `fuzz/seeds/<target>/`, where
//! they are committed; `scripts/fuzz.sh` copies them into a scratch corpus before each run, and
//! `cargo test` replays them (`rust/tests/fuzz_seeds.rs`).

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, ListArray, RecordBatch, StringArray};
use arrow::datatypes::Int64Type;
use arrow::ipc::CompressionType;
use arrow::ipc::writer::{FileWriter, IpcWriteOptions, StreamWriter};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::compress::Codec;

/// One seed: the target it is for, a file name and the bytes (options and variant included).
pub type Seed = (&'static str, String, Vec<u8>);

const JSONL: &[u8] = b"{\"text\": \"hello\", \"n\": 1, \"x\": 0.5}\n{\"text\": \"w\\u00f6rld\", \"n\": null, \"x\": 2}\n{\"text\": \"a\", \"n\": 3, \"tags\": [\"x\", \"y\"], \"meta\": {\"k\": true}}\n";
const JSON_ARRAY: &[u8] =
    b"[{\"text\": \"one\", \"n\": 1}, {\"text\": \"two\", \"n\": 2, \"x\": 1e3}]";
const CSV: &[u8] = b"text,n,x\nhello,1,0.5\n\"quoted, with comma\",2,\n\"multi\nline\",3,1.5\n";
const JSONL_EDGES: &[u8] = b"\xef\xbb\xbf{\"a\": 1, \"s\": \"x\"}\r\n\r\n   \n\x0c{\"a\": 2, \"s\": \"y\"}\n\t{\"a\": 3, \"s\": \"z\"}  \r\n";
const CSV_QUOTES: &[u8] = b"a,b\n\"x\"\"y\",\"1\n2\"\n\"\",3\n\"end\",\"q\"\"\n\"\"\"\n";
/// CRLF records the SIMD split takes, then a quote inside an unquoted field and a lone CR,
/// which it hands to csv_core.
const CSV_SIMD_AND_BACK: &[u8] =
    b"a,b\r\n\"x,\"\"y\"\"\",1\r\n\"\",\"\"\"\"\r\n\r\njoh\"n,2\n3,4\r5,6\n";
/// Lines the quick SIMD check vouches for (escapes, a surrogate pair, nested turns, a
/// timestamp), then ones it hands to the serde walk: a lone surrogate, text after the record,
/// a key twice, `-0` in an integer column; skipped with `on_error="skip"`.
const JSONL_QUICK_AND_BACK: &[u8] = b"{\"s\": \"a\\n\\\"b\\\" \\ud83d\\ude42\", \"i\": 1, \"t\": \"2020-01-02 03:04:05\", \"turns\": [{\"from\": \"x\", \"value\": \"y\"}]}\n\
{\"s\": \"\\ud800\", \"i\": 2}\n{\"s\": \"c\", \"i\": 3}}\n{\"s\": \"d\", \"s\": \"e\"}\n{\"i\": -0}\n\
{\"turns\": [{\"value\": \"v\", \"from\": \"w\"}], \"i\": -9223372036854775808}\n";
const TSV: &[u8] = b"text\tn\tx\nhello\t1\t0.5\nworld\t\t2.5\n";
const TEXT: &[u8] = b"first line\nsecond line\r\n\nlast line without newline";

/// Every seed of every target.
pub fn all() -> Vec<Seed> {
    let mut seeds = Vec::new();
    seeds.extend(parquet_seeds());
    seeds.extend(ipc_seeds());
    seeds.extend(text_seeds());
    seeds.extend(compressed_seeds());
    seeds.extend(pack_seeds());
    seeds
}

fn case(options: u8, variant: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![options, variant];
    out.extend_from_slice(bytes);
    out
}

/// Ten rows: a string, an integer (with nulls), a float and a list of integers.
fn sample_batch() -> RecordBatch {
    let text: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..10).map(|i| format!("row {i}")),
    ));
    let n: ArrayRef = Arc::new(Int64Array::from_iter(
        (0..10).map(|i| (i % 3 != 0).then_some(i)),
    ));
    let x: ArrayRef = Arc::new(Float64Array::from_iter_values(
        (0..10).map(|i| f64::from(i) / 4.0),
    ));
    let ids: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
        (0..10).map(|i| Some((0..i % 4).map(Some).collect::<Vec<_>>())),
    ));
    RecordBatch::try_from_iter([("text", text), ("n", n), ("x", x), ("input_ids", ids)])
        .expect("sample batch")
}

fn parquet_bytes(compression: Compression, row_group: usize) -> Vec<u8> {
    let batch = sample_batch();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(row_group))
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    out
}

fn parquet_seeds() -> Vec<Seed> {
    vec![
        (
            "read_parquet",
            "plain".into(),
            case(0, 0, &parquet_bytes(Compression::UNCOMPRESSED, 1024)),
        ),
        (
            "read_parquet",
            "snappy_groups".into(),
            case(0x39, 0, &parquet_bytes(Compression::SNAPPY, 3)),
        ),
        (
            "read_parquet",
            "zstd".into(),
            case(
                0x12,
                0,
                &parquet_bytes(Compression::ZSTD(Default::default()), 4),
            ),
        ),
    ]
}

fn ipc_bytes(stream: bool, compression: Option<CompressionType>) -> Vec<u8> {
    let batch = sample_batch();
    let options = IpcWriteOptions::default()
        .try_with_compression(compression)
        .expect("options");
    let mut out = Vec::new();
    if stream {
        let mut writer =
            StreamWriter::try_new_with_options(&mut out, &batch.schema(), options).expect("writer");
        writer.write(&batch).expect("write");
        writer.write(&batch.slice(2, 5)).expect("write");
        writer.finish().expect("finish");
    } else {
        let mut writer =
            FileWriter::try_new_with_options(&mut out, &batch.schema(), options).expect("writer");
        writer.write(&batch).expect("write");
        writer.write(&batch.slice(2, 5)).expect("write");
        writer.finish().expect("finish");
    }
    out
}

fn ipc_seeds() -> Vec<Seed> {
    let lz4 = Some(CompressionType::LZ4_FRAME);
    let zstd = Some(CompressionType::ZSTD);
    vec![
        (
            "read_ipc",
            "file".into(),
            case(0, 0, &ipc_bytes(false, None)),
        ),
        (
            "read_ipc",
            "feather_lz4".into(),
            case(0x11, 1, &ipc_bytes(false, lz4)),
        ),
        (
            "read_ipc",
            "stream".into(),
            case(0x22, 2, &ipc_bytes(true, None)),
        ),
        (
            "read_ipc",
            "stream_zstd".into(),
            case(0x31, 0, &ipc_bytes(true, zstd)),
        ),
    ]
}

fn text_seeds() -> Vec<Seed> {
    vec![
        ("read_jsonl", "lines".into(), case(0, 0, JSONL)),
        ("read_jsonl", "lines_schema".into(), case(0x55, 0, JSONL)),
        ("read_jsonl", "array".into(), case(0x11, 1, JSON_ARRAY)),
        (
            "read_jsonl",
            "bad_line_skip".into(),
            case(0x05, 0, b"{\"a\": 1}\n{oops\n{\"a\": 2}\n"),
        ),
        // A BOM, CRLF and blank lines (decoded in place) and a line after a form feed (which
        // arrow-json refuses in place: decoded from the copy); a chunk with skipped lines.
        (
            "read_jsonl",
            "bom_crlf_blank_formfeed".into(),
            case(0, 0, JSONL_EDGES),
        ),
        (
            "read_jsonl",
            "skips_width_two".into(),
            case(
                0x0d,
                0,
                b"{\"a\": 1}\n{\"a\": \"x\"}\n\n{\"a\": 2.5}\n{\"a\": 3}\n",
            ),
        ),
        (
            "read_jsonl",
            "quick_check_and_back".into(),
            case(0x05, 0, JSONL_QUICK_AND_BACK),
        ),
        (
            "read_csv",
            "quotes_and_newlines".into(),
            case(0x08, 0, CSV_QUOTES),
        ),
        ("read_csv", "csv".into(), case(0, 0, CSV)),
        (
            "read_csv",
            "simd_split_and_back".into(),
            case(0x08, 0, CSV_SIMD_AND_BACK),
        ),
        ("read_csv", "csv_schema".into(), case(0x71, 0, CSV)),
        ("read_csv", "tsv".into(), case(0x11, 1, TSV)),
        ("read_text", "lines".into(), case(0x31, 0, TEXT)),
    ]
}

/// Variant byte of `read_compressed`: codec, inner format (0 jsonl, 1 csv, 2 text), whether
/// the name has the codec's extension, whether the bytes are plain text to round-trip.
pub fn compressed_variant(codec: usize, inner: usize, named: bool, roundtrip: bool) -> u8 {
    let value = codec + 5 * inner + 15 * usize::from(!named) + 30 * usize::from(roundtrip);
    u8::try_from(value).expect("a variant below 60")
}

fn compressed_seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (c, codec) in Codec::ALL.iter().enumerate() {
        for (inner, plain) in [JSONL, CSV, TEXT].into_iter().enumerate() {
            let raw = codec.two_members(plain);
            let name = format!("{}_{inner}", codec.extension());
            seeds.push((
                "read_compressed",
                name,
                case(0, compressed_variant(c, inner, true, false), &raw),
            ));
        }
        let name = format!("{}_magic", codec.extension());
        let raw = codec.member(JSONL);
        seeds.push((
            "read_compressed",
            name,
            case(0x01, compressed_variant(c, 0, false, false), &raw),
        ));
        let name = format!("{}_roundtrip", codec.extension());
        seeds.push((
            "read_compressed",
            name,
            case(0x01, compressed_variant(c, 1, true, true), CSV),
        ));
    }
    seeds
}

fn pack_seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (i, fill) in [0x10u8, 0x7f, 0xff].into_iter().enumerate() {
        let mut bytes = vec![64, 0, 1, 0, i as u8, 1, 4, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        bytes.extend((0..96u8).map(|k| k.wrapping_mul(37) ^ fill));
        seeds.push(("pack", format!("mixed_{i}"), bytes));
    }
    seeds
}
