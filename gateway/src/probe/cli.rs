//! `gateway probe`'s arguments, and the command: load the fetch settings, probe, print.

use super::{Flags, Options};
use crate::config::{Config, FetchSettings, InteropClientConfig};
use crate::domain::egress::Network;
use provider_sdk::contract::{DetailsAuthentication, FiscalCode, HasPrecondition};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Check an entity's remote-content endpoints the way the gateway fetches them.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("authentication").required(true).args(["api_key", "purpose_id"]))]
pub struct ProbeArgs {
    /// The entity's base URL (the configuration's `base_url`).
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    pub base_url: url::Url,
    /// API_KEY authentication: the key (or GATEWAY_PROBE_API_KEY, kept out of the process list).
    #[arg(
        long,
        env = "GATEWAY_PROBE_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// API_KEY authentication: the header the key goes in.
    #[arg(long, value_name = "NAME", default_value = "X-Api-Key")]
    pub api_key_header: String,
    /// INTEROP_VOUCHER authentication: the purpose vouchers are asked for (needs the five
    /// options below).
    #[arg(long, value_name = "ID", requires_all = ["token_endpoint", "client_id", "kid", "private_key", "audience"])]
    pub purpose_id: Option<String>,
    /// The Interop engine's token endpoint.
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// The gateway's Interop client id.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// The `kid` of the client's key on Interop.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    /// The client's private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<PathBuf>,
    /// The client assertion's audience (the engine's).
    #[arg(long, value_name = "AUD")]
    pub audience: Option<String>,
    /// The citizen the message is for (the `fiscal_code` header).
    #[arg(long, value_name = "FISCAL_CODE", value_parser = parse_fiscal_code)]
    pub fiscal_code: FiscalCode,
    /// The entity's correlation id (`third_party_data.id`).
    #[arg(long, value_name = "ID")]
    pub message_id: String,
    /// `third_party_data.has_precondition` as the message will declare it.
    #[arg(long, value_name = "ALWAYS|ONCE|NEVER", value_parser = parse_precondition)]
    pub has_precondition: Option<HasPrecondition>,
    /// `third_party_data.has_remote_content` will be declared.
    #[arg(long)]
    pub has_remote_content: bool,
    /// `third_party_data.has_attachments` will be declared.
    #[arg(long)]
    pub has_attachments: bool,
    /// Sign each request with lollipop headers, as a citizen's device would (a key per run).
    #[arg(long)]
    pub lollipop: bool,
    /// The report as JSON on stdout (schema recapito-probe/1, docs/probe.md).
    #[arg(long)]
    pub json: bool,
    /// Let the probe reach this network (CIDR) besides public addresses, as the gateway's
    /// `fetch.egress_allow` does (e.g. 127.0.0.1/32 for an entity on this machine).
    #[arg(long, value_name = "CIDR")]
    pub egress_allow: Vec<Network>,
}

fn parse_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| e.to_string())?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err("not an http(s) URL".into());
    }
    Ok(u)
}

fn parse_fiscal_code(s: &str) -> Result<FiscalCode, String> {
    FiscalCode::parse(s).map_err(|_| "not a fiscal code (16 characters, upper case)".into())
}

fn parse_precondition(s: &str) -> Result<HasPrecondition, String> {
    match s.to_ascii_uppercase().as_str() {
        "ALWAYS" => Ok(HasPrecondition::Always),
        "ONCE" => Ok(HasPrecondition::Once),
        "NEVER" => Ok(HasPrecondition::Never),
        _ => Err("ALWAYS, ONCE or NEVER".into()),
    }
}

impl ProbeArgs {
    /// The probe's options, with the gateway's fetch settings.
    pub fn options(&self, mut fetch: FetchSettings) -> Options {
        fetch.egress_allow.extend(self.egress_allow.iter().cloned());
        let (auth, interop) = match (&self.api_key, &self.purpose_id) {
            (Some(key), _) => (
                DetailsAuthentication::ApiKey {
                    header_key_name: self.api_key_header.clone(),
                    key: key.clone(),
                },
                None,
            ),
            (None, purpose) => (
                DetailsAuthentication::InteropVoucher {
                    purpose_id: purpose.clone().unwrap_or_default(),
                },
                Some(InteropClientConfig {
                    token_url: self.token_endpoint.clone().unwrap_or_default(),
                    client_id: self.client_id.clone().unwrap_or_default(),
                    kid: self.kid.clone().unwrap_or_default(),
                    private_key_path: self.private_key.clone().unwrap_or_default(),
                    assertion_audience: self.audience.clone().unwrap_or_default(),
                    voucher_reuse_secs: crate::config::DEFAULT_VOUCHER_REUSE_SECS,
                }),
            ),
        };
        Options {
            base_url: self.base_url.clone(),
            auth,
            interop,
            fiscal_code: self.fiscal_code.clone(),
            message_id: self.message_id.clone(),
            flags: Flags {
                has_precondition: self.has_precondition,
                has_remote_content: self.has_remote_content,
                has_attachments: self.has_attachments,
            },
            lollipop: self.lollipop,
            fetch,
        }
    }
}

