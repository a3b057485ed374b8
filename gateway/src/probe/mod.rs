//! `gateway probe`: an entity's endpoints checked before going live, through the gateway's own
//! fetch path ([`Fetcher`], the domain's checks), so that what the probe says is what citizens
//! would get (docs/probe.md).
//!
//! ```text
//! cli.rs (arguments) ─► run() ─► Fetcher::json_seen / attachment_seen ─► domain::remote checks
//!                          │                                        (the I/O: this file)
//!                          └─► checks.rs (pure: verdicts, measures) ─► report.rs (text, JSON)
//! ```
//!
//! One call per endpoint, as the app opening the message would make them: the precondition
//! (when `has_precondition` is ALWAYS or ONCE), the details, then each attachment they list
//! (when they pass and declare `has_attachments`).

pub mod admission;
pub mod checks;
pub mod cli;
pub mod device;
pub mod fixes;
pub mod report;

use crate::config::{FetchSettings, InteropClientConfig};
use crate::domain::GatewayError;
use crate::domain::remote::{
    attachment_path, check_details, check_precondition, entity_segment, precondition_needed,
};
use crate::fetch::{Call as FetchCall, Exchange, Fetcher};
use axum::http::{HeaderName, HeaderValue};
use checks::{Call, Kind};
use provider_sdk::contract::{
    DetailsAuthentication, FiscalCode, HasPrecondition, PreconditionContent, RemoteContentDetails,
    RemoteContentDetailsResponse, ThirdPartyData,
};
use report::{Check, Declared, Limits, Report, SCHEMA, Summary};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// The flags the entity means to submit its messages with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub has_precondition: Option<HasPrecondition>,
    pub has_remote_content: bool,
    pub has_attachments: bool,
}

/// Everything a probe needs.
#[derive(Debug, Clone)]
pub struct Options {
    pub base_url: url::Url,
    pub auth: DetailsAuthentication,
    /// For `INTEROP_VOUCHER`: how the gateway gets vouchers.
    pub interop: Option<InteropClientConfig>,
    pub fiscal_code: FiscalCode,
    /// The entity's correlation id (`third_party_data.id`).
    pub message_id: String,
    pub flags: Flags,
    /// Sign the requests as a device would.
    pub lollipop: bool,
    /// The gateway's fetch settings (its defaults, or `--config`'s).
    pub fetch: FetchSettings,
}

/// Where the app's request would have gone: what a device signs (`x-pagopa-lollipop-original-url`).
const APP_BACKEND: &str =
    "https://app-backend.io.italia.it/api/communication/v1/third-party-messages";

fn ms(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

fn limits(f: &FetchSettings) -> Limits {
    Limits {
        connect_timeout_ms: ms(f.connect_timeout),
        timeout_ms: ms(f.timeout),
        max_json_bytes: f.max_json_bytes as u64,
        max_pdf_bytes: f.max_pdf_bytes as u64,
        pdf_validation_timeout_ms: ms(f.pdf_validation_timeout),
    }
}

fn precondition_name(p: HasPrecondition) -> &'static str {
    match p {
        HasPrecondition::Always => "ALWAYS",
        HasPrecondition::Once => "ONCE",
        HasPrecondition::Never => "NEVER",
    }
}

/// One probe's state: the fetcher, the message as declared, the device.
struct Probe<'o> {
    o: &'o Options,
    fetcher: Fetcher,
    tpd: ThirdPartyData,
    device: Option<device::Device>,
    /// The app's message id the device's signatures name.
    app_message: String,
    limits: Limits,
    checks: Vec<Check>,
}

