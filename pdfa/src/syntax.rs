//! 6.1 on the raw bytes: the header, what follows the last `%%EOF`, and a front-to-back walk
//! of the file body (indirect objects, cross-reference tables, trailers) checking the white
//! space PDF/A fixes around keywords and every token's spelling. lopdf forgives all of these.

use lopdf::{Document, Object};

use super::lexer::{Lexer, Val, is_eol, is_white};
use super::rules::{self, RuleId};
use super::{Check, Finding, Sink, nope, nope_why};

/// 6.1.2: `%PDF-1.n` (n in 0..=7) at byte 0, one end-of-line marker, then a comment whose
/// first four bytes are all above 127. Reports what is broken to `sink`; returns where the body
/// starts if the header can be read.
pub(crate) fn header(bytes: &[u8], sink: &Sink) -> Result<Option<usize>, Finding> {
    let report = |mut f: Finding| {
        f.object = "file header (CosDocument)".into();
        sink.report(f)
    };
    let line: Vec<u8> = bytes
        .iter()
        .take(16)
        .take_while(|b| !is_eol(**b))
        .copied()
        .collect();
    let ok_version =
        line.len() == 8 && line.starts_with(b"%PDF-1.") && (b'0'..=b'7').contains(&line[7]);
    if !ok_version {
        report(nope(
            rules::R6_1_2_1,
            &[&String::from_utf8_lossy(&line), &0],
        ))?;
    }
    let mut lx = Lexer::new(bytes, line.len());
    let eol = lx.eol() > 0;
    let comment = lx.rest();
    let binary =
        eol && comment.len() >= 5 && comment[0] == b'%' && comment[1..5].iter().all(|&b| b > 127);
    if !binary {
        let byte = |i: usize| match comment.get(i) {
            Some(b) if eol && comment.first() == Some(&b'%') => b.to_string(),
            _ => "null".into(),
        };
        report(nope(
            rules::R6_1_2_2,
            &[&byte(1), &byte(2), &byte(3), &byte(4)],
        ))?;
        return Ok(None);
    }
    lx.skip_comment();
    if lx.eol() == 0 {
        report(nope(
            rules::R6_1_2_2,
            &[&comment[1], &comment[2], &comment[3], &comment[4]],
        ))?;
        return Ok(None);
    }
    Ok(ok_version.then_some(lx.pos))
}

/// 6.1.3: nothing after the last `%%EOF` but one optional end-of-line marker.
pub(crate) fn end_of_file(bytes: &[u8], sink: &Sink) -> Check {
    let tail_start = bytes.len().saturating_sub(1024);
    let tail = &bytes[tail_start..];
    let Some(i) = tail.windows(5).rposition(|w| w == b"%%EOF") else {
        // No end-of-file marker at all: a cut-off download, not a readable PDF.
        return Err(super::fail(
            super::FailureKind::NotPdf,
            RuleId::clause_only("6.1.3"),
            "no %%EOF at the end of the file (truncated?)",
        ));
    };
    match &tail[i + 5..] {
        b"" | b"\n" | b"\r" | b"\r\n" => Ok(()),
        rest => {
            let extra = match rest {
                [b'\r', b'\n', r @ ..] | [b'\n' | b'\r', r @ ..] => r.len(),
                r => r.len(),
            };
            let mut f = nope(rules::R6_1_3_3, &[&extra]);
            f.object = "end of file (CosDocument)".into();
            sink.report(f)
        }
    }
}

/// What the body walk learnt, for the checks that need the object model too.
#[derive(Debug, Default)]
pub(crate) struct Body {
    /// Trailer dictionaries (`trailer` keyword or cross-reference stream), in file order:
    /// whether each has an `ID`.
    pub trailers_with_id: Vec<bool>,
    /// The first object of the file is a linearization dictionary.
    pub linearized: bool,
    /// Indirect objects seen.
    pub objects: usize,
}

