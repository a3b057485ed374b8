//! Server-side sessions: an in-memory map keyed by a random 256-bit id (the cookie's value),
//! each with its CSRF token and, once signed in, the user's identity token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "console_session";

/// Who is signed in.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub tenant_name: String,
    /// The user's tenant (none for the platform operator).
    pub tenant_id: Option<String>,
    pub roles: Vec<String>,
    /// The identity token the engine is called with.
    pub token: String,
}

/// The language the pages are written in: Italian by default, English selectable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    /// `it` in Italian, `en` in English.
    pub fn t(self, it: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }

    /// The `lang` attribute's value.
    pub fn code(self) -> &'static str {
        self.t("it", "en")
    }

    /// `it` or `en`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "it" => Some(Lang::It),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// One browser's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub csrf: String,
    pub user: Option<User>,
    pub lang: Lang,
    /// What the last action did, shown once by the next page ("the agreement is active…").
    pub flash: Option<String>,
    /// An OpenID Connect sign-in under way (its state, nonce and PKCE verifier).
    pub oidc: Option<crate::oidc::Pending>,
    last_used: Instant,
}

/// The most sessions kept at once. Every browser without a cookie gets an anonymous session
/// (for the sign-in form's CSRF token), so a flood of cookieless requests would otherwise grow
/// the map without bound.
pub const MAX_SESSIONS: usize = 100_000;

/// All sessions, at most `max`; expired ones are dropped when met, and swept when the map is
/// full. A full map of live sessions first drops the anonymous ones (a visitor who had not
/// signed in yet reloads the sign-in page), then the least recently used.
pub struct Sessions {
    idle: Duration,
    max: usize,
    map: Mutex<HashMap<String, Session>>,
}

/// 256 random bits, URL-safe base64.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

impl Sessions {
    pub fn new(idle: Duration) -> Sessions {
        Sessions::with_max(idle, MAX_SESSIONS)
    }

    /// Sessions idle for at most `idle`, at most `max` of them (at least 1).
    pub fn with_max(idle: Duration, max: usize) -> Sessions {
        Sessions {
            idle,
            max: max.max(1),
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live session with `id` (its idle time restarts), if any. Its flash message is
    /// handed over once: the session keeps none.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.lock();
        let now = Instant::now();
        match map.get_mut(id) {
            Some(s) if now.duration_since(s.last_used) < self.idle => {
                s.last_used = now;
                let seen = s.clone();
                s.flash = None;
                Some(seen)
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Changes the live session `id` (no effect when it is gone).
    pub fn update(&self, id: &str, change: impl FnOnce(&mut Session)) {
        if let Some(s) = self.lock().get_mut(id) {
            change(s);
        }
    }

    /// A new session (anonymous or signed in) under a new id, in Italian.
    pub fn create(&self, user: Option<User>) -> (String, Session) {
        self.create_in(user, Lang::default())
    }

    /// A new session under a new id, in `lang` (the language survives signing in and out).
    pub fn create_in(&self, user: Option<User>, lang: Lang) -> (String, Session) {
        let id = random_token();
        let session = Session {
            csrf: random_token(),
            user,
            lang,
            flash: None,
            oidc: None,
            last_used: Instant::now(),
        };
        let mut map = self.lock();
        if map.len() >= self.max {
            // One pass frees many slots, so a flood costs O(1) per session on average.
            let idle = self.idle;
            map.retain(|_, s| s.last_used.elapsed() < idle);
            if map.len() >= self.max {
                map.retain(|_, s| s.user.is_some());
            }
            if map.len() >= self.max
                && let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, s)| s.last_used)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// Keeps `pending` in the live session `id`; false when there is none.
    pub fn set_oidc(&self, id: &str, pending: crate::oidc::Pending) -> bool {
        match self.lock().get_mut(id) {
            Some(s) => {
                s.oidc = Some(pending);
                true
            }
            None => false,
        }
    }

    /// Takes the sign-in under way out of session `id` (each is used once).
    pub fn take_oidc(&self, id: &str) -> Option<crate::oidc::Pending> {
        self.lock().get_mut(id).and_then(|s| s.oidc.take())
    }

    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_256_random_bits_and_sessions_expire() {
        let id = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&id).unwrap().len(), 32);
        assert_ne!(id, random_token());
        let s = Sessions::new(Duration::from_millis(30));
        let (id, session) = s.create(None);
        assert_eq!(s.get(&id).unwrap().csrf, session.csrf);
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.get(&id).is_none());
        assert!(s.is_empty());
    }

    #[test]
    fn a_flash_message_is_shown_once_and_the_language_is_kept() {
        let s = Sessions::new(Duration::from_secs(60));
        let (id, _) = s.create_in(None, Lang::En);
        s.update(&id, |x| x.flash = Some("done".into()));
        let first = s.get(&id).unwrap();
        assert_eq!(
            (first.flash.as_deref(), first.lang),
            (Some("done"), Lang::En)
        );
        assert_eq!(s.get(&id).unwrap().flash, None);
        s.update("gone", |x| x.flash = Some("lost".into()));
        assert_eq!(s.len(), 1);
    }

    fn user() -> User {
        User {
            name: "Ada".into(),
            tenant_name: "Comune".into(),
            tenant_id: None,
            roles: vec!["admin".into()],
            token: "t".into(),
        }
    }

    #[test]
    fn a_flood_of_anonymous_sessions_is_bounded_and_keeps_the_signed_in_ones() {
        let s = Sessions::with_max(Duration::from_secs(3600), 100);
        let (signed_in, _) = s.create(Some(user()));
        for _ in 0..10_000 {
            s.create(None);
            assert!(s.len() <= 100, "{} sessions", s.len());
        }
        assert!(
            s.get(&signed_in).is_some(),
            "the signed-in session was dropped"
        );
        // A map full of signed-in sessions drops the least recently used.
        let s = Sessions::with_max(Duration::from_secs(3600), 2);
        let (a, _) = s.create(Some(user()));
        std::thread::sleep(Duration::from_millis(5));
        let (b, _) = s.create(Some(user()));
        std::thread::sleep(Duration::from_millis(5));
        s.get(&a);
        let (c, _) = s.create(Some(user()));
        assert!(s.get(&a).is_some() && s.get(&c).is_some());
        assert!(s.get(&b).is_none());
    }
}
