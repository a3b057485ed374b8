//! Lollipop verification against fixed vectors (signed once with the keys of
//! `fixtures/keys/lollipop/`), every failure with its code, and the router's answers over HTTP.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use p256::pkcs8::DecodePrivateKey as _;
use provider_sdk::contract::FiscalCode;
use provider_sdk::lollipop::{self, Algorithm, DevicePublicKey, LollipopCode, byte_sequence};
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};

const FC: &str = "SPNDNL80R13C555X";
const OTHER_FC: &str = "RSSMRA85T10A562S";
const METHOD: &str = "GET";
const URL: &str =
    "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1";
const DIGEST: &str = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../fixtures/keys/lollipop/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ec_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_pkcs8_pem(&fixture("device-p256.key.pem")).unwrap()
}

fn rsa_key() -> rsa::RsaPrivateKey {
    rsa::RsaPrivateKey::from_pkcs8_pem(&fixture("device-rsa.key.pem")).unwrap()
}

/// The EC key's JWK, its coordinates in base64url, or (`padded`) in IO's standard padded base64.
fn ec_jwk(padded: bool) -> String {
    let point = ec_key().verifying_key().to_encoded_point(false);
    let enc = |b: &[u8]| {
        if padded {
            STANDARD.encode(b)
        } else {
            URL_SAFE_NO_PAD.encode(b)
        }
    };
    format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
        enc(point.x().unwrap()),
        enc(point.y().unwrap())
    )
}

fn rsa_jwk() -> String {
    use rsa::traits::PublicKeyParts as _;
    let public = rsa_key().to_public_key();
    format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        URL_SAFE_NO_PAD.encode(public.e().to_bytes_be())
    )
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn set(h: &mut HeaderMap, name: &str, value: &str) {
    h.insert(
        HeaderName::from_bytes(name.as_bytes()).unwrap(),
        HeaderValue::from_str(value).unwrap(),
    );
}

/// The unsigned lollipop headers of a request for `jwk` (public-key header as `key_header`).
fn unsigned(key_header: &str, jwk: &str, signature_input: &str) -> HeaderMap {
    let key = DevicePublicKey::from_jwk_json(jwk.as_bytes()).unwrap();
    headers(&[
        ("x-pagopa-lollipop-original-method", METHOD),
        ("x-pagopa-lollipop-original-url", URL),
        ("x-pagopa-lollipop-public-key", key_header),
        (
            "x-pagopa-lollipop-assertion-ref",
            &format!("sha256-{}", key.thumbprint()),
        ),
        ("x-pagopa-lollipop-assertion-type", "SAML"),
        ("x-pagopa-lollipop-auth-jwt", "aJwt"),
        ("x-pagopa-lollipop-user-id", FC),
        ("content-digest", DIGEST),
        (
            "signature-input",
            &signature_input.replace("{keyid}", &key.thumbprint()),
        ),
    ])
}

/// Signs every signature of `h`'s `signature-input` with the EC key (raw or DER) or the RSA key.
enum Signer {
    EcRaw,
    EcDer,
    Rsa,
}

fn sign(mut h: HeaderMap, signer: Signer, labels: &[&str]) -> HeaderMap {
    let mut parts = Vec::new();
    for label in labels {
        let base = lollipop::signature_base(&h, label).unwrap();
        let sig = match signer {
            Signer::EcRaw => {
                let s: p256::ecdsa::Signature = ec_key().sign(base.as_bytes());
                s.to_bytes().to_vec()
            }
            Signer::EcDer => {
                let s: p256::ecdsa::Signature = ec_key().sign(base.as_bytes());
                s.to_der().to_vec()
            }
            Signer::Rsa => rsa::pss::SigningKey::<sha2::Sha256>::new(rsa_key())
                .sign_with_rng(&mut rand_core::OsRng, base.as_bytes())
                .to_vec(),
        };
        parts.push(format!("{label}={}", byte_sequence(&sig)));
    }
    set(&mut h, "signature", &parts.join(", "));
    h
}

const BASIC_INPUT: &str = r#"sig1=("x-pagopa-lollipop-original-method" "x-pagopa-lollipop-original-url");created=1700000000;nonce="n-1";keyid="{keyid}";alg="ecdsa-p256-sha256""#;

