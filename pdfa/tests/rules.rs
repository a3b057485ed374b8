//! One case per veraPDF rule of PDF/A-2 (`../shared/verapdf-profiles/PDFA-2{A,B,U}.xml`): a
//! small file that breaks exactly that rule, and its twin, the same file with the fix, which
//! conforms. The files are written here (`support::Pdf`), so every rule is exercised whether or
//! not the veraPDF corpus has a file for it.
//!
//! A case marked `known_gap` is a rule the validator does not catch yet: the test asserts that
//! the gap is still there, so that it fails (and says to remove the mark) once it is closed.
//! Twins are never gaps: a twin the validator refuses is a false alarm.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use support::*;

/// A rule, a file that breaks it and a twin that differs only by the fix.
struct Case {
    /// The veraPDF rule id, `clause-testNumber`.
    rule: &'static str,
    /// `2a`, `2b` or `2u`: the level the files declare (a level A or U rule is checked at
    /// that level only).
    flavour: &'static str,
    broken: fn() -> Vec<u8>,
    twin: fn() -> Vec<u8>,
    /// Why the validator does not catch the broken file yet.
    known_gap: Option<&'static str>,
}

/// `rule!("6.1.3-1", "2b", |b| expr)`: a case whose broken file is `expr` with `b` true and
/// whose twin is `expr` with `b` false. `rule!("6.1.3-1", "2b", gap("why"), |b| expr)` marks
/// a known gap.
macro_rules! rule {
    ($id:literal, $flavour:literal, |$b:ident| $body:expr) => {
        rule!(@ $id, $flavour, None, |$b| $body)
    };
    ($id:literal, $flavour:literal, gap($why:literal), |$b:ident| $body:expr) => {
        rule!(@ $id, $flavour, Some($why), |$b| $body)
    };
    (@ $id:literal, $flavour:literal, $gap:expr, |$b:ident| $body:expr) => {
        Case {
            rule: $id,
            flavour: $flavour,
            broken: || {
                let $b = true;
                $body
            },
            twin: || {
                let $b = false;
                $body
            },
            known_gap: $gap,
        }
    };
}

/// A level B file changed by `f`.
fn b(f: impl FnOnce(&mut Pdf)) -> Vec<u8> {
    with("2b", f)
}

fn with(level: &str, f: impl FnOnce(&mut Pdf)) -> Vec<u8> {
    let mut pdf = flavour(level);
    f(&mut pdf);
    pdf.build()
}

/// A level B file with one more indirect object `body`.
fn object(body: &str) -> Vec<u8> {
    b(|p| {
        p.add(body);
    })
}

/// A level B file whose page shows the XObject `x` (an object body) as `/X`, after setting a
/// Lab colour.
fn xobject(x: Vec<u8>) -> Vec<u8> {
    b(|p| {
        let n = p.add(x);
        p.paint(
            &format!("{LAB_RESOURCES} /XObject << /X {n} 0 R >>"),
            &format!("{LAB_PAINT}q 10 0 0 10 0 0 cm /X Do Q"),
        );
    })
}

/// A 1×1 Lab image with `extra` entries.
fn image(extra: &str) -> Vec<u8> {
    stream(
        &format!(
            "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace {LAB} \
             /BitsPerComponent 8 {extra}"
        ),
        &[128, 128, 128],
    )
}

/// An empty form XObject with `extra` entries.
fn form(extra: &str) -> Vec<u8> {
    stream(
        &format!("/Type /XObject /Subtype /Form /BBox [0 0 1 1] {extra}"),
        b"",
    )
}

/// A level B file whose page paints a square with the ExtGState `gs` (a dictionary body) set.
fn ext_gstate(gs: &str) -> Vec<u8> {
    b(|p| {
        let n = p.add(gs);
        p.paint(
            &format!("{LAB_RESOURCES} /ExtGState << /G {n} 0 R >>"),
            &format!("{LAB_PAINT}/G gs 0 0 10 10 re f"),
        );
    })
}

/// A level B file whose page paints a square in the colour space `cs` (an object body) with
/// the operands `operands`.
fn colour_space(cs: &str, operands: &str) -> Vec<u8> {
    b(|p| {
        let n = p.add(cs);
        p.paint(
            &format!("/ColorSpace << /C {n} 0 R >>"),
            &format!("/C cs {operands} scn 0 0 10 10 re f"),
        );
    })
}

/// An output intent dictionary of subtype `s` with the profile `profile` and `extra` entries.
fn intent(s: &str, profile: usize, extra: &str) -> String {
    format!(
        "<< /Type /OutputIntent /S /{s} /OutputConditionIdentifier (Custom) \
         /DestOutputProfile {profile} 0 R {extra} >>"
    )
}

/// A JPEG2000 box.
fn jp2_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// A JP2 file's boxes (no code stream worth decoding): `components` channels of `depth_byte`
/// (bit depth − 1), and `colr` colour specification boxes (method, approximation, enumerated
/// colour space).
fn jp2(components: u16, depth_byte: u8, colr: &[(u8, u8, u32)]) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&components.to_be_bytes());
    ihdr.extend_from_slice(&[depth_byte, 7, 0, 0]);
    let mut header = jp2_box(b"ihdr", &ihdr);
    for &(meth, approx, cs) in colr {
        let mut c = vec![meth, 0, approx];
        c.extend_from_slice(&cs.to_be_bytes());
        header.extend(jp2_box(b"colr", &c));
    }
    let mut f = jp2_box(b"jP  ", &[0x0d, 0x0a, 0x87, 0x0a]);
    f.extend(jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    f.extend(jp2_box(b"jp2h", &header));
    f.extend(jp2_box(b"jp2c", &[0xff, 0x4f, 0xff, 0xd9]));
    f
}

/// A level B file showing a JPEG2000 image without `ColorSpace`.
fn jpx(data: Vec<u8>) -> Vec<u8> {
    xobject(stream(
        "/Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /JPXDecode",
        &data,
    ))
}

/// A level B file whose page has the annotation `annot` (a dictionary body where `{ap}`
/// stands for the number of an empty appearance stream).
fn annotation(annot: &str) -> Vec<u8> {
    b(|p| {
        let ap = p.add(form(""));
        let a = p.add(annot.replace("{ap}", &ap.to_string()));
        p.page.push_str(&format!(" /Annots [{a} 0 R]"));
    })
}

/// A level B file whose interactive form has `form_entries` and one text field widget.
fn acroform(form_entries: &str, widget_extra: &str) -> Vec<u8> {
    b(|p| {
        let ap = p.add(form(""));
        let w = p.add(format!(
            "<< /Type /Annot /Subtype /Widget /FT /Tx /T (f) /Rect [0 0 10 10] /F 4 \
             /AP << /N {ap} 0 R >> /P 3 0 R {widget_extra} >>"
        ));
        p.page.push_str(&format!(" /Annots [{w} 0 R]"));
        p.catalog.push_str(&format!(
            " /AcroForm << /Fields [{w} 0 R] {form_entries} >>"
        ));
    })
}

/// A level B file whose XMP has `extra` descriptions.
fn xmp(extra: &str) -> Vec<u8> {
    b(|p| p.xmp_extra = extra.to_owned())
}

/// The extension schema container with `from` replaced by `to`.
fn extension(broken: bool, from: &str, to: &str) -> Vec<u8> {
    extension_with(broken, &[(from, to)])
}

/// The extension schema container with each `(from, to)` replaced.
fn extension_with(broken: bool, changes: &[(&str, &str)]) -> Vec<u8> {
    let mut x = EXTENSION.to_owned();
    if broken {
        for (from, to) in changes {
            x = replace(&x, from, to);
        }
    }
    xmp(&x)
}

/// A level B file whose identification is `description`.
fn identification(description: &str) -> Vec<u8> {
    b(|p| p.identification = Some(description.to_owned()))
}

/// A file of `level` whose page shows the Type 3 font `font` (`{a}` and `{b}` stand for the
/// numbers of two glyph procedures 1000 units wide) as `/F` with `content`, after setting a
/// Lab colour.
fn type3_text(level: &str, font: &str, content: &str) -> Vec<u8> {
    with(level, |p| {
        let a = p.add(type3_glyph(1000));
        let bb = p.add(type3_glyph(1000));
        let f = p.add(
            font.replace("{a}", &a.to_string())
                .replace("{b}", &bb.to_string()),
        );
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}{content}"),
        );
    })
}

/// A font descriptor with `flags` and a generated font program as `key` (none if empty):
/// `FontFile3`, a name-keyed CFF (`Type1C`) with the glyph `a`; `FontFile2`, a TrueType
/// program whose (3,1) `cmap` maps `a` (97) to its glyph 1. Both glyphs are 500 units wide in
/// the CFF, 1000 in the TrueType program.
fn descriptor(p: &mut Pdf, flags: u32, key: &str) -> usize {
    let program = match key {
        "" => String::new(),
        "FontFile3" => {
            let n = p.add_stream("/Subtype /Type1C", &cff(&[66]));
            format!("/FontFile3 {n} 0 R")
        }
        "FontFile2" => {
            let program = truetype(2, &[(3, 1)]);
            let n = p.add_stream(&format!("/Length1 {}", program.len()), &program);
            format!("/FontFile2 {n} 0 R")
        }
        other => panic!("no program for {other}"),
    };
    p.add(format!(
        "<< /Type /FontDescriptor /FontName /Recapito /Flags {flags} /FontBBox [0 0 1000 1000] \
         /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 {program} >>"
    ))
}

/// A level B file showing "a" in the font `font` (`{fd}` stands for the number of a font
/// descriptor with `flags` and the program `key`, see `descriptor`) with `before` before the
/// text.
fn font_text(font: &str, flags: u32, key: &str, before: &str) -> Vec<u8> {
    b(|p| {
        let fd = descriptor(p, flags, key);
        let f = p.add(font.replace("{fd}", &fd.to_string()));
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}BT /F 12 Tf {before} 10 10 Td (a) Tj ET"),
        );
    })
}

/// A level B file showing "a" (code 97) in a TrueType font with the program `program`, the
/// descriptor `flags` and the font dictionary entries `extra`.
fn truetype_text(program: Vec<u8>, flags: u32, extra: &str) -> Vec<u8> {
    b(|p| {
        let ff = p.add_stream(&format!("/Length1 {}", program.len()), &program);
        let fd = p.add(format!(
            "<< /Type /FontDescriptor /FontName /Recapito /Flags {flags} /FontBBox [0 0 1000 1000] \
             /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 {ff} 0 R >>"
        ));
        let f = p.add(format!(
            "<< /Type /Font /Subtype /TrueType /BaseFont /Recapito /FirstChar 97 /LastChar 97 \
             /Widths [1000] /FontDescriptor {fd} 0 R {extra} >>"
        ));
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td (a) Tj ET"),
        );
    })
}

