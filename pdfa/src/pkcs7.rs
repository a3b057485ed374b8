//! 6.4.3-2 and 6.4.3-3: the PKCS#7 object of a signature dictionary's `Contents` (veraPDF's
//! `PKCSDataObject`), read with a small, bounded DER reader: a CMS `ContentInfo` holding a
//! `SignedData` (RFC 2315, RFC 5652) whose `certificates` and `signerInfos` are counted.
//!
//! The reader never panics, never reads past its buffer, trusts no length beyond it and
//! descends at most [`MAX_DEPTH`] levels. It takes BER's indefinite lengths too (some signers
//! write them; veraPDF's parser reads them), and ignores what follows the object (`Contents`
//! is zero-padded to the size reserved for it).

use super::rules as rule;
use super::{Check, Ctx};

/// How deep the reader descends into constructed values (an indefinite length is found by
/// reading what it holds; everything else is read by slicing).
const MAX_DEPTH: usize = 32;

/// `1.2.840.113549.1.7.2`, PKCS#7 `signedData`, as DER content octets.
const SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
/// `[0]` constructed, context-specific: `ContentInfo.content`, `SignedData.certificates`.
const CONTEXT_0: u8 = 0xA0;
/// `[1]` constructed, context-specific: `SignedData.crls`.
const CONTEXT_1: u8 = 0xA1;

/// One value: its identifier octet (for a high tag number, the first octet only) and contents.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
}

/// Reads the values of `data` one after the other.
struct Reader<'a> {
    data: &'a [u8],
    depth: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], depth: usize) -> Self {
        Self { data, depth }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next value, `None` at the end or if it is not well formed.
    fn next(&mut self) -> Option<Tlv<'a>> {
        let (tlv, len) = element(self.data, self.depth)?;
        self.data = self.data.get(len..)?;
        Some(tlv)
    }

    /// The next value if it has `tag`, else `None` (and nothing is consumed).
    fn next_if(&mut self, tag: u8) -> Option<Tlv<'a>> {
        if self.data.first() == Some(&tag) {
            self.next()
        } else {
            None
        }
    }

    /// The next value, which must have `tag`.
    fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next_if(tag)
    }

    /// The values of a constructed value's contents.
    fn inside(&self, tlv: Tlv<'a>) -> Option<Reader<'a>> {
        let depth = self.depth + 1;
        (depth <= MAX_DEPTH).then(|| Reader::new(tlv.content, depth))
    }
}

/// The value at the start of `data` and how many bytes it takes (header, contents and, for an
/// indefinite length, the end-of-contents marker).
fn element(data: &[u8], depth: usize) -> Option<(Tlv<'_>, usize)> {
    let &tag = data.first()?;
    let mut at = 1;
    if tag & 0x1F == 0x1F {
        // A high tag number: base-128 octets, the last with bit 8 clear (at most 4 here).
        let extra = data.get(1..)?.iter().take(4).position(|b| b & 0x80 == 0)?;
        at += extra + 1;
    }
    let &first = data.get(at)?;
    at += 1;
    if first < 0x80 {
        let end = at.checked_add(usize::from(first))?;
        return Some((
            Tlv {
                tag,
                content: data.get(at..end)?,
            },
            end,
        ));
    }
    if first == 0x80 {
        // Indefinite length: constructed only; the contents end at the first end-of-contents
        // marker (00 00) among the values it holds, found by reading them.
        if tag & 0x20 == 0 || depth >= MAX_DEPTH {
            return None;
        }
        let start = at;
        loop {
            let rest = data.get(at..)?;
            if rest.starts_with(&[0, 0]) {
                return Some((
                    Tlv {
                        tag,
                        content: data.get(start..at)?,
                    },
                    at + 2,
                ));
            }
            let (_, len) = element(rest, depth + 1)?;
            at = at.checked_add(len)?;
        }
    }
    // Long form: 1 to 4 length octets (0xFF is reserved); the length must fit the buffer.
    let octets = usize::from(first & 0x7F);
    if octets > 4 {
        return None;
    }
    let mut len = 0usize;
    for &b in data.get(at..at.checked_add(octets)?)? {
        len = len.checked_mul(256)?.checked_add(usize::from(b))?;
    }
    at += octets;
    let end = at.checked_add(len)?;
    Some((
        Tlv {
            tag,
            content: data.get(at..end)?,
        },
        end,
    ))
}

/// What the rules read of a PKCS#7 object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedData {
    /// The X.509 certificates of `certificates` (the other certificate choices are skipped,
    /// as veraPDF's parser does).
    pub certificates: usize,
    /// The `SignerInfo`s of `signerInfos`.
    pub signer_infos: usize,
}

impl SignedData {
    /// veraPDF's empty PKCS#7 object, what it reads an object it cannot parse as: no
    /// certificate, no signer.
    pub const UNREADABLE: SignedData = SignedData {
        certificates: 0,
        signer_infos: 0,
    };
}

