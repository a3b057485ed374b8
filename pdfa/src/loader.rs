//! Loading a file with lopdf within the budget.
//!
//! lopdf inflates some streams while it loads, before any check of ours runs, and meters none
//! of it: every object stream (once per cross-reference entry that points at it, and once more
//! when a stream's `/Length` points into it), every cross-reference stream of the `/Prev` chain
//! (and of its `/XRefStm`s), and up to 16 `/XRef` streams when it rebuilds a broken table.
//! Each is capped only by `LoadOptions::max_decompressed_size`. So, before loading, we count in
//! the raw bytes what can trigger one of those inflations — names spelling `ObjStm`, `XRef`,
//! `Prev`, `XRefStm`, and `/Length` values that are references — and give lopdf a per-stream
//! limit such that all the inflations it can possibly do fit the loader budget together.
//! Counting names is deliberately coarse (a name in a string or in binary data counts too):
//! it may only over-count, which costs a legitimate file nothing but a smaller per-stream limit.
//!
//! What the count cannot see, lopdf's loop over the cross-reference entries does, through its
//! object filter: one object stream listed by many entries would be inflated once per entry,
//! so the filter refuses more object streams than the raw bytes hold. The filter also counts
//! the objects as work and watches the deadline, so that loading a huge file stops in time.
//! Giving lopdf a filter also turns off its second, rebuilding load of files whose page tree
//! it could not read; PDF/A needs a readable cross-reference table anyway (6.1.4).
//!
//! Encrypted files are loaded by another path of lopdf's that ignores the filter; they are
//! never acceptable (6.1.3), so a file whose bytes name `Encrypt` is refused before loading.

use std::cell::RefCell;
use std::time::Instant;

use lopdf::{Document, Object, ObjectId};

use super::budget::{Budget, too_complex};
use super::lexer::{is_regular, is_white};
use super::{FailureKind, Finding, fail};

/// What in the raw bytes can make lopdf inflate a stream while loading.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Census {
    pub object_streams: usize,
    pub xref_names: usize,
    pub prev: usize,
    pub xref_stm: usize,
    pub length_refs: usize,
    pub encrypt: bool,
}

impl Census {
    /// The most streams lopdf can inflate while loading a file with this census.
    pub fn inflations(&self) -> usize {
        // Each `/Prev` leads to one section; a section reached at two offsets (a header parsed
        // from its second digit) leads nowhere new, hence the factor 2.
        let sections = 2 * (1 + self.prev);
        let hybrid = if self.xref_stm > 0 { sections } else { 0 };
        // Two more for the objects lopdf reads on demand after the loop (linearization).
        self.object_streams + self.length_refs + 2 + sections + hybrid + self.xref_names.min(16)
    }
}

/// One pass over the bytes: names (with `#xx` escapes decoded, compared by prefix) and what
/// follows `/Length`.
pub(crate) fn census(bytes: &[u8]) -> Census {
    let mut c = Census::default();
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'/') {
        let start = i + off + 1;
        let (name, end) = name_at(bytes, start);
        i = end;
        let name = &name[..];
        if name.starts_with(b"ObjStm") {
            c.object_streams += 1;
        } else if name.starts_with(b"XRefStm") {
            c.xref_stm += 1;
            c.xref_names += 1;
        } else if name.starts_with(b"XRef") {
            c.xref_names += 1;
        } else if name.starts_with(b"Prev") {
            c.prev += 1;
        } else if name.starts_with(b"Encrypt") {
            c.encrypt = true;
        } else if name.starts_with(b"Length") && reference_at(bytes, end) {
            c.length_refs += 1;
        }
    }
    c
}

/// The first bytes of the name starting at `at` (after its `/`), decoded, and where it ends.
fn name_at(bytes: &[u8], mut at: usize) -> (Vec<u8>, usize) {
    const KEEP: usize = 16;
    let mut name = Vec::new();
    while let Some(&b) = bytes.get(at) {
        if !is_regular(b) {
            break;
        }
        if b == b'#' {
            let hex = |i: usize| bytes.get(i).and_then(|&h| (h as char).to_digit(16));
            match (hex(at + 1), hex(at + 2)) {
                (Some(h), Some(l)) => {
                    if name.len() < KEEP {
                        name.push((h * 16 + l) as u8);
                    }
                    at += 3;
                    continue;
                }
                // lopdf ends a name at a `#` that escapes nothing.
                _ => break,
            }
        }
        if name.len() < KEEP {
            name.push(b);
        }
        at += 1;
    }
    (name, at)
}

/// Whether `n g R` (with any white space or comments between) starts at `at`.
fn reference_at(bytes: &[u8], mut at: usize) -> bool {
    let skip = |at: &mut usize| {
        while let Some(&b) = bytes.get(*at) {
            if is_white(b) {
                *at += 1;
            } else if b == b'%' {
                while bytes.get(*at).is_some_and(|&b| b != b'\n' && b != b'\r') {
                    *at += 1;
                }
            } else {
                break;
            }
        }
    };
    let digits = |at: &mut usize| {
        let from = *at;
        if bytes.get(*at) == Some(&b'+') {
            *at += 1;
        }
        while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at > from
    };
    skip(&mut at);
    if !digits(&mut at) {
        return false;
    }
    skip(&mut at);
    if !digits(&mut at) {
        return false;
    }
    skip(&mut at);
    bytes.get(at) == Some(&b'R')
}