/// The headers of each fixed vector as the generator makes them (signatures aside).
fn vector_headers(name: &str) -> HeaderMap {
    match name {
        "ec_raw" | "ec_der" => unsigned(
            &URL_SAFE_NO_PAD.encode(ec_jwk(false)),
            &ec_jwk(false),
            BASIC_INPUT,
        ),
        "rsa" => unsigned(
            &URL_SAFE_NO_PAD.encode(rsa_jwk()),
            &rsa_jwk(),
            &BASIC_INPUT.replace("ecdsa-p256-sha256", "rsa-pss-sha256"),
        ),
        // IO's quirk: padded standard base64 members, and a padded base64url header; two
        // signatures, the second over derived components and content-digest.
        "ec_padded_two_signatures" => unsigned(
            &URL_SAFE.encode(ec_jwk(true)),
            &ec_jwk(true),
            &format!(
                r#"{BASIC_INPUT}, sig2=("@method" "@authority" "@path" "@query" "@target-uri" "content-digest");created=1700000001;keyid="{{keyid}}""#
            ),
        ),
        "ec_expired" => unsigned(
            &URL_SAFE_NO_PAD.encode(ec_jwk(false)),
            &ec_jwk(false),
            &BASIC_INPUT.replace(";nonce", ";expires=1700000300;nonce"),
        ),
        _ => unreachable!(),
    }
}

/// Prints fresh vectors (run with `--ignored --nocapture`); the committed ones are below.
#[test]
#[ignore]
fn print_vectors() {
    for (name, signer, labels) in [
        ("ec_raw", Signer::EcRaw, &["sig1"][..]),
        ("ec_der", Signer::EcDer, &["sig1"][..]),
        ("rsa", Signer::Rsa, &["sig1"][..]),
        (
            "ec_padded_two_signatures",
            Signer::EcRaw,
            &["sig1", "sig2"][..],
        ),
        ("ec_expired", Signer::EcDer, &["sig1"][..]),
    ] {
        let h = sign(vector_headers(name), signer, labels);
        println!("const {}: &[(&str, &str)] = &[", name.to_uppercase());
        for (k, v) in &h {
            println!("    ({k:?}, {:?}),", v.to_str().unwrap());
        }
        println!("];\n");
    }
}

// Fixed vectors, printed by `print_vectors` once and checked independently with OpenSSL
// (`openssl dgst -sha256 -verify`, PSS salt 32) over the signature bases below.

const EC_RAW: &[(&str, &str)] = &[
    ("x-pagopa-lollipop-original-method", "GET"),
    (
        "x-pagopa-lollipop-original-url",
        "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1",
    ),
    (
        "x-pagopa-lollipop-public-key",
        "eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6Ik56LWl0cG9EX0huRUJuZlFMN1R2Z3prYmtxWDdwbG1IRlhCZG5pQjFwdFEiLCJ5IjoidGdIWml5OEZOZE1Ha2JOX2F4Y2hzUmRJaXZJMXpVQjJ2SlZpZGI0dmx5ZyJ9",
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "sha256-O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg",
    ),
    ("x-pagopa-lollipop-assertion-type", "SAML"),
    ("x-pagopa-lollipop-auth-jwt", "aJwt"),
    ("x-pagopa-lollipop-user-id", "SPNDNL80R13C555X"),
    (
        "content-digest",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ),
    (
        "signature-input",
        "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n-1\";keyid=\"O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg\";alg=\"ecdsa-p256-sha256\"",
    ),
    (
        "signature",
        "sig1=:lJWlZbjZ1kxB5BkiegmggkRLOcxo3RsRG+BTzRaASabc0hK7jCSjfpv/Ym4aQXeR4j0I0RP7NzG2zMt+U2vBtQ==:",
    ),
];

