//! The kinds of JSON values, inferred the way pyarrow's JSON reader infers them, and the check
//! of later rows against the inferred (or given) kinds.
//!
//! pyarrow's rules: `null` fits anything; integers are `int64` unless a value has a fraction,
//! an exponent or does not fit, then `double`; strings that are ISO 8601 timestamps with at
//! most second precision are `timestamp[s]`, other strings `string`; arrays are lists of the
//! merged item kind; objects are structs whose fields are the union of keys in order of first
//! appearance. Any other change of kind (number then string, ...) is a conflict.
//!
//! Walking a row is a serde visit that allocates nothing per row once the keys are known.

use std::fmt;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::iso8601::parse_timestamp_seconds;

/// The inferred kind of a JSON value (a column, a list item or a struct field).
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Only nulls so far.
    Null,
    /// `true` / `false`.
    Bool,
    /// Integers that fit in `int64`.
    Int,
    /// Any number.
    Float,
    /// ISO 8601 strings with at most second precision.
    Timestamp,
    /// Any string.
    Str,
    /// An array with items of this kind.
    List(Box<Kind>),
    /// An object with these fields, in order of first appearance.
    Struct(Vec<(String, Kind)>),
}

impl Kind {
    /// pyarrow's name for the kind of JSON value, used in conflict messages.
    fn family(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Int | Kind::Float => "number",
            Kind::Timestamp | Kind::Str => "string",
            Kind::List(_) => "array",
            Kind::Struct(_) => "object",
        }
    }

    /// The Arrow type pyarrow gives this kind. With `for_decoder`, timestamps stay strings:
    /// they are converted after decoding, with the same parser that recognised them.
    pub fn to_arrow(&self, for_decoder: bool) -> DataType {
        match self {
            Kind::Null => DataType::Null,
            Kind::Bool => DataType::Boolean,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Timestamp if for_decoder => DataType::Utf8,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Second, None),
            Kind::Str => DataType::Utf8,
            Kind::List(item) => {
                DataType::List(Field::new("item", item.to_arrow(for_decoder), true).into())
            }
            Kind::Struct(fields) => DataType::Struct(struct_fields(fields, for_decoder)),
        }
    }
}

/// The kinds of the fields of an explicit schema, or the first type JSON values cannot be
/// read as (named with its field).
pub fn kinds_of_schema(fields: &Fields) -> Result<Vec<(String, Kind)>, String> {
    fields
        .iter()
        .map(|field| Ok((field.name().clone(), kind_of(field)?)))
        .collect()
}

fn kind_of(field: &Field) -> Result<Kind, String> {
    Ok(match field.data_type() {
        DataType::Null => Kind::Null,
        DataType::Boolean => Kind::Bool,
        t if t.is_integer() => Kind::Int,
        t if t.is_floating() => Kind::Float,
        DataType::Utf8 | DataType::LargeUtf8 => Kind::Str,
        DataType::Timestamp(TimeUnit::Second, None) => Kind::Timestamp,
        DataType::List(item) | DataType::LargeList(item) => Kind::List(Box::new(kind_of(item)?)),
        DataType::Struct(fields) => Kind::Struct(kinds_of_schema(fields)?),
        other => {
            return Err(format!(
                "field {:?} has type {other}, which JSON values are not read as",
                field.name()
            ));
        }
    })
}

/// The type arrow-json decodes `data_type` with: timestamps as strings (converted after).
pub fn decoder_type(data_type: &DataType) -> DataType {
    let field = |f: &Field| {
        f.as_ref()
            .clone()
            .with_data_type(decoder_type(f.data_type()))
    };
    match data_type {
        DataType::Timestamp(..) => DataType::Utf8,
        DataType::List(item) => DataType::List(field(item).into()),
        DataType::LargeList(item) => DataType::LargeList(field(item).into()),
        DataType::Struct(fields) => DataType::Struct(fields.iter().map(|f| field(f)).collect()),
        other => other.clone(),
    }
}

/// Arrow fields for struct (or top-level) `fields`, all nullable as in pyarrow.
pub fn struct_fields(fields: &[(String, Kind)], for_decoder: bool) -> Fields {
    fields
        .iter()
        .map(|(name, kind)| Field::new(name, kind.to_arrow(for_decoder), true))
        .collect()
}

