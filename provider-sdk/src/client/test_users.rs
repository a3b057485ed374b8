//! The gateway's preview of what the app shows the entity's test users
//! (`/api/v1/test-users/{fiscal_code}/…`): the test user must be among the `test_users` of one of
//! the entity's configurations (else the problem `NOT_YOUR_TEST_USER`), only the entity's own
//! messages are listed or readable, and nothing the preview does changes a message's status.

use super::{ClientError, GatewayClient, KEPT_BODY, read_json};
use crate::contract::{
    MessageContent, PreconditionContent, RemoteContentAttachment, RemoteContentDetails,
};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};

/// Which page of a test user's inbox [`GatewayClient::test_user_messages`] asks for (the app
/// API's `getUserMessages` parameters); the default is the newest 100, not archived, enriched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUserInbox {
    /// How many messages (1..=100).
    pub page_size: Option<u32>,
    /// Only ids below this one: the `next` of the previous page.
    pub maximum_id: Option<String>,
    /// Only ids above this one.
    pub minimum_id: Option<String>,
    /// The archived messages instead of the others.
    pub archived: bool,
    /// Each item with its title, flags and status (`message_title`, `is_read`, …).
    pub enrich_result_data: bool,
}

impl Default for TestUserInbox {
    fn default() -> Self {
        TestUserInbox {
            page_size: None,
            maximum_id: None,
            minimum_id: None,
            archived: false,
            enrich_result_data: true,
        }
    }
}

impl TestUserInbox {
    fn query_string(&self) -> String {
        let mut url = reqwest::Url::parse("http://query.invalid/").expect("a valid url");
        {
            let mut q = url.query_pairs_mut();
            if let Some(n) = self.page_size {
                q.append_pair("page_size", &n.to_string());
            }
            if let Some(id) = &self.maximum_id {
                q.append_pair("maximum_id", id);
            }
            if let Some(id) = &self.minimum_id {
                q.append_pair("minimum_id", id);
            }
            q.append_pair("archived", if self.archived { "true" } else { "false" });
            q.append_pair(
                "enrich_result_data",
                if self.enrich_result_data {
                    "true"
                } else {
                    "false"
                },
            );
        }
        format!("?{}", url.query().unwrap_or_default())
    }
}

/// One message of a test user's inbox (the app API's `PublicMessage`); the optional members are
/// present with `enrich_result_data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    /// The message id (a ULID).
    pub id: String,
    /// The test user.
    pub fiscal_code: String,
    /// Seconds the message lives.
    pub time_to_live: u32,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// The sender's service (its Interop purpose).
    pub sender_service_id: String,
    /// The subject.
    #[serde(default)]
    pub message_title: Option<String>,
    /// Whether it declares attachments.
    #[serde(default)]
    pub has_attachments: Option<bool>,
    /// Whether it declares a precondition (ALWAYS or ONCE).
    #[serde(default)]
    pub has_precondition: Option<bool>,
    /// Whether the citizen's app marked it read.
    #[serde(default)]
    pub is_read: Option<bool>,
    /// Whether the citizen's app archived it.
    #[serde(default)]
    pub is_archived: Option<bool>,
    /// The sender's service, as the gateway names it.
    #[serde(default)]
    pub service_name: Option<String>,
    /// The sender's Interop tenant id.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// Unknown to the gateway: empty.
    #[serde(default)]
    pub organization_fiscal_code: Option<String>,
}

/// A page of a test user's inbox: the entity's messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    /// The messages.
    pub items: Vec<InboxMessage>,
    /// The first id of the page.
    #[serde(default)]
    pub prev: Option<String>,
    /// The `maximum_id` of the following page; `None` on the last page.
    #[serde(default)]
    pub next: Option<String>,
}

/// A message with its content as submitted and its status (the app API's
/// `CreatedMessageWithContentAndAttachments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewMessage {
    /// The message id (a ULID).
    pub id: String,
    /// The test user.
    pub fiscal_code: String,
    /// Seconds the message lives.
    pub time_to_live: u32,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// The sender's service (its Interop purpose).
    pub sender_service_id: String,
    /// The content as submitted.
    pub content: MessageContent,
    /// Whether the citizen's app marked it read (the preview never does).
    pub is_read: bool,
    /// Whether the citizen's app archived it.
    pub is_archived: bool,
}

/// What the entity served for a message, after the gateway's checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewThirdPartyMessage {
    /// The details the app shows (the submitted subject and markdown without
    /// `has_remote_content`).
    pub details: RemoteContentDetails,
    /// The attachments (none without `has_attachments`).
    #[serde(default)]
    pub attachments: Vec<RemoteContentAttachment>,
}

/// A message with the entity's content (the app API's `ThirdPartyMessageWithContent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewDetails {
    /// The message id (a ULID).
    pub id: String,
    /// The test user.
    pub fiscal_code: String,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// The sender's service (its Interop purpose).
    pub sender_service_id: String,
    /// Seconds the message lives.
    pub time_to_live: u32,
    /// The content as submitted.
    pub content: MessageContent,
    /// What the entity served, checked.
    pub third_party_message: PreviewThirdPartyMessage,
}

