//! `/agreements`: subscribe, submit, approve/reject, suspend/activate, upgrade.

use super::auth::Caller;
use super::problem::{ApiJson, ApiPath};
use super::{ApiResult, AppState, created, exec};
use crate::domain::agreement::Agreement;
use crate::domain::ids::{AgreementId, DescriptorId, EServiceId};
use crate::domain::{AgreementCommand, queries};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agreements", post(create).get(list))
        .route("/agreements/{id}", get(get_one).delete(remove))
        .route("/agreements/{id}/submit", post(submit))
        .route("/agreements/{id}/approve", post(approve))
        .route("/agreements/{id}/reject", post(reject))
        .route("/agreements/{id}/suspend", post(suspend))
        .route("/agreements/{id}/activate", post(activate))
        .route("/agreements/{id}/upgrade", post(upgrade))
}

#[derive(Deserialize)]
struct NewAgreement {
    eservice_id: EServiceId,
    #[serde(default)]
    descriptor_id: Option<DescriptorId>,
    #[serde(default)]
    consumer_notes: Option<String>,
}

fn seen(st: &AppState, caller: &Caller, id: AgreementId) -> ApiResult<Agreement> {
    Ok(st
        .engine
        .read(|s, _| queries::agreement(s, &caller.0, id))?)
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewAgreement>,
) -> ApiResult<Response> {
    let id = AgreementId::random();
    let cmd = AgreementCommand::Create {
        id,
        eservice: b.eservice_id,
        descriptor: b.descriptor_id,
        consumer_notes: b.consumer_notes,
    };
    exec(&st, &caller, cmd).await?;
    Ok(created(seen(&st, &caller, id)?))
}

async fn list(State(st): State<AppState>, caller: Caller) -> Json<Vec<Agreement>> {
    Json(st.engine.read(|s, _| queries::agreements(s, &caller.0)))
}

async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
) -> ApiResult<Json<Agreement>> {
    Ok(Json(seen(&st, &caller, id)?))
}

async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, AgreementCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! transition {
    ($name:ident, $cmd:ident) => {
        async fn $name(
            State(st): State<AppState>,
            caller: Caller,
            ApiPath(id): ApiPath<AgreementId>,
        ) -> ApiResult<Json<Agreement>> {
            exec(&st, &caller, AgreementCommand::$cmd { id }).await?;
            Ok(Json(seen(&st, &caller, id)?))
        }
    };
}

transition!(submit, Submit);
transition!(approve, Approve);
transition!(suspend, Suspend);
transition!(activate, Activate);

#[derive(Deserialize)]
struct Reason {
    reason: String,
}

async fn reject(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
    ApiJson(b): ApiJson<Reason>,
) -> ApiResult<Json<Agreement>> {
    exec(
        &st,
        &caller,
        AgreementCommand::Reject {
            id,
            reason: b.reason,
        },
    )
    .await?;
    Ok(Json(seen(&st, &caller, id)?))
}

/// Answers with the new agreement (the old one is archived).
async fn upgrade(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
) -> ApiResult<Json<Agreement>> {
    let new_id = AgreementId::random();
    exec(&st, &caller, AgreementCommand::Upgrade { id, new_id }).await?;
    Ok(Json(seen(&st, &caller, new_id)?))
}