/// pyarrow's spelling of the type, as users see it in `pa.Table.schema`.
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Null => f.write_str("null"),
            Kind::Bool => f.write_str("bool"),
            Kind::Int => f.write_str("int64"),
            Kind::Float => f.write_str("double"),
            Kind::Timestamp => f.write_str("timestamp[s]"),
            Kind::Str => f.write_str("string"),
            Kind::List(item) => write!(f, "list<item: {item}>"),
            Kind::Struct(fields) => {
                let inner: Vec<String> = fields.iter().map(|(n, k)| format!("{n}: {k}")).collect();
                write!(f, "struct<{}>", inner.join(", "))
            }
        }
    }
}

/// What a walk does with a value whose kind differs from the known kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Widen the known kind (inference over the first block).
    Infer,
    /// Refuse any change (rows after the schema is fixed).
    Check,
}

/// A value that does not fit the known kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Path of the value: column name, then struct fields and `[]` for list items.
    pub path: Vec<String>,
    /// Why it does not fit.
    pub reason: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {:?}: {}", self.path.join("."), self.reason)
    }
}

/// State shared by the seeds of one walk.
struct Walk {
    mode: Mode,
    conflict: Option<Conflict>,
}

/// Walks one JSON record (`line`, an object) against `fields`, widening them in
/// [`Mode::Infer`]. Returns `Ok(Err(conflict))` for a kind conflict and `Err` for invalid JSON.
pub fn walk_record(
    line: &[u8],
    fields: &mut Vec<(String, Kind)>,
    mode: Mode,
) -> Result<Result<(), Conflict>, serde_json::Error> {
    let mut walk = Walk {
        mode,
        conflict: None,
    };
    let mut de = serde_json::Deserializer::from_slice(line);
    let outcome = de
        .deserialize_any(RecordVisitor {
            fields,
            walk: &mut walk,
        })
        .and_then(|()| de.end());
    match (walk.conflict, outcome) {
        (Some(conflict), _) => Ok(Err(conflict)),
        (None, Ok(())) => Ok(Ok(())),
        (None, Err(err)) => Err(err),
    }
}

/// Records the first conflict and aborts the visit.
fn conflict<E: de::Error>(walk: &mut Walk, reason: String) -> E {
    walk.conflict.get_or_insert(Conflict {
        path: Vec::new(),
        reason,
    });
    E::custom("kind conflict")
}

/// Prefixes the path of a conflict raised below `segment`.
fn under<T, E>(walk: &mut Walk, segment: &str, result: Result<T, E>) -> Result<T, E> {
    if let (Err(_), Some(conflict)) = (&result, walk.conflict.as_mut()) {
        conflict.path.insert(0, segment.to_owned());
    }
    result
}

/// Merges an observed scalar kind into `known`.
fn merge_scalar<E: de::Error>(known: &mut Kind, seen: &Kind, walk: &mut Walk) -> Result<(), E> {
    let widened = match (&*known, seen) {
        (a, b) if a == b => return Ok(()),
        (Kind::Float, Kind::Int) | (Kind::Str, Kind::Timestamp) => return Ok(()),
        (Kind::Null, _) | (Kind::Int, Kind::Float) | (Kind::Timestamp, Kind::Str) => {
            Some(seen.clone())
        }
        _ => None,
    };
    match (widened, walk.mode) {
        (Some(widened), Mode::Infer) => {
            *known = widened;
            Ok(())
        }
        (None, Mode::Infer) => {
            let reason = format!("changed from {} to {}", known.family(), seen.family());
            Err(conflict(walk, reason))
        }
        (_, Mode::Check) => {
            let reason = format!(
                "expected {known} (inferred from the first rows), found a {} of type {seen}",
                seen.family()
            );
            Err(conflict(walk, reason))
        }
    }
}

