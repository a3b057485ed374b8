//! Idle connections, per origin. A connection is here only between two requests: a request
//! takes one out (the most recently parked, the least likely to have been closed), drives it,
//! and parks it again only if its answer was read to the end and the entity allows reuse.

use super::conn::Conn;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(super) struct Pool {
    idle: Mutex<Idle>,
    max_per_origin: usize,
    idle_timeout: Duration,
}

struct Idle {
    by_origin: HashMap<String, Vec<Conn>>,
    next_sweep: Instant,
}

impl Pool {
    pub fn new(max_per_origin: usize, idle_timeout: Duration) -> Pool {
        Pool {
            idle: Mutex::new(Idle {
                by_origin: HashMap::new(),
                next_sweep: Instant::now() + idle_timeout,
            }),
            max_per_origin,
            idle_timeout,
        }
    }

    /// An idle connection to `origin` that is still open, if there is one. Closed or expired
    /// ones met on the way are dropped (outside the lock: dropping closes the socket).
    pub fn take(&self, origin: &str) -> Option<Conn> {
        loop {
            let mut conn = self
                .idle
                .lock()
                .expect("pool lock")
                .by_origin
                .get_mut(origin)?
                .pop()?;
            if conn.idle_since.elapsed() < self.idle_timeout && conn.still_open() {
                return Some(conn);
            }
        }
    }

    /// Parks a connection whose last answer was read to the end.
    pub fn put(&self, mut conn: Conn) {
        conn.park();
        let now = conn.idle_since;
        let mut closing = Vec::new();
        {
            let mut idle = self.idle.lock().expect("pool lock");
            // Connections to entities no longer called would stay open forever: now and then,
            // close every expired one.
            if now >= idle.next_sweep {
                idle.next_sweep = now + self.idle_timeout;
                for conns in idle.by_origin.values_mut() {
                    let (old, fresh): (Vec<Conn>, Vec<Conn>) = std::mem::take(conns)
                        .into_iter()
                        .partition(|c| now.duration_since(c.idle_since) >= self.idle_timeout);
                    *conns = fresh;
                    closing.extend(old);
                }
                idle.by_origin.retain(|_, conns| !conns.is_empty());
            }
            match idle.by_origin.get_mut(&conn.origin) {
                Some(conns) if conns.len() >= self.max_per_origin => closing.push(conn),
                Some(conns) => conns.push(conn),
                None => {
                    let origin = conn.origin.clone();
                    idle.by_origin.insert(origin, vec![conn]);
                }
            }
        }
        drop(closing);
    }

    #[cfg(test)]
    pub fn idle(&self, origin: &str) -> usize {
        let idle = self.idle.lock().expect("pool lock");
        idle.by_origin.get(origin).map_or(0, Vec::len)
    }
}
