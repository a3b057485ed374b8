//! A small PDF tokenizer over raw bytes, for what lopdf's lenient parser hides: the exact
//! spelling of numbers, names and strings (6.1.6, 6.1.13) and the white space around keywords
//! (6.1.4, 6.1.7.1, 6.1.9). It never allocates more than a name's worth per token and stops at
//! the first violation.

use super::rules::{self, RuleId};
use super::{Finding, nope, nope_why};

/// How deep arrays and dictionaries may nest before the file is refused (lopdf stops at a
/// similar depth; PDF/A files nest a handful of levels).
pub(crate) const MAX_NESTING: usize = 64;

/// 6.1.13: the largest integer and real, string and name lengths.
pub(crate) const MAX_INT: i64 = 2_147_483_647;
pub(crate) const MIN_INT: i64 = -2_147_483_648;
pub(crate) const MAX_REAL: f64 = 3.403e38;
/// 6.1.13-5: the smallest non-zero real magnitude (a 32-bit float's smallest normal value).
pub(crate) const MIN_REAL: f64 = 1.175e-38;
pub(crate) const MAX_STRING: usize = 32_767;
pub(crate) const MAX_NAME: usize = 127;

/// How many decoded bytes of a string the lexer keeps: all of them (text shown by content
/// streams is checked against its font), up to the 6.1.13 limit that fails the file anyway.
const KEPT: usize = MAX_STRING + 1;

pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

pub(crate) fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

pub(crate) fn is_eol(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// A value, as much of it as the structural checks need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Int(i64),
    Real(f64),
    Ref(u32, u16),
    Name(Vec<u8>),
    /// A string's first `KEPT` decoded bytes (its full length is checked as it is read).
    Str(Vec<u8>),
    Bool(bool),
    Null,
    /// The names and strings among an array's elements (filters, colour space families,
    /// colorants, the strings of `TJ`); numbers and the rest are not kept.
    Array(Vec<Val>),
    Dict(DictInfo),
    /// A bare word that is not a value (an operator in a content stream, a keyword).
    Keyword(Vec<u8>),
}

/// A dictionary's entries, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DictInfo {
    pub entries: Vec<(Vec<u8>, Val)>,
}

impl DictInfo {
    pub fn get(&self, key: &[u8]) -> Option<&Val> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn has(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }
}

pub(crate) struct Lexer<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Self {
        Lexer { buf, pos }
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    pub fn starts_with(&self, s: &[u8]) -> bool {
        self.rest().starts_with(s)
    }

