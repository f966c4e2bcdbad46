//! Prompt templates in Python's `str.format` syntax, for named fields only.
//!
//! `{name}` is replaced by a field's value, `{{` and `}}` are literal braces, and a value is
//! inserted as it is (braces in a value are never read as fields), as `str.format` does. A
//! template with anything else (`{}`, `{0}`, a format spec, a lone brace) is refused, so the
//! caller keeps Python's own formatting for it.

use crate::error::{Error, Result};

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `source`; `name` says which template in an error.
    pub fn parse(name: &str, source: &str) -> Result<Self> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    chars.next();
                    text.push(c);
                }
                ('{', _) => {
                    let mut field = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        field.push(c);
                    }
                    if !closed || !is_identifier(&field) {
                        return Err(refused(name, source, "a field that is not a plain name"));
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Field(field));
                }
                ('}', _) => return Err(refused(name, source, "a lone '}'")),
                _ => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template { pieces })
    }

    /// The field names, in order of appearance.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Field(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Appends the template to `out` with each field's value from `value`.
    pub fn render_into(&self, out: &mut String, value: impl Fn(&str) -> String) {
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field(name) => out.push_str(&value(name)),
            }
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn refused(name: &str, source: &str, what: &str) -> Error {
    Error::invalid_argument(name, format!("{what} in template {source:?}"))
}
