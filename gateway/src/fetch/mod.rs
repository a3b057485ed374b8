//! Calls to entities: `GET {base_url}/messages/{id}[/precondition|/{attachment}]` with the
//! citizen's `fiscal_code`, the lollipop headers when enabled, and the configured authentication;
//! bounded connect and total timeouts, no redirects, capped bodies, per-entity isolation.

pub mod consumer;
pub mod fair;
pub mod gate;
pub mod http;
pub mod lollipop;

use crate::config::{FetchSettings, InteropClientConfig};
use crate::domain::egress::EgressPolicy;
use crate::domain::remote::entity_status;
use crate::domain::{Code, GatewayError};
use axum::http::{HeaderName, HeaderValue};
use consumer::VoucherSource;
use fair::FairSlots;
use gate::{GateSettings, Gates};
use provider_sdk::contract::DetailsAuthentication;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One call to an entity.
pub struct Call<'a> {
    pub base_url: &'a url::Url,
    pub auth: &'a DetailsAuthentication,
    pub fiscal_code: &'a provider_sdk::contract::FiscalCode,
    pub lollipop: &'a [(HeaderName, HeaderValue)],
    /// Path below `{base_url}/`, already safe.
    pub path: String,
}

/// What one call saw of the entity's answer besides its outcome: what `gateway probe` reports
/// (timings against the timeouts, sizes against the caps, the content type, a redirect's target,
/// `Retry-After` as the entity wrote it). The gateway's own requests discard it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    /// The entity's status, when an answer's head arrived.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// `Content-Length`, when it delimits the body.
    pub content_length: Option<u64>,
    /// `Location` of a 3xx answer (never followed).
    pub location: Option<String>,
    /// `Retry-After` of a 503 answer, as sent (the app gets it only if it is delta-seconds).
    pub retry_after: Option<String>,
    /// Body bytes read (up to the cap).
    pub body_bytes: u64,
    /// The start of a refusal's body (non-200), when it came with the head: an entity's
    /// problem+json names its reason (`LOLLIPOP_HEADER_MISSING`…). At most 512 bytes, lossy UTF-8.
    pub refusal: Option<String>,
    /// From sending the request to the answer's head.
    pub head_after: Option<Duration>,
    /// From sending the request to the body's last byte.
    pub body_after: Option<Duration>,
}

pub struct Fetcher {
    http: http::Client,
    targets: http::Targets,
    gates: Gates,
    vouchers: Option<VoucherSource>,
    max_json: usize,
    max_pdf: usize,
    validations: FairSlots,
    validation_timeout: Duration,
    validation_queue_timeout: Duration,
    spool_dir: Option<PathBuf>,
    egress: Arc<EgressPolicy>,
}

fn err(code: Code, detail: impl Into<String>) -> GatewayError {
    GatewayError::new(code, detail)
}

impl Fetcher {
    pub fn new(c: &FetchSettings, interop: Option<InteropClientConfig>) -> Result<Fetcher, String> {
        let egress = Arc::new(EgressPolicy::new(c.egress_allow.clone()));
        let http = http::Client::new(
            http::Settings {
                connect_timeout: c.connect_timeout,
                timeout: c.timeout,
                idle_timeout: Duration::from_secs(30),
                // More are never in flight to one entity at once.
                max_idle_per_origin: c.per_entity_concurrency.get(),
                egress: {
                    let policy = egress.clone();
                    Arc::new(move |ip| policy.permits(ip))
                },
            },
            http::tls::client_config(&c.extra_root_certs)?,
        );
        let gates = Gates::new(GateSettings {
            concurrency: c.per_entity_concurrency.get(),
            queue_timeout: c.queue_timeout,
            breaker_failures: c.breaker_failures.get(),
            breaker_open: c.breaker_open,
        });
        let vouchers = interop.map(VoucherSource::new).transpose()?;
        Ok(Fetcher {
            http,
            targets: http::Targets::default(),
            gates,
            vouchers,
            max_json: c.max_json_bytes,
            max_pdf: c.max_pdf_bytes,
            validations: FairSlots::new(c.pdf_validations_in_flight.get()),
            validation_timeout: c.pdf_validation_timeout,
            validation_queue_timeout: c.pdf_queue_timeout,
            spool_dir: c.spool_dir.clone(),
            egress,
        })
    }

    /// The addresses entity calls may reach (also checked when a configuration is saved).
    pub fn egress(&self) -> &EgressPolicy {
        &self.egress
    }