/// An attachment as the test user would download it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewAttachment {
    /// The file name of the gateway's `Content-Disposition`, when it gave one.
    pub name: Option<String>,
    /// The PDF's bytes (checked by the gateway: PDF/A-2, not encrypted, within its limit).
    pub bytes: Vec<u8>,
}

/// `s` as one path segment: every byte but RFC 3986's unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/api/v1/test-users/{fiscal_code}{rest}`.
fn path(fiscal_code: &str, rest: &str) -> String {
    format!("/api/v1/test-users/{}{rest}", segment(fiscal_code))
}

impl GatewayClient {
    /// `GET /api/v1/test-users/{fiscal_code}/messages`: a page of what the app's inbox shows
    /// the test user, limited to this entity's messages. The next page is
    /// `page.maximum_id = inbox.next`.
    pub async fn test_user_messages(
        &self,
        fiscal_code: &str,
        page: &TestUserInbox,
    ) -> Result<InboxPage, ClientError> {
        let path = path(fiscal_code, &format!("/messages{}", page.query_string()));
        let resp = self.call(Method::GET, &path, None, None).await?;
        read_json(&path, resp).await
    }

    /// `GET /api/v1/test-users/{fiscal_code}/messages/{id}`: one of this entity's messages to
    /// the test user, with its status (reading it here changes nothing).
    pub async fn test_user_message(
        &self,
        fiscal_code: &str,
        id: &str,
    ) -> Result<PreviewMessage, ClientError> {
        let path = path(fiscal_code, &format!("/messages/{}", segment(id)));
        let resp = self.call(Method::GET, &path, None, None).await?;
        read_json(&path, resp).await
    }

    /// `GET /api/v1/test-users/{fiscal_code}/third-party-messages/{id}/precondition`: the
    /// precondition the app would show first, or `None` when none is needed (the gateway's
    /// `204`). A ONCE precondition is never consumed by the preview.
    pub async fn test_user_precondition(
        &self,
        fiscal_code: &str,
        id: &str,
    ) -> Result<Option<PreconditionContent>, ClientError> {
        let path = path(
            fiscal_code,
            &format!("/third-party-messages/{}/precondition", segment(id)),
        );
        let resp = self.call(Method::GET, &path, None, None).await?;
        if resp.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        read_json(&path, resp).await.map(Some)
    }

    /// `GET /api/v1/test-users/{fiscal_code}/third-party-messages/{id}`: the message with what
    /// the entity serves for it, fetched and checked by the gateway as for the app.
    pub async fn test_user_details(
        &self,
        fiscal_code: &str,
        id: &str,
    ) -> Result<PreviewDetails, ClientError> {
        let path = path(
            fiscal_code,
            &format!("/third-party-messages/{}", segment(id)),
        );
        let resp = self.call(Method::GET, &path, None, None).await?;
        read_json(&path, resp).await
    }

    /// `GET /api/v1/test-users/{fiscal_code}/third-party-messages/{id}/attachments/{url}`: an
    /// attachment the entity lists for the message (`url` as listed; its leading `/`, slashes
    /// and query string are kept).
    pub async fn test_user_attachment(
        &self,
        fiscal_code: &str,
        id: &str,
        url: &str,
    ) -> Result<PreviewAttachment, ClientError> {
        let url = url.trim_start_matches('/');
        let (file, query) = match url.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (url, None),
        };
        let file = file.split('/').map(segment).collect::<Vec<_>>().join("/");
        let mut rest = format!("/third-party-messages/{}/attachments/{file}", segment(id));
        if let Some(q) = query {
            rest.push('?');
            rest.push_str(q);
        }
        let path = path(fiscal_code, &rest);
        let resp = self.call(Method::GET, &path, None, None).await?;
        let status = resp.status().as_u16();
        let name = resp
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once("filename=\""))
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(name, _)| name.to_owned());
        let bytes = resp.bytes().await.map_err(|e| ClientError::Transport {
            url: path.clone(),
            detail: e.to_string(),
        })?;
        if !bytes.starts_with(b"%PDF") {
            return Err(ClientError::Unexpected {
                status,
                body: String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(KEPT_BODY)
                    .collect(),
            });
        }
        Ok(PreviewAttachment {
            name,
            bytes: bytes.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inbox_query_has_the_app_apis_parameters() {
        assert_eq!(
            TestUserInbox::default().query_string(),
            "?archived=false&enrich_result_data=true"
        );
        let q = TestUserInbox {
            page_size: Some(10),
            maximum_id: Some("01ARZ3NDEKTSV4RRFFQ69G5FAV".into()),
            archived: true,
            ..TestUserInbox::default()
        };
        assert_eq!(
            q.query_string(),
            "?page_size=10&maximum_id=01ARZ3NDEKTSV4RRFFQ69G5FAV&archived=true&enrich_result_data=true"
        );
        assert_eq!(
            path("RSSMRA85T10A562S", "/messages"),
            "/api/v1/test-users/RSSMRA85T10A562S/messages"
        );
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
