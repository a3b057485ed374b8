//! `/tenants`, their users and attributes; `/attributes`.

use super::Problem;
use super::auth::Caller;
use super::openapi::{BodyProblems, CommonProblems};
use super::problem::{ApiError, ApiJson, ApiPath};
use super::{ApiResult, AppState, created, exec};
use crate::codes::Code;
use crate::domain::attribute::{Attribute, AttributeKind};
use crate::domain::ids::{AttributeId, TenantId, UserId};
use crate::domain::tenant::{Tenant, User};
use crate::domain::{DomainError, ErrorCode, NewUser, Role, TenantCommand};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_tenant, list_tenants))
        .routes(routes!(get_tenant))
        .routes(routes!(list_users, add_user))
        .routes(routes!(remove_user))
        .routes(routes!(suspend_user))
        .routes(routes!(activate_user))
        .routes(routes!(tenant_attributes))
        .routes(routes!(assign_attribute))
        .routes(routes!(revoke_attribute))
        .routes(routes!(create_attribute, list_attributes))
        .routes(routes!(get_attribute))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewUser)]
struct NewUserBody {
    /// The user's id (the `sub` of their identity tokens).
    id: UserId,
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// At least one (for a tenant's first administrator, `admin` is added anyway).
    #[serde(default)]
    #[schema(value_type = BTreeSet<TenantRole>)]
    roles: BTreeSet<Role>,
}

/// A role a tenant grants its users (`platform` is refused with USER_ROLE_MISMATCH).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // documents the roles `NewUserBody::roles` accepts
enum TenantRole {
    Admin,
    Api,
    Security,
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

#[derive(Deserialize, utoipa::ToSchema)]
struct NewTenant {
    /// Unique, case-insensitively.
    #[schema(min_length = 2, max_length = 200)]
    name: String,
    admin: NewUserBody,
}

/// Public view of a tenant: no users (those are for its own admins).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Tenant)]
struct TenantView {
    id: TenantId,
    name: String,
    /// Certified attributes assigned by the platform.
    certified: BTreeSet<AttributeId>,
    /// Attributes the tenant declared.
    declared: BTreeSet<AttributeId>,
    /// Verified attributes and their verifiers.
    verified: Vec<VerifiedView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = VerifiedAttribute)]
