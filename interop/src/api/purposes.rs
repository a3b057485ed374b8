//! `/purposes` and their versions (load estimates); operativity and remaining calls.

use super::Problem;
use super::auth::Caller;
use super::openapi::{BodyProblems, CommonProblems};
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::{ApiResult, AppState, created, exec, listed};
use crate::codes::Code;
use crate::domain::ids::{ClientId, EServiceId, PurposeId, PurposeVersionId};
use crate::domain::operativity::{Operativity, operativity};
use crate::domain::purpose::{Purpose, PurposeVersionState};
use crate::domain::queries::{self, RemainingCalls};
use crate::domain::{PurposeCommand, PurposeDraftChanges};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, update_draft, remove))
        .routes(routes!(get_operativity))
        .routes(routes!(remaining))
        .routes(routes!(new_version))
        .routes(routes!(delete_version))
        .routes(routes!(activate))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(suspend))
        .routes(routes!(archive))
        .routes(routes!(expected_date))
}

/// A purpose with the clients attached to it (those the caller's tenant owns).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PurposeWithClients)]
struct PurposeView {
    #[serde(flatten)]
    purpose: Purpose,
    /// The CONSUMER clients attached to it; listed only for the consumer (empty for the producer).
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

#[derive(Deserialize, utoipa::ToSchema)]
struct NewPurpose {
    eservice_id: EServiceId,
    #[schema(min_length = 5, max_length = 60)]
    title: String,
    #[schema(min_length = 10, max_length = 250)]
    description: String,
    /// The risk analysis: a non-empty JSON object.
    #[schema(value_type = Object)]
    risk_analysis: serde_json::Value,
    #[schema(minimum = 1, maximum = 1000000000)]
    daily_calls: u64,
}

#[utoipa::path(
    post,
    path = "/purposes",
    operation_id = "createPurpose",
    tag = "purposes",
    summary = "Create a purpose (draft)",
    description = "A tenant's administrators (admin), as consumer with an ACTIVE agreement on the e-service.",
    request_body = NewPurpose,
    responses(
        (status = 201, description = "Created.", body = PurposeView),
        (status = 400, description = "Bad input: INVALID_BODY, VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: AGREEMENT_NOT_ACTIVE, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `consumer`: only the caller's tenant's own purposes (Fruizione); `producer`: only those on
    /// the caller's e-services (Erogazione). Absent: both.
    side: Option<queries::Side>,
    /// Only purposes with a version in this state (`WAITING_FOR_APPROVAL`: above the threshold,
    /// waiting for the producer's approval).
    version_state: Option<PurposeVersionState>,
    /// Only purposes on this e-service.
    eservice: Option<EServiceId>,
    /// How many matches to skip (in the list's order).
    #[serde(default)]
    #[param(minimum = 0)]
    offset: usize,
    /// The most purposes to return, 1..=500. Absent: every match from `offset` on.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/purposes",
    operation_id = "listPurposes",
    tag = "purposes",
    summary = "List purposes",
    description = "Any authenticated caller: the purposes where the caller's tenant is consumer or producer (the platform sees all), newest first. Without `clients`. `side`, `version_state` and `eservice` filter, `offset` and `limit` page, and `X-Total-Count` tells how many matched before paging.",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Vec<Purpose>, headers(
            ("X-Total-Count" = u64, description = "How many purposes matched, before `offset` and `limit`."),
        )),
        (status = 400, description = "Bad input: INVALID_QUERY (`limit` not 1..=500, an unknown `side` or `version_state`, a malformed `eservice` id or number).", body = Problem, content_type = "application/problem+json"),
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
    let filter = queries::PurposeFilter {
        side: q.side,
        version_state: q.version_state,
        eservice: q.eservice,
    };
    let page = st
        .engine
        .read(|s, _| queries::purposes(s, &caller.0, &filter, paging));
    Ok(listed(page))
}

#[utoipa::path(
    get,
    path = "/purposes/{id}",
    operation_id = "getPurpose",
    tag = "purposes",
    summary = "Get a purpose",
    description = "Its consumer's and its e-service producer's users, and the platform.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
    ),
    responses(
        (status = 200, description = "OK", body = PurposeView),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<Json<PurposeView>> {
    Ok(Json(seen(&st, &caller, id)?))
}

/// Only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = PurposeDraftUpdate)]
struct DraftUpdate {
    #[schema(min_length = 5, max_length = 60)]
    title: Option<String>,
    #[schema(min_length = 10, max_length = 250)]
    description: Option<String>,
    /// The risk analysis: a non-empty JSON object.
    #[schema(value_type = Option<Object>)]
    risk_analysis: Option<serde_json::Value>,
    #[schema(minimum = 1, maximum = 1000000000)]
    daily_calls: Option<u64>,
}

#[utoipa::path(
    patch,
    path = "/purposes/{id}",
    operation_id = "updatePurposeDraft",
    tag = "purposes",
    summary = "Change a draft purpose",
    description = "The consumer's administrators (admin); only a purpose never published (one DRAFT version).",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
    ),
    request_body = DraftUpdate,
    responses(
        (status = 200, description = "OK", body = PurposeView),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/purposes/{id}",
    operation_id = "deletePurpose",
    tag = "purposes",
    summary = "Delete a draft purpose",
    description = "The consumer's administrators (admin); only a draft. It is detached from its clients.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, PurposeCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Can this purpose reach the producer's e-service now?"
#[utoipa::path(
    get,
    path = "/purposes/{id}/operativity",
    operation_id = "getPurposeOperativity",
    tag = "purposes",
    summary = "Can this purpose obtain vouchers now?",
    description = "Its consumer's and its e-service producer's users, and the platform. Lists every blocker (descriptor, agreement, purpose).",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Operativity),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_operativity(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<PurposeId>,
) -> ApiResult<Json<Operativity>> {
    seen(&st, &caller, id)?;
    Ok(Json(st.engine.read(|s, _| operativity(s, id))?))
}

