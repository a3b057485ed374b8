//! The PDF validator of Recapito's gateway (and of `check-pdf`, `cli`): attachments must be
//! real, unencrypted PDFs that conform to PDF/A-2 (ISO 19005-2, levels A, B and U). Synchronous
//! and CPU-bound: callers on the async runtime use `spawn_blocking`.
//!
//! The rules are veraPDF's PDF/A-2 profiles (`rules`: every rule's id, `6.1.13-5`, message
//! template and flavours, generated from PDFA-2A/2B/2U.xml). `check` reports every broken rule
//! of a file as `Finding`s (rule, veraPDF's message with the offending values, the object), for
//! the flavour the file claims or the one asked for; `validate` answers the first finding, as
//! the gateway needs. Agreement with the veraPDF corpus is measured per clause by
//! `tests/pdf_corpus.rs`, the rule table against the profiles by `tests/coverage.rs` (see
//! `docs/pdfa.md`).
//!
//! - `syntax`: the raw bytes (6.1.2 header, 6.1.3 end of file, 6.1.4 xref, 6.1.6 strings,
//!   6.1.7.1 stream keywords, 6.1.9 object spacing, 6.1.13 token limits), where lopdf is lenient;
//! - `model`: the object model lopdf builds (trailer, catalog, actions, forms, annotations,
//!   graphics, fonts, output intents, embedded files, logical structure);
//! - `content`: content streams (operators, limits, resources used for rendering);
//! - `xmp`: the metadata stream (6.6: identification, schemas, value types).
//!
//! Hostile input is bounded: the file size, each decompressed stream and the total decompressed
//! per file (lopdf's loader included: `loader`), the work and the wall time of a validation
//! (`budget`), the nesting of objects, the depth of every reference chain and tree walk. Nothing
//! in here should panic; a panic in lopdf is caught and reported as an unreadable file.

pub mod bombs;
mod budget;
mod cff;
pub mod cli;
mod content;
mod fonts;
mod lexer;
mod loader;
mod logical;
mod model;
mod pkcs7;
pub mod rules;
mod syntax;
mod truetype;
mod xmp;

use std::cell::{Cell, RefCell};
use std::fmt;

use lopdf::{Dictionary, Document, Object, Stream};

use budget::{Budget, too_complex};
pub use budget::{
    DEFAULT_TIMEOUT, Limits, MAX_DECODED_TOTAL, MAX_LOADER_TOTAL, MAX_STREAM_BYTES, MAX_WORK, Spent,
};
pub use rules::{Flavour, Rule, RuleId};

/// The largest PDF accepted.
pub const MAX_PDF_BYTES: usize = 32 * 1024 * 1024;

/// How deep embedded files may nest (each is validated as a PDF/A file itself, 6.8).
const MAX_EMBEDDING: usize = 2;

/// How many findings a check reports by default (veraPDF caps failed checks likewise).
pub const DEFAULT_MAX_FINDINGS: usize = 100;

/// Why a file failed: the first finding of `check`, as `validate` has always answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFailure {
    pub kind: FailureKind,
    /// The ISO 19005-2 clause (`6.1.13`; `limits` for the validation budget).
    pub clause: &'static str,
    /// veraPDF's message, its arguments filled (or, for a file that cannot be checked at all,
    /// why).
    pub reason: String,
    /// The rule broken (`6.1.13-5`).
    pub rule: RuleId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Not a readable PDF at all.
    NotPdf,
    /// Encrypted (even with an empty user password).
    Encrypted,
    /// A PDF, but not one conforming to PDF/A-2.
    NotPdfA,
    /// Checking it would take more time, work or decompressed bytes than one validation may.
    TooComplex,
}

impl fmt::Display for PdfFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.clause, self.reason)
    }
}

/// One broken rule: which, where, and veraPDF's message with the offending values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub clause: &'static str,
    /// veraPDF's message template with its `%n` arguments filled; for the conditions no profile
    /// rule names (test number 0: unreadable file, budget), our own sentence.
    pub message: String,
    /// Where: `obj 12 0 R (PDFont)`, `page 3 content stream`, `trailer`… (empty if unknown).
    pub object: String,
    pub kind: FailureKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.rule, self.message)?;
        if !self.object.is_empty() {
            write!(f, " [{}]", self.object)?;
        }
        Ok(())
    }
}

impl From<Finding> for PdfFailure {
    fn from(f: Finding) -> Self {
        PdfFailure {
            kind: f.kind,
            clause: f.clause,
            reason: f.message,
            rule: f.rule,
        }
    }
}

