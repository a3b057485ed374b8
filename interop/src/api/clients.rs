//! `/clients`: members, keys, purposes.

use super::auth::Caller;
use super::problem::{ApiJson, ApiPath};
use super::{ApiResult, AppState, created, exec};
use crate::codes::Code;
use crate::domain::client::{Client, ClientKey, ClientKind};
use crate::domain::ids::{ClientId, PurposeId, UserId};
use crate::domain::key::{Kid, PublicKey};
use crate::domain::{ClientCommand, queries};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::BTreeSet;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clients", post(create).get(list))
        .route("/clients/{id}", get(get_one).delete(remove))
        .route("/clients/{id}/members", post(add_member))
        .route("/clients/{id}/members/{user}", delete(remove_member))
        .route("/clients/{id}/keys", post(add_key).get(list_keys))
        .route("/clients/{id}/keys/{kid}", get(get_key).delete(delete_key))
        .route("/clients/{id}/purposes", post(add_purpose))
        .route(
            "/clients/{id}/purposes/{purpose}",
            delete(remove_purpose).post(add_purpose_by_path),
        )
}

fn seen(st: &AppState, caller: &Caller, id: ClientId) -> ApiResult<Client> {
    Ok(st.engine.read(|s, _| queries::client(s, &caller.0, id))?)
}

#[derive(Deserialize)]
struct NewClient {
    name: String,
    #[serde(default)]
    description: String,
    kind: ClientKind,
    #[serde(default)]
    members: BTreeSet<UserId>,
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewClient>,
) -> ApiResult<Response> {
    let id = ClientId::random();
    exec(
        &st,
        &caller,
        ClientCommand::Create(crate::domain::NewClient {
            id,
            name: b.name,
            description: b.description,
            kind: b.kind,
            members: b.members,
        }),
    )
    .await?;
    Ok(created(seen(&st, &caller, id)?))
}

async fn list(State(st): State<AppState>, caller: Caller) -> Json<Vec<Client>> {
    Json(st.engine.read(|s, _| queries::clients(s, &caller.0)))
}

async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<Json<Client>> {
    Ok(Json(seen(&st, &caller, id)?))
}

async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, ClientCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Member {
    user_id: UserId,
}

async fn add_member(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
    ApiJson(b): ApiJson<Member>,
) -> ApiResult<Json<Client>> {
    exec(
        &st,
        &caller,
        ClientCommand::AddMember {
            client: id,
            user: b.user_id,
        },
    )
    .await?;
    Ok(Json(seen(&st, &caller, id)?))
}

async fn remove_member(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(ClientId, UserId)>,
) -> ApiResult<StatusCode> {
    exec(
        &st,
        &caller,
        ClientCommand::RemoveMember { client: id, user },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewKey {
    name: String,
    /// An RSA public key: PEM (SPKI or PKCS#1), or the base64 of the PEM.
    key: String,
}

async fn add_key(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
    ApiJson(b): ApiJson<NewKey>,
) -> ApiResult<Response> {
    let key = PublicKey::parse(&b.key)?;
    let kid = key.kid.clone();
    exec(
        &st,
        &caller,
        ClientCommand::AddKey {
            client: id,
            name: b.name,
            key,
        },
    )
    .await?;
    Ok(created(seen(&st, &caller, id)?.key(&kid)?.clone()))
}

async fn list_keys(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<ClientKey>>> {
    Ok(Json(seen(&st, &caller, id)?.keys))
}

async fn get_key(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, kid)): ApiPath<(ClientId, String)>,
) -> ApiResult<Json<ClientKey>> {
    let kid = path_kid(&kid)?;
    Ok(Json(seen(&st, &caller, id)?.key(&kid)?.clone()))
}

async fn delete_key(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, kid)): ApiPath<(ClientId, String)>,
) -> ApiResult<StatusCode> {
    let kid = path_kid(&kid)?;
    exec(&st, &caller, ClientCommand::DeleteKey { client: id, kid }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PurposeRef {
    purpose_id: PurposeId,
}

async fn add_purpose(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
    ApiJson(b): ApiJson<PurposeRef>,
) -> ApiResult<Json<Client>> {
    exec(
        &st,
        &caller,
        ClientCommand::AddPurpose {
            client: id,
            purpose: b.purpose_id,
        },
    )
    .await?;
    Ok(Json(seen(&st, &caller, id)?))
}

async fn add_purpose_by_path(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, purpose)): ApiPath<(ClientId, PurposeId)>,
) -> ApiResult<Json<Client>> {
    exec(
        &st,
        &caller,
        ClientCommand::AddPurpose {
            client: id,
            purpose,
        },
    )
    .await?;
    Ok(Json(seen(&st, &caller, id)?))
}

async fn remove_purpose(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, purpose)): ApiPath<(ClientId, PurposeId)>,
) -> ApiResult<StatusCode> {
    exec(
        &st,
        &caller,
        ClientCommand::RemovePurpose {
            client: id,
            purpose,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A kid in the path is malformed input of the path, like a malformed id.
fn path_kid(kid: &str) -> Result<Kid, super::problem::ApiError> {
    Kid::parse(kid).map_err(|e| super::problem::ApiError::new(Code::INVALID_PATH, e.detail))
}
