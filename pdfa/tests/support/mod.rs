//! What `tests/rules.rs` builds its files with: a small PDF/A-2 writer (`Pdf`: a conforming
//! one-page file of the chosen level, with knobs for what a rule is about), the colour spaces,
//! ICC profiles, fonts and XMP fragments the cases share, and the adapter between a file and a
//! veraPDF rule id (`breaks`, `conforms`), the one place that knows how the validator reports.

#![allow(dead_code)] // Shared by test targets that use different parts.

use std::fmt::Write as _;

/// `check` reports `rule` (a veraPDF rule id, `6.1.3-1`) among the findings of `bytes`,
/// checked at the level the file claims.
pub fn breaks(bytes: &[u8], rule: &str) -> bool {
    report(bytes)
        .findings
        .iter()
        .any(|f| f.rule.to_string() == rule)
}

/// `check` finds nothing wrong with `bytes`.
pub fn conforms(bytes: &[u8]) -> bool {
    report(bytes).passed()
}

/// Every finding of `bytes`, for messages.
pub fn verdict(bytes: &[u8]) -> String {
    let r = report(bytes);
    if r.passed() {
        return format!("conforms ({})", r.flavour);
    }
    let findings: Vec<String> = r.findings.iter().map(|f| f.to_string()).collect();
    format!("fails ({}): {}", r.flavour, findings.join("; "))
}

fn report(bytes: &[u8]) -> pdfa::Report {
    pdfa::check(bytes, &pdfa::Options::default())
}

/// The clause of a rule id: `6.1.7.1-2` → `6.1.7.1`.
pub fn clause_of(rule: &str) -> &str {
    rule.rsplit_once('-').map_or(rule, |(clause, _)| clause)
}

/// The `pdfaid:conformance` letter of a flavour (`2a` → `A`).
pub fn conformance(flavour: &str) -> &'static str {
    match flavour {
        "2a" => "A",
        "2b" => "B",
        "2u" => "U",
        other => panic!("unknown flavour {other}"),
    }
}

/// The profile file of a flavour (`2a` → `PDFA-2A.xml`).
pub fn profile_file(flavour: &str) -> String {
    format!("PDFA-{}.xml", flavour.to_uppercase())
}

/// A conforming one-page PDF/A-2 file of a flavour (`2a`, `2b`, `2u`: its XMP declares that
/// level), with what the level requires (level A: `MarkInfo`, a structure tree, `Lang`), as a
/// starting point.
pub fn flavour(flavour: &str) -> Pdf {
    Pdf::new(flavour)
}

/// `Lab` with the D65 white point: a device-independent colour space that needs no ICC profile
/// nor output intent.
pub const LAB: &str = "[/Lab << /WhitePoint [0.9505 1 1.089] >>]";

/// A type 2 function from one input to three Lab components.
pub const TINT: &str = "<< /FunctionType 2 /Domain [0 1] /C0 [100 0 0] /C1 [0 0 0] /N 1 >>";

/// Another one, different from `TINT`.
pub const TINT2: &str = "<< /FunctionType 2 /Domain [0 1] /C0 [100 0 0] /C1 [50 0 0] /N 1 >>";

/// Content that sets a Lab fill and stroke colour (`/L` in `LAB_RESOURCES`) so that what is
/// painted next uses no device colour.
pub const LAB_PAINT: &str = "/L cs 50 0 0 sc /L CS 50 0 0 SC\n";

/// The `ColorSpace` entry naming `LAB` as `/L`.
pub const LAB_RESOURCES: &str = "/ColorSpace << /L [/Lab << /WhitePoint [0.9505 1 1.089] >>] >>";

