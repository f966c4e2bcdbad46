//! A quick check, with sonic-rs's SIMD scanner, that JSON records fit their columns.
//!
//! The serde walk of [`json_kinds`](super::json_kinds) checks every record and explains what
//! is wrong, but it parses every string fully (unescaping into a buffer) and costs about as
//! much as arrow-json's decode of the same bytes. This check only vouches: it says "fits" for a
//! record the walk would pass, and "don't know" for anything else, which then goes to the walk
//! for its verdict and its message. So it may be stricter than the walk, never laxer.
//!
//! sonic-rs validates the JSON it skips (grammar, string escapes, control characters, number
//! syntax) except two things this module adds: that a `\u` escape has four hex digits and
//! pairs its surrogates, and that nothing follows the record's closing brace. Its skip is
//! recursive, so a record with more than [`MAX_BRACKETS`] brackets is left to the walk.
//!
//! The caller checks that a chunk is UTF-8 once, with SIMD (`simdutf8`), and hands `&str`
//! records, so sonic-rs does not check each record again.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use sonic_rs::{LazyValue, to_array_iter, to_object_iter};

use super::iso8601::parse_timestamp_seconds;
use super::json_kinds::Kind;

/// Records longer than this with more `[` and `{` bytes than this are not checked here:
/// sonic-rs skips nested values recursively, and this bounds its depth. A level takes ~250
/// bytes of stack in a release build (so ~256 KiB here) but tens of KiB in a debug build,
/// where a 2 MiB thread stack holds only ~40 levels. Shorter records cannot nest deeper.
pub const MAX_BRACKETS: usize = if cfg!(debug_assertions) { 16 } else { 1024 };
/// Kinds nested deeper than this are left to the walk (`serde_json` stops at 128 levels).
const MAX_DEPTH: usize = 100;

/// True if `record` (one trimmed JSON object) certainly fits `fields`.
pub fn record_fits(record: &str, fields: &[(String, Kind)]) -> bool {
    let bytes = record.as_bytes();
    if bytes.len() > MAX_BRACKETS
        && memchr::memchr2_iter(b'[', b'{', bytes)
            .nth(MAX_BRACKETS)
            .is_some()
    {
        return false;
    }
    match object_fits(record, fields, 0) {
        // `{`, whitespace, `}`: sonic-rs has read no further than that.
        Some(0) => bytes.get(1..).map(trim_json_whitespace) == Some(b"}"),
        // Only whitespace and the closing brace after the last value.
        Some(end) => bytes
            .get(end..)
            .is_some_and(|rest| trim_json_whitespace(rest) == b"}"),
        None => false,
    }
}

fn trim_json_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Checks the members of the object `text` against `fields`. Returns where the last member's
/// value ends (0 for an empty object), or `None` if a member is not certainly good.
fn object_fits(text: &str, fields: &[(String, Kind)], depth: usize) -> Option<usize> {
    let start = text.as_ptr() as usize;
    let mut seen = 0u64;
    let mut end = 0;
    for member in to_object_iter(text) {
        let (key, value) = member.ok()?;
        let index = fields.iter().position(|(name, _)| *name == *key)?;
        let bit = 1u64.checked_shl(u32::try_from(index).ok()?)?;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        if !value_fits(&value, &fields[index].1, depth) {
            return None;
        }
        let raw = value.as_raw_str();
        end = (raw.as_ptr() as usize + raw.len()).checked_sub(start)?;
    }
    (end <= text.len()).then_some(end)
}

/// True if the value certainly fits `kind` the way the walk's `Mode::Check` decides.
fn value_fits(value: &LazyValue, kind: &Kind, depth: usize) -> bool {
    let raw = value.as_raw_str();
    let Some(&first) = raw.as_bytes().first() else {
        return false;
    };
    match (first, kind) {
        (b'n', _) | (b't' | b'f', Kind::Bool) => true,
        (b'-' | b'0'..=b'9', Kind::Int) => is_int64(raw),
        (b'-' | b'0'..=b'9', Kind::Float) => raw.parse::<f64>().is_ok_and(f64::is_finite),
        (b'"', Kind::Str) => escapes_are_valid(raw),
        (b'"', Kind::Timestamp) => is_plain_timestamp(raw),
        (b'[', Kind::List(item)) if depth < MAX_DEPTH => to_array_iter(raw)
            .all(|item_value| item_value.is_ok_and(|v| value_fits(&v, item, depth + 1))),
        (b'{', Kind::Struct(fields)) if depth < MAX_DEPTH => {
            object_fits(raw, fields, depth + 1).is_some()
        }
        _ => false,
    }
}

/// An integer literal `serde_json` reads as `i64` (`-0` it reads as a float).
fn is_int64(raw: &str) -> bool {
    raw != "-0" && !raw.contains(['.', 'e', 'E']) && raw.parse::<i64>().is_ok()
}

/// A string without escapes that is a second-precision ISO 8601 timestamp.
fn is_plain_timestamp(raw: &str) -> bool {
    let inner = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'));
    inner.is_some_and(|inner| !inner.contains('\\') && parse_timestamp_seconds(inner).is_some())
}

/// True if every `\u` escape in the quoted string `raw` has four hex digits and every
/// surrogate escape is a high one followed by a low one (sonic-rs's skip checks neither; the
/// other escapes it has checked). Only `\u` is searched for, so text with other escapes
/// (newlines, quotes) costs one SIMD pass.
fn escapes_are_valid(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let mut paired_up_to = 0;
    for at in UNICODE_ESCAPE.find_iter(bytes) {
        if at < paired_up_to || !starts_escape(bytes, at) {
            continue;
        }
        match hex_unit(bytes, at) {
            Some(0xD800..0xDC00) => {
                if !hex_unit(bytes, at + 6).is_some_and(|low| (0xDC00..0xE000).contains(&low)) {
                    return false;
                }
                paired_up_to = at + 12;
            }
            Some(0xDC00..0xE000) | None => return false,
            Some(_) => {}
        }
    }
    true
}

/// `\u`, the text searched for.
static UNICODE_ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));

/// True if the backslash at `at` starts an escape: it ends a run of an odd number of
/// backslashes (in a valid string, the others escape each other).
fn starts_escape(bytes: &[u8], at: usize) -> bool {
    let run = bytes[..=at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count();
    run % 2 == 1
}

/// The code unit of the `\uXXXX` escape at `escape`, if it is one.
fn hex_unit(bytes: &[u8], escape: usize) -> Option<u32> {
    let digits = bytes.get(escape + 2..escape + 6)?;
    if bytes.get(escape..escape + 2) != Some(b"\\u") || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}
