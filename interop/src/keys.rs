//! RSA key material on disk: generated once into the data folder, read back on later starts.

use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a PKCS#8 RSA private key: {reason}")]
    Parse { path: String, reason: String },
    #[error("key generation failed: {0}")]
    Generate(String),
}

/// A PEM private key and its public half.
pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

/// Loads the PKCS#8 PEM private key at `path`, generating a 2048-bit one (mode 0600) if absent.
pub fn load_or_generate(path: &Path) -> Result<KeyPair, KeyFileError> {
    let shown = path.display().to_string();
    let private = if path.exists() {
        let pem = std::fs::read_to_string(path).map_err(|source| KeyFileError::Read {
            path: shown.clone(),
            source,
        })?;
        RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| KeyFileError::Parse {
            path: shown.clone(),
            reason: e.to_string(),
        })?
    } else {
        let key = generate()?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyFileError::Generate(e.to_string()))?;
        write_private(path, pem.as_bytes()).map_err(|source| KeyFileError::Write {
            path: shown.clone(),
            source,
        })?;
        tracing::info!(path = %shown, "generated a new RSA-2048 key");
        key
    };
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyFileError::Generate(e.to_string()))?
        .to_string();
    let public_pem = RsaPublicKey::from(&private)
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| KeyFileError::Generate(e.to_string()))?;
    Ok(KeyPair {
        private_pem,
        public_pem,
    })
}

fn generate() -> Result<RsaPrivateKey, KeyFileError> {
    RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
        .map_err(|e| KeyFileError::Generate(e.to_string()))
}

/// A new RSA-2048 private key as PKCS#8 PEM (CPU-bound: tens to hundreds of milliseconds).
pub fn generate_pem() -> Result<String, KeyFileError> {
    Ok(generate()?
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyFileError::Generate(e.to_string()))?
        .to_string())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Write to a temporary file and rename, so a crash never leaves half a key behind.
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
