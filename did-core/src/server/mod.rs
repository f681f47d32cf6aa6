//! The accept loop of the services, with the limits `axum::serve` does not set: a cap on
//! open connections (in all and per client), a header-read timeout (which also closes idle
//! keep-alive connections; HTTP/2 connections are closed after as long without a request), and
//! a timeout on each request.
//!
//! Without them, a few hundred connections that send nothing, or send a request one byte at
//! a time, hold a service's sockets and workers for ever, and its health check stops
//! answering. With them, such a connection is closed after [`Limits::header_read_timeout`],
//! a connection over [`Limits::max_connections`] is closed at once (and logged), and a request
//! that is not answered within [`Limits::request_timeout`] gets 503 `timeout`.
//!
//! [`serve`] takes a plain TCP listener; [`serve_listener`] any [`axum::serve::Listener`]
//! whose connections know their [`Peer`] (the issuer's TLS listener, which negotiates HTTP/2
//! or HTTP/1.1 by ALPN).

mod client;
mod connection;
#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

use self::client::{ClientSlot, LogEvery, OpenPerClient};
use self::connection::{Activity, DRAIN, drive};
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
    /// for one (so also how long an idle keep-alive connection stays open; an HTTP/2
    /// connection is closed after as long with no request in flight).
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

/// The far end of a connection, as the accept loop needs it: the client's address for the
/// per-client cap, and the protocol the connection negotiated.
pub trait Peer: Clone + Send + Sync + 'static {
    /// The client's IP address.
    fn ip(&self) -> IpAddr;

    /// Whether the connection negotiated HTTP/2 (by TLS ALPN); otherwise it speaks HTTP/1.1.
    fn http2(&self) -> bool {
        false
    }
}

impl Peer for SocketAddr {
    fn ip(&self) -> IpAddr {
        SocketAddr::ip(self)
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
    serve_listener(Plain(listener), router, limits, events, shutdown).await
}

/// [`serve_reporting`] on any listener: handlers extract the connection's [`Peer`] as
/// `ConnectInfo<L::Addr>`.
pub async fn serve_listener<L>(
    mut listener: L,
    router: Router,
    limits: Limits,
    events: EventSink,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: Peer,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_client: OpenPerClient = Arc::new(Mutex::new(Default::default()));
    // A flood must not become a flood of log lines: one line per kind every few seconds.
    let mut sheds = LogEvery::new(SHED_LOG_EVERY);
    let mut client_sheds = LogEvery::new(SHED_LOG_EVERY);
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Some(slot) = ClientSlot::open(&per_client, peer.ip(), limits.max_connections_per_client) else {
            shed(
                &mut client_sheds,
                &events,
                ServerEvent::ClientConnectionShed,
                limits.max_connections_per_client,
            );
            continue;
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            shed(&mut sheds, &events, ServerEvent::ConnectionShed, limits.max_connections);
            continue;
        };
        let http2 = peer.http2();
        let activity = http2.then(Activity::new);
        let service = service(
            router.clone(),
            peer,
            limits.request_timeout,
            Arc::clone(&events),
            activity.clone(),
        );
        let io = TokioIo::new(io);
        let stopping = stopping.clone();
        tokio::spawn(async move {
            if let Some(activity) = activity {
                let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .timer(TokioTimer::new())
                    .serve_connection(io, service);
                drive(connection, stopping, Some((activity, limits.header_read_timeout))).await;
            } else {
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_read_timeout)
                    .serve_connection(io, service);
                drive(connection, stopping, None).await;
            }
            drop(permit);
            drop(slot);
        });
    }
    drop(listener);
    stop.send_replace(true);
    // Every connection holds a permit until it ends: all of them back means all closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN, permits.acquire_many(all)).await.is_err() {
        tracing::warn!("requests still in flight after {} s were dropped", DRAIN.as_secs());
    }
    Ok(())
}

/// Reports a connection closed at once (`io` is dropped by the caller's `continue`) and logs
/// it, at most one line per `every` period with the count since the last line.
fn shed(every: &mut LogEvery, events: &EventSink, event: ServerEvent, limit: usize) {
    if let Some(shed) = every.count() {
        let why = match event {
            ServerEvent::ClientConnectionShed => "their client had as many open as one client may",
            _ => "as many were open as the server takes",
        };
        tracing::warn!(shed, limit, event = event.name(), "connections were shed: {why}");
    }
    events(event);
}

/// The hyper service of one connection: the router, with the peer as `ConnectInfo`, each
/// request cut at `request_timeout`, and (HTTP/2) each request marked in flight.
fn service<P: Peer>(
    router: Router,
    peer: P,
    request_timeout: Duration,
    events: EventSink,
    activity: Option<Arc<Activity>>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer.clone()));
        let router = router.clone();
        let events = Arc::clone(&events);
        let busy = activity.as_ref().map(Activity::start);
        // The request timeout here rather than as a middleware layer: no boxed future and no
        // `Next` per request on the hot path.
        async move {
            let answered =
                tokio::time::timeout(request_timeout, router.oneshot(request.map(axum::body::Body::new))).await;
            drop(busy);
            match answered {
                Ok(Ok(response)) => Ok::<_, Infallible>(response),
                Ok(Err(never)) => match never {},
                Err(_) => {
                    events(ServerEvent::RequestTimedOut);
                    Ok(timed_out(request_timeout))
                }
            }
        }
    })
}

/// A TCP listener whose accept errors (out of file descriptors, say) are logged and retried
/// after a short pause instead of spinning.
struct Plain(TcpListener);

impl axum::serve::Listener for Plain {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok(accepted) => return accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// How often shed connections are logged (with how many since the last line).
const SHED_LOG_EVERY: Duration = Duration::from_secs(5);

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
