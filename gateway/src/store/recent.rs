//! A bounded memory of recently read rows, for a store whose file belongs to this process.
//!
//! Two generations stand in for an LRU: hits are served from either and move to the young one;
//! when the young one is full it becomes the old one and the previous old one is dropped. So at
//! most `capacity` entries are held and a row read again within the last `capacity / 2` reads
//! stays.
//!
//! Consistency with the table: a writer calls [`Recent::invalidate`] after its change is
//! committed; a reader takes a [`Recent::ticket`] before it reads the table and its
//! [`Recent::offer`] is ignored if any invalidation happened in between, so a value read before
//! a change can never be remembered after it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) struct Recent<V> {
    generations: Mutex<Generations<V>>,
    half: usize,
    invalidations: AtomicU64,
}

struct Generations<V> {
    young: HashMap<String, V>,
    old: HashMap<String, V>,
}

/// Taken before reading the table; see [`Recent::offer`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl<V: Clone> Recent<V> {
    pub fn new(capacity: usize) -> Recent<V> {
        Recent {
            generations: Mutex::new(Generations {
                young: HashMap::new(),
                old: HashMap::new(),
            }),
            half: (capacity / 2).max(1),
            invalidations: AtomicU64::new(0),
        }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        let mut g = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = g.young.get(key) {
            return Some(v.clone());
        }
        let v = g.old.remove(key)?;
        self.keep(&mut g, key.to_owned(), v.clone());
        Some(v)
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(self.invalidations.load(Ordering::Acquire))
    }

    /// Remembers what was read under `ticket`, unless something was invalidated since.
    pub fn offer(&self, ticket: Ticket, key: String, value: V) {
        let mut g = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        // Checked under the lock: `invalidate` counts, then takes the lock to remove.
        if self.invalidations.load(Ordering::Acquire) == ticket.0 {
            self.keep(&mut g, key, value);
        }
    }

    /// Forgets `key`; call after the change to its row is committed.
    pub fn invalidate(&self, key: &str) {
        self.invalidations.fetch_add(1, Ordering::AcqRel);
        let mut g = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        g.young.remove(key);
        g.old.remove(key);
    }

    fn keep(&self, g: &mut Generations<V>, key: String, value: V) {
        if g.young.len() >= self.half {
            g.old = std::mem::take(&mut g.young);
        }
        g.young.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_at_most_its_capacity_and_keeps_what_is_read_again() {
        let r: Recent<u32> = Recent::new(4);
        for i in 0..100u32 {
            r.offer(r.ticket(), format!("k{i}"), i);
            // k0 is read after every insert: it always stays.
            assert_eq!(r.get("k0"), Some(0), "after {i}");
            let g = r.generations.lock().unwrap();
            assert!(g.young.len() + g.old.len() <= 4);
        }
        assert_eq!(r.get("k1"), None);
        assert_eq!(r.get("k99"), Some(99));
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_remembered() {
        let r: Recent<&str> = Recent::new(8);
        let before = r.ticket();
        r.invalidate("m"); // the change commits while the read is in flight
        r.offer(before, "m".into(), "stale");
        assert_eq!(r.get("m"), None);
        let after = r.ticket();
        r.offer(after, "m".into(), "fresh");
        assert_eq!(r.get("m"), Some("fresh"));
        r.invalidate("m");
        assert_eq!(r.get("m"), None);
    }
}
