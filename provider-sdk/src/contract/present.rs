//! Optional members that may be absent but not `null`: the reference contracts type them as
//! string, integer, boolean or object and allow no `null`, while serde reads `null` into an
//! `Option` as if the member were absent. A client sending `null` most likely meant something
//! (clear the value? a bug upstream?), so the receiver refuses it instead of guessing.

use serde::de::{Deserialize, Deserializer, Error};

/// The start of the error a `null` member raises; receivers match on it to name the member in a
/// field-level refusal.
pub const NULL_REFUSED: &str = "null is not allowed";

/// `deserialize_with` for an `Option` member with `#[serde(default)]`: serde calls it only when
/// the member is present, so absent stays `None` and `null` is an error.
pub fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(D::Error::custom(format!(
            "{NULL_REFUSED}: omit the member instead"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "super::not_null")]
        a: Option<u32>,
    }

    #[test]
    fn absent_is_none_null_is_an_error_a_value_is_kept() {
        assert!(serde_json::from_str::<T>("{}").unwrap().a.is_none());
        assert_eq!(serde_json::from_str::<T>(r#"{"a":3}"#).unwrap().a, Some(3));
        let e = serde_json::from_str::<T>(r#"{"a":null}"#).unwrap_err();
        assert!(e.to_string().starts_with(super::NULL_REFUSED), "{e}");
    }
}