/// Walks the file body from `start` to the end.
pub(crate) fn body(
    bytes: &[u8],
    start: usize,
    doc: &Document,
    budget: &super::budget::Budget,
    sink: &Sink,
) -> Result<Body, Finding> {
    let mut out = Body::default();
    let mut lx = Lexer::new(bytes, start);
    // A finding where the walk can go on (after the object's `endobj`) or must stop (it cannot
    // tell where the next object starts).
    let report = |mut f: Finding, at: usize| {
        if f.kind != super::FailureKind::NotPdfA {
            return Err(f);
        }
        if f.object.is_empty() {
            f.object = match f.rule.rule() {
                Some(r) => format!("offset {at} ({})", r.object),
                None => format!("offset {at}"),
            };
        }
        sink.report(f)
    };
    loop {
        budget.tick(1)?;
        lx.skip_ws();
        if lx.at_end() {
            return Ok(out);
        }
        let at = lx.pos;
        match lx.peek() {
            Some(b'0'..=b'9') => {
                if let Err(mut f) = indirect_object(&mut lx, doc, &mut out) {
                    // Named by its object number where the header can be read.
                    let mut head = Lexer::new(bytes, at);
                    let number = digits(&mut head);
                    head.skip_ws();
                    if let (Some(n), Some(g)) = (number, digits(&mut head)) {
                        f.object = match f.rule.rule() {
                            Some(r) => format!("obj {n} {g} R ({})", r.object),
                            None => format!("obj {n} {g} R"),
                        };
                    }
                    report(f, at)?;
                    // Go on after this object's endobj.
                    let from = lx.pos.max(at + 1).min(bytes.len());
                    match find(&bytes[from..], b"endobj") {
                        Some(i) => lx.pos = from + i + 6,
                        None => return Ok(out),
                    }
                }
            }
            _ if lx.starts_with(b"xref") => {
                if let Err(f) = xref_section(&mut lx) {
                    report(f, at)?;
                    let from = lx.pos.max(at + 1).min(bytes.len());
                    match find(&bytes[from..], b"trailer") {
                        Some(i) => lx.pos = from + i,
                        None => return Ok(out),
                    }
                }
            }
            _ if lx.starts_with(b"trailer") => {
                lx.pos += 7;
                match lx.value(0) {
                    Ok(Val::Dict(d)) => out.trailers_with_id.push(d.has(b"ID")),
                    Ok(_) => {
                        report(
                            nope_why(
                                RuleId::clause_only("6.1.3"),
                                "a trailer is not a dictionary",
                            ),
                            at,
                        )?;
                        return Ok(out);
                    }
                    Err(f) => {
                        report(f, at)?;
                        return Ok(out);
                    }
                }
            }
            _ if lx.starts_with(b"startxref") => {
                lx.pos += 9;
                lx.skip_ws();
                let w = lx.word();
                if w.is_empty() || !w.iter().all(u8::is_ascii_digit) {
                    report(
                        nope_why(RuleId::clause_only("6.1.3"), "startxref without an offset"),
                        at,
                    )?;
                    return Ok(out);
                }
            }
            Some(b) => {
                report(
                    nope_why(
                        rules::UNREADABLE,
                        format!("unexpected byte 0x{b:02x} between objects"),
                    ),
                    at,
                )?;
                return Ok(out);
            }
            None => return Ok(out),
        }
    }
}

fn digits(lx: &mut Lexer<'_>) -> Option<u64> {
    let w = lx.word();
    if w.is_empty() || w.len() > 10 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(w).ok()?.parse().ok()
}