/// How to check a file.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The flavour to check against; `None`: the one the file's XMP metadata claims
    /// (`pdfaid:part` 2, `pdfaid:conformance` A, B or U), 2b if it claims none.
    pub flavour: Option<Flavour>,
    pub limits: Limits,
    /// Findings reported at most; past them the report says `truncated`.
    pub max_findings: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            flavour: None,
            limits: Limits::default(),
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }
}

/// Where the flavour of a report comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlavourSource {
    /// `Options::flavour`.
    Forced,
    /// The file's PDF/A identification (XMP `pdfaid:part` 2 and `pdfaid:conformance`).
    Claimed,
    /// The file claims no PDF/A-2 level (or cannot be read that far): checked as 2b.
    Default,
}

/// What `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub flavour: Flavour,
    pub flavour_source: FlavourSource,
    /// Every broken rule found, in the order found; empty for a conforming file.
    pub findings: Vec<Finding>,
    /// The check stopped at `Options::max_findings` findings: more may have been left out.
    pub truncated: bool,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

/// A finding of `rule`, veraPDF's message for `flavour` filled with `args`.
pub(crate) fn finding(rule: RuleId, flavour: Flavour, args: &[String]) -> Finding {
    let message = match rule.rule() {
        Some(r) => rules::fill(r.template(flavour), args),
        None => args.join(" "),
    };
    Finding {
        rule,
        clause: rule.clause(),
        message,
        object: String::new(),
        kind: FailureKind::NotPdfA,
    }
}

fn fail(kind: FailureKind, rule: RuleId, reason: impl Into<String>) -> Finding {
    Finding {
        rule,
        clause: rule.clause(),
        message: reason.into(),
        object: String::new(),
        kind,
    }
}

/// A conformance failure of `rule`, veraPDF's message filled with `args` (`%1`, `%2`…).
pub(crate) fn nope(rule: RuleId, args: &[&dyn fmt::Display]) -> Finding {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    finding(rule, Flavour::B, &args)
}

/// A conformance failure no profile rule names (test number 0), with our own sentence.
pub(crate) fn nope_why(rule: RuleId, reason: impl Into<String>) -> Finding {
    fail(FailureKind::NotPdfA, rule, reason)
}

pub(crate) type Check = Result<(), Finding>;

/// Checks `bytes` against PDF/A-2 and reports every broken rule (up to
/// `options.max_findings`). A file that cannot be checked at all (not a PDF, encrypted, over
/// the budget) ends the check with one finding of that kind.
pub fn check(bytes: &[u8], options: &Options) -> Report {
    let budget = Budget::new(options.limits);
    check_at(bytes, 0, &budget, options)
}

/// Validates `bytes` as a PDF/A-2 attachment, within the default limits.
pub fn validate(bytes: &[u8]) -> Result<(), PdfFailure> {
    validate_with(bytes, Limits::default())
}

/// Validates `bytes` as a PDF/A-2 attachment, within `limits` (the deadline counts from now).
pub fn validate_with(bytes: &[u8], limits: Limits) -> Result<(), PdfFailure> {
    validate_measured(bytes, limits).0
}

/// `validate_with`, and what the validation spent. The first finding of `check` (which stops
/// there): the flavour the file claims, 2b if none.
pub fn validate_measured(bytes: &[u8], limits: Limits) -> (Result<(), PdfFailure>, Spent) {
    let budget = Budget::new(limits);
    let options = Options {
        flavour: None,
        limits,
        max_findings: 1,
    };
    let report = check_at(bytes, 0, &budget, &options);
    let verdict = match report.findings.into_iter().next() {
        None => Ok(()),
        Some(f) => Err(f.into()),
    };
    (verdict, budget.spent())
}

