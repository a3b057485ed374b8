//! Lollipop headers sent by the app backend, checked (with linear-time matchers equivalent to the
//! patterns of `io-lollipop-definitions.yaml`) before they are passed through to the entity.

use crate::domain::{Code, GatewayError};
use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The headers passed through, all required when lollipop is on for the citizen.
pub const REQUIRED: &[&str] = &[
    "x-pagopa-lollipop-original-method",
    "x-pagopa-lollipop-original-url",
    "signature-input",
    "signature",
    "x-pagopa-lollipop-assertion-ref",
    "x-pagopa-lollipop-assertion-type",
    "x-pagopa-lollipop-auth-jwt",
    "x-pagopa-lollipop-public-key",
    "x-pagopa-lollipop-user-id",
];

/// Passed through when present.
pub const OPTIONAL: &[&str] = &["content-digest"];

fn b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

/// `sig<digits>` then the rest of the label.
fn sig_label(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("sig")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| &rest[digits..])
}

/// `^(?:sig\d+=[^,]*)(?:,\s*(?:sig\d+=[^,]*))*$`
fn signature_input_ok(v: &str) -> bool {
    v.split(',').enumerate().all(|(i, part)| {
        let part = if i == 0 { part } else { part.trim_start() };
        sig_label(part).is_some_and(|rest| rest.starts_with('='))
    })
}

/// `^((sig[0-9]+)=:[A-Za-z0-9+/=]*:(, ?)?)+$`
fn signature_ok(v: &str) -> bool {
    let mut rest = v;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let Some(after) = sig_label(rest).and_then(|r| r.strip_prefix("=:")) else {
            return false;
        };
        let n = after.bytes().take_while(|c| b64(*c)).count();
        let Some(after) = after[n..].strip_prefix(':') else {
            return false;
        };
        rest = after
            .strip_prefix(", ")
            .or_else(|| after.strip_prefix(','))
            .unwrap_or(after);
        if rest.len() == after.len() && !rest.is_empty() {
            return false; // two signatures without a separator
        }
    }
    true
}

/// `sha256-[A-Za-z0-9-_=]{1,44}` (or 384/66, 512/88).
fn assertion_ref_ok(v: &str) -> bool {
    let ok = |body: &str, max: usize| {
        (1..=max).contains(&body.len())
            && body
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_=".contains(&c))
    };
    match v.split_once('-') {
        Some(("sha256", body)) => ok(body, 44),
        Some(("sha384", body)) => ok(body, 66),
        Some(("sha512", body)) => ok(body, 88),
        _ => false,
    }
}

/// `^(sha-256=:[A-Za-z0-9+/=]{44}:|sha-384=:…{66}:|sha-512=:…{88}:)$`
fn content_digest_ok(v: &str) -> bool {
    let ok = |body: &str, n: usize| {
        body.len() == n + 1 && body.ends_with(':') && body[..n].bytes().all(b64)
    };
    if let Some(b) = v.strip_prefix("sha-256=:") {
        ok(b, 44)
    } else if let Some(b) = v.strip_prefix("sha-384=:") {
        ok(b, 66)
    } else if let Some(b) = v.strip_prefix("sha-512=:") {
        ok(b, 88)
    } else {
        false
    }
}

fn valid(name: &str, v: &str, fiscal_code: &str) -> bool {
    match name {
        "x-pagopa-lollipop-original-method" => {
            matches!(v, "GET" | "POST" | "PUT" | "PATCH" | "DELETE")
        }
        "x-pagopa-lollipop-original-url" => v.starts_with("https://"),
        "signature-input" => signature_input_ok(v),
        "signature" => signature_ok(v),
        "x-pagopa-lollipop-assertion-ref" => assertion_ref_ok(v),
        "x-pagopa-lollipop-assertion-type" => matches!(v, "SAML" | "OIDC"),
        "x-pagopa-lollipop-user-id" => v == fiscal_code,
        "content-digest" => content_digest_ok(v),
        _ => !v.is_empty(),
    }
}

/// The lollipop headers to forward, checked; errors name every missing or malformed header.
pub fn forwarded(
    headers: &HeaderMap,
    fiscal_code: &provider_sdk::contract::FiscalCode,
) -> Result<Vec<(HeaderName, HeaderValue)>, GatewayError> {
    let fiscal_code = fiscal_code.as_str();
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|h| !headers.contains_key(**h))
        .map(|h| h.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(GatewayError::new(
            Code::LOLLIPOP_HEADERS_MISSING,
            format!("missing {}", missing.join(", ")),
        )
        .with_fields(missing));
    }
    let mut out = Vec::new();
    let mut invalid = Vec::new();
    for name in REQUIRED.iter().chain(OPTIONAL) {
        let Some(value) = headers.get(*name) else {
            continue;
        };
        // One value each: a repeated header could say one thing to us and another to the entity.
        if headers.get_all(*name).iter().count() > 1 {
            invalid.push(name.to_string());
            continue;
        }
        match value.to_str() {
            Ok(v) if valid(name, v, fiscal_code) => {
                out.push((HeaderName::from_static(name), value.clone()))
            }
            _ => invalid.push(name.to_string()),
        }
    }
    if !invalid.is_empty() {
        return Err(GatewayError::new(
            Code::LOLLIPOP_HEADERS_INVALID,
            format!("malformed {}", invalid.join(", ")),
        )
        .with_fields(invalid));
    }
    Ok(out)
}

