//! A turn's span: the characters a placeholder render changes, then the tokens over them.

/// Where a turn's tokens are, as axolotl's `_find_turn_from_text` and `find_turn` decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSpan {
    /// The tokens `start..end`.
    Tokens(usize, usize),
    /// The turn has no tokens of its own (axolotl's `(-1, -1)`).
    Absent,
    /// Axolotl would locate the turn by its slower token diff instead.
    Undecided,
}

/// `(start, end)`: the characters of `full` (in code points, as Python counts) that differ
/// from `dummy`, as axolotl's `_diff_char_span` computes them: the common prefix, then the
/// common suffix bounded so that the two cannot overlap.
pub fn diff_char_span(full: &str, dummy: &str) -> (usize, usize) {
    let full_chars = full.chars().count();
    let limit = full_chars.min(dummy.chars().count());
    let prefix_bytes = common_prefix_bytes(full.as_bytes(), dummy.as_bytes());
    let prefix = full[..floor_char_boundary(full, prefix_bytes)]
        .chars()
        .count();
    let start = prefix.min(limit);
    let suffix_bytes = common_suffix_bytes(full.as_bytes(), dummy.as_bytes());
    let suffix_start = ceil_char_boundary(full, full.len() - suffix_bytes);
    let suffix = full[suffix_start..].chars().count().min(limit - start);
    (start, full_chars - suffix)
}

/// The token span of a turn from its two placeholder renders (`None`: a render was empty,
/// which sends axolotl to its token diff), or `Absent` when the characters do not differ.
///
/// `starts` / `ends` are the tokens' character offsets in `full`, in token order (not
/// necessarily sorted: the bisection is `CPython`'s, whatever the order).
pub fn token_span(full: &str, dummies: [&str; 2], starts: &[usize], ends: &[usize]) -> TokenSpan {
    if dummies.iter().any(|dummy| dummy.is_empty()) {
        return TokenSpan::Undecided;
    }
    let spans = dummies.map(|dummy| diff_char_span(full, dummy));
    let char_start = spans[0].0.min(spans[1].0);
    let char_end = spans[0].1.max(spans[1].1);
    if char_end <= char_start {
        return TokenSpan::Absent;
    }
    let start = bisect_right(ends, char_start);
    let end = bisect_left(starts, char_end);
    if start >= ends.len() || end > ends.len() {
        return TokenSpan::Undecided;
    }
    // find_turn: an empty or reversed span is no span.
    if end <= start {
        return TokenSpan::Absent;
    }
    TokenSpan::Tokens(start, end)
}

/// `CPython`'s `bisect.bisect_right(values, x)`, step for step (the values need not be sorted).
pub fn bisect_right(values: &[usize], x: usize) -> usize {
    let (mut low, mut high) = (0, values.len());
    while low < high {
        let middle = usize::midpoint(low, high);
        if x < values[middle] {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    low
}

/// `CPython`'s `bisect.bisect_left(values, x)`, step for step (the values need not be sorted).
pub fn bisect_left(values: &[usize], x: usize) -> usize {
    let (mut low, mut high) = (0, values.len());
    while low < high {
        let middle = usize::midpoint(low, high);
        if values[middle] < x {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

fn common_prefix_bytes(left: &[u8], right: &[u8]) -> usize {
    left.iter().zip(right).take_while(|(a, b)| a == b).count()
}

fn common_suffix_bytes(left: &[u8], right: &[u8]) -> usize {
    left.iter()
        .rev()
        .zip(right.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
}

/// The largest char boundary of `text` at or before `index`.
fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The smallest char boundary of `text` at or after `index`.
fn ceil_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}
