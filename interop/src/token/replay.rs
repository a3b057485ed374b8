//! Replay protection: assertion ids already accepted are recorded in the store
//! ([`crate::store::Store::first_uses`]), in groups.

use crate::domain::ids::ClientId;
use crate::store::{JtiUse, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most assertion ids recorded in one statement.
const MAX_BATCH: usize = 256;

struct Pending {
    client: String,
    jti: String,
    expires_at: i64,
    reply: oneshot::Sender<Result<bool, String>>,
}

/// Group commit for assertion ids: token requests queue their jti, one task records every queued
/// jti in one statement. A burst of requests costs one SQLite write instead of one each, and a
/// jti is still never accepted twice (the store's primary key decides, also across instances).
#[derive(Clone)]
pub struct JtiGate {
    tx: mpsc::Sender<Pending>,
}

impl JtiGate {
    /// Starts the recording task (on the current tokio runtime).
    pub fn start(store: Arc<dyn Store>) -> JtiGate {
        let (tx, mut rx) = mpsc::channel::<Pending>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(batch) = service_kit::batch::next(&mut rx, MAX_BATCH).await {
                let mut items: Vec<JtiUse> = batch
                    .iter()
                    .map(|p| (p.client.clone(), p.jti.clone(), p.expires_at))
                    .collect();
                // In key order: two instances inserting the same ids in opposite orders would
                // deadlock on PostgreSQL and fail both batches.
                items.sort();
                match store.first_uses(&items).await {
                    Ok(mut fresh) => {
                        for p in batch {
                            let new = fresh.remove(&(p.client, p.jti));
                            let _ = p.reply.send(Ok(new));
                        }
                    }
                    Err(e) => {
                        for p in batch {
                            let _ = p.reply.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        JtiGate { tx }
    }

    /// Records `jti` for `client` until `expires_at`; `false` if it was already used.
    pub async fn first_use(
        &self,
        client: ClientId,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            client: client.to_string(),
            jti: jti.to_owned(),
            expires_at,
            reply,
        };
        self.tx
            .send(pending)
            .await
            .map_err(|_| "the jti recorder stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the jti recorder stopped".to_owned())?
    }
}