/// Reads `der` (trailing bytes ignored) as a `ContentInfo` of type `signedData`; `None` if it is
/// not one, or is not well formed where it is read.
pub(crate) fn read(der: &[u8]) -> Option<SignedData> {
    let top = Reader::new(der, 0);
    let (content_info, _) = element(der, 0)?;
    if content_info.tag != SEQUENCE {
        return None;
    }
    let mut ci = top.inside(content_info)?;
    if ci.expect(OID)?.content != SIGNED_DATA {
        return None;
    }
    let explicit = ci.expect(CONTEXT_0)?;
    let mut explicit = ci.inside(explicit)?;
    let signed_data = explicit.expect(SEQUENCE)?;
    let mut sd = explicit.inside(signed_data)?;
    sd.expect(INTEGER)?; // version
    sd.expect(SET)?; // digestAlgorithms
    sd.expect(SEQUENCE)?; // contentInfo
    let mut certificates = 0;
    if let Some(set) = sd.next_if(CONTEXT_0) {
        let mut certs = sd.inside(set)?;
        while !certs.is_empty() {
            let cert = certs.next()?;
            // Only the X.509 choice is read; a malformed one makes the whole object
            // unreadable, as it does for veraPDF's parser.
            if cert.tag == SEQUENCE {
                let mut c = certs.inside(cert)?;
                c.expect(SEQUENCE)?; // tbsCertificate
                c.expect(SEQUENCE)?; // signatureAlgorithm
                c.expect(BIT_STRING)?; // signatureValue
                certificates += 1;
            }
        }
    }
    sd.next_if(CONTEXT_1); // crls
    let infos = sd.expect(SET)?;
    let mut infos = sd.inside(infos)?;
    let mut signer_infos = 0;
    while !infos.is_empty() {
        let info = infos.next()?;
        if info.tag != SEQUENCE {
            return None;
        }
        infos.inside(info)?.expect(INTEGER)?; // SignerInfo.version
        signer_infos += 1;
    }
    Some(SignedData {
        certificates,
        signer_infos,
    })
}