struct VerifiedView {
    /// The attribute.
    id: AttributeId,
    /// The producers (tenants) that verified it.
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

#[utoipa::path(
    post,
    path = "/tenants",
    operation_id = "createTenant",
    tag = "tenants",
    summary = "Register a tenant",
    description = "The platform (role `platform`): registers a tenant with its first administrator (who gets `admin`).",
    request_body = NewTenant,
    responses(
        (status = 201, description = "Created.", body = TenantView),
        (status = 400, description = "Bad input: INVALID_BODY, VALIDATION_FAILED, USER_ROLE_MISMATCH.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: TENANT_NAME_TAKEN, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    get,
    path = "/tenants",
    operation_id = "listTenants",
    tag = "tenants",
    summary = "List tenants",
    description = "Any authenticated caller.",
    responses(
        (status = 200, description = "OK", body = Vec<TenantView>),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list_tenants(State(st): State<AppState>, _caller: Caller) -> Json<Vec<TenantView>> {
    Json(
        st.engine
            .read(|s, _| s.tenants.values().map(view).collect()),
    )
}

#[utoipa::path(
    get,
    path = "/tenants/{id}",
    operation_id = "getTenant",
    tag = "tenants",
    summary = "Get a tenant",
    description = "Any authenticated caller.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
    ),
    responses(
        (status = 200, description = "OK", body = TenantView),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_tenant(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<TenantId>,
) -> ApiResult<Json<TenantView>> {
    Ok(Json(st.engine.read(|s, _| s.tenant(id).map(view))?))
}

#[utoipa::path(
    get,
    path = "/tenants/{id}/attributes",
    operation_id = "getTenantAttributes",
    tag = "tenants",
    summary = "The tenant's attributes",
    description = "Any authenticated caller. Same view as GET /tenants/{id}.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
    ),
    responses(
        (status = 200, description = "OK", body = TenantView),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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
    if caller.0.tenant != Some(id) {
        return Err(DomainError::new(
            ErrorCode::ROLE_REQUIRED,
            "only the tenant's own users see its users",
        ));
    }
    Ok(t.users.values().cloned().collect())
}

#[utoipa::path(
    get,
    path = "/tenants/{id}/users",
    operation_id = "listTenantUsers",
    tag = "tenants",
    summary = "List the tenant's users",
    description = "The tenant's own users (any role: the console's \"Utenti\" page lets them read who is who); users of other tenants and the platform get ROLE_REQUIRED.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<User>),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list_users(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TenantId>,
) -> ApiResult<Response> {
    Ok(Json(st.engine.read(|s, _| own_users(s, &caller, id))?).into_response())
}

#[utoipa::path(
    post,
    path = "/tenants/{id}/users",
    operation_id = "addTenantUser",
    tag = "tenants",
    summary = "Add a user",
    description = "The tenant's own administrators (admin). The user id must be new in this tenant; the same person (identity-token subject) may be a user of other tenants too, with other roles.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
    ),
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Created.", body = User),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID), VALIDATION_FAILED, USER_ROLE_MISMATCH (no role, or platform).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: USER_ALREADY_EXISTS (already a user of this tenant), CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    post,
    path = "/tenants/{id}/users/{user}/suspend",
    operation_id = "suspendTenantUser",
    tag = "tenants",
    summary = "Suspend a user",
    description = "The tenant's own administrators (admin), not on themselves. Keys the user uploaded are not touched.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
        ("user" = UserId, Path, description = "The user's id."),
    ),
    responses(
        (status = 200, description = "OK", body = User),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID), USER_ROLE_MISMATCH (oneself).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, USER_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn suspend_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(TenantId, UserId)>,
) -> ApiResult<Response> {
    set_user(st, caller, id, user, true).await
}

#[utoipa::path(
    post,
    path = "/tenants/{id}/users/{user}/activate",
    operation_id = "activateTenantUser",
    tag = "tenants",
    summary = "Reactivate a user",
    description = "The tenant's own administrators (admin), not on themselves. Keys the user uploaded are not touched.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
        ("user" = UserId, Path, description = "The user's id."),
    ),
    responses(
        (status = 200, description = "OK", body = User),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID), USER_ROLE_MISMATCH (oneself).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, USER_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn activate_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(TenantId, UserId)>,
) -> ApiResult<Response> {
    set_user(st, caller, id, user, false).await
}

