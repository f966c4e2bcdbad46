//! Which tokenizers the fast encoder takes: the components of a `tokenizer.json`, read one by one.
//!
//! Taken: any normalizer (`tokenizers`' own code runs it, see [`super::normal`]); a
//! pre-tokenizer made of `ByteLevel` (its GPT-2 regex on or off,
//! `add_prefix_space` either way) and `Split` steps with a regex pattern, behavior
//! `Isolated`, not inverted, in a `Sequence` or alone, with exactly one `ByteLevel`, last; a
//! `BPE` model without dropout, subword prefix or suffix and without byte fallback; added tokens
//! without `lstrip`, `rstrip` or `single_word`. Anything else is declined with the reason.

use serde_json::Value;

/// One step of the pre-tokenizer, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `Split` on the matches of an Oniguruma regex, every match and gap a piece of its own.
    Split(String),
    /// `ByteLevel`: a space put before every piece that does not start with one (when
    /// `add_prefix_space`), then, when `use_regex`, the split on GPT-2's regex.
    ByteLevel {
        /// Prepend a space to every piece that does not start with one.
        add_prefix_space: bool,
        /// Split on GPT-2's regex afterwards.
        use_regex: bool,
    },
}

/// GPT-2's pre-tokenization regex, as `tokenizers`' `ByteLevel` writes it.
pub const GPT2_REGEX: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// The pre-tokenizer steps of `tokenizer` (its JSON), or why the fast encoder declines it.
pub fn steps_of(tokenizer: &Value) -> Result<Vec<Step>, String> {
    check_model(&tokenizer["model"])?;
    check_added_tokens(&tokenizer["added_tokens"])?;
    let pre = &tokenizer["pre_tokenizer"];
    let steps = match type_of(pre) {
        "Sequence" => pre["pretokenizers"]
            .as_array()
            .ok_or("a Sequence pre-tokenizer without a list")?
            .iter()
            .map(step_of)
            .collect::<Result<Vec<_>, _>>()?,
        _ => vec![step_of(pre)?],
    };
    let byte_levels = steps
        .iter()
        .filter(|step| matches!(step, Step::ByteLevel { .. }))
        .count();
    if byte_levels != 1 || !matches!(steps.last(), Some(Step::ByteLevel { .. })) {
        return Err("the pre-tokenizer does not end with its one ByteLevel".into());
    }
    Ok(steps)
}

fn type_of(value: &Value) -> &str {
    value["type"].as_str().unwrap_or("none")
}

fn step_of(value: &Value) -> Result<Step, String> {
    match type_of(value) {
        "ByteLevel" => Ok(Step::ByteLevel {
            add_prefix_space: value["add_prefix_space"].as_bool().unwrap_or(true),
            use_regex: value["use_regex"].as_bool().unwrap_or(true),
        }),
        "Split" => split_step(value),
        other => Err(format!("a {other} pre-tokenizer")),
    }
}

fn split_step(value: &Value) -> Result<Step, String> {
    if value["behavior"].as_str() != Some("Isolated") {
        return Err(format!("a Split with behavior {}", value["behavior"]));
    }
    if value["invert"].as_bool().unwrap_or(false) {
        return Err("an inverted Split".into());
    }
    let pattern = &value["pattern"];
    if let Some(regex) = pattern["Regex"].as_str() {
        return Ok(Step::Split(regex.to_owned()));
    }
    Err(format!(
        "a Split on {pattern} (only regex patterns are taken)"
    ))
}

fn check_model(model: &Value) -> Result<(), String> {
    if type_of(model) != "BPE" {
        return Err(format!("a {} model", type_of(model)));
    }
    if !model["dropout"].is_null() {
        return Err("BPE dropout".into());
    }
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
        if model[key].as_str().is_some_and(|value| !value.is_empty()) {
            return Err(format!("a BPE {key}"));
        }
    }
    if model["byte_fallback"].as_bool().unwrap_or(false) {
        return Err("BPE byte fallback".into());
    }
    Ok(())
}

fn check_added_tokens(tokens: &Value) -> Result<(), String> {
    for token in tokens.as_array().map_or(&[][..], Vec::as_slice) {
        for flag in ["lstrip", "rstrip", "single_word"] {
            if token[flag].as_bool().unwrap_or(false) {
                return Err(format!("an added token with {flag} ({})", token["content"]));
            }
        }
    }
    Ok(())
}
