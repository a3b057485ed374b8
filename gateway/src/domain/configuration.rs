//! Remote-content configurations: validation into the parsed [`Configuration`] the gateway
//! works with, ownership.

use super::egress::EgressPolicy;
use super::error::{Code, GatewayError, Result};
use super::ids::{ConfigurationId, TenantId};
use super::validate::{Violations, base_url};
use provider_sdk::contract::{
    self as contract, DetailsAuthentication, FiscalCode, HasPrecondition, NewRcConfiguration,
    RcConfiguration,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use url::Url;

/// A configuration, parsed: its ids typed, each `base_url` a [`Url`], the fiscal codes a set.
/// It is stored and answered as the contract's [`RcConfiguration`] (JSON), and a stored one
/// parses back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "RcConfiguration", try_from = "RcConfiguration")]
pub struct Configuration {
    pub id: ConfigurationId,
    /// The tenant that created it (IO's `user_id`).
    pub owner: TenantId,
    pub name: String,
    pub description: String,
    pub has_precondition: HasPrecondition,
    pub is_lollipop_enabled: bool,
    /// Citizens lollipop is not asked of, even when enabled.
    pub disable_lollipop_for: FiscalCodes,
    pub prod: Option<Environment>,
    pub test: Option<TestEnvironment>,
}

/// Where an environment of the entity is and how the gateway authenticates to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub base_url: Url,
    pub auth: DetailsAuthentication,
}

/// The test environment: only `test_users` are sent there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestEnvironment {
    pub environment: Environment,
    pub test_users: FiscalCodes,
}

/// A set of fiscal codes that also remembers the list it came from (order and repeats), so
/// the configuration reads back as it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FiscalCodes {
    listed: Vec<FiscalCode>,
    set: BTreeSet<FiscalCode>,
}

impl FiscalCodes {
    pub fn contains(&self, fc: &FiscalCode) -> bool {
        self.set.contains(fc)
    }

    /// Each code, or the index of the first that is not one.
    fn parse(list: &[String]) -> Result<FiscalCodes, usize> {
        let listed = list
            .iter()
            .enumerate()
            .map(|(i, s)| FiscalCode::parse(s).map_err(|_| i))
            .collect::<Result<Vec<_>, _>>()?;
        let set = listed.iter().cloned().collect();
        Ok(FiscalCodes { listed, set })
    }

    fn to_strings(&self) -> Vec<String> {
        self.listed.iter().map(|f| f.as_str().to_owned()).collect()
    }
}

impl Configuration {
    /// `c` as `owner`'s configuration `id`, read as it is stored: each `base_url` a URL and
    /// each fiscal code one. What [`validate`] checks besides (texts, egress, authentication)
    /// is not checked again: a stored configuration stays usable whatever changed since.
    pub fn parse(
        id: ConfigurationId,
        owner: TenantId,
        c: NewRcConfiguration,
    ) -> std::result::Result<Configuration, String> {
        let url = |field: &str, raw: &str| {
            Url::parse(raw).map_err(|e| format!("{field} is not a URL: {e}"))
        };
        let codes = |field: &str, list: &[String]| {
            FiscalCodes::parse(list).map_err(|i| format!("{field}[{i}] is not a fiscal code"))
        };
        let prod = match c.prod_environment {
            None => None,
            Some(p) => Some(Environment {
                base_url: url("prod_environment.base_url", &p.base_url)?,
                auth: p.details_authentication,
            }),
        };
        let test = match c.test_environment {
            None => None,
            Some(t) => Some(TestEnvironment {
                environment: Environment {
                    base_url: url("test_environment.base_url", &t.base_url)?,
                    auth: t.details_authentication,
                },
                test_users: codes("test_environment.test_users", &t.test_users)?,
            }),
        };
        Ok(Configuration {
            id,
            owner,
            name: c.name,
            description: c.description,
            has_precondition: c.has_precondition,
            is_lollipop_enabled: c.is_lollipop_enabled,
            disable_lollipop_for: codes("disable_lollipop_for", &c.disable_lollipop_for)?,
            prod,
            test,
        })
    }
}

impl TryFrom<RcConfiguration> for Configuration {
    type Error = String;
    fn try_from(c: RcConfiguration) -> std::result::Result<Configuration, String> {
        let id = c
            .configuration_id
            .parse()
            .map_err(|e: &str| format!("configuration_id: {e}"))?;
        Configuration::parse(id, TenantId::new(c.user_id), c.configuration)
    }
}

impl From<Configuration> for RcConfiguration {
    fn from(c: Configuration) -> RcConfiguration {
        RcConfiguration::from(&c)
    }
}

impl From<&Configuration> for RcConfiguration {
    fn from(c: &Configuration) -> RcConfiguration {
        RcConfiguration {
            configuration_id: c.id.to_string(),
            user_id: c.owner.to_string(),
            configuration: NewRcConfiguration {
                name: c.name.clone(),
                description: c.description.clone(),
                has_precondition: c.has_precondition,
                is_lollipop_enabled: c.is_lollipop_enabled,
                disable_lollipop_for: c.disable_lollipop_for.to_strings(),
                prod_environment: c.prod.as_ref().map(|p| contract::Environment {
                    base_url: p.base_url.to_string(),
                    details_authentication: p.auth.clone(),
                }),
                test_environment: c.test.as_ref().map(|t| contract::TestEnvironment {
                    base_url: t.environment.base_url.to_string(),
                    details_authentication: t.environment.auth.clone(),
                    test_users: t.test_users.to_strings(),
                }),
            },
        }
    }
}

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