const EC_DER: &[(&str, &str)] = &[
    ("x-pagopa-lollipop-original-method", "GET"),
    (
        "x-pagopa-lollipop-original-url",
        "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1",
    ),
    (
        "x-pagopa-lollipop-public-key",
        "eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6Ik56LWl0cG9EX0huRUJuZlFMN1R2Z3prYmtxWDdwbG1IRlhCZG5pQjFwdFEiLCJ5IjoidGdIWml5OEZOZE1Ha2JOX2F4Y2hzUmRJaXZJMXpVQjJ2SlZpZGI0dmx5ZyJ9",
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "sha256-O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg",
    ),
    ("x-pagopa-lollipop-assertion-type", "SAML"),
    ("x-pagopa-lollipop-auth-jwt", "aJwt"),
    ("x-pagopa-lollipop-user-id", "SPNDNL80R13C555X"),
    (
        "content-digest",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ),
    (
        "signature-input",
        "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n-1\";keyid=\"O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg\";alg=\"ecdsa-p256-sha256\"",
    ),
    (
        "signature",
        "sig1=:MEYCIQCUlaVluNnWTEHkGSJ6CaCCREs5zGjdGxEb4FPNFoBJpgIhANzSEruMJKN+m/9ibhpBd5HiPQjRE/s3MbbMy35Ta8G1:",
    ),
];

const RSA: &[(&str, &str)] = &[
    ("x-pagopa-lollipop-original-method", "GET"),
    (
        "x-pagopa-lollipop-original-url",
        "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1",
    ),
    (
        "x-pagopa-lollipop-public-key",
        "eyJrdHkiOiJSU0EiLCJuIjoicDJmbTBQMnotZk1QTk4wRFVpNUoxTnlVV3pEYmIyT3JUTUc2U2tDLUYzbmJyMElsckRHM2I3eWRibFNxTjM3QWtndloybmpYajFhLUptU0ZPdzFuTXNtUlB1cHplTnJleFE3XzBIdHRPVUxFNGlJWTdIZUxJa2ZQTzlYX3kzcG9pNTV5UllFTENWNndzQ0d1SEJuTGZCcjBjZ2VnU1E2RFpxcE5CTWFJaDQxSmM1VmJJUXoyNTlLSUd4VkhqaEJ0SzlhazRtOHlXSjZPQUVlX3hJOW1rUC11dUk3Q1daelQtOU1yQmt0bVlTSjRtV08zOE5HNWJGY0lOb1JrNW53NXZuM0RLaDBXcXh4QTVEQThBZUozdXZyQTlfMUhzUzlXOGZkMTVPZnMxeVNhSEtGbGlXWVJEWVZiRkZ4X3B0Z3F1QlkzUnlKWUdLdktDWnJLTWtPRlV3IiwiZSI6IkFRQUIifQ",
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "sha256-tBluJfM39GOx_Y-8oHj-F8unJNLkTec0U4HV6_-5yHA",
    ),
    ("x-pagopa-lollipop-assertion-type", "SAML"),
    ("x-pagopa-lollipop-auth-jwt", "aJwt"),
    ("x-pagopa-lollipop-user-id", "SPNDNL80R13C555X"),
    (
        "content-digest",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ),
    (
        "signature-input",
        "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n-1\";keyid=\"tBluJfM39GOx_Y-8oHj-F8unJNLkTec0U4HV6_-5yHA\";alg=\"rsa-pss-sha256\"",
    ),
    (
        "signature",
        "sig1=:BWFplRKZ3oIaBrshg9FAArbPCtWpYyuww0GCCCWiQ+QxZzQ2tCtaqXS9FeSEHE3NavJlBHT9qXOGu5+qvEOFZQVc+6tSoHQViPv0j6Tmq0EUnWMLkvkc/3sT5/m/dVQ4cuXId6114LxLKcEy7mJbWrZYwg6B9M/fCB/V8i58K6co3gzdvHzlRiScoJAKaEkc1HWpYfFvg47H7vNuDaRKDH1uB1TrvpJ3Xo3VnfAsxqHpOAm+Uu2efcTE9FieUfC6FUU+tL8lpBxHxu3yvmfSD/Y7AgMLvTLMKtEK/pdvwJ7bXrcrTbSkDGkZKTaCElmyNakJSQE17hcDxdZNMvwfmw==:",
    ),
];

