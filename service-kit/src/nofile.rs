//! The open-file limit: every connection is a file descriptor, and distributions still start
//! services with a soft limit of 1 024 while the hard limit allows far more.

use rlimit::Resource;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and logs it (from → to). Returns the soft
/// limit in force afterwards, `None` where it cannot be read.
pub fn raise_open_file_limit() -> Option<u64> {
    let (soft, hard) = match Resource::NOFILE.get() {
        Ok(limits) => limits,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-file limit");
            return None;
        }
    };
    if soft >= hard {
        tracing::info!(limit = soft, "open-file limit already at its hard limit");
        return Some(soft);
    }
    // increase_nofile_limit also respects the kernel's per-process ceiling where the hard limit
    // reads as unlimited (macOS).
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) => {
            tracing::info!(from = soft, to = now, hard, "raised the open-file limit");
            Some(now)
        }
        Err(e) => {
            tracing::warn!(from = soft, hard, error = %e, "cannot raise the open-file limit");
            Some(soft)
        }
    }
}

/// The soft open-file limit in force, `None` where it cannot be read.
pub fn soft_limit() -> Option<u64> {
    Resource::NOFILE.get().ok().map(|(soft, _)| soft)
}

/// The connections a server can hold with `soft` descriptors, keeping some for what else the
/// process opens (database files and connections, calls to entities, spooled attachments, logs):
/// past it `accept` fails with EMFILE and the process cannot do anything else either.
pub fn connections_that_fit(soft: u64) -> usize {
    let headroom = (soft / 8).clamp(32, 1_024);
    usize::try_from(soft.saturating_sub(headroom).max(1)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_is_an_eighth_between_32_and_1024() {
        assert_eq!(connections_that_fit(256), 224);
        assert_eq!(connections_that_fit(1_024), 896);
        assert_eq!(connections_that_fit(4_096), 3_584);
        assert_eq!(connections_that_fit(1_048_576), 1_047_552);
        assert_eq!(connections_that_fit(16), 1);
    }
}
