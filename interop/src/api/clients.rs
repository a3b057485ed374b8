//! `/clients`: members, keys, purposes.

use super::Problem;
use super::auth::Caller;
use super::openapi::{BodyProblems, CommonProblems};
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::{ApiResult, AppState, created, exec, listed};
use crate::codes::Code;
use crate::domain::client::{Client, ClientKey, ClientKind};
use crate::domain::ids::{ClientId, PurposeId, UserId};
use crate::domain::key::{Kid, PublicKey};
use crate::domain::{ClientCommand, queries};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, remove))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(add_key, list_keys))
        .routes(routes!(get_key, delete_key))
        .routes(routes!(add_purpose))
        .routes(routes!(remove_purpose, add_purpose_by_path))
}

fn seen(st: &AppState, caller: &Caller, id: ClientId) -> ApiResult<Client> {
    Ok(st.engine.read(|s, _| queries::client(s, &caller.0, id))?)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewClient {
    #[schema(min_length = 2, max_length = 60)]
    name: String,
    #[schema(min_length = 0, max_length = 250)]
    #[serde(default)]
    description: String,
    kind: ClientKind,
    /// Users of the tenant with the security or admin role.
    #[serde(default)]
    members: BTreeSet<UserId>,
}

#[utoipa::path(
    post,
    path = "/clients",
    operation_id = "createClient",
    tag = "clients",
    summary = "Create a client",
    description = "A tenant's administrators (admin); members must be users of the tenant with the security or admin role.",
    request_body = NewClient,
    responses(
        (status = 201, description = "Created.", body = Client),
        (status = 400, description = "Bad input: INVALID_BODY, VALIDATION_FAILED, USER_ROLE_MISMATCH.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, USER_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only clients of this kind: `CONSUMER` (vouchers for e-services, through purposes) or
    /// `API` (tokens for this engine's M2M API). Absent: both.
    kind: Option<ClientKind>,
    /// How many matches to skip (in the list's order).
    #[serde(default)]
    #[param(minimum = 0)]
    offset: usize,
    /// The most clients to return, 1..=500. Absent: every match from `offset` on.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/clients",
    operation_id = "listClients",
    tag = "clients",
    summary = "List clients",
    description = "Any authenticated caller: a tenant's admins see all its clients, security operators those they are members of; newest first. `kind` filters, `offset` and `limit` page, and `X-Total-Count` tells how many matched before paging.",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Vec<Client>, headers(
            ("X-Total-Count" = u64, description = "How many clients matched, before `offset` and `limit`."),
        )),
        (status = 400, description = "Bad input: INVALID_QUERY (`limit` not 1..=500, an unknown `kind`, a malformed number).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let paging = queries::Paging::new(q.offset, q.limit)
        .map_err(|detail| ApiError::new(Code::INVALID_QUERY, detail))?;
    let filter = queries::ClientFilter { kind: q.kind };
    let page = st
        .engine
        .read(|s, _| queries::clients_page(s, &caller.0, &filter, paging));
    Ok(listed(page))
}

#[utoipa::path(
    get,
    path = "/clients/{id}",
    operation_id = "getClient",
    tag = "clients",
    summary = "Get a client",
    description = "The administrators (admin) of the client's tenant, and its members; to anybody else it is not found.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Client),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<Json<Client>> {
    Ok(Json(seen(&st, &caller, id)?))
}

#[utoipa::path(
    delete,
    path = "/clients/{id}",
    operation_id = "deleteClient",
    tag = "clients",
    summary = "Delete a client",
    description = "The administrators (admin) of the client's tenant. Its keys are deleted and it leaves every purpose.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, ClientCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ClientMember)]
struct Member {
    user_id: UserId,
}

#[utoipa::path(
    post,
    path = "/clients/{id}/members",
    operation_id = "addClientMember",
    tag = "clients",
    summary = "Add a security operator",
    description = "The administrators (admin) of the client's tenant.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    request_body = Member,
    responses(
        (status = 200, description = "OK", body = Client),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), USER_ROLE_MISMATCH (not security or admin).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, TENANT_NOT_FOUND, USER_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: USER_ALREADY_EXISTS (already a member), CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/clients/{id}/members/{user}",
    operation_id = "removeClientMember",
    tag = "clients",
    summary = "Remove a security operator",
    description = "The administrators (admin) of the client's tenant. The keys they uploaded stay.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
        ("user" = UserId, Path, description = "The user's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, USER_NOT_FOUND (not a member).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
struct NewKey {
    #[schema(min_length = 1, max_length = 60)]
    name: String,
    /// An RSA public key: PEM (SPKI or PKCS#1), or the base64 of the PEM.
    key: String,
}

#[utoipa::path(
    post,
    path = "/clients/{id}/keys",
    operation_id = "addClientKey",
    tag = "clients",
    summary = "Upload a public key",
    description = "A member of the client with the security or admin role; people only (an M2M token gets M2M_NOT_ALLOWED). The kid is the key's RFC 7638 thumbprint.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    request_body = NewKey,
    responses(
        (status = 201, description = "Created.", body = ClientKey),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), KEY_INVALID_PEM, KEY_NOT_RSA, KEY_TOO_SHORT, KEY_IS_PRIVATE, KEY_IS_CERTIFICATE, KEY_MULTIPLE_BLOCKS, VALIDATION_FAILED (name; at most 100 keys).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CLIENT_MEMBER, M2M_NOT_ALLOWED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: KEY_ALREADY_EXISTS (on this or another client), CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    get,
    path = "/clients/{id}/keys",
    operation_id = "listClientKeys",
    tag = "clients",
    summary = "List the client's keys",
    description = "The administrators (admin) of the client's tenant, and its members.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<ClientKey>),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list_keys(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<ClientKey>>> {
    Ok(Json(seen(&st, &caller, id)?.keys))
}

#[utoipa::path(
    get,
    path = "/clients/{id}/keys/{kid}",
    operation_id = "getClientKey",
    tag = "clients",
    summary = "Get a key",
    description = "The administrators (admin) of the client's tenant, and its members.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
        ("kid" = Kid, Path, description = "The key's kid."),
    ),
    responses(
        (status = 200, description = "OK", body = ClientKey),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID), VALIDATION_FAILED (a malformed kid; `fields` is [\"kid\"]).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, KEY_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_key(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, kid)): ApiPath<(ClientId, String)>,
) -> ApiResult<Json<ClientKey>> {
    let kid = path_kid(&kid)?;
    Ok(Json(seen(&st, &caller, id)?.key(&kid)?.clone()))
}

#[utoipa::path(
    delete,
    path = "/clients/{id}/keys/{kid}",
    operation_id = "deleteClientKey",
    tag = "clients",
    summary = "Delete a key",
    description = "A member of the client with the security role, or any administrator (admin) of its tenant; people only (an M2M token gets M2M_NOT_ALLOWED).",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
        ("kid" = Kid, Path, description = "The key's kid."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID), VALIDATION_FAILED (a malformed kid; `fields` is [\"kid\"]).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, M2M_NOT_ALLOWED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, KEY_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn delete_key(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, kid)): ApiPath<(ClientId, String)>,
) -> ApiResult<StatusCode> {
    let kid = path_kid(&kid)?;
    exec(&st, &caller, ClientCommand::DeleteKey { client: id, kid }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PurposeRef {
    purpose_id: PurposeId,
}

#[utoipa::path(
    post,
    path = "/clients/{id}/purposes",
    operation_id = "addClientPurpose",
    tag = "clients",
    summary = "Attach the client to a purpose",
    description = "The administrators (admin) of the client's tenant; a CONSUMER client, to a purpose of the same tenant.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
    ),
    request_body = PurposeRef,
    responses(
        (status = 200, description = "OK", body = Client),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, PURPOSE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CLIENT_KIND_MISMATCH (API clients cannot be attached), PURPOSE_STATE_CONFLICT (archived), CLIENT_ALREADY_ON_PURPOSE, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    post,
    path = "/clients/{id}/purposes/{purpose}",
    operation_id = "addClientPurposeByPath",
    tag = "clients",
    summary = "Attach the client to a purpose (by path)",
    description = "The administrators (admin) of the client's tenant; same as POST /clients/{id}/purposes, without a body.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
        ("purpose" = PurposeId, Path, description = "The purpose's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Client),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, PURPOSE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CLIENT_KIND_MISMATCH (API clients cannot be attached), PURPOSE_STATE_CONFLICT (archived), CLIENT_ALREADY_ON_PURPOSE, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/clients/{id}/purposes/{purpose}",
    operation_id = "removeClientPurpose",
    tag = "clients",
    summary = "Detach the client from a purpose",
    description = "The administrators (admin) of the client's tenant.",
    params(
        ("id" = ClientId, Path, description = "The client's id."),
        ("purpose" = PurposeId, Path, description = "The purpose's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): CLIENT_NOT_FOUND, PURPOSE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CLIENT_NOT_ON_PURPOSE, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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