/// The bytes of an ICC profile header (128 bytes, no tags): `class` (`mntr`, `prtr`, `scnr`…),
/// colour `space` (`RGB `, `CMYK`, `GRAY`, `Lab `), major `version`.
pub fn icc(class: &[u8; 4], space: &[u8; 4], version: u8) -> Vec<u8> {
    let mut p = vec![0u8; 132];
    p[0..4].copy_from_slice(&132u32.to_be_bytes());
    p[8] = version;
    p[9] = 0x10;
    p[12..16].copy_from_slice(class);
    p[16..20].copy_from_slice(space);
    p[20..24].copy_from_slice(b"XYZ ");
    p[36..40].copy_from_slice(b"acsp");
    // D50 illuminant.
    p[68..80].copy_from_slice(&[0, 0, 0xf6, 0xd6, 0, 1, 0, 0, 0, 0, 0xd3, 0x2d]);
    p
}

/// The body of an indirect stream object: `<< dict /Length n >>`, `data`.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

/// `hay` with the first `from` replaced by `to`; panics if `from` is absent (a case that
/// mutates nothing would prove nothing).
pub fn replace(hay: &str, from: &str, to: &str) -> String {
    assert!(hay.contains(from), "{from:?} is not in {hay:?}");
    hay.replacen(from, to, 1)
}

/// `pick(broken, a, b)`: `a` for the broken file, `b` for its conforming twin.
pub fn pick<T>(broken: bool, a: T, b: T) -> T {
    if broken { a } else { b }
}

pub const PDFAID: &str = "http://www.aiim.org/pdfa/ns/id/";

/// A PDF/A-2 extension schema container declaring the schema `rec:` (one Text property
/// `note`) and a value type `Pair` with one field: every field the container may have.
pub const EXTENSION: &str = r#"<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#" xmlns:pdfaType="http://www.aiim.org/pdfa/ns/type#" xmlns:pdfaField="http://www.aiim.org/pdfa/ns/field#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Recapito test schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://example.com/recapito/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>rec</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>note</pdfaProperty:name>
<pdfaProperty:valueType>Text</pdfaProperty:valueType>
<pdfaProperty:category>external</pdfaProperty:category>
<pdfaProperty:description>A note</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
<pdfaSchema:valueType><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaType:type>Pair</pdfaType:type>
<pdfaType:namespaceURI>http://example.com/recapito/pair/</pdfaType:namespaceURI>
<pdfaType:prefix>pair</pdfaType:prefix>
<pdfaType:description>Two texts</pdfaType:description>
<pdfaType:field><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaField:name>first</pdfaField:name>
<pdfaField:valueType>Text</pdfaField:valueType>
<pdfaField:description>The first text</pdfaField:description>
</rdf:li></rdf:Seq></pdfaType:field>
</rdf:li></rdf:Seq></pdfaSchema:valueType>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:rec="http://example.com/recapito/"><rec:note>hello</rec:note></rdf:Description>
"#;

/// A one-page PDF/A-2 file, written from scratch: object 1 the catalog, 2 the page tree, 3
/// the page, 4 its content stream, 5 the metadata stream, then what `add` adds. Every field is
/// a knob a case may turn; `build` writes a classic cross-reference table and trailer.
pub struct Pdf {
    /// `%PDF-1.7` and the end-of-line marker.
    pub header: Vec<u8>,
    /// The comment line after the header, with its end-of-line marker.
    pub binary_comment: Vec<u8>,
    /// `pdfaid:part`.
    pub part: String,
    /// `pdfaid:conformance`.
    pub conformance: String,
    /// The attributes of the `<?xpacket begin=…?>` processing instruction.
    pub xpacket: String,
    /// `rdf:Description`s added to the XMP packet, after the identification.
    pub xmp_extra: String,
    /// The identification's `rdf:Description` (built from `part` and `conformance` if `None`).
    pub identification: Option<String>,
    /// The whole metadata stream's data, instead of the XMP built from the fields above.
    pub xmp_override: Option<Vec<u8>>,
    /// Whether the catalog has `Metadata`.
    pub metadata_in_catalog: bool,
    /// More catalog entries.
    pub catalog: String,
    /// Level A: the `MarkInfo` entry of the catalog.
    pub mark_info: Option<String>,
    /// Level A: the `StructTreeRoot` dictionary (an indirect object).
    pub struct_tree: Option<String>,
    /// More entries of the page tree root.
    pub pages: String,
    /// More page entries.
    pub page: String,
    pub media_box: String,
    /// The page's `Resources`, `None` for none.
    pub resources: Option<String>,
    /// The page's content stream (unfiltered).
    pub content: Vec<u8>,
    /// More trailer entries.
    pub trailer: String,
    /// The trailer's `ID` value, `None` for no `ID`.
    pub id: Option<String>,
    /// What follows `xref` before the subsection header.
    pub xref_eol: Vec<u8>,
    /// What follows the last `%%EOF`.
    pub tail: Vec<u8>,
    /// Objects 6…: the body of `n 0 obj … endobj`, or the whole object written as is.
    objects: Vec<Obj>,
}