/// 6.4.3-2 and 6.4.3-3 for a signature dictionary's `Contents`.
///
/// veraPDF reads a `Contents` it cannot parse as an empty PKCS#7 object (no certificate, no
/// `SignerInfo`): `signingCertificatePresent == true` and `SignerInfoCount == 1` are then both
/// false, so such a `Contents` (not DER, not `signedData`, truncated) breaks both rules, the
/// second with "0 signer(s)".
pub(crate) fn check(ctx: &Ctx<'_>, contents: &[u8]) -> Check {
    ctx.tick(1 + contents.len() as u64 / 1024)?;
    let data = read(contents).unwrap_or(SignedData::UNREADABLE);
    if data.certificates == 0 {
        ctx.report(ctx.nope(rule::R6_4_3_2, &[]))?;
    }
    if data.signer_infos != 1 {
        ctx.report(ctx.nope(rule::R6_4_3_3, &[&data.signer_infos]))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &[u8] = include_bytes!("../tests/fixtures/signatures/one-signer.p7s");
    const NO_CERT: &[u8] = include_bytes!("../tests/fixtures/signatures/no-certificate.p7s");
    const TWO: &[u8] = include_bytes!("../tests/fixtures/signatures/two-signers.p7s");

    fn counts(certificates: usize, signer_infos: usize) -> Option<SignedData> {
        Some(SignedData {
            certificates,
            signer_infos,
        })
    }

    /// A DER header for `tag` and a contents of `len` bytes.
    fn header(tag: u8, len: usize) -> Vec<u8> {
        if len < 0x80 {
            return vec![tag, len as u8];
        }
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let mut h = vec![tag, 0x80 | bytes.len() as u8];
        h.extend(bytes);
        h
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = header(tag, content.len());
        v.extend_from_slice(content);
        v
    }

    /// `der` with every definite length of a constructed value rewritten as indefinite (BER),
    /// as a streaming signer writes it.
    fn to_ber(der: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = der;
        while let Some((t, len)) = element(rest, 0) {
            // The fixtures have no high tag numbers: the tag is one octet.
            if t.tag & 0x20 != 0 {
                out.extend([t.tag, 0x80]);
                out.extend(to_ber(t.content));
                out.extend([0, 0]);
            } else {
                out.extend_from_slice(&rest[..len]);
            }
            rest = &rest[len..];
        }
        out
    }

    #[test]
    fn the_fixtures_read_as_their_readme_says() {
        assert_eq!(read(ONE), counts(1, 1));
        assert_eq!(read(NO_CERT), counts(0, 1));
        assert_eq!(read(TWO), counts(2, 2));
    }

    #[test]
    fn zero_padding_after_the_object_is_ignored() {
        let mut padded = ONE.to_vec();
        padded.resize(ONE.len() + 8192, 0);
        assert_eq!(read(&padded), counts(1, 1));
    }

    #[test]
    fn indefinite_lengths_read_as_definite_ones() {
        for (der, want) in [
            (ONE, counts(1, 1)),
            (NO_CERT, counts(0, 1)),
            (TWO, counts(2, 2)),
        ] {
            let ber = to_ber(der);
            assert_ne!(ber, der);
            assert_eq!(read(&ber), want);
        }
    }

    #[test]
    fn a_truncated_object_is_unreadable() {
        for n in 0..ONE.len() {
            assert_eq!(read(&ONE[..n]), None, "{n} bytes");
        }
    }

    #[test]
    fn lengths_beyond_the_buffer_are_refused() {
        // 4 GiB - 1, 2^32 + more octets, a reserved length octet, an indefinite primitive.
        for bad in [
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02][..],
            &[0x30, 0x88, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0x30, 0xFF, 0x00],
            &[0x04, 0x80, 0x01, 0x00, 0x00],
            &[0x30, 0x80, 0x02, 0x01, 0x00],
            &[0x1F, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00],
        ] {
            assert_eq!(element(bad, 0).map(|(_, n)| n), None, "{bad:02X?}");
            assert_eq!(read(bad), None);
        }
    }

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        // 100 000 nested indefinite SEQUENCEs, then as many end-of-contents markers.
        let mut deep = [0x30, 0x80].repeat(100_000);
        deep.extend([0, 0].repeat(100_000));
        assert_eq!(element(&deep, 0).map(|(_, n)| n), None);
        assert_eq!(read(&deep), None);
        // Definite lengths nest without limit in the data but are only sliced, not walked.
        let mut nested = Vec::new();
        for _ in 0..1_000 {
            nested = tlv(SEQUENCE, &nested);
        }
        assert_eq!(read(&nested), None);
        // Within the limit, indefinite values nest.
        let mut shallow = [0x30, 0x80].repeat(MAX_DEPTH);
        shallow.extend([0, 0].repeat(MAX_DEPTH));
        assert_eq!(element(&shallow, 0).map(|(_, n)| n), Some(shallow.len()));
    }

    #[test]
    fn other_content_types_and_shapes_are_unreadable() {
        // `data` (1.2.840.113549.1.7.1) instead of `signedData`.
        let mut data = ONE.to_vec();
        let at = data
            .windows(SIGNED_DATA.len())
            .position(|w| w == SIGNED_DATA)
            .unwrap();
        data[at + SIGNED_DATA.len() - 1] = 1;
        assert_eq!(read(&data), None);
        assert_eq!(read(b"%PDF-1.7 not DER at all"), None);
        assert_eq!(read(&[]), None);
        assert_eq!(read(&[0; 64]), None);
    }

    #[test]
    fn an_empty_certificates_set_holds_no_certificate() {
        // The no-certificate object with an empty `[0]` before `signerInfos`.
        let signed = |certs: &[u8]| {
            let body = [
                tlv(INTEGER, &[1]),
                tlv(SET, &[]),
                tlv(SEQUENCE, &tlv(OID, &SIGNED_DATA[..8])),
                certs.to_vec(),
                tlv(SET, &tlv(SEQUENCE, &tlv(INTEGER, &[1]))),
            ]
            .concat();
            let explicit = tlv(CONTEXT_0, &tlv(SEQUENCE, &body));
            tlv(SEQUENCE, &[tlv(OID, SIGNED_DATA), explicit].concat())
        };
        assert_eq!(read(&signed(&[])), counts(0, 1));
        assert_eq!(read(&signed(&tlv(CONTEXT_0, &[]))), counts(0, 1));
        let cert = tlv(
            SEQUENCE,
            &[
                tlv(SEQUENCE, &[]),
                tlv(SEQUENCE, &[]),
                tlv(BIT_STRING, &[0]),
            ]
            .concat(),
        );
        assert_eq!(read(&signed(&tlv(CONTEXT_0, &cert))), counts(1, 1));
        // Another certificate choice (an attribute certificate, [1]) is skipped.
        assert_eq!(
            read(&signed(&tlv(CONTEXT_0, &tlv(0xA1, &[])))),
            counts(0, 1)
        );
        // A malformed X.509 certificate makes the object unreadable.
        assert_eq!(read(&signed(&tlv(CONTEXT_0, &tlv(SEQUENCE, &[])))), None);
    }

    #[test]
    fn random_mutations_never_panic() {
        // A xorshift generator: the same mutations on every run.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let seeds = [ONE.to_vec(), NO_CERT.to_vec(), TWO.to_vec(), to_ber(TWO)];
        for i in 0..20_000 {
            let mut m = seeds[i % seeds.len()].clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() as usize) % m.len().max(1);
                match next() % 4 {
                    0 if !m.is_empty() => m[at] = next() as u8,
                    1 if !m.is_empty() => m[at] ^= 0x80,
                    2 => m.truncate(at),
                    _ => m.insert(at.min(m.len()), next() as u8),
                }
            }
            let _ = read(&m);
        }
    }
}
