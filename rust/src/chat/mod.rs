//! Axolotl's `chat_template` turn masking on token ids and character offsets.
//!
//! Axolotl 0.21's `ChatTemplateStrategy` renders a conversation, tokenizes it, and finds each
//! trainable turn by rendering the conversation again with the turn's content replaced by two
//! placeholders: the characters where the real render and each placeholder render differ
//! ([`diff_char_span`]) give the turn's character span, and `CPython`'s `bisect` over the tokens'
//! character offsets ([`bisect_left`], [`bisect_right`]) turns it into a token span. Then the
//! turn's tokens are labelled, and an EOT / EOS token near its end is labelled by the
//! `train_on_eot` / `train_on_eos` rule ([`labels`]). [`tokenize_chats`] does it for many
//! conversations on the pool, from their renders encoded with character offsets. Everything here reproduces that code
//! step for step, quirks included (a turn's EOT search from index -1, the 3-token window); the
//! renders themselves stay with the template engine in Python.

mod labels;
mod rows;
mod spans;

pub use labels::{EndRule, IGNORE, LabelOptions, Turn, labels};
pub use rows::{ChatRow, ChatTokens, TurnInput, TurnMode, tokenize_chats};
pub use spans::{TokenSpan, bisect_left, bisect_right, diff_char_span, token_span};

#[cfg(test)]
mod tests;
