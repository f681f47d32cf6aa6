//! The accept loop against raw sockets: silent, slow and surplus connections.
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

/// A peer that negotiated HTTP/2, as a TLS listener's would after ALPN; here over plain TCP
/// (HTTP/2 with prior knowledge).
#[derive(Debug, Clone)]
struct H2Peer(SocketAddr);

impl Peer for H2Peer {
    fn ip(&self) -> IpAddr {
        self.0.ip()
    }

    fn http2(&self) -> bool {
        true
    }
}

struct H2Listener(TcpListener);

impl axum::serve::Listener for H2Listener {
    type Io = TcpStream;
    type Addr = H2Peer;

    async fn accept(&mut self) -> (TcpStream, H2Peer) {
        let (stream, peer) = self.0.accept().await.unwrap();
        (stream, H2Peer(peer))
    }

    fn local_addr(&self) -> std::io::Result<H2Peer> {
        self.0.local_addr().map(H2Peer)
    }
}

/// An HTTP/2 server whose `/pause` takes 1 s: longer than the idle limit, shorter than the
/// request timeout.
async fn start_h2(limits: Limits) -> SocketAddr {
    let router = Router::new().route("/health", get(|| async { "ok" })).route(
        "/pause",
        get(|ConnectInfo(peer): ConnectInfo<H2Peer>| async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            peer.0.ip().to_string()
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_listener(
        H2Listener(listener),
        router,
        limits,
        Arc::new(|_| {}),
        std::future::pending(),
    ));
    addr
}

fn h2_limits() -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(400),
        request_timeout: Duration::from_secs(5),
        ..quick()
    }
}

#[tokio::test]
async fn an_http2_connection_without_a_request_in_flight_is_closed_after_the_header_timeout() {
    let addr = start_h2(h2_limits()).await;
    // The client preface and an empty SETTINGS frame, then nothing.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    silent
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let (_, waited) = until_closed(&mut silent).await;
    assert!(
        waited > Duration::from_millis(300) && waited < Duration::from_secs(3),
        "a silent HTTP/2 connection stayed {waited:?}"
    );
    // Not even the preface.
    let mut mute = TcpStream::connect(addr).await.unwrap();
    let (_, waited) = until_closed(&mut mute).await;
    assert!(waited < Duration::from_secs(3), "a mute connection stayed {waited:?}");
}

#[tokio::test]
async fn an_http2_request_longer_than_the_idle_limit_is_answered_then_the_connection_closes() {
    let addr = start_h2(h2_limits()).await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut client, connection) = h2::client::handshake(stream).await.unwrap();
    let connection = tokio::spawn(connection);
    let request = axum::http::Request::get("http://x/pause").body(()).unwrap();
    let (response, _) = client.send_request(request, true).unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = Vec::new();
    while let Some(chunk) = body.data().await {
        text.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(text, b"127.0.0.1");
    // Idle now: the server says goodbye and the connection ends.
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(ended.is_ok(), "the idle HTTP/2 connection was still open after 5 s");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}
