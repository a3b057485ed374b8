//! 6.7: logical structure, required for level A: the document is marked (6.7.2.2), has a
//! structure tree (6.7.3.3) whose element types are standard or role-mapped to standard ones
//! without cycles (6.7.3.4), and every `Lang` is a language tag (6.7.4).

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, ObjectId};

use super::rules::{self as rule, RuleId};
use super::{Check, Ctx, nope, nope_why};

/// ISO 32000-1, 14.8.4: the standard structure types.
const STANDARD_TYPES: &[&[u8]] = &[
    b"Document",
    b"Part",
    b"Art",
    b"Sect",
    b"Div",
    b"BlockQuote",
    b"Caption",
    b"TOC",
    b"TOCI",
    b"Index",
    b"NonStruct",
    b"Private",
    b"P",
    b"H",
    b"H1",
    b"H2",
    b"H3",
    b"H4",
    b"H5",
    b"H6",
    b"L",
    b"LI",
    b"Lbl",
    b"LBody",
    b"Table",
    b"TR",
    b"TH",
    b"TD",
    b"THead",
    b"TBody",
    b"TFoot",
    b"Span",
    b"Quote",
    b"Note",
    b"Reference",
    b"BibEntry",
    b"Code",
    b"Link",
    b"Annot",
    b"Ruby",
    b"RB",
    b"RT",
    b"RP",
    b"Warichu",
    b"WT",
    b"WP",
    b"Figure",
    b"Formula",
    b"Form",
];

/// Structure elements walked at most.
const MAX_ELEMENTS: usize = 1_000_000;
const MAX_DEPTH: usize = 256;