/// `check` for a file embedded `embedding` levels deep, sharing the budget of the file that
/// embeds it.
fn check_at(bytes: &[u8], embedding: usize, budget: &Budget, options: &Options) -> Report {
    let mut report = Report {
        flavour: options.flavour.unwrap_or(Flavour::B),
        flavour_source: if options.flavour.is_some() {
            FlavourSource::Forced
        } else {
            FlavourSource::Default
        },
        findings: Vec::new(),
        truncated: false,
    };
    if bytes.len() > MAX_PDF_BYTES {
        report.findings.push(fail(
            FailureKind::NotPdf,
            RuleId::clause_only("6.1.13"),
            format!("larger than {MAX_PDF_BYTES} bytes"),
        ));
        return report;
    }
    if !bytes.starts_with(b"%PDF-") {
        report.findings.push(fail(
            FailureKind::NotPdf,
            RuleId::clause_only("6.1.2"),
            "the file does not start with %PDF-",
        ));
        return report;
    }
    let sink = Sink::new(options.max_findings);
    // Our own code avoids panics; this is for the parser's, and for the loader's filter, which
    // abandons a load that goes over budget by unwinding (`loader::Abandoned`).
    // A panic leaves nothing behind but the budget's counters, which only ever grow.
    let run =
        std::panic::AssertUnwindSafe(|| run_checks(bytes, embedding, budget, &sink, &mut report));
    let end = std::panic::catch_unwind(run).unwrap_or_else(|payload| {
        match payload.downcast::<loader::Abandoned>() {
            Ok(abandoned) => Err(too_complex(abandoned.0)),
            Err(_) => Err(fail(
                FailureKind::NotPdf,
                rules::UNREADABLE,
                "the parser gave up on this file",
            )),
        }
    });
    let mut findings = sink.findings.into_inner();
    match end {
        Ok(()) => {}
        // The cap was reached: the finding that stopped the check is already in.
        Err(_) if sink.full.get() => report.truncated = true,
        // Not a PDF, encrypted, over budget: the check ends with this one finding.
        Err(f) if f.kind != FailureKind::NotPdfA => findings = vec![f],
        Err(f) => findings.push(f),
    }
    report.findings = findings;
    report
}

fn run_checks(
    bytes: &[u8],
    embedding: usize,
    budget: &Budget,
    sink: &Sink,
    report: &mut Report,
) -> Check {
    let body_start = syntax::header(bytes, sink)?;
    syntax::end_of_file(bytes, sink)?;
    let doc = loader::load(bytes, budget)?;
    // lopdf decrypts files with an empty user password silently: check both.
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        let mut f = fail(
            FailureKind::Encrypted,
            rules::R6_1_3_2,
            "the file is encrypted (Encrypt in the trailer)",
        );
        f.object = "trailer (CosTrailer)".into();
        return Err(f);
    }
    let ctx = Ctx {
        doc: &doc,
        budget,
        embedding,
        flavour: Cell::new(report.flavour),
        flavour_source: Cell::new(report.flavour_source),
        sink,
        unit: RefCell::new(String::new()),
    };
    let body = match body_start {
        Some(start) => syntax::body(bytes, start, &doc, budget, sink)?,
        None => syntax::Body::default(),
    };
    let end = model::check(&ctx, &body);
    // The metadata check reads the flavour the file claims.
    report.flavour = ctx.flavour.get();
    report.flavour_source = ctx.flavour_source.get();
    end
}

/// Where the findings of one check go.
pub(crate) struct Sink {
    findings: RefCell<Vec<Finding>>,
    max: usize,
    full: Cell<bool>,
}

impl Sink {
    pub fn new(max: usize) -> Sink {
        Sink {
            findings: RefCell::new(Vec::new()),
            max: max.max(1),
            full: Cell::new(false),
        }
    }

    /// Records a conformance finding; an error stops the check (cap reached, or a fatal one).
    pub fn report(&self, f: Finding) -> Check {
        if f.kind != FailureKind::NotPdfA || self.full.get() {
            return Err(f);
        }
        let mut findings = self.findings.borrow_mut();
        // The raw bytes and the object model may both see the same broken value.
        if findings.contains(&f) {
            return Ok(());
        }
        findings.push(f.clone());
        if findings.len() >= self.max {
            self.full.set(true);
            return Err(f);
        }
        Ok(())
    }
}

/// What every check shares: the document, the budget, the flavour and where findings go.
pub(crate) struct Ctx<'a> {
    pub doc: &'a Document,
    budget: &'a Budget,
    pub embedding: usize,
    /// The flavour checked: forced, or the default until the metadata says otherwise.
    flavour: Cell<Flavour>,
    flavour_source: Cell<FlavourSource>,
    sink: &'a Sink,
    /// The object being checked, for findings that do not say where they are.
    unit: RefCell<String>,
}

/// How many references a chain may follow before it counts as a loop.
const MAX_REFERENCE_HOPS: usize = 32;

impl<'a> Ctx<'a> {
    pub fn flavour(&self) -> Flavour {
        self.flavour.get()
    }

