//! The engine's voucher-signing keys, published as a JWKS. They live in the store (generated on
//! first start), so every instance sharing a store signs with the same current key and publishes
//! the same keys; or one key is configured (`tokens.signing_key_path`, the same file everywhere).
//! Rotation adds a new current key; the previous ones stay in the JWKS until every voucher they
//! signed has expired.

use crate::domain::key::rsa_thumbprint;
use crate::keys::{KeyFileError, generate_pem};
use crate::store::{Store, StoreError, StoredKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
    #[schema(value_type = crate::domain::key::Kid)]
    pub kid: String,
    /// RSA modulus, base64url.
    pub n: String,
    /// RSA exponent, base64url.
    pub e: String,
}

/// An RFC 7517 JWK set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Jwks {
    /// The current signing key, and retired ones until the tokens they signed have expired.
    pub keys: Vec<Jwk>,
}

struct SigningKey {
    jwk: Jwk,
    /// Parsed once: jsonwebtoken re-parses the private key on every signature, which cost a
    /// fifth of the voucher throughput (docs/benchmarks.md).
    pair: RsaKeyPair,
    /// Unix time the key was created, for ordering and for retention after rotation.
    created: i64,
}

/// Where the keys come from.
enum Source {
    /// One configured PEM file: never rotated by the engine.
    Configured,
    /// The store, shared by every instance using it.
    Stored(Arc<dyn Store>),
}

/// How stale this instance's copy of the stored keys may be when it signs: a key rotated through
/// another instance is used here within this time (until then the previous key, still published,
/// signs).
pub const KEYS_FRESHNESS: Duration = Duration::from_secs(2);

/// How stale the published JWKS may be: a key rotated through another instance is published here
/// within this time. It bounds the store reads of the (unauthenticated) JWKS endpoint to one a
/// second per instance.
pub const JWKS_FRESHNESS: Duration = Duration::from_secs(1);

/// Seconds a retired key stays published beyond `retention`: another instance may have signed
/// with it for up to [`KEYS_FRESHNESS`] after the rotation, and instances' clocks differ.
pub const RETIREMENT_MARGIN: i64 = 60;

/// The signing keys: the newest signs, the others are only published.
pub struct SigningKeys {
    source: Source,
    /// How long a retired key stays published after its successor appeared.
    retention: i64,
    keys: RwLock<Vec<Arc<SigningKey>>>,
    /// When the store was last read, in microseconds since `epoch`.
    refreshed: AtomicU64,
    /// One refresh at a time: two overlapping ones could install an older key set last.
    refreshing: tokio::sync::Mutex<()>,
    epoch: Instant,
}

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot sign: {0}")]
    Sign(String),
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
}

fn parse(private_pem: &str, created: i64) -> Result<SigningKey, SigningError> {
    let private = RsaPrivateKey::from_pkcs8_pem(private_pem)
        .map_err(|e| SigningError::Invalid(format!("not a PKCS#8 RSA private key: {e}")))?;
    let public = RsaPublicKey::from(&private);
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    let kid = rsa_thumbprint(&n, &e).to_string();
    let der = private
        .to_pkcs8_der()
        .map_err(|e| SigningError::Invalid(e.to_string()))?;
    let pair =
        RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| SigningError::Invalid(e.to_string()))?;
    Ok(SigningKey {
        jwk: Jwk {
            kty: "RSA",
            use_: "sig",
            alg: "RS256",
            kid,
            n,
            e,
        },
        pair,
        created,
    })
}

/// Keys generated into `dir` (files `<unix-time>.key.pem`) before keys moved into the store.
fn legacy_keys(dir: &Path) -> Result<Vec<StoredKey>, SigningError> {
    let mut keys = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(keys),
        Err(e) => return Err(SigningError::Io(dir.display().to_string(), e)),
    };
    for entry in entries {
        let path = entry
            .map_err(|e| SigningError::Io(dir.display().to_string(), e))?
            .path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(created) = name
            .strip_suffix(".key.pem")
            .and_then(|t| t.parse::<i64>().ok())
        {
            let private_pem = std::fs::read_to_string(&path)
                .map_err(|e| SigningError::Io(path.display().to_string(), e))?;
            keys.push(StoredKey {
                created,
                private_pem,
            });
        }
    }
    Ok(keys)
}

impl SigningKeys {
    fn new(source: Source, retention: i64, keys: Vec<Arc<SigningKey>>) -> SigningKeys {
        SigningKeys {
            source,
            retention,
            keys: RwLock::new(keys),
            refreshed: AtomicU64::new(0),
            refreshing: tokio::sync::Mutex::new(()),
            epoch: Instant::now(),
        }
    }

    /// Uses exactly the configured PEM private key.
    pub fn configured(path: &Path) -> Result<SigningKeys, SigningError> {
        let pem = std::fs::read_to_string(path).map_err(|e| {
            SigningError::Invalid(format!("cannot read signing key {}: {e}", path.display()))
        })?;
        let key = parse(&pem, 0)
            .map_err(|e| SigningError::Invalid(format!("signing key {}: {e}", path.display())))?;
        Ok(SigningKeys::new(Source::Configured, 0, vec![Arc::new(key)]))
    }

