//! The identity issuer's JSON Web Key Set (`identity.jwks_url`, or the `jwks_uri` of its OpenID
//! discovery document at `identity.discovery_url`): fetched over HTTP(S), kept by `kid`, fetched
//! again when a token names a key it does not hold (at most once per `min_interval`) and
//! periodically. Only asymmetric signature keys are kept: RSA for RS*/PS*, P-256 for ES256,
//! P-384 for ES384.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Where the identity issuer's JSON Web Key Set is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// The JWKS itself (`identity.jwks_url`).
    Jwks(String),
    /// The issuer's OpenID discovery document (`identity.discovery_url`), whose `issuer` must be
    /// the configured issuer and whose `jwks_uri` is the JWKS.
    Discovery(String),
}

/// The largest discovery document or key set read.
const MAX_DOCUMENT: usize = 1 << 20;

/// A key of the set, and the algorithms it may verify.
struct SetKey {
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

/// The identity issuer's key set: fetched at start, again when a token names a key it does not
/// hold (at most once per `min_interval`, whatever the tokens name), and periodically
/// ([`RemoteKeys::refresh`]). A failed fetch keeps the keys known.
pub struct RemoteKeys {
    source: JwksSource,
    issuer: String,
    http: reqwest::Client,
    min_interval: Duration,
    /// By `kid` (the empty string for a key without one).
    keys: RwLock<HashMap<String, Arc<SetKey>>>,
    /// When the last fetch started; held during a fetch, so concurrent misses wait for it.
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
}

impl RemoteKeys {
    /// No key yet: call [`RemoteKeys::refresh`].
    pub fn new(
        source: JwksSource,
        issuer: &str,
        timeout: Duration,
        min_interval: Duration,
    ) -> Result<RemoteKeys, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(RemoteKeys {
            source,
            issuer: issuer.into(),
            http,
            min_interval,
            keys: RwLock::new(HashMap::new()),
            last_attempt: tokio::sync::Mutex::new(None),
        })
    }

    /// How many signing keys are known.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<SetKey>>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Fetches the key set now and replaces the keys known; on failure they stay. Returns how
    /// many signing keys the set holds.
    pub async fn refresh(&self) -> Result<usize, String> {
        let mut last = self.last_attempt.lock().await;
        *last = Some(Instant::now());
        self.fetch_and_replace().await
    }

    async fn fetch_and_replace(&self) -> Result<usize, String> {
        let keys = self.fetch().await?;
        let n = keys.len();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        Ok(n)
    }

    /// Fetches unless the last fetch started less than `min_interval` ago.
    async fn refresh_if_due(&self) {
        let mut last = self.last_attempt.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.min_interval) {
            return;
        }
        *last = Some(Instant::now());
        match self.fetch_and_replace().await {
            Ok(n) => tracing::info!(keys = n, "identity issuer's key set refreshed"),
            Err(e) => tracing::warn!(error = %e, "cannot refresh the identity issuer's key set"),
        }
    }

    fn lookup(&self, kid: Option<&str>) -> Option<Arc<SetKey>> {
        let keys = self.read();
        match kid {
            Some(kid) => keys.get(kid).cloned(),
            // A token without `kid`: only a set of one key says which.
            None if keys.len() == 1 => keys.values().next().cloned(),
            None => None,
        }
    }

    /// The key that verifies a token with header `kid` and `alg`.
    pub(crate) async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, String> {
        let found = match self.lookup(kid) {
            Some(k) => Some(k),
            None => {
                self.refresh_if_due().await;
                self.lookup(kid)
            }
        };
        let Some(key) = found else {
            return Err(match kid {
                Some(kid) => format!("the identity issuer's key set has no key {kid:?}"),
                None => "the token names no key (kid) and the issuer has several".into(),
            });
        };
        if !key.algorithms.contains(&alg) {
            return Err(format!("the key does not sign with {alg:?}"));
        }
        Ok(key.key.clone())
    }

    async fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        let mut res = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("GET {url}: HTTP {}", res.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| format!("GET {url}: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT {
                return Err(format!("GET {url}: more than {MAX_DOCUMENT} bytes"));
            }
        }
        serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not JSON: {e}"))
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<SetKey>>, String> {
        let jwks_uri = match &self.source {
            JwksSource::Jwks(url) => url.clone(),
            JwksSource::Discovery(url) => {
                let doc = self.get_json(url).await?;
                let issuer = doc.get("issuer").and_then(|v| v.as_str());
                if issuer != Some(self.issuer.as_str()) {
                    return Err(format!(
                        "the discovery document {url} names issuer {issuer:?}, not identity.issuer {:?}",
                        self.issuer
                    ));
                }
                match doc.get("jwks_uri").and_then(|v| v.as_str()) {
                    Some(u) if is_http_url(u) => u.to_owned(),
                    other => {
                        return Err(format!(
                            "the discovery document {url} has no http(s) jwks_uri: {other:?}"
                        ));
                    }
                }
            }
        };
        let set = self.get_json(&jwks_uri).await?;
        let entries = set
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| format!("{jwks_uri} is not a JSON Web Key Set (no keys array)"))?;
        Ok(parse_key_set(entries))
    }
}