/// A level B file showing CID 1 in a Type 0 font over a CIDFontType2 named `name` with a
/// two-glyph TrueType program, the CIDFont entries `cid_extra` and descriptor entries
/// `fd_extra` (`{set}` stands for the number of a CIDSet stream `cid_set`).
fn cid_truetype(name: &str, cid_extra: &str, fd_extra: &str, cid_set: &[u8]) -> Vec<u8> {
    b(|p| {
        let program = truetype(2, &[(3, 1)]);
        let ff = p.add_stream(&format!("/Length1 {}", program.len()), &program);
        let set = p.add_stream("", cid_set);
        let fd = p.add(format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [0 0 1000 1000] \
             /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 {ff} 0 R {} >>",
            fd_extra.replace("{set}", &set.to_string())
        ));
        let cid = p.add(format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor {fd} 0 R /DW 1000 {cid_extra} >>"
        ));
        let f = p.add(format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H \
             /DescendantFonts [{cid} 0 R] >>"
        ));
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td <0001> Tj ET"),
        );
    })
}

/// The `Reference` entry of a certification (DocMDP) signature.
const DOC_MDP: &str = "/Reference [<< /Type /SigRef /TransformMethod /DocMDP \
     /TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>]";

/// A level B file signed with the PKCS#7 `pkcs7` (`tests/fixtures/signatures/`): a signature
/// field with the signature dictionary entries `sig_extra`, the catalog's permissions `perms`
/// (`{sig}` stands for the signature's number; none if empty), its `ByteRange` `short` bytes
/// short of the end of the file.
fn signed(pkcs7_name: &str, sig_extra: &str, perms: &str, short: usize) -> Vec<u8> {
    let mut p = flavour("2b");
    let sig = p.add(signature(&pkcs7(pkcs7_name), sig_extra));
    let w = p.add(format!(
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature) /Rect [0 0 0 0] /F 132 \
         /V {sig} 0 R /P 3 0 R >>"
    ));
    p.page.push_str(&format!(" /Annots [{w} 0 R]"));
    p.catalog
        .push_str(&format!(" /AcroForm << /Fields [{w} 0 R] /SigFlags 3 >>"));
    if !perms.is_empty() {
        p.catalog.push_str(&format!(
            " /Perms << {} >>",
            perms.replace("{sig}", &sig.to_string())
        ));
    }
    sign(p.build(), short)
}

/// A level B file showing CID 1 in a Type 0 font encoded by `encoding` over a CIDFontType2
/// (the generated TrueType program, `CIDToGIDMap` `Identity`) with `cid_system_info`.
fn type0(encoding: &str, cid_system_info: &str) -> Vec<u8> {
    b(|p| {
        let fd = descriptor(p, 4, "FontFile2");
        let cid = p.add(format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Recapito /CIDToGIDMap /Identity \
             /CIDSystemInfo {cid_system_info} /FontDescriptor {fd} 0 R /DW 1000 >>"
        ));
        let f = p.add(format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /Recapito /Encoding {encoding} \
             /DescendantFonts [{cid} 0 R] >>"
        ));
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td <0001> Tj ET"),
        );
    })
}

/// An embedded CMap `Recapito-H` (Adobe-Identity-0) with a WMode entry `dict_wmode` in its
/// dictionary, `stream_wmode` in its program, mapping `<0000>`–`<FFFF>` from CID `first`, and
/// `extra` dictionary entries: the object body.
fn cmap(dict_wmode: u8, stream_wmode: u8, first: u32, extra: &str) -> Vec<u8> {
    let program = format!(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> def\n\
         /CMapName /Recapito-H def /CMapType 1 def /WMode {stream_wmode} def\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
         1 begincidrange <0000> <FFFF> {first} endcidrange\n\
         endcmap CMapName currentdict /CMap defineresource pop end end\n"
    );
    stream(
        &format!(
            "/Type /CMap /CMapName /Recapito-H /CIDSystemInfo << /Registry (Adobe) \
             /Ordering (Identity) /Supplement 0 >> /WMode {dict_wmode} {extra}"
        ),
        program.as_bytes(),
    )
}

/// `type0` with an embedded CMap.
fn type0_embedded(cmap_body: Vec<u8>) -> Vec<u8> {
    b(|p| {
        let c = p.add(cmap_body);
        let fd = descriptor(p, 4, "FontFile2");
        let cid = p.add(format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Recapito /CIDToGIDMap /Identity \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor {fd} 0 R /DW 1000 >>"
        ));
        let f = p.add(format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /Recapito /Encoding {c} 0 R \
             /DescendantFonts [{cid} 0 R] >>"
        ));
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td <0001> Tj ET"),
        );
    })
}

/// A level A file whose structure tree root is `root` (`{k}` stands for the number of one
/// structure element `element`).
fn structure(root: &str, element: &str) -> Vec<u8> {
    with("2a", |p| {
        let e = p.add(element);
        p.struct_tree = Some(root.replace("{k}", &e.to_string()));
    })
}

/// A level B file embedding `file` (a PDF, Flate-compressed) with the file specification
/// entries `spec`.
fn embedded(spec: &str, file: &[u8]) -> Vec<u8> {
    b(|p| {
        let data = pdfa::bombs::zlib(file);
        let ef = p.add_stream(
            &format!(
                "/Type /EmbeddedFile /Subtype /application#2Fpdf /Filter /FlateDecode \
                 /Params << /Size {} >>",
                file.len()
            ),
            &data,
        );
        let fs = p.add(format!(
            "<< /Type /Filespec {spec} /EF << /F {ef} 0 R /UF {ef} 0 R >> >>"
        ));
        p.catalog.push_str(&format!(
            " /Names << /EmbeddedFiles << /Names [(a.pdf) {fs} 0 R] >> >>"
        ));
    })
}

/// A level B file with optional content: `ocgs` OCGs, the default configuration `d` (`{0}`,
/// `{1}` stand for the OCGs' numbers) and `extra` properties entries.
fn optional_content(ocgs: usize, d: &str, extra: &str) -> Vec<u8> {
    b(|p| {
        let ns: Vec<usize> = (0..ocgs)
            .map(|i| p.add(format!("<< /Type /OCG /Name (Layer {i}) >>")))
            .collect();
        let mut d = d.to_owned();
        let mut extra = extra.to_owned();
        for (i, n) in ns.iter().enumerate() {
            d = d.replace(&format!("{{{i}}}"), &n.to_string());
            extra = extra.replace(&format!("{{{i}}}"), &n.to_string());
        }
        let refs: Vec<String> = ns.iter().map(|n| format!("{n} 0 R")).collect();
        p.catalog.push_str(&format!(
            " /OCProperties << /OCGs [{}] /D {d} {extra} >>",
            refs.join(" ")
        ));
    })
}

/// `replace` if `broken`.
trait ReplaceIf {
    fn replace_if(self, broken: bool, from: &str, to: &str) -> String;
}

impl ReplaceIf for String {
    fn replace_if(self, broken: bool, from: &str, to: &str) -> String {
        if broken {
            replace(&self, from, to)
        } else {
            self
        }
    }
}

/// A file of `level` showing "ab" (codes 97, 98) in a Type 3 font with `differences`, a
/// ToUnicode map of the two codes if `unicode` is set, in a marked-content sequence with
/// the properties `span` (e.g. `/ActualText (ab)`).
fn unicode_text(
    level: &str,
    differences: &str,
    unicode: Option<(&str, &str)>,
    span: &str,
) -> Vec<u8> {
    with(level, |p| {
        let a = p.add(type3_glyph(1000));
        let bb = p.add(type3_glyph(1000));
        let mut extra = String::new();
        if let Some((ua, ub)) = unicode {
            let tu = p.add(to_unicode(&[(97, ua), (98, ub)]));
            extra = format!("/ToUnicode {tu} 0 R");
        }
        let font = replace(&type3_font(&extra), "/Differences [97 /a /b]", differences);
        let names: Vec<&str> = differences
            .trim_start_matches("/Differences [97 ")
            .trim_end_matches(']')
            .split(' ')
            .collect();
        let font = replace(
            &font,
            "/a {a} 0 R /b {b} 0 R",
            &format!("{} {a} 0 R {} {bb} 0 R", names[0], names[1]),
        );
        let f = p.add(font);
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}/Span << {span} >> BDC BT /F 12 Tf 10 10 Td (ab) Tj ET EMC"),
        );
    })
}

