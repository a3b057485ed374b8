//! What an entity serves at its three endpoints (`../shared/specs/io-remote-content.yaml`):
//! `GET {base_url}/messages/{id}/precondition`, `GET {base_url}/messages/{id}`,
//! `GET {base_url}/messages/{id}/{attachment url}`.

use serde::{Deserialize, Serialize};

/// The notice shown before the message is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreconditionContent {
    pub title: String,
    pub markdown: String,
}

/// The message body held by the entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteContentDetails {
    pub subject: String,
    pub markdown: String,
}

/// One attachment: a PDF the gateway downloads from `{base_url}/messages/{id}/{url}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteContentAttachment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// `GET {base_url}/messages/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteContentDetailsResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<RemoteContentDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<RemoteContentAttachment>>,
}
