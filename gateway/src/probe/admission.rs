//! Who may start a probe now. A probe makes the gateway call an entity's endpoints on request, so
//! the gateway's probe API bounds it: one probe at a time per tenant, at most
//! `per_tenant_per_minute` started by a tenant in any minute, and at most `max_concurrent` running
//! at once for everybody. A refusal says how long to wait. No I/O: the caller passes the time.

use crate::domain::TenantId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The window the per-tenant budget counts in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The limits (`[probe]` in the gateway's configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_tenant_per_minute: u32,
    pub max_concurrent: usize,
}

/// The defaults: six probes a minute per tenant (one at a time), four at once for everybody.
pub const DEFAULT_LIMITS: Limits = Limits {
    per_tenant_per_minute: 6,
    max_concurrent: 4,
};

#[derive(Debug, Default)]
struct Tenant {
    /// When each probe of the last [`WINDOW`] started, oldest first.
    started: Vec<Instant>,
    running: bool,
}

#[derive(Debug, Default)]
struct State {
    tenants: HashMap<TenantId, Tenant>,
    running: usize,
}

/// The probes admitted so far.
#[derive(Debug, Clone)]
pub struct Admission {
    limits: Limits,
    state: Arc<Mutex<State>>,
}

/// Why a probe may not start now, and when to ask again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This tenant's previous probe is still running.
    Running,
    /// This tenant started `per_tenant_per_minute` probes in the last minute.
    Budget { retry_after: Duration },
    /// `max_concurrent` probes are running.
    Busy,
}

impl Refusal {
    /// Seconds to wait (at least one).
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Refusal::Running | Refusal::Busy => 1,
            Refusal::Budget { retry_after } => retry_after.as_secs_f64().ceil().max(1.0) as u64,
        }
    }
}

/// A started probe: dropping it frees its tenant's and the global slot.
#[derive(Debug)]
pub struct Permit {
    tenant: TenantId,
    state: Arc<Mutex<State>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.running = s.running.saturating_sub(1);
        if let Some(t) = s.tenants.get_mut(&self.tenant) {
            t.running = false;
        }
    }
}

impl Admission {
    pub fn new(limits: Limits) -> Admission {
        Admission {
            limits,
            state: Arc::default(),
        }
    }

    /// Admits a probe of `tenant` at `now`, or says why not.
    pub fn admit(&self, tenant: &TenantId, now: Instant) -> Result<Permit, Refusal> {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let s = &mut *guard;
        // Forget tenants with nothing running and nothing in the window (bounded memory).
        s.tenants.retain(|_, t| {
            t.started
                .retain(|at| now.saturating_duration_since(*at) < WINDOW);
            t.running || !t.started.is_empty()
        });
        let t = s.tenants.entry(tenant.clone()).or_default();
        if t.running {
            return Err(Refusal::Running);
        }
        if t.started.len() >= self.limits.per_tenant_per_minute as usize {
            let oldest = t.started[0];
            return Err(Refusal::Budget {
                retry_after: WINDOW.saturating_sub(now.saturating_duration_since(oldest)),
            });
        }
        if s.running >= self.limits.max_concurrent {
            return Err(Refusal::Busy);
        }
        t.started.push(now);
        t.running = true;
        s.running += 1;
        Ok(Permit {
            tenant: tenant.clone(),
            state: self.state.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(per_minute: u32, concurrent: usize) -> Admission {
        Admission::new(Limits {
            per_tenant_per_minute: per_minute,
            max_concurrent: concurrent,
        })
    }

    #[test]
    fn one_probe_at_a_time_per_tenant() {
        let a = admission(10, 10);
        let (t1, t2) = (TenantId::new("t1"), TenantId::new("t2"));
        let now = Instant::now();
        let p = a.admit(&t1, now).unwrap();
        assert_eq!(a.admit(&t1, now).unwrap_err(), Refusal::Running);
        let other = a.admit(&t2, now).unwrap();
        drop(p);
        a.admit(&t1, now).unwrap();
        drop(other);
    }

    #[test]
    fn a_tenants_budget_is_per_minute_and_says_when_it_refills() {
        let a = admission(2, 10);
        let t = TenantId::new("t");
        let t0 = Instant::now();
        drop(a.admit(&t, t0).unwrap());
        drop(a.admit(&t, t0 + Duration::from_secs(20)).unwrap());
        let r = a.admit(&t, t0 + Duration::from_secs(30)).unwrap_err();
        assert_eq!(
            r,
            Refusal::Budget {
                retry_after: Duration::from_secs(30)
            }
        );
        assert_eq!(r.retry_after_secs(), 30);
        // The first one leaves the window at 60 s.
        drop(a.admit(&t, t0 + Duration::from_secs(60)).unwrap());
        assert!(a.admit(&t, t0 + Duration::from_secs(61)).is_err());
    }

    #[test]
    fn every_tenant_shares_the_concurrency_cap() {
        let a = admission(10, 2);
        let now = Instant::now();
        let p1 = a.admit(&TenantId::new("a"), now).unwrap();
        let _p2 = a.admit(&TenantId::new("b"), now).unwrap();
        assert_eq!(
            a.admit(&TenantId::new("c"), now).unwrap_err(),
            Refusal::Busy
        );
        drop(p1);
        a.admit(&TenantId::new("c"), now).unwrap();
    }

    #[test]
    fn idle_tenants_are_forgotten() {
        let a = admission(1, 10);
        let t0 = Instant::now();
        for i in 0..100 {
            drop(a.admit(&TenantId::new(format!("t{i}")), t0).unwrap());
        }
        drop(a.admit(&TenantId::new("late"), t0 + WINDOW).unwrap());
        let s = a.state.lock().unwrap();
        assert_eq!(s.tenants.len(), 1);
        assert_eq!(s.running, 0);
    }
}
