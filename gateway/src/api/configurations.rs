//! `/api/v1/remote-contents/configurations` (IO's RCConfiguration, plus DELETE).

use super::callers::Entity;
use super::problem::{ApiError, ApiJson, ApiPath, problem};
use super::{AppState, now_rfc3339};
use crate::domain::configuration::{Configuration, Use, owned, validate};
use crate::domain::{Code, ConfigurationId, TenantId};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use provider_sdk::contract::{NewRcConfiguration, RcConfiguration, RcConfigurationList};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/remote-contents/configurations",
            post(create).get(list),
        )
        .route(
            "/api/v1/remote-contents/configurations/{id}",
            get(get_one).put(replace).delete(remove),
        )
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

async fn get_one(
    State(st): State<AppState>,
    Entity(sender): Entity,
    ApiPath(id): ApiPath<ConfigurationId>,
) -> Result<Json<Configuration>, ApiError> {
    Ok(Json(mine(&st, &sender.tenant, &id).await?))
}

/// Replaces the configuration; it applies to the next fetch at once. A configuration deleted
/// meanwhile stays deleted (404).
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
