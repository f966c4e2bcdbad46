//! A conversation's labels: its trainable turns' tokens, and the EOT / EOS tokens after them.

use crate::chat::spans::TokenSpan;

/// The label of a token that is not trained on.
pub const IGNORE: i64 = -100;

/// Axolotl's `train_on_eos` / `train_on_eot`: which end-of-turn tokens get labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndRule {
    /// After every located turn.
    All,
    /// After every trainable turn.
    Turn,
    /// Only the last one found.
    Last,
    /// None.
    None,
}

/// One turn of a conversation, as axolotl's loop sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    /// Whether the turn's tokens are trained on (axolotl's `should_train`).
    pub trainable: bool,
    /// Where the turn is; `None` for a turn axolotl skips without locating it.
    pub span: Option<TokenSpan>,
}

/// The token ids that end a turn, and the rules for labelling them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelOptions {
    /// The tokenizer's EOS id (`None`: no token is EOS).
    pub eos_id: Option<u32>,
    /// The EOT ids (each `eot_tokens` entry's single id).
    pub eot_ids: Vec<u32>,
    /// `train_on_eos`.
    pub on_eos: EndRule,
    /// `train_on_eot`.
    pub on_eot: EndRule,
}

/// The labels axolotl gives `ids`, or `None` when a turn is [`TokenSpan::Undecided`] (or
/// there are no ids): axolotl's own code must make the row.
pub fn labels(ids: &[u32], turns: &[Turn], options: &LabelOptions) -> Option<Vec<i64>> {
    if ids.is_empty() {
        return None;
    }
    let mut labels = vec![IGNORE; ids.len()];
    let mut last = [None, None]; // EOT, EOS
    for turn in turns {
        let Some(span) = turn.span else { continue };
        let end = match span {
            TokenSpan::Undecided => return None,
            TokenSpan::Absent => None,
            TokenSpan::Tokens(start, end) => {
                if turn.trainable {
                    for index in start..end {
                        labels[index] = i64::from(ids[index]);
                    }
                }
                Some(end)
            }
        };
        let ends = [
            (
                0,
                options.on_eot,
                first_end(ids, end, |id| options.eot_ids.contains(&id)),
            ),
            (
                1,
                options.on_eos,
                first_end(ids, end, |id| Some(id) == options.eos_id),
            ),
        ];
        for (kind, rule, found) in ends {
            let Some(index) = found else { continue };
            last[kind] = Some(index);
            if rule == EndRule::All || (rule == EndRule::Turn && turn.trainable) {
                labels[index] = i64::from(ids[index]);
            }
        }
    }
    for (kind, rule) in [(0, options.on_eot), (1, options.on_eos)] {
        if let (EndRule::Last, Some(index)) = (rule, last[kind]) {
            labels[index] = i64::from(ids[index]);
        }
    }
    Some(labels)
}

/// The end token axolotl accepts for a turn ending at `end` (`None`: axolotl's `-1`).
///
/// Axolotl scans `range(turn_end_idx, len(ids))` for the first matching token and accepts it
/// within 3 tokens of `turn_end_idx`. A turn without a span has `turn_end_idx == -1`, so the
/// scan looks at the last token first (Python's `ids[-1]`): a match there returns `-1`,
/// which reads as "not found"; otherwise it goes on from index 0.
fn first_end(ids: &[u32], end: Option<usize>, matches: impl Fn(u32) -> bool) -> Option<usize> {
    let Some(end) = end else {
        if matches(ids[ids.len() - 1]) {
            return None;
        }
        let found = (0..ids.len()).find(|&index| matches(ids[index]))?;
        // |found - (-1)| <= 3
        return (found < 3).then_some(found);
    };
    let found = (end..ids.len()).find(|&index| matches(ids[index]))?;
    (found.abs_diff(end) <= 3).then_some(found)
}
