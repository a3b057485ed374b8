//! `/tenants`, their users and attributes; `/attributes`.

use super::auth::Caller;
use super::problem::{ApiError, ApiJson, ApiPath};
use super::{ApiResult, AppState, created, exec};
use crate::codes::Code;
use crate::domain::attribute::{Attribute, AttributeKind};
use crate::domain::ids::{AttributeId, TenantId, UserId};
use crate::domain::tenant::Tenant;
use crate::domain::{DomainError, ErrorCode, NewUser, Role, TenantCommand};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tenants", post(create_tenant).get(list_tenants))
        .route("/tenants/{id}", get(get_tenant))
        .route("/tenants/{id}/users", get(list_users).post(add_user))
        .route("/tenants/{id}/users/{user}", delete(remove_user))
        .route("/tenants/{id}/users/{user}/suspend", post(suspend_user))
        .route("/tenants/{id}/users/{user}/activate", post(activate_user))
        .route("/tenants/{id}/attributes", get(tenant_attributes))
        .route("/tenants/{id}/attributes/{kind}", post(assign_attribute))
        .route(
            "/tenants/{id}/attributes/{kind}/{attribute}",
            delete(revoke_attribute),
        )
        .route("/attributes", post(create_attribute).get(list_attributes))
        .route("/attributes/{id}", get(get_attribute))
}

#[derive(Deserialize)]
struct NewUserBody {
    id: UserId,
    name: String,
    #[serde(default)]
    roles: BTreeSet<Role>,
}

impl From<NewUserBody> for NewUser {
    fn from(b: NewUserBody) -> Self {
        NewUser {
            id: b.id,
            name: b.name,
            roles: b.roles,
        }
    }
}

#[derive(Deserialize)]
struct NewTenant {
    name: String,
    admin: NewUserBody,
}

/// Public view of a tenant: no users (those are for its own admins).
#[derive(Serialize)]
struct TenantView {
    id: TenantId,
    name: String,
    certified: BTreeSet<AttributeId>,
    declared: BTreeSet<AttributeId>,
    verified: Vec<VerifiedView>,
}

#[derive(Serialize)]
struct VerifiedView {
    id: AttributeId,
    verified_by: Vec<TenantId>,
}

fn view(t: &Tenant) -> TenantView {
    TenantView {
        id: t.id,
        name: t.name.clone(),
        certified: t.certified.clone(),
        declared: t.declared.clone(),
        verified: t
            .verified
            .iter()
            .map(|(id, v)| VerifiedView {
                id: *id,
                verified_by: v.iter().map(|x| x.verifier).collect(),
            })
            .collect(),
    }
}

async fn create_tenant(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewTenant>,
) -> ApiResult<Response> {
    let id = TenantId::random();
    exec(
        &st,
        &caller,
        TenantCommand::Create {
            id,
            name: b.name,
            admin: b.admin.into(),
        },
    )
    .await?;
    Ok(created(st.engine.read(|s, _| s.tenant(id).map(view))?))
}

async fn list_tenants(State(st): State<AppState>, _caller: Caller) -> Json<Vec<TenantView>> {
    Json(
        st.engine
            .read(|s, _| s.tenants.values().map(view).collect()),
    )
}

async fn get_tenant(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<TenantId>,
) -> ApiResult<Json<TenantView>> {
    Ok(Json(st.engine.read(|s, _| s.tenant(id).map(view))?))
}

async fn tenant_attributes(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TenantId>,
) -> ApiResult<Json<TenantView>> {
    get_tenant(State(st), caller, ApiPath(id)).await
}

fn own_users(
    s: &crate::domain::State,
    caller: &Caller,
    id: TenantId,
) -> Result<Vec<crate::domain::tenant::User>, DomainError> {
    let t = s.tenant(id)?;
    if caller.0.tenant != Some(id) || !caller.0.has(Role::Admin) {
        return Err(DomainError::new(
            ErrorCode::ROLE_REQUIRED,
            "only the tenant's administrators see its users",
        ));
    }
    Ok(t.users.values().cloned().collect())
}

async fn list_users(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TenantId>,
) -> ApiResult<Response> {
    Ok(Json(st.engine.read(|s, _| own_users(s, &caller, id))?).into_response())
}