    /// Skips white space and comments.
    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                self.skip_comment();
            } else {
                break;
            }
        }
    }

    /// Skips a comment up to (not including) its end of line.
    pub fn skip_comment(&mut self) {
        while let Some(b) = self.peek() {
            if is_eol(b) {
                break;
            }
            self.pos += 1;
        }
    }

    /// Skips one end-of-line marker (CR LF, CR or LF); how many bytes it was.
    pub fn eol(&mut self) -> usize {
        match self.rest() {
            [b'\r', b'\n', ..] => {
                self.pos += 2;
                2
            }
            [b'\r' | b'\n', ..] => {
                self.pos += 1;
                1
            }
            _ => 0,
        }
    }

    /// A run of regular characters (a number, keyword or operator).
    pub fn word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        &self.buf[start..self.pos]
    }

    /// A token that cannot be read (no profile rule: the file is not well-formed, `6.1`).
    fn err(&self, rule: RuleId, what: impl Into<String>) -> Finding {
        self.at(nope_why(rule, what))
    }

    /// `f`, located at the current offset.
    fn at(&self, mut f: Finding) -> Finding {
        f.object = match f.rule.rule() {
            Some(r) => format!("offset {} ({})", self.pos, r.object),
            None => format!("offset {}", self.pos),
        };
        f
    }

    /// One direct object (a reference counts as one), checking the 6.1.6 and 6.1.13 rules.
    pub fn value(&mut self, depth: usize) -> Result<Val, Finding> {
        if depth > MAX_NESTING {
            return Err(self.err(
                RuleId::clause_only("6.1.13"),
                "arrays and dictionaries nested too deep",
            ));
        }
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Err(self.err(rules::UNREADABLE, "unexpected end of data"));
        };
        match b {
            b'/' => self.name().map(Val::Name),
            b'(' => self.literal_string().map(Val::Str),
            b'<' if self.starts_with(b"<<") => self.dict(depth).map(Val::Dict),
            b'<' => self.hex_string().map(Val::Str),
            b'[' => {
                self.pos += 1;
                let mut kept = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Val::Array(kept));
                        }
                        None => return Err(self.err(rules::UNREADABLE, "unterminated array")),
                        _ => {
                            if let v @ (Val::Name(_) | Val::Str(_)) = self.value(depth + 1)? {
                                kept.push(v);
                            }
                        }
                    }
                }
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_ref(),
            _ if is_regular(b) => {
                let w = self.word();
                Ok(match w {
                    b"true" => Val::Bool(true),
                    b"false" => Val::Bool(false),
                    b"null" => Val::Null,
                    _ => Val::Keyword(w.to_vec()),
                })
            }
            _ => Err(self.err(rules::UNREADABLE, format!("unexpected byte 0x{b:02x}"))),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<DictInfo, Finding> {
        self.pos += 2;
        self.entries(depth, b">>")
    }

    /// Key-value pairs up to `end` (`>>`, or `ID` for an inline image), which is consumed.
    pub fn entries(&mut self, depth: usize, end: &[u8]) -> Result<DictInfo, Finding> {
        let mut info = DictInfo::default();
        loop {
            self.skip_ws();
            if self.starts_with(end) {
                self.pos += end.len();
                return Ok(info);
            }
            match self.peek() {
                None => return Err(self.err(rules::UNREADABLE, "unterminated dictionary")),
                Some(b'/') => {}
                Some(_) => {
                    return Err(self.err(rules::UNREADABLE, "a dictionary key is not a name"));
                }
            }
            let key = self.name()?;
            let v = self.value(depth + 1)?;
            info.entries.push((key, v));
        }
    }

    /// A name, its `#xx` escapes expanded; 6.1.13 limits the expanded length.
    pub fn name(&mut self) -> Result<Vec<u8>, Finding> {
        self.pos += 1; // '/'
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            if b == b'#' {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    self.buf.get(self.pos + 1).and_then(|&c| hex(c)),
                    self.buf.get(self.pos + 2).and_then(|&c| hex(c)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        self.pos += 3;
                        continue;
                    }
                    _ => {
                        out.push(b);
                        self.pos += 1;
                        continue;
                    }
                }
            }
            out.push(b);
            self.pos += 1;
        }
        if out.len() > MAX_NAME {
            return Err(self.at(nope(rules::R6_1_13_4, &[&out.len()])));
        }
        Ok(out)
    }

    /// A literal string; 6.1.13 limits its decoded length.
    fn literal_string(&mut self) -> Result<Vec<u8>, Finding> {
        self.pos += 1; // '('
        let mut nesting = 1usize;
        let mut len = 0usize;
        let mut kept = Vec::new();
        let mut keep = |len: &mut usize, b: u8| {
            if kept.len() < KEPT {
                kept.push(b);
            }
            *len += 1;
        };
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err(rules::UNREADABLE, "unterminated string"));
            };
            self.pos += 1;
            match b {
                b'\\' => {
                    match self.peek() {
                        Some(b'0'..=b'7') => {
                            let mut n = 0;
                            let mut v: u32 = 0;
                            while n < 3
                                && let Some(d @ b'0'..=b'7') = self.peek()
                            {
                                v = v * 8 + u32::from(d - b'0');
                                self.pos += 1;
                                n += 1;
                            }
                            keep(&mut len, v as u8);
                        }
                        Some(b'\r' | b'\n') => {
                            self.eol();
                        }
                        Some(e) => {
                            self.pos += 1;
                            let b = match e {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                b'b' => 8,
                                b'f' => 12,
                                other => other,
                            };
                            keep(&mut len, b);
                        }
                        None => {}
                    }
                    continue;
                }
                b'(' => nesting += 1,
                b')' => {
                    nesting -= 1;
                    if nesting == 0 {
                        break;
                    }
                }
                _ => {}
            }
            keep(&mut len, b);
        }
        if len > MAX_STRING {
            return Err(self.at(nope(rules::R6_1_13_3, &[&len])));
        }
        Ok(kept)
    }

    /// A hexadecimal string: 6.1.6 wants an even number of hexadecimal digits and nothing else
    /// but white space.
    fn hex_string(&mut self) -> Result<Vec<u8>, Finding> {
        self.pos += 1; // '<'
        let mut digits = 0usize;
        let mut kept = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err(rules::UNREADABLE, "unterminated hexadecimal string"));
            };
            self.pos += 1;
            match b {
                b'>' => break,
                _ if b.is_ascii_hexdigit() => {
                    let v = (b as char).to_digit(16).unwrap_or(0) as u8;
                    if digits.is_multiple_of(2) {
                        if kept.len() < KEPT {
                            kept.push(v << 4);
                        }
                    } else if digits / 2 < KEPT
                        && let Some(last) = kept.last_mut()
                    {
                        *last |= v;
                    }
                    digits += 1;
                }
                _ if is_white(b) => {}
                _ => {
                    return Err(self.at(nope(rules::R6_1_6_2, &[])));
                }
            }
        }
        if digits % 2 == 1 {
            return Err(self.at(nope(rules::R6_1_6_1, &[&digits])));
        }
        let len = digits / 2;
        if len > MAX_STRING {
            return Err(self.at(nope(rules::R6_1_13_3, &[&len])));
        }
        Ok(kept)
    }

    /// A number, or `n g R`.
    fn number_or_ref(&mut self) -> Result<Val, Finding> {
        let start = self.pos;
        let w = self.word();
        let v = number(w).ok_or_else(|| {
            self.err(
                rules::UNREADABLE,
                format!("malformed number {:?}", String::from_utf8_lossy(w)),
            )
        })?;
        if let Val::Real(r) = v
            && r.abs() > MAX_REAL
        {
            self.pos = start;
            return Err(self.at(nope(rules::R6_1_13_2, &[&String::from_utf8_lossy(w)])));
        }
        if let Val::Real(r) = v
            && r != 0.0
            && r.abs() < MIN_REAL
        {
            self.pos = start;
            return Err(self.at(nope(rules::R6_1_13_5, &[&String::from_utf8_lossy(w)])));
        }
        if let Val::Int(n) = v {
            // `n g R`: an object number, a generation, the keyword.
            let save = self.pos;
            let mut look = Lexer::new(self.buf, self.pos);
            look.skip_ws();
            let g = look.word();
            if !g.is_empty() && g.iter().all(u8::is_ascii_digit) {
                look.skip_ws();
                if look.word() == b"R" {
                    self.pos = look.pos;
                    let obj = u32::try_from(n).unwrap_or(u32::MAX);
                    let gen_ = std::str::from_utf8(g)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(u16::MAX);
                    return Ok(Val::Ref(obj, gen_));
                }
            }
            self.pos = save;
            if !(MIN_INT..=MAX_INT).contains(&n) {
                self.pos = start;
                return Err(self.at(nope(rules::R6_1_13_1, &[&n])));
            }
        }
        Ok(v)
    }
}

