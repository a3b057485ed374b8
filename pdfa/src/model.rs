//! Checks on the object model: trailer, catalog, every object's values, actions, forms,
//! annotations, pages, output intents, embedded files. Each function names its clause.

use std::collections::HashSet;

use lopdf::{Dictionary, Object, ObjectId};

use super::content::Intent;
use super::lexer::{MAX_INT, MAX_NAME, MAX_REAL, MAX_STRING, MIN_INT, MIN_REAL};
use super::rules::{self as rule, RuleId};
use super::syntax::Body;
use super::{Check, Ctx, nope, nope_why};

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Pages walked at most (the page tree is walked with cycle detection too).
const MAX_PAGES: usize = 100_000;
/// How deep a page tree, outline or field tree may nest.
const MAX_TREE_DEPTH: usize = 64;
/// 6.1.13: indirect objects in a file.
const MAX_INDIRECT_OBJECTS: usize = 8_388_607;

pub(crate) fn check(ctx: &Ctx<'_>, body: &Body) -> Check {
    ctx.check_unit("trailer", || trailer(ctx, body))?;
    let catalog = catalog(ctx)?;
    every_object(ctx)?;
    ctx.check_unit("catalog", || catalog_entries(ctx, catalog))?;
    let pages = pages(ctx, catalog)?;
    ctx.check_unit("catalog metadata", || super::xmp::check(ctx, catalog))?;
    if ctx.has_rule(rule::R6_7_2_2_1) {
        ctx.check_unit("catalog", || super::logical::check(ctx, catalog))?;
    }
    ctx.check_unit("output intents", || output_intents(ctx, catalog))?;
    for (i, page) in pages.iter().enumerate() {
        ctx.check_unit(format_args!("page {}", i + 1), || page_boxes(ctx, page))?;
        annotations(ctx, page, i + 1)?;
    }
    super::content::check(ctx, catalog, &pages)?;
    Ok(())
}

/// 6.1.3: the trailer has `ID`, two byte strings. A linearized file's first-page trailer
/// counts; otherwise the last trailer does.
fn trailer(ctx: &Ctx<'_>, body: &Body) -> Check {
    let has_id = if body.linearized {
        body.trailers_with_id.first().copied()
    } else {
        body.trailers_with_id.last().copied()
    };
    if has_id == Some(false) || (has_id.is_none() && !ctx.doc.trailer.has(b"ID")) {
        return Err(nope(rule::R6_1_3_1, &[]));
    }
    if let Some(id) = ctx.doc.trailer.get(b"ID").ok().map(|o| ctx.resolve(o)) {
        let ok = matches!(id, Object::Array(a) if a.len() == 2
            && a.iter().all(|s| matches!(ctx.resolve(s), Object::String(b, _) if !b.is_empty())));
        if !ok {
            return Err(nope(rule::R6_1_3_1, &[]));
        }
    }
    if body.objects > MAX_INDIRECT_OBJECTS || ctx.doc.objects.len() > MAX_INDIRECT_OBJECTS {
        let n = body.objects.max(ctx.doc.objects.len());
        return Err(nope(rule::R6_1_13_7, &[&n]));
    }
    Ok(())
}

fn catalog<'a>(ctx: &Ctx<'a>) -> Result<&'a Dictionary, super::Finding> {
    ctx.doc
        .trailer
        .get(b"Root")
        .ok()
        .and_then(|r| ctx.dict(r))
        .ok_or_else(|| {
            super::fail(
                super::FailureKind::NotPdf,
                rule::UNREADABLE,
                "no document catalog",
            )
        })
}

/// Standard filters (ISO 32000-1, Table 6) but LZW (6.1.7.2) and Crypt (nothing is
/// encrypted in PDF/A).
const FILTERS: &[&[u8]] = &[
    b"ASCIIHexDecode",
    b"ASCII85Decode",
    b"FlateDecode",
    b"RunLengthDecode",
    b"CCITTFaxDecode",
    b"JBIG2Decode",
    b"DCTDecode",
    b"JPXDecode",
];

