//! Per-client connection counting and the rate at which floods are logged.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Open connections per client key.
pub(super) type OpenPerClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One open connection of a client, counted until dropped.
pub(super) struct ClientSlot {
    open: OpenPerClient,
    client: IpAddr,
}

impl ClientSlot {
    /// A slot for `ip`, unless its client has `max` open already.
    pub(super) fn open(open: &OpenPerClient, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let client = crate::budget::client_key(ip);
        let mut table = open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = table.entry(client).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            open: Arc::clone(open),
            client,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut table = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = table.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                table.remove(&self.client);
            }
        }
    }
}

/// Counts events and says when to log them: the first at once, then at most once per period,
/// with the number since the last line.
pub(super) struct LogEvery {
    period: Duration,
    last: Option<Instant>,
    pending: u64,
}

impl LogEvery {
    pub(super) fn new(period: Duration) -> LogEvery {
        LogEvery {
            period,
            last: None,
            pending: 0,
        }
    }

    /// Counts one event; `Some(n)` when a line is due, for the `n` events it covers.
    pub(super) fn count(&mut self) -> Option<u64> {
        self.pending += 1;
        let now = Instant::now();
        if self.last.is_some_and(|last| now.duration_since(last) < self.period) {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.pending))
    }
}
