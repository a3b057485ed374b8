//! Hostile PDFs ("PDF bombs") for the tests and the benchmark, generated rather than committed:
//! each is a valid PDF/A-2 file (the caller's, e.g. `fixtures/pdf/pdfa2b-minimal.pdf`) with an
//! incremental update that adds what makes it expensive: streams that inflate to a lot from a
//! few kilobytes, many of them, or millions of operators. The gateway itself never uses this.

use std::io::Write;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e]
}

/// The value of `/key` in `dict` (up to the next `/` or `>`, or the `]` of an array).
fn value_of<'a>(dict: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = find(dict, key)? + key.len();
    let rest = &dict[at..];
    let end = if trim(rest).starts_with(b"[") {
        find(rest, b"]")? + 1
    } else {
        rest.iter()
            .position(|&b| b == b'/' || b == b'>')
            .unwrap_or(rest.len())
    };
    Some(trim(&rest[..end]))
}

fn number(v: &[u8]) -> u64 {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("a number")
}

/// `data`, zlib-compressed.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).expect("in memory");
    z.finish().expect("in memory")
}

/// `pattern` (shorter than 64 KiB) repeated up to `len` bytes, zlib-compressed, without
/// holding the plain bytes.
pub fn deflated(pattern: &[u8], len: usize) -> Vec<u8> {
    assert!(!pattern.is_empty() && pattern.len() < 1 << 16);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk: Vec<u8> = pattern.iter().copied().cycle().take(1 << 16).collect();
    let mut left = len;
    // Whole patterns per chunk, so a repeated operator is never split between chunks.
    let step = chunk.len() - chunk.len() % pattern.len();
    while left > 0 {
        let n = left.min(step);
        z.write_all(&chunk[..n]).expect("in memory");
        left -= n;
    }
    z.finish().expect("in memory")
}

