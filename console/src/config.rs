//! The console's configuration: defaults, then `console serve --config FILE`, then `CONSOLE_*`
//! environment variables (nested keys joined by `__`), as the other services read theirs
//! ([`service_kit::config::load`]).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Everything `console serve` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// The Interop engine's base URL (its public management API).
    pub engine_url: String,
    /// The URL users open (scheme and host): the session cookie is `Secure` unless it is plain
    /// http on localhost. Empty: `http://` + `bind`.
    pub public_url: String,
    /// How long a session lasts without being used, seconds.
    pub session_idle_secs: u64,
    /// Development sign-in: a page listing `dev_users` that mints their identity token with
    /// the development identity key. Never enable it in production.
    pub dev_sign_in: bool,
    /// The development identity issuer (read only when `dev_sign_in` is true).
    pub dev_identity: DevIdentity,
    /// The users offered by the development sign-in page.
    pub dev_users: Vec<DevUser>,
    /// Sign-in with an OpenID Connect provider (`[oidc]`); absent: no such sign-in.
    pub oidc: Option<OidcConfig>,
    /// The mock provider's base URL (its admin API, `GET`/`PUT /admin/scenarios`): the "Scenari
    /// del mock" page edits its scenarios. Set by the development stack only; absent: the page
    /// does not exist (404).
    pub mock_provider_url: Option<String>,
    /// The Recapito gateway's base URL: the "Recapito" pages manage the tenant's remote-content
    /// configurations and list its sent messages through its sender API (absent: those pages
    /// say the console is not configured for it), and the "Vista del cittadino" page calls its
    /// app API (`/api/communication/v1`) as IO's app backend would (absent: no such page).
    pub gateway_url: Option<String>,
    /// The Interop engine's token endpoint the console asks vouchers of for the gateway (e.g.
    /// `http://127.0.0.1:8081/token.oauth2`).
    pub token_endpoint: String,
    /// The `aud` of the console's client assertions (the engine's `client_assertion_audience`).
    pub client_assertion_audience: String,
    /// Where the console keeps what it must remember on disk: the private key of each tenant
    /// connected on "Collega la console" (`recapito/<tenant>.key.pem`, mode 0600). Absent: no
    /// tenant can connect.
    pub data_dir: Option<PathBuf>,
    /// The app API key the page calls the gateway with (one of the gateway's
    /// `auth.app_api_keys`), with `citizen_view = "dev"` only. A secret: set it in the
    /// configuration file or `CONSOLE_APP_API_KEY`; the console never shows it.
    pub app_api_key: String,
    /// Which citizens the "Vista del cittadino" page may show (`dev`: any fiscal code typed or
    /// picked from `dev_citizens`, the development stack only; `test_users`: the test users of
    /// the signed-in user's entity, through the gateway's preview with the entity's vouchers).
    pub citizen_view: CitizenView,
    /// The citizens the "Vista del cittadino" page offers to pick.
    pub dev_citizens: Vec<String>,
    /// The networks "Verifica dell'endpoint" may probe besides the public internet, as the
    /// gateway's `fetch.egress_allow` (e.g. `127.0.0.1/32` for an entity on this machine; the
    /// development stack sets loopback so the mock provider can be probed). Empty: the gateway's
    /// egress policy alone (private, loopback and link-local addresses refused).
    pub probe_egress_allow: Vec<gateway::domain::egress::Network>,
    /// Slow, idle and numerous clients, as the other services (`[server]`).
    pub server: service_kit::ServerSettings,
}

/// Which citizens' inboxes the "Vista del cittadino" page may open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CitizenView {
    /// No such page.
    #[default]
    Off,
    /// Any fiscal code (the development stack only: loopback, plain http).
    Dev,
    /// Only the test users of the signed-in user's entity (the `test_users` of its
    /// configurations), for its administrators and API operators, through the gateway's preview
    /// (`/api/v1/test-users`) with the entity's vouchers ("Recapito" connected): no app API key.
    TestUsers,
}

/// The development identity issuer, as the engine's `identity` section names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevIdentity {
    /// PEM (PKCS#8 or PKCS#1) RSA private key: the engine's `DATA_DIR/identity.key.pem`.
    pub private_key_path: PathBuf,
    pub issuer: String,
    pub audience: String,
    /// Lifetime of a minted identity token, seconds.
    pub token_ttl_secs: i64,
}

