//! The app backend's API keys, compared in constant time.

use sha2::{Digest, Sha256};

/// The configured keys, kept as SHA-256 digests: comparing digests takes the same time whatever
/// the input, and the keys themselves are not kept in memory longer than start-up.
pub struct AppKeys {
    digests: Vec<[u8; 32]>,
}

impl AppKeys {
    pub fn new(keys: &[String]) -> AppKeys {
        AppKeys {
            digests: keys
                .iter()
                .filter(|k| !k.is_empty())
                .map(|k| Sha256::digest(k.as_bytes()).into())
                .collect(),
        }
    }

    pub fn accepts(&self, presented: &str) -> bool {
        let d: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.digests
            .iter()
            .fold(false, |found, k| found | constant_eq(k, &d))
    }
}

fn constant_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_configured_keys() {
        let keys = AppKeys::new(&["k1".into(), "k2".into(), String::new()]);
        assert!(keys.accepts("k1") && keys.accepts("k2"));
        assert!(!keys.accepts("k3") && !keys.accepts(""));
    }
}
