//! Tokenization of string columns with the Hugging Face `tokenizers` crate.
//!
//! [`Encoder`] holds a tokenizer restored from its JSON (a `tokenizer.json`, or what the
//! Python object's `to_str()` gives), which is the whole state the Python bindings encode
//! with. The crate is pinned to the release line of the Python `tokenizers` that axolotl's
//! install brings, so the ids are the same by construction; the parity tests prove it.
//! [`Encoder::encode`] encodes many texts on rayon, in pieces, in row order, and returns the
//! ids in Arrow's list layout (one flat buffer and row offsets): no per-token object is made.
//! [`tokenize_instructions`] is axolotl's instruction strategy (prompt templates, each part
//! truncated separately, EOS and BOS rules, labels) on top of it.
//! [`Encoder::encode_windows`] cuts long texts into overlapping windows, as axolotl's
//! pretraining strategy asks `transformers` to.

mod configured;
mod encoder;
pub mod instruction;
mod template;
mod windows;
mod wrap;

pub(crate) use configured::Configured;
pub use encoder::{EncodeOptions, Encoder, Side, TokenLists};
pub use instruction::{
    IGNORE_INDEX, InstructionFormat, InstructionOptions, InstructionRows, InstructionTokens,
    tokenize_instructions,
};
pub use template::Template;
pub use windows::Windows;

#[cfg(test)]
mod tests;
