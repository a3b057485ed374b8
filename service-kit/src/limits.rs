//! Connections per peer address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections per IP address, each held by an [`IpSlot`].
pub(crate) struct PerIp {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open connection of a peer; dropping it frees the slot.
pub(crate) struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    pub(crate) fn new(max: usize) -> Arc<PerIp> {
        Arc::new(PerIp {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `ip`, or `None` when it already holds `max` connections.
    pub(crate) fn claim(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        // An IPv4 client reaching a dual-stack socket shows up as ::ffff:a.b.c.d: one peer, one
        // count, whichever way it came.
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: self.clone(),
            ip,
        })
    }

    #[cfg(test)]
    fn peers(&self) -> usize {
        self.open.lock().unwrap().len()
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            // Forget peers with nothing open, or the table grows with every address ever seen.
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_gets_max_slots_others_are_unaffected_and_slots_come_back() {
        let t = PerIp::new(2);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.1".parse().unwrap();
        let a1 = t.claim(a).unwrap();
        let _a2 = t.claim(a).unwrap();
        assert!(t.claim(a).is_none());
        // The same peer through a dual-stack socket.
        assert!(t.claim("::ffff:127.0.0.2".parse().unwrap()).is_none());
        let b1 = t.claim(b).unwrap();
        drop(a1);
        assert!(t.claim(a).is_some());
        drop(b1);
        assert_eq!(t.peers(), 1, "a peer with nothing open is forgotten");
    }
}