/// Checks a submitted configuration: texts, at least one environment, each `base_url` absolute
/// http(s) without credentials, query or fragment and not aimed at an address `egress` forbids,
/// authentication, fiscal codes. Gives it back parsed as `owner`'s configuration `id`, each
/// `base_url` normalised (see [`base_url`]), as it is stored.
pub fn validate(
    c: NewRcConfiguration,
    egress: &EgressPolicy,
    id: ConfigurationId,
    owner: TenantId,
) -> Result<Configuration> {
    let c = checked(c, egress)?;
    Configuration::parse(id, owner, c).map_err(|e| GatewayError::new(Code::VALIDATION_FAILED, e))
}

fn checked(mut c: NewRcConfiguration, egress: &EgressPolicy) -> Result<NewRcConfiguration> {
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
    found: Option<Configuration>,
    id: &ConfigurationId,
    tenant: &TenantId,
    usage: Use,
) -> Result<Configuration> {
    match (found, usage) {
        (Some(c), _) if c.owner == *tenant => Ok(c),
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

    /// A body as the store holds it (the contract's JSON): it parses into URLs and fiscal
    /// codes and writes back the same JSON, lists in their order with their repeats.
    #[test]
    fn a_stored_configuration_reads_back_unchanged() {
        let stored = serde_json::json!({
            "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "user_id": "tenant-1",
            "name": "Tari", "description": "Avvisi", "has_precondition": "ONCE",
            "is_lollipop_enabled": true,
            "disable_lollipop_for": ["RSSMRA85T10A562S", "SPNDNL80R13C555X", "RSSMRA85T10A562S"],
            "prod_environment": {"base_url": "https://rc.example.it/api/",
                "details_authentication": {"type": "INTEROP_VOUCHER",
                    "purpose_id": "9d6a1f7e-52b4-4e1c-9c39-2f1b0e6a7c11"}},
            "test_environment": {"base_url": "http://127.0.0.1:8090/rc",
                "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"},
                "test_users": ["SPNDNL80R13C555X"]}
        });
        let c: Configuration = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(c.owner, *"tenant-1");
        let prod = c.prod.as_ref().unwrap();
        assert_eq!(prod.base_url.host_str(), Some("rc.example.it"));
        let alice = FiscalCode::parse("SPNDNL80R13C555X").unwrap();
        let bob = FiscalCode::parse("RSSMRA85T10A562S").unwrap();
        let test = c.test.as_ref().unwrap();
        assert!(test.test_users.contains(&alice) && !test.test_users.contains(&bob));
        assert!(c.disable_lollipop_for.contains(&bob));
        assert_eq!(serde_json::to_value(&c).unwrap(), stored);
        // Where each citizen's requests go, from the parsed URLs.
        let to = |fc| {
            super::super::remote::environment(&c, fc)
                .unwrap()
                .base_url
                .as_str()
        };
        assert_eq!(to(&alice), "http://127.0.0.1:8090/rc");
        assert_eq!(to(&bob), "https://rc.example.it/api/");
        // A probe names its environment: the test one only for a test user.
        use super::super::remote::probed_environment;
        use provider_sdk::contract::probe::ProbeEnvironment::{Prod, Test};
        let probed = |which, fc| probed_environment(&c, which, fc).map(|e| e.base_url.as_str());
        assert_eq!(probed(Test, &alice), Ok("http://127.0.0.1:8090/rc"));
        assert_eq!(probed(Prod, &alice), Ok("https://rc.example.it/api/"));
        let e = probed(Test, &bob).unwrap_err();
        assert_eq!(
            (e.code, e.fields),
            (Code::NOT_A_TEST_USER, vec!["fiscal_code".into()])
        );
        let mut prod_only = c.clone();
        prod_only.test = None;
        let e = probed_environment(&prod_only, Test, &alice).unwrap_err();
        assert_eq!(
            (e.code, e.fields),
            (Code::VALIDATION_FAILED, vec!["environment".into()])
        );
        prod_only.prod = None;
        assert!(probed_environment(&prod_only, Prod, &bob).is_err());
        // A row that is not a configuration any more does not load.
        let mut bad = stored;
        bad["test_environment"]["test_users"][0] = "nobody".into();
        let e = serde_json::from_value::<Configuration>(bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("test_environment.test_users[0]"), "{e}");
    }

    #[test]
    fn a_submission_is_validated_into_a_parsed_configuration() {
        let new: NewRcConfiguration = serde_json::from_value(serde_json::json!({
            "name": "Tari", "description": "Avvisi", "has_precondition": "NEVER",
            "is_lollipop_enabled": false,
            "prod_environment": {"base_url": "HTTPS://RC.Example.IT:443/api",
                "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
        }))
        .unwrap();
        let id = ConfigurationId::new();
        let c = validate(new, &EgressPolicy::default(), id.clone(), "t1".into()).unwrap();
        assert_eq!((c.id, c.owner.as_str()), (id, "t1"));
        // Normalised once, as it is stored and answered.
        assert_eq!(
            c.prod.unwrap().base_url.as_str(),
            "https://rc.example.it/api"
        );
    }

    #[test]
    fn one_ownership_check_answers_by_use() {
        let id = ConfigurationId::new();
        let c: Configuration = serde_json::from_value(serde_json::json!({
            "configuration_id": id.to_string(), "user_id": "t1", "name": "n",
            "description": "d", "has_precondition": "NEVER",
            "is_lollipop_enabled": false, "disable_lollipop_for": [],
            "prod_environment": {"base_url": "https://rc.example.it/api",
                "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
        }))
        .unwrap();
        let (t1, t2) = (TenantId::from("t1"), TenantId::from("t2"));
        let code = |found: Option<&Configuration>, tenant: &TenantId, usage| {
            owned(found.cloned(), &id, tenant, usage)
                .map(|c| c.owner.to_string())
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
