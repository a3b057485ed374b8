//! 6.2.11: the fonts used for rendering (and 6.1.13's CID limit in their CMaps).
//!
//! What needs the font programs themselves parsed (glyph presence 6.2.11.4.1 t02, widths
//! 6.2.11.5, CharSet/CIDSet 6.2.11.4.2, .notdef 6.2.11.8) is not checked; the TrueType
//! `cmap` table is (6.2.11.6).

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, Stream};

use super::truetype::TrueType;

use super::content::Usage;
use super::lexer::{Lexer, Val};
use super::rules::{self as rule, RuleId};
use super::{Check, Ctx, nope, nope_why};

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// ISO 32000-1, 9.7.5.2, Table 118: the predefined CMaps, which need no embedding.
const PREDEFINED_CMAPS: &[&str] = &[
    "GB-EUC-H",
    "GB-EUC-V",
    "GBpc-EUC-H",
    "GBpc-EUC-V",
    "GBK-EUC-H",
    "GBK-EUC-V",
    "GBKp-EUC-H",
    "GBKp-EUC-V",
    "GBK2K-H",
    "GBK2K-V",
    "UniGB-UCS2-H",
    "UniGB-UCS2-V",
    "UniGB-UTF16-H",
    "UniGB-UTF16-V",
    "B5pc-H",
    "B5pc-V",
    "HKscs-B5-H",
    "HKscs-B5-V",
    "ETen-B5-H",
    "ETen-B5-V",
    "ETenms-B5-H",
    "ETenms-B5-V",
    "CNS-EUC-H",
    "CNS-EUC-V",
    "UniCNS-UCS2-H",
    "UniCNS-UCS2-V",
    "UniCNS-UTF16-H",
    "UniCNS-UTF16-V",
    "83pv-RKSJ-H",
    "90ms-RKSJ-H",
    "90ms-RKSJ-V",
    "90msp-RKSJ-H",
    "90msp-RKSJ-V",
    "90pv-RKSJ-H",
    "Add-RKSJ-H",
    "Add-RKSJ-V",
    "EUC-H",
    "EUC-V",
    "Ext-RKSJ-H",
    "Ext-RKSJ-V",
    "H",
    "V",
    "UniJIS-UCS2-H",
    "UniJIS-UCS2-V",
    "UniJIS-UCS2-HW-H",
    "UniJIS-UCS2-HW-V",
    "UniJIS-UTF16-H",
    "UniJIS-UTF16-V",
    "KSC-EUC-H",
    "KSC-EUC-V",
    "KSCms-UHC-H",
    "KSCms-UHC-V",
    "KSCms-UHC-HW-H",
    "KSCms-UHC-HW-V",
    "KSCpc-EUC-H",
    "UniKS-UCS2-H",
    "UniKS-UCS2-V",
    "UniKS-UTF16-H",
    "UniKS-UTF16-V",
    "Identity-H",
    "Identity-V",
];

/// The character collection of a predefined CMap (its Registry is Adobe).
fn predefined_ordering(name: &str) -> Option<&'static str> {
    if name.starts_with("Identity") {
        return None;
    }
    Some(if name.contains("GB") {
        "GB1"
    } else if name.contains("B5") || name.contains("CNS") {
        "CNS1"
    } else if name.contains("KS") {
        "Korea1"
    } else {
        "Japan1"
    })
}

/// The character collections whose fonts need no ToUnicode (6.2.11.7.2).
const KNOWN_COLLECTIONS: &[&[u8]] = &[b"GB1", b"CNS1", b"Japan1", b"Korea1"];

pub(crate) fn check(
    ctx: &Ctx<'_>,
    fonts: &[&Dictionary],
    codes: &[HashSet<u32>],
    bare: &[HashSet<u32>],
    usage: &[Usage],
) -> Check {
    for (i, f) in fonts.iter().enumerate() {
        let unit = format!(
            "font {}",
            lossy(ctx.get_name(f, b"BaseFont").unwrap_or(b"?"))
        );
        let embed = usage.get(i).is_none_or(|u| u.needs_embedding());
        ctx.check_unit(&unit, || font(ctx, f, embed))?;
        if let Some(codes) = codes.get(i).filter(|c| !c.is_empty()) {
            ctx.check_unit(&unit, || glyphs(ctx, f, codes))?;
        }
        if let Some(bare) = bare.get(i).filter(|c| !c.is_empty()) {
            ctx.check_unit(&unit, || private_use(ctx, f, bare))?;
        }
    }
    Ok(())
}

