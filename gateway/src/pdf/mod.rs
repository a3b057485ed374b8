//! The PDF validator: attachments must be real, unencrypted PDFs that identify themselves as
//! PDF/A-2. Synchronous and CPU-bound: callers on the async runtime use `spawn_blocking`.
//!
//! This is the first layer (file structure basics, encryption, PDF/A identification); the
//! conformance depth measured against the veraPDF corpus is issue 7.

use std::fmt;

/// The largest PDF accepted, and the most any one stream may decompress to.
pub const MAX_PDF_BYTES: usize = 32 * 1024 * 1024;

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
    /// A PDF, but not one identifying itself as PDF/A-2.
    NotPdfA,
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

/// Validates `bytes` as a PDF/A-2 attachment.
pub fn validate(bytes: &[u8]) -> Result<(), PdfFailure> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(fail(
            FailureKind::NotPdf,
            "6.1.13",
            format!("larger than {MAX_PDF_BYTES} bytes"),
        ));
    }
    // 6.1.2: the header is the first line, `%PDF-1.n`, followed by a comment of 4+ bytes > 127.
    if !bytes.starts_with(b"%PDF-") {
        return Err(fail(
            FailureKind::NotPdf,
            "6.1.2",
            "the file does not start with %PDF-",
        ));
    }
    // 6.1.3: nothing but whitespace after the last %%EOF.
    let tail_start = bytes.len().saturating_sub(1024);
    let tail = &bytes[tail_start..];
    match find_last(tail, b"%%EOF") {
        Some(i) if tail[i + 5..].iter().all(|b| b.is_ascii_whitespace()) => {}
        Some(_) => {
            return Err(fail(
                FailureKind::NotPdf,
                "6.1.3",
                "data after the last %%EOF",
            ));
        }
        None => {
            return Err(fail(
                FailureKind::NotPdf,
                "6.1.3",
                "no %%EOF at the end of the file (truncated?)",
            ));
        }
    }
    let doc = std::panic::catch_unwind(|| lopdf::Document::load_mem(bytes))
        .map_err(|_| {
            fail(
                FailureKind::NotPdf,
                "6.1",
                "the parser gave up on this file",
            )
        })?
        .map_err(|e| fail(FailureKind::NotPdf, "6.1", format!("unreadable PDF: {e}")))?;
    // lopdf decrypts files with an empty user password silently: check both.
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        return Err(fail(
            FailureKind::Encrypted,
            "6.1.4",
            "the file is encrypted",
        ));
    }
    if doc.trailer.get(b"ID").is_err() {
        return Err(fail(FailureKind::NotPdfA, "6.1.3", "the trailer has no ID"));
    }
    let catalog = doc.catalog().map_err(|e| {
        fail(
            FailureKind::NotPdf,
            "6.1",
            format!("no document catalog: {e}"),
        )
    })?;
    let metadata = catalog
        .get(b"Metadata")
        .and_then(|m| m.as_reference())
        .and_then(|r| doc.get_object(r))
        .and_then(|o| o.as_stream())
        .map_err(|_| {
            fail(
                FailureKind::NotPdfA,
                "6.6.2.1",
                "the catalog has no XMP metadata stream",
            )
        })?;
    let xmp = metadata.get_plain_content().map_err(|e| {
        fail(
            FailureKind::NotPdfA,
            "6.6.2.1",
            format!("unreadable metadata stream: {e}"),
        )
    })?;
    let (part, conformance) = pdfa_identification(&xmp).ok_or_else(|| {
        fail(
            FailureKind::NotPdfA,
            "6.6.4",
            "the XMP metadata has no PDF/A identification",
        )
    })?;
    if part != "2" {
        return Err(fail(
            FailureKind::NotPdfA,
            "6.6.4",
            format!("identifies as PDF/A-{part}, not PDF/A-2"),
        ));
    }
    if !matches!(conformance.as_str(), "A" | "B" | "U") {
        return Err(fail(
            FailureKind::NotPdfA,
            "6.6.4",
            format!("conformance level {conformance:?} is not A, B or U"),
        ));
    }
    Ok(())
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
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
        assert_eq!(validate(b"%PDF-1.7\n garbage").unwrap_err().clause, "6.1.3");
        assert_eq!(
            validate(b"%PDF-1.7\n garbage\n%%EOF\n").unwrap_err().kind,
            FailureKind::NotPdf
        );
    }
}