enum Obj {
    Body(Vec<u8>),
    Raw(Vec<u8>),
}

const FIRST_ADDED: usize = 6;

impl Pdf {
    /// See `flavour`.
    pub fn new(flavour: &str) -> Pdf {
        let level_a = flavour == "2a";
        let mut pdf = Pdf {
            header: b"%PDF-1.7\n".to_vec(),
            binary_comment: b"%\xe2\xe3\xcf\xd3\n".to_vec(),
            part: "2".into(),
            conformance: conformance(flavour).into(),
            xpacket: "begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"".into(),
            xmp_extra: String::new(),
            identification: None,
            xmp_override: None,
            metadata_in_catalog: true,
            catalog: String::new(),
            mark_info: level_a.then(|| "/MarkInfo << /Marked true >>".into()),
            struct_tree: level_a.then(|| "<< /Type /StructTreeRoot >>".into()),
            pages: String::new(),
            page: String::new(),
            media_box: "[0 0 200 200]".into(),
            resources: Some("<< >>".into()),
            content: Vec::new(),
            trailer: String::new(),
            id: Some(
                "[<4F21C15395DA7D89C9CA9AC9B6A982BC> <4F21C15395DA7D89C9CA9AC9B6A982BC>]".into(),
            ),
            xref_eol: b"\n".to_vec(),
            tail: b"\n".to_vec(),
            objects: Vec::new(),
        };
        if level_a {
            // The page has no content to tag: the structure tree may stay empty.
            pdf.catalog.push_str(" /Lang (en)");
        }
        pdf
    }

    /// Adds an indirect object; its number.
    pub fn add(&mut self, body: impl Into<Vec<u8>>) -> usize {
        self.objects.push(Obj::Body(body.into()));
        FIRST_ADDED + self.objects.len() - 1
    }

    /// Replaces the body of the added object `n` (to refer to objects added after it).
    pub fn objects_replace(&mut self, n: usize, body: impl Into<Vec<u8>>) {
        self.objects[n - FIRST_ADDED] = Obj::Body(body.into());
    }

    /// Adds an indirect stream object.
    pub fn add_stream(&mut self, dict: &str, data: &[u8]) -> usize {
        self.add(stream(dict, data))
    }

    /// Adds an object written exactly as `raw(n)` says (`n 0 obj` … `endobj` and the end of
    /// line after it included); its number `n`.
    pub fn add_raw(&mut self, raw: impl FnOnce(usize) -> Vec<u8>) -> usize {
        let n = FIRST_ADDED + self.objects.len();
        self.objects.push(Obj::Raw(raw(n)));
        n
    }

    /// Adds an ICC profile stream (`N` from its colour space); its number.
    pub fn add_icc(&mut self, profile: &[u8]) -> usize {
        let n = match &profile[16..20] {
            b"GRAY" => 1,
            b"CMYK" => 4,
            _ => 3,
        };
        self.add_stream(&format!("/N {n}"), profile)
    }

