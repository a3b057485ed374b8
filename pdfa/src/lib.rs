//! The PDF validator of Recapito's gateway (and of `check-pdf`, `cli`): attachments must be
//! real, unencrypted PDFs that conform to PDF/A-2 (ISO 19005-2, levels A, B and U). Synchronous
//! and CPU-bound: callers on the async runtime use `spawn_blocking`.
//!
//! The rules follow the clauses of ISO 19005-2 as veraPDF checks them; agreement with the
//! veraPDF corpus is measured per clause by `tests/pdf_corpus.rs` (see `docs/pdfa.md`).
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
mod syntax;
mod truetype;
mod xmp;

use std::fmt;

use lopdf::{Dictionary, Document, Object, Stream};

use budget::{Budget, too_complex};
pub use budget::{
    DEFAULT_TIMEOUT, Limits, MAX_DECODED_TOTAL, MAX_LOADER_TOTAL, MAX_STREAM_BYTES, MAX_WORK, Spent,
};

/// The largest PDF accepted.
pub const MAX_PDF_BYTES: usize = 32 * 1024 * 1024;

/// How deep embedded files may nest (each is validated as a PDF/A file itself, 6.8).
const MAX_EMBEDDING: usize = 2;

/// Why a file failed: the PDF/A clause it breaks and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFailure {
    pub kind: FailureKind,
    pub clause: &'static str,
    pub reason: String,
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

fn fail(kind: FailureKind, clause: &'static str, reason: impl Into<String>) -> PdfFailure {
    PdfFailure {
        kind,
        clause,
        reason: reason.into(),
    }
}

/// A conformance failure.
pub(crate) fn nope(clause: &'static str, reason: impl Into<String>) -> PdfFailure {
    fail(FailureKind::NotPdfA, clause, reason)
}

pub(crate) type Check = Result<(), PdfFailure>;

/// Validates `bytes` as a PDF/A-2 attachment, within the default limits.
pub fn validate(bytes: &[u8]) -> Result<(), PdfFailure> {
    validate_with(bytes, Limits::default())
}

/// Validates `bytes` as a PDF/A-2 attachment, within `limits` (the deadline counts from now).
pub fn validate_with(bytes: &[u8], limits: Limits) -> Result<(), PdfFailure> {
    validate_measured(bytes, limits).0
}

/// `validate_with`, and what the validation spent.
pub fn validate_measured(bytes: &[u8], limits: Limits) -> (Result<(), PdfFailure>, Spent) {
    let budget = Budget::new(limits);
    let verdict = validate_at(bytes, 0, &budget);
    (verdict, budget.spent())
}

/// `validate` for a file embedded `embedding` levels deep, sharing the budget of the file that
/// embeds it.
fn validate_at(bytes: &[u8], embedding: usize, budget: &Budget) -> Result<(), PdfFailure> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(fail(
            FailureKind::NotPdf,
            "6.1.13",
            format!("larger than {MAX_PDF_BYTES} bytes"),
        ));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(fail(
            FailureKind::NotPdf,
            "6.1.2",
            "the file does not start with %PDF-",
        ));
    }
    // Our own code avoids panics; this is for the parser's, and for the loader's filter, which
    // abandons a load that goes over budget by unwinding (`loader::Abandoned`).
    // A panic leaves nothing behind but the budget's counters, which only ever grow.
    let run = std::panic::AssertUnwindSafe(|| check(bytes, embedding, budget));
    std::panic::catch_unwind(run).unwrap_or_else(|payload| {
        match payload.downcast::<loader::Abandoned>() {
            Ok(abandoned) => Err(too_complex(abandoned.0)),
            Err(_) => Err(fail(
                FailureKind::NotPdf,
                "6.1",
                "the parser gave up on this file",
            )),
        }
    })
}

fn check(bytes: &[u8], embedding: usize, budget: &Budget) -> Check {
    let body_start = syntax::header(bytes)?;
    syntax::end_of_file(bytes)?;
    let doc = loader::load(bytes, budget)?;
    // lopdf decrypts files with an empty user password silently: check both.
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(fail(
            FailureKind::Encrypted,
            "6.1.3",
            "the file is encrypted (Encrypt in the trailer)",
        ));
    }
    let body = syntax::body(bytes, body_start, &doc, budget)?;
    let ctx = Ctx {
        doc: &doc,
        budget,
        embedding,
    };
    model::check(&ctx, &body)
}

/// What every check shares: the document, and the budget.
pub(crate) struct Ctx<'a> {
    pub doc: &'a Document,
    budget: &'a Budget,
    pub embedding: usize,
}

/// How many references a chain may follow before it counts as a loop.
const MAX_REFERENCE_HOPS: usize = 32;

impl<'a> Ctx<'a> {
    /// 6.8: an embedded file is itself a PDF/A-1 or PDF/A-2 file.
    pub fn embedded_file(&self, data: &[u8]) -> Check {
        if self.embedding >= MAX_EMBEDDING {
            return Err(nope("6.8", "embedded files nest too deep"));
        }
        validate_at(data, self.embedding + 1, self.budget).map_err(|e| {
            if e.kind == FailureKind::TooComplex {
                return e;
            }
            nope(
                "6.8",
                format!(
                    "an embedded file is not PDF/A-1 or PDF/A-2: {} {}",
                    e.clause, e.reason
                ),
            )
        })
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
    pub fn decode(&self, s: &Stream) -> Result<Option<Vec<u8>>, PdfFailure> {
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
