//! Errors as both services answer them: `application/problem+json` (RFC 9457) with a stable
//! `code` a user can search for, its `type` the code's URI, `title` the status's reason, and
//! `fields` naming the members at fault when there are any. Each service keeps its own code
//! table and decides the status; this is only the wire form.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    fields: &'a [String],
}

/// The problem+json answer for `code` at `status` (an impossible status is a 500).
pub fn response(status: u16, code: &str, detail: &str, fields: &[String]) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = Problem {
        kind: format!("https://recapito.dev/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        code,
        detail,
        fields,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_problem_has_its_code_status_and_fields() {
        let r = response(404, "MESSAGE_NOT_FOUND", "no such message", &[]);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "https://recapito.dev/problems/MESSAGE_NOT_FOUND",
                "title": "Not Found", "status": 404, "code": "MESSAGE_NOT_FOUND",
                "detail": "no such message"})
        );
        let r = response(400, "VALIDATION_FAILED", "bad", &["fiscal_code".into()]);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["fields"], serde_json::json!(["fiscal_code"]));
    }
}
