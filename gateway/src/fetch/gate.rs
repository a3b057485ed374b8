//! Per-entity isolation: a bounded number of requests in flight to each entity and a circuit
//! breaker, so one slow or dead entity never takes the gateway's capacity from the others.

use crate::domain::{Code, GatewayError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, Copy)]
pub struct GateSettings {
    pub concurrency: usize,
    pub queue_timeout: Duration,
    pub breaker_failures: u32,
    pub breaker_open: Duration,
}

#[derive(Default)]
struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
}

struct Gate {
    permits: Arc<Semaphore>,
    breaker: Mutex<Breaker>,
}

/// The gates of every entity seen, keyed by origin (scheme, host, port of the base URL).
pub struct Gates {
    settings: GateSettings,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
}

/// Permission to call an entity; report the outcome with [`Pass::done`].
pub struct Pass {
    gate: Arc<Gate>,
    settings: GateSettings,
    _permit: OwnedSemaphorePermit,
}

impl Gates {
    pub fn new(settings: GateSettings) -> Gates {
        Gates {
            settings,
            gates: Mutex::new(HashMap::new()),
        }
    }

    fn gate(&self, origin: &str) -> Arc<Gate> {
        let mut gates = self.gates.lock().expect("gates lock");
        gates
            .entry(origin.to_owned())
            .or_insert_with(|| {
                Arc::new(Gate {
                    permits: Arc::new(Semaphore::new(self.settings.concurrency)),
                    breaker: Mutex::default(),
                })
            })
            .clone()
    }

    /// Waits for a slot to `origin` (bounded), unless its circuit is open.
    pub async fn enter(&self, origin: &str) -> Result<Pass, GatewayError> {
        let gate = self.gate(origin);
        {
            let mut b = gate.breaker.lock().expect("breaker lock");
            match b.open_until {
                Some(t) if Instant::now() < t => {
                    return Err(GatewayError::new(
                        Code::ENTITY_CIRCUIT_OPEN,
                        format!("calls to {origin} are paused after repeated failures"),
                    ));
                }
                // Half-open: let requests through; the next outcome closes or reopens it.
                Some(_) => b.open_until = None,
                None => {}
            }
        }
        let permit = tokio::time::timeout(
            self.settings.queue_timeout,
            gate.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| {
            GatewayError::new(
                Code::ENTITY_BUSY,
                format!("too many requests to {origin} in flight"),
            )
        })?
        .map_err(|_| GatewayError::new(Code::ENTITY_BUSY, "the entity gate is closed"))?;
        Ok(Pass {
            gate,
            settings: self.settings,
            _permit: permit,
        })
    }
}

impl Pass {
    /// Records whether the entity behaved (any answer it gave on purpose counts as healthy;
    /// timeouts, unreachable and 5xx count as failures).
    pub fn done(self, healthy: bool) {
        let mut b = self.gate.breaker.lock().expect("breaker lock");
        if healthy {
            b.consecutive_failures = 0;
        } else {
            b.consecutive_failures += 1;
            if b.consecutive_failures >= self.settings.breaker_failures {
                b.open_until = Some(Instant::now() + self.settings.breaker_open);
                b.consecutive_failures = 0;
                tracing::warn!("entity circuit opened");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> GateSettings {
        GateSettings {
            concurrency: 1,
            queue_timeout: Duration::from_millis(50),
            breaker_failures: 2,
            breaker_open: Duration::from_millis(100),
        }
    }

    #[tokio::test]
    async fn a_busy_entity_refuses_after_the_queue_timeout_but_others_pass() {
        let gates = Gates::new(settings());
        let held = gates.enter("https://slow.example").await.unwrap();
        assert_eq!(
            gates
                .enter("https://slow.example")
                .await
                .err()
                .unwrap()
                .code,
            Code::ENTITY_BUSY
        );
        assert!(gates.enter("https://fast.example").await.is_ok());
        held.done(true);
        assert!(gates.enter("https://slow.example").await.is_ok());
    }

    #[tokio::test]
    async fn repeated_failures_open_the_circuit_then_it_half_opens() {
        let gates = Gates::new(settings());
        gates
            .enter("https://dead.example")
            .await
            .unwrap()
            .done(false);
        gates
            .enter("https://dead.example")
            .await
            .unwrap()
            .done(false);
        assert_eq!(
            gates
                .enter("https://dead.example")
                .await
                .err()
                .unwrap()
                .code,
            Code::ENTITY_CIRCUIT_OPEN
        );
        tokio::time::sleep(Duration::from_millis(120)).await;
        gates
            .enter("https://dead.example")
            .await
            .unwrap()
            .done(true);
        assert!(gates.enter("https://dead.example").await.is_ok());
    }
}