    /// The flavour the file's metadata claims, unless one was forced. The rules before the
    /// metadata check (file structure, objects, catalog) are those of every flavour.
    pub fn claimed(&self, flavour: Flavour) {
        if self.flavour_source.get() != FlavourSource::Forced {
            self.flavour.set(flavour);
            self.flavour_source.set(FlavourSource::Claimed);
        }
    }

    /// Whether the flavour checked holds `rule` (2a's structure rules, 2a's and 2u's Unicode
    /// rules are not part of 2b).
    pub fn has_rule(&self, rule: RuleId) -> bool {
        rule.rule().is_none_or(|r| r.in_flavour(self.flavour()))
    }

    /// A finding of `rule` with veraPDF's message for the flavour checked.
    pub fn nope(&self, rule: RuleId, args: &[&dyn fmt::Display]) -> Finding {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        finding(rule, self.flavour(), &args)
    }

    /// Records a conformance finding and goes on; an error stops the check (the cap reached,
    /// or a file that cannot be checked further). A rule the flavour lacks is dropped.
    pub fn report(&self, mut f: Finding) -> Check {
        if f.kind == FailureKind::NotPdfA && !self.has_rule(f.rule) {
            return Ok(());
        }
        let unit = self.unit.borrow();
        if !unit.is_empty() {
            if f.object.is_empty() {
                f.object = match f.rule.rule() {
                    Some(r) => format!("{unit} ({})", r.object),
                    None => unit.clone(),
                };
            } else if f.object.starts_with("offset ") {
                // Where the lexer stopped, within the stream being read.
                f.object = format!("{unit}, {}", f.object);
            }
        }
        drop(unit);
        self.sink.report(f)
    }

    /// The outcome of checking one object (`unit`: `obj 12 0 R`, `page 3`…): a conformance
    /// finding is recorded and the check goes on with the next object.
    pub fn collect(&self, unit: impl fmt::Display, r: Check) -> Check {
        match r {
            Err(mut f) if f.kind == FailureKind::NotPdfA => {
                if f.object.is_empty() {
                    f.object = match f.rule.rule() {
                        Some(rule) => format!("{unit} ({})", rule.object),
                        None => unit.to_string(),
                    };
                } else if f.object.starts_with("offset ") {
                    f.object = format!("{unit}, {}", f.object);
                }
                self.report(f)
            }
            other => other,
        }
    }

    /// Checks one object (`unit`): `f`'s findings, reported as it goes or returned, name it
    /// unless they say where they are; a conformance finding returned does not stop the check.
    pub fn check_unit(&self, unit: impl fmt::Display, f: impl FnOnce() -> Check) -> Check {
        let unit = unit.to_string();
        let r = self.within(&unit, f);
        self.collect(unit, r)
    }

    /// Runs `f` with `unit` as the object findings name unless they say otherwise.
    pub fn within<T>(&self, unit: impl fmt::Display, f: impl FnOnce() -> T) -> T {
        let previous = self.unit.replace(unit.to_string());
        let out = f();
        *self.unit.borrow_mut() = previous;
        out
    }

    /// 6.8: an embedded file is itself a PDF/A-1 or PDF/A-2 file.
    pub fn embedded_file(&self, data: &[u8]) -> Check {
        if self.embedding >= MAX_EMBEDDING {
            return Err(nope(rules::R6_8_5, &[]));
        }
        let options = Options {
            flavour: None,
            limits: *self.budget.limits(),
            max_findings: 1,
        };
        let report = check_at(data, self.embedding + 1, self.budget, &options);
        match report.findings.into_iter().next() {
            None => Ok(()),
            Some(e) if e.kind == FailureKind::TooComplex => Err(e),
            Some(_) => Err(nope(rules::R6_8_5, &[])),
        }
    }

    /// Counts `units` of work (an object, an operator, a glyph, a kilobyte parsed); refuses the
    /// file past the work budget or the deadline. Every loop over attacker-sized input calls it.
    pub fn tick(&self, units: u64) -> Check {
        self.budget.tick(units)
    }

