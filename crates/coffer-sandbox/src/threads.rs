//! How many threads the calling process has: Landlock and the credential syscalls restrict only
//! the calling thread, so [`apply`](crate::apply) and [`net::confine`](crate::net::confine)
//! refuse to run with more than one.

use crate::error::{Result, SandboxError};

/// The `Threads:` count of `/proc/self/status`.
pub(crate) fn thread_count() -> Result<usize> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(SandboxError::ThreadCount)?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| {
            SandboxError::ThreadCount(std::io::Error::new(std::io::ErrorKind::InvalidData, "no Threads: line"))
        })
}