/// Rules that hold for every object in the file, reachable or not: value limits (6.1.13),
/// stream dictionaries (6.1.7), trigger events (6.5.2) and actions (6.5.1).
fn every_object(ctx: &Ctx<'_>) -> Check {
    for (id, obj) in &ctx.doc.objects {
        // `collect`, not `check_unit`: `values` reports nothing itself, and the label is only
        // formatted for a finding.
        ctx.collect(format_args!("obj {} {} R", id.0, id.1), values(ctx, obj, 0))?;
    }
    Ok(())
}

fn values(ctx: &Ctx<'_>, o: &Object, depth: usize) -> Check {
    ctx.tick(1)?;
    if depth > super::lexer::MAX_NESTING {
        return Err(nope_why(
            RuleId::clause_only("6.1.13"),
            "objects nested too deep",
        ));
    }
    match o {
        Object::Integer(i) if !(MIN_INT..=MAX_INT).contains(i) => Err(nope(rule::R6_1_13_1, &[i])),
        Object::Real(r) if !r.is_finite() || f64::from(r.abs()) > MAX_REAL => {
            Err(nope(rule::R6_1_13_2, &[r]))
        }
        Object::Real(r) if *r != 0.0 && f64::from(r.abs()) < MIN_REAL => {
            Err(nope(rule::R6_1_13_5, &[r]))
        }
        Object::String(s, _) if s.len() > MAX_STRING => Err(nope(rule::R6_1_13_3, &[&s.len()])),
        Object::Name(n) if n.len() > MAX_NAME => Err(nope(rule::R6_1_13_4, &[&n.len()])),
        Object::Array(a) => {
            for v in a {
                values(ctx, v, depth + 1)?;
            }
            Ok(())
        }
        Object::Dictionary(d) => dictionary(ctx, d, depth),
        Object::Stream(s) => {
            stream_dictionary(ctx, &s.dict)?;
            dictionary(ctx, &s.dict, depth)
        }
        _ => Ok(()),
    }
}

fn dictionary(ctx: &Ctx<'_>, d: &Dictionary, depth: usize) -> Check {
    if d.has(b"AA") {
        let page = d.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"Page");
        return Err(if page {
            nope(rule::R6_5_2_2, &[])
        } else if d.has(b"Pages") {
            nope(rule::R6_5_2_1, &[])
        } else if d.has(b"FT") || d.has(b"Kids") && !d.has(b"Subtype") {
            nope(rule::R6_4_1_2, &[])
        } else if d.get(b"Subtype").ok().and_then(|t| t.as_name().ok()) == Some(b"Widget") {
            nope(rule::R6_4_1_1, &[&"AA"])
        } else {
            // Trigger events anywhere else (annotations, forms): veraPDF's 6.5.2 names the
            // catalog and pages; the clause forbids them all.
            nope(rule::R6_5_2_1, &[])
        });
    }
    for key in [&b"A"[..], b"OpenAction", b"Next", b"PA"] {
        if let Ok(a) = d.get(key) {
            actions(ctx, a, 0)?;
        }
    }
    if d.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"Action") {
        action(ctx, d)?;
    }
    if d.has(b"EF") {
        embedded_files(ctx, d)?;
    }
    for (k, v) in d.iter() {
        if k.len() > MAX_NAME {
            return Err(nope(rule::R6_1_13_4, &[&k.len()]));
        }
        values(ctx, v, depth + 1)?;
    }
    Ok(())
}

/// 6.1.7.1 and 6.1.7.2.
fn stream_dictionary(ctx: &Ctx<'_>, d: &Dictionary) -> Check {
    for key in [&b"F"[..], b"FFilter", b"FDecodeParms"] {
        if d.has(key) {
            return Err(nope(rule::R6_1_7_1_3, &[&lossy(key)]));
        }
    }
    filters(ctx, d, b"Filter", rule::R6_1_7_2_1)
}

pub(crate) fn filters(ctx: &Ctx<'_>, d: &Dictionary, key: &[u8], broken: RuleId) -> Check {
    let names: Vec<&[u8]> = match ctx.get(d, key) {
        None => return Ok(()),
        Some(Object::Name(n)) => vec![n],
        Some(Object::Array(a)) => a
            .iter()
            .map(|f| match ctx.resolve(f) {
                Object::Name(n) => n.as_slice(),
                _ => b"?",
            })
            .collect(),
        Some(_) => vec![b"?"],
    };
    for n in names {
        if !FILTERS.contains(&n) {
            return Err(nope(broken, &[&lossy(n)]));
        }
    }
    Ok(())
}

