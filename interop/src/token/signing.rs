//! The engine's voucher-signing keys: generated into the data folder on first start (or one
//! configured key), published as a JWKS. Rotation adds a new current key; the previous ones stay in
//! the JWKS until every voucher they signed has expired.

use crate::domain::key::rsa_thumbprint;
use crate::keys::{KeyFileError, load_or_generate};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Jwk {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
    pub kid: String,
    pub n: String,
    pub e: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

struct SigningKey {
    jwk: Jwk,
    /// Parsed once: jsonwebtoken re-parses the private key on every signature, which cost a
    /// fifth of the voucher throughput (docs/benchmarks.md).
    pair: RsaKeyPair,
    /// Unix time the key was created (its file name), for retention after rotation.
    created: i64,
}

/// The signing keys: the newest signs, the others are only published.
pub struct SigningKeys {
    dir: Option<PathBuf>,
    /// How long a retired key stays published after its successor appeared.
    retention: i64,
    keys: RwLock<Vec<Arc<SigningKey>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot sign: {0}")]
    Sign(String),
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
}

fn load(path: &Path, created: i64) -> Result<SigningKey, SigningError> {
    let pair = load_or_generate(path)?;
    let public = RsaPublicKey::from_public_key_pem(&pair.public_pem)
        .map_err(|e| SigningError::Invalid(e.to_string()))?;
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    let kid = rsa_thumbprint(&n, &e).to_string();
    let der = RsaPrivateKey::from_pkcs8_pem(&pair.private_pem)
        .and_then(|k| k.to_pkcs8_der())
        .map_err(|e| SigningError::Invalid(e.to_string()))?;
    let key_pair =
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
        pair: key_pair,
        created,
    })
}

impl SigningKeys {
    /// Uses exactly the configured PEM private key.
    pub fn configured(path: &Path) -> Result<SigningKeys, SigningError> {
        if !path.exists() {
            return Err(SigningError::Invalid(format!(
                "signing key {} does not exist",
                path.display()
            )));
        }
        let key = load(path, 0)?;
        Ok(SigningKeys {
            dir: None,
            retention: 0,
            keys: RwLock::new(vec![Arc::new(key)]),
        })
    }

    /// Loads the keys in `dir` (files `<unix-time>.key.pem`), generating the first one if none.
    pub fn in_dir(dir: &Path, retention: i64, now: i64) -> Result<SigningKeys, SigningError> {
        std::fs::create_dir_all(dir).map_err(|e| SigningError::Io(dir.display().to_string(), e))?;
        let mut keys = Vec::new();
        for entry in
            std::fs::read_dir(dir).map_err(|e| SigningError::Io(dir.display().to_string(), e))?
        {
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
                keys.push(Arc::new(load(&path, created)?));
            }
        }
        keys.sort_by_key(|k| k.created);
        let this = SigningKeys {
            dir: Some(dir.to_path_buf()),
            retention,
            keys: RwLock::new(keys),
        };
        if this.keys.read().expect("keys lock").is_empty() {
            this.rotate(now)?;
        }
        Ok(this)
    }

    /// Generates a new current key. Returns its kid.
    pub fn rotate(&self, now: i64) -> Result<String, SigningError> {
        let Some(dir) = &self.dir else {
            return Err(SigningError::Invalid(
                "the signing key is configured: rotate it by configuration".into(),
            ));
        };
        let mut keys = self.keys.write().expect("keys lock");
        let created = keys.last().map_or(now, |k| now.max(k.created + 1));
        let key = load(&dir.join(format!("{created}.key.pem")), created)?;
        let kid = key.jwk.kid.clone();
        keys.push(Arc::new(key));
        tracing::info!(kid = %kid, "new voucher signing key");
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

    /// The published keys: the current one, and each older one until `retention` seconds after
    /// its successor was created.
    pub fn jwks(&self, now: i64) -> Jwks {
        let keys = self.keys.read().expect("keys lock");
        let mut out = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let published = match keys.get(i + 1) {
                None => true,
                Some(next) => now < next.created + self.retention,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
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
        assert!(matches!(keys.rotate(0), Err(SigningError::Invalid(_))));
        assert!(SigningKeys::configured(&fixture("missing.pem")).is_err());
    }

    #[test]
    fn rotated_keys_stay_published_for_the_retention_then_go() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SigningKeys::in_dir(dir.path(), 100, 1_000).unwrap();
        let first = keys.current_kid();
        let second = keys.rotate(1_050).unwrap();
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
        assert_eq!(kids(1_149), [first.clone(), second.clone()]);
        assert_eq!(kids(1_150), std::slice::from_ref(&second));
        // A restart finds both keys and the same current one.
        let again = SigningKeys::in_dir(dir.path(), 100, 1_100).unwrap();
        assert_eq!(again.current_kid(), second);
        assert_eq!(again.jwks(1_100).keys.len(), 2);
    }
}