/// The glyphs the shown codes select, in TrueType programs: present (6.2.11.4.1), not
/// `.notdef` (6.2.11.8), as wide as the font dictionary says (6.2.11.5). Type 3 widths too.
fn glyphs(ctx: &Ctx<'_>, f: &Dictionary, codes: &HashSet<u32>) -> Check {
    let name = String::from_utf8_lossy(ctx.get_name(f, b"BaseFont").unwrap_or(b"?")).into_owned();
    let mut codes: Vec<u32> = codes.iter().copied().collect();
    codes.sort_unstable();
    match ctx.get_name(f, b"Subtype") {
        Some(b"TrueType") => {
            let descriptor = ctx.get_dict(f, b"FontDescriptor");
            let Some((b"FontFile2", program)) = font_file(ctx, descriptor) else {
                return Ok(());
            };
            let Some(data) = ctx.decode(program)? else {
                return Ok(());
            };
            let Some(tt) = TrueType::parse(&data) else {
                return Ok(());
            };
            let flags = descriptor
                .and_then(|d| d.get(b"Flags").ok())
                .and_then(|v| ctx.number(v))
                .unwrap_or(0.0) as i64;
            let symbolic = flags & 4 != 0;
            let first = f
                .get(b"FirstChar")
                .ok()
                .and_then(|v| ctx.number(v))
                .unwrap_or(0.0) as i64;
            let widths = ctx.get_array(f, b"Widths").unwrap_or(&[]);
            let names = differences_of(
                ctx,
                ctx.get_dict(f, b"Encoding")
                    .and_then(|e| ctx.get_array(e, b"Differences")),
            );
            for code in codes {
                ctx.tick(1)?;
                let Ok(byte) = u8::try_from(code) else {
                    continue;
                };
                let Some(gid) = simple_truetype_glyph(ctx, f, &tt, symbolic, &names, byte) else {
                    continue;
                };
                glyph(&tt, gid, &name)?;
                let pdf_width = usize::try_from(i64::from(byte) - first)
                    .ok()
                    .and_then(|i| widths.get(i))
                    .and_then(|w| ctx.number(w));
                width(&tt, gid, pdf_width, &name)?;
            }
        }
        Some(b"Type0") => {
            let Some(cid_font) = ctx
                .get_array(f, b"DescendantFonts")
                .and_then(|a| a.first())
                .and_then(|d| ctx.dict(d))
            else {
                return Ok(());
            };
            if ctx.get_name(cid_font, b"Subtype") == Some(b"CIDFontType0") {
                return cid_cff_glyphs(ctx, cid_font, &codes, &name);
            }
            if ctx.get_name(cid_font, b"Subtype") != Some(b"CIDFontType2") {
                return Ok(());
            }
            let Some((b"FontFile2", program)) =
                font_file(ctx, ctx.get_dict(cid_font, b"FontDescriptor"))
            else {
                return Ok(());
            };
            let Some(data) = ctx.decode(program)? else {
                return Ok(());
            };
            let Some(tt) = TrueType::parse(&data) else {
                return Ok(());
            };
            let map = match ctx.get(cid_font, b"CIDToGIDMap") {
                Some(Object::Stream(s)) => ctx.decode(s)?,
                _ => None,
            };
            cid_set(ctx, cid_font, &tt, map.as_deref(), &name)?;
            let widths = cid_widths(ctx, cid_font);
            for cid in codes {
                ctx.tick(1)?;
                let gid = match &map {
                    Some(m) => {
                        let i = cid as usize * 2;
                        match m.get(i..i + 2) {
                            Some(b) => u16::from_be_bytes([b[0], b[1]]),
                            None => 0,
                        }
                    }
                    None => u16::try_from(cid).unwrap_or(u16::MAX),
                };
                glyph(&tt, gid, &name)?;
                width(&tt, gid, Some(widths(cid)), &name)?;
            }
        }
        Some(b"Type3") => type3_widths(ctx, f, &codes, &name)?,
        Some(b"Type1" | b"MMType1") => type1c_glyphs(ctx, f, &codes, &name)?,
        _ => {}
    }
    Ok(())
}

/// The glyphs of a name-keyed CFF program (Type 1 fonts embedded as FontFile3/Type1C): the
/// CharSet lists every glyph (6.2.11.4.2); shown codes select present glyphs (6.2.11.4.1),
/// not `.notdef` (6.2.11.8), as wide as `Widths` says (6.2.11.5).
fn type1c_glyphs(ctx: &Ctx<'_>, f: &Dictionary, codes: &[u32], _name: &str) -> Check {
    let descriptor = ctx.get_dict(f, b"FontDescriptor");
    let Some((b"FontFile3", program)) = font_file(ctx, descriptor) else {
        return Ok(());
    };
    if ctx.get_name(&program.dict, b"Subtype") != Some(b"Type1C") {
        return Ok(());
    }
    let Some(data) = ctx.decode(program)? else {
        return Ok(());
    };
    let Some(cff) = super::cff::NamedCff::parse(&data) else {
        return Ok(());
    };
    if let Some(Object::String(charset, _)) = descriptor.and_then(|d| ctx.get(d, b"CharSet"))
        && cff.names.iter().all(Option::is_some)
    {
        let listed: HashSet<&[u8]> = charset
            .split(|b| *b == b'/')
            .map(|n| n.trim_ascii())
            .filter(|n| !n.is_empty())
            .collect();
        for n in cff.names.iter().flatten() {
            if n != ".notdef" && !listed.contains(n.as_bytes()) {
                return Err(nope(rule::R6_2_11_4_2_1, &[]));
            }
        }
    }
    let (base, differences) = match ctx.get(f, b"Encoding") {
        Some(Object::Name(n)) => (Some(n.as_slice()), None),
        Some(Object::Dictionary(e)) => (
            ctx.get_name(e, b"BaseEncoding"),
            ctx.get_array(e, b"Differences"),
        ),
        _ => (None, None),
    };
    let first = f
        .get(b"FirstChar")
        .ok()
        .and_then(|v| ctx.number(v))
        .unwrap_or(0.0) as i64;
    let widths = ctx.get_array(f, b"Widths").unwrap_or(&[]);
    let names = differences_of(ctx, differences);
    for &code in codes {
        ctx.tick(1)?;
        let Ok(code) = u8::try_from(code) else {
            continue;
        };
        let glyph_name = names[usize::from(code)]
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned());
        let gid = match glyph_name {
            Some(n) => cff.glyph_named(&n),
            None => match (base, &cff.encoding) {
                (None, Some(map)) => Ok(Some(
                    map.iter().find(|(c, _)| *c == code).map_or(0, |(_, g)| *g),
                )),
                (
                    Some(b"WinAnsiEncoding" | b"MacRomanEncoding" | b"StandardEncoding") | None,
                    _,
                ) => {
                    let standard = base.is_none_or(|b| b == b"StandardEncoding");
                    let n = match code {
                        0x27 if !standard => Some("quotesingle"),
                        0x60 if !standard => Some("grave"),
                        _ => super::cff::standard_encoding(code),
                    };
                    match n {
                        Some("") => Ok(Some(0)),
                        Some(n) => cff.glyph_named(n),
                        None => Err(()),
                    }
                }
                _ => Err(()),
            },
        };
        let gid = match gid {
            Ok(Some(g)) => g,
            Ok(None) => {
                return Err(nope(rule::R6_2_11_4_1_2, &[]));
            }
            Err(()) => continue,
        };
        if gid == 0 {
            return Err(nope(rule::R6_2_11_8_1, &[]));
        }
        let pdf = usize::try_from(i64::from(code) - first)
            .ok()
            .and_then(|i| widths.get(i))
            .and_then(|w| ctx.number(w));
        if let (Some(pdf), Some(Some(program))) = (pdf, cff.widths.get(gid))
            && (pdf - program).abs() > 1.0
        {
            return Err(nope(rule::R6_2_11_5_1, &[&program, &pdf]));
        }
    }
    Ok(())
}