pub(crate) fn check(ctx: &Ctx<'_>, catalog: &Dictionary) -> Check {
    let marked = ctx
        .get_dict(catalog, b"MarkInfo")
        .and_then(|m| ctx.get(m, b"Marked"));
    if marked != Some(&Object::Boolean(true)) {
        let info = if catalog.has(b"MarkInfo") {
            "MarkInfo"
        } else {
            "null"
        };
        let marked = match marked {
            Some(Object::Boolean(b)) => b.to_string(),
            _ => "null".into(),
        };
        ctx.report(nope(rule::R6_7_2_2_1, &[&info, &marked]))?;
    }
    if let Some(lang) = ctx.get(catalog, b"Lang") {
        ctx.check_unit("catalog Lang", || language(lang))?;
    }
    let Some(root) = ctx.get_dict(catalog, b"StructTreeRoot") else {
        return Err(nope(rule::R6_7_3_3_1, &[]));
    };
    let role_map = ctx.get_dict(root, b"RoleMap");
    let mut seen = HashSet::new();
    let mut stack: Vec<(&Object, usize)> =
        root.get(b"K").ok().map(|k| (k, 0)).into_iter().collect();
    while let Some((k, depth)) = stack.pop() {
        ctx.tick(1)?;
        if depth > MAX_DEPTH || seen.len() > MAX_ELEMENTS {
            return Err(nope_why(
                RuleId::clause_only("6.7.3"),
                "the structure tree nests too deep or is too large",
            ));
        }
        if let Object::Reference(id) = k
            && !seen.insert(*id)
        {
            continue;
        }
        match ctx.resolve(k) {
            Object::Array(a) => stack.extend(a.iter().map(|x| (x, depth + 1))),
            Object::Dictionary(e) => {
                if let Some(s) = ctx.get_name(e, b"S") {
                    ctx.check_unit("structure element", || structure_type(ctx, s, role_map))?;
                }
                if let Some(lang) = ctx.get(e, b"Lang") {
                    ctx.check_unit("structure element Lang", || language(lang))?;
                }
                if let Ok(kids) = e.get(b"K") {
                    stack.push((kids, depth + 1));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// 6.2.11.7.3: per page, the MCIDs of marked content a structure element with `ActualText`
/// (or under one) holds.
pub(crate) fn actual_text_mcids(
    ctx: &Ctx<'_>,
    catalog: &Dictionary,
) -> Result<HashMap<ObjectId, HashSet<i64>>, super::Finding> {
    let mut out: HashMap<ObjectId, HashSet<i64>> = HashMap::new();
    let Some(root) = ctx.get_dict(catalog, b"StructTreeRoot") else {
        return Ok(out);
    };
    let Ok(k) = root.get(b"K") else {
        return Ok(out);
    };
    // (kid, depth, page inherited, covered by an ActualText above)
    let mut stack: Vec<(&Object, usize, Option<ObjectId>, bool)> = vec![(k, 0, None, false)];
    let mut seen = HashSet::new();
    while let Some((k, depth, page, covered)) = stack.pop() {
        ctx.tick(1)?;
        if depth > MAX_DEPTH || seen.len() > MAX_ELEMENTS {
            break;
        }
        if let Object::Reference(id) = k
            && !seen.insert(*id)
        {
            continue;
        }
        match ctx.resolve(k) {
            Object::Array(a) => stack.extend(a.iter().map(|x| (x, depth + 1, page, covered))),
            Object::Integer(mcid) => {
                if covered && let Some(p) = page {
                    out.entry(p).or_default().insert(*mcid);
                }
            }
            Object::Dictionary(e) => {
                let page = match e.get(b"Pg") {
                    Ok(Object::Reference(p)) => Some(*p),
                    _ => page,
                };
                if ctx.get_name(e, b"Type") == Some(b"MCR") {
                    if covered
                        && let (Some(p), Some(Object::Integer(mcid))) = (page, ctx.get(e, b"MCID"))
                    {
                        out.entry(p).or_default().insert(*mcid);
                    }
                    continue;
                }
                let covered = covered || e.has(b"ActualText");
                if let Ok(kids) = e.get(b"K") {
                    stack.push((kids, depth + 1, page, covered));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// 6.7.3.4 (and 6.1.8): a standard type, or one the role map leads to a standard type.
fn structure_type(ctx: &Ctx<'_>, s: &[u8], role_map: Option<&Dictionary>) -> Check {
    if std::str::from_utf8(s).is_err() {
        return Err(nope(rule::R6_1_8_1, &[&String::from_utf8_lossy(s)]));
    }
    // A standard type the role map maps to another type.
    if STANDARD_TYPES.contains(&s)
        && role_map
            .and_then(|m| ctx.get_name(m, s))
            .is_some_and(|to| to != s)
    {
        return Err(nope(rule::R6_7_3_4_3, &[&String::from_utf8_lossy(s)]));
    }
    let mut cur = s;
    let mut seen: Vec<&[u8]> = Vec::new();
    loop {
        if STANDARD_TYPES.contains(&cur) {
            return Ok(());
        }
        if seen.contains(&cur) || seen.len() > 64 {
            return Err(nope(rule::R6_7_3_4_2, &[&String::from_utf8_lossy(s)]));
        }
        seen.push(cur);
        match role_map.and_then(|m| ctx.get_name(m, cur)) {
            Some(next) => cur = next,
            None => {
                return Err(nope(rule::R6_7_3_4_1, &[&String::from_utf8_lossy(s)]));
            }
        }
    }
}

/// 6.7.4: a `Lang` text string is empty or a language tag (RFC 3066: a primary tag of
/// letters, then hyphen-separated subtags of letters and digits).
pub(crate) fn language(o: &Object) -> Check {
    let Object::String(bytes, _) = o else {
        return Err(nope(rule::R6_7_4_1, &[&"(not a string)"]));
    };
    language_bytes(bytes)
}

pub(crate) fn language_bytes(bytes: &[u8]) -> Check {
    let text = text_string(bytes);
    if text.is_empty() {
        return Ok(());
    }
    let mut parts = text.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = (1..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        return Err(nope(rule::R6_7_4_1, &[&text]));
    }
    Ok(())
}

/// A PDF text string: UTF-16BE with a byte order mark, else (close enough) Latin-1.
fn text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}