/// The lollipop headers as the app backend sends them (the operations that fetch from an entity
/// take them): each with the pattern [`forwarded`] checks. All optional in the document, as they
/// are required only when the message's configuration enables lollipop for the citizen.
pub struct LollipopHeaders;

/// What a lollipop header's value must be.
enum Header {
    OneOf(&'static [&'static str]),
    Pattern(&'static str),
    NonEmpty,
    FiscalCode,
}

const HEADERS: &[(&str, &str, Header)] = &[
    (
        "x-pagopa-lollipop-original-method",
        "Lollipop: the method of the endpoint the app called.",
        Header::OneOf(&["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ),
    (
        "x-pagopa-lollipop-original-url",
        "Lollipop: the url of the endpoint the app called.",
        Header::Pattern(r#"^https://"#),
    ),
    (
        "signature-input",
        "Lollipop: the signature input.",
        Header::Pattern(r#"^(?:sig\d+=[^,]*)(?:,\s*(?:sig\d+=[^,]*))*$"#),
    ),
    (
        "signature",
        "Lollipop: the request's signature.",
        Header::Pattern(r#"^((sig[0-9]+)=:[A-Za-z0-9+/=]*:(, ?)?)+$"#),
    ),
    (
        "x-pagopa-lollipop-assertion-ref",
        "Lollipop: the assertion's reference.",
        Header::Pattern(
            r#"^(sha256-[A-Za-z0-9-_=]{1,44}|sha384-[A-Za-z0-9-_=]{1,66}|sha512-[A-Za-z0-9-_=]{1,88})$"#,
        ),
    ),
    (
        "x-pagopa-lollipop-assertion-type",
        "Lollipop: the assertion's type.",
        Header::OneOf(&["SAML", "OIDC"]),
    ),
    (
        "x-pagopa-lollipop-auth-jwt",
        "Lollipop: the authorization JWT.",
        Header::NonEmpty,
    ),
    (
        "x-pagopa-lollipop-public-key",
        "Lollipop: the app's public key.",
        Header::NonEmpty,
    ),
    (
        "x-pagopa-lollipop-user-id",
        "Lollipop: the citizen; must equal the `fiscal_code` header.",
        Header::FiscalCode,
    ),
    (
        "content-digest",
        "Lollipop: the body digest, passed on when present.",
        Header::Pattern(
            r#"^(sha-256=:[A-Za-z0-9+/=]{44}:|sha-384=:[A-Za-z0-9+/=]{66}:|sha-512=:[A-Za-z0-9+/=]{88}:)$"#,
        ),
    ),
];

impl utoipa::IntoParams for LollipopHeaders {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{Ref, RefOr, Required};
        HEADERS
            .iter()
            .map(|(name, description, value)| {
                let string = ObjectBuilder::new().schema_type(Type::String);
                let schema: RefOr<_> = match value {
                    Header::OneOf(values) => {
                        string.enum_values(Some(values.iter().copied())).into()
                    }
                    Header::Pattern(p) => string.pattern(Some(*p)).into(),
                    Header::NonEmpty => string.min_length(Some(1)).into(),
                    Header::FiscalCode => Ref::from_schema_name("FiscalCode").into(),
                };
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(*description))
                    .schema(Some(schema))
                    .build()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_headers_are_the_checked_ones() {
        let documented: Vec<&str> = HEADERS.iter().map(|(name, _, _)| *name).collect();
        let checked: Vec<&str> = REQUIRED.iter().chain(OPTIONAL).copied().collect();
        assert_eq!(documented, checked);
        for (name, _, value) in HEADERS {
            if let Header::OneOf(values) = value {
                assert!(values.iter().all(|v| valid(name, v, "")), "{name}");
                assert!(!valid(name, "OTHER", ""), "{name}");
            }
        }
    }

    #[test]
    fn matchers_follow_the_patterns() {
        assert!(signature_input_ok(
            "sig1=(\"x-pagopa-lollipop-original-method\");created=1;keyid=\"k\""
        ));
        assert!(signature_input_ok("sig1=a, sig2=b"));
        assert!(
            !signature_input_ok("sigx=a") && !signature_input_ok("") && !signature_input_ok("sig1")
        );
        assert!(
            signature_ok("sig1=:AbC+/=:")
                && signature_ok("sig1=:a:, sig2=:b:")
                && signature_ok("sig1=::")
        );
        assert!(
            !signature_ok("sig1=:a")
                && !signature_ok("sig1=:a$:")
                && !signature_ok("x")
                && !signature_ok("")
        );
        assert!(
            assertion_ref_ok("sha256-abc_DEF-12=")
                && !assertion_ref_ok("sha256-")
                && !assertion_ref_ok("md5-abc")
        );
        assert!(!assertion_ref_ok(&format!("sha256-{}", "a".repeat(45))));
        assert!(
            content_digest_ok(&format!("sha-256=:{}:", "A".repeat(44)))
                && !content_digest_ok("sha-256=:abc:")
        );
    }

    #[test]
    fn pathological_input_is_linear() {
        // A catastrophic-backtracking input for a naive regex engine: must return at once.
        let evil = format!("{}!", "sig1=:a:,".repeat(50_000));
        assert!(!signature_ok(&evil));
        let evil = format!("{}x", "sig1=a,".repeat(50_000));
        assert!(!signature_input_ok(&evil));
    }
}