/// `gateway probe`: 0 when every check passed (warnings allowed), 1 when one failed, 2 when
/// the probe could not start (configuration, key file).
pub fn main(args: &ProbeArgs, config: Option<&Path>) -> ExitCode {
    let fetch = match Config::load(config)
        .map_err(|e| e.to_string())
        .and_then(|c| FetchSettings::try_from(&c.fetch))
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("gateway probe: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = args.options(fetch);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gateway probe: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(super::run(&options)) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("gateway probe: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", super::report::render(&report));
            }
            ExitCode::from(report.exit_code())
        }
        Err(e) => {
            eprintln!("gateway probe: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        probe: ProbeArgs,
    }

    fn parse(args: &[&str]) -> Result<ProbeArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("probe").chain(args.iter().copied())).map(|c| c.probe)
    }

    const BASE: &[&str] = &[
        "--base-url",
        "http://127.0.0.1:8082/rc",
        "--fiscal-code",
        "SPNDNL80R13C555X",
        "--message-id",
        "avviso-tari-2026",
    ];

    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        BASE.iter().chain(extra).copied().collect()
    }

    #[test]
    fn an_api_key_probe_with_every_flag() {
        let a = parse(&with(&[
            "--api-key",
            "k",
            "--has-precondition",
            "once",
            "--has-remote-content",
            "--has-attachments",
            "--lollipop",
            "--json",
            "--egress-allow",
            "127.0.0.1/32",
        ]))
        .unwrap();
        let o = a.options(FetchSettings::try_from(&Config::default().fetch).unwrap());
        assert_eq!(
            o.auth,
            DetailsAuthentication::ApiKey {
                header_key_name: "X-Api-Key".into(),
                key: "k".into()
            }
        );
        assert!(o.interop.is_none());
        assert_eq!(o.flags.has_precondition, Some(HasPrecondition::Once));
        assert!(o.flags.has_remote_content && o.flags.has_attachments && o.lollipop && a.json);
        assert_eq!(o.fetch.egress_allow.len(), 1);
        assert_eq!(o.message_id, "avviso-tari-2026");
    }

    #[test]
    fn a_voucher_probe_needs_the_interop_client() {
        let interop = [
            "--purpose-id",
            "p",
            "--token-endpoint",
            "http://127.0.0.1:8081/token.oauth2",
            "--client-id",
            "c",
            "--kid",
            "k",
            "--private-key",
            "key.pem",
            "--audience",
            "aud",
        ];
        let a = parse(&with(&interop)).unwrap();
        let o = a.options(FetchSettings::try_from(&Config::default().fetch).unwrap());
        assert_eq!(
            o.auth,
            DetailsAuthentication::InteropVoucher {
                purpose_id: "p".into()
            }
        );
        let i = o.interop.unwrap();
        assert_eq!(
            (i.token_url.as_str(), i.client_id.as_str(), i.kid.as_str()),
            ("http://127.0.0.1:8081/token.oauth2", "c", "k")
        );
        assert_eq!(i.assertion_audience, "aud");
        // Without the client's key.
        let e = parse(&with(&interop[..10])).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn bad_usage_is_refused_by_clap_with_exit_code_2() {
        let cases: &[&[&str]] = &[
            // No authentication.
            BASE,
            // Both.
            &with(&["--api-key", "k", "--purpose-id", "p"]),
            &with(&["--api-key", "k", "--has-precondition", "SOMETIMES"]),
            &with(&["--api-key", "k", "--egress-allow", "localhost"]),
            &[
                "--base-url",
                "ftp://x",
                "--fiscal-code",
                "SPNDNL80R13C555X",
                "--message-id",
                "m",
                "--api-key",
                "k",
            ],
            &[
                "--base-url",
                "http://x",
                "--fiscal-code",
                "spndnl80r13c555x",
                "--message-id",
                "m",
                "--api-key",
                "k",
            ],
            &[
                "--base-url",
                "http://x",
                "--fiscal-code",
                "SPNDNL80R13C555X",
                "--api-key",
                "k",
            ],
        ];
        for args in cases {
            let e = parse(args).expect_err(&format!("{args:?}"));
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }
}
