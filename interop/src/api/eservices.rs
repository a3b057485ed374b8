//! `/eservices` and their descriptors (versions).

use super::auth::Caller;
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::{ApiResult, AppState, created, exec};
use crate::codes::Code;
use crate::domain::eservice::{Descriptor, DescriptorFields, EService};
use crate::domain::ids::{DescriptorId, EServiceId};
use crate::domain::purpose::Purpose;
use crate::domain::{EServiceClone, EServiceCommand, EServiceInfo, queries};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/eservices", post(create).get(list))
        .route("/eservices/{id}", get(get_one).put(update).delete(remove))
        .route("/eservices/{id}/clone", post(clone))
        .route("/eservices/{id}/waiting-purposes", get(waiting_purposes))
        .route(
            "/eservices/{id}/descriptors",
            post(create_descriptor).get(list_descriptors),
        )
        .route(
            "/eservices/{id}/descriptors/{did}",
            get(get_descriptor)
                .put(update_descriptor)
                .delete(delete_descriptor),
        )
        .route("/eservices/{id}/descriptors/{did}/publish", post(publish))
        .route("/eservices/{id}/descriptors/{did}/suspend", post(suspend))
        .route("/eservices/{id}/descriptors/{did}/activate", post(activate))
        .route("/eservices/{id}/descriptors/{did}/archive", post(archive))
}

#[derive(Deserialize)]
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

#[derive(Deserialize)]
struct ListQuery {
    /// `true`: only the caller's own e-services (the producer's view).
    #[serde(default)]
    mine: bool,
}

async fn list(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Json<Vec<EService>> {
    Json(
        st.engine
            .read(|s, _| queries::eservices(s, &caller.0, q.mine)),
    )
}

async fn get_one(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<Json<EService>> {
    Ok(Json(seen(&st, &caller, id)?))
}

async fn update(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
    ApiJson(info): ApiJson<EServiceInfo>,
) -> ApiResult<Json<EService>> {
    exec(&st, &caller, EServiceCommand::Update { id, info }).await?;
    Ok(Json(seen(&st, &caller, id)?))
}

async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, EServiceCommand::Delete { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct CloneBody {
    descriptor_id: DescriptorId,
    #[serde(default)]
    name: Option<String>,
}

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

async fn list_descriptors(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EServiceId>,
) -> ApiResult<Json<Vec<Descriptor>>> {
    Ok(Json(seen(&st, &caller, id)?.descriptors))
}

async fn get_descriptor(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, did)): ApiPath<(EServiceId, DescriptorId)>,
) -> ApiResult<Json<Descriptor>> {
    Ok(Json(descriptor(&st, &caller, id, did)?))
}

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
    ($name:ident, $cmd:ident) => {
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

transition!(publish, PublishDescriptor);
transition!(suspend, SuspendDescriptor);
transition!(activate, ActivateDescriptor);
transition!(archive, ArchiveDescriptor);