    /// Uses the keys in `store`, after importing the keys an older version generated into
    /// `legacy_dir` (at every start: the import adds nothing twice, so one cut short by a crash
    /// is completed by the next start); generates the first key when there is none.
    pub async fn stored(
        store: Arc<dyn Store>,
        retention: i64,
        now: i64,
        legacy_dir: Option<&Path>,
    ) -> Result<SigningKeys, SigningError> {
        let legacy = match legacy_dir {
            Some(dir) => legacy_keys(dir)?,
            None => Vec::new(),
        };
        let mut imported = 0;
        for key in &legacy {
            parse(&key.private_pem, key.created)?;
            if store.add_signing_key(key).await? {
                imported += 1;
            }
        }
        if imported > 0 {
            tracing::info!(keys = imported, "signing keys imported into the store");
        }
        let keys = SigningKeys::new(Source::Stored(store.clone()), retention, Vec::new());
        keys.refresh().await?;
        if keys.keys.read().expect("keys lock").is_empty() {
            keys.rotate(now).await?;
        }
        Ok(keys)
    }

    /// Reads the stored keys again (a no-op for a configured key); parses only new ones.
    pub async fn refresh(&self) -> Result<(), SigningError> {
        let Source::Stored(store) = &self.source else {
            return Ok(());
        };
        let _one_at_a_time = self.refreshing.lock().await;
        let started = self.epoch.elapsed().as_micros() as u64;
        let stored = store.signing_keys().await?;
        let known: Vec<Arc<SigningKey>> = self.keys.read().expect("keys lock").clone();
        let mut fresh = Vec::with_capacity(stored.len());
        for s in stored {
            match known.iter().find(|k| k.created == s.created) {
                Some(k) => fresh.push(k.clone()),
                None => fresh.push(Arc::new(parse(&s.private_pem, s.created)?)),
            }
        }
        fresh.sort_by_key(|k| k.created);
        *self.keys.write().expect("keys lock") = fresh;
        self.refreshed.fetch_max(started, Ordering::Relaxed);
        Ok(())
    }

    /// Refreshes only if the store was last read more than `max_age` ago.
    pub async fn refresh_within(&self, max_age: Duration) -> Result<(), SigningError> {
        let now = self.epoch.elapsed().as_micros() as u64;
        if now.saturating_sub(self.refreshed.load(Ordering::Relaxed)) > max_age.as_micros() as u64 {
            self.refresh().await?;
        }
        Ok(())
    }

    /// Generates and stores a new current key. Returns the current kid: the new key's, or, when
    /// another instance stored a key for the same second first, that one's.
    pub async fn rotate(&self, now: i64) -> Result<String, SigningError> {
        let Source::Stored(store) = &self.source else {
            return Err(SigningError::Invalid(
                "the signing key is configured: rotate it by configuration".into(),
            ));
        };
        self.refresh().await?;
        let last = self
            .keys
            .read()
            .expect("keys lock")
            .last()
            .map(|k| k.created);
        let created = last.map_or(now, |last| now.max(last + 1));
        let private_pem = tokio::task::spawn_blocking(generate_pem)
            .await
            .map_err(|e| SigningError::Invalid(format!("key generation stopped: {e}")))??;
        let stored = store
            .add_signing_key(&StoredKey {
                created,
                private_pem,
            })
            .await?;
        self.refresh().await?;
        let kid = self.current_kid();
        if stored {
            tracing::info!(kid = %kid, "new voucher signing key");
        }
        Ok(kid)
    }

    fn current(&self) -> Arc<SigningKey> {
        self.keys
            .read()
            .expect("keys lock")
            .last()
            .cloned()
            .expect("at least one signing key")
    }