/// An integer or real in PDF syntax; integers beyond i64 saturate (they are out of the 6.1.13
/// range either way).
pub(crate) fn number(w: &[u8]) -> Option<Val> {
    let (neg, digits) = match w.split_first() {
        Some((b'-', r)) => (true, r),
        Some((b'+', r)) => (false, r),
        _ => (false, w),
    };
    if digits.is_empty() {
        return None;
    }
    if digits.iter().all(u8::is_ascii_digit) {
        let mut n: i64 = 0;
        for &d in digits {
            n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        }
        return Some(Val::Int(if neg { -n } else { n }));
    }
    let dots = digits.iter().filter(|&&c| c == b'.').count();
    if dots == 1 && digits.iter().all(|&c| c == b'.' || c.is_ascii_digit()) && digits.len() > 1 {
        let value = std::str::from_utf8(w).ok()?.parse::<f64>().ok()?;
        return Some(Val::Real(value));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &[u8]) -> Result<Val, Finding> {
        Lexer::new(s, 0).value(0)
    }

    #[test]
    fn values_and_their_limits() {
        assert_eq!(lex(b"12 0 R").unwrap(), Val::Ref(12, 0));
        assert_eq!(lex(b"2147483647").unwrap(), Val::Int(2_147_483_647));
        assert_eq!(lex(b"2147483648").unwrap_err().clause, "6.1.13");
        assert_eq!(lex(b"-2147483649").unwrap_err().clause, "6.1.13");
        assert_eq!(
            lex(b"99999999999999999999999").unwrap_err().clause,
            "6.1.13"
        );
        assert_eq!(lex(b"-1.5").unwrap(), Val::Real(-1.5));
        let huge = format!("{}.0", "9".repeat(40));
        assert_eq!(lex(huge.as_bytes()).unwrap_err().clause, "6.1.13");
        assert_eq!(lex(b"/A#42").unwrap(), Val::Name(b"AB".to_vec()));
        let long_name = format!("/{}", "a".repeat(128));
        assert_eq!(lex(long_name.as_bytes()).unwrap_err().clause, "6.1.13");
        // Escapes count once: 127 bytes after expansion is fine.
        let escaped = format!("/{}", "#41".repeat(127));
        assert!(lex(escaped.as_bytes()).is_ok());
    }

    #[test]
    fn strings() {
        assert_eq!(lex(b"(a\\(b\\)c)").unwrap(), Val::Str(b"a(b)c".to_vec()));
        assert_eq!(lex(b"(\\101\\n)").unwrap(), Val::Str(b"A\n".to_vec()));
        assert_eq!(lex(b"<48 45 4c>").unwrap(), Val::Str(b"HEL".to_vec()));
        assert_eq!(lex(b"<484>").unwrap_err().clause, "6.1.6");
        assert_eq!(lex(b"<48G5>").unwrap_err().clause, "6.1.6");
        let long = format!("({})", "x".repeat(32_768));
        assert_eq!(lex(long.as_bytes()).unwrap_err().clause, "6.1.13");
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(10_000);
        assert_eq!(lex(deep.as_bytes()).unwrap_err().clause, "6.1.13");
        let dict = lex(b"<< /Length 5 /Filter [/A /B] >>").unwrap();
        let Val::Dict(d) = dict else {
            panic!("{dict:?}")
        };
        assert_eq!(d.get(b"Length"), Some(&Val::Int(5)));
        assert_eq!(
            d.get(b"Filter"),
            Some(&Val::Array(vec![
                Val::Name(b"A".to_vec()),
                Val::Name(b"B".to_vec())
            ]))
        );
    }
}
