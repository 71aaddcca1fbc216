//! Process limits: the soft file-descriptor limit is raised to the hard one at start (each
//! connection holds one), and the connection cap is kept below what the limit allows, so
//! that at the cap the database, the key files and the log can still be opened.

/// Descriptors kept free of connections: SQLite, key files, the log, the blocking pool.
const RESERVED_FDS: u64 = 256;

/// Ready the process and `listener` for `wanted` connections: widen the backlog, raise the
/// descriptor limit, and return the connection cap that fits under it.
pub fn prepare(listener: &std::net::TcpListener, wanted: usize) -> std::io::Result<usize> {
    widen_backlog(listener)?;
    let fd_limit = raise_fd_limit();
    let cap = connection_cap(wanted, fd_limit);
    if cap < wanted {
        tracing::warn!(
            fd_limit,
            max_connections = cap,
            "the file descriptor limit lowers the connection cap"
        );
    }
    Ok(cap)
}

/// Raise the soft `RLIMIT_NOFILE` to the hard limit; the limit now in force (None where the
/// platform has no such limit or refuses).
pub fn raise_fd_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the file descriptor limit");
            None
        }
    }
}

/// The connection cap to use: `wanted`, lowered so that connections leave
/// [`RESERVED_FDS`] descriptors free under `fd_limit` (at least one connection).
pub fn connection_cap(wanted: usize, fd_limit: Option<u64>) -> usize {
    match fd_limit {
        Some(limit) => {
            let room = limit.saturating_sub(RESERVED_FDS).max(1);
            wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
        }
        None => wanted,
    }
}

/// Pending connections the kernel queues for accept, as actix-web's own `bind` sets it. A
/// listener bound with std gets 128, and connections past that are dropped and retried by
/// the client a second later, which a burst of stalled connections reaches at once.
pub const BACKLOG: i32 = 1024;

/// Give an already listening socket the [`BACKLOG`] queue.
pub fn widen_backlog(listener: &std::net::TcpListener) -> std::io::Result<()> {
    socket2::SockRef::from(listener).listen(BACKLOG)
}

/// The per-worker share of `total` connections (actix counts connections per worker).
pub fn per_worker(total: usize, workers: usize) -> usize {
    (total / workers.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_free() {
        assert_eq!(connection_cap(10_000, Some(1_048_576)), 10_000);
        assert_eq!(connection_cap(10_000, Some(4_096)), 3_840);
        assert_eq!(connection_cap(10_000, Some(100)), 1);
        assert_eq!(connection_cap(10_000, None), 10_000);
        assert_eq!(per_worker(10_000, 2), 5_000);
        assert_eq!(per_worker(3, 4), 1);
    }

    #[test]
    fn the_soft_limit_becomes_the_hard_one() {
        let limit = raise_fd_limit().unwrap();
        let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert_eq!(soft, limit);
        assert!(soft == hard || cfg!(target_os = "macos"), "{soft} {hard}");
    }
}