    /// The published keys: the current one, and each older one until `retention` (plus
    /// [`RETIREMENT_MARGIN`]) seconds after its successor was created.
    pub fn jwks(&self, now: i64) -> Jwks {
        let keys = self.keys.read().expect("keys lock");
        let mut out = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let published = match keys.get(i + 1) {
                None => true,
                Some(next) => now < next.created + self.retention + RETIREMENT_MARGIN,
            };
            if published {
                out.push(k.jwk.clone());
            }
        }
        Jwks { keys: out }
    }

    /// The current key's kid.
    pub fn current_kid(&self) -> String {
        self.current().jwk.kid.clone()
    }

    /// Signs `claims` as an access token (`typ: at+jwt`) with the current key.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, SigningError> {
        let key = self.current();
        let header = serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": key.jwk.kid});
        let header = serde_json::to_vec(&header).map_err(|e| SigningError::Sign(e.to_string()))?;
        let body = serde_json::to_vec(claims).map_err(|e| SigningError::Sign(e.to_string()))?;
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(body)
        );
        let mut signature = vec![0; key.pair.public_modulus_len()];
        key.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|e| SigningError::Sign(e.to_string()))?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// The public key of a published kid, to verify M2M tokens the engine issued itself.
    pub fn decoding_key(&self, kid: &str, now: i64) -> Option<jsonwebtoken::DecodingKey> {
        let jwk = self.jwks(now).keys.into_iter().find(|k| k.kid == kid)?;
        jsonwebtoken::DecodingKey::from_rsa_components(&jwk.n, &jwk.e).ok()
    }

    /// [`Self::decoding_key`], reading the store again (at most every [`KEYS_FRESHNESS`]) when
    /// the kid is unknown here: another instance may have rotated.
    pub async fn decoding_key_fresh(
        &self,
        kid: &str,
        now: i64,
    ) -> Option<jsonwebtoken::DecodingKey> {
        if let Some(key) = self.decoding_key(kid, now) {
            return Some(key);
        }
        self.refresh_quietly(KEYS_FRESHNESS).await;
        self.decoding_key(kid, now)
    }

    /// [`Self::refresh_within`] for paths that can go on with the keys they have: a store that
    /// cannot be read is logged, not fatal (the keys known here are still valid).
    pub async fn refresh_quietly(&self, max_age: Duration) {
        if let Err(e) = self.refresh_within(max_age).await {
            tracing::warn!(error = %e, "cannot read the signing keys; using the ones known here");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/keys")
            .join(name)
    }

    #[test]
    fn a_configured_key_signs_and_cannot_be_rotated() {
        let keys = SigningKeys::configured(&fixture("client-b.key.pem")).unwrap();
        let jwks = keys.jwks(0);
        assert_eq!(jwks.keys.len(), 1);
        assert_eq!(jwks.keys[0].kid.len(), 43);
        let token = keys.sign(&serde_json::json!({"sub": "x"})).unwrap();
        let key = keys.decoding_key(&jwks.keys[0].kid, 0).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &v).unwrap();
        assert_eq!(data.claims["sub"], "x");
        assert_eq!(data.header.typ.as_deref(), Some("at+jwt"));
        let rotated = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(keys.rotate(0));
        assert!(matches!(rotated, Err(SigningError::Invalid(_))));
        assert!(SigningKeys::configured(&fixture("missing.pem")).is_err());
    }

    #[tokio::test]
    async fn rotated_keys_stay_published_for_the_retention_then_go() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(
            crate::store::SqliteStore::open(&dir.path().join("i.db"), &dir.path().join("t.db"))
                .await
                .unwrap(),
        );
        let keys = SigningKeys::stored(store.clone(), 100, 1_000, None)
            .await
            .unwrap();
        let first = keys.current_kid();
        let second = keys.rotate(1_050).await.unwrap();
        assert_ne!(first, second);
        assert_eq!(keys.current_kid(), second);
        let kids = |now| {
            keys.jwks(now)
                .keys
                .into_iter()
                .map(|k| k.kid)
                .collect::<Vec<_>>()
        };
        assert_eq!(kids(1_100), [first.clone(), second.clone()]);
        assert_eq!(kids(1_209), [first.clone(), second.clone()]);
        assert_eq!(kids(1_210), std::slice::from_ref(&second));
        // A restart (or another instance on the same store) finds both keys and the same current.
        let again = SigningKeys::stored(store, 100, 1_100, None).await.unwrap();
        assert_eq!(again.current_kid(), second);
        assert_eq!(again.jwks(1_100).keys.len(), 2);
    }

    #[tokio::test]
    async fn keys_an_older_version_kept_in_files_are_imported_once() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("signing");
        std::fs::create_dir_all(&legacy).unwrap();
        let pem = std::fs::read_to_string(fixture("client-b.key.pem")).unwrap();
        std::fs::write(legacy.join("1000.key.pem"), &pem).unwrap();
        std::fs::write(legacy.join("notes.txt"), "not a key").unwrap();
        let store: Arc<dyn Store> = Arc::new(
            crate::store::SqliteStore::open(&dir.path().join("i.db"), &dir.path().join("t.db"))
                .await
                .unwrap(),
        );
        let keys = SigningKeys::stored(store.clone(), 100, 2_000, Some(&legacy))
            .await
            .unwrap();
        let configured = SigningKeys::configured(&fixture("client-b.key.pem")).unwrap();
        assert_eq!(keys.current_kid(), configured.current_kid());
        assert_eq!(store.signing_keys().await.unwrap().len(), 1);
        // The import runs at every start and adds nothing twice; a file that is not a key stops
        // the start.
        let again = SigningKeys::stored(store.clone(), 100, 4_000, Some(&legacy))
            .await
            .unwrap();
        assert_eq!(again.current_kid(), configured.current_kid());
        assert_eq!(store.signing_keys().await.unwrap().len(), 1);
        std::fs::write(legacy.join("3000.key.pem"), "garbage").unwrap();
        assert!(
            SigningKeys::stored(store, 100, 4_000, Some(&legacy))
                .await
                .is_err()
        );
    }
}