/// Whether `url` is an http(s) URL.
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
}

/// The signature keys of a JWKS's `keys`, by `kid`: RSA keys for RS*/PS*, P-256 for ES256,
/// P-384 for ES384, narrowed to their `alg` when they name one. Encryption keys, symmetric
/// keys and what cannot be read are left out.
fn parse_key_set(entries: &[serde_json::Value]) -> HashMap<String, Arc<SetKey>> {
    let mut keys = HashMap::new();
    for entry in entries {
        let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
            continue;
        };
        if let Some((kid, key)) = signing_key(&jwk) {
            keys.insert(kid, Arc::new(key));
        }
    }
    keys
}

fn signing_key(jwk: &Jwk) -> Option<(String, SetKey)> {
    use Algorithm::*;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let mut algorithms = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![ES256],
            EllipticCurve::P384 => vec![ES384],
            _ => return None,
        },
        _ => return None,
    };
    if let Some(named) = jwk.common.key_algorithm {
        if named == KeyAlgorithm::UNKNOWN_ALGORITHM {
            return None;
        }
        let named: Algorithm = format!("{named:?}").parse().ok()?;
        algorithms.retain(|a| *a == named);
        if algorithms.is_empty() {
            return None;
        }
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    let kid = jwk.common.key_id.clone().unwrap_or_default();
    Some((kid, SetKey { key, algorithms }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::{IdentityKeys, IdentityVerifier};
    use crate::codes::Code;
    use axum::Json;
    use axum::routing::get;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{Value, json};
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ISSUER: &str = "https://idp.example";
    const AUDIENCE: &str = "recapito-console";

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/keys")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        STANDARD.decode(body).unwrap()
    }

    /// The RSA fixture as a JWK named `kid`, and its signing key.
    fn rsa_key(kid: &str, file: &str) -> (Value, EncodingKey) {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let pem = fixture(file);
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
        let jwk = json!({
            "kty": "RSA", "use": "sig", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
        });
        (jwk, EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap())
    }

    /// The P-256 fixture as a JWK named `kid` (alg ES256), and its signing key.
    fn ec_key(kid: &str) -> (Value, EncodingKey) {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let der = pem_der(&fixture("ec-p256.key.pem"));
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).unwrap();
        let point = pair.public_key().as_ref();
        assert_eq!(point[0], 4, "uncompressed point");
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        (jwk, EncodingKey::from_ec_der(&der))
    }

    fn claims(aud: Value) -> Value {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        json!({
            "iss": ISSUER, "aud": aud, "sub": "0b6f6a1e-4a8e-4f57-9a77-1a1d7f1c2b3d",
            "tenant_id": "6a2f1c7e-0d0b-4c5e-8a55-3d3b7b2d9e11", "roles": ["admin"],
            "iat": now, "exp": now + 300, "nonce": "n-0S6_WzA2Mj",
        })
    }

    fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    /// An issuer serving a discovery document and a key set that the test changes, counting the
    /// key set's fetches.
    struct Issuer {
        base: String,
        keys: Arc<Mutex<Vec<Value>>>,
        fetches: Arc<AtomicUsize>,
    }

    async fn issuer(discovery_issuer: &str, keys: Vec<Value>) -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let doc = json!({ "issuer": discovery_issuer, "jwks_uri": format!("{base}/jwks") });
        let (k, f) = (keys.clone(), fetches.clone());
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(doc) }),
            )
            .route(
                "/jwks",
                get(move || async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    let keys = k.lock().unwrap().clone();
                    Json(json!({ "keys": keys }))
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Issuer {
            base,
            keys,
            fetches,
        }
    }

    fn verifier(remote: Arc<RemoteKeys>) -> IdentityVerifier {
        IdentityVerifier::with_keys(
            IdentityKeys::Remote(remote),
            ISSUER,
            AUDIENCE,
            BTreeSet::new(),
        )
    }

    fn remote(source: JwksSource, min_interval: Duration) -> Arc<RemoteKeys> {
        Arc::new(RemoteKeys::new(source, ISSUER, Duration::from_secs(5), min_interval).unwrap())
    }

    #[tokio::test]
    async fn tokens_signed_by_any_key_of_the_set_are_accepted_by_kid() {
        let (rsa_jwk, rsa) = rsa_key("r1", "identity.key.pem");
        let (ec_jwk, ec) = ec_key("e1");
        let idp = issuer(ISSUER, vec![rsa_jwk, ec_jwk]).await;
        let keys = remote(
            JwksSource::Jwks(format!("{}/jwks", idp.base)),
            Duration::from_secs(3600),
        );
        assert_eq!(keys.refresh().await, Ok(2));
        let v = verifier(keys);
        let good = claims(json!(AUDIENCE));
        let c = v
            .verify(&sign(Algorithm::RS256, Some("r1"), &rsa, &good))
            .await
            .unwrap();
        assert_eq!(c.roles, ["admin"]);
        v.verify(&sign(Algorithm::ES256, Some("e1"), &ec, &good))
            .await
            .unwrap();
        // An OpenID provider may write the audience as an array.
        let c = v
            .verify(&sign(
                Algorithm::RS256,
                Some("r1"),
                &rsa,
                &claims(json!(["other", AUDIENCE])),
            ))
            .await
            .unwrap();
        assert_eq!(c.aud, "other");

        let refused = async |token: String, why: &str| {
            let e = v.verify(&token).await.unwrap_err();
            assert_eq!(e.code, Code::INVALID_TOKEN, "{why}");
            e.detail.clone()
        };
        refused(
            sign(
                Algorithm::RS256,
                Some("r1"),
                &rsa,
                &claims(json!("another-client")),
            ),
            "audience",
        )
        .await;
        let mut other_issuer = good.clone();
        other_issuer["iss"] = json!("https://evil.example");
        refused(
            sign(Algorithm::RS256, Some("r1"), &rsa, &other_issuer),
            "issuer",
        )
        .await;
        let mut expired = good.clone();
        expired["exp"] = json!(1_000_000);
        refused(
            sign(Algorithm::RS256, Some("r1"), &rsa, &expired),
            "expired",
        )
        .await;
        // The ECDSA key does not verify an RSA signature.
        let d = refused(
            sign(Algorithm::RS256, Some("e1"), &rsa, &good),
            "alg of another key",
        )
        .await;
        assert!(d.contains("does not sign with RS256"), "{d}");
        // The RSA key verifies PS256 too (its JWK names no alg).
        v.verify(&sign(Algorithm::PS256, Some("r1"), &rsa, &good))
            .await
            .unwrap();
        // Another key under a known kid: the signature is wrong.
        let (_, other) = rsa_key("r1", "client-b.key.pem");
        refused(
            sign(Algorithm::RS256, Some("r1"), &other, &good),
            "signature",
        )
        .await;
        // An HMAC token keyed with the public key (the classic confusion) is refused.
        let hmac = EncodingKey::from_secret(b"r1");
        let d = refused(sign(Algorithm::HS256, Some("r1"), &hmac, &good), "HS256").await;
        assert!(d.contains("does not sign with HS256"), "{d}");
        // Without kid, a set of two keys does not say which.
        let d = refused(sign(Algorithm::RS256, None, &rsa, &good), "no kid").await;
        assert!(d.contains("names no key"), "{d}");
    }

    #[tokio::test]
    async fn unknown_kids_refetch_the_set_at_most_once_per_interval() {
        let (a_jwk, a) = rsa_key("a", "identity.key.pem");
        let (b_jwk, b) = rsa_key("b", "client-b.key.pem");
        let idp = issuer(ISSUER, vec![a_jwk]).await;
        let jwks = JwksSource::Jwks(format!("{}/jwks", idp.base));
        let good = claims(json!(AUDIENCE));

        // No fetch yet: the first token fetches the set.
        let v = verifier(remote(jwks.clone(), Duration::from_secs(3600)));
        v.verify(&sign(Algorithm::RS256, Some("a"), &a, &good))
            .await
            .unwrap();
        assert_eq!(idp.fetches.load(Ordering::SeqCst), 1);
        // The issuer adds key b; within the interval, a flood of unknown kids (b among them)
        // fetches nothing.
        idp.keys.lock().unwrap().push(b_jwk);
        for n in 0..20 {
            let kid = format!("random-{n}");
            let e = v
                .verify(&sign(Algorithm::RS256, Some(&kid), &a, &good))
                .await
                .unwrap_err();
            assert!(e.detail.contains("has no key"), "{}", e.detail);
        }
        assert!(
            v.verify(&sign(Algorithm::RS256, Some("b"), &b, &good))
                .await
                .is_err()
        );
        assert_eq!(idp.fetches.load(Ordering::SeqCst), 1);

        // Once the interval has passed, a new key is fetched and accepted.
        let b_jwk = idp.keys.lock().unwrap().pop().unwrap();
        let v = verifier(remote(jwks, Duration::from_millis(200)));
        v.verify(&sign(Algorithm::RS256, Some("a"), &a, &good))
            .await
            .unwrap();
        assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);
        idp.keys.lock().unwrap().push(b_jwk);
        tokio::time::sleep(Duration::from_millis(250)).await;
        v.verify(&sign(Algorithm::RS256, Some("b"), &b, &good))
            .await
            .unwrap();
        assert_eq!(idp.fetches.load(Ordering::SeqCst), 3);
        // Known kids fetch nothing.
        v.verify(&sign(Algorithm::RS256, Some("a"), &a, &good))
            .await
            .unwrap();
        assert_eq!(idp.fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn discovery_names_the_set_and_must_name_the_configured_issuer() {
        let (jwk, key) = rsa_key("k", "identity.key.pem");
        let idp = issuer(ISSUER, vec![jwk.clone()]).await;
        let keys = remote(
            JwksSource::Discovery(format!("{}/.well-known/openid-configuration", idp.base)),
            Duration::from_secs(3600),
        );
        assert_eq!(keys.refresh().await, Ok(1));
        let token = sign(Algorithm::RS256, Some("k"), &key, &claims(json!(AUDIENCE)));
        verifier(keys).verify(&token).await.unwrap();

        let impostor = issuer("https://someone-else.example", vec![jwk]).await;
        let keys = remote(
            JwksSource::Discovery(format!(
                "{}/.well-known/openid-configuration",
                impostor.base
            )),
            Duration::from_secs(3600),
        );
        let e = keys.refresh().await.unwrap_err();
        assert!(e.contains("not identity.issuer"), "{e}");
        assert!(keys.is_empty());
        assert!(verifier(keys).verify(&token).await.is_err());
    }

    #[tokio::test]
    async fn an_unreachable_set_keeps_the_keys_known_and_refuses_unknown_ones() {
        let keys = remote(
            JwksSource::Jwks("http://127.0.0.1:9/jwks".into()),
            Duration::from_secs(3600),
        );
        assert!(
            keys.refresh()
                .await
                .unwrap_err()
                .contains("GET http://127.0.0.1:9/jwks")
        );
        let (_, key) = rsa_key("k", "identity.key.pem");
        let token = sign(Algorithm::RS256, Some("k"), &key, &claims(json!(AUDIENCE)));
        let e = verifier(keys).verify(&token).await.unwrap_err();
        assert_eq!(e.code, Code::INVALID_TOKEN);
    }

    #[test]
    fn symmetric_encryption_and_unknown_keys_are_left_out_of_the_set() {
        let (rsa, _) = rsa_key("sig", "identity.key.pem");
        let mut enc = rsa.clone();
        enc["use"] = json!("enc");
        enc["kid"] = json!("enc");
        let mut narrowed = rsa.clone();
        narrowed["alg"] = json!("PS256");
        narrowed["kid"] = json!("ps");
        let mut mislabelled = rsa.clone();
        mislabelled["alg"] = json!("ES256");
        mislabelled["kid"] = json!("bad");
        let entries = [
            rsa,
            enc,
            narrowed,
            mislabelled,
            json!({ "kty": "oct", "kid": "hmac", "k": "c2VjcmV0" }),
            json!({ "kty": "EC", "crv": "P-521", "kid": "p521", "x": "AA", "y": "AA" }),
            json!({ "kty": "what", "kid": "odd" }),
            json!("not a key"),
        ];
        let set = parse_key_set(&entries);
        let mut kids: Vec<&str> = set.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["ps", "sig"]);
        assert_eq!(set["ps"].algorithms, [Algorithm::PS256]);
        assert!(set["sig"].algorithms.contains(&Algorithm::RS256));
        assert!(!set["sig"].algorithms.contains(&Algorithm::HS256));
    }

    #[test]
    fn only_http_urls_name_a_set() {
        assert!(is_http_url("https://idp.example/jwks"));
        assert!(is_http_url("http://127.0.0.1:9/jwks"));
        for bad in [
            "file:///etc/jwks",
            "https://",
            "https:///x",
            "ftp://x",
            "idp.example",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }
}