/// The glyphs of a CID-keyed CFF program: present, not CID 0, as wide as `W` says.
fn cid_cff_glyphs(ctx: &Ctx<'_>, cid_font: &Dictionary, codes: &[u32], _name: &str) -> Check {
    let Some((b"FontFile3", program)) = font_file(ctx, ctx.get_dict(cid_font, b"FontDescriptor"))
    else {
        return Ok(());
    };
    let Some(data) = ctx.decode(program)? else {
        return Ok(());
    };
    let Some(cff) = super::cff::CidCff::parse(&data) else {
        return Ok(());
    };
    let widths = cid_widths(ctx, cid_font);
    for &cid in codes {
        ctx.tick(1)?;
        if cid == 0 {
            return Err(nope(rule::R6_2_11_8_1, &[]));
        }
        let Some(gid) = cff.glyph_of(cid) else {
            return Err(nope(rule::R6_2_11_4_1_2, &[]));
        };
        if let Some(Some(program)) = cff.widths.get(gid)
            && (program - widths(cid)).abs() > 1.0
        {
            return Err(nope(rule::R6_2_11_5_1, &[program, &widths(cid)]));
        }
    }
    Ok(())
}

/// 6.2.11.4.2: a CIDSet identifies every CID the (TrueType) program has a glyph for.
fn cid_set(
    ctx: &Ctx<'_>,
    cid_font: &Dictionary,
    tt: &TrueType<'_>,
    map: Option<&[u8]>,
    _name: &str,
) -> Check {
    let Some(Object::Stream(set)) = ctx
        .get_dict(cid_font, b"FontDescriptor")
        .and_then(|d| ctx.get(d, b"CIDSet"))
    else {
        return Ok(());
    };
    let Some(bits) = ctx.decode(set)? else {
        return Ok(());
    };
    let has = |cid: usize| {
        bits.get(cid / 8)
            .is_some_and(|b| b & (0x80 >> (cid % 8)) != 0)
    };
    let present: Box<dyn Iterator<Item = usize>> = match map {
        None => Box::new(1..usize::from(tt.num_glyphs)),
        Some(m) => Box::new(
            m.chunks_exact(2)
                .enumerate()
                .filter(|(_, g)| {
                    let gid = u16::from_be_bytes([g[0], g[1]]);
                    gid != 0 && gid < tt.num_glyphs
                })
                .map(|(cid, _)| cid),
        ),
    };
    for cid in present.take(1 << 16) {
        if !has(cid) {
            return Err(nope(rule::R6_2_11_4_2_2, &[]));
        }
    }
    Ok(())
}

/// ISO 32000-1, 9.6.6.4: the glyph a simple TrueType font shows for `code`; `None` when that
/// cannot be told without more tables (glyph names outside the standard encodings).
fn simple_truetype_glyph(
    ctx: &Ctx<'_>,
    f: &Dictionary,
    tt: &TrueType<'_>,
    symbolic: bool,
    names: &[Option<Vec<u8>>],
    code: u8,
) -> Option<u16> {
    let code32 = u32::from(code);
    if symbolic || !tt.has_cmap(3, 1) {
        if tt.has_cmap(3, 0) {
            return Some(
                [0, 0xF000, 0xF100, 0xF200]
                    .iter()
                    .find_map(|base| tt.lookup(3, 0, base + code32))
                    .unwrap_or(0),
            );
        }
        if tt.has_cmap(1, 0) {
            return Some(tt.lookup(1, 0, code32).unwrap_or(0));
        }
        return None;
    }
    // Non-symbolic with a (3,1) table: through the encoding to Unicode. Differences need the
    // Adobe Glyph List: not followed.
    let base = match ctx.get(f, b"Encoding") {
        Some(Object::Name(n)) => Some(n.as_slice()),
        Some(Object::Dictionary(e)) => ctx.get_name(e, b"BaseEncoding"),
        _ => None,
    };
    if names.get(usize::from(code)).is_some_and(Option::is_some) {
        return None;
    }
    // Control codes have no glyph name in any standard encoding: they select .notdef.
    if code < 0x20 {
        return Some(0);
    }
    let unicode = match base {
        Some(b"WinAnsiEncoding") => super::truetype::win_ansi(code)?,
        _ => return None,
    };
    Some(tt.lookup(3, 1, unicode).unwrap_or(0))
}

fn glyph(tt: &TrueType<'_>, gid: u16, _name: &str) -> Check {
    if gid == 0 {
        return Err(nope(rule::R6_2_11_8_1, &[]));
    }
    if gid >= tt.num_glyphs {
        return Err(nope(rule::R6_2_11_4_1_2, &[]));
    }
    Ok(())
}

