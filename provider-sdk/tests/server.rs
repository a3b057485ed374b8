//! The server kit over HTTP: authentication, the citizen, IO's status codes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider_sdk::auth::{Authentication, EServicePin, VoucherVerifier};
use provider_sdk::contract::*;
use provider_sdk::provider::{Attachment, Provider, ProviderError};
use std::sync::Arc;

struct Fixed;

impl Provider for Fixed {
    async fn precondition(
        &self,
        id: &str,
        _fc: &FiscalCode,
    ) -> Result<PreconditionContent, ProviderError> {
        match id {
            "busy" => Err(ProviderError::Unavailable { retry_after: 7 }),
            _ => Ok(PreconditionContent {
                title: "t".into(),
                markdown: "m".into(),
            }),
        }
    }
    async fn details(
        &self,
        id: &str,
        fc: &FiscalCode,
    ) -> Result<RemoteContentDetailsResponse, ProviderError> {
        match id {
            "x" => Ok(RemoteContentDetailsResponse {
                details: Some(RemoteContentDetails {
                    subject: fc.to_string(),
                    markdown: "m".repeat(80),
                }),
                attachments: None,
            }),
            "forbidden" => Err(ProviderError::Forbidden),
            "slow" => Err(ProviderError::TooManyRequests),
            _ => Err(ProviderError::NotFound),
        }
    }
    async fn attachment(
        &self,
        _id: &str,
        _fc: &FiscalCode,
        url: &str,
    ) -> Result<Attachment, ProviderError> {
        Ok(Attachment {
            bytes: url.as_bytes().to_vec(),
        })
    }
}