/// Makes `known` a container of the family of `empty` (a `List` or `Struct`), or fails.
fn enter_container<E: de::Error>(known: &mut Kind, empty: Kind, walk: &mut Walk) -> Result<(), E> {
    if std::mem::discriminant(known) == std::mem::discriminant(&empty) {
        return Ok(());
    }
    if *known == Kind::Null && walk.mode == Mode::Infer {
        *known = empty;
        return Ok(());
    }
    let reason = if *known == Kind::Null {
        format!("expected only nulls, found an {}", empty.family())
    } else {
        format!("changed from {} to {}", known.family(), empty.family())
    };
    Err(conflict(walk, reason))
}

/// The top level of a record: an object whose keys are the columns.
struct RecordVisitor<'a> {
    fields: &'a mut Vec<(String, Kind)>,
    walk: &'a mut Walk,
}

impl<'de> Visitor<'de> for RecordVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        visit_fields(self.fields, self.walk, map)
    }
}

/// Walks the members of an object against `fields`.
fn visit_fields<'de, A: MapAccess<'de>>(
    fields: &mut Vec<(String, Kind)>,
    walk: &mut Walk,
    mut map: A,
) -> Result<(), A::Error> {
    let mut seen = SeenFields::default();
    while let Some(key) = map.next_key_seed(KeySeed(fields))? {
        let index = match key {
            Key::Known(index) => index,
            Key::New(name) if walk.mode == Mode::Infer => {
                fields.push((name, Kind::Null));
                fields.len() - 1
            }
            Key::New(name) => {
                let known: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                let reason = format!("unexpected field {name:?}; the schema has {known:?}");
                return Err(conflict(walk, reason));
            }
        };
        if seen.repeated(index) {
            let reason = "the field is given twice in one object".to_owned();
            let err = conflict(walk, reason);
            return under(walk, &fields[index].0, Err(err));
        }
        let (name, kind) = &mut fields[index];
        let result = map.next_value_seed(ValueSeed { kind, walk });
        under(walk, name, result)?;
    }
    Ok(())
}

/// The fields already met in one object, without allocating for the first 64.
#[derive(Default)]
struct SeenFields {
    first_64: u64,
    others: Vec<usize>,
}

impl SeenFields {
    /// Notes field `index`; true if it was already met.
    fn repeated(&mut self, index: usize) -> bool {
        if index < 64 {
            let bit = 1u64 << index;
            let repeated = self.first_64 & bit != 0;
            self.first_64 |= bit;
            return repeated;
        }
        let repeated = self.others.contains(&index);
        if !repeated {
            self.others.push(index);
        }
        repeated
    }
}

enum Key {
    Known(usize),
    New(String),
}

/// Looks an object key up among the known fields without allocating.
struct KeySeed<'a>(&'a [(String, Kind)]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Key, D::Error> {
        de.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match self.0.iter().position(|(name, _)| name == key) {
            Some(index) => Key::Known(index),
            None => Key::New(key.to_owned()),
        })
    }
}

/// One value, walked against its known kind.
struct ValueSeed<'a> {
    kind: &'a mut Kind,
    walk: &'a mut Walk,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        merge_scalar(self.kind, &Kind::Bool, self.walk)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        merge_scalar(self.kind, &Kind::Int, self.walk)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        let seen = if i64::try_from(value).is_ok() {
            Kind::Int
        } else {
            Kind::Float
        };
        merge_scalar(self.kind, &seen, self.walk)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        merge_scalar(self.kind, &Kind::Float, self.walk)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        let seen = if parse_timestamp_seconds(value).is_some() {
            Kind::Timestamp
        } else {
            Kind::Str
        };
        merge_scalar(self.kind, &seen, self.walk)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        enter_container(self.kind, Kind::List(Box::new(Kind::Null)), self.walk)?;
        let Kind::List(item) = self.kind else {
            return Err(conflict(self.walk, "internal: not a list".to_owned()));
        };
        loop {
            let next = seq.next_element_seed(ValueSeed {
                kind: item,
                walk: self.walk,
            });
            if under(self.walk, "[]", next)?.is_none() {
                return Ok(());
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        enter_container(self.kind, Kind::Struct(Vec::new()), self.walk)?;
        let Kind::Struct(fields) = self.kind else {
            return Err(conflict(self.walk, "internal: not a struct".to_owned()));
        };
        visit_fields(fields, self.walk, map)
    }
}