/// 6.2.11.5: the width in the font dictionary is the program's (to a unit).
fn width(tt: &TrueType<'_>, gid: u16, pdf: Option<f64>, _name: &str) -> Check {
    if let (Some(pdf), Some(program)) = (pdf, tt.advance(gid))
        && (pdf - program).abs() > 1.0
    {
        return Err(nope(
            rule::R6_2_11_5_1,
            &[&format_args!("{program:.0}"), &pdf],
        ));
    }
    Ok(())
}

/// A CIDFont's widths: `W` ranges and lists, `DW` otherwise (ISO 32000-1, 9.7.4.3), read
/// once into a map and sorted ranges (a `W` array may be long).
fn cid_widths<'a>(ctx: &'a Ctx<'a>, cid_font: &'a Dictionary) -> impl Fn(u32) -> f64 + 'a {
    let dw = cid_font
        .get(b"DW")
        .ok()
        .and_then(|v| ctx.number(v))
        .unwrap_or(1000.0);
    let w = ctx.get_array(cid_font, b"W").unwrap_or(&[]);
    let mut single: HashMap<u32, f64> = HashMap::new();
    let mut ranges: Vec<(u32, u32, f64)> = Vec::new();
    let mut i = 0;
    while i < w.len() && single.len() + ranges.len() < 1 << 20 {
        let Some(first) = ctx
            .number(&w[i])
            .filter(|f| *f >= 0.0 && *f <= f64::from(u32::MAX))
        else {
            break;
        };
        let first = first as u32;
        match w.get(i + 1).map(|x| ctx.resolve(x)) {
            Some(Object::Array(list)) => {
                for (k, v) in list.iter().enumerate().take(1 << 16) {
                    if let Some(v) = ctx.number(v) {
                        single.entry(first.saturating_add(k as u32)).or_insert(v);
                    }
                }
                i += 2;
            }
            Some(last) => {
                let last = ctx.number(last).unwrap_or(-1.0);
                if let Some(v) = w.get(i + 2).and_then(|x| ctx.number(x))
                    && last >= f64::from(first)
                {
                    ranges.push((first, last.min(f64::from(u32::MAX)) as u32, v));
                }
                i += 3;
            }
            None => break,
        }
    }
    ranges.sort_by_key(|r| r.0);
    move |cid: u32| {
        if let Some(v) = single.get(&cid) {
            return *v;
        }
        let at = ranges.partition_point(|r| r.0 <= cid);
        ranges[..at]
            .iter()
            .rev()
            .take(64)
            .find(|r| r.1 >= cid)
            .map_or(dw, |r| r.2)
    }
}

/// The glyph names a `Differences` array gives to the 256 codes.
fn differences_of(ctx: &Ctx<'_>, diffs: Option<&[Object]>) -> Vec<Option<Vec<u8>>> {
    let mut out = vec![None; 256];
    let mut at = -1i64;
    for d in diffs.unwrap_or(&[]) {
        match ctx.resolve(d) {
            Object::Integer(i) => at = *i,
            Object::Name(n) => {
                if let Some(slot) = usize::try_from(at).ok().and_then(|a| out.get_mut(a)) {
                    *slot = Some(n.clone());
                }
                at += 1;
            }
            _ => {}
        }
    }
    out
}

/// 6.2.11.5 for Type 3 fonts: `Widths` agrees with each glyph procedure's `d0`/`d1` width.
fn type3_widths(ctx: &Ctx<'_>, f: &Dictionary, codes: &[u32], _name: &str) -> Check {
    let Some(procs) = ctx.get_dict(f, b"CharProcs") else {
        return Ok(());
    };
    let names = differences_of(
        ctx,
        ctx.get_dict(f, b"Encoding")
            .and_then(|e| ctx.get_array(e, b"Differences")),
    );
    let glyph_name = |code: u32| names.get(code as usize).and_then(|n| n.as_deref());
    let first = f
        .get(b"FirstChar")
        .ok()
        .and_then(|v| ctx.number(v))
        .unwrap_or(0.0) as i64;
    let widths = ctx.get_array(f, b"Widths").unwrap_or(&[]);
    for &code in codes {
        ctx.tick(1)?;
        // A code the Differences name: that glyph must be a procedure of CharProcs
        // (6.2.11.4.1-2) and not `.notdef` (6.2.11.8-1). A code they do not name is left alone.
        let Some(glyph) = glyph_name(code) else {
            continue;
        };
        if glyph == b".notdef" {
            return Err(nope(rule::R6_2_11_8_1, &[]));
        }
        let Some(Object::Stream(proc_)) = ctx.get(procs, glyph) else {
            return Err(nope(rule::R6_2_11_4_1_2, &[]));
        };
        let Some(pdf) = usize::try_from(i64::from(code) - first)
            .ok()
            .and_then(|i| widths.get(i))
            .and_then(|w| ctx.number(w))
        else {
            continue;
        };
        let Some(data) = ctx.decode(proc_)? else {
            continue;
        };
        let mut lx = Lexer::new(&data, 0);
        let mut nums = Vec::new();
        while nums.len() < 8 {
            lx.skip_ws();
            match lx.value(0) {
                Ok(Val::Int(i)) => nums.push(i as f64),
                Ok(Val::Real(r)) => nums.push(r),
                Ok(Val::Keyword(k)) if k == b"d0" || k == b"d1" => {
                    if let Some(wx) = nums.first()
                        && wx.is_finite()
                        && (wx - pdf).abs() > 1.0
                    {
                        return Err(nope(rule::R6_2_11_5_1, &[&wx, &pdf]));
                    }
                    break;
                }
                _ => break,
            }
        }
    }
    Ok(())
}

