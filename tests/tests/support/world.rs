//! Interop worlds for the tests, built with the development stack's steps
//! (`dev_stack::world`: publish, agree, subscribe, a client with a key, attach) on behalf of the
//! tests' users. A refused step fails the test with the engine's answer.

use crate::{User, fixture};
use dev_stack::world::Api;
pub use dev_stack::world::Subscription;

/// The terms of the e-service's descriptor and of the consumer's purpose.
pub struct Terms<'a> {
    pub audience: &'a str,
    pub voucher_lifespan: u64,
    pub daily_calls_per_consumer: u64,
    pub daily_calls_total: u64,
    /// The purpose's estimate.
    pub daily_calls: u64,
}

impl<'a> Terms<'a> {
    /// Generous thresholds, vouchers for 600 s.
    pub fn new(audience: &'a str) -> Terms<'a> {
        Terms {
            audience,
            voucher_lifespan: 600,
            daily_calls_per_consumer: 100_000,
            daily_calls_total: 100_000,
            daily_calls: 1_000,
        }
    }

    fn world(&self) -> dev_stack::world::Terms {
        let audience = self.audience;
        dev_stack::world::Terms {
            server_url: "https://api.example/".to_owned(),
            voucher_lifespan: self.voucher_lifespan,
            daily_calls_per_consumer: self.daily_calls_per_consumer,
            daily_calls_total: self.daily_calls_total,
            daily_calls: self.daily_calls,
            ..dev_stack::world::Terms::new(
                &format!("E-service {audience}"),
                "Servizio per i test",
                audience,
            )
        }
    }
}

/// The management API as `user`.
fn api(user: &User) -> Api {
    Api::new(user.http.clone(), &user.base, &user.token)
}

fn done<T>(step: &str, r: Result<T, String>) -> T {
    r.unwrap_or_else(|e| panic!("{step}: {e}"))
}

/// `producer` publishes an e-service with `terms` (automatic approval): `(e-service, descriptor)`.
pub async fn publish(producer: &User, terms: &Terms<'_>) -> (String, String) {
    done("publish", api(producer).publish(&terms.world()).await)
}

/// `consumer` subscribes to `eservice` (activated at once under automatic approval): the
/// agreement.
pub async fn agree(consumer: &User, eservice: &str) -> String {
    done("agree", api(consumer).agree(eservice).await)
}

/// `producer` publishes an e-service for `terms.audience` (automatic approval); `consumer`
/// subscribes and activates a purpose.
pub async fn subscribe(producer: &User, consumer: &User, terms: &Terms<'_>) -> Subscription {
    let world = dev_stack::world::subscribe(&api(producer), &api(consumer), &terms.world()).await;
    done("subscribe", world)
}

/// A consumer client of `owner` holding the fixture public key `keys/{key}.pub.pem`:
/// `(client id, kid)`.
pub async fn client_with_key(owner: &User, name: &str, key: &str) -> (String, String) {
    let pem = fixture(&format!("keys/{key}.pub.pem"));
    let member = owner.id.to_string();
    done(
        "client with key",
        api(owner).client_with_key(name, &member, &pem).await,
    )
}

/// Attaches `purpose` to `client` (both `owner`'s).
pub async fn attach(owner: &User, client: &str, purpose: &str) {
    done("attach", api(owner).attach(client, purpose).await)
}
