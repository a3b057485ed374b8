//! Layered configuration, as both services read theirs: the defaults, then a TOML file (when
//! one is named; a named file that does not exist is an error, not a silent default), then
//! environment variables `{PREFIX}_KEY` with nested keys joined by `__`
//! (`GATEWAY_AUTH__VOUCHER_AUDIENCE`), then the service's own checks of the values.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Why a configuration was not loaded (the services exit with code 2).
pub type LoadError = Box<figment::Error>;

/// Loads `T` from its `Default`, `file` and the `{env_prefix}_…` variables, then runs `check`
/// on the result (values that would make the service useless, refused with a message).
pub fn load<T>(
    file: Option<&Path>,
    env_prefix: &str,
    check: impl FnOnce(&T) -> Result<(), String>,
) -> Result<T, LoadError>
where
    T: Default + Serialize + DeserializeOwned,
{
    let mut fig = Figment::from(Serialized::defaults(T::default()));
    if let Some(f) = file {
        if !f.exists() {
            return Err(Box::new(figment::Error::from(format!(
                "config file {} does not exist",
                f.display()
            ))));
        }
        fig = fig.merge(Toml::file(f));
    }
    let config: T = fig
        .merge(Env::prefixed(&format!("{env_prefix}_")).split("__"))
        .extract()
        .map_err(Box::new)?;
    check(&config).map_err(|e| Box::new(figment::Error::from(e)))?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Sample {
        name: String,
        port: u16,
    }

    #[test]
    fn the_file_overrides_the_defaults_and_the_check_runs() {
        let dir = std::env::temp_dir().join(format!("service-kit-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sample.toml");
        std::fs::write(&file, "port = 8080\n").unwrap();
        let c: Sample = load(Some(&file), "SERVICE_KIT_SAMPLE_UNSET", |_| Ok(())).unwrap();
        assert_eq!(
            c,
            Sample {
                name: String::new(),
                port: 8080
            }
        );
        let e = load::<Sample>(Some(&file), "SERVICE_KIT_SAMPLE_UNSET", |s| {
            if s.name.is_empty() {
                Err("name must be set".into())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(e.to_string().contains("name must be set"), "{e}");
        let missing = load::<Sample>(Some(&dir.join("nope.toml")), "X", |_| Ok(())).unwrap_err();
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