/// `embed`: the font is used for rendering, so its program must be embedded (6.2.11.4.1).
fn font(ctx: &Ctx<'_>, f: &Dictionary, embed: bool) -> Check {
    let subtype = ctx.get_name(f, b"Subtype").unwrap_or(b"");
    let name = String::from_utf8_lossy(ctx.get_name(f, b"BaseFont").unwrap_or(b"?")).into_owned();
    if let Some(base) = ctx.get_name(f, b"BaseFont")
        && std::str::from_utf8(base).is_err()
    {
        ctx.report(nope(rule::R6_1_8_1, &[&lossy(base)]))?;
    }
    dictionary(ctx, f, subtype)?;
    match subtype {
        b"Type0" => type0(ctx, f, &name, embed),
        b"Type1" | b"MMType1" | b"TrueType" => simple(ctx, f, subtype, &name, embed),
        // Type 3 glyph names are not checked against the Adobe Glyph List here.
        b"Type3" => to_unicode(ctx, f, &name),
        _ => Err(nope(rule::R6_2_11_2_2, &[&lossy(subtype)])),
    }
}

/// The standard 14 fonts (ISO 32000-1, 9.6.2.2), which a simple font may name without
/// FirstChar, LastChar and Widths when it does not embed a program.
const STANDARD_14: &[&[u8]] = &[
    b"Times-Roman",
    b"Times-Bold",
    b"Times-Italic",
    b"Times-BoldItalic",
    b"Helvetica",
    b"Helvetica-Bold",
    b"Helvetica-Oblique",
    b"Helvetica-BoldOblique",
    b"Courier",
    b"Courier-Bold",
    b"Courier-Oblique",
    b"Courier-BoldOblique",
    b"Symbol",
    b"ZapfDingbats",
];

/// 6.2.11.2: the font dictionary's keys (Type, Subtype, BaseFont; FirstChar, LastChar and
/// Widths of simple fonts but the unembedded standard 14) and the embedded program's format.
fn dictionary(ctx: &Ctx<'_>, f: &Dictionary, subtype: &[u8]) -> Check {
    match ctx.get_name(f, b"Type") {
        Some(b"Font") => {}
        other => ctx.report(nope(
            rule::R6_2_11_2_1,
            &[&other.map_or("null".into(), lossy)],
        ))?,
    }
    if subtype != b"Type3" && ctx.get_name(f, b"BaseFont").is_none() {
        ctx.report(nope(rule::R6_2_11_2_3, &[]))?;
    }
    let descriptor = match subtype {
        b"Type0" => ctx
            .get_array(f, b"DescendantFonts")
            .and_then(|a| a.first())
            .and_then(|d| ctx.dict(d))
            .and_then(|d| ctx.get_dict(d, b"FontDescriptor")),
        _ => ctx.get_dict(f, b"FontDescriptor"),
    };
    let program = font_file(ctx, descriptor);
    if let Some((b"FontFile3", s)) = program {
        let sub = ctx.get_name(&s.dict, b"Subtype");
        if !matches!(sub, Some(b"Type1C" | b"CIDFontType0C" | b"OpenType")) {
            ctx.report(nope(
                rule::R6_2_11_2_7,
                &[&sub.map_or("null".into(), lossy)],
            ))?;
        }
    }
    if matches!(subtype, b"Type1" | b"MMType1" | b"TrueType" | b"Type3") {
        let standard = subtype != b"Type3"
            && program.is_none()
            && ctx
                .get_name(f, b"BaseFont")
                .is_some_and(|b| STANDARD_14.contains(&b));
        if !standard {
            let int = |k: &[u8]| match ctx.get(f, k) {
                Some(Object::Integer(i)) => Some(*i),
                _ => None,
            };
            let (first, last) = (int(b"FirstChar"), int(b"LastChar"));
            if first.is_none() {
                ctx.report(nope(rule::R6_2_11_2_4, &[]))?;
            }
            if last.is_none() {
                ctx.report(nope(rule::R6_2_11_2_5, &[]))?;
            }
            let widths = ctx.get_array(f, b"Widths").map(<[Object]>::len);
            let expected = match (first, last) {
                (Some(a), Some(b)) => Some(b.saturating_sub(a).saturating_add(1)),
                _ => None,
            };
            if widths.is_none() || widths.map(|w| w as i64) != expected {
                let show = |n: Option<i64>| n.map_or("null".into(), |n| n.to_string());
                ctx.report(nope(
                    rule::R6_2_11_2_6,
                    &[&show(widths.map(|w| w as i64)), &show(expected)],
                ))?;
            }
        }
    }
    Ok(())
}

fn font_file<'a>(
    ctx: &Ctx<'a>,
    descriptor: Option<&'a Dictionary>,
) -> Option<(&'a [u8], &'a Stream)> {
    let d = descriptor?;
    for key in [&b"FontFile"[..], b"FontFile2", b"FontFile3"] {
        if let Some(Object::Stream(s)) = ctx.get(d, key) {
            return Some((key, s));
        }
    }
    None
}