    /// Gives the file a PDF/A output intent with a monitor (RGB, Gray) or printer (CMYK)
    /// profile of `space`; the profile's object number.
    pub fn output_intent(&mut self, space: &[u8; 4]) -> usize {
        let class = if space == b"CMYK" { b"prtr" } else { b"mntr" };
        let profile = self.add_icc(&icc(class, space, 2));
        let intent = self.add(format!(
            "<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (Custom) \
             /DestOutputProfile {profile} 0 R >>"
        ));
        write!(self.catalog, " /OutputIntents [{intent} 0 R]").expect("a string");
        profile
    }

    /// The page's resources become `entries` (e.g. `/XObject << /X 6 0 R >>`).
    pub fn resources(&mut self, entries: &str) {
        self.resources = Some(format!("<< {entries} >>"));
    }

    /// `resources` and `content` in one.
    pub fn paint(&mut self, resources: &str, content: &str) {
        self.resources(resources);
        self.content = content.as_bytes().to_vec();
    }

    /// The XMP packet the metadata stream holds.
    pub fn xmp(&self) -> Vec<u8> {
        if let Some(x) = &self.xmp_override {
            return x.clone();
        }
        let identification = self.identification.clone().unwrap_or_else(|| {
            format!(
                "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID}\" \
                 pdfaid:part=\"{}\" pdfaid:conformance=\"{}\"/>",
                self.part, self.conformance
            )
        });
        format!(
            "<?xpacket {}?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
             <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
             <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
             <dc:format>application/pdf</dc:format></rdf:Description>\n\
             {identification}\n{}</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>",
            self.xpacket, self.xmp_extra
        )
        .into_bytes()
    }

