//! JSON Lines input: splitting a file into numbered lines, and a scanner for
//! lines in the exact compact form kaoshi itself writes. The scanner only
//! ever accepts what serde_json would read the same way; a line it does not
//! accept is handed to serde_json by its caller.

/// Non-blank lines with their 1-based numbers (UTF-8 is checked where each line is parsed).
pub fn numbered(bytes: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    for (n, end) in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())).enumerate() {
        if start > bytes.len() {
            break;
        }
        let line = &bytes[start..end];
        if !line.trim_ascii().is_empty() {
            out.push((n + 1, line));
        }
        start = end + 1;
    }
    out
}

/// A cursor over one line, checked as UTF-8 once.
pub struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    /// A scanner at the start of `line`; `None` if the line is not UTF-8.
    pub fn new(line: &'a [u8]) -> Option<Scan<'a>> {
        let text = std::str::from_utf8(line).ok()?;
        Some(Scan { text, b: line, at: 0 })
    }

    /// Exactly these bytes next.
    pub fn lit(&mut self, s: &[u8]) -> Option<()> {
        self.b.get(self.at..)?.starts_with(s).then(|| self.at += s.len())
    }

    /// A string's contents up to its closing quote (the opening one already
    /// read), with no escape and no control character.
    pub fn string(&mut self) -> Option<&'a str> {
        let rest = self.b.get(self.at..)?;
        let end = memchr::memchr(b'"', rest)?;
        if rest[..end].iter().any(|&c| c == b'\\' || c < 0x20) {
            return None;
        }
        // `"` is ASCII: both ends are character boundaries of the checked line.
        let s = self.text.get(self.at..self.at + end)?;
        self.at += end + 1;
        Some(s)
    }

    /// An unsigned integer as serde_json reads one into an unsigned field:
    /// no sign, no leading zero, no fraction or exponent, at most `max`.
    pub fn uint(&mut self, max: u64) -> Option<u64> {
        let rest = self.b.get(self.at..)?;
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || (n > 1 && rest[0] == b'0') || matches!(rest.get(n), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let mut v: u64 = 0;
        for &c in &rest[..n] {
            v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        }
        self.at += n;
        (v <= max).then_some(v)
    }

    /// The next byte.
    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    /// Skips JSON whitespace.
    pub fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.at += 1;
        }
    }

    /// A comma next, consumed; `false` when there is none.
    pub fn comma(&mut self) -> bool {
        let found = self.peek() == Some(b',');
        if found {
            self.at += 1;
        }
        found
    }

    /// Only whitespace left.
    pub fn end(&self) -> Option<()> {
        self.b.get(self.at..)?.iter().all(u8::is_ascii_whitespace).then_some(())
    }
}
