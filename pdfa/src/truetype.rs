//! Just enough of a TrueType font program for 6.2.11: the `cmap` subtables, glyph count and
//! advance widths. Every read is bounds-checked; a malformed table reads as absent.

/// A parsed TrueType (or OpenType with `glyf`) program.
pub(crate) struct TrueType<'a> {
    pub units_per_em: u16,
    pub num_glyphs: u16,
    hmetrics: u16,
    hmtx: Option<&'a [u8]>,
    /// `(platform, encoding, subtable)` of each `cmap` subtable.
    cmaps: Vec<(u16, u16, &'a [u8])>,
}

fn be16(d: &[u8], p: usize) -> Option<u16> {
    d.get(p..p + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> TrueType<'a> {
    pub fn parse(data: &'a [u8]) -> Option<TrueType<'a>> {
        let tables = be16(data, 4)?;
        let find = |tag: &[u8]| -> Option<&'a [u8]> {
            (0..usize::from(tables).min(512)).find_map(|i| {
                let rec = 12 + i * 16;
                if data.get(rec..rec + 4)? != tag {
                    return None;
                }
                let off = be32(data, rec + 8)? as usize;
                let len = be32(data, rec + 12)? as usize;
                data.get(off..off.checked_add(len)?)
            })
        };
        let head = find(b"head")?;
        let maxp = find(b"maxp")?;
        let hhea = find(b"hhea");
        let hmtx = find(b"hmtx");
        let cmap = find(b"cmap");
        let mut cmaps = Vec::new();
        if let Some(c) = cmap {
            let n = be16(c, 2).unwrap_or(0);
            for i in 0..usize::from(n).min(64) {
                let rec = 4 + i * 8;
                let (Some(p), Some(e), Some(off)) =
                    (be16(c, rec), be16(c, rec + 2), be32(c, rec + 4))
                else {
                    break;
                };
                if let Some(sub) = c.get(off as usize..) {
                    cmaps.push((p, e, sub));
                }
            }
        }
        Some(TrueType {
            units_per_em: be16(head, 18).filter(|u| *u > 0)?,
            num_glyphs: be16(maxp, 4)?,
            hmetrics: hhea.and_then(|h| be16(h, 34)).unwrap_or(0),
            hmtx,
            cmaps,
        })
    }

    pub fn has_cmap(&self, platform: u16, encoding: u16) -> bool {
        self.cmaps
            .iter()
            .any(|(p, e, _)| *p == platform && *e == encoding)
    }

    /// The glyph a `cmap` subtable maps `code` to, `None` when it has no entry (or the
    /// subtable's format is not one of 0, 4, 6, 12).
    pub fn lookup(&self, platform: u16, encoding: u16, code: u32) -> Option<u16> {
        let (_, _, t) = self
            .cmaps
            .iter()
            .find(|(p, e, _)| *p == platform && *e == encoding)?;
        let gid = match be16(t, 0)? {
            0 => u16::from(*t.get(6 + usize::try_from(code).ok().filter(|c| *c < 256)?)?),
            4 => {
                let code = u16::try_from(code).ok()?;
                let segs = usize::from(be16(t, 6)? / 2);
                let ends = 14;
                let starts = ends + segs * 2 + 2;
                let deltas = starts + segs * 2;
                let ranges = deltas + segs * 2;
                let seg = (0..segs).find(|&i| be16(t, ends + i * 2).is_some_and(|e| e >= code))?;
                let start = be16(t, starts + seg * 2)?;
                if start > code {
                    return None;
                }
                let delta = be16(t, deltas + seg * 2)?;
                let range = be16(t, ranges + seg * 2)?;
                if range == 0 {
                    code.wrapping_add(delta)
                } else {
                    let at = ranges + seg * 2 + usize::from(range) + usize::from(code - start) * 2;
                    match be16(t, at)? {
                        0 => 0,
                        g => g.wrapping_add(delta),
                    }
                }
            }
            6 => {
                let first = u32::from(be16(t, 6)?);
                let count = u32::from(be16(t, 8)?);
                let i = code.checked_sub(first).filter(|i| *i < count)?;
                be16(t, 10 + i as usize * 2)?
            }
            12 => {
                let groups = be32(t, 12)? as usize;
                (0..groups.min(1 << 16)).find_map(|i| {
                    let g = 16 + i * 12;
                    let (s, e, first) = (be32(t, g)?, be32(t, g + 4)?, be32(t, g + 8)?);
                    (s..=e)
                        .contains(&code)
                        .then(|| u16::try_from(first.checked_add(code - s)?).ok())?
                })?
            }
            _ => return None,
        };
        (gid != 0).then_some(gid)
    }

    /// A glyph's advance width, in 1000ths of the em.
    pub fn advance(&self, gid: u16) -> Option<f64> {
        let hmtx = self.hmtx?;
        if self.hmetrics == 0 {
            return None;
        }
        let i = usize::from(gid.min(self.hmetrics - 1));
        let aw = be16(hmtx, i * 4)?;
        Some(f64::from(aw) * 1000.0 / f64::from(self.units_per_em))
    }
}

/// WinAnsiEncoding (ISO 32000-1, D.2) to Unicode, for codes it defines.
pub(crate) fn win_ansi(code: u8) -> Option<u32> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match code {
        0x20..=0x7E | 0xA1..=0xFF => Some(u32::from(code)),
        0x80..=0x9F => Some(u32::from(HIGH[usize::from(code - 0x80)])).filter(|u| *u != 0),
        _ => None,
    }
}
