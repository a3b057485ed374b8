//! Command handlers, one file per aggregate family.

pub mod agreements;
pub mod clients;
pub mod eservices;
pub mod purposes;
pub mod tenants;

use super::error::{DomainError, DomainResult};

/// Checks a free-text field's length in characters.
pub(crate) fn text(
    field: &str,
    value: &str,
    range: std::ops::RangeInclusive<usize>,
) -> DomainResult<()> {
    let n = value.trim().chars().count();
    if range.contains(&n) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "{field} must be {}..{} characters",
                range.start(),
                range.end()
            ),
        ))
    }
}
