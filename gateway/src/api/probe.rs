//! `POST /api/v1/remote-contents/configurations/{configurationId}/probe`: the gateway probes one
//! of the caller's configurations itself — from where it runs, with the configuration's own
//! authentication (its API key, or vouchers it asks Interop for the configuration's purpose with
//! its own client) and its current fetch settings — and answers the report `gateway probe --json`
//! prints. An entity (or the console acting for it) can so check a voucher-protected endpoint it
//! could not call as the gateway, without ever holding the gateway's credentials.
//!
//! What bounds it: only the caller's own configurations; the test environment only for one of
//! its `test_users`; the egress policy of every fetch; one probe at a time per tenant, a budget
//! per minute and a global cap ([`crate::probe::admission`]).

use super::AppState;
use super::callers::Entity;
use super::configurations::configuration_of;
use super::openapi::{
    ConfigurationNotFound, PathOrBodyRefused, PayloadTooLarge, ProbeForbidden, ProbeLimited,
    ProbeUnavailable, VoucherRefused,
};
use super::problem::{ApiError, ApiJson, ApiPath, problem};
use crate::config::{FetchSettings, InteropClientConfig};
use crate::domain::configuration::Use;
use crate::domain::remote::{is_dot_segment, probed_environment};
use crate::domain::{Code, ConfigurationId, GatewayError};
use crate::probe::admission::Admission;
use crate::probe::{Flags, Options};
use axum::Json;
use axum::extract::State;
use provider_sdk::contract::FiscalCode;
use provider_sdk::contract::probe::{ProbeRequest, Report};
use std::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest correlation id a probe accepts (IO bounds `third_party_data.id` no tighter).
pub const MAX_MESSAGE_ID: usize = 500;

/// What the probe API runs with: the gateway's fetch settings and Interop client, and who may
/// start a probe now.
pub struct Probes {
    pub fetch: FetchSettings,
    pub interop: Option<InteropClientConfig>,
    pub admission: Admission,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(probe))
}

/// Probe one of the caller's configurations
///
/// Not in IO's contract. The gateway calls the configuration's `base_url` (production, or the
/// test environment for one of its `test_users`) exactly as it does when a citizen opens a
/// message — the precondition when `has_precondition` is ALWAYS or ONCE, the details, then each
/// attachment — through its own fetch path and checks, and answers every check with its verdict,
/// code, meaning, fix and timing (schema `recapito-probe/1`, as `gateway probe --json`). Checks
/// that fail are in the report (200); a refusal to probe is a problem. With `lollipop`, the
/// requests are signed by a device key made for the probe.
///
/// Bounded: one probe at a time per tenant, `probe.per_tenant_per_minute` a minute, and
/// `probe.max_concurrent` for everybody (`429 PROBE_LIMITED` with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/remote-contents/configurations/{configurationId}/probe",
    operation_id = "probeRCConfiguration",
    tag = "configurations",
    security(("interopVoucher" = [])),
    params(("configurationId" = ConfigurationId, Path, description = "The configuration's id (a ULID).")),
    request_body(content = ProbeRequest, description = "The citizen, the message and the flags to probe with."),
    responses(
        (status = 200, description = "The report: every check, pass or fail.", body = Report),
        PathOrBodyRefused, VoucherRefused, ProbeForbidden, ConfigurationNotFound,
        PayloadTooLarge, ProbeLimited, ProbeUnavailable,
    ),
)]
async fn probe(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(id): ApiPath<ConfigurationId>,
    ApiJson(body): ApiJson<ProbeRequest>,
) -> Result<Json<Report>, ApiError> {
    let fiscal_code = FiscalCode::parse(&body.fiscal_code)
        .map_err(|e| GatewayError::field("fiscal_code", e.to_string()))?;
    let message_id = body.message_id.as_str();
    if message_id.is_empty() || message_id.chars().count() > MAX_MESSAGE_ID {
        return Err(GatewayError::field(
            "message_id",
            format!("message_id must be 1..{MAX_MESSAGE_ID} characters"),
        )
        .into());
    }
    if is_dot_segment(message_id) {
        return Err(GatewayError::field(
            "message_id",
            "message_id cannot be \".\" or \"..\": the entity would read it as a relative path",
        )
        .into());
    }
    let c = configuration_of(&st, &sender.tenant, &id, Use::ByEntity).await?;
    let env = probed_environment(&c, body.environment, &fiscal_code)?;
    let permit = st
        .probes
        .admission
        .admit(&sender.tenant, Instant::now())
        .map_err(|r| {
            let mut e = GatewayError::new(
                Code::PROBE_LIMITED,
                "a probe of this tenant is running, its probes this minute are spent, or the \
                 gateway runs as many probes as it allows; retry later",
            );
            e.retry_after = Some(r.retry_after_secs().to_string());
            ApiError(e)
        })?;
    let options = Options {
        base_url: env.base_url.clone(),
        auth: env.auth.clone(),
        interop: st.probes.interop.clone(),
        fiscal_code,
        message_id: message_id.to_owned(),
        flags: Flags {
            has_precondition: body.has_precondition,
            has_remote_content: body.has_remote_content,
            has_attachments: body.has_attachments,
        },
        lollipop: body.lollipop,
        fetch: st.probes.fetch.clone(),
    };
    let report = crate::probe::run(&options).await.map_err(|detail| {
        tracing::error!(configuration_id = %id, %detail, "probe could not start");
        problem(
            Code::PROBE_UNAVAILABLE,
            "the gateway could not start the probe",
        )
    })?;
    drop(permit);
    tracing::info!(
        configuration_id = %id, tenant = %sender.tenant,
        outcome = report.summary.outcome.as_str(), failed = report.summary.failed,
        elapsed_ms = report.summary.elapsed_ms, "configuration probed"
    );
    Ok(Json(report))
}
