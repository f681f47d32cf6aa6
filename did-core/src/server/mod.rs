//! The accept loop of the plain-HTTP services, with the limits `axum::serve` does not set: a
//! cap on open connections, a header-read timeout (which also closes idle keep-alive
//! connections), and a timeout on each request.
//!
//! Without them, a few hundred connections that send nothing, or send a request one byte at
//! a time, hold a service's sockets and workers for ever, and its health check stops
//! answering. With them, such a connection is closed after [`Limits::header_read_timeout`],
//! a connection over [`Limits::max_connections`] is closed at once (and logged), and a request
//! that is not answered within [`Limits::request_timeout`] gets 503 `timeout`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::problem::Problem;

/// What the accept loop reports, for a service's metrics: the refusals an attack causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A connection over [`Limits::max_connections`] was closed at once.
    ConnectionShed,
    /// A connection over [`Limits::max_connections_per_client`] was closed at once.
    ClientConnectionShed,
    /// A request took longer than [`Limits::request_timeout`] and got 503 `timeout`.
    RequestTimedOut,
}

impl ServerEvent {
    /// The event's name in metrics and logs (`connection_shed`, `request_timeout`).
    pub fn name(self) -> &'static str {
        match self {
            ServerEvent::ConnectionShed => "connection_shed",
            ServerEvent::ClientConnectionShed => "client_connection_shed",
            ServerEvent::RequestTimedOut => "request_timeout",
        }
    }
}

/// Where [`serve_reporting`] sends its [`ServerEvent`]s (a service's counters).
pub type EventSink = Arc<dyn Fn(ServerEvent) + Send + Sync>;

/// How long in-flight requests may take to finish once the server is told to stop.
const DRAIN: Duration = Duration::from_secs(10);

/// The limits of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at most; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// Open connections from one client (an IP address; an IPv6 client by its /64) at most,
    /// so that one source cannot take every connection: by default a quarter of
    /// `max_connections`.
    pub max_connections_per_client: usize,
    /// How long a client has to send a request's headers, from when the connection is ready
    /// for one (so also how long an idle keep-alive connection stays open).
    pub header_read_timeout: Duration,
    /// How long a request (its body included) may take to be answered.
    pub request_timeout: Duration,
}

impl Limits {
    /// Limits from a connection count and two durations in whole seconds, as configuration
    /// files and command lines give them.
    pub fn from_secs(max_connections: usize, header_read_timeout: u64, request_timeout: u64) -> Limits {
        Limits {
            max_connections,
            max_connections_per_client: (max_connections / 4).max(1),
            header_read_timeout: Duration::from_secs(header_read_timeout),
            request_timeout: Duration::from_secs(request_timeout),
        }
    }

    /// These limits with at most `max` connections from one client (0 keeps the default).
    #[must_use]
    pub fn per_client(mut self, max: usize) -> Limits {
        if max > 0 {
            self.max_connections_per_client = max;
        }
        self
    }
}

impl Default for Limits {
    /// 1,024 connections (256 from one client), 10 s to send headers, 30 s per request.
    fn default() -> Limits {
        Limits::from_secs(1024, 10, 30)
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then lets the
/// requests in flight finish (for at most 10 s). Handlers can extract the client's address
/// as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    serve_reporting(listener, router, limits, Arc::new(|_| {}), shutdown).await
}

/// [`serve`], reporting every shed connection and timed-out request to `events` (they are
/// logged either way).
pub async fn serve_reporting(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    events: EventSink,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let request_timeout = limits.request_timeout;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_client: OpenPerClient = Arc::new(Mutex::new(HashMap::new()));
    // A flood must not become a flood of log lines: one line per kind every few seconds.
    let mut sheds = LogEvery::new(SHED_LOG_EVERY);
    let mut client_sheds = LogEvery::new(SHED_LOG_EVERY);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed; retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = ClientSlot::open(&per_client, peer.ip(), limits.max_connections_per_client) else {
            if let Some(shed) = client_sheds.count() {
                tracing::warn!(
                    shed,
                    max_connections_per_client = limits.max_connections_per_client,
                    "connections were shed: their client had as many open as one client may"
                );
            }
            events(ServerEvent::ClientConnectionShed);
            drop(stream);
            continue;
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            if let Some(shed) = sheds.count() {
                tracing::warn!(
                    shed,
                    max_connections = limits.max_connections,
                    "connections were shed: as many were open as the server takes"
                );
            }
            events(ServerEvent::ConnectionShed);
            drop(stream);
            continue;
        };
        let router = router.clone();
        let events = Arc::clone(&events);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            let events = Arc::clone(&events);
            // The request timeout here rather than as a middleware layer: no boxed future and
            // no `Next` per request on the hot path.
            async move {
                match tokio::time::timeout(request_timeout, router.oneshot(request.map(axum::body::Body::new))).await {
                    Ok(Ok(response)) => Ok::<_, Infallible>(response),
                    Ok(Err(never)) => match never {},
                    Err(_) => {
                        events(ServerEvent::RequestTimedOut);
                        Ok(timed_out(request_timeout))
                    }
                }
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection closed by a timeout or by its client ends here; nothing to report.
            let _ = connection.await;
            drop(permit);
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("requests still in flight after {} s were dropped", DRAIN.as_secs());
        }
    }
    Ok(())
}