fn simple(ctx: &Ctx<'_>, f: &Dictionary, subtype: &[u8], name: &str, embed: bool) -> Check {
    let descriptor = ctx.get_dict(f, b"FontDescriptor");
    let Some((_, program)) = font_file(ctx, descriptor) else {
        if embed {
            ctx.report(nope(rule::R6_2_11_4_1_1, &[]))?;
        }
        return to_unicode(ctx, f, name);
    };
    let flags = descriptor
        .and_then(|d| d.get(b"Flags").ok())
        .and_then(|v| ctx.number(v))
        .unwrap_or(0.0) as i64;
    let symbolic = flags & 4 != 0;
    if subtype == b"TrueType" {
        let cmaps = ctx
            .decode(program)?
            .map(|data| truetype_cmaps(&data))
            .unwrap_or_default();
        if symbolic {
            if f.has(b"Encoding") {
                ctx.report(nope(rule::R6_2_11_6_3, &[]))?;
            }
            if !cmaps.is_empty() && cmaps.len() != 1 && !cmaps.contains(&(3, 0)) {
                ctx.report(nope(rule::R6_2_11_6_4, &[&cmaps.len()]))?;
            }
        } else {
            // veraPDF: `cmap30Present ? nrCmaps > 1 : nrCmaps > 0`. An unreadable program
            // (no cmap read) is left to the program's own rules.
            if cmaps.len() == 1 && cmaps.contains(&(3, 0)) {
                ctx.report(nope(rule::R6_2_11_6_1, &[]))?;
            }
            match ctx.get(f, b"Encoding") {
                Some(Object::Name(e)) if e == b"MacRomanEncoding" || e == b"WinAnsiEncoding" => {}
                Some(Object::Dictionary(e)) => {
                    let base = ctx.get_name(e, b"BaseEncoding");
                    let differences = e.has(b"Differences");
                    let base_ok = matches!(base, Some(b"MacRomanEncoding" | b"WinAnsiEncoding"));
                    if !(base_ok || (differences && base.is_none() && cmaps.contains(&(3, 1)))) {
                        let base = base.map_or("null".into(), lossy);
                        ctx.report(nope(rule::R6_2_11_6_2, &[&base, &differences, &"false"]))?;
                    }
                    if differences && !cmaps.is_empty() && !cmaps.contains(&(3, 1)) {
                        ctx.report(nope(rule::R6_2_11_6_1, &[]))?;
                    }
                }
                _ => {
                    let encoding = match ctx.get(f, b"Encoding") {
                        Some(Object::Name(e)) => lossy(e).into_owned(),
                        _ => "null".into(),
                    };
                    ctx.report(nope(rule::R6_2_11_6_2, &[&encoding, &false, &"false"]))?;
                }
            }
        }
    }
    if ctx.has_rule(rule::R6_2_11_7_2_1)
        && !f.has(b"ToUnicode")
        && subtype == b"TrueType"
        && symbolic
    {
        ctx.report(nope(rule::R6_2_11_7_2_1, &[]))?;
    }
    to_unicode(ctx, f, name)
}

fn type0(ctx: &Ctx<'_>, f: &Dictionary, name: &str, embed: bool) -> Check {
    let Some(cid_font) = ctx
        .get_array(f, b"DescendantFonts")
        .and_then(|a| a.first())
        .and_then(|d| ctx.dict(d))
    else {
        return Err(nope_why(
            RuleId::clause_only("6.2.11.3.1"),
            format!("the composite font {name} has no descendant CIDFont"),
        ));
    };
    let cid_info = ctx.get_dict(cid_font, b"CIDSystemInfo");
    let string = |d: Option<&Dictionary>, k: &[u8]| match d.and_then(|d| ctx.get(d, k)) {
        Some(Object::String(s, _)) => Some(s.clone()),
        _ => None,
    };
    // The CMap: predefined (by name) or embedded (a stream).
    let mut cmap_ordering: Option<(Vec<u8>, Vec<u8>, Option<f64>)> = None;
    let mut identity = false;
    match ctx.get(f, b"Encoding") {
        Some(Object::Name(n)) => {
            let n = String::from_utf8_lossy(n);
            if !PREDEFINED_CMAPS.contains(&n.as_ref()) {
                ctx.report(nope(rule::R6_2_11_3_3_1, &[&n]))?;
            }
            identity = n.starts_with("Identity");
            if let Some(o) = predefined_ordering(&n) {
                cmap_ordering = Some((b"Adobe".to_vec(), o.as_bytes().to_vec(), None));
            }
        }
        Some(Object::Stream(s)) => {
            let info = ctx.get_dict(&s.dict, b"CIDSystemInfo");
            if let (Some(r), Some(o)) = (string(info, b"Registry"), string(info, b"Ordering")) {
                let sup = info
                    .and_then(|i| i.get(b"Supplement").ok())
                    .and_then(|v| ctx.number(v));
                cmap_ordering = Some((r, o, sup));
            }
            embedded_cmap(ctx, s, name)?;
        }
        _ => {
            ctx.report(nope(rule::R6_2_11_3_3_1, &[&"null"]))?;
        }
    }
    // 6.2.11.3.1: CIDSystemInfo compatible with the CMap's.
    if !identity && let Some((reg, ord, sup)) = &cmap_ordering {
        let (freg, ford) = (string(cid_info, b"Registry"), string(cid_info, b"Ordering"));
        let fsup = cid_info
            .and_then(|i| i.get(b"Supplement").ok())
            .and_then(|v| ctx.number(v));
        let incompatible = || {
            let text = |s: &Option<Vec<u8>>| {
                s.as_deref()
                    .map_or("null".into(), |s| lossy(s).into_owned())
            };
            let num = |n: Option<f64>| n.map_or("null".into(), |n| n.to_string());
            nope(
                rule::R6_2_11_3_1_1,
                &[
                    &text(&ford),
                    &lossy(ord),
                    &text(&freg),
                    &lossy(reg),
                    &num(fsup),
                    &num(*sup),
                ],
            )
        };
        // veraPDF (and its corpus) require the CIDFont's Supplement not to exceed the CMap's.
        let supplement_over = matches!((fsup, sup), (Some(fs), Some(cs)) if fs > *cs);
        if freg.as_deref() != Some(reg) || ford.as_deref() != Some(ord) || supplement_over {
            ctx.report(incompatible())?;
        }
    }
    let descriptor = ctx.get_dict(cid_font, b"FontDescriptor");
    if embed && font_file(ctx, descriptor).is_none() {
        ctx.report(nope(rule::R6_2_11_4_1_1, &[]))?;
    }
    // 6.2.11.3.2: a Type 2 CIDFont maps CIDs to glyphs by Identity or a stream.
    if ctx.get_name(cid_font, b"Subtype") == Some(b"CIDFontType2") {
        match ctx.get(cid_font, b"CIDToGIDMap") {
            Some(Object::Stream(_)) => {}
            Some(Object::Name(n)) if n == b"Identity" => {}
            _ => {
                ctx.report(nope(rule::R6_2_11_3_2_1, &[]))?;
            }
        }
    }
    // 6.2.11.7.2: without ToUnicode, only the Adobe character collections are understood.
    if ctx.has_rule(rule::R6_2_11_7_2_1) && !f.has(b"ToUnicode") {
        let ok = !identity
            && string(cid_info, b"Registry").as_deref() == Some(b"Adobe")
            && string(cid_info, b"Ordering")
                .is_some_and(|o| KNOWN_COLLECTIONS.contains(&o.as_slice()));
        if !ok {
            ctx.report(nope(rule::R6_2_11_7_2_1, &[]))?;
        }
    }
    to_unicode(ctx, f, name)
}