    /// Sends the call; answers the response if the entity said 200, the mapped error otherwise.
    async fn send(
        &self,
        call: &Call<'_>,
        seen: &mut Exchange,
    ) -> Result<(http::Response<'_>, gate::Pass, Instant), GatewayError> {
        let target = self
            .targets
            .join(call.base_url, &call.path)
            .map_err(|e| err(Code::CONFIGURATION_GONE, format!("unusable base_url: {e}")))?;
        let origin = target.origin();
        let unsendable =
            |e: http::InvalidHeader| err(Code::ENTITY_UNREACHABLE, format!("{origin}: {e}"));
        let mut head = http::RequestHead::get(&target);
        head.header("fiscal_code", call.fiscal_code.as_str().as_bytes())
            .map_err(unsendable)?;
        for (k, v) in call.lollipop {
            head.header(k.as_str(), v.as_bytes()).map_err(unsendable)?;
        }
        let purpose = match call.auth {
            DetailsAuthentication::ApiKey {
                header_key_name,
                key,
            } => {
                head.header(header_key_name, key.as_bytes())
                    .map_err(unsendable)?;
                None
            }
            DetailsAuthentication::InteropVoucher { purpose_id } => {
                let source = self.vouchers.as_ref().ok_or_else(|| {
                    err(Code::VOUCHER_REFUSED, "the configuration asks for Interop vouchers and this gateway has no interop_client configured")
                })?;
                let voucher = source.voucher(purpose_id).await?;
                head.header("authorization", format!("Bearer {voucher}").as_bytes())
                    .map_err(unsendable)?;
                Some(purpose_id.as_str())
            }
        };
        let pass = self.gates.enter(origin).await?;
        let sent = Instant::now();
        let mut resp = match self.http.get(&target, head).await {
            Ok(r) => r,
            // Nothing was attempted: the entity is not at fault, its circuit stays as it is. The
            // answer is the same whether something listens there or not.
            Err(e @ http::Error::Forbidden(_)) => {
                pass.done(true);
                return Err(err(
                    Code::ENTITY_ADDRESS_NOT_ALLOWED,
                    format!("{origin}: {e}"),
                ));
            }
            Err(e) => {
                pass.done(false);
                let code = if e.is_timeout() {
                    Code::ENTITY_TIMEOUT
                } else {
                    Code::ENTITY_UNREACHABLE
                };
                return Err(err(code, format!("{origin}: {e}")));
            }
        };
        let status = resp.status();
        *seen = Exchange {
            status: Some(status),
            content_type: resp.content_type().map(str::to_owned),
            content_length: resp.content_length(),
            location: resp.location().map(str::to_owned),
            retry_after: resp.retry_after().map(str::to_owned),
            head_after: Some(sent.elapsed()),
            ..Exchange::default()
        };
        if status == 200 {
            return Ok((resp, pass, sent));
        }
        pass.done(status < 500);
        if status == 401
            && let (Some(p), Some(v)) = (purpose, &self.vouchers)
        {
            v.forget(p);
        }
        let code = entity_status(status);
        let mut e = err(code, format!("the entity answered {status}"));
        if resp.content_length().is_some_and(|n| n <= 512)
            && let Some(body) = resp.body_at_hand()
            && !body.is_empty()
        {
            seen.refusal = Some(String::from_utf8_lossy(body).into_owned());
        }
        if status == 503 {
            let retry = resp
                .retry_after()
                .filter(|v| v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty());
            e.retry_after = Some(retry.unwrap_or("10").to_owned());
        }
        resp.release();
        Err(e)
    }

    /// GETs JSON of at most `max_json_bytes`.
    pub async fn json<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T, GatewayError> {
        self.json_seen(call, &mut Exchange::default()).await
    }

