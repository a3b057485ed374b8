//! `/agreements`: subscribe, submit, approve/reject, suspend/activate, upgrade.

use super::Problem;
use super::auth::Caller;
use super::openapi::{BodyProblems, CommonProblems};
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::{ApiResult, AppState, created, exec, listed};
use crate::codes::Code;
use crate::domain::agreement::{Agreement, AgreementState};
use crate::domain::ids::{AgreementId, DescriptorId, EServiceId};
use crate::domain::{AgreementCommand, queries};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, remove))
        .routes(routes!(submit))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(suspend))
        .routes(routes!(activate))
        .routes(routes!(upgrade))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewAgreement {
    eservice_id: EServiceId,
    /// Optional; if given, must be the PUBLISHED version.
    #[serde(default)]
    descriptor_id: Option<DescriptorId>,
    #[schema(min_length = 0, max_length = 1000)]
    #[serde(default)]
    consumer_notes: Option<String>,
}

fn seen(st: &AppState, caller: &Caller, id: AgreementId) -> ApiResult<Agreement> {
    Ok(st
        .engine
        .read(|s, _| queries::agreement(s, &caller.0, id))?)
}

#[utoipa::path(
    post,
    path = "/agreements",
    operation_id = "createAgreement",
    tag = "agreements",
    summary = "Subscribe to an e-service",
    description = "A tenant's administrators (admin); the tenant becomes the consumer. Bound to the PUBLISHED version; DRAFT, or MISSING_CERTIFIED_ATTRIBUTES when the consumer lacks a required certified attribute. One live agreement per consumer and e-service.",
    request_body = NewAgreement,
    responses(
        (status = 201, description = "Created.", body = Agreement),
        (status = 400, description = "Bad input: INVALID_BODY, VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: NO_PUBLISHED_DESCRIPTOR, AGREEMENT_ALREADY_EXISTS, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `consumer`: only the agreements the caller's tenant subscribed (Fruizione);
    /// `producer`: only those on the caller's e-services (Erogazione). Absent: both.
    side: Option<queries::Side>,
    /// Only agreements in this state.
    state: Option<AgreementState>,
    /// Only agreements on this e-service.
    eservice: Option<EServiceId>,
    /// How many matches to skip (in the list's order).
    #[serde(default)]
    #[param(minimum = 0)]
    offset: usize,
    /// The most agreements to return, 1..=500. Absent: every match from `offset` on.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/agreements",
    operation_id = "listAgreements",
    tag = "agreements",
    summary = "List agreements",
    description = "Any authenticated caller: the agreements where the caller's tenant is consumer or producer (the platform sees all), newest change first; `side`, `state` and `eservice` filter, `offset` and `limit` page, and `X-Total-Count` tells how many matched before paging.",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Vec<Agreement>, headers(
            ("X-Total-Count" = u64, description = "How many agreements matched, before `offset` and `limit`."),
        )),
        (status = 400, description = "Bad input: INVALID_QUERY (`limit` not 1..=500, an unknown `side` or `state`, a malformed `eservice` id or number).", body = Problem, content_type = "application/problem+json"),
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
    let filter = queries::AgreementFilter {
        side: q.side,
        state: q.state,
        eservice: q.eservice,
    };
    let page = st
        .engine
        .read(|s, _| queries::agreements(s, &caller.0, &filter, paging));
    Ok(listed(page))
}

