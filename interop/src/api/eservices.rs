//! `/eservices` and their descriptors (versions).

use super::Problem;
use super::auth::Caller;
use super::openapi::{BodyProblems, CommonProblems};
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::{ApiResult, AppState, created, exec, listed};
use crate::codes::Code;
use crate::domain::eservice::{Descriptor, DescriptorFields, EService};
use crate::domain::ids::{DescriptorId, EServiceId};
use crate::domain::purpose::Purpose;
use crate::domain::{EServiceClone, EServiceCommand, EServiceInfo, queries};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, update, remove))
        .routes(routes!(clone))
        .routes(routes!(waiting_purposes))
        .routes(routes!(create_descriptor, list_descriptors))
        .routes(routes!(
            get_descriptor,
            update_descriptor,
            delete_descriptor
        ))
        .routes(routes!(publish))
        .routes(routes!(suspend))
        .routes(routes!(activate))
        .routes(routes!(archive))
}

/// The general information, and optionally the first version's fields.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewEService {
    #[serde(flatten)]
    info: EServiceInfo,
    /// The first version's fields (all optional while a draft).
    #[serde(default)]
    descriptor: DescriptorFields,
}

fn seen(st: &AppState, caller: &Caller, id: EServiceId) -> ApiResult<EService> {
    Ok(st.engine.read(|s, _| queries::eservice(s, &caller.0, id))?)
}

