//! A minimal entity: serves one message with a precondition, details and a PDF attachment for
//! one citizen, authenticating the gateway with an API key.
//!
//! `cargo run -p provider-sdk --example comune` then, in another shell:
//! `curl -H 'X-Api-Key: secret' -H 'fiscal_code: SPNDNL80R13C555X' http://127.0.0.1:9090/rc/messages/avviso-1`

use provider_sdk::auth::Authentication;
use provider_sdk::contract::*;
use provider_sdk::provider::{Attachment, Provider, ProviderError};
use std::sync::Arc;

/// The citizen this example knows.
const CITIZEN: &str = "SPNDNL80R13C555X";

struct Comune {
    pdf: Vec<u8>,
}

impl Comune {
    fn known(&self, id: &str, fc: &FiscalCode) -> Result<(), ProviderError> {
        if id == "avviso-1" && fc.as_str() == CITIZEN {
            Ok(())
        } else {
            Err(ProviderError::NotFound)
        }
    }
}

impl Provider for Comune {
    async fn precondition(
        &self,
        id: &str,
        fc: &FiscalCode,
    ) -> Result<PreconditionContent, ProviderError> {
        self.known(id, fc)?;
        Ok(PreconditionContent {
            title: "Prima di aprire".into(),
            markdown: "Il messaggio contiene dati personali.".into(),
        })
    }

    async fn details(
        &self,
        id: &str,
        fc: &FiscalCode,
    ) -> Result<RemoteContentDetailsResponse, ProviderError> {
        self.known(id, fc)?;
        Ok(RemoteContentDetailsResponse {
            details: Some(RemoteContentDetails {
                subject: "Avviso di pagamento TARI".into(),
                markdown: "## Avviso\n\nL'importo dovuto per la tassa sui rifiuti è di 120 euro, da pagare entro il 31 dicembre.".into(),
            }),
            attachments: Some(vec![RemoteContentAttachment {
                id: "a1".into(),
                content_type: Some("application/pdf".into()),
                name: Some("avviso.pdf".into()),
                url: "attachments/avviso.pdf".into(),
                category: Some("DOCUMENT".into()),
            }]),
        })
    }

    async fn attachment(
        &self,
        id: &str,
        fc: &FiscalCode,
        url: &str,
    ) -> Result<Attachment, ProviderError> {
        self.known(id, fc)?;
        if url != "attachments/avviso.pdf" {
            return Err(ProviderError::NotFound);
        }
        Ok(Attachment {
            bytes: self.pdf.clone(),
        })
    }
}

/// The example's routes, under `/rc` (tests/tests/gateway_probe.rs serves them in-process).
pub fn app(pdf: Vec<u8>) -> axum::Router {
    let auth = Authentication::ApiKey {
        header: "X-Api-Key".into(),
        key: "secret".into(),
    };
    axum::Router::new().nest(
        "/rc",
        provider_sdk::server::router(Arc::new(Comune { pdf }), auth),
    )
}

#[tokio::main]
async fn main() {
    let pdf = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/pdf/pdfa2b-minimal.pdf"
    ))
    .expect("the fixture PDF");
    let addr = std::env::var("COMUNE_ADDR").unwrap_or_else(|_| "127.0.0.1:9090".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("serving remote content at http://{addr}/rc");
    axum::serve(listener, app(pdf)).await.expect("serve");
}