    /// [`Fetcher::json`], telling what it saw of the answer in `seen` (`gateway probe`).
    pub async fn json_seen<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        seen: &mut Exchange,
    ) -> Result<T, GatewayError> {
        let (mut resp, pass, sent) = self.send(call, seen).await?;
        let announced = resp.content_length().unwrap_or(0);
        if announced <= self.max_json as u64
            && let Some(body) = resp.body_at_hand()
        {
            seen.body_bytes = body.len() as u64;
            seen.body_after = Some(sent.elapsed());
            // Parsed where it lies in the connection's buffer; then the connection is parked.
            let parsed = serde_json::from_slice(body);
            let end = resp.chunk().await;
            pass.done(true);
            debug_assert!(matches!(end, Ok(None)));
            return parsed.map_err(|e| {
                err(
                    Code::ENTITY_INVALID_RESPONSE,
                    format!("not the contract's JSON: {e}"),
                )
            });
        }
        let mut body = Vec::with_capacity(announced.min(self.max_json as u64) as usize);
        let read = read_capped(&mut resp, self.max_json, |chunk| {
            body.extend_from_slice(chunk);
            Ok(())
        })
        .await;
        seen.body_bytes = body.len() as u64;
        seen.body_after = read.is_ok().then(|| sent.elapsed());
        pass.done(!matches!(&read, Err(e) if e.code == Code::ENTITY_TIMEOUT));
        read?;
        serde_json::from_slice(&body).map_err(|e| {
            err(
                Code::ENTITY_INVALID_RESPONSE,
                format!("not the contract's JSON: {e}"),
            )
        })
    }

    /// Downloads an attachment into a spool file (never holding it all in memory while it
    /// arrives), then validates it as PDF/A-2 with at most `pdf_validations_in_flight` at once,
    /// the slots shared round-robin between entities, each validation within
    /// `pdf_validation_timeout_ms`.
    pub async fn attachment(&self, call: &Call<'_>) -> Result<tempfile::TempPath, GatewayError> {
        self.attachment_seen(call, &mut Exchange::default()).await
    }

    /// [`Fetcher::attachment`], telling what it saw of the answer in `seen` (`gateway probe`).
    pub async fn attachment_seen(
        &self,
        call: &Call<'_>,
        seen: &mut Exchange,
    ) -> Result<tempfile::TempPath, GatewayError> {
        // The entity, as the gates know it: the origin of the URL the attachment comes from.
        let entity = self
            .targets
            .join(call.base_url, &call.path)
            .map(|t| t.origin().to_owned())
            .map_err(|e| err(Code::CONFIGURATION_GONE, format!("unusable base_url: {e}")))?;
        let (mut resp, pass, sent) = self.send(call, seen).await?;
        let spool = |e: std::io::Error| {
            err(
                Code::ENTITY_INVALID_RESPONSE,
                format!("cannot spool the attachment: {e}"),
            )
        };
        let mut file = match &self.spool_dir {
            Some(d) => tempfile::NamedTempFile::new_in(d),
            None => tempfile::NamedTempFile::new(),
        }
        .map_err(spool)?;
        let mut bytes = 0u64;
        let read = read_capped(&mut resp, self.max_pdf, |chunk| {
            bytes += chunk.len() as u64;
            file.write_all(chunk).map_err(spool)
        })
        .await;
        seen.body_bytes = bytes;
        seen.body_after = read.is_ok().then(|| sent.elapsed());
        pass.done(!matches!(&read, Err(e) if e.code == Code::ENTITY_TIMEOUT));
        read?;
        file.flush().map_err(spool)?;
        let path = file.into_temp_path();
        // Giving up the wait passes a granted slot on (`FairSlots` is cancel-safe); the spool
        // file goes with `path`.
        let slot = tokio::time::timeout(
            self.validation_queue_timeout,
            self.validations.acquire(&entity),
        )
        .await
        .map_err(|_| {
            let mut e = err(
                Code::ATTACHMENT_VALIDATION_BUSY,
                format!(
                    "no validation slot within {} ms",
                    self.validation_queue_timeout.as_millis()
                ),
            );
            e.retry_after = Some("5".into());
            e
        })?;
        let to_check = path.to_path_buf();
        // The deadline counts from the slot, not from the queue: waiting is not the file's fault.
        let limits = pdfa::Limits::with_timeout(self.validation_timeout);
        let verdict = tokio::task::spawn_blocking(move || {
            // The slot moves into the blocking task: if the request is dropped meanwhile, the
            // validation still runs to its (bounded) end and only then frees the slot.
            let _slot = slot;
            std::fs::read(&to_check).map(|b| pdfa::validate_with(&b, limits))
        })
        .await
        .map_err(|_| err(Code::ATTACHMENT_NOT_PDF, "the validator stopped"))?
        .map_err(spool)?;
        verdict.map_err(|f| {
            let code = match f.kind {
                pdfa::FailureKind::NotPdf => Code::ATTACHMENT_NOT_PDF,
                pdfa::FailureKind::Encrypted => Code::ATTACHMENT_ENCRYPTED,
                pdfa::FailureKind::NotPdfA => Code::ATTACHMENT_NOT_PDFA,
                pdfa::FailureKind::TooComplex => Code::ATTACHMENT_TOO_COMPLEX,
            };
            // The rule id (`6.1.3-1`, veraPDF's) rather than the clause alone: what an entity
            // looks up in `check-pdf`'s output or veraPDF's report.
            err(code, format!("{} {}", f.rule, f.reason))
        })?;
        Ok(path)
    }
}

/// Reads the body chunk by chunk, refusing more than `max` bytes (announced or actual).
async fn read_capped(
    resp: &mut http::Response<'_>,
    max: usize,
    mut sink: impl FnMut(&[u8]) -> Result<(), GatewayError>,
) -> Result<(), GatewayError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(err(
            Code::ENTITY_RESPONSE_TOO_LARGE,
            format!("the answer announces more than {max} bytes"),
        ));
    }
    let mut total = 0usize;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len();
                if total > max {
                    return Err(err(
                        Code::ENTITY_RESPONSE_TOO_LARGE,
                        format!("the answer is larger than {max} bytes"),
                    ));
                }
                sink(chunk)?;
            }
            Ok(None) => return Ok(()),
            Err(e) if e.is_timeout() => {
                return Err(err(Code::ENTITY_TIMEOUT, "the entity stopped sending"));
            }
            Err(e) => {
                return Err(err(
                    Code::ENTITY_UNREACHABLE,
                    format!("the answer broke off: {e}"),
                ));
            }
        }
    }
}