impl Probe<'_> {
    fn lollipop(&self, app_suffix: &str) -> Result<Vec<(HeaderName, HeaderValue)>, GatewayError> {
        let Some(device) = &self.device else {
            return Ok(Vec::new());
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let url = format!("{APP_BACKEND}/{}{app_suffix}", self.app_message);
        let headers = device
            .sign(&self.o.fiscal_code, &url, now)
            .map_err(|e| GatewayError::new(crate::domain::Code::LOLLIPOP_HEADERS_INVALID, e))?;
        // What the gateway would forward of what the app backend sent.
        crate::fetch::lollipop::forwarded(&headers, &self.o.fiscal_code)
    }

    fn entity_path(&self, rest: &str) -> String {
        format!("messages/{}{rest}", entity_segment(&self.tpd.id))
    }

    /// Calls `path` through the fetch path, then `then` on its answer; records the verdict and
    /// the measures.
    async fn call(
        &mut self,
        name: &str,
        path: String,
        app_suffix: &str,
        what: What,
        then: impl FnOnce(Fetched) -> Result<Fetched, GatewayError>,
    ) -> Option<Fetched> {
        let mut seen = Exchange::default();
        let started = Instant::now();
        let result = match self.lollipop(app_suffix) {
            Err(e) => Err(e),
            Ok(lollipop) => {
                let call = FetchCall {
                    base_url: &self.o.base_url,
                    auth: &self.o.auth,
                    fiscal_code: &self.o.fiscal_code,
                    lollipop: &lollipop,
                    path: path.clone(),
                };
                let f = &self.fetcher;
                match what {
                    What::Precondition => f
                        .json_seen(&call, &mut seen)
                        .await
                        .map(Fetched::Precondition),
                    What::Details => f.json_seen(&call, &mut seen).await.map(Fetched::Details),
                    What::Attachment => f
                        .attachment_seen(&call, &mut seen)
                        .await
                        .map(|_spooled| Fetched::Attachment),
                }
                .and_then(then)
            }
        };
        let call = Call {
            name,
            path: &path,
            kind: match what {
                What::Attachment => Kind::Pdf,
                What::Precondition | What::Details => Kind::Json,
            },
            seen: &seen,
            elapsed: started.elapsed(),
        };
        let verdict = result.as_ref().map(|_| ());
        self.checks.push(checks::outcome(&call, verdict));
        self.checks
            .extend(checks::measures(&call, verdict, &self.limits));
        result.ok()
    }
}

/// What a call asks for.
#[derive(Clone, Copy)]
enum What {
    Precondition,
    Details,
    Attachment,
}

/// What a call brought.
enum Fetched {
    Precondition(PreconditionContent),
    Details(RemoteContentDetailsResponse),
    /// Downloaded and validated (the spool file is gone).
    Attachment,
}

/// Builds the probe's fetcher: the gateway's, with its circuit breaker out of the way (a probe
/// makes a handful of calls, each of which should say what it met).
pub fn fetcher(o: &Options) -> Result<Fetcher, String> {
    let mut settings = o.fetch.clone();
    settings.breaker_failures = NonZeroU32::MAX;
    Fetcher::new(&settings, o.interop.clone())
}