const EC_PADDED_TWO_SIGNATURES: &[(&str, &str)] = &[
    ("x-pagopa-lollipop-original-method", "GET"),
    (
        "x-pagopa-lollipop-original-url",
        "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1",
    ),
    (
        "x-pagopa-lollipop-public-key",
        "eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6Ik56K2l0cG9EL0huRUJuZlFMN1R2Z3prYmtxWDdwbG1IRlhCZG5pQjFwdFE9IiwieSI6InRnSFppeThGTmRNR2tiTi9heGNoc1JkSWl2STF6VUIydkpWaWRiNHZseWc9In0=",
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "sha256-KqmEPf22CnH1LJvXAZRwR0LAKIG32ZUrAg1AaDBQZMg",
    ),
    ("x-pagopa-lollipop-assertion-type", "SAML"),
    ("x-pagopa-lollipop-auth-jwt", "aJwt"),
    ("x-pagopa-lollipop-user-id", "SPNDNL80R13C555X"),
    (
        "content-digest",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ),
    (
        "signature-input",
        "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n-1\";keyid=\"KqmEPf22CnH1LJvXAZRwR0LAKIG32ZUrAg1AaDBQZMg\";alg=\"ecdsa-p256-sha256\", sig2=(\"@method\" \"@authority\" \"@path\" \"@query\" \"@target-uri\" \"content-digest\");created=1700000001;keyid=\"KqmEPf22CnH1LJvXAZRwR0LAKIG32ZUrAg1AaDBQZMg\"",
    ),
    (
        "signature",
        "sig1=:LvTzDDhk5fgja0lGlLR/GuNRexEW8MoCwSCX1Cm5WbYOZGEb7kM+YdtB24NHBmS74fzPxCEYV+qNoHQHaeMxWQ==:, sig2=:yVErCS6O5l2pR4EpFs01/6EQq2rZTUYv+qc3ig5fhQJLZykd6lK2VO552fgK6SolSNzw6uDnrIH/5iknAv5Gmw==:",
    ),
];

const EC_EXPIRED: &[(&str, &str)] = &[
    ("x-pagopa-lollipop-original-method", "GET"),
    (
        "x-pagopa-lollipop-original-url",
        "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1",
    ),
    (
        "x-pagopa-lollipop-public-key",
        "eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6Ik56LWl0cG9EX0huRUJuZlFMN1R2Z3prYmtxWDdwbG1IRlhCZG5pQjFwdFEiLCJ5IjoidGdIWml5OEZOZE1Ha2JOX2F4Y2hzUmRJaXZJMXpVQjJ2SlZpZGI0dmx5ZyJ9",
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "sha256-O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg",
    ),
    ("x-pagopa-lollipop-assertion-type", "SAML"),
    ("x-pagopa-lollipop-auth-jwt", "aJwt"),
    ("x-pagopa-lollipop-user-id", "SPNDNL80R13C555X"),
    (
        "content-digest",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ),
    (
        "signature-input",
        "sig1=(\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;expires=1700000300;nonce=\"n-1\";keyid=\"O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg\";alg=\"ecdsa-p256-sha256\"",
    ),
    (
        "signature",
        "sig1=:MEYCIQDRqux3Kwz1ODPcWjemS/X+hoRseVBIWu7Jfi8dQW4WUQIhAO8v/XkrZ+JuRhADMlCuTH8ARTgqgLvCIs+SgSJTBEuG:",
    ),
];

fn fc(s: &str) -> FiscalCode {
    FiscalCode::parse(s).unwrap()
}

fn code(h: &HeaderMap) -> LollipopCode {
    lollipop::verify(h, &fc(FC)).unwrap_err().code
}

const EC_THUMBPRINT: &str = "O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg";
/// The thumbprint over IO's padded members as received (re-encoding them would give EC_THUMBPRINT).
const PADDED_THUMBPRINT: &str = "KqmEPf22CnH1LJvXAZRwR0LAKIG32ZUrAg1AaDBQZMg";

