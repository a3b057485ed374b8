//! `/api/v1/remote-contents/configurations` (IO's RCConfiguration, plus DELETE).

use super::callers::Entity;
use super::openapi::{
    BodyRefused, ConfigurationNotFound, EntityApiUnavailable, NotYourConfiguration,
    PathOrBodyRefused, PathRefused, PayloadTooLarge, VoucherRefused,
};
use super::problem::{ApiError, ApiJson, ApiPath, problem};
use super::{AppState, now_rfc3339};
use crate::domain::configuration::{Configuration, Use, owned, validate};
use crate::domain::{Code, ConfigurationId, TenantId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use provider_sdk::contract::{NewRcConfiguration, RcConfiguration, RcConfigurationList};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get_one, replace, remove))
}

/// The configuration `id` if it is `tenant`'s, else the refusal `usage` calls for
/// ([`owned`]).
pub(crate) async fn configuration_of(
    st: &AppState,
    tenant: &TenantId,
    id: &ConfigurationId,
    usage: Use,
) -> Result<Configuration, ApiError> {
    Ok(owned(st.store.configuration(id).await?, id, tenant, usage)?)
}

/// The caller's own configuration `id`.
async fn mine(
    st: &AppState,
    tenant: &TenantId,
    id: &ConfigurationId,
) -> Result<Configuration, ApiError> {
    configuration_of(st, tenant, id, Use::ByEntity).await
}

/// Create a remote-content configuration
///
/// IO's `createRCConfiguration`. The configuration belongs to the calling tenant (the voucher's
/// `consumerId`, returned as `user_id`); it applies at once.
#[utoipa::path(
    post,
    path = "/api/v1/remote-contents/configurations",
    operation_id = "createRCConfiguration",
    tag = "configurations",
    security(("interopVoucher" = [])),
    request_body(content = NewRcConfiguration, description = "The configuration."),
    responses(
        (status = 201, description = "Created.", body = RcConfiguration, headers(
            ("Location" = String, description = "The path of the configuration (`/api/v1/remote-contents/configurations/{configurationId}`).")
        )),
        BodyRefused, VoucherRefused, PayloadTooLarge, EntityApiUnavailable,
    ),
)]
async fn create(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiJson(body): ApiJson<NewRcConfiguration>,
) -> Result<Response, ApiError> {
    let c = validate(
        body,
        st.fetcher.egress(),
        ConfigurationId::new(),
        sender.tenant.clone(),
    )?;
    st.store.put_configuration(&c, &now_rfc3339()).await?;
    tracing::info!(configuration_id = %c.id, tenant = %sender.tenant, "configuration created");
    let location = format!("/api/v1/remote-contents/configurations/{}", c.id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(c),
    )
        .into_response())
}

/// The caller's remote-content configurations
///
/// IO's `listRCConfiguration`: the configurations of the calling tenant only.
#[utoipa::path(
    get,
    path = "/api/v1/remote-contents/configurations",
    operation_id = "listRCConfiguration",
    tag = "configurations",
    security(("interopVoucher" = [])),
    responses(
        (status = 200, description = "The caller's configurations.", body = RcConfigurationList),
        VoucherRefused, EntityApiUnavailable,
    ),
)]
async fn list(
    State(st): State<AppState>,
    Entity(sender): Entity,
) -> Result<Json<RcConfigurationList>, ApiError> {
    Ok(Json(RcConfigurationList {
        rc_config_list: (st.store.configurations_of(&sender.tenant).await?)
            .iter()
            .map(RcConfiguration::from)
            .collect(),
    }))
}

/// One of the caller's configurations
///
/// IO's `getRCConfiguration`. Another tenant's configuration answers 403 (as IO does).
#[utoipa::path(
    get,
    path = "/api/v1/remote-contents/configurations/{configurationId}",
    operation_id = "getRCConfiguration",
    tag = "configurations",
    security(("interopVoucher" = [])),
    params(("configurationId" = ConfigurationId, Path, description = "The configuration's id (a ULID).")),
    responses(
        (status = 200, description = "The configuration.", body = RcConfiguration),
        PathRefused, VoucherRefused, NotYourConfiguration, ConfigurationNotFound,
        EntityApiUnavailable,
    ),
)]
async fn get_one(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(id): ApiPath<ConfigurationId>,
) -> Result<Json<Configuration>, ApiError> {
    Ok(Json(mine(&st, &sender.tenant, &id).await?))
}

/// Replace one of the caller's configurations
///
/// IO's `updateRCConfiguration`. The next fetch uses the new configuration (nothing caches it).
///
/// A configuration deleted meanwhile stays deleted (404).
#[utoipa::path(
    put,
    path = "/api/v1/remote-contents/configurations/{configurationId}",
    operation_id = "updateRCConfiguration",
    tag = "configurations",
    security(("interopVoucher" = [])),
    params(("configurationId" = ConfigurationId, Path, description = "The configuration's id (a ULID).")),
    request_body(content = NewRcConfiguration, description = "The new configuration (it replaces the old one entirely)."),
    responses(
        (status = 204, description = "Replaced."),
        PathOrBodyRefused, VoucherRefused, NotYourConfiguration, ConfigurationNotFound,
        PayloadTooLarge, EntityApiUnavailable,
    ),
)]
async fn replace(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(id): ApiPath<ConfigurationId>,
    ApiJson(body): ApiJson<NewRcConfiguration>,
) -> Result<StatusCode, ApiError> {
    let c = mine(&st, &sender.tenant, &id).await?;
    let c = validate(body, st.fetcher.egress(), c.id, c.owner)?;
    if !st.store.replace_configuration(&c, &now_rfc3339()).await? {
        return Err(problem(
            Code::CONFIGURATION_NOT_FOUND,
            format!("no configuration {id}"),
        ));
    }
    tracing::info!(configuration_id = %id, "configuration replaced");
    Ok(StatusCode::NO_CONTENT)
}

/// Delete one of the caller's configurations
///
/// Not in IO's contract. Messages that name a deleted configuration can no longer be fetched
/// (`CONFIGURATION_GONE`).
#[utoipa::path(
    delete,
    path = "/api/v1/remote-contents/configurations/{configurationId}",
    operation_id = "deleteRCConfiguration",
    tag = "configurations",
    security(("interopVoucher" = [])),
    params(("configurationId" = ConfigurationId, Path, description = "The configuration's id (a ULID).")),
    responses(
        (status = 204, description = "Deleted."),
        PathRefused, VoucherRefused, NotYourConfiguration, ConfigurationNotFound,
        EntityApiUnavailable,
    ),
)]
async fn remove(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(id): ApiPath<ConfigurationId>,
) -> Result<StatusCode, ApiError> {
    mine(&st, &sender.tenant, &id).await?;
    st.store.delete_configuration(&id).await?;
    tracing::info!(configuration_id = %id, "configuration deleted");
    Ok(StatusCode::NO_CONTENT)
}