/// Probes the entity: every check, pass or fail. `Err` only when the probe cannot start (an
/// unreadable key, an unusable TLS root).
pub async fn run(o: &Options) -> Result<Report, String> {
    let started = Instant::now();
    let tpd = ThirdPartyData {
        id: o.message_id.clone(),
        original_sender: None,
        original_receipt_date: None,
        has_attachments: o.flags.has_attachments,
        has_remote_content: o.flags.has_remote_content,
        has_precondition: o.flags.has_precondition,
        summary: None,
        configuration_id: None,
    };
    let mut p = Probe {
        o,
        fetcher: fetcher(o)?,
        tpd,
        device: o.lollipop.then(device::Device::generate),
        app_message: ulid::Ulid::new().to_string(),
        limits: limits(&o.fetch),
        checks: Vec::new(),
    };
    // An unread message: ONCE shows the precondition too.
    if precondition_needed(&p.tpd, false) {
        let path = p.entity_path("/precondition");
        p.call(
            "precondition",
            path,
            "/precondition",
            What::Precondition,
            |pre| match &pre {
                Fetched::Precondition(content) => check_precondition(content).map(|()| pre),
                _ => Ok(pre),
            },
        )
        .await;
    }
    let path = p.entity_path("");
    let tpd = p.tpd.clone();
    let mut flags = Vec::new();
    let details = p
        .call("details", path.clone(), "", What::Details, |fetched| {
            let Fetched::Details(answer) = &fetched else {
                return Ok(fetched);
            };
            flags = checks::undeclared(&tpd, answer, &path);
            // Without has_remote_content the app shows what was submitted: any text will do.
            let submitted = RemoteContentDetails {
                subject: String::new(),
                markdown: String::new(),
            };
            check_details(&tpd, &submitted, answer.clone()).map(|_| fetched)
        })
        .await;
    p.checks.extend(flags);
    if let Some(Fetched::Details(answer)) = details
        && p.tpd.has_attachments
    {
        let (attachments, skipped) =
            checks::attachments_to_check(answer.attachments.unwrap_or_default(), &path);
        p.checks.extend(skipped);
        for a in attachments {
            let url = attachment_path(&a.url).to_owned();
            let path = p.entity_path(&format!("/{url}"));
            p.call(
                &format!("attachment {}", a.id),
                path,
                &format!("/attachments/{url}"),
                What::Attachment,
                Ok,
            )
            .await;
        }
    }
    let checks = p.checks;
    Ok(Report {
        schema: SCHEMA.into(),
        base_url: o.base_url.to_string(),
        message_id: o.message_id.clone(),
        declared: Declared {
            has_precondition: o
                .flags
                .has_precondition
                .map(|h| precondition_name(h).into()),
            has_remote_content: o.flags.has_remote_content,
            has_attachments: o.flags.has_attachments,
            lollipop: o.lollipop,
        },
        limits: p.limits,
        summary: Summary::of(&checks, ms(started.elapsed())),
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voucher_options(private_key: &str, token_url: String) -> Options {
        Options {
            base_url: "http://127.0.0.1:9/rc".parse().unwrap(),
            auth: DetailsAuthentication::InteropVoucher {
                purpose_id: "purpose-1".into(),
            },
            interop: Some(InteropClientConfig {
                token_url,
                client_id: "client".into(),
                kid: "kid".into(),
                private_key_path: format!(
                    "{}/../fixtures/keys/{private_key}",
                    env!("CARGO_MANIFEST_DIR")
                )
                .into(),
                assertion_audience: "recapito-interop".into(),
                voucher_reuse_secs: 60,
            }),
            fiscal_code: FiscalCode::parse("SPNDNL80R13C555X").unwrap(),
            message_id: "m".into(),
            flags: Flags {
                has_remote_content: true,
                ..Flags::default()
            },
            lollipop: false,
            fetch: FetchSettings::try_from(&crate::Config::default().fetch).unwrap(),
        }
    }

    #[tokio::test]
    async fn vouchers_come_as_the_gateway_gets_them_and_their_failure_is_a_finding() {
        // A token endpoint nobody listens on: the gateway's INTEROP_UNAVAILABLE, with its fix.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token.oauth2", closed.local_addr().unwrap());
        drop(closed);
        let r = run(&voucher_options("client-b.key.pem", url))
            .await
            .unwrap();
        assert_eq!(r.checks.len(), 1, "{:?}", r.checks);
        let c = &r.checks[0];
        assert_eq!(
            (c.name.as_str(), c.code.as_str()),
            ("details", "INTEROP_UNAVAILABLE")
        );
        assert_eq!(c.status, report::Status::Fail);
        assert!(c.fix.contains("token endpoint"), "{}", c.fix);
        assert_eq!(c.http_status, None);
        assert_eq!(r.exit_code(), 1);
    }

    #[tokio::test]
    async fn an_unreadable_client_key_stops_the_probe_before_any_call() {
        let e = run(&voucher_options(
            "missing.key.pem",
            "http://127.0.0.1:9/t".into(),
        ))
        .await
        .unwrap_err();
        assert!(e.contains("private_key_path"), "{e}");
    }
}