#[test]
fn the_fixed_vectors_verify() {
    for (name, v, alg, thumbprint, labels) in [
        (
            "raw ECDSA",
            EC_RAW,
            Algorithm::EcdsaP256Sha256,
            EC_THUMBPRINT,
            &["sig1"][..],
        ),
        (
            "DER ECDSA",
            EC_DER,
            Algorithm::EcdsaP256Sha256,
            EC_THUMBPRINT,
            &["sig1"][..],
        ),
        (
            "RSA-PSS",
            RSA,
            Algorithm::RsaPssSha256,
            "tBluJfM39GOx_Y-8oHj-F8unJNLkTec0U4HV6_-5yHA",
            &["sig1"][..],
        ),
        (
            "padded JWK, two signatures",
            EC_PADDED_TWO_SIGNATURES,
            Algorithm::EcdsaP256Sha256,
            PADDED_THUMBPRINT,
            &["sig1", "sig2"][..],
        ),
    ] {
        let ok = lollipop::verify(&headers(v), &fc(FC)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ok.algorithm, alg, "{name}");
        assert_eq!(ok.thumbprint, thumbprint, "{name}");
        assert_eq!(ok.assertion_ref, format!("sha256-{thumbprint}"), "{name}");
        assert_eq!(ok.labels, labels, "{name}");
        assert_eq!(
            (ok.original_method.as_str(), ok.original_url.as_str()),
            (METHOD, URL)
        );
        assert_eq!(ok.user_id.as_str(), FC);
    }
    assert_eq!(EC_RAW[9].1.len(), "sig1=::".len() + 88, "64 raw bytes");
    assert!(EC_DER[9].1.starts_with("sig1=:ME"), "a DER SEQUENCE");
    // The padded members decode to the same key as the unpadded ones.
    let padded = DevicePublicKey::from_header(EC_PADDED_TWO_SIGNATURES[2].1).unwrap();
    assert!(
        padded
            .thumbprint_input()
            .contains("\"x\":\"Nz+itpoD/HnEBnfQL7TvgzkbkqX7plmHFXBdniB1ptQ=\"")
    );
    assert_ne!(padded.thumbprint(), EC_THUMBPRINT);
}

#[test]
fn the_signature_base_is_rfc_9421s() {
    let base = lollipop::signature_base(&headers(EC_RAW), "sig1").unwrap();
    assert_eq!(
        base,
        concat!(
            "\"x-pagopa-lollipop-original-method\": GET\n",
            "\"x-pagopa-lollipop-original-url\": https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1\n",
            "\"@signature-params\": (\"x-pagopa-lollipop-original-method\" \"x-pagopa-lollipop-original-url\");created=1700000000;nonce=\"n-1\";keyid=\"O4AIn31tJEHvlWGA2w6_nXjeYfe0p6zTlMpbdT3mwjg\";alg=\"ecdsa-p256-sha256\"",
        )
    );
    // Derived components name the request the app made.
    let base = lollipop::signature_base(&headers(EC_PADDED_TWO_SIGNATURES), "sig2").unwrap();
    assert_eq!(
        base,
        concat!(
            "\"@method\": GET\n",
            "\"@authority\": app-backend.io.italia.it\n",
            "\"@path\": /api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y\n",
            "\"@query\": ?x=1\n",
            "\"@target-uri\": https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Y?x=1\n",
            "\"content-digest\": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n",
            "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"@query\" \"@target-uri\" \"content-digest\");created=1700000001;keyid=\"KqmEPf22CnH1LJvXAZRwR0LAKIG32ZUrAg1AaDBQZMg\"",
        )
    );
}