/// What the object filter watches during one load.
struct Loading {
    object_streams_left: usize,
    objects: u64,
    work_left: u64,
    deadline: Instant,
}

thread_local! {
    static LOADING: RefCell<Option<Loading>> = const { RefCell::new(None) };
}

/// The payload a load is abandoned with (resumed as a panic, caught by `validate_at`).
pub(crate) struct Abandoned(pub String);

/// Clears the thread's load state however the load ends, unwinding included.
struct LoadingGuard(Option<Loading>);

impl Drop for LoadingGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        LOADING.with(|l| *l.borrow_mut() = previous);
    }
}

fn meter(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    let stop = LOADING.with(|l| match l.borrow_mut().as_mut() {
        // lopdf called the filter on another thread (a parallel loader): we cannot watch it.
        None => Some("the loader ran outside the validation's watch".to_owned()),
        Some(s) => {
            s.objects += 1;
            if s.objects > s.work_left {
                return Some("it holds too many objects".to_owned());
            }
            if s.objects % 1024 == 0 && Instant::now() >= s.deadline {
                return Some("loading it takes longer than the validation may".to_owned());
            }
            if let Object::Stream(st) = object
                && st.dict.has_type(b"ObjStm")
            {
                if s.object_streams_left == 0 {
                    return Some("its cross-reference table lists object streams more often than the file holds them".to_owned());
                }
                s.object_streams_left -= 1;
            }
            None
        }
    });
    if let Some(why) = stop {
        // Not a bug: the only way to stop lopdf's loop early. No panic hook runs.
        std::panic::resume_unwind(Box::new(Abandoned(why)));
    }
    // lopdf keeps the object it passed (through `&mut`) for the objects of the file's body and
    // takes the returned one for the objects of an object stream, which are never streams.
    let kept = match object {
        Object::Stream(_) => Object::Null,
        other => other.clone(),
    };
    Some((id, kept))
}

/// Loads `bytes` with lopdf, within `budget`.
pub(crate) fn load(bytes: &[u8], budget: &Budget) -> Result<Document, Finding> {
    // Reading every byte once is work too.
    budget.tick(bytes.len() as u64 / 1024)?;
    let census = census(bytes);
    if census.encrypt {
        return Err(fail(
            FailureKind::Encrypted,
            crate::rules::R6_1_3_2,
            "the file is encrypted (it names an Encrypt dictionary)",
        ));
    }
    let inflations = census.inflations();
    let per_stream = (budget.loader_share() / inflations).min(budget.limits().stream_bytes);
    budget.charge_loader(per_stream * inflations, per_stream);
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(per_stream),
        filter: Some(meter),
        ..Default::default()
    };
    let state = Loading {
        object_streams_left: census.object_streams,
        objects: 0,
        work_left: budget.work_left(),
        deadline: budget.deadline(),
    };
    let previous = LOADING.with(|l| l.borrow_mut().replace(state));
    let guard = LoadingGuard(previous);
    let loaded = Document::load_mem_with_options(bytes, options);
    let objects = LOADING.with(|l| l.borrow().as_ref().map_or(0, |s| s.objects));
    drop(guard);
    budget.tick(objects)?;
    match loaded {
        Ok(doc) => Ok(doc),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(too_complex(format!(
                "an object or cross-reference stream decompresses to more than the {per_stream} bytes \
                 allowed for each of the {inflations} such streams the file may hold"
            )))
        }
        Err(e) => Err(fail(
            FailureKind::NotPdf,
            crate::rules::UNREADABLE,
            format!("unreadable PDF: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_census_counts_escaped_names_and_indirect_lengths_only() {
        let c = census(
            b"<</Type/ObjStm>> <</Type /O#62jStm>> /XRefStm 1 /XRef /Prev 9 \
              /Length 12 0 R /Length 12 /Length1 3 %c\n 0 R /Lengths",
        );
        assert_eq!(c.object_streams, 2);
        assert_eq!(c.xref_stm, 1);
        assert_eq!(c.xref_names, 2);
        assert_eq!(c.prev, 1);
        assert_eq!(c.length_refs, 2);
        assert!(!c.encrypt);
        assert!(census(b"trailer <</Encr#79pt 5 0 R>>").encrypt);
        // A `#` that escapes nothing ends the name, as lopdf reads it.
        assert_eq!(census(b"/Obj#zStm").object_streams, 0);
    }

    #[test]
    fn more_triggers_mean_a_smaller_stream_limit_within_the_same_total() {
        let few = Census {
            object_streams: 2,
            xref_names: 1,
            ..Census::default()
        };
        let many = Census {
            object_streams: 600,
            ..few
        };
        assert!(many.inflations() > 600);
        assert!(few.inflations() < 12);
    }
}