/// An indirect object's body for a Flate stream with `data` (already compressed).
pub fn flate_stream(entries: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!(
        "<< {entries} /Filter /FlateDecode /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

/// An incremental update of a PDF: objects added or replaced, one cross-reference section,
/// a trailer with `/Prev` and the same `/ID`.
pub struct Update {
    base: Vec<u8>,
    size: u64,
    root: u64,
    id: Vec<u8>,
    prev: u64,
    objects: Vec<(u64, Vec<u8>)>,
    aliases: Vec<(u64, usize)>,
}

impl Update {
    pub fn on(base: &[u8]) -> Update {
        let trailer = &base[rfind(base, b"trailer").expect("a trailer")..];
        let sx = rfind(base, b"startxref").expect("startxref") + 9;
        let eof = rfind(base, b"%%EOF").expect("%%EOF");
        Update {
            base: base.to_vec(),
            size: number(value_of(trailer, b"/Size").expect("Size")),
            root: number(value_of(trailer, b"/Root").expect("Root")),
            id: value_of(trailer, b"/ID").expect("ID").to_vec(),
            prev: number(trim(&base[sx..eof])),
            objects: Vec::new(),
            aliases: Vec::new(),
        }
    }

    /// The object number of the page tree root (`/Pages n 0 R` in the catalog).
    pub fn pages(&self) -> u64 {
        let catalog =
            find(&self.base, format!("\n{} 0 obj", self.root).as_bytes()).expect("the catalog");
        number(value_of(&self.base[catalog..], b"/Pages").expect("Pages"))
    }

    pub fn add(&mut self, body: Vec<u8>) -> u64 {
        let n = self.size;
        self.size += 1;
        self.objects.push((n, body));
        n
    }

    pub fn replace(&mut self, n: u64, body: Vec<u8>) {
        self.objects.push((n, body));
    }

    /// `count` more cross-reference entries, all at the offset of object `of`.
    pub fn aliases(&mut self, of: u64, count: usize) {
        self.aliases.push((of, count));
    }

    /// Replaces the page tree with one page per content stream, each with `resources`.
    pub fn pages_with(&mut self, contents: &[u64], resources: &str) {
        let pages = self.pages();
        let kids: Vec<u64> = contents
            .iter()
            .map(|c| {
                self.add(
                    format!(
                        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 200 200] \
                         /Resources {resources} /Contents {c} 0 R >>"
                    )
                    .into_bytes(),
                )
            })
            .collect();
        let refs: Vec<String> = kids.iter().map(|k| format!("{k} 0 R")).collect();
        self.replace(
            pages,
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                refs.join(" "),
                kids.len()
            )
            .into_bytes(),
        );
    }

    pub fn finish(self) -> Vec<u8> {
        let mut out = self.base;
        if !out.ends_with(b"\n") && !out.ends_with(b"\r") {
            out.extend_from_slice(b"\n");
        }
        let mut offsets = Vec::new();
        for (n, body) in &self.objects {
            offsets.push((*n, out.len()));
            out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let mut size = self.size;
        for (of, count) in &self.aliases {
            let at = offsets
                .iter()
                .find(|(n, _)| n == of)
                .expect("an added object")
                .1;
            for _ in 0..*count {
                offsets.push((size, at));
                size += 1;
            }
        }
        offsets.sort();
        let xref_at = out.len();
        out.extend_from_slice(b"xref\n");
        for (n, at) in offsets {
            out.extend_from_slice(format!("{n} 1\n{at:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root {} 0 R /Prev {} /ID ",
                size, self.root, self.prev
            )
            .as_bytes(),
        );
        out.extend_from_slice(&self.id);
        out.extend_from_slice(format!(" >>\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
        out
    }
}

/// `count` object streams, each inflating to `each` bytes (one `null` and white space): what
/// lopdf's loader inflates before any check runs.
pub fn object_streams(base: &[u8], count: usize, each: usize) -> Vec<u8> {
    let mut u = Update::on(base);
    // Every stream holds the same member, an unused object number.
    let member = u.add(b"null".to_vec());
    let header = format!("{member} 0 ");
    let mut plain = header.clone().into_bytes();
    plain.extend_from_slice(b"null");
    let data = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&plain).expect("in memory");
        let pad = vec![b' '; 1 << 16];
        let mut left = each.saturating_sub(plain.len());
        while left > 0 {
            let n = left.min(pad.len());
            z.write_all(&pad[..n]).expect("in memory");
            left -= n;
        }
        z.finish().expect("in memory")
    };
    for _ in 0..count {
        let entries = format!("/Type /ObjStm /N 1 /First {}", header.len());
        u.add(flate_stream(&entries, &data));
    }
    u.finish()
}

/// One object stream inflating to `each` bytes, listed by `times` cross-reference entries:
/// lopdf's loader inflates it once per entry.
pub fn object_stream_listed(base: &[u8], times: usize, each: usize) -> Vec<u8> {
    let mut u = Update::on(base);
    let member = u.add(b"null".to_vec());
    let header = format!("{member} 0 ");
    let mut plain = header.clone().into_bytes();
    plain.extend_from_slice(b"null");
    plain.resize(each.max(plain.len()), b' ');
    let entries = format!("/Type /ObjStm /N 1 /First {}", header.len());
    let stream = u.add(flate_stream(&entries, &zlib(&plain)));
    u.aliases(stream, times);
    u.finish()
}

/// One page whose content stream inflates to `inflated` bytes of white space.
pub fn huge_content(base: &[u8], inflated: usize) -> Vec<u8> {
    content_streams(base, 1, inflated)
}

/// `pages` pages, each with a content stream inflating to `each` bytes of white space.
pub fn content_streams(base: &[u8], pages: usize, each: usize) -> Vec<u8> {
    let mut u = Update::on(base);
    let data = deflated(b" ", each);
    let contents: Vec<u64> = (0..pages).map(|_| u.add(flate_stream("", &data))).collect();
    u.pages_with(&contents, "<< >>");
    u.finish()
}

/// `fonts` pages, each showing a character in its own TrueType font whose embedded program
/// inflates to `each` bytes.
pub fn font_programs(base: &[u8], fonts: usize, each: usize) -> Vec<u8> {
    let mut u = Update::on(base);
    let program = deflated(&[0], each);
    let mut contents = Vec::new();
    let mut names = Vec::new();
    for i in 0..fonts {
        let file = u.add(flate_stream(&format!("/Length1 {each}"), &program));
        let descriptor = u.add(
            format!(
                "<< /Type /FontDescriptor /FontName /Bomb{i} /Flags 32 /FontBBox [0 0 1000 1000] \
                 /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 \
                 /FontFile2 {file} 0 R >>"
            )
            .into_bytes(),
        );
        let font = u.add(
            format!(
                "<< /Type /Font /Subtype /TrueType /BaseFont /Bomb{i} /FirstChar 97 /LastChar 97 \
                 /Widths [500] /Encoding /WinAnsiEncoding /FontDescriptor {descriptor} 0 R >>"
            )
            .into_bytes(),
        );
        names.push(format!("/F{i} {font} 0 R"));
        // Invisible text (mode 3) paints nothing, so no colour space is needed.
        let text = format!("BT 3 Tr /F{i} 12 Tf 10 10 Td (a) Tj ET");
        contents.push(u.add(flate_stream("", &deflated(text.as_bytes(), text.len()))));
    }
    u.pages_with(&contents, &format!("<< /Font << {} >> >>", names.join(" ")));
    u.finish()
}

/// A content stream of `operators` tiny operators (`q Q`, balanced).
pub fn tiny_operators(base: &[u8], operators: usize) -> Vec<u8> {
    operator_pages(base, 1, operators)
}

/// `pages` pages, each with a content stream of `operators` tiny operators.
pub fn operator_pages(base: &[u8], pages: usize, operators: usize) -> Vec<u8> {
    let mut u = Update::on(base);
    let data = deflated(b"q Q\n", operators / 2 * 4);
    let contents: Vec<u64> = (0..pages).map(|_| u.add(flate_stream("", &data))).collect();
    u.pages_with(&contents, "<< >>");
    u.finish()
}

/// Embedded files `depth` levels deep, `fanout` at each level, the innermost files each with
/// a content stream inflating to `each` bytes: the budget must be shared down the chain.
pub fn embedded_chain(base: &[u8], depth: usize, fanout: usize, each: usize) -> Vec<u8> {
    if depth == 0 {
        return huge_content(base, each);
    }
    let inner = embedded_chain(base, depth - 1, fanout, each);
    let mut u = Update::on(base);
    let data = zlib(&inner);
    for i in 0..fanout {
        let file = u.add(flate_stream(
            &format!(
                "/Type /EmbeddedFile /Subtype /application#2Fpdf /Params << /Size {} >>",
                inner.len()
            ),
            &data,
        ));
        u.add(
            format!(
                "<< /Type /Filespec /F (f{i}.pdf) /UF (f{i}.pdf) /AFRelationship /Data \
                 /EF << /F {file} 0 R /UF {file} 0 R >> >>"
            )
            .into_bytes(),
        );
    }
    u.finish()
}

#[cfg(test)]
mod tests {
    //! Each bomb is refused with a bounded amount of work: asserted on the budget's counters
    //! (or on the refusal with a tiny injected budget), never on wall-clock time. The limits
    //! have an hour-long deadline so that a slow debug build cannot change the outcome.
    use super::*;
    use crate::{
        FailureKind, Limits, MAX_DECODED_TOTAL, MAX_LOADER_TOTAL, MAX_STREAM_BYTES, Spent,
        validate_measured,
    };
    use std::time::Duration;

    const MIB: usize = 1024 * 1024;

    fn base() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/pdf/pdfa2b-minimal.pdf"
        ))
        .expect("the PDF/A fixture")
    }

    fn untimed() -> Limits {
        Limits::with_timeout(Duration::from_secs(3600))
    }

    fn refused(bytes: &[u8], limits: Limits) -> Spent {
        let (verdict, spent) = validate_measured(bytes, limits);
        let failure = verdict.expect_err("the bomb must be refused");
        assert_eq!(
            failure.kind,
            FailureKind::TooComplex,
            "refused as too complex, not for another reason: {failure}"
        );
        spent
    }

    #[test]
    fn the_generated_files_are_valid_pdfa_when_small() {
        // So that the bombs below are refused for their size, not for a defect of the generator.
        let small = [
            object_streams(&base(), 2, 1024),
            content_streams(&base(), 3, 1024),
            font_programs(&base(), 2, 1024),
            tiny_operators(&base(), 1000),
            embedded_chain(&base(), 2, 2, 1024),
        ];
        for (i, pdf) in small.iter().enumerate() {
            let (verdict, spent) = validate_measured(pdf, untimed());
            match verdict {
                Ok(()) => {}
                // The fonts' programs are zeros, not TrueType: refused for that, after decoding.
                Err(f) if i == 2 => assert_eq!(f.kind, FailureKind::NotPdfA, "{f}"),
                Err(f) => panic!("generated file {i} is refused: {f}"),
            }
            assert!(spent.work > 0);
        }
    }

    #[test]
    fn many_object_streams_are_refused_before_lopdf_inflates_them() {
        // 600 object streams of 8 MiB each: 4.7 GiB for lopdf's loader to inflate, unmetered.
        let bomb = object_streams(&base(), 600, 8 * MIB);
        assert!(bomb.len() < 8 * MIB, "a few MiB on the wire");
        let spent = refused(&bomb, untimed());
        assert!(spent.loader_bound <= MAX_LOADER_TOTAL, "{spent:?}");
        // Not even one of them could be inflated whole.
        assert!(spent.loader_stream_limit < 8 * MIB / 100, "{spent:?}");
        assert_eq!(spent.decoded, 0, "refused while loading");
    }

    #[test]
    fn an_object_stream_listed_many_times_is_inflated_once_at_most() {
        // Under the per-stream limit lopdf gets, but listed 4000 times: 4 GiB of inflation.
        let bomb = object_stream_listed(&base(), 4000, MIB);
        let spent = refused(&bomb, untimed());
        let why = validate_measured(&bomb, untimed()).0.unwrap_err().reason;
        assert!(why.contains("more often than the file holds them"), "{why}");
        assert!(spent.loader_stream_limit >= MIB, "{spent:?}");
        assert!(spent.loader_bound <= MAX_LOADER_TOTAL, "{spent:?}");
    }

    #[test]
    fn one_huge_stream_stops_at_the_per_stream_limit() {
        let bomb = huge_content(&base(), 3 * MAX_STREAM_BYTES);
        let spent = refused(&bomb, untimed());
        // The limit, plus the few bytes of the metadata stream decoded before.
        assert!(spent.decoded <= MAX_STREAM_BYTES + 4096, "{spent:?}");
    }

    #[test]
    fn many_content_streams_stop_at_the_file_total() {
        let bomb = content_streams(&base(), 12, 16 * MIB);
        let spent = refused(&bomb, untimed());
        assert!(spent.decoded <= MAX_DECODED_TOTAL, "{spent:?}");
        assert!(
            spent.decoded > MAX_DECODED_TOTAL / 2,
            "the streams were decoded: {spent:?}"
        );
    }

    #[test]
    fn many_font_programs_stop_at_the_file_total() {
        let bomb = font_programs(&base(), 12, 16 * MIB);
        let spent = refused(&bomb, untimed());
        assert!(spent.decoded <= MAX_DECODED_TOTAL, "{spent:?}");
        assert!(
            spent.decoded > MAX_DECODED_TOTAL / 2,
            "the programs were decoded: {spent:?}"
        );
    }

    #[test]
    fn an_embedded_file_chain_shares_one_budget() {
        // 16 innermost files of 16 MiB each, two levels down: 256 MiB if each had its own budget.
        let bomb = embedded_chain(&base(), 2, 4, 16 * MIB);
        let spent = refused(&bomb, untimed());
        assert!(spent.decoded <= MAX_DECODED_TOTAL, "{spent:?}");
        assert!(spent.loader_bound <= MAX_LOADER_TOTAL, "{spent:?}");
    }

    #[test]
    fn millions_of_tiny_operators_hit_the_work_budget() {
        let bomb = tiny_operators(&base(), 2_000_000);
        let budget = 100_000;
        let spent = refused(
            &bomb,
            Limits {
                work: budget,
                ..untimed()
            },
        );
        assert!(spent.work <= budget + 1, "stopped at the budget: {spent:?}");
        // The same file within the default work budget is fine: the refusal was the budget's.
        let (verdict, spent) = validate_measured(&bomb, untimed());
        assert_eq!(verdict, Ok(()));
        assert!(spent.work > 2_000_000, "every operator counted: {spent:?}");
    }

    #[test]
    fn a_past_deadline_refuses_the_file() {
        let bomb = tiny_operators(&base(), 200_000);
        refused(&bomb, Limits::with_timeout(Duration::ZERO));
        assert_eq!(validate_measured(&bomb, untimed()).0, Ok(()));
    }
}