/// 6.5.1: the action types PDF/A-2 allows.
const ACTIONS: &[&[u8]] = &[
    b"GoTo",
    b"GoToR",
    b"GoToE",
    b"Thread",
    b"URI",
    b"Named",
    b"SubmitForm",
];
const NAMED_ACTIONS: &[&[u8]] = &[b"NextPage", b"PrevPage", b"FirstPage", b"LastPage"];

/// An action entry: a dictionary or an array of them (`Next`).
fn actions(ctx: &Ctx<'_>, o: &Object, depth: usize) -> Check {
    if depth > MAX_TREE_DEPTH {
        return Err(nope_why(
            RuleId::clause_only("6.5.1"),
            "actions chained too deep",
        ));
    }
    // An action of its own (Type Action) is checked where it lives, as every object is.
    if let Object::Reference(id) = o
        && let Some(Object::Dictionary(d)) = ctx.doc.objects.get(id)
        && d.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"Action")
    {
        return Ok(());
    }
    match ctx.resolve(o) {
        Object::Dictionary(d) => action(ctx, d),
        Object::Array(a) => {
            for x in a {
                actions(ctx, x, depth + 1)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn action(ctx: &Ctx<'_>, d: &Dictionary) -> Check {
    // A destination array or a dictionary without S is not an action.
    let Some(s) = ctx.get(d, b"S") else {
        return Ok(());
    };
    let Object::Name(s) = s else {
        return Err(nope(rule::R6_5_1_1, &[&"(not a name)"]));
    };
    if !ACTIONS.contains(&s.as_slice()) {
        return Err(nope(rule::R6_5_1_1, &[&lossy(s)]));
    }
    if s == b"Named" {
        let n = ctx.get_name(d, b"N").unwrap_or(b"");
        if !NAMED_ACTIONS.contains(&n) {
            return Err(nope(rule::R6_5_1_2, &[&lossy(n)]));
        }
    }
    Ok(())
}

/// Catalog entries: permissions (6.1.12), forms (6.4), optional content (6.9).
fn catalog_entries(ctx: &Ctx<'_>, catalog: &Dictionary) -> Check {
    if let Some(perms) = ctx.get_dict(catalog, b"Perms") {
        let others: Vec<_> = perms
            .iter()
            .map(|(k, _)| k)
            .filter(|k| *k != b"UR3" && *k != b"DocMDP")
            .map(|k| lossy(k))
            .collect();
        if !others.is_empty() {
            ctx.report(nope(rule::R6_1_12_1, &[&others.join(",")]))?;
        }
        if let Some(sig) = ctx.get_dict(perms, b"DocMDP") {
            for r in ctx.get_array(sig, b"Reference").unwrap_or(&[]) {
                if let Some(r) = ctx.dict(r) {
                    for key in [&b"DigestLocation"[..], b"DigestMethod", b"DigestValue"] {
                        if r.has(key) {
                            return Err(nope(rule::R6_1_12_2, &[&lossy(key)]));
                        }
                    }
                }
            }
        }
    }
    if matches!(
        ctx.get(catalog, b"NeedsRendering"),
        Some(Object::Boolean(true))
    ) {
        ctx.report(nope(rule::R6_4_2_2, &[]))?;
    }
    // 6.10: no alternate presentations; 6.11: no Requirements.
    if ctx
        .get_dict(catalog, b"Names")
        .is_some_and(|n| n.has(b"AlternatePresentations"))
    {
        ctx.report(nope(rule::R6_10_1, &[]))?;
    }
    if catalog.has(b"Requirements") {
        ctx.report(nope(rule::R6_11_1, &[]))?;
    }
    optional_content(ctx, catalog)?;
    if let Some(form) = ctx.get_dict(catalog, b"AcroForm") {
        if form.has(b"XFA") {
            ctx.report(nope(rule::R6_4_2_1, &[]))?;
        }
        signatures(ctx, form)?;
        if matches!(
            ctx.get(form, b"NeedAppearances"),
            Some(Object::Boolean(true))
        ) {
            return Err(nope(rule::R6_4_1_3, &[]));
        }
    }
    Ok(())
}

/// 6.4.3-2 and 6.4.3-3: the PKCS#7 object (`Contents`, a string) of every signature field's
/// signature dictionary (`V`), the field tree walked from the form's `Fields` through `Kids`.
fn signatures(ctx: &Ctx<'_>, form: &Dictionary) -> Check {
    let mut seen = HashSet::new();
    let mut todo: Vec<(&Object, usize)> = ctx
        .get_array(form, b"Fields")
        .unwrap_or(&[])
        .iter()
        .map(|f| (f, 0))
        .collect();
    while let Some((field, depth)) = todo.pop() {
        ctx.tick(1)?;
        if let Object::Reference(id) = field
            && !seen.insert(*id)
        {
            continue;
        }
        let Some(d) = ctx.dict(field) else { continue };
        if field_type(ctx, d) == Some(b"Sig")
            && let Some(sig) = ctx.get_dict(d, b"V")
            && let Some(Object::String(contents, _)) = ctx.get(sig, b"Contents")
        {
            let label = match d.get(b"V") {
                Ok(Object::Reference(id)) => format!("signature {} {} R", id.0, id.1),
                _ => "signature".to_string(),
            };
            ctx.check_unit(label, || super::pkcs7::check(ctx, contents))?;
        }
        if depth < MAX_TREE_DEPTH {
            let kids = ctx.get_array(d, b"Kids").unwrap_or(&[]);
            todo.extend(kids.iter().map(|k| (k, depth + 1)));
        }
    }
    Ok(())
}

/// 6.9: every optional content configuration (`D` and `Configs`) has a unique, non-empty
/// `Name`, no `AS`, and an `Order` listing every optional content group (a configuration
/// without `Order` is not reported).
fn optional_content(ctx: &Ctx<'_>, catalog: &Dictionary) -> Check {
    let Some(oc) = ctx.get_dict(catalog, b"OCProperties") else {
        return Ok(());
    };
    let groups: Vec<&Object> = ctx.get_array(oc, b"OCGs").unwrap_or(&[]).iter().collect();
    let mut configs: Vec<&Dictionary> = ctx.get_dict(oc, b"D").into_iter().collect();
    configs.extend(
        ctx.get_array(oc, b"Configs")
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| ctx.dict(c)),
    );
    let mut names: Vec<Vec<u8>> = Vec::new();
    for (i, config) in configs.into_iter().enumerate() {
        ctx.tick(1)?;
        let unit = format!("optional content configuration {}", i + 1);
        ctx.check_unit(&unit, || {
            match ctx.get(config, b"Name") {
                Some(Object::String(n, _)) if !n.is_empty() => {
                    if names.contains(n) {
                        ctx.report(nope(rule::R6_9_2, &[&lossy(n)]))?;
                    }
                    names.push(n.clone());
                }
                _ => ctx.report(nope(rule::R6_9_1, &[]))?,
            }
            if config.has(b"AS") {
                ctx.report(nope(rule::R6_9_4, &[]))?;
            }
            if let Some(order) = ctx.get(config, b"Order") {
                let mut listed: HashSet<ObjectId> = HashSet::new();
                let mut stack = vec![(order, 0usize)];
                while let Some((o, depth)) = stack.pop() {
                    ctx.tick(1)?;
                    match o {
                        Object::Reference(id) => {
                            listed.insert(*id);
                            if let Some(Object::Array(a)) = ctx.doc.objects.get(id)
                                && depth < MAX_TREE_DEPTH
                            {
                                stack.extend(a.iter().map(|x| (x, depth + 1)));
                            }
                        }
                        Object::Array(a) if depth < MAX_TREE_DEPTH => {
                            stack.extend(a.iter().map(|x| (x, depth + 1)));
                        }
                        _ => {}
                    }
                }
                let missing: Vec<String> = groups
                    .iter()
                    .filter_map(|g| match g {
                        Object::Reference(id) if !listed.contains(id) => {
                            Some(format!("{} {} R", id.0, id.1))
                        }
                        _ => None,
                    })
                    .collect();
                if !missing.is_empty() {
                    ctx.report(nope(rule::R6_9_3, &[&missing.join(", ")]))?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// A page with the attributes it inherits.
pub(crate) struct Page<'a> {
    pub id: ObjectId,
    pub dict: &'a Dictionary,
    pub media_box: Option<&'a Object>,
    pub crop_box: Option<&'a Object>,
    pub resources: Option<&'a Dictionary>,
}

/// The page tree, in order, with inherited attributes; loops and depth bounded.
fn pages<'a>(ctx: &Ctx<'a>, catalog: &'a Dictionary) -> Result<Vec<Page<'a>>, super::Finding> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let Some(Object::Reference(root)) = catalog.get(b"Pages").ok() else {
        return Err(super::fail(
            super::FailureKind::NotPdf,
            rule::UNREADABLE,
            "the catalog has no page tree",
        ));
    };
    walk_pages(ctx, *root, None, None, None, 0, &mut seen, &mut out)?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn walk_pages<'a>(
    ctx: &Ctx<'a>,
    id: ObjectId,
    media: Option<&'a Object>,
    crop: Option<&'a Object>,
    resources: Option<&'a Dictionary>,
    depth: usize,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<Page<'a>>,
) -> Check {
    if depth > MAX_TREE_DEPTH || out.len() > MAX_PAGES || !seen.insert(id) {
        return Err(super::fail(
            super::FailureKind::NotPdf,
            rule::UNREADABLE,
            "the page tree loops or nests too deep",
        ));
    }
    let Some(node) = ctx.doc.objects.get(&id).and_then(|o| ctx.dict(o)) else {
        return Ok(());
    };
    let media = node.get(b"MediaBox").ok().or(media);
    let crop = node.get(b"CropBox").ok().or(crop);
    let resources = ctx.get_dict(node, b"Resources").or(resources);
    match ctx.get_name(node, b"Type") {
        Some(b"Pages") | None if node.has(b"Kids") => {
            for kid in ctx.get_array(node, b"Kids").unwrap_or(&[]) {
                if let Object::Reference(k) = kid {
                    walk_pages(ctx, *k, media, crop, resources, depth + 1, seen, out)?;
                }
            }
        }
        _ => out.push(Page {
            id,
            dict: node,
            media_box: media,
            crop_box: crop,
            resources,
        }),
    }
    Ok(())
}

/// 6.1.13: every page boundary between 3 and 14 400 units in both directions.
fn page_boxes(ctx: &Ctx<'_>, page: &Page<'_>) -> Check {
    // 6.10: no presentation steps.
    if page.dict.has(b"PresSteps") {
        ctx.report(nope(rule::R6_10_2, &[]))?;
    }
    let boxes = [
        ("MediaBox", page.media_box),
        ("CropBox", page.crop_box),
        ("BleedBox", page.dict.get(b"BleedBox").ok()),
        ("TrimBox", page.dict.get(b"TrimBox").ok()),
        ("ArtBox", page.dict.get(b"ArtBox").ok()),
    ];
    for (_name, b) in boxes {
        let Some(b) = b else { continue };
        let Object::Array(a) = ctx.resolve(b) else {
            continue;
        };
        let n: Vec<f64> = a.iter().filter_map(|x| ctx.number(x)).collect();
        if n.len() != 4 {
            continue;
        }
        let (w, h) = ((n[2] - n[0]).abs(), (n[3] - n[1]).abs());
        if !(3.0..=14_400.0).contains(&w) || !(3.0..=14_400.0).contains(&h) {
            ctx.report(nope(rule::R6_1_13_11, &[&h, &w]))?;
        }
    }
    Ok(())
}

/// 6.3.1: the annotation types PDF/A-2 allows.
const ANNOTATIONS: &[&[u8]] = &[
    b"Text",
    b"Link",
    b"FreeText",
    b"Line",
    b"Square",
    b"Circle",
    b"Polygon",
    b"PolyLine",
    b"Highlight",
    b"Underline",
    b"Squiggly",
    b"StrikeOut",
    b"Stamp",
    b"Caret",
    b"Ink",
    b"Popup",
    b"FileAttachment",
    b"Widget",
    b"PrinterMark",
    b"TrapNet",
    b"Watermark",
    b"Redact",
];

pub(crate) fn page_annotations<'a>(ctx: &Ctx<'a>, page: &Page<'a>) -> Vec<&'a Dictionary> {
    ctx.get_array(page.dict, b"Annots")
        .unwrap_or(&[])
        .iter()
        .filter_map(|a| match ctx.resolve(a) {
            Object::Dictionary(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// 6.3 and 6.4.1 for the annotations of a page.
fn annotations(ctx: &Ctx<'_>, page: &Page<'_>, n: usize) -> Check {
    for (i, annot) in page_annotations(ctx, page).into_iter().enumerate() {
        ctx.check_unit(format_args!("page {n} annotation {}", i + 1), || {
            annotation(ctx, annot)
        })?;
    }
    Ok(())
}

fn annotation(ctx: &Ctx<'_>, annot: &Dictionary) -> Check {
    {
        let subtype = ctx.get_name(annot, b"Subtype").unwrap_or(b"");
        let name = String::from_utf8_lossy(subtype);
        if !ANNOTATIONS.contains(&subtype) {
            ctx.report(nope(rule::R6_3_1_1, &[&name]))?;
        }
        // 6.3.2: F present (but on Popup), Print set, Hidden, Invisible, ToggleNoView, NoView
        // clear; Text annotations with NoZoom and NoRotate.
        match ctx.get(annot, b"F") {
            None if subtype != b"Popup" => {
                ctx.report(nope(rule::R6_3_2_1, &[&name]))?;
            }
            None => {}
            Some(f) => {
                let f = ctx.number(f).unwrap_or(0.0) as i64;
                if f & 4 == 0 || f & (1 | 2 | 32 | 256) != 0 {
                    ctx.report(nope(
                        rule::R6_3_2_2,
                        &[
                            &f,
                            &((f & 4) >> 2),
                            &((f & 2) >> 1),
                            &(f & 1),
                            &((f & 32) >> 5),
                            &((f & 256) >> 8),
                        ],
                    ))?;
                }
            }
        }
        // 6.3.3: an appearance with only N, a stream (a subdictionary for button widgets), for
        // every annotation but Popup, Link and zero-size ones.
        let zero_size = ctx
            .get_array(annot, b"Rect")
            .map(|r| r.iter().filter_map(|x| ctx.number(x)).collect::<Vec<_>>())
            .is_some_and(|r| r.len() == 4 && r[0] == r[2] && r[1] == r[3]);
        match ctx.get_dict(annot, b"AP") {
            None if !(zero_size || subtype == b"Popup" || subtype == b"Link") => {
                ctx.report(nope(rule::R6_3_3_1, &[]))?;
            }
            None => {}
            Some(ap) => {
                if ap.len() != 1 || !ap.has(b"N") {
                    let others: Vec<_> = ap
                        .iter()
                        .map(|(k, _)| k)
                        .filter(|k| *k != b"N")
                        .map(|k| lossy(k))
                        .collect();
                    ctx.report(nope(rule::R6_3_3_2, &[&others.join(",")]))?;
                }
                let button = subtype == b"Widget" && field_type(ctx, annot) == Some(b"Btn");
                let ok = match ctx.get(ap, b"N") {
                    Some(Object::Stream(_)) => !button,
                    Some(Object::Dictionary(_)) => button,
                    _ => false,
                };
                if !ok && button {
                    let found = match ctx.get(ap, b"N") {
                        Some(Object::Stream(_)) => "Stream",
                        Some(_) => "other",
                        None => "null",
                    };
                    ctx.report(nope(rule::R6_3_3_3, &[&found]))?;
                } else if !ok {
                    let ft = field_type(ctx, annot).map_or("null".into(), lossy);
                    ctx.report(nope(rule::R6_3_3_4, &[&name, &ft]))?;
                }
            }
        }
        // 6.4.1: widgets have no actions.
        if subtype == b"Widget" && (annot.has(b"A") || annot.has(b"AA")) {
            let keys: Vec<&str> = ["A", "AA"]
                .into_iter()
                .filter(|k| annot.has(k.as_bytes()))
                .collect();
            return Err(nope(rule::R6_4_1_1, &[&keys.join(",")]));
        }
    }
    Ok(())
}

/// A field's type, inherited through Parent.
fn field_type<'a>(ctx: &Ctx<'a>, mut d: &'a Dictionary) -> Option<&'a [u8]> {
    for _ in 0..MAX_TREE_DEPTH {
        if let Some(ft) = ctx.get_name(d, b"FT") {
            return Some(ft);
        }
        d = ctx.get_dict(d, b"Parent")?;
    }
    None
}

/// 6.2.3: the output intents. Every `DestOutputProfile` is the same indirect object, a valid
/// ICC output profile; no `DestOutputProfileRef`.
fn output_intents(ctx: &Ctx<'_>, catalog: &Dictionary) -> Check {
    let mut profile: Option<ObjectId> = None;
    for oi in ctx.get_array(catalog, b"OutputIntents").unwrap_or(&[]) {
        let Some(oi) = ctx.dict(oi) else { continue };
        if oi.has(b"DestOutputProfileRef") {
            ctx.report(nope(rule::R6_2_3_3, &[]))?;
        }
        match oi.get(b"DestOutputProfile").ok() {
            Some(Object::Reference(id)) => {
                if let Some(p) = profile.filter(|p| p != id) {
                    return Err(nope(
                        rule::R6_2_3_2,
                        &[&format_args!("{} {} R, {} {} R", p.0, p.1, id.0, id.1)],
                    ));
                }
                profile = Some(*id);
            }
            Some(_) => {
                return Err(nope(rule::R6_2_3_2, &[&"direct"]));
            }
            None => {}
        }
    }
    Ok(())
}

/// The colour space of the PDF/A output intent (`S` `GTS_PDFA1`), its profile checked (6.2.3).
pub(crate) fn output_intent_space(
    ctx: &Ctx<'_>,
    catalog: &Dictionary,
) -> Result<Intent, super::Finding> {
    for oi in ctx.get_array(catalog, b"OutputIntents").unwrap_or(&[]) {
        let Some(oi) = ctx.dict(oi) else { continue };
        if ctx.get_name(oi, b"S") != Some(b"GTS_PDFA1") {
            continue;
        }
        let Some(Object::Stream(profile)) = ctx.get(oi, b"DestOutputProfile") else {
            return Err(nope(rule::R6_2_3_1, &[&"null", &"null", &"null"]));
        };
        return icc_profile(ctx, profile, true);
    }
    Ok(Intent::None)
}

/// An ICC profile's header: an output profile (6.2.3) is a printer or monitor profile in Gray,
/// RGB or CMYK; an input profile (6.2.4.2) may also be a scanner or colour space profile, or
/// Lab. Both before version 5, and `N` matching the colour space.
pub(crate) fn icc_profile(
    ctx: &Ctx<'_>,
    s: &lopdf::Stream,
    output: bool,
) -> Result<Intent, super::Finding> {
    let broken = if output {
        rule::R6_2_3_1
    } else {
        rule::R6_2_4_2_1
    };
    let null = "null";
    let data = ctx
        .decode(s)?
        .ok_or_else(|| nope(broken, &[&null, &null, &null]))?;
    if data.len() < 128 || &data[36..40] != b"acsp" {
        return Err(nope(broken, &[&null, &null, &null]));
    }
    let version = data[8];
    let class = &data[12..16];
    let space = &data[16..20];
    let header = || {
        nope(
            broken,
            &[
                &lossy(class).trim(),
                &lossy(space).trim(),
                &format_args!("{}.{}", data[8], data[9] >> 4),
            ],
        )
    };
    if version >= 5 {
        return Err(header());
    }
    let class_ok = if output {
        matches!(class, b"prtr" | b"mntr")
    } else {
        matches!(class, b"prtr" | b"mntr" | b"scnr" | b"spac")
    };
    if !class_ok {
        return Err(header());
    }
    let (intent, n) = match space {
        b"GRAY" => (Intent::Gray, 1.0),
        b"RGB " => (Intent::Rgb, 3.0),
        b"CMYK" => (Intent::Cmyk, 4.0),
        b"Lab " if !output => (Intent::Other, 3.0),
        _ => {
            return Err(header());
        }
    };
    if let Some(declared) = s.dict.get(b"N").ok().and_then(|v| ctx.number(v))
        && declared != n
    {
        return Err(header());
    }
    Ok(intent)
}

/// 6.2.8.3: a JPEG2000 image: 1, 3 or 4 components, bit depth 1 to 38; without a ColorSpace
/// entry, exactly one colour specification (or one marked as the best approximation), with
/// method 1, 2 or 3 and not the CIEJab enumeration.
pub(crate) fn jpeg2000(x: &lopdf::Stream, has_colour_space: bool) -> Check {
    let data = &x.content;
    let mut colr: Vec<(u8, u8, u32)> = Vec::new();
    let mut nc = None;
    let mut bpc = None;
    let mut has_bpcc = false;
    boxes(data, 0, &mut |kind, body| match kind {
        b"ihdr" if body.len() >= 14 => {
            nc = Some(u16::from_be_bytes([body[8], body[9]]));
            bpc = Some(body[10]);
        }
        b"bpcc" => has_bpcc = true,
        b"colr" if body.len() >= 3 => {
            let enumerated = if body.len() >= 7 {
                u32::from_be_bytes([body[3], body[4], body[5], body[6]])
            } else {
                0
            };
            colr.push((body[0], body[2], enumerated));
        }
        _ => {}
    });
    if let Some(nc) = nc
        && !matches!(nc, 1 | 3 | 4)
    {
        return Err(nope(rule::R6_2_8_3_1, &[&nc]));
    }
    if let Some(b) = bpc
        && b != 255
        && !has_bpcc
        && !(1..=38).contains(&(b & 0x7f).wrapping_add(1))
    {
        return Err(nope(
            rule::R6_2_8_3_5,
            &[&has_bpcc, &(b & 0x7f).wrapping_add(1)],
        ));
    }
    if !has_colour_space {
        let best = if colr.len() == 1 {
            colr.first()
        } else {
            let approx: Vec<_> = colr.iter().filter(|c| c.1 == 1).collect();
            if approx.len() != 1 {
                return Err(nope(rule::R6_2_8_3_2, &[&approx.len()]));
            }
            approx.first().copied()
        };
        if let Some(&(meth, _, enumerated)) = best {
            if !matches!(meth, 1..=3) {
                return Err(nope(rule::R6_2_8_3_3, &[&meth]));
            }
            if meth == 1 && enumerated == 19 {
                return Err(nope(rule::R6_2_8_3_4, &[]));
            }
        }
    }
    Ok(())
}

/// Walks JP2 boxes (into the `jp2h` super box), at most a few levels deep.
fn boxes(data: &[u8], depth: usize, f: &mut dyn FnMut(&[u8], &[u8])) {
    if depth > 3 {
        return;
    }
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let len =
            u32::from_be_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]) as usize;
        let kind = &data[pos + 4..pos + 8];
        let (header, len) = match len {
            0 => (8, data.len() - pos),
            1 if pos + 16 <= data.len() => {
                let l = u64::from_be_bytes(data[pos + 8..pos + 16].try_into().unwrap_or([0; 8]));
                (16, usize::try_from(l).unwrap_or(usize::MAX))
            }
            l => (8, l),
        };
        if len < header || pos.saturating_add(len) > data.len() {
            return;
        }
        let body = &data[pos + header..pos + len];
        f(kind, body);
        if kind == b"jp2h" {
            boxes(body, depth + 1, f);
        }
        if kind == b"jp2c" {
            return;
        }
        pos += len;
    }
}

/// 6.8: a file specification with embedded files has F and UF, and each embedded file is a
/// PDF/A-1 or PDF/A-2 file.
fn embedded_files(ctx: &Ctx<'_>, spec: &Dictionary) -> Check {
    if !(spec.has(b"F") && spec.has(b"UF")) {
        let get = |k: &[u8]| match ctx.get(spec, k) {
            Some(Object::String(s, _)) => lossy(s).into_owned(),
            Some(_) => "(not a string)".into(),
            None => "null".into(),
        };
        return Err(nope(rule::R6_8_2, &[&get(b"F"), &get(b"UF")]));
    }
    let Some(ef) = ctx.get_dict(spec, b"EF") else {
        return Ok(());
    };
    for (_, f) in ef.iter() {
        if let Object::Stream(s) = ctx.resolve(f) {
            let data = ctx.decode(s)?.ok_or_else(|| nope(rule::R6_8_5, &[]))?;
            ctx.embedded_file(&data)?;
        }
    }
    Ok(())
}