#[utoipa::path(
    post,
    path = "/eservices",
    operation_id = "createEService",
    tag = "eservices",
    summary = "Create an e-service",
    description = "A tenant's admin or API operator (api); the tenant becomes its producer. Created with version 1 as a DRAFT.",
    request_body = NewEService,
    responses(
        (status = 201, description = "Created.", body = EService),
        (status = 400, description = "Bad input: INVALID_BODY, VALIDATION_FAILED, ATTRIBUTE_KIND_MISMATCH.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, ATTRIBUTE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ESERVICE_NAME_TAKEN, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewEService>,
) -> ApiResult<Response> {
    let id = EServiceId::random();
    exec(
        &st,
        &caller,
        EServiceCommand::Create {
            id,
            descriptor: DescriptorId::random(),
            info: b.info,
            fields: b.descriptor,
        },
    )
    .await?;
    Ok(created(seen(&st, &caller, id)?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `true`: only the caller's own e-services (the producer's view).
    #[serde(default)]
    mine: bool,
    /// Case-insensitive text searched in the name and the description; trimmed, at most 200
    /// characters. Absent or blank: every e-service.
    #[param(max_length = 200)]
    q: Option<String>,
    /// How many matches to skip (in the list's order).
    #[serde(default)]
    #[param(minimum = 0)]
    offset: usize,
    /// The most e-services to return, 1..=500. Absent: every match from `offset` on.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

#[utoipa::path(
    get,
    path = "/eservices",
    operation_id = "listEServices",
    tag = "eservices",
    summary = "The catalogue",
    description = "Any authenticated caller. Producers (and the platform) see all their versions; other tenants see e-services that were published, without drafts. Ordered by name (case-insensitively), then id; `q` filters, `offset` and `limit` page, and `X-Total-Count` tells how many matched before paging.",
    params(
        ListQuery,
    ),
    responses(
        (status = 200, description = "OK", body = Vec<EService>, headers(
            ("X-Total-Count" = u64, description = "How many e-services matched, before `offset` and `limit`."),
        )),
        (status = 400, description = "Bad input: INVALID_QUERY (`limit` not 1..=500, `offset` negative, `q` longer than 200 characters, a value that is not a number).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let query = queries::CatalogueQuery::new(q.mine, q.q.as_deref(), q.offset, q.limit)
        .map_err(|detail| ApiError::new(Code::INVALID_QUERY, detail))?;
    let page = st
        .engine
        .read(|s, _| queries::eservices(s, &caller.0, &query));
    Ok(listed(page))
}

#[utoipa::path(
    get,
    path = "/eservices/{id}",
    operation_id = "getEService",
    tag = "eservices",
    summary = "Get an e-service",
    description = "Any authenticated caller who can see it: its producer and the platform always; others once it was published (without drafts).",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    responses(
        (status = 200, description = "OK", body = EService),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<Json<EService>> {
    Ok(Json(seen(&st, &caller, id)?))
}

#[utoipa::path(
    put,
    path = "/eservices/{id}",
    operation_id = "updateEService",
    tag = "eservices",
    summary = "Change the general information",
    description = "The producer's admin or API operator (api), on its own e-service, until version 1 is published.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    request_body = EServiceInfo,
    responses(
        (status = 200, description = "OK", body = EService),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED, ATTRIBUTE_KIND_MISMATCH.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, ATTRIBUTE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ESERVICE_IMMUTABLE, ESERVICE_NAME_TAKEN, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
async fn update(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
    ApiJson(info): ApiJson<EServiceInfo>,
) -> ApiResult<Json<EService>> {
    exec(&st, &caller, EServiceCommand::Update { id, info }).await?;
    Ok(Json(seen(&st, &caller, id)?))
}

#[utoipa::path(
    delete,
    path = "/eservices/{id}",
    operation_id = "deleteEService",
    tag = "eservices",
    summary = "Delete an e-service",
    description = "The producer's admin or API operator (api), on its own e-service, while no version was ever published.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ESERVICE_HAS_PUBLISHED_VERSIONS, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, EServiceCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = CloneEService)]
struct CloneBody {
    /// The PUBLISHED or DEPRECATED version to clone.
    descriptor_id: DescriptorId,
    /// The new e-service's name; default `<name> - copy`, `<name> - copy 2`, …
    #[serde(default)]
    name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/eservices/{id}/clone",
    operation_id = "cloneEService",
    tag = "eservices",
    summary = "Clone a version into a new e-service",
    description = "The producer's admin or API operator (api), on its own e-service: a PUBLISHED or DEPRECATED version becomes version 1 (DRAFT) of a new e-service.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    request_body = CloneBody,
    responses(
        (status = 201, description = "Created.", body = EService),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: DESCRIPTOR_STATE_CONFLICT, ESERVICE_NAME_TAKEN, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
async fn clone(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(source): ApiPath<EServiceId>,
    ApiJson(b): ApiJson<CloneBody>,
) -> ApiResult<Response> {
    let id = EServiceId::random();
    let cmd = EServiceCommand::Clone(EServiceClone {
        source,
        descriptor: b.descriptor_id,
        id,
        new_descriptor: DescriptorId::random(),
        name: b.name,
    });
    exec(&st, &caller, cmd).await?;
    Ok(created(seen(&st, &caller, id)?))
}

#[utoipa::path(
    get,
    path = "/eservices/{id}/waiting-purposes",
    operation_id = "listWaitingPurposes",
    tag = "eservices",
    summary = "Purposes waiting for the producer's approval",
    description = "The producer's admin or API operator (api), on its own e-service.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<Purpose>),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn waiting_purposes(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<Json<Vec<Purpose>>> {
    Ok(Json(st.engine.read(|s, _| {
        queries::waiting_purposes(s, &caller.0, id)
    })?))
}

fn descriptor(
    st: &AppState,
    caller: &Caller,
    id: EServiceId,
    did: DescriptorId,
) -> ApiResult<Descriptor> {
    Ok(seen(st, caller, id)?.descriptor(did).cloned()?)
}

/// Without a body (or with `null`), the new draft copies the latest version's fields.
#[utoipa::path(
    post,
    path = "/eservices/{id}/descriptors",
    operation_id = "createDescriptor",
    tag = "eservices",
    summary = "Create a new version (draft)",
    description = "The producer's admin or API operator (api), on its own e-service; at most one DRAFT at a time. Without a body (or with `null`) the new draft copies the latest version's fields.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    request_body(content = Option<DescriptorFields>, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = Descriptor),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID), INVALID_BODY, VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: DRAFT_DESCRIPTOR_EXISTS, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the body is larger than 2 MiB.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn create_descriptor(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(super::problem::bytes_rejection)?;
    let fields = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<Option<DescriptorFields>>(&body)
            .map_err(|e| ApiError::new(Code::INVALID_BODY, e.to_string()))?
    };
    let did = DescriptorId::random();
    exec(
        &st,
        &caller,
        EServiceCommand::CreateDescriptor {
            eservice: id,
            id: did,
            fields,
        },
    )
    .await?;
    Ok(created(descriptor(&st, &caller, id, did)?))
}

#[utoipa::path(
    get,
    path = "/eservices/{id}/descriptors",
    operation_id = "listDescriptors",
    tag = "eservices",
    summary = "List the versions",
    description = "Whoever can see the e-service (see GET /eservices/{id}); others do not see drafts.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<Descriptor>),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list_descriptors(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<Json<Vec<Descriptor>>> {
    Ok(Json(seen(&st, &caller, id)?.descriptors))
}

#[utoipa::path(
    get,
    path = "/eservices/{id}/descriptors/{did}",
    operation_id = "getDescriptor",
    tag = "eservices",
    summary = "Get a version",
    description = "Whoever can see the e-service (see GET /eservices/{id}).",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
        ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
    ),
    responses(
        (status = 200, description = "OK", body = Descriptor),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_descriptor(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, did)): ApiPath<(EServiceId, DescriptorId)>,
) -> ApiResult<Json<Descriptor>> {
    Ok(Json(descriptor(&st, &caller, id, did)?))
}

#[utoipa::path(
    put,
    path = "/eservices/{id}/descriptors/{did}",
    operation_id = "updateDescriptor",
    tag = "eservices",
    summary = "Change a draft version",
    description = "The producer's admin or API operator (api), on its own e-service; DRAFT versions only. Replaces all the fields.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
        ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
    ),
    request_body = DescriptorFields,
    responses(
        (status = 200, description = "OK", body = Descriptor),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: DESCRIPTOR_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
async fn update_descriptor(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, did)): ApiPath<(EServiceId, DescriptorId)>,
    ApiJson(fields): ApiJson<DescriptorFields>,
) -> ApiResult<Json<Descriptor>> {
    exec(
        &st,
        &caller,
        EServiceCommand::UpdateDescriptor {
            eservice: id,
            id: did,
            fields,
        },
    )
    .await?;
    Ok(Json(descriptor(&st, &caller, id, did)?))
}