#[test]
fn tampered_vectors_fail_with_their_codes() {
    let tamper = |v: &[(&str, &str)], name: &str, value: &str| {
        let mut h = headers(v);
        set(&mut h, name, value);
        h
    };
    let without = |v: &[(&str, &str)], name: &str| {
        let mut h = headers(v);
        h.remove(name);
        h
    };
    let input = EC_RAW[8].1;
    let signature = EC_RAW[9].1;
    let other_key = URL_SAFE_NO_PAD.encode(rsa_jwk());
    let flipped = {
        let mut raw = STANDARD
            .decode(signature.trim_start_matches("sig1=:").trim_end_matches(':'))
            .unwrap();
        raw[10] ^= 1;
        format!("sig1={}", byte_sequence(&raw))
    };
    let cases: Vec<(&str, HeaderMap, LollipopCode)> = vec![
        (
            "another url",
            tamper(
                EC_RAW,
                "x-pagopa-lollipop-original-url",
                "https://app-backend.io.italia.it/api/v1/third-party-messages/01HZ8Q0M3TS6WB0J8M2H1D0X7Z?x=1",
            ),
            LollipopCode::SignatureInvalid,
        ),
        (
            "another method",
            tamper(EC_DER, "x-pagopa-lollipop-original-method", "POST"),
            LollipopCode::SignatureInvalid,
        ),
        (
            "a flipped bit",
            tamper(EC_RAW, "signature", &flipped),
            LollipopCode::SignatureInvalid,
        ),
        (
            "RSA signature, another url",
            tamper(
                RSA,
                "x-pagopa-lollipop-original-url",
                "https://example.org/",
            ),
            LollipopCode::SignatureInvalid,
        ),
        (
            "the second signature's digest",
            tamper(
                EC_PADDED_TWO_SIGNATURES,
                "content-digest",
                "sha-256=:Y48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
            ),
            LollipopCode::SignatureInvalid,
        ),
        (
            "a covered header absent",
            without(EC_PADDED_TWO_SIGNATURES, "content-digest"),
            LollipopCode::ComponentAbsent,
        ),
        (
            "no public key",
            without(EC_RAW, "x-pagopa-lollipop-public-key"),
            LollipopCode::HeaderMissing,
        ),
        (
            "no signature",
            without(EC_RAW, "signature"),
            LollipopCode::HeaderMissing,
        ),
        (
            "no user id",
            without(EC_RAW, "x-pagopa-lollipop-user-id"),
            LollipopCode::HeaderMissing,
        ),
        (
            "a method IO never sends",
            tamper(EC_RAW, "x-pagopa-lollipop-original-method", "HEAD"),
            LollipopCode::HeaderInvalid,
        ),
        (
            "a plain http url",
            tamper(
                EC_RAW,
                "x-pagopa-lollipop-original-url",
                "http://app-backend.io.italia.it/",
            ),
            LollipopCode::HeaderInvalid,
        ),
        (
            "a public key that is not base64",
            tamper(EC_RAW, "x-pagopa-lollipop-public-key", "%%%"),
            LollipopCode::PublicKeyInvalid,
        ),
        (
            "a P-384 key",
            tamper(
                EC_RAW,
                "x-pagopa-lollipop-public-key",
                &URL_SAFE_NO_PAD.encode(r#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#),
            ),
            LollipopCode::KeyUnsupported,
        ),
        (
            "an assertion ref of another form",
            tamper(EC_RAW, "x-pagopa-lollipop-assertion-ref", "md5-abc"),
            LollipopCode::AssertionRefInvalid,
        ),
        (
            "an assertion ref too long",
            tamper(
                EC_RAW,
                "x-pagopa-lollipop-assertion-ref",
                &format!("sha256-{}", "a".repeat(45)),
            ),
            LollipopCode::AssertionRefInvalid,
        ),
        (
            "another key's assertion ref",
            tamper(
                EC_RAW,
                "x-pagopa-lollipop-assertion-ref",
                "sha256-tBluJfM39GOx_Y-8oHj-F8unJNLkTec0U4HV6_-5yHA",
            ),
            LollipopCode::AssertionRefMismatch,
        ),
        (
            "the padded key's thumbprint re-encoded",
            tamper(
                EC_PADDED_TWO_SIGNATURES,
                "x-pagopa-lollipop-assertion-ref",
                &format!("sha256-{EC_THUMBPRINT}"),
            ),
            LollipopCode::AssertionRefMismatch,
        ),
        (
            "another key, its own assertion ref",
            {
                let mut h = tamper(EC_RAW, "x-pagopa-lollipop-public-key", &other_key);
                set(
                    &mut h,
                    "x-pagopa-lollipop-assertion-ref",
                    "sha256-tBluJfM39GOx_Y-8oHj-F8unJNLkTec0U4HV6_-5yHA",
                );
                h
            },
            LollipopCode::KeyIdMismatch,
        ),
        (
            "signature-input not a dictionary",
            tamper(EC_RAW, "signature-input", "sig1=(\"a\""),
            LollipopCode::SignatureInputInvalid,
        ),
        (
            "signature-input an item",
            tamper(EC_RAW, "signature-input", "sig1=1"),
            LollipopCode::SignatureInputInvalid,
        ),
        (
            "upper-case component",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace(
                    "x-pagopa-lollipop-original-url",
                    "X-Pagopa-Lollipop-Original-Url",
                ),
            ),
            LollipopCode::SignatureInputInvalid,
        ),
        (
            "signature not a dictionary",
            tamper(EC_RAW, "signature", "sig1=:!!:"),
            LollipopCode::SignatureHeaderInvalid,
        ),
        (
            "signature a token",
            tamper(EC_RAW, "signature", "sig1=abc"),
            LollipopCode::SignatureHeaderInvalid,
        ),
        (
            "signature of another label",
            tamper(EC_RAW, "signature", &signature.replace("sig1=", "sig2=")),
            LollipopCode::SignatureMissing,
        ),
        (
            "no keyid",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace(&format!(";keyid=\"{EC_THUMBPRINT}\""), ""),
            ),
            LollipopCode::KeyIdMissing,
        ),
        (
            "another keyid",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace(EC_THUMBPRINT, "another"),
            ),
            LollipopCode::KeyIdMismatch,
        ),
        (
            "the assertion ref as keyid",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace(EC_THUMBPRINT, &format!("sha256-{EC_THUMBPRINT}")),
            ),
            LollipopCode::KeyIdMismatch,
        ),
        (
            "an unknown alg",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace("ecdsa-p256-sha256", "hmac-sha256"),
            ),
            LollipopCode::AlgorithmUnsupported,
        ),
        (
            "RSA alg with an EC key",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace("ecdsa-p256-sha256", "rsa-pss-sha256"),
            ),
            LollipopCode::AlgorithmMismatch,
        ),
        (
            "a response component",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace("(\"x-pagopa", "(\"@status\" \"x-pagopa"),
            ),
            LollipopCode::ComponentUnsupported,
        ),
        (
            "a component parameter",
            tamper(
                EC_RAW,
                "signature-input",
                &input.replace(
                    "\"x-pagopa-lollipop-original-url\"",
                    "\"x-pagopa-lollipop-original-url\";sf",
                ),
            ),
            LollipopCode::ComponentUnsupported,
        ),
        (
            "a short ECDSA signature",
            tamper(EC_RAW, "signature", "sig1=:AAEC:"),
            LollipopCode::SignatureEncodingInvalid,
        ),
        (
            "expired",
            headers(EC_EXPIRED),
            LollipopCode::SignatureExpired,
        ),
    ];
    for (name, h, expected) in cases {
        assert_eq!(code(&h), expected, "{name}");
    }
    // `@signature-params` is the canonical serialization: the header's own spelling does not matter.
    let spaced = tamper(
        EC_RAW,
        "signature-input",
        &input.replace(";created", "; created"),
    );
    assert!(lollipop::verify(&spaced, &fc(FC)).is_ok());
    // Another citizen's request, however well signed.
    let e = lollipop::verify(&headers(EC_RAW), &fc(OTHER_FC)).unwrap_err();
    assert_eq!(
        (e.code, e.code.status()),
        (LollipopCode::UserIdMismatch, 403)
    );
    // The expired vector verifies at a time before its expiry: only the time refused it.
    assert!(lollipop::verify_at(&headers(EC_EXPIRED), &fc(FC), 1_700_000_100).is_ok());
}