    /// The file.
    pub fn build(&self) -> Vec<u8> {
        let mut catalog = String::from("<< /Type /Catalog /Pages 2 0 R");
        if self.metadata_in_catalog {
            catalog.push_str(" /Metadata 5 0 R");
        }
        if let Some(m) = &self.mark_info {
            write!(catalog, " {m}").expect("a string");
        }
        let struct_tree = self.struct_tree.as_ref().map(|s| {
            let n = FIRST_ADDED + self.objects.len();
            write!(catalog, " /StructTreeRoot {n} 0 R").expect("a string");
            s.clone().into_bytes()
        });
        write!(catalog, " {} >>", self.catalog).expect("a string");
        let mut page = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {} /Contents 4 0 R",
            self.media_box
        );
        if let Some(r) = &self.resources {
            write!(page, " /Resources {r}").expect("a string");
        }
        write!(page, " {} >>", self.page).expect("a string");
        let mut objects: Vec<Vec<u8>> = vec![
            catalog.into_bytes(),
            format!("<< /Type /Pages /Kids [3 0 R] /Count 1 {} >>", self.pages).into_bytes(),
            page.into_bytes(),
            stream("", &self.content),
            stream("/Type /Metadata /Subtype /XML", &self.xmp()),
        ];
        let mut out = self.header.clone();
        out.extend_from_slice(&self.binary_comment);
        let mut offsets = Vec::new();
        for (i, body) in objects.drain(..).enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(&body);
            out.extend_from_slice(b"\nendobj\n");
        }
        for (i, o) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            match o {
                Obj::Body(body) => {
                    out.extend_from_slice(format!("{} 0 obj\n", i + FIRST_ADDED).as_bytes());
                    out.extend_from_slice(body);
                    out.extend_from_slice(b"\nendobj\n");
                }
                Obj::Raw(raw) => out.extend_from_slice(raw),
            }
        }
        if let Some(body) = struct_tree {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
            out.extend_from_slice(&body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(b"xref");
        out.extend_from_slice(&self.xref_eol);
        out.extend_from_slice(
            format!("0 {}\n0000000000 65535 f\r\n", offsets.len() + 1).as_bytes(),
        );
        for at in &offsets {
            out.extend_from_slice(format!("{at:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size {} /Root 1 0 R", offsets.len() + 1).as_bytes(),
        );
        if let Some(id) = &self.id {
            out.extend_from_slice(format!(" /ID {id}").as_bytes());
        }
        out.extend_from_slice(format!(" {} >>\nstartxref\n{xref}\n%%EOF", self.trailer).as_bytes());
        out.extend_from_slice(&self.tail);
        out
    }
}

/// A Type 3 font (glyphs `a` and `b`, codes 97 and 98, 1000 units wide): the font
/// dictionary's body, where `{a}` and `{b}` stand for the object numbers of the glyph
/// procedures (`type3_glyph`). `extra` goes into the dictionary.
pub fn type3_font(extra: &str) -> String {
    format!(
        "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 750 750] \
         /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << /a {{a}} 0 R /b {{b}} 0 R >> \
         /Encoding << /Type /Encoding /Differences [97 /a /b] >> /FirstChar 97 /LastChar 98 \
         /Widths [1000 1000] /Resources << >> {extra} >>"
    )
}

/// A Type 3 glyph procedure `width` wide (`d1`: shape only, painted in the current colour).
pub fn type3_glyph(width: u32) -> Vec<u8> {
    stream(
        "",
        format!("{width} 0 0 0 750 750 d1 0 0 750 750 re f").as_bytes(),
    )
}

/// A `ToUnicode` CMap for one-byte codes mapping each `(code, unicode)` pair.
pub fn to_unicode(pairs: &[(u8, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
         1 begincodespacerange <00> <FF> endcodespacerange\n",
    );
    writeln!(s, "{} beginbfchar", pairs.len()).expect("a string");
    for (code, u) in pairs {
        writeln!(s, "<{code:02X}> <{u}>").expect("a string");
    }
    s.push_str("endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n");
    stream("", s.as_bytes())
}

/// A minimal TrueType program: `glyphs` glyphs (0 is `.notdef`) 1000 units wide on a
/// 1000-unit em, and one format 6 `cmap` subtable per `(platform, encoding)` mapping the code
/// 97 to glyph 1 (`0xF061` for the symbol subtable (3,0)). No outlines: the tables the
/// validator reads (`head`, `hhea`, `hmtx`, `maxp`, `cmap`) and nothing else.
pub fn truetype(glyphs: u16, cmaps: &[(u16, u16)]) -> Vec<u8> {
    let mut head = vec![0u8; 54];
    head[0..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    head[12..16].copy_from_slice(&0x5F0F_3CF5u32.to_be_bytes());
    head[18..20].copy_from_slice(&1000u16.to_be_bytes());
    let mut hhea = vec![0u8; 36];
    hhea[0..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    hhea[34..36].copy_from_slice(&1u16.to_be_bytes());
    let hmtx = [0x03, 0xe8, 0, 0].to_vec();
    let mut maxp = 0x0000_5000u32.to_be_bytes().to_vec();
    maxp.extend_from_slice(&glyphs.to_be_bytes());
    let mut cmap = Vec::new();
    cmap.extend_from_slice(&0u16.to_be_bytes());
    cmap.extend_from_slice(&(cmaps.len() as u16).to_be_bytes());
    let records = 4 + 8 * cmaps.len();
    let mut subtables = Vec::new();
    for &(platform, encoding) in cmaps {
        cmap.extend_from_slice(&platform.to_be_bytes());
        cmap.extend_from_slice(&encoding.to_be_bytes());
        cmap.extend_from_slice(&((records + subtables.len()) as u32).to_be_bytes());
        let first: u16 = if (platform, encoding) == (3, 0) {
            0xF061
        } else {
            97
        };
        for v in [6u16, 12, 0, first, 1, 1] {
            subtables.extend_from_slice(&v.to_be_bytes());
        }
    }
    cmap.extend(subtables);
    let tables: [(&[u8; 4], Vec<u8>); 5] = [
        (b"cmap", cmap),
        (b"head", head),
        (b"hhea", hhea),
        (b"hmtx", hmtx),
        (b"maxp", maxp),
    ];
    let mut out = 0x0001_0000u32.to_be_bytes().to_vec();
    for v in [5u16, 64, 2, 16] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut data = Vec::new();
    for (tag, t) in &tables {
        out.extend_from_slice(*tag);
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(t.len() as u32).to_be_bytes());
        let mut padded = t.clone();
        padded.resize(t.len().div_ceil(4) * 4, 0);
        offset += padded.len();
        data.extend(padded);
    }
    out.extend(data);
    out
}

/// A PKCS#7 signature of `tests/fixtures/signatures/` (`one-signer`, `no-certificate`,
/// `two-signers`).
pub fn pkcs7(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/signatures")
        .join(format!("{name}.p7s"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// What `signature` writes for `ByteRange` until `sign` fills it in.
const BYTE_RANGE: &str = "/ByteRange [0 0 0 0                                        ]";

/// The body of a signature dictionary holding `pkcs7` (padded with zeros, as signers do) and
/// `extra` entries; `sign` fills in its `ByteRange` once the file is written.
pub fn signature(pkcs7: &[u8], extra: &str) -> String {
    let mut hex: String = pkcs7.iter().map(|b| format!("{b:02X}")).collect();
    hex.push_str(&"0".repeat(256));
    format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
         /M (D:20260101000000Z) {BYTE_RANGE} /Contents <{hex}> {extra} >>"
    )
}

/// `file` with the `ByteRange` of its one `signature` filled in: everything but the
/// `Contents` string, less `short` bytes at the end (0 for a range covering the whole file).
pub fn sign(mut file: Vec<u8>, short: usize) -> Vec<u8> {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let at = find(&file, BYTE_RANGE.as_bytes()).expect("a signature to sign");
    let start = at + find(&file[at..], b"/Contents <").expect("its Contents") + 10;
    let end = start + find(&file[start..], b">").expect("the end of its Contents") + 1;
    let range = format!("/ByteRange [0 {start} {end} {}", file.len() - end - short);
    let filled = format!("{range:<width$}]", width = BYTE_RANGE.len() - 1);
    assert_eq!(filled.len(), BYTE_RANGE.len());
    file[at..at + filled.len()].copy_from_slice(filled.as_bytes());
    file
}

/// A minimal name-keyed CFF program (FontFile3 `Type1C`): `.notdef` and the glyphs of the
/// standard strings `sids` (`a` is 66, `b` 67), each 500 units wide, with no outline.
pub fn cff(sids: &[u16]) -> Vec<u8> {
    /// An INDEX of `items` with one-byte offsets.
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
    // Header, Name INDEX, Top DICT INDEX (charset 15, CharStrings 17: 12 bytes), String
    // INDEX and Global Subr INDEX (both empty), charset, CharStrings.
    let name = index(&[b"Recapito"]);
    let top_len = 4 + name.len() + (2 + 1 + 2 + 12) + 2 + 2;
    let charset_at = top_len;
    let charstrings_at = charset_at + 1 + 2 * sids.len();
    let mut top = int(charset_at);
    top.push(15);
    top.extend(int(charstrings_at));
    top.push(17);
    let mut out = vec![1, 0, 4, 1];
    out.extend(name);
    out.extend(index(&[&top]));
    out.extend(index(&[]));
    out.extend(index(&[]));
    assert_eq!(out.len(), charset_at);
    out.push(0);
    for sid in sids {
        out.extend_from_slice(&sid.to_be_bytes());
    }
    // 500 (248 136) as the width, then endchar.
    let glyph: &[u8] = &[248, 136, 14];
    let glyphs = vec![glyph; sids.len() + 1];
    out.extend(index(&glyphs));
    out
}
