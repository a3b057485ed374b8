//! Just enough of a CFF font program (FontFile3, CIDFontType0C) for 6.2.11: which CIDs have
//! glyphs and how wide each glyph is. Every read is bounds-checked; malformed data reads as
//! absent.

use std::collections::HashMap;

fn be(d: &[u8], p: usize, n: usize) -> Option<usize> {
    d.get(p..p.checked_add(n)?)
        .map(|b| b.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x)))
}

/// A CFF INDEX: its items and where it ends.
fn index(d: &[u8], p: usize) -> Option<(Vec<&[u8]>, usize)> {
    let count = be(d, p, 2)?;
    if count == 0 {
        return Some((vec![], p + 2));
    }
    let size = *d.get(p + 2)? as usize;
    if !(1..=4).contains(&size) || count > 1 << 20 {
        return None;
    }
    let offsets = p + 3;
    let data = offsets + (count + 1) * size - 1;
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        let a = be(d, offsets + i * size, size)?;
        let b = be(d, offsets + (i + 1) * size, size)?;
        items.push(d.get(data + a..data + b)?);
    }
    let end = data + be(d, offsets + count * size, size)?;
    Some((items, end))
}

/// A DICT: operator (12 x as 1200 + x) → operands.
fn dict(d: &[u8]) -> Vec<(u16, Vec<f64>)> {
    let mut out = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < d.len() && out.len() < 256 {
        let b0 = d[i];
        match b0 {
            0..=21 => {
                let op = if b0 == 12 {
                    i += 1;
                    1200 + u16::from(*d.get(i).unwrap_or(&0))
                } else {
                    u16::from(b0)
                };
                out.push((op, std::mem::take(&mut operands)));
                i += 1;
            }
            28 => {
                operands.push(f64::from(i16::from_be_bytes([
                    *d.get(i + 1).unwrap_or(&0),
                    *d.get(i + 2).unwrap_or(&0),
                ])));
                i += 3;
            }
            29 => {
                let v = d
                    .get(i + 1..i + 5)
                    .map_or(0, |b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                operands.push(f64::from(v));
                i += 5;
            }
            30 => {
                // A real in BCD nibbles, up to 0xf.
                let mut s = String::new();
                i += 1;
                'nibbles: while i < d.len() {
                    for nib in [d[i] >> 4, d[i] & 15] {
                        match nib {
                            0..=9 => s.push(char::from(b'0' + nib)),
                            0xa => s.push('.'),
                            0xb => s.push('E'),
                            0xc => s.push_str("E-"),
                            0xe => s.push('-'),
                            0xf => {
                                i += 1;
                                break 'nibbles;
                            }
                            _ => {}
                        }
                    }
                    i += 1;
                }
                operands.push(s.parse().unwrap_or(0.0));
            }
            32..=246 => {
                operands.push(f64::from(i32::from(b0) - 139));
                i += 1;
            }
            247..=250 => {
                let b1 = i32::from(*d.get(i + 1).unwrap_or(&0));
                operands.push(f64::from((i32::from(b0) - 247) * 256 + b1 + 108));
                i += 2;
            }
            251..=254 => {
                let b1 = i32::from(*d.get(i + 1).unwrap_or(&0));
                operands.push(f64::from(-(i32::from(b0) - 251) * 256 - b1 - 108));
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

fn get(d: &[(u16, Vec<f64>)], op: u16) -> Option<&[f64]> {
    d.iter().find(|(o, _)| *o == op).map(|(_, v)| v.as_slice())
}

/// Glyph space to 1000ths of text space: the FontMatrix's x scale × 1000 (1 by default).
fn font_matrix_scale(top: &[(u16, Vec<f64>)]) -> f64 {
    get(top, 1207)
        .and_then(|m| m.first().copied())
        .filter(|x| x.is_finite() && *x > 0.0)
        .map_or(1.0, |x| x * 1000.0)
}

/// A parsed CID-keyed CFF program.
pub(crate) struct CidCff {
    /// Each glyph's advance width (font units; 1000 per em for CFF).
    pub widths: Vec<Option<f64>>,
    by_cid: HashMap<u32, usize>,
}

impl CidCff {
    pub fn parse(d: &[u8]) -> Option<CidCff> {
        let header = usize::from(*d.get(2)?);
        let (_, after_names) = index(d, header)?;
        let (tops, after_tops) = index(d, after_names)?;
        let top = dict(tops.first()?);
        get(&top, 1230)?; // ROS: only CID-keyed fonts here.
        let charstrings_at = *get(&top, 17)?.first()? as usize;
        let (charstrings, _) = index(d, charstrings_at)?;
        let glyphs = charstrings.len();
        let _ = after_tops;
        // charset: CIDs by glyph.
        let charset_at = get(&top, 15)
            .and_then(|v| v.first())
            .map_or(0, |v| *v as usize);
        let mut cids = vec![0u32];
        if charset_at > 2 {
            let format = *d.get(charset_at)?;
            let mut p = charset_at + 1;
            while cids.len() < glyphs {
                match format {
                    0 => {
                        cids.push(be(d, p, 2)? as u32);
                        p += 2;
                    }
                    1 | 2 => {
                        let first = be(d, p, 2)? as u32;
                        let n = be(d, p + 2, if format == 1 { 1 } else { 2 })? as u32;
                        p += if format == 1 { 3 } else { 4 };
                        for k in 0..=n {
                            if cids.len() >= glyphs {
                                break;
                            }
                            cids.push(first + k);
                        }
                    }
                    _ => return None,
                }
            }
        } else {
            cids.extend(1..glyphs as u32);
        }
        // Widths: per font DICT's Private nominal and default widths.
        let (fds, _) = index(d, *get(&top, 1236)?.first()? as usize)?;
        let privates: Vec<(f64, f64)> = fds
            .iter()
            .map(|fd| {
                let fd = dict(fd);
                get(&fd, 18)
                    .filter(|v| v.len() == 2)
                    .and_then(|v| {
                        let (size, at) = (v[0] as usize, v[1] as usize);
                        let p = dict(d.get(at..at + size)?);
                        Some((
                            get(&p, 20).and_then(|x| x.first().copied()).unwrap_or(0.0),
                            get(&p, 21).and_then(|x| x.first().copied()).unwrap_or(0.0),
                        ))
                    })
                    .unwrap_or((0.0, 0.0))
            })
            .collect();
        let fd_select = get(&top, 1237).and_then(|v| v.first()).map(|v| *v as usize);
        let fd_of = |gid: usize| -> usize {
            let Some(at) = fd_select else { return 0 };
            match d.get(at) {
                Some(0) => d.get(at + 1 + gid).map_or(0, |f| usize::from(*f)),
                Some(3) => {
                    let n = be(d, at + 1, 2).unwrap_or(0);
                    let mut fd = 0;
                    for r in 0..n.min(1 << 16) {
                        let first = be(d, at + 3 + r * 3, 2).unwrap_or(usize::MAX);
                        if first > gid {
                            break;
                        }
                        fd = usize::from(*d.get(at + 5 + r * 3).unwrap_or(&0));
                    }
                    fd
                }
                _ => 0,
            }
        };
        let scale = font_matrix_scale(&top);
        let widths = charstrings
            .iter()
            .enumerate()
            .map(|(gid, cs)| {
                let (default, nominal) = privates.get(fd_of(gid)).copied().unwrap_or((0.0, 0.0));
                charstring_width(cs).map(|w| w.map_or(default, |w| nominal + w) * scale)
            })
            .collect();
        // The glyph of each CID (glyph 0 is CID 0).
        let mut by_cid = HashMap::new();
        for (gid, cid) in cids.iter().enumerate() {
            by_cid.entry(*cid).or_insert(gid);
        }
        Some(CidCff { widths, by_cid })
    }

    pub fn glyph_of(&self, cid: u32) -> Option<usize> {
        self.by_cid.get(&cid).copied()
    }
}

/// CFF's standard strings 0 to 228 (CFF specification, Appendix A: the standard and ISO Latin
/// glyph names); strings 229 to 390 (the expert set) are not listed and read as unknown.
const STANDARD_STRINGS: &[&str] = &[
    ".notdef",
    "space",
    "exclam",
    "quotedbl",
    "numbersign",
    "dollar",
    "percent",
    "ampersand",
    "quoteright",
    "parenleft",
    "parenright",
    "asterisk",
    "plus",
    "comma",
    "hyphen",
    "period",
    "slash",
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "colon",
    "semicolon",
    "less",
    "equal",
    "greater",
    "question",
    "at",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
    "J",
    "K",
    "L",
    "M",
    "N",
    "O",
    "P",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "V",
    "W",
    "X",
    "Y",
    "Z",
    "bracketleft",
    "backslash",
    "bracketright",
    "asciicircum",
    "underscore",
    "quoteleft",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
    "braceleft",
    "bar",
    "braceright",
    "asciitilde",
    "exclamdown",
    "cent",
    "sterling",
    "fraction",
    "yen",
    "florin",
    "section",
    "currency",
    "quotesingle",
    "quotedblleft",
    "guillemotleft",
    "guilsinglleft",
    "guilsinglright",
    "fi",
    "fl",
    "endash",
    "dagger",
    "daggerdbl",
    "periodcentered",
    "paragraph",
    "bullet",
    "quotesinglbase",
    "quotedblbase",
    "quotedblright",
    "guillemotright",
    "ellipsis",
    "perthousand",
    "questiondown",
    "grave",
    "acute",
    "circumflex",
    "tilde",
    "macron",
    "breve",
    "dotaccent",
    "dieresis",
    "ring",
    "cedilla",
    "hungarumlaut",
    "ogonek",
    "caron",
    "emdash",
    "AE",
    "ordfeminine",
    "Lslash",
    "Oslash",
    "OE",
    "ordmasculine",
    "ae",
    "dotlessi",
    "lslash",
    "oslash",
    "oe",
    "germandbls",
    "onesuperior",
    "logicalnot",
    "mu",
    "trademark",
    "Eth",
    "onehalf",
    "plusminus",
    "Thorn",
    "onequarter",
    "divide",
    "brokenbar",
    "degree",
    "thorn",
    "threequarters",
    "twosuperior",
    "registered",
    "minus",
    "eth",
    "multiply",
    "threesuperior",
    "copyright",
    "Aacute",
    "Acircumflex",
    "Adieresis",
    "Agrave",
    "Aring",
    "Atilde",
    "Ccedilla",
    "Eacute",
    "Ecircumflex",
    "Edieresis",
    "Egrave",
    "Iacute",
    "Icircumflex",
    "Idieresis",
    "Igrave",
    "Ntilde",
    "Oacute",
    "Ocircumflex",
    "Odieresis",
    "Ograve",
    "Otilde",
    "Scaron",
    "Uacute",
    "Ucircumflex",
    "Udieresis",
    "Ugrave",
    "Yacute",
    "Ydieresis",
    "Zcaron",
    "aacute",
    "acircumflex",
    "adieresis",
    "agrave",
    "aring",
    "atilde",
    "ccedilla",
    "eacute",
    "ecircumflex",
    "edieresis",
    "egrave",
    "iacute",
    "icircumflex",
    "idieresis",
    "igrave",
    "ntilde",
    "oacute",
    "ocircumflex",
    "odieresis",
    "ograve",
    "otilde",
    "scaron",
    "uacute",
    "ucircumflex",
    "udieresis",
    "ugrave",
    "yacute",
    "ydieresis",
    "zcaron",
];

/// The name of a simple font's glyph for `code` in StandardEncoding (printable ASCII only: the
/// codes 0x20 to 0x7E are the standard strings 1 to 95). `Some("")` for a code without a glyph.
pub(crate) fn standard_encoding(code: u8) -> Option<&'static str> {
    match code {
        0x20..=0x7E => STANDARD_STRINGS.get(usize::from(code) - 31).copied(),
        0..=0x1F => Some(""),
        _ => None,
    }
}

/// A parsed name-keyed CFF program (FontFile3 Type1C).
pub(crate) struct NamedCff {
    /// Each glyph's name; `None` for a name among the standard strings not listed here.
    pub names: Vec<Option<String>>,
    pub widths: Vec<Option<f64>>,
    /// The program's own encoding: code → glyph, when it has a custom one (else Standard).
    pub encoding: Option<Vec<(u8, usize)>>,
    by_name: HashMap<String, usize>,
}

impl NamedCff {
    pub fn parse(d: &[u8]) -> Option<NamedCff> {
        let header = usize::from(*d.get(2)?);
        let (_, after_names) = index(d, header)?;
        let (tops, after_tops) = index(d, after_names)?;
        let (strings, _) = index(d, after_tops)?;
        let top = dict(tops.first()?);
        if get(&top, 1230).is_some() {
            return None;
        }
        let name = |sid: usize| -> Option<String> {
            if sid < 391 {
                STANDARD_STRINGS.get(sid).map(|s| (*s).to_owned())
            } else {
                strings
                    .get(sid - 391)
                    .map(|s| String::from_utf8_lossy(s).into_owned())
            }
        };
        let (charstrings, _) = index(d, *get(&top, 17)?.first()? as usize)?;
        let glyphs = charstrings.len();
        let charset_at = get(&top, 15)
            .and_then(|v| v.first())
            .map_or(0, |v| *v as usize);
        let mut sids = vec![0usize];
        if charset_at > 2 {
            let format = *d.get(charset_at)?;
            let mut p = charset_at + 1;
            while sids.len() < glyphs {
                match format {
                    0 => {
                        sids.push(be(d, p, 2)?);
                        p += 2;
                    }
                    1 | 2 => {
                        let first = be(d, p, 2)?;
                        let n = be(d, p + 2, if format == 1 { 1 } else { 2 })?;
                        p += if format == 1 { 3 } else { 4 };
                        for k in 0..=n {
                            if sids.len() >= glyphs {
                                break;
                            }
                            sids.push(first + k);
                        }
                    }
                    _ => return None,
                }
            }
        } else if charset_at == 0 {
            // The ISOAdobe charset: glyph i is string i.
            sids.extend(1..glyphs);
        } else {
            return None;
        }
        let names: Vec<Option<String>> = sids.iter().map(|&sid| name(sid)).collect();
        let (default, nominal) = get(&top, 18)
            .filter(|v| v.len() == 2)
            .and_then(|v| {
                let (size, at) = (v[0] as usize, v[1] as usize);
                let p = dict(d.get(at..at + size)?);
                Some((
                    get(&p, 20).and_then(|x| x.first().copied()).unwrap_or(0.0),
                    get(&p, 21).and_then(|x| x.first().copied()).unwrap_or(0.0),
                ))
            })
            .unwrap_or((0.0, 0.0));
        let scale = font_matrix_scale(&top);
        let widths = charstrings
            .iter()
            .map(|cs| charstring_width(cs).map(|w| w.map_or(default, |w| nominal + w) * scale))
            .collect();
        let encoding_at = get(&top, 16)
            .and_then(|v| v.first())
            .map_or(0, |v| *v as usize);
        let encoding = if encoding_at > 1 {
            let format = *d.get(encoding_at)? & 0x7f;
            let mut map = Vec::new();
            match format {
                0 => {
                    let n = usize::from(*d.get(encoding_at + 1)?);
                    for i in 0..n {
                        map.push((*d.get(encoding_at + 2 + i)?, i + 1));
                    }
                }
                1 => {
                    let n = usize::from(*d.get(encoding_at + 1)?);
                    let mut gid = 1;
                    for r in 0..n {
                        let first = *d.get(encoding_at + 2 + r * 2)?;
                        let left = *d.get(encoding_at + 3 + r * 2)?;
                        for k in 0..=left {
                            map.push((first.wrapping_add(k), gid));
                            gid += 1;
                        }
                    }
                }
                _ => return None,
            }
            Some(map)
        } else {
            None
        };
        let mut by_name = HashMap::new();
        for (gid, n) in names.iter().enumerate() {
            if let Some(n) = n {
                by_name.entry(n.clone()).or_insert(gid);
            }
        }
        Some(NamedCff {
            names,
            widths,
            encoding,
            by_name,
        })
    }

    /// The glyph named `name`; `Err(())` when that cannot be told (some names are unknown).
    pub fn glyph_named(&self, name: &str) -> Result<Option<usize>, ()> {
        match self.by_name.get(name) {
            Some(g) => Ok(Some(*g)),
            None if self.names.iter().any(Option::is_none) => Err(()),
            None => Ok(None),
        }
    }
}

/// The width a Type 2 charstring declares: `Some(Some(w))` for an explicit width (to add to
/// nominalWidthX), `Some(None)` for the default width, `None` if it cannot be told.
fn charstring_width(cs: &[u8]) -> Option<Option<f64>> {
    let mut stack: Vec<f64> = Vec::new();
    let mut i = 0;
    while i < cs.len() && stack.len() < 64 {
        let b0 = cs[i];
        match b0 {
            28 => {
                stack.push(f64::from(i16::from_be_bytes([
                    *cs.get(i + 1)?,
                    *cs.get(i + 2)?,
                ])));
                i += 3;
            }
            32..=246 => {
                stack.push(f64::from(i32::from(b0) - 139));
                i += 1;
            }
            247..=250 => {
                stack.push(f64::from(
                    (i32::from(b0) - 247) * 256 + i32::from(*cs.get(i + 1)?) + 108,
                ));
                i += 2;
            }
            251..=254 => {
                stack.push(f64::from(
                    -(i32::from(b0) - 251) * 256 - i32::from(*cs.get(i + 1)?) - 108,
                ));
                i += 2;
            }
            255 => {
                let v = i32::from_be_bytes(cs.get(i + 1..i + 5)?.try_into().ok()?);
                stack.push(f64::from(v) / 65536.0);
                i += 5;
            }
            _ => {
                // The first operator: whether an extra first operand (the width) is there.
                let n = stack.len();
                let extra = match b0 {
                    1 | 3 | 18 | 23 | 19 | 20 => n % 2 == 1,
                    21 => n > 2,
                    4 | 22 => n > 1,
                    14 => n == 1 || n == 5,
                    _ => return None,
                };
                return Some(extra.then(|| stack[0]));
            }
        }
    }
    None
}