/// The OpenID Connect provider users sign in with: authorization code flow with PKCE (S256),
/// `state` and `nonce`; its ID token is the identity token the console calls the engine with
/// (the engine's `identity.issuer` is `issuer`, `identity.audience` is `client_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcConfig {
    /// The issuer URL, exactly as its ID tokens' `iss` (its discovery document is
    /// `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// How the sign-in page names the provider ("Accedi con <name>"). Empty: the issuer's host.
    #[serde(default)]
    pub name: String,
    pub client_id: String,
    /// Absent: a public client (PKCE alone authenticates the code exchange).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: the console's `/accesso/oidc/ritorno`, as
    /// registered with the provider.
    pub redirect_url: String,
    /// Scopes asked besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Where the provider's sign-out sends the browser back (registered with the provider).
    /// Empty: the sign-in page, next to `redirect_url`.
    #[serde(default)]
    pub post_logout_redirect_url: String,
}

fn default_scopes() -> Vec<String> {
    vec!["profile".into()]
}

/// The path of the console's OpenID Connect callback.
pub const OIDC_CALLBACK_PATH: &str = "/accesso/oidc/ritorno";

/// `scheme://host[:port]` of `url`.
pub fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    &url[..end]
}

impl OidcConfig {
    /// "Accedi con <this>".
    pub fn display_name(&self) -> String {
        if !self.name.trim().is_empty() {
            return self.name.clone();
        }
        let rest = self
            .issuer
            .split_once("://")
            .map_or(&*self.issuer, |(_, r)| r);
        rest.split('/').next().unwrap_or(rest).to_owned()
    }

    /// Where the provider's sign-out returns to.
    pub fn post_logout_url(&self) -> String {
        if !self.post_logout_redirect_url.is_empty() {
            return self.post_logout_redirect_url.clone();
        }
        let base = self
            .redirect_url
            .strip_suffix(OIDC_CALLBACK_PATH)
            .unwrap_or(&self.redirect_url);
        format!("{base}/accesso")
    }

