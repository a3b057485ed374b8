//! How a response body is delimited (RFC 9112 §6.3) and the decoder that walks it over the
//! connection's read buffer. Pure: it never reads the socket; it tells the caller what the bytes
//! at hand are (body data, framing to skip) or that it needs more.

use super::Error;

/// Longest chunk-size line (size plus extensions); most bytes of chunk-size lines after the
/// sizes in a whole body (extensions ignored, but an entity could send 1-byte chunks with long
/// extensions to make a body cost many times its size); longest trailer section, and most
/// trailer lines. Each is below hyper's (16 KiB of extensions per body, 16 KiB and 100 lines of
/// trailers), so anything hyper refuses as too long we refuse too (`differential.rs`).
const MAX_LINE: usize = 4096;
const MAX_EXTENSIONS: usize = 8 * 1024;
const MAX_TRAILERS: usize = 8 * 1024;
const MAX_TRAILER_LINES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// `Content-Length`: this many bytes still to come.
    Length(u64),
    /// The state, and the bytes of chunk-size lines after their sizes so far.
    Chunked(Chunk, usize),
    /// Neither: the body ends when the entity closes the connection.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chunk {
    Size,
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// After the last chunk: trailer lines (checked, then ignored) up to an empty line; bytes
    /// and lines seen so far.
    Trailers {
        bytes: usize,
        lines: usize,
    },
    Done,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The first `n` bytes at hand are body data.
    Data(usize),
    /// The first `n` bytes at hand are framing: skip them.
    Skip(usize),
    /// Nothing to do with the bytes at hand: read more.
    NeedMore,
    /// The body is complete.
    Done,
}

fn protocol(what: &'static str) -> Error {
    Error::Protocol(what)
}

impl Framing {
    pub(super) const CHUNKED: Framing = Framing::Chunked(Chunk::Size, 0);

    /// What the bytes at hand are; call again after acting on the answer.
    pub(super) fn step(&mut self, at_hand: &[u8]) -> Result<Step, Error> {
        match self {
            Framing::Length(0) => Ok(Step::Done),
            Framing::Length(left) => Ok(data(left, at_hand)),
            Framing::Close if at_hand.is_empty() => Ok(Step::NeedMore),
            Framing::Close => Ok(Step::Data(at_hand.len())),
            Framing::Chunked(state, extensions) => chunked(state, extensions, at_hand),
        }
    }

    /// The connection ended: fine only for a close-delimited body (or one already complete).
    pub(super) fn at_eof(&self) -> Result<(), Error> {
        match self {
            Framing::Close | Framing::Length(0) | Framing::Chunked(Chunk::Done, _) => Ok(()),
            _ => Err(Error::Truncated),
        }
    }
}

fn data(left: &mut u64, at_hand: &[u8]) -> Step {
    if at_hand.is_empty() {
        return Step::NeedMore;
    }
    let n = (at_hand.len() as u64).min(*left);
    *left -= n;
    Step::Data(n as usize)
}

/// The line at the start of `at_hand`, without its CRLF, and the bytes it takes with it. A CR
/// anywhere else, or an LF without its CR, is refused: RFC 9112 §2.2 lets a recipient accept a
/// bare LF, but a recipient that does and one that does not (a proxy in front of the entity,
/// say) would split the body differently, which is how a response is smuggled.
fn line<'a>(
    at_hand: &'a [u8],
    limit: usize,
    too_long: &'static str,
) -> Result<Option<(&'a [u8], usize)>, Error> {
    match at_hand.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = at_hand[..i]
                .strip_suffix(b"\r")
                .ok_or(protocol("a chunked body line does not end with CRLF"))?;
            if line.contains(&b'\r') {
                return Err(protocol("a chunked body line has a CR before its end"));
            }
            if i > limit {
                return Err(protocol(too_long));
            }
            Ok(Some((line, i + 1)))
        }
        None if at_hand.len() > limit => Err(protocol(too_long)),
        // Not ended yet, but a CR that is not the last byte can only be broken: refused now
        // rather than when (if ever) an LF comes.
        None if at_hand[..at_hand.len().saturating_sub(1)].contains(&b'\r') => {
            Err(protocol("a chunked body line has a CR before its end"))
        }
        None => Ok(None),
    }
}

/// The size, and how many bytes of the line follow it (whitespace and extensions, ignored).
fn chunk_size(line: &[u8]) -> Result<(u64, usize), Error> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    // `1*HEXDIG`: leading zeros are allowed, however many; only a value past u64 is refused.
    let zeros = line[..digits].iter().take_while(|&&b| b == b'0').count();
    if digits == 0 || digits - zeros > 16 {
        return Err(protocol("invalid chunk size"));
    }
    // After the size: nothing, or optional whitespace then `;` extensions (ignored).
    let rest = &line[digits..];
    let after = &rest[rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()..];
    if !after.is_empty() && after[0] != b';' {
        return Err(protocol("invalid chunk size"));
    }
    let text =
        std::str::from_utf8(&line[zeros..digits]).map_err(|_| protocol("invalid chunk size"))?;
    let size = if text.is_empty() {
        0
    } else {
        u64::from_str_radix(text, 16).map_err(|_| protocol("invalid chunk size"))?
    };
    Ok((size, rest.len()))
}