#[utoipa::path(
    get,
    path = "/purposes/{id}/remaining-daily-calls",
    operation_id = "getRemainingDailyCalls",
    tag = "purposes",
    summary = "Daily calls left before the thresholds",
    description = "Its consumer's and its e-service producer's users, and the platform.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
    ),
    responses(
        (status = 200, description = "OK", body = RemainingCalls),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: AGREEMENT_NOT_ACTIVE (no live agreement).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewPurposeVersion)]
struct NewVersion {
    #[schema(minimum = 1, maximum = 1000000000)]
    daily_calls: u64,
}

#[utoipa::path(
    post,
    path = "/purposes/{id}/versions",
    operation_id = "createPurposeVersion",
    tag = "purposes",
    summary = "New load estimate",
    description = "The consumer's administrators (admin); the purpose must be ACTIVE. Under the thresholds it replaces the active version at once; over them it is WAITING_FOR_APPROVAL while the old one keeps working. Answers with the whole purpose.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
    ),
    request_body = NewVersion,
    responses(
        (status = 201, description = "Created.", body = PurposeView),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: PURPOSE_VERSION_PENDING, PURPOSE_STATE_CONFLICT, AGREEMENT_NOT_ACTIVE, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/purposes/{id}/versions/{vid}",
    operation_id = "deletePurposeVersion",
    tag = "purposes",
    summary = "Withdraw a waiting load estimate",
    description = "The consumer's administrators (admin); WAITING_FOR_APPROVAL versions, not the purpose's only version.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
        ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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
    ($(#[$meta:meta])* $name:ident, $cmd:ident) => {
        $(#[$meta])*
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

transition!(
    #[utoipa::path(
        post,
        path = "/purposes/{id}/versions/{vid}/activate",
        operation_id = "activatePurposeVersion",
        tag = "purposes",
        summary = "Publish, reactivate or approve a version",
        description = "By state: DRAFT, the consumer's administrators publish it (ACTIVE under the thresholds, else WAITING_FOR_APPROVAL); SUSPENDED, the administrators of either side lift their own suspension; WAITING_FOR_APPROVAL, the producer's administrators approve it.",
        params(
            ("id" = PurposeId, Path, description = "The purpose's id."),
            ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
        ),
        responses(
            (status = 200, description = "OK", body = PurposeView),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, AGREEMENT_NOT_ACTIVE, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    activate,
    ActivateVersion
);
transition!(
    #[utoipa::path(
        post,
        path = "/purposes/{id}/versions/{vid}/approve",
        operation_id = "approvePurposeVersion",
        tag = "purposes",
        summary = "Approve a waiting version",
        description = "The producer's administrators (admin) of the e-service; WAITING_FOR_APPROVAL only. It replaces the current version.",
        params(
            ("id" = PurposeId, Path, description = "The purpose's id."),
            ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
        ),
        responses(
            (status = 200, description = "OK", body = PurposeView),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    approve,
    ApproveVersion
);
transition!(
    #[utoipa::path(
        post,
        path = "/purposes/{id}/versions/{vid}/suspend",
        operation_id = "suspendPurposeVersion",
        tag = "purposes",
        summary = "Suspend (own side)",
        description = "The administrators (admin) of the consumer or of the e-service's producer, each for its own side; ACTIVE or SUSPENDED versions. The load is freed at once.",
        params(
            ("id" = PurposeId, Path, description = "The purpose's id."),
            ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
        ),
        responses(
            (status = 200, description = "OK", body = PurposeView),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    suspend,
    SuspendVersion
);
transition!(
    #[utoipa::path(
        post,
        path = "/purposes/{id}/versions/{vid}/archive",
        operation_id = "archivePurposeVersion",
        tag = "purposes",
        summary = "Archive the purpose",
        description = "The consumer's administrators (admin); on its ACTIVE or SUSPENDED version (or a waiting one when there is none). Irreversible: the load is freed and waiting versions are archived with it.",
        params(
            ("id" = PurposeId, Path, description = "The purpose's id."),
            ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
        ),
        responses(
            (status = 200, description = "OK", body = PurposeView),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_CONSUMER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    archive,
    ArchiveVersion
);

#[derive(Deserialize, utoipa::ToSchema)]
struct Reason {
    reason: String,
}

#[utoipa::path(
    post,
    path = "/purposes/{id}/versions/{vid}/reject",
    operation_id = "rejectPurposeVersion",
    tag = "purposes",
    summary = "Reject a waiting version",
    description = "The producer's administrators (admin) of the e-service; WAITING_FOR_APPROVAL only, with a reason.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
        ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
    ),
    request_body = Reason,
    responses(
        (status = 200, description = "OK", body = PurposeView),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ExpectedApprovalDate)]
struct ExpectedDate {
    /// Today or later.
    expected_approval_date: time::Date,
}

#[utoipa::path(
    put,
    path = "/purposes/{id}/versions/{vid}/expected-approval-date",
    operation_id = "setExpectedApprovalDate",
    tag = "purposes",
    summary = "Announce when a waiting version will be approved",
    description = "The producer's administrators (admin) of the e-service; WAITING_FOR_APPROVAL only; the consumer sees it.",
    params(
        ("id" = PurposeId, Path, description = "The purpose's id."),
        ("vid" = PurposeVersionId, Path, description = "The purpose version's id."),
    ),
    request_body = ExpectedDate,
    responses(
        (status = 200, description = "OK", body = PurposeView),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED (date in the past).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): PURPOSE_NOT_FOUND, PURPOSE_VERSION_NOT_FOUND, ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: PURPOSE_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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