/// `n g obj … endobj`, 6.1.9's spacing and 6.1.7.1's stream keywords and length.
fn indirect_object(lx: &mut Lexer<'_>, doc: &Document, out: &mut Body) -> Check {
    let bytes = lx.buf;
    let at = lx.pos;
    if at > 0 && !is_eol(bytes[at - 1]) {
        return Err(nope(rules::R6_1_9_1, &[]));
    }
    let bad = |_what: &str| nope(rules::R6_1_9_1, &[]);
    digits(lx).ok_or_else(|| bad("a malformed object number"))?;
    if !(lx.peek().is_some_and(is_white) && lx.buf.get(lx.pos + 1).is_some_and(u8::is_ascii_digit))
    {
        return Err(bad(
            "the object and generation numbers are not separated by a single white-space character",
        ));
    }
    lx.pos += 1;
    digits(lx).ok_or_else(|| bad("a malformed generation number"))?;
    if !(lx.peek().is_some_and(is_white) && lx.rest().get(1..4) == Some(b"obj")) {
        return Err(bad(
            "the generation number and obj are not separated by a single white-space character",
        ));
    }
    lx.pos += 1;
    if lx.word() != b"obj" {
        return Err(bad("no obj keyword"));
    }
    if !lx.peek().is_some_and(is_eol) {
        return Err(bad(
            "the obj keyword is not followed by an end-of-line marker",
        ));
    }
    let value = lx.value(0)?;
    out.objects += 1;
    if let Val::Dict(d) = &value
        && out.objects == 1
        && d.has(b"Linearized")
    {
        out.linearized = true;
    }
    lx.skip_ws();
    if lx.starts_with(b"stream") {
        let Val::Dict(dict) = &value else {
            return Err(bad("a stream without a dictionary"));
        };
        if dict.get(b"Type") == Some(&Val::Name(b"XRef".to_vec())) {
            out.trailers_with_id.push(dict.has(b"ID"));
        }
        stream_data(lx, dict.get(b"Length"), doc, at)?;
        lx.skip_ws();
    }
    if !lx.starts_with(b"endobj") {
        return Err(bad("no endobj keyword after the object"));
    }
    if !is_eol(bytes[lx.pos - 1]) {
        return Err(bad(
            "the endobj keyword is not preceded by an end-of-line marker",
        ));
    }
    lx.pos += 6;
    if lx.peek().is_some_and(|b| !is_eol(b)) {
        return Err(bad(
            "the endobj keyword is not followed by an end-of-line marker",
        ));
    }
    Ok(())
}

/// After `stream`: CR LF or LF, `Length` bytes, an end-of-line marker, `endstream`.
fn stream_data(lx: &mut Lexer<'_>, length: Option<&Val>, doc: &Document, at: usize) -> Check {
    let bytes = lx.buf;
    lx.pos += 6;
    let _ = at;
    let bad = |_what: &str| nope(rules::R6_1_7_1_2, &[]);
    match lx.rest() {
        [b'\r', b'\n', ..] => lx.pos += 2,
        [b'\n', ..] => lx.pos += 1,
        _ => {
            return Err(bad("the stream keyword is not followed by CR LF or LF"));
        }
    }
    let data_start = lx.pos;
    let declared = match length {
        Some(Val::Int(n)) => usize::try_from(*n).ok(),
        Some(Val::Ref(n, g)) => match doc.objects.get(&(*n, *g)) {
            Some(Object::Integer(n)) => usize::try_from(*n).ok(),
            _ => None,
        },
        _ => None,
    };
    // Where the data ends: Length bytes on, if an end-of-line and endstream follow there.
    if let Some(len) = declared
        && let Some(end) = data_start.checked_add(len)
        && end <= bytes.len()
    {
        let mut after = Lexer::new(bytes, end);
        if after.eol() > 0 && after.starts_with(b"endstream") {
            lx.pos = after.pos + 9;
            return Ok(());
        }
    }
    let Some(rel) = find(&bytes[data_start..], b"endstream") else {
        return Err(bad("no endstream keyword"));
    };
    let kw = data_start + rel;
    if kw == data_start || !is_eol(bytes[kw - 1]) {
        return Err(bad(
            "the endstream keyword is not preceded by an end-of-line marker",
        ));
    }
    let eol = if kw >= data_start + 2 && &bytes[kw - 2..kw] == b"\r\n" {
        2
    } else {
        1
    };
    let actual = kw - eol - data_start;
    match declared {
        Some(len) if len != actual => Err(nope(rules::R6_1_7_1_1, &[&actual, &len])),
        None => Err(nope(rules::R6_1_7_1_1, &[&actual, &"null"])),
        _ => {
            lx.pos = kw + 9;
            Ok(())
        }
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..hay.len() - needle.len() + 1]
            .iter()
            .position(|&b| b == first)
        {
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
            None => return None,
        }
    }
    None
}