    /// Follows references; a dangling one or a loop gives `Null`.
    pub fn resolve(&self, mut o: &'a Object) -> &'a Object {
        for _ in 0..MAX_REFERENCE_HOPS {
            match o {
                Object::Reference(id) => match self.doc.objects.get(id) {
                    Some(next) => o = next,
                    None => return &Object::Null,
                },
                _ => return o,
            }
        }
        &Object::Null
    }

    /// `resolve` for an object that may not live in the document (an inline image's operand).
    pub fn resolve_any<'b>(&'b self, o: &'b Object) -> &'b Object
    where
        'a: 'b,
    {
        match o {
            Object::Reference(_) => {
                let mut cur = o;
                for _ in 0..MAX_REFERENCE_HOPS {
                    match cur {
                        Object::Reference(id) => match self.doc.objects.get(id) {
                            Some(next) => cur = next,
                            None => return &Object::Null,
                        },
                        _ => return cur,
                    }
                }
                &Object::Null
            }
            _ => o,
        }
    }

    pub fn get(&self, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
        d.get(key)
            .ok()
            .map(|o| self.resolve(o))
            .filter(|o| !matches!(o, Object::Null))
    }

    pub fn dict(&self, o: &'a Object) -> Option<&'a Dictionary> {
        match self.resolve(o) {
            Object::Dictionary(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn get_dict(&self, d: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
        d.get(key).ok().and_then(|o| self.dict(o))
    }

    pub fn get_name(&self, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
        match self.get(d, key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub fn get_array(&self, d: &'a Dictionary, key: &[u8]) -> Option<&'a [Object]> {
        match self.get(d, key) {
            Some(Object::Array(a)) => Some(a),
            _ => None,
        }
    }

    pub fn number(&self, o: &'a Object) -> Option<f64> {
        match self.resolve(o) {
            Object::Integer(i) => Some(*i as f64),
            Object::Real(r) => Some(f64::from(*r)),
            _ => None,
        }
    }

    /// A stream's decoded data, within the per-stream and per-file budgets. `None` if it cannot
    /// be decoded (an unsupported or broken filter); an error if it would exceed a budget.
    pub fn decode(&self, s: &Stream) -> Result<Option<Vec<u8>>, Finding> {
        self.budget.check_clock()?;
        let limit = self.budget.decode_limit();
        let data = match s.get_plain_content_with_limit(limit) {
            Ok(d) => d,
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => {
                // What was inflated before the limit was hit is spent too.
                self.budget.charge_decoded(limit);
                let l = self.budget.limits();
                return Err(too_complex(format!(
                    "its streams decompress to more than allowed ({} bytes each, {} in all)",
                    l.stream_bytes, l.decoded_total
                )));
            }
            Err(_) => return Ok(None),
        };
        self.budget.charge_decoded(data.len());
        self.budget.tick(data.len() as u64 / 1024)?;
        Ok(Some(data))
    }
}

const PDFAID: &str = "http://www.aiim.org/pdfa/ns/id/";

/// `pdfaid:part` and `pdfaid:conformance`, as attributes or child elements, under any prefix.
pub fn pdfa_identification(xmp: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(xmp).ok()?;
    // The XMP packet may be wrapped in <?xpacket?> processing instructions roxmltree accepts.
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .ok()?;
    let mut part = None;
    let mut conformance = None;
    for node in doc.descendants().filter(|n| n.is_element()) {
        for attr in node.attributes() {
            if attr.namespace() == Some(PDFAID) {
                match attr.name() {
                    "part" => part = Some(attr.value().trim().to_owned()),
                    "conformance" => conformance = Some(attr.value().trim().to_owned()),
                    _ => {}
                }
            }
        }
        if node.tag_name().namespace() == Some(PDFAID) {
            let value = node.text().unwrap_or("").trim().to_owned();
            match node.tag_name().name() {
                "part" => part = Some(value),
                "conformance" => conformance = Some(value),
                _ => {}
            }
        }
    }
    Some((part?, conformance?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identification_as_attributes_or_elements_under_any_prefix() {
        let attrs = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:id="http://www.aiim.org/pdfa/ns/id/" id:part="2" id:conformance="B"/></rdf:RDF></x:xmpmeta>"#;
        assert_eq!(pdfa_identification(attrs), Some(("2".into(), "B".into())));
        let elems = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        assert_eq!(pdfa_identification(elems), Some(("2".into(), "U".into())));
        assert_eq!(pdfa_identification(b"<a/>"), None);
    }

    #[test]
    fn not_pdfs_are_refused_with_a_clause() {
        assert_eq!(validate(b"hello").unwrap_err().kind, FailureKind::NotPdf);
        assert_eq!(validate(b"%PDF-1.7\n garbage").unwrap_err().clause, "6.1.2");
        assert_eq!(
            validate(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n garbage")
                .unwrap_err()
                .clause,
            "6.1.3"
        );
        assert_eq!(
            validate(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n garbage\n%%EOF\n")
                .unwrap_err()
                .kind,
            FailureKind::NotPdf
        );
    }
}