async fn serve(auth: Authentication) -> String {
    let app = axum::Router::new().nest("/rc", provider_sdk::server::router(Arc::new(Fixed), auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/rc", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, String, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let (status, h) = (r.status().as_u16(), r.headers().clone());
    (status, r.text().await.unwrap(), h)
}

const FC: &str = "SPNDNL80R13C555X";

#[tokio::test]
async fn api_key_and_citizen_are_checked_and_statuses_are_ios() {
    let base = serve(Authentication::ApiKey {
        header: "X-Api-Key".into(),
        key: "secret".into(),
    })
    .await;
    let ok = [("x-api-key", "secret"), ("fiscal_code", FC)];
    let (s, body, _) = get(&format!("{base}/messages/x"), &ok).await;
    assert_eq!(s, 200);
    assert!(body.contains(FC), "{body}");
    assert_eq!(
        get(&format!("{base}/messages/x"), &[("fiscal_code", FC)])
            .await
            .0,
        401
    );
    assert!(
        get(
            &format!("{base}/messages/x"),
            &[("x-api-key", "wrong"), ("fiscal_code", FC)]
        )
        .await
        .1
        .contains("API_KEY_INVALID")
    );
    assert!(
        get(&format!("{base}/messages/x"), &[("x-api-key", "secret")])
            .await
            .1
            .contains("FISCAL_CODE_MISSING")
    );
    assert!(
        get(
            &format!("{base}/messages/x"),
            &[("x-api-key", "secret"), ("fiscal_code", "nope")]
        )
        .await
        .1
        .contains("FISCAL_CODE_INVALID")
    );
    assert_eq!(get(&format!("{base}/messages/none"), &ok).await.0, 404);
    assert_eq!(get(&format!("{base}/messages/forbidden"), &ok).await.0, 403);
    assert_eq!(get(&format!("{base}/messages/slow"), &ok).await.0, 429);
    let (s, _, h) = get(&format!("{base}/messages/busy/precondition"), &ok).await;
    assert_eq!((s, h["retry-after"].to_str().unwrap()), (503, "7"));
    // The attachment url keeps its slashes and query string; the bytes are
    // `application/octet-stream`, as io-remote-content.yaml answers them.
    let (s, body, h) = get(&format!("{base}/messages/x/docs/a.pdf?v=2"), &ok).await;
    assert_eq!(
        (s, body.as_str(), h["content-type"].to_str().unwrap()),
        (200, "docs/a.pdf?v=2", "application/octet-stream")
    );
}

#[tokio::test]
async fn vouchers_are_verified_against_the_jwks_pinned_to_the_eservice_with_a_purpose_allow_list() {
    // A JWKS server for a fixture key, signing with the engine's own signer.
    let keys = Arc::new(
        interop::token::signing::SigningKeys::configured(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/keys/client-b.key.pem"
        )))
        .unwrap(),
    );
    let served = keys.clone();
    let jwks_app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || async move { axum::Json(served.jwks(0)) }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/jwks", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, jwks_app).await.unwrap() });
    let verifier = VoucherVerifier::new(
        &jwks_url,
        "recapito-interop",
        "comune-rc",
        EServicePin::new("es-comune", "t-comune"),
        Some(vec!["p-ok".into()]),
    );
    let base = serve(Authentication::Voucher(Box::new(verifier))).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signed = |purpose: &str, aud: &str, exp: i64, eservice: &str, producer: &str| {
        let mut claims = serde_json::json!({"iss": "recapito-interop", "aud": aud, "exp": exp, "nbf": now, "iat": now, "purposeId": purpose, "eserviceId": eservice, "producerId": producer});
        // An empty name stands for a claim the voucher lacks.
        claims.as_object_mut().unwrap().retain(|_, v| v != "");
        keys.sign(&claims).unwrap()
    };
    let voucher =
        |purpose: &str, aud: &str, exp: i64| signed(purpose, aud, exp, "es-comune", "t-comune");
    let call = |token: String| {
        let url = format!("{base}/messages/x");
        async move {
            get(
                &url,
                &[
                    ("authorization", &format!("Bearer {token}")),
                    ("fiscal_code", FC),
                ],
            )
            .await
        }
    };
    assert_eq!(call(voucher("p-ok", "comune-rc", now + 60)).await.0, 200);
    // Another tenant's e-service that claims the same audience, or the same e-service id under
    // another producer: a valid signature and `aud`, but not an agreement on this e-service.
    for (eservice, producer) in [("es-intruder", "t-intruder"), ("es-comune", "t-intruder")] {
        let (status, body, _) =
            call(signed("p-ok", "comune-rc", now + 60, eservice, producer)).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("VOUCHER_ESERVICE_NOT_ALLOWED"), "{body}");
    }
    for (eservice, producer) in [("", "t-comune"), ("es-comune", "")] {
        let (_, body, _) = call(signed("p-ok", "comune-rc", now + 60, eservice, producer)).await;
        assert!(body.contains("VOUCHER_CLAIMS_MISSING"), "{body}");
    }
    assert!(
        call(voucher("p-other", "comune-rc", now + 60))
            .await
            .1
            .contains("VOUCHER_PURPOSE_NOT_ALLOWED")
    );
    assert!(
        call(voucher("p-ok", "elsewhere", now + 60))
            .await
            .1
            .contains("VOUCHER_AUDIENCE_INVALID")
    );
    assert!(
        call(voucher("p-ok", "comune-rc", now - 120))
            .await
            .1
            .contains("VOUCHER_EXPIRED")
    );
    assert!(
        get(&format!("{base}/messages/x"), &[("fiscal_code", FC)])
            .await
            .1
            .contains("VOUCHER_MISSING")
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_a_503_to_retry_not_a_refusal() {
    // A port that was free a moment ago: nothing answers there.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let jwks_url = format!("http://{}/jwks", l.local_addr().unwrap());
    drop(l);
    let verifier = VoucherVerifier::new(
        &jwks_url,
        "recapito-interop",
        "comune-rc",
        EServicePin::new("es-comune", "t-comune"),
        None,
    );
    let base = serve(Authentication::Voucher(Box::new(verifier))).await;
    // A well-formed RS256 token whose kid is unknown, so the verifier must fetch the JWKS.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"at+jwt","kid":"k1"}"#);
    let payload = URL_SAFE_NO_PAD.encode(br#"{"iss":"recapito-interop","aud":"comune-rc"}"#);
    let token = format!("{header}.{payload}.c2ln");
    let (status, body, headers) = get(
        &format!("{base}/messages/x"),
        &[
            ("authorization", &format!("Bearer {token}")),
            ("fiscal_code", FC),
        ],
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("JWKS_UNAVAILABLE"), "{body}");
    assert_eq!(headers.get("retry-after").unwrap(), "5");
}