/// How often shed connections are logged (with how many since the last line).
const SHED_LOG_EVERY: Duration = Duration::from_secs(5);

/// Counts events and says when to log them: the first at once, then at most once per period,
/// with the number since the last line.
struct LogEvery {
    period: Duration,
    last: Option<std::time::Instant>,
    pending: u64,
}

impl LogEvery {
    fn new(period: Duration) -> LogEvery {
        LogEvery {
            period,
            last: None,
            pending: 0,
        }
    }

    /// Counts one event; `Some(n)` when a line is due, for the `n` events it covers.
    fn count(&mut self) -> Option<u64> {
        self.pending += 1;
        let now = std::time::Instant::now();
        if self.last.is_some_and(|last| now.duration_since(last) < self.period) {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.pending))
    }
}

/// Open connections per client key.
type OpenPerClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One open connection of a client, counted until dropped.
struct ClientSlot {
    open: OpenPerClient,
    client: IpAddr,
}

impl ClientSlot {
    /// A slot for `ip`, unless its client has `max` open already.
    fn open(open: &OpenPerClient, ip: IpAddr, max: usize) -> Option<ClientSlot> {
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

/// `router` with every request cut at `limit` (503 `timeout`, reported to `events`): what
/// [`serve`] adds, for a server that has its own accept loop (the issuer's TLS listener).
pub fn with_request_timeout(router: Router, limit: Duration, events: EventSink) -> Router {
    router.layer(middleware::from_fn_with_state((limit, events), request_timeout))
}

/// 503 `timeout` for a request not answered within `limit`.
async fn request_timeout(
    State((limit, events)): State<(Duration, EventSink)>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            events(ServerEvent::RequestTimedOut);
            timed_out(limit)
        }
    }
}

/// The answer to a request cut at `limit`, logged.
fn timed_out(limit: Duration) -> Response {
    tracing::warn!(seconds = limit.as_secs_f64(), "a request took too long and was cut");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        format!("the request was not answered within {} s", limit.as_secs_f64()),
    )
    .with_retry_after(1)
    .into_response()
}