#[utoipa::path(
    delete,
    path = "/eservices/{id}/descriptors/{did}",
    operation_id = "deleteDescriptor",
    tag = "eservices",
    summary = "Delete a draft version",
    description = "The producer's admin or API operator (api), on its own e-service; DRAFT only.",
    params(
        ("id" = EServiceId, Path, description = "The e-service's id."),
        ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: DESCRIPTOR_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn delete_descriptor(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, did)): ApiPath<(EServiceId, DescriptorId)>,
) -> ApiResult<StatusCode> {
    exec(
        &st,
        &caller,
        EServiceCommand::DeleteDescriptor {
            eservice: id,
            id: did,
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
            ApiPath((id, did)): ApiPath<(EServiceId, DescriptorId)>,
        ) -> ApiResult<Json<Descriptor>> {
            exec(
                &st,
                &caller,
                EServiceCommand::$cmd {
                    eservice: id,
                    id: did,
                },
            )
            .await?;
            Ok(Json(descriptor(&st, &caller, id, did)?))
        }
    };
}

transition!(
    #[utoipa::path(
        post,
        path = "/eservices/{id}/descriptors/{did}/publish",
        operation_id = "publishDescriptor",
        tag = "eservices",
        summary = "Publish a draft version",
        description = "The producer's admin or API operator (api), on its own e-service; a complete DRAFT becomes PUBLISHED and the current version DEPRECATED.",
        params(
            ("id" = EServiceId, Path, description = "The e-service's id."),
            ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
        ),
        responses(
            (status = 200, description = "OK", body = Descriptor),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID), VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: AUDIENCE_TAKEN (another producer's e-service uses this audience), DESCRIPTOR_STATE_CONFLICT, DESCRIPTOR_INCOMPLETE (`fields` lists what is missing), CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    publish,
    PublishDescriptor
);
transition!(
    #[utoipa::path(
        post,
        path = "/eservices/{id}/descriptors/{did}/suspend",
        operation_id = "suspendDescriptor",
        tag = "eservices",
        summary = "Suspend a version",
        description = "The producer's admin or API operator (api), on its own e-service; PUBLISHED or DEPRECATED becomes SUSPENDED, stopping every agreement and purpose on it.",
        params(
            ("id" = EServiceId, Path, description = "The e-service's id."),
            ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
        ),
        responses(
            (status = 200, description = "OK", body = Descriptor),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: DESCRIPTOR_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    suspend,
    SuspendDescriptor
);
transition!(
    #[utoipa::path(
        post,
        path = "/eservices/{id}/descriptors/{did}/activate",
        operation_id = "activateDescriptor",
        tag = "eservices",
        summary = "Reactivate a suspended version",
        description = "The producer's admin or API operator (api), on its own e-service; SUSPENDED returns to the state it was suspended from.",
        params(
            ("id" = EServiceId, Path, description = "The e-service's id."),
            ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
        ),
        responses(
            (status = 200, description = "OK", body = Descriptor),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: DESCRIPTOR_STATE_CONFLICT, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    activate,
    ActivateDescriptor
);
transition!(
    #[utoipa::path(
        post,
        path = "/eservices/{id}/descriptors/{did}/archive",
        operation_id = "archiveDescriptor",
        tag = "eservices",
        summary = "Archive a deprecated version",
        description = "The producer's admin or API operator (api), on its own e-service; a DEPRECATED version with no live agreement left becomes ARCHIVED (irreversible).",
        params(
            ("id" = EServiceId, Path, description = "The e-service's id."),
            ("did" = DescriptorId, Path, description = "The descriptor's (version's) id."),
        ),
        responses(
            (status = 200, description = "OK", body = Descriptor),
            (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
            (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "Not found (or not visible to the caller): ESERVICE_NOT_FOUND, DESCRIPTOR_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "The current state does not allow it: DESCRIPTOR_STATE_CONFLICT, DESCRIPTOR_HAS_AGREEMENTS, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
            CommonProblems,
        ),
    )]
    archive,
    ArchiveDescriptor
);
