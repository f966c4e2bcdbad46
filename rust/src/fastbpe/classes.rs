//! Which characters are `\s`, `\p{L}` and `\p{N}`, as Oniguruma (the engine `tokenizers`
//! runs its regexes with) says: asked once per character, ASCII when a table is built, any
//! other character the first time a thread sees it.

use std::cell::RefCell;

use ahash::AHashMap;

/// The class of a character in the pre-tokenizer regexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `\p{L}`.
    Letter,
    /// `\p{N}`.
    Number,
    /// `\s`.
    Space,
    /// None of them.
    Other,
}

/// The classes, with Oniguruma's answer for every ASCII character at hand.
pub struct Classes {
    classifier: onig::Regex,
    ascii: [Class; 128],
}

thread_local! {
    /// Classes of the non-ASCII characters this thread has seen.
    static SEEN: RefCell<AHashMap<char, Class>> = RefCell::new(AHashMap::new());
}

impl Classes {
    /// The table, with Oniguruma's classes of the ASCII characters.
    pub fn new() -> Result<Self, String> {
        let classifier = onig::Regex::new(r"\A(?:(\s)|(\p{L})|(\p{N}))")
            .map_err(|err| format!("the class regex: {err}"))?;
        let mut ascii = [Class::Other; 128];
        for (code, class) in ascii.iter_mut().enumerate() {
            let c = char::from(u8::try_from(code).unwrap_or(0));
            *class = classify(&classifier, c);
        }
        Ok(Classes { classifier, ascii })
    }

    /// The class of `c`.
    pub fn of(&self, c: char) -> Class {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        SEEN.with(|cell| {
            *cell
                .borrow_mut()
                .entry(c)
                .or_insert_with(|| classify(&self.classifier, c))
        })
    }

    /// The end of the run of `class` characters starting at byte `at` of `text`, at most
    /// `limit` characters long (ASCII bytes are looked up without decoding a character).
    pub fn run_end(&self, text: &str, at: usize, class: Class, limit: usize) -> usize {
        let bytes = text.as_bytes();
        let (mut end, mut taken) = (at, 0);
        while taken < limit {
            let Some(&byte) = bytes.get(end) else { break };
            if byte.is_ascii() {
                if self.ascii[usize::from(byte)] != class {
                    break;
                }
                end += 1;
            } else {
                match text.get(end..).and_then(|rest| rest.chars().next()) {
                    Some(c) if self.of(c) == class => end += c.len_utf8(),
                    _ => break,
                }
            }
            taken += 1;
        }
        end
    }
}

fn classify(classifier: &onig::Regex, c: char) -> Class {
    let mut buffer = [0_u8; 4];
    let text: &str = c.encode_utf8(&mut buffer);
    let Some(captures) = classifier.captures(text) else {
        return Class::Other;
    };
    if captures.at(1).is_some() {
        Class::Space
    } else if captures.at(2).is_some() {
        Class::Letter
    } else {
        Class::Number
    }
}