/// The address a connection came from, for handlers that need it.
pub type ClientAddr = ConnectInfo<SocketAddr>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Instant;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    use super::*;

    async fn start(limits: Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        start_counting(limits, Arc::new(|_| {})).await
    }

    /// A counting sink: how many of each event it was told.
    fn counter() -> (EventSink, Arc<std::sync::Mutex<Vec<ServerEvent>>>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink_seen = Arc::clone(&seen);
        (Arc::new(move |event| sink_seen.lock().unwrap().push(event)), seen)
    }

    async fn start_counting(limits: Limits, events: EventSink) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let router = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route(
                "/who",
                get(|ConnectInfo(peer): ClientAddr| async move { peer.ip().to_string() }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve_reporting(listener, router, limits, events, async {
            let _ = stopped.await;
        }));
        (addr, stop)
    }

    /// Reads until the server closes the connection; returns what it sent and how long it took.
    async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
        (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
    }

    async fn get_answer(addr: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        until_closed(&mut stream).await.0
    }

    fn quick() -> Limits {
        Limits {
            max_connections: 4,
            // Above the cap: the cap is what these tests reach.
            max_connections_per_client: 8,
            header_read_timeout: Duration::from_millis(500),
            request_timeout: Duration::from_millis(500),
        }
    }

    #[test]
    fn a_flood_of_events_is_logged_once_per_period_with_its_count() {
        let mut every = LogEvery::new(Duration::from_secs(3600));
        assert_eq!(every.count(), Some(1));
        for _ in 0..999 {
            assert_eq!(every.count(), None);
        }
        let mut every = LogEvery::new(Duration::ZERO);
        assert_eq!((every.count(), every.count()), (Some(1), Some(1)));
    }

    #[tokio::test]
    async fn one_client_cannot_take_every_connection() {
        let (events, seen) = counter();
        let limits = Limits {
            max_connections_per_client: 2,
            ..quick()
        };
        let (addr, _stop) = start_counting(limits, events).await;
        let held: Vec<_> = [
            TcpStream::connect(addr).await.unwrap(),
            TcpStream::connect(addr).await.unwrap(),
        ]
        .into();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A third from the same address is shed; another client (127.0.0.2) still gets in.
        let mut third = TcpStream::connect(addr).await.unwrap();
        let (sent, _) = until_closed(&mut third).await;
        assert!(sent.is_empty(), "{sent}");
        assert_eq!(*seen.lock().unwrap(), [ServerEvent::ClientConnectionShed]);
        if let Ok(other) = tokio::net::TcpSocket::new_v4()
            && other.bind("127.0.0.2:0".parse().unwrap()).is_ok()
        {
            let mut stream = other.connect(addr).await.unwrap();
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            assert!(until_closed(&mut stream).await.0.ends_with("ok"));
        }
        // Once the held ones close, the first client gets in again.
        drop(held);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(get_answer(addr, "/health").await.ends_with("ok"));
    }

    #[tokio::test]
    async fn idle_and_slow_header_connections_are_closed_and_health_still_answers() {
        let (addr, _stop) = start(quick()).await;
        // Silent, and one byte of a request line every 200 ms (slowloris).
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let mut slow = TcpStream::connect(addr).await.unwrap();
        let trickle = tokio::spawn(async move {
            for byte in b"GET /health HTTP/1.1\r\nHost: x\r\n" {
                if slow.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            until_closed(&mut slow).await
        });
        let (sent, waited) = until_closed(&mut silent).await;
        assert!(sent.is_empty() || sent.starts_with("HTTP/1.1 408"), "{sent}");
        assert!(waited < Duration::from_secs(3), "a silent connection stayed {waited:?}");
        let (_, waited) = trickle.await.unwrap();
        assert!(
            waited < Duration::from_secs(3),
            "a slowloris connection stayed {waited:?}"
        );
        assert!(get_answer(addr, "/health").await.ends_with("ok"));
    }

    #[tokio::test]
    async fn a_connection_over_the_cap_is_shed_and_the_cap_frees_up() {
        let (events, seen) = counter();
        let (addr, _stop) = start_counting(quick(), events).await;
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(TcpStream::connect(addr).await.unwrap());
        }
        // Let the server accept them all before the fifth.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut fifth = TcpStream::connect(addr).await.unwrap();
        let (sent, waited) = until_closed(&mut fifth).await;
        assert!(sent.is_empty(), "{sent}");
        assert!(
            waited < Duration::from_millis(400),
            "the fifth connection waited {waited:?}"
        );
        assert_eq!(*seen.lock().unwrap(), [ServerEvent::ConnectionShed]);
        // The held ones time out; then there is room again.
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(get_answer(addr, "/health").await.ends_with("ok"));
        drop(held);
    }

    #[tokio::test]
    async fn a_slow_request_gets_503_timeout_and_handlers_see_the_client_address() {
        let (events, seen) = counter();
        let (addr, stop) = start_counting(quick(), events).await;
        let answer = get_answer(addr, "/slow").await;
        assert_eq!(*seen.lock().unwrap(), [ServerEvent::RequestTimedOut]);
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("\"code\":\"timeout\""), "{answer}");
        assert!(get_answer(addr, "/who").await.ends_with("127.0.0.1"));
        // Stopping closes the listener.
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(TcpStream::connect(addr).await.is_err());
    }
}