    fn check(&self) -> Result<(), String> {
        let http = |name: &str, url: &str| {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) {
                Ok(())
            } else {
                Err(format!("oidc.{name} must be an http(s) URL, not {url:?}"))
            }
        };
        http("issuer", &self.issuer)?;
        if self.issuer.contains([' ', ';', ',', '\'', '"']) {
            return Err(format!(
                "oidc.issuer must be a plain URL, not {:?}",
                self.issuer
            ));
        }
        http("redirect_url", &self.redirect_url)?;
        if !self.post_logout_redirect_url.is_empty() {
            http("post_logout_redirect_url", &self.post_logout_redirect_url)?;
        }
        if !self.redirect_url.ends_with(OIDC_CALLBACK_PATH) {
            return Err(format!(
                "oidc.redirect_url must end with {OIDC_CALLBACK_PATH} (the console's callback), not {:?}",
                self.redirect_url
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err("oidc.client_id must not be empty".into());
        }
        if self.client_secret.as_deref().is_some_and(|s| s.is_empty()) {
            return Err(
                "oidc.client_secret must not be empty when set (omit it for a public client)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// A user of the demo world, as the development sign-in page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUser {
    /// How the page and the header name the user.
    pub name: String,
    /// The tenant's name (empty for the platform operator).
    #[serde(default)]
    pub tenant_name: String,
    /// The tenant's id (absent for the platform operator).
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub user_id: String,
    /// The engine's role names: admin, api, security, platform.
    pub roles: Vec<String>,
}

impl Default for DevIdentity {
    fn default() -> Self {
        DevIdentity {
            private_key_path: PathBuf::new(),
            issuer: "recapito-dev-identity".into(),
            audience: "recapito-interop".into(),
            token_ttl_secs: 3600,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8083".into(),
            engine_url: "http://127.0.0.1:8081".into(),
            public_url: String::new(),
            session_idle_secs: 8 * 3600,
            dev_sign_in: false,
            dev_identity: DevIdentity::default(),
            dev_users: Vec::new(),
            oidc: None,
            mock_provider_url: None,
            gateway_url: None,
            app_api_key: String::new(),
            citizen_view: CitizenView::Off,
            dev_citizens: Vec::new(),
            token_endpoint: "http://127.0.0.1:8081/token.oauth2".into(),
            client_assertion_audience: String::new(),
            data_dir: None,
            probe_egress_allow: Vec::new(),
            server: service_kit::ServerSettings::default(),
        }
    }
}

impl Config {
    /// The layered configuration, checked.
    pub fn load(file: Option<&Path>) -> Result<Config, service_kit::config::LoadError> {
        service_kit::config::load(file, "CONSOLE", Config::check)
    }

    /// Values that would make the console useless, refused with a message.
    pub fn check(&self) -> Result<(), String> {
        if !(self.engine_url.starts_with("http://") || self.engine_url.starts_with("https://")) {
            return Err(format!(
                "engine_url must be an http(s) URL, not {:?}",
                self.engine_url
            ));
        }
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "public_url must be an http(s) URL, not {:?}",
                self.public_url
            ));
        }
        self.server.validate()?;
        if self.session_idle_secs == 0 {
            return Err("session_idle_secs must be positive".into());
        }
        if let Some(oidc) = &self.oidc {
            oidc.check()?;
        }
        if let Some(url) = &self.gateway_url {
            let http = |u: &str| u.starts_with("http://") || u.starts_with("https://");
            if !http(url) {
                return Err(format!("gateway_url must be an http(s) URL, not {url:?}"));
            }
            if !http(&self.token_endpoint) {
                return Err(format!(
                    "token_endpoint must be an http(s) URL, not {:?}",
                    self.token_endpoint
                ));
            }
            if self.client_assertion_audience.trim().is_empty() {
                return Err("client_assertion_audience must be set with gateway_url".into());
            }
            if self.data_dir.is_none() {
                return Err("data_dir must be set with gateway_url (the tenants' keys)".into());
            }
        }
        if let Some(url) = &self.mock_provider_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "mock_provider_url must be an http(s) URL, not {url:?}"
                ));
            }
            // Its page lets any signed-in user change what the mock serves: never where others
            // can reach it.
            if !self.loopback_bind() || self.secure_cookie() {
                return Err(
                    "mock_provider_url is for the development stack only: bind and public_url \
                     must be plain http on localhost"
                        .into(),
                );
            }
        }
        self.check_citizen_view()?;
        if self.dev_sign_in && self.dev_identity.private_key_path.as_os_str().is_empty() {
            return Err("dev_sign_in needs dev_identity.private_key_path".into());
        }
        // Development sign-in lets anyone act as anyone: never where others can reach it.
        if self.dev_sign_in && (!self.loopback_bind() || self.secure_cookie()) {
            return Err(
                "dev_sign_in is for the development stack only: bind and public_url must be \
                 plain http on localhost"
                    .into(),
            );
        }
        Ok(())
    }

    /// Whether the "Vista del cittadino" page exists.
    pub fn citizen_view_on(&self) -> bool {
        self.citizen_view != CitizenView::Off && self.gateway_url.is_some()
    }

    fn check_citizen_view(&self) -> Result<(), String> {
        match self.citizen_view {
            CitizenView::Off => return Ok(()),
            CitizenView::TestUsers | CitizenView::Dev => {}
        }
        let Some(url) = &self.gateway_url else {
            return Err("citizen_view needs gateway_url".into());
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("gateway_url must be an http(s) URL, not {url:?}"));
        }
        if self.citizen_view == CitizenView::TestUsers {
            // The entity's vouchers, never IO's app key: a key here would let the console read
            // any citizen's inbox.
            if !self.app_api_key.trim().is_empty() {
                return Err(
                    "citizen_view = \"test_users\" calls the gateway's preview with the \
                     entity's vouchers: remove app_api_key (IO's app key has no place in a \
                     production console)"
                        .into(),
                );
            }
            return Ok(());
        }
        if self.app_api_key.trim().is_empty() {
            return Err("citizen_view needs app_api_key".into());
        }
        // Any signed-in user may read any citizen's messages: never where others can reach it.
        if !self.loopback_bind() || self.secure_cookie() {
            return Err(
                "citizen_view = \"dev\" is for the development stack only: bind and public_url \
                 must be plain http on localhost"
                    .into(),
            );
        }
        Ok(())
    }

    /// Whether `bind` is a loopback address.
    fn loopback_bind(&self) -> bool {
        let host = match self.bind.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or_default(),
            None => self.bind.rsplit_once(':').map_or(&*self.bind, |(h, _)| h),
        };
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether the session cookie carries `Secure`: always, except on plain http on localhost
    /// (where browsers would drop it).
    pub fn secure_cookie(&self) -> bool {
        let url = if self.public_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.public_url.clone()
        };
        let Some(rest) = url.strip_prefix("http://") else {
            return true;
        };
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        !(host == "localhost" || host == "127.0.0.1" || rest.starts_with("[::1]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_secure_except_on_plain_http_localhost() {
        let mut c = Config::default();
        assert!(!c.secure_cookie());
        c.public_url = "https://console.example.it".into();
        assert!(c.secure_cookie());
        c.public_url = "http://console.example.it".into();
        assert!(c.secure_cookie());
        c.public_url = "http://localhost:8083".into();
        assert!(!c.secure_cookie());
    }

    #[test]
    fn the_gateway_needs_its_token_endpoint_audience_and_a_data_folder() {
        let mut c = Config::default();
        assert_eq!(c.check(), Ok(()), "no gateway: nothing more needed");
        c.gateway_url = Some("http://127.0.0.1:8080".into());
        assert!(c.check().unwrap_err().contains("client_assertion_audience"));
        c.client_assertion_audience = "recapito-interop-token".into();
        assert!(c.check().unwrap_err().contains("data_dir"));
        c.data_dir = Some(PathBuf::from("/var/lib/console"));
        assert_eq!(c.check(), Ok(()));
        c.token_endpoint = "token.oauth2".into();
        assert!(c.check().unwrap_err().contains("token_endpoint"));
        c.token_endpoint = "http://127.0.0.1:8081/token.oauth2".into();
        c.gateway_url = Some("gateway".into());
        assert!(c.check().unwrap_err().contains("gateway_url"));
    }

    #[test]
    fn dev_sign_in_is_off_by_default_and_needs_a_key() {
        let mut c = Config::default();
        assert!(!c.dev_sign_in);
        assert_eq!(c.check(), Ok(()));
        c.dev_sign_in = true;
        assert!(c.check().unwrap_err().contains("private_key_path"));
        c.dev_identity.private_key_path = "identity.key.pem".into();
        assert_eq!(c.check(), Ok(()));
        c.bind = "0.0.0.0:8083".into();
        assert!(c.check().unwrap_err().contains("development stack only"));
        c.bind = "[::1]:8083".into();
        assert_eq!(c.check(), Ok(()));
        c.public_url = "https://console.example.it".into();
        assert!(c.check().unwrap_err().contains("development stack only"));
        c.public_url = String::new();
        c.engine_url = "ftp://x".into();
        assert!(c.check().unwrap_err().contains("engine_url"));
    }

    #[test]
    fn the_citizen_view_is_off_by_default_and_dev_only() {
        let mut c = Config::default();
        assert!(!c.citizen_view_on());
        c.citizen_view = CitizenView::Dev;
        assert!(c.check().unwrap_err().contains("gateway_url"));
        // The gateway's URL serves the "Recapito" pages too, which need their voucher settings.
        c.gateway_url = Some("http://127.0.0.1:8080".into());
        c.client_assertion_audience = "recapito-interop".into();
        c.data_dir = Some("console-data".into());
        assert!(c.check().unwrap_err().contains("app_api_key"));
        c.app_api_key = "k".into();
        assert_eq!(c.check(), Ok(()));
        assert!(c.citizen_view_on());
        c.bind = "0.0.0.0:8083".into();
        assert!(c.check().unwrap_err().contains("development stack only"));
        c.bind = "127.0.0.1:8083".into();
        // The test users' view: the entity's vouchers, anywhere, never with the app key.
        c.citizen_view = CitizenView::TestUsers;
        assert!(c.check().unwrap_err().contains("remove app_api_key"));
        c.app_api_key = String::new();
        c.bind = "0.0.0.0:8083".into();
        c.public_url = "https://console.example.it".into();
        assert_eq!(c.check(), Ok(()));
        assert!(c.citizen_view_on());
        c.gateway_url = None;
        assert!(c.check().is_err());
        let parsed: CitizenView = serde_json::from_str("\"test_users\"").unwrap();
        assert_eq!(parsed, CitizenView::TestUsers);
    }

    #[test]
    fn the_oidc_section_needs_http_urls_and_the_callback_path() {
        let good = OidcConfig {
            issuer: "https://idp.example/realms/pa".into(),
            name: String::new(),
            client_id: "recapito-console".into(),
            client_secret: None,
            redirect_url: "https://console.example.it/accesso/oidc/ritorno".into(),
            scopes: default_scopes(),
            post_logout_redirect_url: String::new(),
        };
        assert_eq!(good.check(), Ok(()));
        assert_eq!(good.display_name(), "idp.example");
        assert_eq!(good.post_logout_url(), "https://console.example.it/accesso");
        assert_eq!(origin(&good.issuer), "https://idp.example");
        assert_eq!(origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        let mut c = Config {
            oidc: Some(good.clone()),
            ..Config::default()
        };
        assert_eq!(c.check(), Ok(()));
        for (change, message) in [
            (
                (|o: &mut OidcConfig| o.issuer = "idp.example".into()) as fn(&mut OidcConfig),
                "oidc.issuer must be an http(s) URL",
            ),
            (
                |o| o.redirect_url = "https://console.example.it/callback".into(),
                "oidc.redirect_url must end with /accesso/oidc/ritorno",
            ),
            (
                |o| o.client_id = " ".into(),
                "oidc.client_id must not be empty",
            ),
            (
                |o| o.client_secret = Some(String::new()),
                "oidc.client_secret must not be empty",
            ),
            (
                |o| o.post_logout_redirect_url = "javascript:alert(1)".into(),
                "oidc.post_logout_redirect_url must be an http(s) URL",
            ),
        ] {
            let mut o = good.clone();
            change(&mut o);
            c.oidc = Some(o);
            let e = c.check().unwrap_err();
            assert!(e.contains(message), "{e}");
        }
    }
}