fn cases() -> Vec<Case> {
    vec![
        // 6.1.2 File header
        rule!("6.1.2-1", "2b", |x| b(
            |p| p.header = pick(x, b"%PDF-1.8\n", b"%PDF-1.7\n").to_vec()
        )),
        rule!("6.1.2-2", "2b", |x| b(
            |p| p.binary_comment = pick(x, &b"%abcd\n"[..], b"%\xe2\xe3\xcf\xd3\n").to_vec()
        )),
        // 6.1.3 File trailer
        rule!("6.1.3-1", "2b", |x| b(|p| if x {
            p.id = None
        })),
        rule!("6.1.3-2", "2b", |x| b(|p| {
            let e = p.add("<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>");
            if x {
                p.trailer = format!("/Encrypt {e} 0 R");
            }
        })),
        rule!("6.1.3-3", "2b", |x| b(
            |p| p.tail = pick(x, &b"\nhello\n"[..], b"\n").to_vec()
        )),
        // 6.1.4 Cross-reference table
        rule!("6.1.4-2", "2b", |x| b(
            |p| p.xref_eol = pick(x, &b"\n\n"[..], b"\n").to_vec()
        )),
        // 6.1.6 String objects
        rule!("6.1.6-1", "2b", |x| object(pick(x, "[<414>]", "[<4142>]"))),
        rule!("6.1.6-2", "2b", |x| object(pick(x, "[<41G2>]", "[<4142>]"))),
        // 6.1.7 Streams
        rule!("6.1.7.1-1", "2b", |x| b(|p| {
            let len = pick(x, 5, 4);
            p.add(format!("<< /Length {len} >>\nstream\nabcd\nendstream"));
        })),
        rule!("6.1.7.1-2", "2b", |x| b(|p| {
            let end = pick(x, "abcdendstream", "abcd\nendstream");
            p.add(format!("<< /Length 4 >>\nstream\n{end}"));
        })),
        rule!("6.1.7.1-3", "2b", |x| object(
            &String::from_utf8(stream(pick(x, "/F (data.bin)", ""), b"abcd")).unwrap()
        )),
        rule!("6.1.7.2-1", "2b", |x| object(
            &String::from_utf8(stream(
                pick(x, "/Filter /LZWDecode", "/Filter /ASCIIHexDecode"),
                b"4142>"
            ))
            .unwrap()
        )),
        // 6.1.8 Name objects
        rule!("6.1.8-1", "2b", |x| colour_space(
            &format!("[/Separation /{} {LAB} {TINT}]", pick(x, "Spot#FF", "Spot")),
            "1"
        )),
        // 6.1.9 Indirect objects
        rule!("6.1.9-1", "2b", |x| b(|p| {
            p.add_raw(|n| format!("{n}{}0 obj\n[1]\nendobj\n", pick(x, "  ", " ")).into_bytes());
        })),
        // 6.1.10 Inline image dictionaries
        rule!("6.1.10-1", "2b", |x| b(|p| p.paint(
            LAB_RESOURCES,
            &format!(
                "{LAB_PAINT}q 10 0 0 10 0 0 cm BI /W 1 /H 1 /IM true /F {} ID\n00>\nEI Q",
                pick(x, "/LZW", "/AHx")
            )
        ))),
        // 6.1.12 Permissions
        rule!("6.1.12-1", "2b", |x| signed(
            "one-signer",
            DOC_MDP,
            pick(x, "/DocMDP {sig} 0 R /Other {sig} 0 R", "/DocMDP {sig} 0 R"),
            0
        )),
        rule!("6.1.12-2", "2b", |x| signed(
            "one-signer",
            &replace(
                DOC_MDP,
                "/V /1.2 >>",
                pick(x, "/V /1.2 >> /DigestMethod /MD5", "/V /1.2 >>")
            ),
            "/DocMDP {sig} 0 R",
            0
        )),
        // 6.1.13 Implementation limits
        rule!("6.1.13-1", "2b", |x| object(pick(
            x,
            "[2147483648]",
            "[2147483647]"
        ))),
        rule!("6.1.13-2", "2b", |x| object(pick(
            x,
            "[350000000000000000000000000000000000000.0]",
            "[340000000000000000000000000000000000000.0]"
        ))),
        rule!("6.1.13-3", "2b", |x| object(&format!(
            "[({})]",
            "a".repeat(pick(x, 32768, 32767))
        ))),
        rule!("6.1.13-4", "2b", |x| object(&format!(
            "[/{}]",
            "a".repeat(pick(x, 128, 127))
        ))),
        rule!("6.1.13-5", "2b", |x| object(pick(
            x,
            "[0.0000000000000000000000000000000000000000001]",
            "[0.0]"
        ))),
        rule!("6.1.13-8", "2b", |x| b(|p| {
            let n = pick(x, 29, 28);
            p.content = format!("{}{}", "q ".repeat(n), "Q ".repeat(n)).into_bytes();
        })),
        rule!("6.1.13-9", "2b", |x| b(|p| {
            let n = pick(x, 33, 32);
            let f = p.add_stream(
                &format!(
                    "/FunctionType 4 /Domain [{}] /Range [0 100 -128 127 -128 127]",
                    "0 1 ".repeat(n)
                ),
                format!("{{ {}50 0 0 }}", "pop ".repeat(n)).as_bytes(),
            );
            let cs = p.add(format!("[/DeviceN [{}] {LAB} {f} 0 R]", "/None ".repeat(n)));
            p.paint(
                &format!("/ColorSpace << /C {cs} 0 R >>"),
                &format!("/C cs {}scn 0 0 10 10 re f", "0 ".repeat(n)),
            );
        })),
        rule!("6.1.13-10", "2b", |x| type0_embedded(cmap(
            0,
            0,
            pick(x, 65536, 0),
            ""
        ))),
        rule!("6.1.13-11", "2b", |x| b(
            |p| p.media_box = pick(x, "[0 0 2 2]", "[0 0 3 3]").into()
        )),
        // 6.2.2 Content streams
        rule!("6.2.2-1", "2b", |x| b(
            |p| p.content = pick(x, &b"q Q foo"[..], b"q Q").to_vec()
        )),
        rule!("6.2.2-2", "2b", |x| b(|p| {
            p.content = format!("{LAB_PAINT}0 0 10 10 re f").into_bytes();
            let resources = format!("<< {LAB_RESOURCES} >>");
            if x {
                p.pages = format!("/Resources {resources}");
                p.resources = None;
            } else {
                p.resources = Some(resources);
            }
        })),
        // 6.2.3 Output intent
        rule!("6.2.3-1", "2b", |x| b(|p| {
            let profile = p.add_icc(&icc(pick(x, b"scnr", b"mntr"), b"RGB ", 2));
            let oi = p.add(intent("GTS_PDFA1", profile, ""));
            p.catalog.push_str(&format!(" /OutputIntents [{oi} 0 R]"));
        })),
        rule!("6.2.3-2", "2b", |x| b(|p| {
            let one = p.add_icc(&icc(b"mntr", b"RGB ", 2));
            let other = p.add_icc(&icc(b"mntr", b"RGB ", 2));
            let second = pick(x, other, one);
            let a = p.add(intent("GTS_PDFA1", one, ""));
            let c = p.add(intent("GTS_PDFX", second, ""));
            p.catalog
                .push_str(&format!(" /OutputIntents [{a} 0 R {c} 0 R]"));
        })),
        rule!("6.2.3-3", "2b", |x| b(|p| {
            let one = p.add_icc(&icc(b"mntr", b"RGB ", 2));
            let a = p.add(intent("GTS_PDFA1", one, ""));
            let c = p.add(intent(
                "GTS_PDFX",
                one,
                pick(
                    x,
                    "/DestOutputProfileRef << /URLs [(http://example.com/p.icc)] >>",
                    "",
                ),
            ));
            p.catalog
                .push_str(&format!(" /OutputIntents [{a} 0 R {c} 0 R]"));
        })),
        // 6.2.4 Colour spaces
        rule!("6.2.4.2-1", "2b", |x| b(|p| {
            let profile = p.add_icc(&icc(pick(x, b"abst", b"mntr"), b"RGB ", 2));
            p.paint(
                &format!("/ColorSpace << /C [/ICCBased {profile} 0 R] >>"),
                "/C cs 1 0 0 sc 0 0 10 10 re f",
            );
        })),
        rule!("6.2.4.2-2", "2b", |x| b(|p| {
            let profile = p.add_icc(&icc(b"prtr", b"CMYK", 2));
            let gs = p.add(format!(
                "<< /Type /ExtGState /op true /OPM {} >>",
                pick(x, 1, 0)
            ));
            p.paint(
                &format!(
                    "/ColorSpace << /C [/ICCBased {profile} 0 R] >> /ExtGState << /G {gs} 0 R >>"
                ),
                "/G gs /C cs 0 0 0 1 sc 0 0 10 10 re f",
            );
        })),
        rule!("6.2.4.3-2", "2b", |x| b(|p| {
            p.content = b"1 0 0 rg 0 0 10 10 re f".to_vec();
            p.output_intent(pick(x, b"CMYK", b"RGB "));
        })),
        rule!("6.2.4.3-3", "2b", |x| b(|p| {
            p.content = b"0 0 0 1 k 0 0 10 10 re f".to_vec();
            p.output_intent(pick(x, b"RGB ", b"CMYK"));
        })),
        rule!("6.2.4.3-4", "2b", |x| b(|p| {
            p.content = b"0.5 g 0 0 10 10 re f".to_vec();
            if !x {
                p.output_intent(b"GRAY");
            }
        })),
        rule!("6.2.4.4-1", "2b", |x| colour_space(
            &format!(
                "[/DeviceN [/Spot] {LAB} {TINT} {}]",
                pick(
                    x,
                    String::new(),
                    format!("<< /Colorants << /Spot [/Separation /Spot {LAB} {TINT}] >> >>")
                )
            ),
            "1"
        )),
        rule!("6.2.4.4-2", "2b", |x| b(|p| {
            let one = p.add(format!("[/Separation /Spot {LAB} {TINT}]"));
            let other = p.add(format!(
                "[/Separation /Spot {LAB} {}]",
                pick(x, TINT2, TINT)
            ));
            p.paint(
                &format!("/ColorSpace << /C {one} 0 R /D {other} 0 R >>"),
                "/C cs 1 scn 0 0 10 10 re f /D cs 1 scn 0 0 5 5 re f",
            );
        })),
        // 6.2.5 Extended graphics state
        rule!("6.2.5-1", "2b", |x| ext_gstate(pick(
            x,
            "<< /Type /ExtGState /TR /Identity >>",
            "<< /Type /ExtGState >>"
        ))),
        rule!("6.2.5-2", "2b", |x| ext_gstate(pick(
            x,
            "<< /Type /ExtGState /TR2 /Identity >>",
            "<< /Type /ExtGState /TR2 /Default >>"
        ))),
        rule!("6.2.5-3", "2b", |x| ext_gstate(pick(
            x,
            "<< /Type /ExtGState /HTP [1 2] >>",
            "<< /Type /ExtGState >>"
        ))),
        rule!("6.2.5-4", "2b", |x| ext_gstate(&format!(
            "<< /Type /ExtGState /HT << /Type /Halftone /HalftoneType {} /Frequency 60 /Angle 45 /SpotFunction /Round >> >>",
            pick(x, 2, 1)
        ))),
        rule!("6.2.5-5", "2b", |x| ext_gstate(&format!(
            "<< /Type /ExtGState /HT << /Type /Halftone /HalftoneType 1 /Frequency 60 /Angle 45 /SpotFunction /Round {} >> >>",
            pick(x, "/HalftoneName (Screen)", "")
        ))),
        rule!("6.2.5-6", "2b", |x| ext_gstate(&format!(
            "<< /Type /ExtGState /HT << /Type /Halftone /HalftoneType 5 \
             /Default << /Type /Halftone /HalftoneType 1 /Frequency 60 /Angle 45 /SpotFunction /Round >> \
             /Spot << /Type /Halftone /HalftoneType 1 /Frequency 60 /Angle 15 /SpotFunction /Round {} >> >> >>",
            pick(x, "", "/TransferFunction /Identity")
        ))),
        // 6.2.6 Rendering intents
        rule!("6.2.6-1", "2b", |x| b(|p| p.content =
            format!("/{} ri", pick(x, "Vivid", "Perceptual"))
                .into_bytes())),
        // 6.2.8 Images
        rule!("6.2.8-1", "2b", |x| xobject(image(pick(
            x,
            "/Alternates []",
            ""
        )))),
        rule!("6.2.8-2", "2b", |x| xobject(image(pick(
            x,
            "/OPI << /2.0 << /Type /OPI /Version 2.0 /F (x.tif) /Inks /full_color >> >>",
            ""
        )))),
        rule!("6.2.8-3", "2b", |x| xobject(image(pick(
            x,
            "/Interpolate true",
            "/Interpolate false"
        )))),
        rule!("6.2.8-4", "2b", |x| xobject(stream(
            &format!(
                "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace {LAB} /BitsPerComponent {}",
                pick(x, 3, 4)
            ),
            &[128, 128],
        ))),
        rule!("6.2.8-5", "2b", |x| xobject(stream(
            &format!(
                "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ImageMask true /BitsPerComponent {}",
                pick(x, 2, 1)
            ),
            &[0],
        ))),
        rule!("6.2.8.3-1", "2b", |x| jpx(jp2(
            pick(x, 2, 3),
            7,
            &[(1, 0, 16)]
        ))),
        rule!("6.2.8.3-2", "2b", |x| jpx(jp2(
            3,
            7,
            &[(1, 0, 16), (1, pick(x, 0, 1), 16)]
        ))),
        rule!("6.2.8.3-3", "2b", |x| jpx(jp2(
            3,
            7,
            &[(pick(x, 4, 1), 0, 16)]
        ))),
        rule!("6.2.8.3-4", "2b", |x| jpx(jp2(
            3,
            7,
            &[(1, 0, pick(x, 19, 16))]
        ))),
        rule!("6.2.8.3-5", "2b", |x| jpx(jp2(
            3,
            pick(x, 38, 7),
            &[(1, 0, 16)]
        ))),
        // 6.2.9 XObjects
        rule!("6.2.9-1", "2b", |x| xobject(form(pick(
            x,
            "/OPI << /1.3 << /Type /OPI /Version 1.3 /F (x.tif) /Size [1 1] /CropRect [0 0 1 1] /Position [0 0 0 1 1 1 1 0] >> >>",
            ""
        )))),
        rule!("6.2.9-2", "2b", |x| xobject(form(pick(
            x,
            "/Ref << /F (other.pdf) /Page 0 >>",
            ""
        )))),
        rule!("6.2.9-3", "2b", |x| xobject(stream(
            pick(
                x,
                "/Type /XObject /Subtype /PS",
                "/Type /XObject /Subtype /Form /BBox [0 0 1 1]"
            ),
            b""
        ))),
        // 6.2.10 Transparency
        rule!("6.2.10-1", "2b", |x| b(|p| {
            let profile = p.add_icc(&icc(b"mntr", b"RGB ", 2));
            let gs = p.add(format!(
                "<< /Type /ExtGState /BM /{} >>",
                pick(x, "Dodge", "Multiply")
            ));
            p.page.push_str(&format!(
                " /Group << /S /Transparency /CS [/ICCBased {profile} 0 R] >>"
            ));
            p.paint(
                &format!("{LAB_RESOURCES} /ExtGState << /G {gs} 0 R >>"),
                &format!("{LAB_PAINT}/G gs 0 0 10 10 re f"),
            );
        })),
        rule!("6.2.10-2", "2b", |x| b(|p| {
            let profile = p.add_icc(&icc(b"mntr", b"RGB ", 2));
            let gs = p.add("<< /Type /ExtGState /ca 0.5 >>");
            if !x {
                p.page.push_str(&format!(
                    " /Group << /S /Transparency /CS [/ICCBased {profile} 0 R] >>"
                ));
            }
            p.paint(
                &format!("{LAB_RESOURCES} /ExtGState << /G {gs} 0 R >>"),
                &format!("{LAB_PAINT}/G gs 0 0 10 10 re f"),
            );
        })),
        // 6.3 Annotations
        rule!("6.3.1-1", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /{} /Rect [0 0 10 10] /F 4 /AP << /N {{ap}} 0 R >> >>",
            pick(x, "Sound", "Square")
        ))),
        rule!("6.3.2-1", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /Square /Rect [0 0 10 10] {} /AP << /N {{ap}} 0 R >> >>",
            pick(x, "", "/F 4")
        ))),
        rule!("6.3.2-2", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /Square /Rect [0 0 10 10] /F {} /AP << /N {{ap}} 0 R >> >>",
            pick(x, 6, 4)
        ))),
        rule!("6.3.3-1", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /Square /Rect [0 0 10 10] /F 4 {} >>",
            pick(x, "", "/AP << /N {ap} 0 R >>")
        ))),
        rule!("6.3.3-2", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /Square /Rect [0 0 10 10] /F 4 /AP << /N {{ap}} 0 R {} >> >>",
            pick(x, "/D {ap} 0 R", "")
        ))),
        rule!("6.3.3-3", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /Widget /FT /Btn /T (b) /Rect [0 0 10 10] /F 4 /AS /Off /AP << /N {} >> >>",
            pick(x, "{ap} 0 R", "<< /Off {ap} 0 R >>")
        ))),
        rule!("6.3.3-4", "2b", |x| annotation(&format!(
            "<< /Type /Annot /Subtype /Square /Rect [0 0 10 10] /F 4 /AS /Off /AP << /N {} >> >>",
            pick(x, "<< /Off {ap} 0 R >>", "{ap} 0 R")
        ))),
        // 6.4 Interactive forms
        rule!("6.4.1-1", "2b", |x| acroform(
            "",
            pick(x, "/A << /S /URI /URI (http://example.com/) >>", "")
        )),
        rule!("6.4.1-2", "2b", |x| b(|p| {
            let ap = p.add(form(""));
            // The field comes after the widget that names it as its parent.
            let field = ap + 2;
            let w = p.add(format!("<< /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /F 4 /AP << /N {ap} 0 R >> /Parent {field} 0 R >>"));
            let f = p.add(format!(
                "<< /FT /Tx /T (f) /Kids [{w} 0 R] {} >>",
                pick(x, "/AA << /V << /S /GoTo /D [3 0 R /Fit] >> >>", "")
            ));
            assert_eq!(f, field);
            p.page.push_str(&format!(" /Annots [{w} 0 R]"));
            p.catalog
                .push_str(&format!(" /AcroForm << /Fields [{f} 0 R] >>"));
        })),
        rule!("6.4.1-3", "2b", |x| acroform(
            pick(x, "/NeedAppearances true", "/NeedAppearances false"),
            ""
        )),
        rule!("6.4.2-1", "2b", |x| acroform(
            pick(x, "/XFA [(template) <00>]", ""),
            ""
        )),
        rule!("6.4.2-2", "2b", |x| b(|p| p.catalog =
            pick(x, " /NeedsRendering true", " /NeedsRendering false")
                .into())),
        rule!(
            "6.4.3-1",
            "2b",
            gap("a signature's ByteRange is not checked against the file"),
            |x| signed("one-signer", "", "", pick(x, 1, 0))
        ),
        rule!("6.4.3-2", "2b", |x| signed(
            pick(x, "no-certificate", "one-signer"),
            "",
            "",
            0
        )),
        rule!("6.4.3-3", "2b", |x| signed(
            pick(x, "two-signers", "one-signer"),
            "",
            "",
            0
        )),
        // 6.5 Actions
        rule!("6.5.1-1", "2b", |x| b(|p| p.catalog = pick(
            x,
            " /OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
            " /OpenAction << /S /GoTo /D [3 0 R /Fit] >>"
        )
        .into())),
        rule!("6.5.1-2", "2b", |x| b(|p| p.catalog = format!(
            " /OpenAction << /S /Named /N /{} >>",
            pick(x, "Print", "NextPage")
        ))),
        rule!("6.5.2-1", "2b", |x| b(|p| p.catalog =
            pick(x, " /AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >>", "")
                .into())),
        rule!("6.5.2-2", "2b", |x| b(|p| p.page =
            pick(x, " /AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>", "")
                .into())),
        // 6.6 Metadata
        rule!("6.6.2.1-1", "2b", |x| b(|p| p.metadata_in_catalog = !x)),
        rule!("6.6.2.1-2", "2b", |x| b(|p| if x {
            p.xpacket.push_str(" bytes=\"1234\"")
        })),
        rule!("6.6.2.1-3", "2b", |x| b(|p| if x {
            p.xpacket.push_str(" encoding=\"UTF-8\"")
        })),
        rule!("6.6.2.1-4", "2b", |x| xmp(pick(
            x,
            "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Title</rdf:Alt></dc:title></rdf:Description>",
            "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Title</rdf:li></rdf:Alt></dc:title></rdf:Description>"
        ))),
        rule!("6.6.2.1-5", "2b", |x| b(|p| {
            p.xmp_extra = "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">caf\u{e9}</rdf:li></rdf:Alt></dc:title></rdf:Description>".into();
            if x {
                // The é in Latin-1: not UTF-8.
                let xmp = p.xmp();
                let at = xmp
                    .windows(2)
                    .position(|w| w == "\u{e9}".as_bytes())
                    .unwrap();
                let mut latin = xmp[..at].to_vec();
                latin.push(0xe9);
                latin.extend_from_slice(&xmp[at + 2..]);
                p.xmp_override = Some(latin);
            }
        })),
        rule!("6.6.2.3.1-1", "2b", |x| xmp(&if x {
            "<rdf:Description rdf:about=\"\" xmlns:rec=\"http://example.com/recapito/\"><rec:note>hello</rec:note></rdf:Description>".to_owned()
        } else {
            EXTENSION.to_owned()
        })),
        rule!("6.6.2.3.1-2", "2b", |x| xmp(&format!(
            "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:CreateDate>{}</xmp:CreateDate></rdf:Description>",
            pick(x, "yesterday", "2016-01-20T17:19:21+01:00")
        ))),
        rule!("6.6.2.3.2-1", "2b", |x| extension(
            x,
            "<pdfaSchema:prefix>rec</pdfaSchema:prefix>",
            "<pdfaSchema:prefix>rec</pdfaSchema:prefix><pdfaSchema:version>1</pdfaSchema:version>"
        )),
        rule!("6.6.2.3.3-1", "2b", |x| extension_with(
            x,
            &[
                (
                    "<pdfaExtension:schemas><rdf:Bag>",
                    "<pdfaExtension:schemas><rdf:Seq>"
                ),
                (
                    "</rdf:Bag></pdfaExtension:schemas>",
                    "</rdf:Seq></pdfaExtension:schemas>"
                )
            ]
        )),
        rule!("6.6.2.3.3-2", "2b", |x| extension(
            x,
            "<pdfaSchema:schema>Recapito test schema</pdfaSchema:schema>",
            ""
        )),
        rule!("6.6.2.3.3-3", "2b", |x| extension(
            x,
            "<pdfaSchema:namespaceURI>http://example.com/recapito/</pdfaSchema:namespaceURI>",
            ""
        )),
        rule!("6.6.2.3.3-4", "2b", |x| extension(
            x,
            "<pdfaSchema:prefix>rec</pdfaSchema:prefix>",
            ""
        )),
        rule!("6.6.2.3.3-5", "2b", |x| extension_with(
            x,
            &[
                (
                    "<pdfaSchema:property><rdf:Seq>",
                    "<pdfaSchema:property><rdf:Bag>"
                ),
                (
                    "</rdf:Seq></pdfaSchema:property>",
                    "</rdf:Bag></pdfaSchema:property>"
                )
            ]
        )),
        rule!("6.6.2.3.3-6", "2b", |x| extension_with(
            x,
            &[
                (
                    "<pdfaSchema:valueType><rdf:Seq>",
                    "<pdfaSchema:valueType><rdf:Bag>"
                ),
                (
                    "</rdf:Seq></pdfaSchema:valueType>",
                    "</rdf:Bag></pdfaSchema:valueType>"
                )
            ]
        )),
        rule!("6.6.2.3.3-7", "2b", |x| extension(
            x,
            "<pdfaProperty:name>note</pdfaProperty:name>",
            ""
        )),
        rule!("6.6.2.3.3-8", "2b", |x| extension(
            x,
            "<pdfaProperty:valueType>Text</pdfaProperty:valueType>",
            ""
        )),
        rule!("6.6.2.3.3-9", "2b", |x| extension(
            x,
            "<pdfaProperty:category>external</pdfaProperty:category>",
            "<pdfaProperty:category>sometimes</pdfaProperty:category>"
        )),
        rule!("6.6.2.3.3-10", "2b", |x| extension(
            x,
            "<pdfaProperty:description>A note</pdfaProperty:description>",
            ""
        )),
        rule!("6.6.2.3.3-11", "2b", |x| extension(
            x,
            "<pdfaType:type>Pair</pdfaType:type>",
            ""
        )),
        rule!("6.6.2.3.3-12", "2b", |x| extension(
            x,
            "<pdfaType:namespaceURI>http://example.com/recapito/pair/</pdfaType:namespaceURI>",
            ""
        )),
        rule!("6.6.2.3.3-13", "2b", |x| extension(
            x,
            "<pdfaType:prefix>pair</pdfaType:prefix>",
            ""
        )),
        rule!("6.6.2.3.3-14", "2b", |x| extension(
            x,
            "<pdfaType:description>Two texts</pdfaType:description>",
            ""
        )),
        rule!("6.6.2.3.3-15", "2b", |x| extension_with(
            x,
            &[
                ("<pdfaType:field><rdf:Seq>", "<pdfaType:field><rdf:Bag>"),
                ("</rdf:Seq></pdfaType:field>", "</rdf:Bag></pdfaType:field>")
            ]
        )),
        rule!("6.6.2.3.3-16", "2b", |x| extension(
            x,
            "<pdfaField:name>first</pdfaField:name>",
            ""
        )),
        rule!("6.6.2.3.3-17", "2b", |x| extension(
            x,
            "<pdfaField:valueType>Text</pdfaField:valueType>",
            ""
        )),
        rule!("6.6.2.3.3-18", "2b", |x| extension(
            x,
            "<pdfaField:description>The first text</pdfaField:description>",
            ""
        )),
        rule!("6.6.4-1", "2b", |x| b(|p| if x {
            p.identification = Some(String::new());
        })),
        rule!(
            "6.6.4-2",
            "2b",
            |x| b(|p| p.part = pick(x, "1", "2").into())
        ),
        rule!("6.6.4-3", "2b", |x| b(
            |p| p.conformance = pick(x, "Z", "B").into()
        )),
        rule!("6.6.4-4", "2b", |x| identification(&format!(
            "<rdf:Description rdf:about=\"\" xmlns:{0}=\"{PDFAID}\" {0}:part=\"2\"/>\
             <rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID}\" pdfaid:conformance=\"B\"/>",
            pick(x, "id", "pdfaid")
        ))),
        rule!("6.6.4-5", "2b", |x| identification(&format!(
            "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID}\" pdfaid:part=\"2\"/>\
             <rdf:Description rdf:about=\"\" xmlns:{0}=\"{PDFAID}\" {0}:conformance=\"B\"/>",
            pick(x, "id", "pdfaid")
        ))),
        rule!("6.6.4-6", "2b", |x| identification(&format!(
            "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID}\" pdfaid:part=\"2\" pdfaid:conformance=\"B\"/>\
             <rdf:Description rdf:about=\"\" xmlns:{0}=\"{PDFAID}\" {0}:amd=\"2011\"/>",
            pick(x, "id", "pdfaid")
        ))),
        rule!("6.6.4-7", "2b", |x| identification(&format!(
            "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID}\" pdfaid:part=\"2\" pdfaid:conformance=\"B\"/>\
             <rdf:Description rdf:about=\"\" xmlns:{0}=\"{PDFAID}\" {0}:corr=\"1\"/>",
            pick(x, "id", "pdfaid")
        ))),
        // 6.8 Embedded files
        rule!("6.8-2", "2b", |x| embedded(
            pick(x, "/F (a.pdf)", "/F (a.pdf) /UF (a.pdf)"),
            &flavour("2b").build()
        )),
        rule!("6.8-5", "2b", |x| embedded(
            "/F (a.pdf) /UF (a.pdf)",
            &if x {
                let mut p = flavour("2b");
                p.metadata_in_catalog = false;
                p.build()
            } else {
                flavour("2b").build()
            }
        )),
        // 6.9 Optional content
        rule!("6.9-1", "2b", |x| optional_content(
            1,
            pick(
                x,
                "<< /Order [{0} 0 R] >>",
                "<< /Name (Default) /Order [{0} 0 R] >>"
            ),
            ""
        )),
        rule!("6.9-2", "2b", |x| optional_content(
            1,
            "<< /Name (Default) /Order [{0} 0 R] >>",
            pick(
                x,
                "/Configs [<< /Name (Default) /Order [{0} 0 R] >>]",
                "/Configs [<< /Name (Other) /Order [{0} 0 R] >>]"
            )
        )),
        rule!("6.9-3", "2b", |x| optional_content(
            2,
            pick(
                x,
                "<< /Name (Default) /Order [{0} 0 R] >>",
                "<< /Name (Default) /Order [{0} 0 R {1} 0 R] >>"
            ),
            ""
        )),
        rule!("6.9-4", "2b", |x| optional_content(
            1,
            pick(
                x,
                "<< /Name (Default) /Order [{0} 0 R] /AS [<< /Event /View /Category [/Zoom] /OCGs [{0} 0 R] >>] >>",
                "<< /Name (Default) /Order [{0} 0 R] >>"
            ),
            ""
        )),
        // 6.10, 6.11
        rule!("6.10-1", "2b", |x| b(|p| p.catalog = pick(
            x,
            " /Names << /AlternatePresentations << /Names [] >> >>",
            " /Names << >>"
        )
        .into())),
        rule!("6.10-2", "2b", |x| b(
            |p| p.page = pick(x, " /PresSteps << /Type /NavNode >>", "").into()
        )),
        rule!("6.11-1", "2b", |x| b(|p| p.catalog = pick(
            x,
            " /Requirements [<< /Type /Requirement /S /EnableJavaScripts >>]",
            ""
        )
        .into())),
        // 6.7 Logical structure (level A)
        rule!("6.7.2.2-1", "2a", |x| with("2a", |p| p.mark_info = Some(
            pick(
                x,
                "/MarkInfo << /Marked false >>",
                "/MarkInfo << /Marked true >>"
            )
            .into()
        ))),
        rule!("6.7.3.3-1", "2a", |x| with("2a", |p| if x {
            p.struct_tree = None
        })),
        rule!("6.7.3.4-1", "2a", |x| structure(
            pick(
                x,
                "<< /Type /StructTreeRoot /K {k} 0 R >>",
                "<< /Type /StructTreeRoot /K {k} 0 R /RoleMap << /Note2 /P >> >>"
            ),
            "<< /Type /StructElem /S /Note2 >>"
        )),
        rule!("6.7.3.4-2", "2a", |x| structure(
            &format!(
                "<< /Type /StructTreeRoot /K {{k}} 0 R /RoleMap << /Note2 /Note3 /Note3 /{} >> >>",
                pick(x, "Note2", "P")
            ),
            "<< /Type /StructElem /S /Note2 >>"
        )),
        rule!("6.7.3.4-3", "2a", |x| structure(
            pick(
                x,
                "<< /Type /StructTreeRoot /K {k} 0 R /RoleMap << /P /Note2 >> >>",
                "<< /Type /StructTreeRoot /K {k} 0 R >>"
            ),
            "<< /Type /StructElem /S /P >>"
        )),
        rule!("6.7.4-1", "2a", |x| with("2a", |p| p.catalog = replace(
            &p.catalog,
            "/Lang (en)",
            pick(x, "/Lang (en_GB!)", "/Lang (en-GB)")
        ))),
        // 6.2.11 Fonts
        rule!("6.2.11.2-1", "2b", |x| type3_text(
            "2b",
            &type3_font("").replace_if(x, "/Type /Font", "/Type /Fnt"),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
        rule!("6.2.11.2-2", "2b", |x| font_text(
            &format!(
                "<< /Type /Font /Subtype /{} /BaseFont /Helvetica /FirstChar 97 /LastChar 97 /Widths [500] /FontDescriptor {{fd}} 0 R >>",
                pick(x, "Type2", "Type1")
            ),
            32,
            "FontFile3",
            ""
        )),
        rule!("6.2.11.2-3", "2b", |x| font_text(
            pick(
                x,
                "<< /Type /Font /Subtype /Type1 /FirstChar 97 /LastChar 97 /Widths [500] /FontDescriptor {fd} 0 R >>",
                "<< /Type /Font /Subtype /Type1 /BaseFont /Recapito /FirstChar 97 /LastChar 97 /Widths [500] /FontDescriptor {fd} 0 R >>"
            ),
            32,
            "FontFile3",
            ""
        )),
        rule!("6.2.11.2-4", "2b", |x| type3_text(
            "2b",
            &type3_font("").replace_if(x, "/FirstChar 97 ", ""),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
        rule!("6.2.11.2-5", "2b", |x| type3_text(
            "2b",
            &type3_font("").replace_if(x, "/LastChar 98 ", ""),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
        rule!("6.2.11.2-6", "2b", |x| type3_text(
            "2b",
            &type3_font("").replace_if(x, "/Widths [1000 1000]", "/Widths [1000 1000 1000]"),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
        rule!("6.2.11.3.1-1", "2b", |x| type0(
            "/GB-EUC-H",
            pick(
                x,
                "<< /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >>",
                "<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
            )
        )),
        rule!("6.2.11.2-7", "2b", |x| b(|p| {
            let ff = p.add_stream(
                &format!("/Subtype /{}", pick(x, "Type1", "Type1C")),
                &cff(&[66]),
            );
            let fd = p.add(format!(
                "<< /Type /FontDescriptor /FontName /Recapito /Flags 32 /FontBBox [0 0 1000 1000] \
                 /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile3 {ff} 0 R >>"
            ));
            let f = p.add(format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /Recapito /FirstChar 97 /LastChar 97 \
                 /Widths [500] /FontDescriptor {fd} 0 R >>"
            ));
            p.paint(
                &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
                &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td (a) Tj ET"),
            );
        })),
        rule!("6.2.11.3.2-1", "2b", |x| cid_truetype(
            "Recapito",
            pick(x, "", "/CIDToGIDMap /Identity"),
            "",
            b""
        )),
        rule!("6.2.11.4.2-1", "2b", |x| b(|p| {
            let program = cff(&[66, 67]);
            let ff = p.add_stream("/Subtype /Type1C", &program);
            let fd = p.add(format!(
                "<< /Type /FontDescriptor /FontName /ABCDEF+Recapito /Flags 32 \
                 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 \
                 /CapHeight 700 /StemV 80 /CharSet ({}) /FontFile3 {ff} 0 R >>",
                pick(x, "/a", "/a/b")
            ));
            let f = p.add(format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Recapito /FirstChar 97 \
                 /LastChar 97 /Widths [500] /Encoding /WinAnsiEncoding /FontDescriptor {fd} 0 R >>"
            ));
            p.paint(
                &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
                &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td (a) Tj ET"),
            );
        })),
        rule!("6.2.11.4.2-2", "2b", |x| cid_truetype(
            "ABCDEF+Recapito",
            "/CIDToGIDMap /Identity",
            "/CIDSet {set} 0 R",
            pick(x, b"\x80", b"\xc0")
        )),
        rule!("6.2.11.6-1", "2b", |x| truetype_text(
            truetype(2, pick(x, &[(3, 0)][..], &[(3, 0), (3, 1)])),
            32,
            "/Encoding /WinAnsiEncoding"
        )),
        rule!("6.2.11.6-4", "2b", |x| truetype_text(
            truetype(2, &[(1, 0), pick(x, (3, 1), (3, 0))]),
            4,
            ""
        )),
        rule!("6.2.11.3.3-1", "2b", |x| type0(
            pick(x, "/Recapito-H", "/Identity-H"),
            "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        )),
        rule!("6.2.11.3.3-2", "2b", |x| type0_embedded(cmap(
            pick(x, 1, 0),
            0,
            0,
            ""
        ))),
        rule!("6.2.11.3.3-3", "2b", |x| type0_embedded(cmap(
            0,
            0,
            0,
            pick(x, "/UseCMap /Recapito-Base", "/UseCMap /Identity-H")
        ))),
        rule!("6.2.11.4.1-1", "2b", |x| font_text(
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 97 /LastChar 97 \
             /Widths [500] /FontDescriptor {fd} 0 R >>",
            32,
            pick(x, "", "FontFile3"),
            ""
        )),
        rule!("6.2.11.4.1-2", "2b", |x| type3_text(
            "2b",
            &type3_font("").replace_if(x, "/b {b} 0 R", ""),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
        rule!("6.2.11.5-1", "2b", |x| type3_text(
            "2b",
            &type3_font("").replace_if(x, "/Widths [1000 1000]", "/Widths [1000 500]"),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
        rule!("6.2.11.6-2", "2b", |x| truetype_text(
            truetype(2, &[(3, 1)]),
            32,
            pick(
                x,
                "/Encoding /StandardEncoding",
                "/Encoding /WinAnsiEncoding"
            )
        )),
        rule!("6.2.11.6-3", "2b", |x| truetype_text(
            truetype(2, &[(3, 0)]),
            4,
            pick(x, "/Encoding /WinAnsiEncoding", "")
        )),
        rule!("6.2.11.7.2-1", "2u", |x| unicode_text(
            "2u",
            "/Differences [97 /g1 /g2]",
            pick(x, None, Some(("0061", "0062"))),
            ""
        )),
        rule!("6.2.11.7.2-2", "2u", |x| unicode_text(
            "2u",
            "/Differences [97 /a /b]",
            Some((pick(x, "0000", "0061"), "0062")),
            ""
        )),
        rule!("6.2.11.7.3-1", "2a", |x| unicode_text(
            "2a",
            "/Differences [97 /a /b]",
            Some(("E000", "0062")),
            pick(x, "", "/ActualText (ab)")
        )),
        rule!("6.2.11.8-1", "2b", |x| type3_text(
            "2b",
            &type3_font("")
                .replace_if(
                    x,
                    "/Differences [97 /a /b]",
                    "/Differences [97 /a /.notdef]"
                )
                .replace_if(x, "/b {b} 0 R", "/.notdef {b} 0 R"),
            "BT /F 12 Tf 10 10 Td (ab) Tj ET"
        )),
    ]
}

/// Runs every case and reports every disagreement at once. `RULES_VERBOSE=1` prints what the
/// validator says of each file; `RULES_DUMP=DIR` writes them all to `DIR`
/// (`6.1.3-1-2b-broken.pdf`, `…-twin.pdf`), e.g. to compare with veraPDF.
#[test]
fn each_rule_is_broken_by_its_case_and_its_twin_conforms() {
    let verbose = std::env::var_os("RULES_VERBOSE").is_some();
    let dump = std::env::var_os("RULES_DUMP").map(std::path::PathBuf::from);
    let mut problems = Vec::new();
    for case in cases() {
        let broken = (case.broken)();
        let twin = (case.twin)();
        let name = format!("{} ({})", case.rule, case.flavour);
        if verbose {
            println!(
                "{name}: broken {}; twin {}",
                verdict(&broken),
                verdict(&twin)
            );
        }
        if let Some(dir) = &dump {
            std::fs::create_dir_all(dir).expect("the dump folder");
            for (what, bytes) in [("broken", &broken), ("twin", &twin)] {
                let file = dir.join(format!("{}-{}-{what}.pdf", case.rule, case.flavour));
                std::fs::write(&file, bytes).expect("a dumped file");
            }
        }
        if broken == twin {
            problems.push(format!("{name}: the broken file and its twin are the same"));
        }
        if !conforms(&twin) {
            problems.push(format!("{name}: FALSE ALARM, the twin {}", verdict(&twin)));
        }
        match (breaks(&broken, case.rule), case.known_gap) {
            (true, None) => {}
            (false, None) => problems.push(format!(
                "{name}: the broken file is not refused for this rule: it {}",
                verdict(&broken)
            )),
            (true, Some(why)) => problems.push(format!(
                "{name}: the known gap \"{why}\" is closed (the broken file {}): remove the mark",
                verdict(&broken)
            )),
            (false, Some(_)) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every twin declares the level of its case in its XMP, and so does the broken file of a
/// level A or U case (level B's include the broken identifications of 6.6.4).
#[test]
fn each_file_declares_its_flavour() {
    for case in cases() {
        let mut files = vec![("twin", (case.twin)())];
        if case.flavour != "2b" {
            files.push(("broken file", (case.broken)()));
        }
        for (what, file) in files {
            let start = find(&file, b"<?xpacket begin").expect("an XMP packet");
            let end = start + find(&file[start..], b"endstream").expect("its end");
            let (part, level) = pdfa::pdfa_identification(&file[start..end])
                .unwrap_or_else(|| panic!("{}: the {what} has no identification", case.rule));
            assert_eq!(part, "2", "{} {what}", case.rule);
            assert_eq!(level, conformance(case.flavour), "{} {what}", case.rule);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The rule ids of a veraPDF profile (`PDFA-2B.xml`), from
/// `../shared/verapdf-profiles/` beside the workspace.
fn profile_rules(file: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/verapdf-profiles")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text).expect("a well-formed profile");
    doc.descendants()
        .filter(|n| n.has_tag_name("rule"))
        .map(|rule| {
            let id = rule
                .children()
                .find(|c| c.has_tag_name("id"))
                .expect("a rule has an id");
            format!(
                "{}-{}",
                id.attribute("clause").expect("a clause"),
                id.attribute("testNumber").expect("a test number")
            )
        })
        .collect()
}

/// How many rule ids the table covers at least (it only goes up; 6.1.13-7, more than
/// 8 388 607 indirect objects, needs a file far above `pdfa::MAX_PDF_BYTES`).
const COVERED: usize = 152;

/// The table's rule ids are unique and each is a rule of its flavour's profile; prints how
/// many of the profiles' rules the table covers.
/// Rules the validator implements that have no case here, each with why.
const IMPLEMENTED_WITHOUT_CASE: &[(&str, &str)] = &[(
    "6.1.13-7",
    "more than 8 388 607 indirect objects needs a file far larger than MAX_PDF_BYTES, refused \
     for its size first",
)];

/// The validator's own rule table (`pdfa::rules::IMPLEMENTED`) and this table agree: a rule it
/// claims to check has a case here that it catches, and a rule it does not catch (a known gap)
/// is not claimed.
#[test]
fn the_rules_the_validator_claims_are_the_rules_it_catches() {
    let implemented: BTreeSet<String> = pdfa::rules::IMPLEMENTED
        .iter()
        .map(|r| r.to_string())
        .collect();
    let mut problems = Vec::new();
    let cases = cases();
    for case in &cases {
        if case.known_gap.is_some() && implemented.contains(case.rule) {
            problems.push(format!(
                "{} is claimed as implemented, but its case is a known gap",
                case.rule
            ));
        }
    }
    let caught: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.known_gap.is_none())
        .map(|c| c.rule)
        .collect();
    for rule in &implemented {
        let excused = IMPLEMENTED_WITHOUT_CASE.iter().any(|(r, _)| r == rule);
        if !caught.contains(rule.as_str()) && !excused {
            problems.push(format!(
                "{rule} is claimed as implemented but has no case here"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_table_names_each_profile_rule_at_most_once() {
    let mut all = BTreeSet::new();
    let mut per_flavour = BTreeMap::new();
    for flavour in ["2a", "2b", "2u"] {
        let rules = profile_rules(&profile_file(flavour));
        assert!(rules.len() > 100, "{flavour}: {} rules", rules.len());
        all.extend(rules.iter().cloned());
        per_flavour.insert(flavour, rules);
    }
    let mut seen = BTreeSet::new();
    for case in cases() {
        assert!(
            seen.insert(case.rule),
            "{} is in the table twice",
            case.rule
        );
        let rules = per_flavour
            .get(case.flavour)
            .unwrap_or_else(|| panic!("{}: unknown flavour {}", case.rule, case.flavour));
        assert!(
            rules.contains(case.rule),
            "{} is not a rule of {}",
            case.rule,
            profile_file(case.flavour)
        );
    }
    assert!(
        seen.len() >= COVERED,
        "the table covers {} rules, fewer than the {COVERED} it did: a case was lost",
        seen.len()
    );
    let gaps = cases().iter().filter(|c| c.known_gap.is_some()).count();
    let missing: Vec<&String> = all.iter().filter(|r| !seen.contains(r.as_str())).collect();
    println!(
        "rules with a case: {} of {} ({} known gaps); without a case: {}",
        seen.len(),
        all.len(),
        gaps,
        missing
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// A font used only in text rendering mode 3 (invisible) need not be embedded (ISO 19005-2,
/// 6.2.11.4.1; veraPDF 6.2.11.4.1-1: `renderingMode == 3 || containsFontFile == true`).
#[test]
fn a_font_shown_only_in_rendering_mode_3_need_not_be_embedded() {
    let invisible = font_text(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FontDescriptor {fd} 0 R >>",
        32,
        "",
        "3 Tr",
    );
    assert!(conforms(&invisible), "it {}", verdict(&invisible));
}

/// A file close to a rule without breaking it: the rule, what the file shows, the file.
type Variant = (&'static str, &'static str, fn() -> Vec<u8>);

/// Files that come close to a rule without breaking it: each must conform (a failure is a
/// false alarm).
fn conforming_variants() -> Vec<Variant> {
    vec![
        ("6.1.2-1", "the header %PDF-1.4", || {
            b(|p| p.header = b"%PDF-1.4\n".to_vec())
        }),
        ("6.1.2-1", "the header followed by CR LF", || {
            b(|p| p.header = b"%PDF-1.7\r\n".to_vec())
        }),
        ("6.1.3-3", "CR LF after the last %%EOF", || {
            b(|p| p.tail = b"\r\n".to_vec())
        }),
        ("6.1.3-3", "nothing after the last %%EOF", || {
            b(|p| p.tail = Vec::new())
        }),
        ("6.1.4-2", "xref followed by CR LF", || {
            b(|p| p.xref_eol = b"\r\n".to_vec())
        }),
        ("6.1.6-1", "a hexadecimal string with white space", || {
            object("[<41 42\n43 44>]")
        }),
        (
            "6.1.7.1-2",
            "stream followed by CR LF, endstream after CR LF",
            || {
                b(|p| {
                    p.add_raw(|n| {
                        format!("{n} 0 obj\n<< /Length 4 >>\nstream\r\nabcd\r\nendstream\nendobj\n")
                            .into_bytes()
                    });
                })
            },
        ),
        ("6.1.13-1", "the integer -2147483648", || {
            object("[-2147483648]")
        }),
        ("6.1.13-11", "a page box of 14400 units", || {
            b(|p| p.media_box = "[0 0 14400 14400]".into())
        }),
        (
            "6.2.4.3-4",
            "DeviceGray with an RGB output intent (any output intent will do)",
            || {
                b(|p| {
                    p.content = b"0.5 g 0 0 10 10 re f".to_vec();
                    p.output_intent(b"RGB ");
                })
            },
        ),
        (
            "6.2.4.3-2",
            "DeviceRGB with a DefaultRGB colour space",
            || {
                b(|p| {
                    let profile = p.add_icc(&icc(b"mntr", b"RGB ", 2));
                    p.paint(
                        &format!("/ColorSpace << /DefaultRGB [/ICCBased {profile} 0 R] >>"),
                        "1 0 0 rg 0 0 10 10 re f",
                    );
                })
            },
        ),
        (
            "6.2.10-2",
            "transparency without a page group, with a PDF/A output intent",
            || {
                b(|p| {
                    p.output_intent(b"RGB ");
                    let gs = p.add("<< /Type /ExtGState /ca 0.5 >>");
                    p.paint(
                        &format!("{LAB_RESOURCES} /ExtGState << /G {gs} 0 R >>"),
                        &format!("{LAB_PAINT}/G gs 0 0 10 10 re f"),
                    );
                })
            },
        ),
        ("6.3.2-1", "a Popup annotation without F", || {
            annotation("<< /Type /Annot /Subtype /Popup /Rect [0 0 10 10] >>")
        }),
        ("6.3.3-1", "a Link annotation without an appearance", || {
            annotation(
                "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /F 4 \
                 /A << /S /URI /URI (http://example.com/) >> >>",
            )
        }),
        (
            "6.3.3-1",
            "a zero-size annotation without an appearance",
            || annotation("<< /Type /Annot /Subtype /Square /Rect [5 5 5 5] /F 4 >>"),
        ),
        (
            "6.5.1-2",
            "the named actions FirstPage, LastPage, PrevPage",
            || {
                b(|p| {
                    p.catalog = " /OpenAction << /S /Named /N /FirstPage /Next [<< /S /Named \
                             /N /LastPage >> << /S /Named /N /PrevPage >>] >>"
                        .into()
                })
            },
        ),
        ("6.7.4-1", "an empty Lang", || {
            with("2a", |p| {
                p.catalog = replace(&p.catalog, "/Lang (en)", "/Lang ()")
            })
        }),
        ("6.8-5", "an embedded file that is PDF/A-2a", || {
            embedded("/F (a.pdf) /UF (a.pdf)", &flavour("2a").build())
        }),
        ("6.1.3-1", "ID as literal strings", || {
            b(|p| p.id = Some("[(abcdefgh) (abcdefgh)]".into()))
        }),
        ("6.1.6-2", "a hexadecimal string in lower case", || {
            object("[<4a4b4c4d>]")
        }),
        (
            "6.1.9-1",
            "objects after CR LF, endobj followed by CR LF",
            || {
                b(|p| {
                    p.add_raw(|n| format!("\r\n{n} 0 obj\r\n[1]\r\nendobj\r\n").into_bytes());
                })
            },
        ),
        ("6.1.13-3", "a hexadecimal string of 32767 bytes", || {
            object(&format!("[<{}>]", "41".repeat(32767)))
        }),
        (
            "6.1.13-4",
            "a name of 127 bytes once #xx escapes are expanded",
            || object(&format!("[/#41#42#43{}]", "a".repeat(124))),
        ),
        ("6.2.2-1", "a defined operator between BX and EX", || {
            b(|p| p.content = b"BX q Q EX".to_vec())
        }),
        (
            "6.2.4.2-2",
            "ICCBased CMYK with overprint mode 1 and overprinting off",
            || {
                b(|p| {
                    let profile = p.add_icc(&icc(b"prtr", b"CMYK", 2));
                    let gs = p.add("<< /Type /ExtGState /op false /OP false /OPM 1 >>");
                    p.paint(
                    &format!(
                        "/ColorSpace << /C [/ICCBased {profile} 0 R] >> /ExtGState << /G {gs} 0 R >>"
                    ),
                    "/G gs /C cs 0 0 0 1 sc 0 0 10 10 re f",
                );
                })
            },
        ),
        (
            "6.2.4.4-1",
            "DeviceN of process colorants without Colorants",
            || {
                b(|p| {
                    let f = p.add_stream(
                        "/FunctionType 4 /Domain [0 1 0 1] /Range [0 100 -128 127 -128 127]",
                        b"{ pop pop 50 0 0 }",
                    );
                    let cs = p.add(format!("[/DeviceN [/Cyan /Magenta] {LAB} {f} 0 R]"));
                    p.paint(
                        &format!("/ColorSpace << /C {cs} 0 R >>"),
                        "/C cs 0.5 0.5 scn 0 0 10 10 re f",
                    );
                })
            },
        ),
        (
            "6.2.5-6",
            "a type 5 halftone whose Cyan component has no TransferFunction",
            || {
                ext_gstate(
                    "<< /Type /ExtGState /HT << /Type /Halftone /HalftoneType 5 \
                 /Default << /Type /Halftone /HalftoneType 1 /Frequency 60 /Angle 45 /SpotFunction /Round >> \
                 /Cyan << /Type /Halftone /HalftoneType 1 /Frequency 60 /Angle 15 /SpotFunction /Round >> >> >>",
                )
            },
        ),
        ("6.2.5-4", "the halftone /Default", || {
            ext_gstate("<< /Type /ExtGState /HT /Default >>")
        }),
        (
            "6.2.6-1",
            "an image with the rendering intent Saturation",
            || xobject(image("/Intent /Saturation")),
        ),
        ("6.2.10-1", "a blend mode array of standard modes", || {
            b(|p| {
                let profile = p.add_icc(&icc(b"mntr", b"RGB ", 2));
                let gs = p.add("<< /Type /ExtGState /BM [/Multiply /Normal] >>");
                p.page.push_str(&format!(
                    " /Group << /S /Transparency /CS [/ICCBased {profile} 0 R] >>"
                ));
                p.paint(
                    &format!("{LAB_RESOURCES} /ExtGState << /G {gs} 0 R >>"),
                    &format!("{LAB_PAINT}/AbsoluteColorimetric ri /G gs 0 0 10 10 re f"),
                );
            })
        }),
        (
            "6.3.3-3",
            "a button widget whose field type is inherited, with appearance states",
            || {
                b(|p| {
                    let ap = p.add(form(""));
                    let field = ap + 2;
                    let w = p.add(format!(
                        "<< /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /F 4 /AS /Off \
                     /AP << /N << /Off {ap} 0 R /On {ap} 0 R >> >> /Parent {field} 0 R >>"
                    ));
                    let f = p.add(format!("<< /FT /Btn /T (b) /Kids [{w} 0 R] >>"));
                    assert_eq!(f, field);
                    p.page.push_str(&format!(" /Annots [{w} 0 R]"));
                    p.catalog
                        .push_str(&format!(" /AcroForm << /Fields [{f} 0 R] >>"));
                })
            },
        ),
        (
            "6.6.2.1-2",
            "an xpacket header in single quotes with an empty begin",
            || b(|p| p.xpacket = "begin='' id='W5M0MpCehiHzreSzNTczkc9d'".into()),
        ),
        (
            "6.6.2.3.1-1",
            "properties of several predefined schemas",
            || {
                xmp(
                    "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
                 xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" \
                 xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\">\
                 <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">A title</rdf:li></rdf:Alt></dc:title>\
                 <dc:creator><rdf:Seq><rdf:li>Someone</rdf:li></rdf:Seq></dc:creator>\
                 <xmp:CreateDate>2026-12-07T10:00:00Z</xmp:CreateDate>\
                 <xmp:CreatorTool>Recapito</xmp:CreatorTool>\
                 <pdf:Producer>Recapito</pdf:Producer><pdf:Keywords>a, b</pdf:Keywords>\
                 <xmpMM:DocumentID>uuid:6c1e2d1a-0000-4000-8000-000000000000</xmpMM:DocumentID>\
                 </rdf:Description>",
                )
            },
        ),
        (
            "6.2.11.7.2-1",
            "Type 3 glyph names of the Adobe Glyph List without ToUnicode (level U)",
            || unicode_text("2u", "/Differences [97 /a /b]", None, ""),
        ),
        (
            "6.2.11.7.2-1",
            "Type 3 glyph names uni0061 and u0062 without ToUnicode (level U)",
            || unicode_text("2u", "/Differences [97 /uni0061 /u0062]", None, ""),
        ),
        (
            "6.2.11.6-2",
            "a non-symbolic TrueType font whose Differences name a glyph of the Adobe Glyph List",
            || {
                truetype_text(
                    truetype(2, &[(3, 1)]),
                    32,
                    "/Encoding << /BaseEncoding /WinAnsiEncoding /Differences [97 /a] >>",
                )
            },
        ),
        ("6.8-2", "a file specification whose UF is UTF-16BE", || {
            embedded(
                "/F (a.pdf) /UF <FEFF0061002E007000640066>",
                &flavour("2b").build(),
            )
        }),
        (
            "6.1.7.1-1",
            "a stream whose Length is an indirect object",
            || {
                b(|p| {
                    let len = p.add("4");
                    p.add(format!("<< /Length {len} 0 R >>\nstream\nabcd\nendstream"));
                })
            },
        ),
        (
            "6.2.4.3-3",
            "DeviceCMYK with a DefaultCMYK colour space",
            || {
                b(|p| {
                    let profile = p.add_icc(&icc(b"prtr", b"CMYK", 2));
                    p.paint(
                        &format!("/ColorSpace << /DefaultCMYK [/ICCBased {profile} 0 R] >>"),
                        "0 0 0 1 k 0 0 10 10 re f",
                    );
                })
            },
        ),
        (
            "6.2.4.3-4",
            "an inline DeviceGray image with a Gray output intent",
            || {
                b(|p| {
                    p.output_intent(b"GRAY");
                    p.content =
                        b"q 10 0 0 10 0 0 cm BI /W 1 /H 1 /CS /G /BPC 8 /I false ID\n\x80\nEI Q"
                            .to_vec();
                })
            },
        ),
        (
            "6.2.8.3-2",
            "a JPEG2000 image with two colour specifications and a ColorSpace",
            || {
                xobject(stream(
                    &format!(
                        "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace {LAB} \
                     /BitsPerComponent 8 /Filter /JPXDecode"
                    ),
                    &jp2(3, 7, &[(1, 0, 16), (1, 0, 16)]),
                ))
            },
        ),
        (
            "6.3.2-2",
            "a Text annotation with NoZoom and NoRotate",
            || {
                annotation(
                    "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /F 28 /AP << /N {ap} 0 R >> >>",
                )
            },
        ),
        (
            "6.5.1-1",
            "a URI action followed by SubmitForm and GoToR",
            || {
                b(|p| {
                    p.catalog = " /OpenAction << /S /URI /URI (http://example.com/) /Next [\
                             << /S /SubmitForm /F << /FS /URL /F (http://example.com/) >> >> \
                             << /S /GoToR /F (other.pdf) /D [0 /Fit] >>] >>"
                        .into()
                })
            },
        ),
        (
            "6.7.3.3-1",
            "a tagged page: a P element owning marked content, a parent tree",
            || {
                with("2a", |p| {
                    let a = p.add(type3_glyph(1000));
                    let bb = p.add(type3_glyph(1000));
                    let tu = p.add(to_unicode(&[(97, "0061"), (98, "0062")]));
                    let f = p.add(
                        type3_font(&format!("/ToUnicode {tu} 0 R"))
                            .replace("{a}", &a.to_string())
                            .replace("{b}", &bb.to_string()),
                    );
                    let root = p.add(String::new());
                    let doc = p.add(String::new());
                    let para = p.add(format!(
                        "<< /Type /StructElem /S /P /P {doc} 0 R /Pg 3 0 R /K 0 /Lang (en-GB) >>"
                    ));
                    p.objects_replace(
                        doc,
                        format!(
                            "<< /Type /StructElem /S /Document /P {root} 0 R /K [{para} 0 R] >>"
                        ),
                    );
                    p.objects_replace(
                    root,
                    format!(
                        "<< /Type /StructTreeRoot /K [{doc} 0 R] /ParentTree << /Nums [0 [{para} 0 R]] >> \
                         /ParentTreeNextKey 1 >>"
                    ),
                );
                    p.struct_tree = None;
                    p.catalog.push_str(&format!(" /StructTreeRoot {root} 0 R"));
                    p.page.push_str(" /StructParents 0 /Tabs /S");
                    p.paint(
                        &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
                        &format!(
                            "{LAB_PAINT}/P << /MCID 0 >> BDC BT /F 12 Tf 10 10 Td (ab) Tj ET EMC"
                        ),
                    );
                })
            },
        ),
        ("6.8-5", "an embedded file that declares PDF/A-1b", || {
            embedded("/F (a.pdf) /UF (a.pdf)", &{
                let mut p = flavour("2b");
                p.header = b"%PDF-1.4\n".to_vec();
                p.part = "1".into();
                p.build()
            })
        }),
    ]
}

/// Glyph names outside the Adobe Glyph List: in a non-symbolic TrueType font's Differences
/// (6.2.11.6-2, exactly as listed: `uni0061` is not), and shown without ToUnicode (6.2.11.7.2-1).
#[test]
fn glyph_names_outside_the_adobe_glyph_list_are_refused() {
    for name in ["/g1", "/uni0061", "/.notdef"] {
        let file = truetype_text(
            truetype(2, &[(3, 1)]),
            32,
            &format!("/Encoding << /BaseEncoding /WinAnsiEncoding /Differences [98 {name}] >>"),
        );
        assert!(breaks(&file, "6.2.11.6-2"), "{name}: it {}", verdict(&file));
    }
    let file = unicode_text("2u", "/Differences [97 /a /uniD800]", None, "");
    assert!(breaks(&file, "6.2.11.7.2-1"), "it {}", verdict(&file));
    let file = unicode_text("2u", "/Differences [97 /a /g2]", None, "");
    assert!(breaks(&file, "6.2.11.7.2-1"), "it {}", verdict(&file));
}

/// A level U file showing "a" (code 97) in a Type 1 font without Encoding nor ToUnicode whose
/// embedded program's built-in encoding names code 97 `glyph`.
fn type1_builtin_text(glyph: &str) -> Vec<u8> {
    with("2u", |p| {
        let program = format!(
            "%!PS-AdobeFont-1.0: Recapito 001.000\n/FontName /Recapito def\n\
             /Encoding 256 array\n0 1 255 {{1 index exch /.notdef put}} for\n\
             dup 97 /{glyph} put\nreadonly def\ncurrentfile eexec\n"
        );
        let ff = p.add_stream(
            &format!("/Length1 {} /Length2 0 /Length3 0", program.len()),
            program.as_bytes(),
        );
        let fd = p.add(format!(
            "<< /Type /FontDescriptor /FontName /Recapito /Flags 4 /FontBBox [0 0 1000 1000] \
             /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile {ff} 0 R >>"
        ));
        let f = p.add(format!(
            "<< /Type /Font /Subtype /Type1 /BaseFont /Recapito /FirstChar 97 /LastChar 97 \
             /Widths [500] /FontDescriptor {fd} 0 R >>"
        ));
        p.paint(
            &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
            &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td (a) Tj ET"),
        );
    })
}

/// 6.2.11.7.2-1 reads a Type 1 program's built-in encoding when the font has no Encoding: a
/// name outside the Adobe Glyph List needs a ToUnicode map, a name in it does not.
#[test]
fn a_type1_programs_builtin_glyph_names_need_unicode() {
    let file = type1_builtin_text("g1");
    assert!(breaks(&file, "6.2.11.7.2-1"), "it {}", verdict(&file));
    for glyph in ["a", "uni0061"] {
        let file = type1_builtin_text(glyph);
        assert!(conforms(&file), "{glyph}: it {}", verdict(&file));
    }
}

/// 6.2.11.7.2-1 per code: a ToUnicode map that gives code 97 (`/g1`) a value but not code 98
/// leaves 98 to its glyph name, `/g2` (outside the list: refused) or `/b` (in it: conforms).
#[test]
fn a_code_the_tounicode_map_misses_falls_back_to_its_glyph_name() {
    let file = |second: &'static str| {
        with("2u", move |p| {
            let a = p.add(type3_glyph(1000));
            let bb = p.add(type3_glyph(1000));
            let tu = p.add(to_unicode(&[(97, "0061")]));
            let font = replace(
                &type3_font(&format!("/ToUnicode {tu} 0 R")),
                "/Differences [97 /a /b]",
                &format!("/Differences [97 /g1 /{second}]"),
            );
            let font = replace(
                &font,
                "/a {a} 0 R /b {b} 0 R",
                &format!("/g1 {a} 0 R /{second} {bb} 0 R"),
            );
            let f = p.add(font);
            p.paint(
                &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
                &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td (ab) Tj ET"),
            );
        })
    };
    let broken = file("g2");
    assert!(breaks(&broken, "6.2.11.7.2-1"), "it {}", verdict(&broken));
    let twin = file("b");
    assert!(conforms(&twin), "it {}", verdict(&twin));
}

/// A name-keyed CFF program (FontFile3 `Type1C`) with a custom encoding: `.notdef` and one
/// glyph per name of `glyphs` (custom strings), code `codes[i]` selecting glyph `i + 1`.
fn cff_encoded(glyphs: &[&str], codes: &[u8]) -> Vec<u8> {
    fn index(items: &[&[u8]]) -> Vec<u8> {
        let mut out = (items.len() as u16).to_be_bytes().to_vec();
        if items.is_empty() {
            return out;
        }
        out.push(1);
        let mut at = 1u8;
        out.push(at);
        for i in items {
            at += i.len() as u8;
            out.push(at);
        }
        for i in items {
            out.extend_from_slice(i);
        }
        out
    }
    let int = |v: usize| {
        let mut b = vec![29];
        b.extend_from_slice(&(v as i32).to_be_bytes());
        b
    };
    let name = index(&[b"Recapito"]);
    let strings: Vec<&[u8]> = glyphs.iter().map(|g| g.as_bytes()).collect();
    let strings = index(&strings);
    // Header, Name INDEX, Top DICT INDEX (charset 15, Encoding 16, CharStrings 17: 18
    // bytes), String INDEX, Global Subr INDEX (empty), charset, encoding, CharStrings.
    let charset_at = 4 + name.len() + (2 + 1 + 2 + 18) + strings.len() + 2;
    let encoding_at = charset_at + 1 + 2 * glyphs.len();
    let charstrings_at = encoding_at + 2 + codes.len();
    let mut top = int(charset_at);
    top.push(15);
    top.extend(int(encoding_at));
    top.push(16);
    top.extend(int(charstrings_at));
    top.push(17);
    let mut out = vec![1, 0, 4, 1];
    out.extend(name);
    out.extend(index(&[&top]));
    out.extend(strings);
    out.extend(index(&[]));
    assert_eq!(out.len(), charset_at);
    out.push(0);
    for i in 0..glyphs.len() {
        out.extend_from_slice(&(391 + i as u16).to_be_bytes());
    }
    out.push(0);
    out.push(codes.len() as u8);
    out.extend_from_slice(codes);
    assert_eq!(out.len(), charstrings_at);
    let glyph: &[u8] = &[248, 136, 14];
    out.extend(index(&vec![glyph; glyphs.len() + 1]));
    out
}

/// 6.2.11.7.2-1 reads a Type1C program's custom encoding when the font has no Encoding.
#[test]
fn a_type1c_programs_builtin_glyph_names_need_unicode() {
    let file = |glyph: &'static str| {
        with("2u", move |p| {
            let ff = p.add_stream("/Subtype /Type1C", &cff_encoded(&[glyph], &[97]));
            let fd = p.add(format!(
                "<< /Type /FontDescriptor /FontName /ABCDEF+Recapito /Flags 4 \
                 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 \
                 /CapHeight 700 /StemV 80 /CharSet (/{glyph}) /FontFile3 {ff} 0 R >>"
            ));
            let f = p.add(format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Recapito /FirstChar 97 \
                 /LastChar 97 /Widths [500] /FontDescriptor {fd} 0 R >>"
            ));
            p.paint(
                &format!("{LAB_RESOURCES} /Font << /F {f} 0 R >>"),
                &format!("{LAB_PAINT}BT /F 12 Tf 10 10 Td (a) Tj ET"),
            );
        })
    };
    let broken = file("g1");
    assert!(breaks(&broken, "6.2.11.7.2-1"), "it {}", verdict(&broken));
    for glyph in ["alpha", "uni0061"] {
        let twin = file(glyph);
        assert!(conforms(&twin), "{glyph}: it {}", verdict(&twin));
    }
}

/// Every conforming variant conforms (`RULES_VERBOSE=1` prints what the validator says).
#[test]
fn files_close_to_a_rule_without_breaking_it_conform() {
    let verbose = std::env::var_os("RULES_VERBOSE").is_some();
    let mut false_alarms = Vec::new();
    for (rule, what, file) in conforming_variants() {
        let file = file();
        if verbose {
            println!("{rule} {what}: {}", verdict(&file));
        }
        if !conforms(&file) {
            false_alarms.push(format!("{rule} {what}: it {}", verdict(&file)));
        }
    }
    assert!(
        false_alarms.is_empty(),
        "{} false alarm(s):\n{}",
        false_alarms.len(),
        false_alarms.join("\n")
    );
}