#[test]
fn signatures_must_cover_the_original_method_and_url() {
    // Signed now with the fixture key: a valid signature over the url alone.
    let input = r#"sig1=("x-pagopa-lollipop-original-url");created=1700000000;keyid="{keyid}""#;
    let jwk = ec_jwk(false);
    let h = sign(
        unsigned(&URL_SAFE_NO_PAD.encode(&jwk), &jwk, input),
        Signer::EcRaw,
        &["sig1"],
    );
    assert_eq!(code(&h), LollipopCode::CoverageInsufficient);
    // A signature over no component at all is no proof either.
    let h = sign(
        unsigned(
            &URL_SAFE_NO_PAD.encode(&jwk),
            &jwk,
            r#"sig1=();keyid="{keyid}""#,
        ),
        Signer::EcDer,
        &["sig1"],
    );
    assert_eq!(code(&h), LollipopCode::CoverageInsufficient);
    // Signing the vectors' inputs now verifies like the committed vectors (the generator is sound).
    for (name, signer, labels) in [
        ("rsa", Signer::Rsa, &["sig1"][..]),
        (
            "ec_padded_two_signatures",
            Signer::EcDer,
            &["sig1", "sig2"][..],
        ),
    ] {
        let h = sign(vector_headers(name), signer, labels);
        assert!(lollipop::verify(&h, &fc(FC)).is_ok(), "{name}");
    }
}

#[test]
fn more_than_eight_signatures_are_refused() {
    let one = r#"("x-pagopa-lollipop-original-method" "x-pagopa-lollipop-original-url");keyid="k""#;
    let input: Vec<String> = (1..=9).map(|i| format!("sig{i}={one}")).collect();
    let mut h = headers(EC_RAW);
    set(&mut h, "signature-input", &input.join(", "));
    assert_eq!(code(&h), LollipopCode::SignatureInputInvalid);
}