/// `xref`, one end-of-line marker, then subsections (6.1.4).
fn xref_section(lx: &mut Lexer<'_>) -> Check {
    let at = lx.pos;
    lx.pos += 4;
    if lx.eol() == 0 || !lx.peek().is_some_and(|b| b.is_ascii_digit()) {
        return Err(nope(rules::R6_1_4_2, &[]));
    }
    // Subsection headers and 20-byte entries, up to the trailer.
    loop {
        lx.skip_ws();
        if lx.starts_with(b"trailer") || lx.at_end() {
            return Ok(());
        }
        let w = lx.word();
        let ok = !w.is_empty() && (w.iter().all(u8::is_ascii_digit) || w == b"n" || w == b"f");
        if !ok {
            return Err(nope_why(
                RuleId::clause_only("6.1.4"),
                format!("a malformed cross-reference table (offset {at})"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header() {
        assert_eq!(
            super::header(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", &Sink::new(1)).unwrap(),
            Some(15)
        );
        assert!(super::header(b"%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n", &Sink::new(1)).is_ok());
        for bad in [
            &b"%PDF-2.0\n%\xe2\xe3\xcf\xd3\n"[..],
            b"%PDF-1.8\n%\xe2\xe3\xcf\xd3\n",
            b"%PDF-1.70\n%\xe2\xe3\xcf\xd3\n",
            b"%PDF-1.7 \n%\xe2\xe3\xcf\xd3\n",
            b"%PDF-1.7\n%abcd\n",
            b"%PDF-1.7\n%\xe2\xe3\n",
            b" %PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        ] {
            assert_eq!(
                super::header(bad, &Sink::new(1)).unwrap_err().clause,
                "6.1.2",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn end_of_file() {
        assert!(super::end_of_file(b"x\n%%EOF", &Sink::new(1)).is_ok());
        assert!(super::end_of_file(b"x\n%%EOF\r\n", &Sink::new(1)).is_ok());
        assert_eq!(
            super::end_of_file(b"x\n%%EOF\n\n", &Sink::new(1))
                .unwrap_err()
                .clause,
            "6.1.3"
        );
        assert_eq!(
            super::end_of_file(b"x\n%%EOF junk", &Sink::new(1))
                .unwrap_err()
                .clause,
            "6.1.3"
        );
        let truncated = super::end_of_file(b"truncated", &Sink::new(1)).unwrap_err();
        assert_eq!(truncated.clause, "6.1.3");
        assert_eq!(truncated.kind, super::super::FailureKind::NotPdf);
    }

    #[test]
    fn object_and_stream_spacing() {
        let doc = Document::new();
        let budget = super::super::budget::Budget::new(super::super::Limits::default());
        let body = |s: &[u8]| {
            super::body(s, 0, &doc, &budget, &Sink::new(1))
                .map(|_| ())
                .map_err(|e| e.clause)
        };
        assert_eq!(
            body(b"\n1 0 obj\n<< /Length 3 >>\nstream\nabc\nendstream\nendobj\n"),
            Ok(())
        );
        assert_eq!(body(b"\n1  0 obj\n1\nendobj\n"), Err("6.1.9"));
        assert_eq!(body(b"\n1 0 obj 1\nendobj\n"), Err("6.1.9"));
        assert_eq!(body(b"\n1 0 obj\n1 endobj\n"), Err("6.1.9"));
        assert_eq!(
            body(b"\n1 0 obj\n<< /Length 3 >>\nstream\rabc\nendstream\nendobj\n"),
            Err("6.1.7.1")
        );
        assert_eq!(
            body(b"\n1 0 obj\n<< /Length 4 >>\nstream\nabc\nendstream\nendobj\n"),
            Err("6.1.7.1")
        );
        assert_eq!(
            body(b"\n1 0 obj\n<< /Length 3 >>\nstream\nabcendstream\nendobj\n"),
            Err("6.1.7.1")
        );
        assert_eq!(
            body(b"\nxref \n0 1\n0000000000 65535 f \ntrailer\n<<>>\n"),
            Err("6.1.4")
        );
        assert_eq!(
            body(b"\nxref\n\n0 1\n0000000000 65535 f \ntrailer\n<<>>\n"),
            Err("6.1.4")
        );
        assert_eq!(
            body(b"\nxref\n0 1\n0000000000 65535 f \ntrailer\n<<>>\nstartxref\n1\n%%EOF\n"),
            Ok(())
        );
    }
}
