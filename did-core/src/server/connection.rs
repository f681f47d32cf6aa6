//! Driving one connection: HTTP/1.1 with hyper's header-read timeout, or HTTP/2 (negotiated
//! by ALPN) closed when it has had no request in flight for as long; either closed gracefully
//! when the server stops.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::watch;

/// How long a connection told to close may take to finish what it has in flight.
pub(super) const DRAIN: Duration = Duration::from_secs(10);

/// Whether an HTTP/2 connection is busy, and since when it has not been: HTTP/2 has no
/// header-read timeout, so idleness is watched here.
#[derive(Debug)]
pub(super) struct Activity {
    in_flight: AtomicUsize,
    last: Mutex<Instant>,
}

impl Activity {
    pub(super) fn new() -> Arc<Activity> {
        Arc::new(Activity {
            in_flight: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
        })
    }

    /// Marks a request in flight until the guard is dropped.
    pub(super) fn start(self: &Arc<Activity>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    fn last(&self) -> Instant {
        *self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Completes once no request has been in flight for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let quiet = Instant::now().saturating_duration_since(self.last());
            if self.in_flight.load(Ordering::SeqCst) == 0 && quiet >= limit {
                return;
            }
            // Busy, or quiet for less than the limit: look again when it could have run out.
            tokio::time::sleep(limit.saturating_sub(quiet).max(Duration::from_millis(50))).await;
        }
    }
}

/// A request in flight on an HTTP/2 connection.
pub(super) struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `connection` to its end; it is told to close when the server stops (and then has
/// [`DRAIN`] to finish what it has in flight) or, with `idle`, once it has had no request in
/// flight for the given time (and then has as long again: an HTTP/2 client that does not
/// answer the goodbye's PING is not waited for).
pub(super) async fn drive<C>(connection: C, mut stop: watch::Receiver<bool>, idle: Option<(Arc<Activity>, Duration)>)
where
    C: GracefulConnection,
{
    let mut connection = std::pin::pin!(connection);
    let idle_limit = idle.as_ref().map(|(_, limit)| *limit);
    let idle = async {
        match &idle {
            Some((activity, limit)) => activity.idle_for(*limit).await,
            None => std::future::pending().await,
        }
    };
    let grace = tokio::select! {
        // A connection closed by a timeout or by its client ends here; nothing to report.
        _ = connection.as_mut() => return,
        _ = stop.wait_for(|stopping| *stopping) => DRAIN,
        () = idle => idle_limit.unwrap_or(DRAIN),
    };
    Pin::as_mut(&mut connection).graceful_shutdown();
    let _ = tokio::time::timeout(grace, connection).await;
}
