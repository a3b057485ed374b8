//! Remote-content configurations: validation, ownership.

use super::egress::EgressPolicy;
use super::error::{Code, GatewayError, Result};
use super::ids::{ConfigurationId, TenantId};
use super::validate::{Violations, base_url};
use provider_sdk::contract::{
    DetailsAuthentication, FiscalCode, NewRcConfiguration, RcConfiguration,
};

/// Headers an API key may not be sent in, lower-case. Not `authorization`: with `API_KEY` the
/// gateway sends none of its own, and many entities take their key there.
const RESERVED_HEADERS: &[&str] = &[
    // Set by the gateway on every call (`fetch::http::RequestHead`, `fetch::Fetcher`): a second
    // value would reach the entity beside ours, or be taken for it.
    "host",
    "accept",
    "fiscal_code",
    "signature",
    "signature-input",
    // Framing and hop-by-hop (RFC 9112, RFC 9110 §7.6.1): they describe the connection or a body
    // a GET does not have, and a key sent in one would be consumed or misread on the way.
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// The lollipop headers the gateway passes on from the app (`x-pagopa-lollipop-*`).
const RESERVED_PREFIX: &str = "x-pagopa-lollipop-";

/// Whether `name` (any case) may carry an API key.
pub fn api_key_header_allowed(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !RESERVED_HEADERS.contains(&lower.as_str()) && !lower.starts_with(RESERVED_PREFIX)
}

fn authentication(v: &mut Violations, field: &str, auth: &DetailsAuthentication) {
    match auth {
        DetailsAuthentication::ApiKey {
            header_key_name,
            key,
        } => {
            let name = format!("{field}.header_key_name");
            let valid = axum::http::HeaderName::from_bytes(header_key_name.as_bytes()).is_ok();
            v.check(
                valid,
                &name,
                format!("{name} is not a valid HTTP header name"),
            );
            v.check(
                api_key_header_allowed(header_key_name),
                &name,
                format!("{name} {header_key_name:?} is set by the gateway itself"),
            );
            let kf = format!("{field}.key");
            v.check(
                !key.is_empty() && axum::http::HeaderValue::from_str(key).is_ok(),
                &kf,
                format!("{kf} must be a non-empty header value"),
            );
        }
        DetailsAuthentication::InteropVoucher { purpose_id } => {
            let pf = format!("{field}.purpose_id");
            v.check(
                uuid::Uuid::parse_str(purpose_id).is_ok(),
                &pf,
                format!("{pf} must be an Interop purpose id (a UUID)"),
            );
        }
    }
}

fn fiscal_codes(v: &mut Violations, field: &str, list: &[String]) {
    for (i, fc) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        v.check(
            FiscalCode::parse(fc).is_ok(),
            &f,
            format!("{f} is not a fiscal code"),
        );
    }
}

/// Checks a configuration: texts, at least one environment, each `base_url` absolute http(s)
/// without credentials, query or fragment and not aimed at an address `egress` forbids,
/// authentication, fiscal codes. Gives it back with each `base_url` normalised (see
/// [`base_url`]), as it is stored.
pub fn validate(mut c: NewRcConfiguration, egress: &EgressPolicy) -> Result<NewRcConfiguration> {
    let mut v = Violations::default();
    v.text("name", c.name.trim(), 1..=200);
    v.text("description", c.description.trim(), 1..=1000);
    fiscal_codes(&mut v, "disable_lollipop_for", &c.disable_lollipop_for);
    v.check(
        c.prod_environment.is_some() || c.test_environment.is_some(),
        "prod_environment",
        "configure prod_environment, test_environment or both",
    );
    if let Some(p) = &mut c.prod_environment {
        if let Some(url) = base_url(&mut v, "prod_environment.base_url", &p.base_url, egress) {
            p.base_url = url;
        }
        authentication(
            &mut v,
            "prod_environment.details_authentication",
            &p.details_authentication,
        );
    }
    if let Some(t) = &mut c.test_environment {
        if let Some(url) = base_url(&mut v, "test_environment.base_url", &t.base_url, egress) {
            t.base_url = url;
        }
        authentication(
            &mut v,
            "test_environment.details_authentication",
            &t.details_authentication,
        );
        fiscal_codes(&mut v, "test_environment.test_users", &t.test_users);
    }
    v.into_result().map(|()| c)
}

