//! The citizen's fiscal code (codice fiscale), validated as IO does.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid fiscal code: 16 characters matching
/// `[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FiscalCode(String);

/// The input is not a fiscal code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fiscal code: expected 16 characters like SPNDNL80R13C555X")]
pub struct InvalidFiscalCode;

impl FiscalCode {
    /// Parses `s` (exact case: IO's pattern is upper case only).
    pub fn parse(s: &str) -> Result<FiscalCode, InvalidFiscalCode> {
        let b = s.as_bytes();
        if b.len() != 16 {
            return Err(InvalidFiscalCode);
        }
        let letter = |c: u8| c.is_ascii_uppercase();
        let omocode = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
        let month = |c: u8| b"ABCDEHLMPRST".contains(&c);
        let ok = b[..6].iter().all(|c| letter(*c))
            && b[6..8].iter().all(|c| omocode(*c))
            && month(b[8])
            && b[9..11].iter().all(|c| omocode(*c))
            && letter(b[11])
            && b[12..15].iter().all(|c| omocode(*c))
            && letter(b[15]);
        if ok {
            Ok(FiscalCode(s.to_owned()))
        } else {
            Err(InvalidFiscalCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FiscalCode {
    type Error = InvalidFiscalCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FiscalCode::parse(&s)
    }
}

impl From<FiscalCode> for String {
    fn from(f: FiscalCode) -> String {
        f.0
    }
}

impl fmt::Display for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// IO's `FiscalCode` (feature `openapi`): the pattern [`FiscalCode::parse`] checks.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FiscalCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        Schema::from(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("A citizen's fiscal code (codice fiscale), upper case."))
                .min_length(Some(16))
                .max_length(Some(16))
                .pattern(Some(
                    "[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]",
                ))
                .examples(["SPNDNL80R13C555X"]),
        )
        .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FiscalCode {
    fn name() -> std::borrow::Cow<'static, str> {
        "FiscalCode".into()
    }
}

/// Debug output masks all but the first three characters, so a fiscal code never lands in a log
/// by accident.
impl fmt::Debug for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FiscalCode({}*************)", &self.0[..3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes_parse_including_omocodes() {
        for ok in [
            "SPNDNL80R13C555X",
            "RSSMRA85T10A562S",
            "LSSLCU79B24L219P",
            "SPNDNLLUR1PCRRRX",
        ] {
            assert!(FiscalCode::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn invalid_codes_are_refused() {
        for bad in [
            "",
            "SPNDNL80R13C555",
            "SPNDNL80R13C555XX",
            "spndnl80r13c555x",
            "SPNDNL80Z13C555X",
            "1PNDNL80R13C555X",
            "SPNDNL80R13C55AX",
            "SPNDNL80R13C555 ",
        ] {
            assert_eq!(FiscalCode::parse(bad), Err(InvalidFiscalCode), "{bad:?}");
        }
    }

    #[test]
    fn debug_masks_the_code() {
        let f = FiscalCode::parse("SPNDNL80R13C555X").unwrap();
        assert!(!format!("{f:?}").contains("NL80R13"));
    }

    proptest::proptest! {
        #[test]
        fn every_string_of_the_pattern_parses(s in "[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]") {
            proptest::prop_assert!(FiscalCode::parse(&s).is_ok());
        }

        #[test]
        fn a_wrong_month_letter_never_parses(prefix in "[A-Z]{6}[0-9]{2}", month in "[FGIJKNOQUVWXYZ]", suffix in "[0-9]{2}[A-Z][0-9]{3}[A-Z]") {
            let s = format!("{prefix}{month}{suffix}");
            proptest::prop_assert!(FiscalCode::parse(&s).is_err());
        }
    }
}
