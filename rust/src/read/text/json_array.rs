//! A `.json` file holding one array of records, seen as JSON Lines.
//!
//! [`ArrayToLines`] drops the enclosing `[` `]`, turns the commas between records into
//! newlines and the line breaks inside a record into spaces, so record `n` (0-based) is line
//! `n + 1` of its output. Bytes inside strings are passed through untouched. Anything but
//! whitespace after the closing `]`, or a missing `]`, is an error.

use std::io::{self, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Before,
    Inside,
    After,
}

/// A reader that turns a JSON array of records into JSON Lines.
pub struct ArrayToLines {
    inner: Box<dyn Read + Send>,
    input: Vec<u8>,
    state: State,
    depth: usize,
    in_string: bool,
    escaped: bool,
    offset: u64,
}

impl ArrayToLines {
    /// Wraps `inner`, whose first non-blank byte must be `[`.
    pub fn new(inner: Box<dyn Read + Send>) -> Self {
        ArrayToLines {
            inner,
            input: vec![0; 1 << 16],
            state: State::Before,
            depth: 0,
            in_string: false,
            escaped: false,
            offset: 0,
        }
    }

    fn invalid(&self, what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a JSON array of records: {what} (byte {})", self.offset),
        )
    }

    /// Translates one input byte, appending what it becomes to `out`.
    fn translate(&mut self, byte: u8, out: &mut Vec<u8>) -> io::Result<()> {
        match self.state {
            State::Before => match byte {
                b'[' => self.state = State::Inside,
                b' ' | b'\t' | b'\r' | b'\n' | 0xef | 0xbb | 0xbf => {}
                _ => return Err(self.invalid("it does not start with '['")),
            },
            State::After if !byte.is_ascii_whitespace() => {
                return Err(self.invalid("data after the closing ']'"));
            }
            State::After => {}
            State::Inside if self.in_string => {
                out.push(byte);
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
            }
            State::Inside => match byte {
                b'"' => {
                    self.in_string = true;
                    out.push(byte);
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    out.push(byte);
                }
                b']' if self.depth == 0 => {
                    self.state = State::After;
                    out.push(b'\n');
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    out.push(byte);
                }
                b',' if self.depth == 0 => out.push(b'\n'),
                b'\n' | b'\r' => out.push(b' '),
                _ => out.push(byte),
            },
        }
        self.offset += 1;
        Ok(())
    }
}

impl Read for ArrayToLines {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        while out.is_empty() {
            let want = buf.len().min(self.input.len());
            let read = self.inner.read(&mut self.input[..want])?;
            if read == 0 {
                match self.state {
                    State::Before => return Err(self.invalid("there is no '['")),
                    State::Inside => return Err(self.invalid("the closing ']' is missing")),
                    State::After => {}
                }
                return Ok(0);
            }
            let input = std::mem::take(&mut self.input);
            let result = input[..read]
                .iter()
                .try_for_each(|&byte| self.translate(byte, &mut out));
            self.input = input;
            result?;
        }
        buf[..out.len()].copy_from_slice(&out);
        Ok(out.len())
    }
}