/// A CMap's tokens, enough for its operators and operands.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Hex(Vec<u8>),
    Int(i64),
    Name(Vec<u8>),
    Word(Vec<u8>),
    Open,
    Close,
    Other,
}

fn tokens(data: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut lx = Lexer::new(data, 0);
    loop {
        lx.skip_ws();
        let Some(b) = lx.peek() else { return out };
        if out.len() > 1_000_000 {
            return out;
        }
        match b {
            b'<' if !lx.starts_with(b"<<") => {
                lx.pos += 1;
                let mut digits = Vec::new();
                while let Some(c) = lx.peek() {
                    lx.pos += 1;
                    if c == b'>' {
                        break;
                    }
                    if let Some(d) = (c as char).to_digit(16) {
                        digits.push(d as u8);
                    }
                }
                if digits.len() % 2 == 1 {
                    digits.push(0);
                }
                out.push(Tok::Hex(
                    digits.chunks(2).map(|p| p[0] * 16 + p[1]).collect(),
                ));
            }
            b'[' => {
                lx.pos += 1;
                out.push(Tok::Open);
            }
            b']' => {
                lx.pos += 1;
                out.push(Tok::Close);
            }
            b'{' | b'}' | b'>' => {
                lx.pos += 1;
                out.push(Tok::Other);
            }
            b'<' => {
                lx.pos += 2;
                out.push(Tok::Other);
            }
            _ => match lx.value(0) {
                Ok(Val::Int(n)) => out.push(Tok::Int(n)),
                Ok(Val::Name(n)) => out.push(Tok::Name(n)),
                Ok(Val::Keyword(k)) => out.push(Tok::Word(k)),
                Ok(_) => out.push(Tok::Other),
                Err(_) => {
                    lx.pos += 1;
                    out.push(Tok::Other);
                }
            },
        }
    }
}

fn code(b: &[u8]) -> u64 {
    b.iter().take(8).fold(0u64, |a, &x| (a << 8) | u64::from(x))
}

/// An embedded CMap: WMode as declared (6.2.11.3.3), a predefined or embedded UseCMap
/// (6.2.11.3.3), CIDs up to 65535 (6.1.13).
fn embedded_cmap(ctx: &Ctx<'_>, s: &Stream, _name: &str) -> Check {
    let Some(data) = ctx.decode(s)? else {
        return Ok(());
    };
    let dict_wmode = s
        .dict
        .get(b"WMode")
        .ok()
        .and_then(|v| ctx.number(v))
        .unwrap_or(0.0);
    let mut stream_wmode = 0.0;
    let toks = tokens(&data);
    let mut section = "";
    for (i, t) in toks.iter().enumerate() {
        let back = |n: usize| i.checked_sub(n).and_then(|j| toks.get(j));
        match t {
            Tok::Word(w) if w == b"def" => {
                if let (Some(Tok::Name(n)), Some(Tok::Int(v))) = (back(2), back(1))
                    && n == b"WMode"
                {
                    stream_wmode = *v as f64;
                }
            }
            Tok::Word(w) if w == b"usecmap" => {
                if let Some(Tok::Name(n)) = back(1)
                    && !PREDEFINED_CMAPS.contains(&String::from_utf8_lossy(n).as_ref())
                {
                    return Err(nope(rule::R6_2_11_3_3_3, &[&lossy(n)]));
                }
            }
            Tok::Word(w) if w == b"begincidrange" => section = "range",
            Tok::Word(w) if w == b"begincidchar" => section = "char",
            Tok::Word(w) if w.starts_with(b"end") => section = "",
            Tok::Int(cid) if !section.is_empty() => {
                let span = match (section, back(2), back(1)) {
                    ("range", Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) => {
                        code(hi).saturating_sub(code(lo)) as i64
                    }
                    _ => 0,
                };
                if cid.saturating_add(span) > 65_535 {
                    return Err(nope(rule::R6_1_13_10, &[&cid.saturating_add(span)]));
                }
            }
            _ => {}
        }
    }
    match ctx.get(&s.dict, b"UseCMap") {
        Some(Object::Name(n))
            if !PREDEFINED_CMAPS.contains(&String::from_utf8_lossy(n).as_ref()) =>
        {
            return Err(nope(rule::R6_2_11_3_3_3, &[&lossy(n)]));
        }
        // 6.2.11.3.3: a CMap references only the predefined CMaps, even when embedded.
        Some(Object::Stream(u)) => {
            let used = ctx.get_name(&u.dict, b"CMapName").unwrap_or(b"");
            if !PREDEFINED_CMAPS.contains(&String::from_utf8_lossy(used).as_ref()) {
                return Err(nope(rule::R6_2_11_3_3_3, &[&lossy(used)]));
            }
        }
        Some(Object::Name(_)) => {}
        Some(_) | None if s.dict.has(b"UseCMap") => {
            return Err(nope(rule::R6_2_11_3_3_3, &[&"null"]));
        }
        _ => {}
    }
    if dict_wmode != stream_wmode {
        return Err(nope(rule::R6_2_11_3_3_2, &[&stream_wmode, &dict_wmode]));
    }
    Ok(())
}