mod router {
    use super::*;
    use provider_sdk::auth::Authentication;
    use provider_sdk::contract::*;
    use provider_sdk::provider::{Attachment, Provider, ProviderError};
    use provider_sdk::server::LollipopPolicy;
    use std::sync::Arc;

    struct Fixed;

    impl Provider for Fixed {
        async fn precondition(
            &self,
            _: &str,
            _: &FiscalCode,
        ) -> Result<PreconditionContent, ProviderError> {
            Err(ProviderError::NotFound)
        }
        async fn details(
            &self,
            _: &str,
            fc: &FiscalCode,
        ) -> Result<RemoteContentDetailsResponse, ProviderError> {
            Ok(RemoteContentDetailsResponse {
                details: Some(RemoteContentDetails {
                    subject: fc.to_string(),
                    markdown: "m".repeat(80),
                }),
                attachments: None,
            })
        }
        async fn attachment(
            &self,
            _: &str,
            _: &FiscalCode,
            _: &str,
        ) -> Result<Attachment, ProviderError> {
            Err(ProviderError::NotFound)
        }
    }

    async fn serve(policy: Option<LollipopPolicy>) -> String {
        let auth = Authentication::ApiKey {
            header: "X-Api-Key".into(),
            key: "secret".into(),
        };
        let router = match policy {
            Some(p) => provider_sdk::server::builder(Arc::new(Fixed), auth)
                .lollipop(p)
                .build(),
            None => provider_sdk::server::router(Arc::new(Fixed), auth),
        };
        let app = axum::Router::new().nest("/rc", router);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/rc/messages/m1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    async fn get(
        url: &str,
        fc: &str,
        lollipop: &[(&str, &str)],
        key: &str,
    ) -> (u16, String, serde_json::Value) {
        let mut req = reqwest::Client::new()
            .get(url)
            .header("x-api-key", key)
            .header("fiscal_code", fc);
        for (k, v) in lollipop {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        (status, ct, r.json().await.unwrap())
    }

    #[tokio::test]
    async fn required_lollipop_answers_401_or_403_in_problem_json() {
        let url = serve(Some(true.into())).await;
        assert_eq!(get(&url, FC, EC_RAW, "secret").await.0, 200);
        assert_eq!(get(&url, FC, RSA, "secret").await.0, 200);
        let (s, ct, body) = get(&url, OTHER_FC, EC_RAW, "secret").await;
        assert_eq!(
            (s, ct.as_str(), body["code"].as_str().unwrap()),
            (403, "application/problem+json", "LOLLIPOP_USER_ID_MISMATCH")
        );
        let (s, _, body) = get(&url, FC, &[], "secret").await;
        assert_eq!(
            (s, body["code"].as_str().unwrap()),
            (401, "LOLLIPOP_HEADER_MISSING")
        );
        let mut tampered = EC_RAW.to_vec();
        tampered[1].1 = "https://evil.example/";
        let (s, _, body) = get(&url, FC, &tampered, "secret").await;
        assert_eq!(
            (s, body["code"].as_str().unwrap()),
            (401, "LOLLIPOP_SIGNATURE_INVALID")
        );
        // Authentication comes first, then the citizen, then lollipop.
        assert_eq!(
            get(&url, FC, EC_RAW, "wrong").await.2["code"],
            "API_KEY_INVALID"
        );
        assert_eq!(
            get(&url, "nope", EC_RAW, "secret").await.2["code"],
            "FISCAL_CODE_INVALID"
        );
    }

    #[tokio::test]
    async fn when_present_checks_only_requests_that_carry_lollipop_and_off_ignores_it() {
        let url = serve(Some(LollipopPolicy::WhenPresent)).await;
        assert_eq!(get(&url, FC, &[], "secret").await.0, 200);
        assert_eq!(get(&url, FC, EC_DER, "secret").await.0, 200);
        assert_eq!(get(&url, OTHER_FC, EC_DER, "secret").await.0, 403);
        let url = serve(None).await;
        assert_eq!(
            get(&url, OTHER_FC, EC_DER, "secret").await.0,
            200,
            "router() does not verify"
        );
        let url = serve(Some(false.into())).await;
        assert_eq!(get(&url, OTHER_FC, EC_DER, "secret").await.0, 200);
    }
}
