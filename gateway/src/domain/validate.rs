//! Collects every violation of a request, so one answer names all the fields at fault.

use super::error::{Code, GatewayError};

#[derive(Default)]
pub struct Violations(Vec<(String, String)>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, why: impl Into<String>) {
        self.0.push((field.into(), why.into()));
    }

    /// Adds a violation unless `ok`.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, why: impl Into<String>) {
        if !ok {
            self.add(field, why);
        }
    }

    pub fn text(&mut self, field: &str, value: &str, range: std::ops::RangeInclusive<usize>) {
        let n = value.chars().count();
        self.check(
            range.contains(&n),
            field,
            format!(
                "{field} must be {}..{} characters (is {n})",
                range.start(),
                range.end()
            ),
        );
    }

    pub fn into_result(self) -> Result<(), GatewayError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let detail = self
            .0
            .iter()
            .map(|(_, why)| why.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        Err(GatewayError::new(Code::VALIDATION_FAILED, detail)
            .with_fields(self.0.into_iter().map(|(f, _)| f).collect()))
    }
}

/// An absolute http(s) URL without credentials, query or fragment.
pub fn base_url(v: &mut Violations, field: &str, raw: &str) {
    match reqwest::Url::parse(raw) {
        Err(e) => v.add(field, format!("{field} is not an absolute URL: {e}")),
        Ok(u) => {
            v.check(
                matches!(u.scheme(), "http" | "https"),
                field,
                format!("{field} must be http or https"),
            );
            v.check(
                u.host_str().is_some_and(|h| !h.is_empty()),
                field,
                format!("{field} needs a host"),
            );
            v.check(
                u.username().is_empty() && u.password().is_none(),
                field,
                format!("{field} must not carry credentials"),
            );
            v.check(
                u.query().is_none(),
                field,
                format!("{field} must not have a query"),
            );
            v.check(
                u.fragment().is_none(),
                field,
                format!("{field} must not have a fragment"),
            );
        }
    }
}

/// An ISO-8601 / RFC 3339 timestamp.
pub fn timestamp(v: &mut Violations, field: &str, raw: &str) {
    let ok =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).is_ok();
    v.check(
        ok,
        field,
        format!("{field} must be an ISO-8601 UTC timestamp like 2026-11-22T10:00:00Z"),
    );
}

/// A ULID (26 Crockford base32 characters).
pub fn ulid(raw: &str) -> Option<ulid::Ulid> {
    if raw.len() != 26 {
        return None;
    }
    ulid::Ulid::from_string(raw).ok()
}