#[utoipa::path(
    delete,
    path = "/tenants/{id}/users/{user}",
    operation_id = "removeTenantUser",
    tag = "tenants",
    summary = "Remove a user",
    description = "The tenant's own administrators (admin), not on themselves. The user leaves the tenant's clients; keys they uploaded stay.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
        ("user" = UserId, Path, description = "The user's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID), USER_ROLE_MISMATCH (oneself).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, USER_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn remove_user(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(TenantId, UserId)>,
) -> ApiResult<StatusCode> {
    exec(&st, &caller, TenantCommand::RemoveUser { tenant: id, user }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The attribute kind, as a path segment.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the segment `kind` parses
enum AttributeKindSegment {
    #[schema(rename = "certified")]
    Certified,
    #[schema(rename = "declared")]
    Declared,
    #[schema(rename = "verified")]
    Verified,
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

#[derive(Deserialize, utoipa::ToSchema)]
struct AttributeRef {
    /// The attribute.
    id: AttributeId,
}

/// `POST /tenants/{id}/attributes/{certified|declared|verified}`: the platform certifies, the
/// tenant declares, a producer verifies.
#[utoipa::path(
    post,
    path = "/tenants/{id}/attributes/{kind}",
    operation_id = "assignTenantAttribute",
    tag = "tenants",
    summary = "Certify, declare or verify an attribute",
    description = "`certified`: the platform (role `platform`); agreements are re-checked (a lost requirement suspends them by the platform, a restored one lifts it). `declared`: the tenant's own administrators (admin). `verified`: an administrator (admin) of a producer with a live agreement from this tenant; a tenant cannot verify itself.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
        ("kind" = inline(AttributeKindSegment), Path, description = "The attribute kind."),
    ),
    request_body = AttributeRef,
    responses(
        (status = 200, description = "OK", body = TenantView),
        (status = 400, description = "Bad input: INVALID_BODY, INVALID_PATH (not a UUID, or an unknown kind), ATTRIBUTE_KIND_MISMATCH.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, ATTRIBUTE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ATTRIBUTE_ALREADY_ASSIGNED, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/tenants/{id}/attributes/{kind}/{attribute}",
    operation_id = "revokeTenantAttribute",
    tag = "tenants",
    summary = "Revoke a certification, declaration or verification",
    description = "`certified`: the platform (role `platform`); agreements are re-checked (a lost requirement suspends them by the platform). `declared`: the tenant's own administrators (admin). `verified`: an administrator (admin) of the producer that verified it (withdraws its own verification), while it has a live agreement from this tenant.",
    params(
        ("id" = TenantId, Path, description = "The tenant's id."),
        ("kind" = inline(AttributeKindSegment), Path, description = "The attribute kind."),
        ("attribute" = AttributeId, Path, description = "The attribute's id."),
    ),
    responses(
        (status = 204, description = "Done; no body."),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID, or an unknown kind), ATTRIBUTE_KIND_MISMATCH.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, NOT_PRODUCER, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): TENANT_NOT_FOUND, ATTRIBUTE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ATTRIBUTE_NOT_ASSIGNED, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
struct NewAttribute {
    kind: AttributeKind,
    /// Unique per kind, case-insensitively.
    #[schema(min_length = 2, max_length = 100)]
    name: String,
    #[schema(min_length = 2, max_length = 500)]
    description: String,
}

#[utoipa::path(
    post,
    path = "/attributes",
    operation_id = "createAttribute",
    tag = "attributes",
    summary = "Define an attribute",
    description = "CERTIFIED: the platform only. DECLARED and VERIFIED: the platform, or a tenant's admin or API operator (api), recorded as its origin.",
    request_body = NewAttribute,
    responses(
        (status = 201, description = "Created.", body = Attribute),
        (status = 400, description = "Bad input: INVALID_BODY, VALIDATION_FAILED.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "ROLE_REQUIRED, USER_NOT_REGISTERED, USER_SUSPENDED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The current state does not allow it: ATTRIBUTE_NAME_TAKEN, CONCURRENT_MODIFICATION (retry).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
        BodyProblems,
    ),
)]
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

#[utoipa::path(
    get,
    path = "/attributes",
    operation_id = "listAttributes",
    tag = "attributes",
    summary = "List attributes",
    description = "Any authenticated caller.",
    responses(
        (status = 200, description = "OK", body = Vec<Attribute>),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn list_attributes(State(st): State<AppState>, _caller: Caller) -> Json<Vec<Attribute>> {
    Json(
        st.engine
            .read(|s, _| s.attributes.values().cloned().collect()),
    )
}

#[utoipa::path(
    get,
    path = "/attributes/{id}",
    operation_id = "getAttribute",
    tag = "attributes",
    summary = "Get an attribute",
    description = "Any authenticated caller.",
    params(
        ("id" = AttributeId, Path, description = "The attribute's id."),
    ),
    responses(
        (status = 200, description = "OK", body = Attribute),
        (status = 400, description = "Bad input: INVALID_PATH (not a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "USER_NOT_REGISTERED, USER_SUSPENDED, ROLE_REQUIRED (the identity token's user is not an active user of its tenant, or holds none of the claimed roles).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller): ATTRIBUTE_NOT_FOUND.", body = Problem, content_type = "application/problem+json"),
        CommonProblems,
    ),
)]
async fn get_attribute(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<AttributeId>,
) -> ApiResult<Json<Attribute>> {
    Ok(Json(st.engine.read(|s, _| s.attribute(id).cloned())?))
}