/// 6.2.11.7.2: a ToUnicode map gives no U+0000, U+FEFF or U+FFFE.
fn to_unicode(ctx: &Ctx<'_>, f: &Dictionary, _name: &str) -> Check {
    let Some(Object::Stream(s)) = ctx.get(f, b"ToUnicode") else {
        return Ok(());
    };
    let Some(data) = ctx.decode(s)? else {
        return Ok(());
    };
    let bad = |h: &[u8]| matches!(h, [0, 0] | [0xfe, 0xff] | [0xff, 0xfe]);
    let mut section = "";
    let mut n = 0usize;
    let mut in_array = false;
    for t in tokens(&data) {
        match t {
            Tok::Word(w) => {
                section = match w.as_slice() {
                    b"beginbfchar" => "char",
                    b"beginbfrange" => "range",
                    _ => "",
                };
                n = 0;
            }
            Tok::Open => in_array = true,
            Tok::Close => {
                in_array = false;
                n += 1;
            }
            Tok::Hex(h) => {
                let dst = in_array
                    || (section == "char" && n % 2 == 1)
                    || (section == "range" && n % 3 == 2);
                if !section.is_empty() && dst && bad(&h) {
                    return Err(nope(rule::R6_2_11_7_2_2, &[]));
                }
                if !in_array {
                    n += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// 6.2.11.7.3 (2a): a code shown outside marked content with replacement text does not map,
/// through the font's ToUnicode map, to a Private Use Area character.
fn private_use(ctx: &Ctx<'_>, f: &Dictionary, bare: &HashSet<u32>) -> Check {
    if !ctx.has_rule(rule::R6_2_11_7_3_1) {
        return Ok(());
    }
    let Some(Object::Stream(s)) = ctx.get(f, b"ToUnicode") else {
        return Ok(());
    };
    let Some(data) = ctx.decode(s)? else {
        return Ok(());
    };
    let code = |h: &[u8]| h.iter().take(4).fold(0u32, |a, &b| (a << 8) | u32::from(b));
    let private = |utf16: &[u16]| {
        char::decode_utf16(utf16.iter().copied()).flatten().any(
            |c| matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD),
        )
    };
    let units = |h: &[u8]| -> Vec<u16> {
        h.chunks(2)
            .map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)]))
            .collect()
    };
    let toks = tokens(&data);
    let mut section = "";
    let mut i = 0;
    while i < toks.len() {
        ctx.tick(1)?;
        match &toks[i] {
            Tok::Word(w) => {
                section = match w.as_slice() {
                    b"beginbfchar" => "char",
                    b"beginbfrange" => "range",
                    _ => "",
                };
                i += 1;
            }
            Tok::Hex(src) if section == "char" => {
                if let Some(Tok::Hex(dst)) = toks.get(i + 1)
                    && bare.contains(&code(src))
                    && private(&units(dst))
                {
                    return Err(nope(rule::R6_2_11_7_3_1, &[]));
                }
                i += 2;
            }
            Tok::Hex(lo) if section == "range" => {
                let (lo, hi) = match toks.get(i + 1) {
                    Some(Tok::Hex(hi)) => (code(lo), code(hi)),
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                let shown: Vec<u32> = bare
                    .iter()
                    .copied()
                    .filter(|c| (lo..=hi).contains(c))
                    .collect();
                match toks.get(i + 2) {
                    Some(Tok::Hex(dst)) => {
                        let first = units(dst);
                        for c in &shown {
                            let mut value = first.clone();
                            if let Some(last) = value.last_mut() {
                                *last = last.wrapping_add((c - lo) as u16);
                            }
                            if private(&value) {
                                return Err(nope(rule::R6_2_11_7_3_1, &[]));
                            }
                        }
                        i += 3;
                    }
                    Some(Tok::Open) => {
                        let mut j = i + 3;
                        let mut n = 0u32;
                        while let Some(Tok::Hex(dst)) = toks.get(j) {
                            if shown.contains(&(lo + n)) && private(&units(dst)) {
                                return Err(nope(rule::R6_2_11_7_3_1, &[]));
                            }
                            n += 1;
                            j += 1;
                        }
                        i = j + 1;
                    }
                    _ => i += 2,
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The (platform, encoding) pairs of a TrueType font's `cmap` table.
fn truetype_cmaps(data: &[u8]) -> Vec<(u16, u16)> {
    let be16 = |p: usize| data.get(p..p + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let be32 = |p: usize| {
        data.get(p..p + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(tables) = be16(4) else { return vec![] };
    let mut out = Vec::new();
    for i in 0..usize::from(tables).min(256) {
        let rec = 12 + i * 16;
        if data.get(rec..rec + 4) != Some(b"cmap") {
            continue;
        }
        let Some(off) = be32(rec + 8) else { break };
        let Some(n) = be16(off + 2) else { break };
        for j in 0..usize::from(n).min(256) {
            if let (Some(p), Some(e)) = (be16(off + 4 + j * 8), be16(off + 6 + j * 8)) {
                out.push((p, e));
            }
        }
    }
    out
}