/// A trailer field line, as a header line: a token, a colon, then a value without control
/// characters (trailers are ignored, but a malformed one means the framing is not what the
/// entity thinks it is).
fn is_field_line(line: &[u8]) -> bool {
    let name = line
        .iter()
        .take_while(|&&b| super::head::is_token(b))
        .count();
    name > 0
        && line.get(name) == Some(&b':')
        && line[name + 1..]
            .iter()
            .all(|&b| super::head::is_value_byte(b))
}

fn chunked(state: &mut Chunk, extensions: &mut usize, at_hand: &[u8]) -> Result<Step, Error> {
    match state {
        Chunk::Size => {
            let Some((line, taken)) = line(at_hand, MAX_LINE, "a chunked body line is too long")?
            else {
                // A size line is refused as soon as it is broken, not when (if ever) it ends:
                // an entity that never ends it would hold the call to its timeout.
                if !at_hand.is_empty() {
                    // A lone CR is no start of a size line (it has no digit).
                    chunk_size(at_hand.strip_suffix(b"\r").unwrap_or(at_hand))?;
                }
                return Ok(Step::NeedMore);
            };
            let (size, rest) = chunk_size(line)?;
            *extensions += rest;
            if *extensions > MAX_EXTENSIONS {
                return Err(protocol("the chunk extensions are too long"));
            }
            *state = if size == 0 {
                Chunk::Trailers { bytes: 0, lines: 0 }
            } else {
                Chunk::Data(size)
            };
            Ok(Step::Skip(taken))
        }
        Chunk::Data(left) => {
            let step = data(left, at_hand);
            if *left == 0 {
                *state = Chunk::DataEnd;
            }
            Ok(step)
        }
        Chunk::DataEnd => match at_hand {
            [b'\r', b'\n', ..] => {
                *state = Chunk::Size;
                Ok(Step::Skip(2))
            }
            [] | [b'\r'] => Ok(Step::NeedMore),
            _ => Err(protocol("a chunk's data is not followed by CRLF")),
        },
        Chunk::Trailers { bytes, lines } => {
            let limit = MAX_TRAILERS.saturating_sub(*bytes);
            let Some((line, taken)) = line(at_hand, limit, "the trailers are too long")? else {
                return Ok(Step::NeedMore);
            };
            *bytes += taken;
            if line.is_empty() {
                *state = Chunk::Done;
            } else if !is_field_line(line) {
                return Err(protocol("invalid trailer line"));
            } else {
                *lines += 1;
                if *bytes > MAX_TRAILERS || *lines > MAX_TRAILER_LINES {
                    return Err(protocol("the trailers are too long"));
                }
            }
            Ok(Step::Skip(taken))
        }
        Chunk::Done => Ok(Step::Done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes `wire` handed over in pieces of `piece` bytes, as reads would; answers the body
    /// and how many bytes of `wire` the body took.
    fn decode(mut framing: Framing, wire: &[u8], piece: usize) -> Result<(Vec<u8>, usize), Error> {
        let mut body = Vec::new();
        let (mut pos, mut have) = (0, piece.min(wire.len()));
        loop {
            match framing.step(&wire[pos..have])? {
                Step::Data(n) => {
                    body.extend_from_slice(&wire[pos..pos + n]);
                    pos += n;
                }
                Step::Skip(n) => pos += n,
                Step::NeedMore if have == wire.len() => {
                    framing.at_eof()?;
                    return Ok((body, pos));
                }
                Step::NeedMore => have = (have + piece).min(wire.len()),
                Step::Done => return Ok((body, pos)),
            }
        }
    }

    fn chunked() -> Framing {
        Framing::CHUNKED
    }

    #[test]
    fn a_chunked_body_with_extensions_and_trailers_decodes_in_any_pieces() {
        let wire = b"5;name=value\r\nhello\r\n1 ; x\r\n \r\nA\r\n0123456789\r\n0\r\nx-checksum: 1\r\n\r\nNEXT";
        for piece in 1..wire.len() {
            let (body, used) = decode(chunked(), wire, piece).unwrap();
            assert_eq!(body, b"hello 0123456789", "piece {piece}");
            assert_eq!(&wire[used..], b"NEXT", "piece {piece}");
        }
    }

    #[test]
    fn malformed_chunked_bodies_are_refused() {
        for wire in [
            &b"zz\r\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\nhello\r\n0\r\n\r\n",
            b"5 x\r\nhello\r\n0\r\n\r\n",
            b"11111111111111111\r\n",
            b"-5\r\nhello\r\n0\r\n\r\n",
            b"2;a\rb\r\nhi\r\n0\r\n\r\n",
            b"2\r\nhi\r\n0\r\nnot a field\r\n\r\n",
            b"2\r\nhi\r\n0\r\nx : 1\r\n\r\n",
            b"2\r\nhi\r\n0\r\nx: 1\r\n folded\r\n\r\n",
            b"2\r\nhi\r\n0\r\nx: \x01\r\n\r\n",
        ] {
            assert!(
                matches!(decode(chunked(), wire, 3), Err(Error::Protocol(_))),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
        // Endless size line, endless trailers.
        let mut long = b"1".to_vec();
        long.extend(vec![b';'; MAX_LINE + 10]);
        assert!(matches!(
            decode(chunked(), &long, 100),
            Err(Error::Protocol(_))
        ));
        let mut trailers = b"0\r\n".to_vec();
        for _ in 0..3000 {
            trailers.extend_from_slice(b"x-a: b\r\n");
        }
        assert!(matches!(
            decode(chunked(), &trailers, 500),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn sizes_take_any_leading_zeros_and_extensions_are_bounded_per_body() {
        let wire = b"00000000000000000000002\r\nhi\r\n0000000000000000000000\r\n\r\n";
        assert_eq!(decode(chunked(), wire, 5).unwrap().0, b"hi");
        // Each line is under MAX_LINE, together they are over MAX_EXTENSIONS.
        let line = format!("1;{}\r\nx\r\n", "e".repeat(3000));
        let wire = format!("{}0\r\n\r\n", line.repeat(3));
        assert!(matches!(
            decode(chunked(), wire.as_bytes(), 4096),
            Err(Error::Protocol("the chunk extensions are too long"))
        ));
        // A line over MAX_LINE is refused however it arrives.
        let wire = format!("1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(MAX_LINE));
        for piece in [100, wire.len()] {
            assert!(
                decode(chunked(), wire.as_bytes(), piece).is_err(),
                "{piece}"
            );
        }
    }

    #[test]
    fn a_broken_line_is_refused_before_its_end() {
        // The entity may never send the rest: waiting would only end at the timeout.
        assert!(chunked().step(b"j").is_err());
        assert!(chunked().step(b"5 x").is_err());
        assert!(chunked().step(b"5;a\rb").is_err());
        assert!(chunked().step(b"\r").is_err());
        assert_eq!(chunked().step(b"5;a=b\r").unwrap(), Step::NeedMore);
        let mut trailers = Framing::Chunked(Chunk::Trailers { bytes: 0, lines: 0 }, 0);
        assert!(trailers.step(b"\rx").is_err());
        assert_eq!(trailers.step(b"x: 1").unwrap(), Step::NeedMore);
    }

    #[test]
    fn a_body_cut_short_is_truncated() {
        assert!(matches!(
            decode(chunked(), b"5\r\nhel", 2),
            Err(Error::Truncated)
        ));
        assert!(matches!(
            decode(chunked(), b"5\r\nhello\r\n", 2),
            Err(Error::Truncated)
        ));
        assert!(matches!(
            decode(Framing::Length(10), b"hello", 2),
            Err(Error::Truncated)
        ));
        // Close-delimited: the end of the connection is the end of the body.
        assert_eq!(decode(Framing::Close, b"hello", 2).unwrap().0, b"hello");
    }

    #[test]
    fn a_length_body_stops_at_its_length() {
        let (body, used) = decode(Framing::Length(5), b"helloHTTP/1.1", 4).unwrap();
        assert_eq!((body.as_slice(), used), (&b"hello"[..], 5));
        assert_eq!(
            decode(Framing::Length(0), b"x", 1).unwrap(),
            (Vec::new(), 0)
        );
    }

    proptest! {
        #[test]
        fn chunked_round_trips(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..300), 0..8),
            piece in 1usize..64,
            upper in any::<bool>(),
        ) {
            let mut wire = Vec::new();
            for c in &chunks {
                let size = if upper { format!("{:X}", c.len()) } else { format!("{:x}", c.len()) };
                wire.extend_from_slice(size.as_bytes());
                wire.extend_from_slice(b"\r\n");
                wire.extend_from_slice(c);
                wire.extend_from_slice(b"\r\n");
            }
            wire.extend_from_slice(b"0\r\n\r\n");
            let (body, used) = decode(chunked(), &wire, piece).unwrap();
            prop_assert_eq!(body, chunks.concat());
            prop_assert_eq!(used, wire.len());
        }
    }
}
