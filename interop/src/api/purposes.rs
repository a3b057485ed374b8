//! `/purposes` and their versions (load estimates); operativity and remaining calls.

use super::auth::Caller;
use super::problem::{ApiJson, ApiPath};
use super::{ApiResult, AppState, created, exec};
use crate::domain::ids::{ClientId, EServiceId, PurposeId, PurposeVersionId};
use crate::domain::operativity::{Operativity, operativity};
use crate::domain::purpose::Purpose;
use crate::domain::queries::{self, RemainingCalls};
use crate::domain::{PurposeCommand, PurposeDraftChanges};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/purposes", post(create).get(list))
        .route(
            "/purposes/{id}",
            get(get_one).patch(update_draft).delete(remove),
        )
        .route("/purposes/{id}/operativity", get(get_operativity))
        .route("/purposes/{id}/remaining-daily-calls", get(remaining))
        .route("/purposes/{id}/versions", post(new_version))
        .route("/purposes/{id}/versions/{vid}", delete(delete_version))
        .route("/purposes/{id}/versions/{vid}/activate", post(activate))
        .route("/purposes/{id}/versions/{vid}/approve", post(approve))
        .route("/purposes/{id}/versions/{vid}/reject", post(reject))
        .route("/purposes/{id}/versions/{vid}/suspend", post(suspend))
        .route("/purposes/{id}/versions/{vid}/archive", post(archive))
        .route(
            "/purposes/{id}/versions/{vid}/expected-approval-date",
            put(expected_date),
        )
}

/// A purpose with the clients attached to it (those the caller's tenant owns).
#[derive(Serialize)]
struct PurposeView {
    #[serde(flatten)]
    purpose: Purpose,
    clients: Vec<ClientId>,
}

fn seen(st: &AppState, caller: &Caller, id: PurposeId) -> ApiResult<PurposeView> {
    Ok(st.engine.read(|s, _| {
        queries::purpose(s, &caller.0, id).map(|p| {
            let clients = if caller.0.tenant == Some(p.consumer_id) {
                s.clients_of(id).map(|c| c.id).collect()
            } else {
                Vec::new()
            };
            PurposeView {
                purpose: p,
                clients,
            }
        })
    })?)
}

#[derive(Deserialize)]
struct NewPurpose {
    eservice_id: EServiceId,
    title: String,
    description: String,
    risk_analysis: serde_json::Value,
    daily_calls: u64,
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewPurpose>,
) -> ApiResult<Response> {
    let id = PurposeId::random();
    let cmd = PurposeCommand::Create(crate::domain::NewPurpose {
        id,
        version: PurposeVersionId::random(),
        eservice: b.eservice_id,
        title: b.title,
        description: b.description,
        risk_analysis: b.risk_analysis,
        daily_calls: b.daily_calls,
    });
    exec(&st, &caller, cmd).await?;
    Ok(created(seen(&st, &caller, id)?))
}

async fn list(State(st): State<AppState>, caller: Caller) -> Json<Vec<Purpose>> {
    Json(st.engine.read(|s, _| queries::purposes(s, &caller.0)))
}

async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<Json<PurposeView>> {
    Ok(Json(seen(&st, &caller, id)?))
}

#[derive(Deserialize)]
struct DraftUpdate {
    title: Option<String>,
    description: Option<String>,
    risk_analysis: Option<serde_json::Value>,
    daily_calls: Option<u64>,
}

async fn update_draft(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
    ApiJson(b): ApiJson<DraftUpdate>,
) -> ApiResult<Json<PurposeView>> {
    let cmd = PurposeCommand::UpdateDraft(PurposeDraftChanges {
        id,
        title: b.title,
        description: b.description,
        risk_analysis: b.risk_analysis,
        daily_calls: b.daily_calls,
    });
    exec(&st, &caller, cmd).await?;
    Ok(Json(seen(&st, &caller, id)?))
}

async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, PurposeCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Can this purpose reach the producer's e-service now?"
async fn get_operativity(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<Json<Operativity>> {
    seen(&st, &caller, id)?;
    Ok(Json(st.engine.read(|s, _| operativity(s, id))?))
}

async fn remaining(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<Json<RemainingCalls>> {
    Ok(Json(
        st.engine
            .read(|s, _| queries::remaining_calls(s, &caller.0, id))?,
    ))
}

#[derive(Deserialize)]
struct NewVersion {
    daily_calls: u64,
}

async fn new_version(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
    ApiJson(b): ApiJson<NewVersion>,
) -> ApiResult<Response> {
    exec(
        &st,
        &caller,
        PurposeCommand::CreateVersion {
            purpose: id,
            version: PurposeVersionId::random(),
            daily_calls: b.daily_calls,
        },
    )
    .await?;
    Ok(created(seen(&st, &caller, id)?))
}

async fn delete_version(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, vid)): ApiPath<(PurposeId, PurposeVersionId)>,
) -> ApiResult<StatusCode> {
    exec(
        &st,
        &caller,
        PurposeCommand::DeleteVersion {
            purpose: id,
            version: vid,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! transition {
    ($name:ident, $cmd:ident) => {
        async fn $name(
            State(st): State<AppState>,
            caller: Caller,
            ApiPath((id, vid)): ApiPath<(PurposeId, PurposeVersionId)>,
        ) -> ApiResult<Json<PurposeView>> {
            exec(
                &st,
                &caller,
                PurposeCommand::$cmd {
                    purpose: id,
                    version: vid,
                },
            )
            .await?;
            Ok(Json(seen(&st, &caller, id)?))
        }
    };
}

transition!(activate, ActivateVersion);
transition!(approve, ApproveVersion);
transition!(suspend, SuspendVersion);
transition!(archive, ArchiveVersion);

#[derive(Deserialize)]
struct Reason {
    reason: String,
}

async fn reject(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, vid)): ApiPath<(PurposeId, PurposeVersionId)>,
    ApiJson(b): ApiJson<Reason>,
) -> ApiResult<Json<PurposeView>> {
    exec(
        &st,
        &caller,
        PurposeCommand::RejectVersion {
            purpose: id,
            version: vid,
            reason: b.reason,
        },
    )
    .await?;
    Ok(Json(seen(&st, &caller, id)?))
}

#[derive(Deserialize)]
struct ExpectedDate {
    expected_approval_date: time::Date,
}

async fn expected_date(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, vid)): ApiPath<(PurposeId, PurposeVersionId)>,
    ApiJson(b): ApiJson<ExpectedDate>,
) -> ApiResult<Json<PurposeView>> {
    exec(
        &st,
        &caller,
        PurposeCommand::SetExpectedApprovalDate {
            purpose: id,
            version: vid,
            date: b.expected_approval_date,
        },
    )
    .await?;
    Ok(Json(seen(&st, &caller, id)?))
}