#[utoipa::path(
    get,
    path = "/agreements/{id}",
    operation_id = "getAgreement",
    tag = "agreements",
    summary = "Get an agreement",
    description = "Its consumer's and producer's users, and the platform.",
    params(
        ("id" = AgreementId, Path, description = "The agreement's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Agreement),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
) -> ApiResult<Json<Agreement>> {
    Ok(Json(seen(&st, &caller, id)?))
}

#[utoipa::path(
    delete,
    path = "/agreements/{id}",
    operation_id = "deleteAgreement",
    tag = "agreements",
    summary = "Delete a draft agreement",
    description = "The consumer's administrators (admin); DRAFT or MISSING_CERTIFIED_ATTRIBUTES only.",
    params(
        ("id" = AgreementId, Path, description = "The agreement's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, AgreementCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! transition {
    ($(#[$meta:meta])* $name:ident, $cmd:ident) => {
        $(#[$meta])*
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

transition!(
    #[utoipa::path(
        post,
        path = "/agreements/{id}/submit",
        operation_id = "submitAgreement",
        tag = "agreements",
        summary = "Submit a draft agreement",
        description = "The consumer's administrators (admin). Declares the implied declared attributes; ACTIVE at once when the policy is AUTOMATIC and the verified attributes are verified, else PENDING.",
        params(
            ("id" = AgreementId, Path, description = "The agreement's id."),
        ),
        responses(
            (status = 200, description = "OK", body = Agreement),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND, ESERVICE_NOT_FOUND, TENANT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, MISSING_CERTIFIED_ATTRIBUTES, NO_PUBLISHED_DESCRIPTOR, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    submit,
    Submit
);
transition!(
    #[utoipa::path(
        post,
        path = "/agreements/{id}/approve",
        operation_id = "approveAgreement",
        tag = "agreements",
        summary = "Approve a pending agreement",
        description = "The producer's administrators (admin); PENDING only.",
        params(
            ("id" = AgreementId, Path, description = "The agreement's id."),
        ),
        responses(
            (status = 200, description = "OK", body = Agreement),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND, ESERVICE_NOT_FOUND, TENANT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, MISSING_CERTIFIED_ATTRIBUTES, VERIFIED_ATTRIBUTES_NOT_VERIFIED (`fields` lists the attributes), CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    approve,
    Approve
);
transition!(
    #[utoipa::path(
        post,
        path = "/agreements/{id}/suspend",
        operation_id = "suspendAgreement",
        tag = "agreements",
        summary = "Suspend an agreement (own side)",
        description = "The administrators (admin) of its consumer or producer: sets the caller's side's flag (both when a tenant consumes its own e-service); ACTIVE or SUSPENDED agreements only.",
        params(
            ("id" = AgreementId, Path, description = "The agreement's id."),
        ),
        responses(
            (status = 200, description = "OK", body = Agreement),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    suspend,
    Suspend
);
transition!(
    #[utoipa::path(
        post,
        path = "/agreements/{id}/activate",
        operation_id = "activateAgreement",
        tag = "agreements",
        summary = "Lift the own side's suspension",
        description = "The administrators (admin) of its consumer or producer: lifts the caller's side's flag; ACTIVE again when no side holds a suspension.",
        params(
            ("id" = AgreementId, Path, description = "The agreement's id."),
        ),
        responses(
            (status = 200, description = "OK", body = Agreement),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    activate,
    Activate
);

#[derive(Deserialize, utoipa::ToSchema)]
struct Reason {
    reason: String,
}

#[utoipa::path(
    post,
    path = "/agreements/{id}/reject",
    operation_id = "rejectAgreement",
    tag = "agreements",
    summary = "Reject a pending agreement",
    description = "The producer's administrators (admin); PENDING only, with a reason.",
    params(
        ("id" = AgreementId, Path, description = "The agreement's id."),
    ),
    request_body = Reason,
    responses(
        (status = 200, description = "OK", body = Agreement),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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
#[utoipa::path(
    post,
    path = "/agreements/{id}/upgrade",
    operation_id = "upgradeAgreement",
    tag = "agreements",
    summary = "Move to the newest published version",
    description = "The consumer's administrators (admin); ACTIVE or SUSPENDED agreements. Answers with the new agreement; the old one is ARCHIVED (irreversible).",
    params(
        ("id" = AgreementId, Path, description = "The agreement's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Agreement),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): AGREEMENT_NOT_FOUND, ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: AGREEMENT_STATE_CONFLICT, NO_NEWER_DESCRIPTOR, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn upgrade(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AgreementId>,
) -> ApiResult<Json<Agreement>> {
    let new_id = AgreementId::random();
    exec(&st, &caller, AgreementCommand::Upgrade { id, new_id }).await?;
    Ok(Json(seen(&st, &caller, new_id)?))
}
