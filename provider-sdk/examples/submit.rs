//! An entity submitting a message with the client: reads the dev stack's `dev-env.json`, obtains a
//! voucher as the demo entity, lists its configurations and sends a remote-content message to the
//! first demo citizen.
//!
//! `cargo run --release -p gateway -- dev` in one shell, then
//! `cargo run -p provider-sdk --example submit -- .recapito/dev-env.json`.

use provider_sdk::client::{ClientConfig, Credentials, GatewayClient};
use provider_sdk::contract::*;
use serde::Deserialize;

/// The parts of `dev-env.json` a client needs.
#[derive(Deserialize)]
struct DevEnv {
    gateway_url: String,
    token_endpoint: String,
    client_assertion_audience: String,
    sender: Sender,
    configurations: Configurations,
    citizens: Vec<String>,
}

#[derive(Deserialize)]
struct Sender {
    client_id: String,
    kid: String,
    private_key_pem_path: String,
    purpose_id: String,
}

#[derive(Deserialize)]
struct Configurations {
    interop_voucher: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| ".recapito/dev-env.json".into());
    let env: DevEnv = serde_json::from_slice(
        &std::fs::read(&path).map_err(|e| format!("{path}: {e} (start `gateway dev` first)"))?,
    )?;
    let credentials = Credentials::from_pem_file(
        &env.sender.client_id,
        &env.sender.kid,
        &env.sender.purpose_id,
        &env.sender.private_key_pem_path,
    )?;
    let client = GatewayClient::new(
        ClientConfig::new(
            &env.gateway_url,
            &env.token_endpoint,
            &env.client_assertion_audience,
        ),
        credentials,
    )?;

    for c in client.configurations().await? {
        println!(
            "configuration {} ({})",
            c.configuration_id, c.configuration.name
        );
    }

    let correlation = format!(
        "esempio-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
    );
    let message = NewMessage {
        fiscal_code: env.citizens[0].clone(),
        content: MessageContent {
            subject: "Avviso di pagamento TARI".into(),
            markdown: "Gentile cittadino, è disponibile l'avviso di pagamento della tassa sui rifiuti. Apri il messaggio per leggere i dettagli.".into(),
            require_secure_channels: None,
            due_date: None,
            payment_data: None,
            eu_covid_cert: None,
            third_party_data: Some(ThirdPartyData {
                id: correlation.clone(),
                original_sender: None,
                original_receipt_date: None,
                has_attachments: false,
                has_remote_content: true,
                has_precondition: Some(HasPrecondition::Never),
                summary: None,
                configuration_id: Some(env.configurations.interop_voucher.clone()),
            }),
        },
        time_to_live: None,
        feature_level_type: None,
        default_addresses: None,
    };
    // The correlation id doubles as the idempotency key: a retry creates nothing new.
    let created = client.submit_message(&message, &correlation).await?;
    println!(
        "message {} submitted (third_party_data.id {correlation})",
        created.id
    );
    Ok(())
}