async fn add_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TenantId>,
    ApiJson(b): ApiJson<NewUserBody>,
) -> ApiResult<Response> {
    let user = b.id;
    exec(
        &st,
        &caller,
        TenantCommand::AddUser {
            tenant: id,
            user: b.into(),
        },
    )
    .await?;
    let u = st
        .engine
        .read(|s, _| s.tenant(id).ok().and_then(|t| t.users.get(&user).cloned()));
    Ok(created(u))
}

async fn set_user(
    st: AppState,
    caller: Caller,
    id: TenantId,
    user: UserId,
    suspended: bool,
) -> ApiResult<Response> {
    exec(
        &st,
        &caller,
        TenantCommand::SetUserSuspended {
            tenant: id,
            user,
            suspended,
        },
    )
    .await?;
    let u = st
        .engine
        .read(|s, _| s.tenant(id).ok().and_then(|t| t.users.get(&user).cloned()));
    Ok(Json(u).into_response())
}

async fn suspend_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(TenantId, UserId)>,
) -> ApiResult<Response> {
    set_user(st, caller, id, user, true).await
}

async fn activate_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(TenantId, UserId)>,
) -> ApiResult<Response> {
    set_user(st, caller, id, user, false).await
}

async fn remove_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(TenantId, UserId)>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, TenantCommand::RemoveUser { tenant: id, user }).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn kind(path: &str) -> Result<AttributeKind, ApiError> {
    match path {
        "certified" => Ok(AttributeKind::Certified),
        "declared" => Ok(AttributeKind::Declared),
        "verified" => Ok(AttributeKind::Verified),
        other => Err(ApiError::new(
            Code::INVALID_PATH,
            format!("unknown attribute kind {other:?}: certified, declared or verified"),
        )),
    }
}

#[derive(Deserialize)]
struct AttributeRef {
    id: AttributeId,
}

/// `POST /tenants/{id}/attributes/{certified|declared|verified}`: the platform certifies, the
/// tenant declares, a producer verifies.
async fn assign_attribute(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, k)): ApiPath<(TenantId, String)>,
    ApiJson(b): ApiJson<AttributeRef>,
) -> ApiResult<Json<TenantView>> {
    let cmd = match kind(&k)? {
        AttributeKind::Certified => TenantCommand::AssignCertified {
            tenant: id,
            attribute: b.id,
        },
        AttributeKind::Declared => TenantCommand::Declare {
            tenant: id,
            attribute: b.id,
        },
        AttributeKind::Verified => TenantCommand::Verify {
            tenant: id,
            attribute: b.id,
        },
    };
    exec(&st, &caller, cmd).await?;
    Ok(Json(st.engine.read(|s, _| s.tenant(id).map(view))?))
}

async fn revoke_attribute(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, k, attribute)): ApiPath<(TenantId, String, AttributeId)>,
) -> ApiResult<StatusCode> {
    let cmd = match kind(&k)? {
        AttributeKind::Certified => TenantCommand::RevokeCertified {
            tenant: id,
            attribute,
        },
        AttributeKind::Declared => TenantCommand::RevokeDeclared {
            tenant: id,
            attribute,
        },
        AttributeKind::Verified => TenantCommand::RevokeVerification {
            tenant: id,
            attribute,
        },
    };
    exec(&st, &caller, cmd).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewAttribute {
    kind: AttributeKind,
    name: String,
    description: String,
}

async fn create_attribute(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<NewAttribute>,
) -> ApiResult<Response> {
    let id = AttributeId::random();
    exec(
        &st,
        &caller,
        TenantCommand::CreateAttribute {
            id,
            kind: b.kind,
            name: b.name,
            description: b.description,
        },
    )
    .await?;
    Ok(created(st.engine.read(|s, _| s.attribute(id).cloned())?))
}

async fn list_attributes(State(st): State<AppState>, _caller: Caller) -> Json<Vec<Attribute>> {
    Json(
        st.engine
            .read(|s, _| s.attributes.values().cloned().collect()),
    )
}

async fn get_attribute(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<AttributeId>,
) -> ApiResult<Json<Attribute>> {
    Ok(Json(st.engine.read(|s, _| s.attribute(id).cloned())?))
}