/// Why a configuration is looked up, which decides what a missing or foreign one answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The entity reads, replaces or deletes it, or names it in a submission: a missing one is
    /// not found, another tenant's is not theirs (IO's answers).
    ByEntity,
    /// The gateway fetches a message's content with the configuration it was sent with, for a
    /// citizen: missing or no longer the sender's, it is gone (the entity deleted it), which is
    /// not the citizen's doing.
    ForMessage,
}

/// The one ownership check of configurations: `found` (the configuration stored under `id`, if
/// any) is `tenant`'s, or the refusal `usage` calls for. Listing never shows another's.
pub fn owned(
    found: Option<RcConfiguration>,
    id: &ConfigurationId,
    tenant: &TenantId,
    usage: Use,
) -> Result<RcConfiguration> {
    match (found, usage) {
        (Some(c), _) if *tenant == *c.user_id => Ok(c),
        (None, Use::ByEntity) => Err(GatewayError::new(
            Code::CONFIGURATION_NOT_FOUND,
            format!("no configuration {id}"),
        )),
        (Some(_), Use::ByEntity) => Err(GatewayError::new(
            Code::NOT_YOUR_CONFIGURATION,
            "this configuration belongs to another tenant",
        )),
        (_, Use::ForMessage) => Err(configuration_gone()),
    }
}

/// A message's configuration that is no longer there (or was never named).
pub fn configuration_gone() -> GatewayError {
    GatewayError::new(
        Code::CONFIGURATION_GONE,
        "the entity deleted the configuration this message was sent with",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ownership_check_answers_by_use() {
        let id = ConfigurationId::new();
        let c: RcConfiguration = serde_json::from_value(serde_json::json!({
            "configuration_id": id.to_string(), "user_id": "t1", "name": "n",
            "description": "d", "has_precondition": "NEVER",
            "is_lollipop_enabled": false, "disable_lollipop_for": [],
            "prod_environment": {"base_url": "https://rc.example.it/api",
                "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
        }))
        .unwrap();
        let (t1, t2) = (TenantId::from("t1"), TenantId::from("t2"));
        let code = |found: Option<&RcConfiguration>, tenant: &TenantId, usage| {
            owned(found.cloned(), &id, tenant, usage)
                .map(|c| c.user_id)
                .map_err(|e| e.code)
        };
        for usage in [Use::ByEntity, Use::ForMessage] {
            assert_eq!(code(Some(&c), &t1, usage), Ok("t1".to_owned()));
        }
        assert_eq!(
            code(None, &t1, Use::ByEntity),
            Err(Code::CONFIGURATION_NOT_FOUND)
        );
        assert_eq!(
            code(Some(&c), &t2, Use::ByEntity),
            Err(Code::NOT_YOUR_CONFIGURATION)
        );
        assert_eq!(
            code(None, &t1, Use::ForMessage),
            Err(Code::CONFIGURATION_GONE)
        );
        assert_eq!(
            code(Some(&c), &t2, Use::ForMessage),
            Err(Code::CONFIGURATION_GONE)
        );
    }

    #[test]
    fn an_api_key_may_use_authorization_but_not_what_the_gateway_sets() {
        for ok in [
            "Authorization",
            "AUTHORIZATION",
            "X-Api-Key",
            "Ocp-Apim-Subscription-Key",
        ] {
            assert!(api_key_header_allowed(ok), "{ok}");
        }
        for refused in [
            "fiscal_code",
            "Fiscal_Code",
            "Host",
            "accept",
            "Signature",
            "signature-input",
            "X-PagoPA-Lollipop-User-Id",
            "x-pagopa-lollipop-original-method",
            "Content-Length",
            "Transfer-Encoding",
            "Connection",
            "Keep-Alive",
            "TE",
            "Upgrade",
        ] {
            assert!(!api_key_header_allowed(refused), "{refused}");
        }
    }
}
