//! HTTPS for the service: the rustls server configuration built from `[tls]`, and
//! [`TlsListener`], an [`axum::serve::Listener`] that completes TLS handshakes off the accept
//! loop and hands each connection over with its [`TlsPeer`] (the remote address and the
//! verified client certificate, if any).
//!
//! With `tls.client_ca`, the server asks every client for a certificate but lets clients
//! without one connect, so wallets and public routes keep working; a certificate that does
//! not chain to `tls.client_ca` fails the handshake. Whether a route needs a certificate is
//! decided per request (see [`crate::service::auth`]).
//!
//! A failed or slow handshake never stops the listener: each runs in its own task, bounded by
//! [`HANDSHAKE_TIMEOUT`], at most [`MAX_PENDING_HANDSHAKES`] at a time. A plain-HTTP request to
//! the TLS port is answered `400` with a one-line hint and closed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use axum::serve::Listener;
use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use zeroize::Zeroizing;

use serde::Deserialize;

use crate::Error;

/// `tls.admin_client_cert`: whether routes that need a token scope also need a client
/// certificate verified against `tls.client_ca` (mutual TLS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminClientCert {
    /// A bearer token is enough.
    #[default]
    Off,
    /// A bearer token and a verified client certificate on the connection.
    Required,
}

/// `[tls]`: HTTPS (and optionally mutual TLS) instead of plain HTTP.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM file with the server certificate, then any intermediates.
    pub cert: PathBuf,
    /// PEM file with the server's private key (PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
    /// PEM file of CA certificates trusted for client certificates. Set, the server asks
    /// every client for a certificate but still lets clients without one connect.
    pub client_ca: Option<PathBuf>,
    /// Whether admin (token-scoped) routes need a verified client certificate.
    pub admin_client_cert: AdminClientCert,
}

/// How long a client has to complete the TLS handshake after connecting.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes in progress at once; further connections wait in the kernel's backlog.
pub const MAX_PENDING_HANDSHAKES: usize = 512;

/// The largest certificate, key or CA file read.
const MAX_PEM_LEN: u64 = 1024 * 1024;

/// What a plain-HTTP client on the TLS port is told.
const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Length: 45\r\nConnection: close\r\n\r\nThis port speaks HTTPS: use an https:// URL.\n";

/// A client certificate the TLS handshake verified against `tls.client_ca`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// SHA-256 of the certificate's DER encoding, lowercase hex.
    pub fingerprint: String,
    /// The subject's common attributes (`CN=…, O=…`), empty when it has none of them.
    pub subject: String,
}

impl ClientCert {
    /// Describes a DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> ClientCert {
        let fingerprint = Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect();
        ClientCert {
            fingerprint,
            subject: subject(der).unwrap_or_default(),
        }
    }

    /// The fingerprint's first 16 hex digits (64 bits), for logs and the audit actor.
    pub fn short_fingerprint(&self) -> &str {
        self.fingerprint.get(..16).unwrap_or(&self.fingerprint)
    }
}

/// Who is on the other end of a TLS connection: the connection info of [`TlsListener`],
/// available to handlers as `ConnectInfo<TlsPeer>`.
#[derive(Debug, Clone)]
pub struct TlsPeer {
    /// The client's socket address.
    pub remote: SocketAddr,
    /// The verified client certificate, if the client sent one.
    pub client_cert: Option<Arc<ClientCert>>,
    /// Whether the handshake negotiated HTTP/2 (ALPN `h2`).
    pub http2: bool,
}

impl did_core::server::Peer for TlsPeer {
    fn ip(&self) -> std::net::IpAddr {
        self.remote.ip()
    }

    fn http2(&self) -> bool {
        self.http2
    }
}

/// The verified client certificate of the connection a request came on, if any.
pub fn client_cert(extensions: &Extensions) -> Option<&Arc<ClientCert>> {
    extensions
        .get::<ConnectInfo<TlsPeer>>()
        .and_then(|info| info.0.client_cert.as_ref())
}

/// Reads and checks `[tls]` (files exist and parse, the key matches the certificate, the
/// client CAs are usable) into a server configuration offering h2 and HTTP/1.1 by ALPN.
/// Errors name the setting at fault.
pub fn server_config(tls: &TlsConfig) -> Result<Arc<ServerConfig>, Error> {
    if tls.cert.as_os_str().is_empty() {
        return Err(Error::config(
            "tls.cert",
            "required with [tls]: a PEM certificate chain file (or DOJANG_TLS_CERT)",
        ));
    }
    if tls.key.as_os_str().is_empty() {
        return Err(Error::config(
            "tls.key",
            "required with [tls]: a PEM private key file (or DOJANG_TLS_KEY)",
        ));
    }
    if tls.admin_client_cert == AdminClientCert::Required && tls.client_ca.is_none() {
        return Err(Error::config(
            "tls.admin_client_cert",
            "\"required\" needs tls.client_ca, the CA certificates that client certificates must chain to",
        ));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let certified = certified_key(tls, &provider)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("tls", e.to_string()))?;
    let builder = match &tls.client_ca {
        Some(path) => {
            let roots = client_roots(path)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| Error::config("tls.client_ca", format!("{}: {e}", path.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate chain and its private key, checked to belong together.
fn certified_key(tls: &TlsConfig, provider: &CryptoProvider) -> Result<CertifiedKey, Error> {
    let chain = certificates("tls.cert", &tls.cert)?;
    let key_pem = read_pem("tls.key", &tls.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        Error::config(
            "tls.key",
            format!("{}: no usable PEM private key: {e}", tls.key.display()),
        )
    })?;
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| Error::config("tls.key", format!("{}: {e}", tls.key.display())))?;
    let certified = CertifiedKey::new(chain, signing_key);
    match certified.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(_)) => Err(Error::config(
            "tls.key",
            format!(
                "{} does not belong to the certificate in {}",
                tls.key.display(),
                tls.cert.display()
            ),
        )),
        Err(e) => Err(Error::config("tls.cert", format!("{}: {e}", tls.cert.display()))),
    }
}

/// The CA certificates in `path`, as roots for client certificates.
fn client_roots(path: &Path) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    for (n, cert) in certificates("tls.client_ca", path)?.into_iter().enumerate() {
        roots.add(cert).map_err(|e| {
            Error::config(
                "tls.client_ca",
                format!("{}: certificate {} is not a usable CA: {e}", path.display(), n + 1),
            )
        })?;
    }
    Ok(roots)
}

/// Every `CERTIFICATE` in the PEM file at `path`; at least one.
fn certificates(field: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = read_pem(field, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::config(field, format!("{}: bad PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::config(
            field,
            format!("{}: no PEM CERTIFICATE found", path.display()),
        ));
    }
    Ok(certs)
}

/// The bytes of the PEM file at `path` (zeroized when dropped: it may hold a key).
fn read_pem(field: &str, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| Error::config(field, format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_PEM_LEN + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > MAX_PEM_LEN {
        return Err(Error::config(
            field,
            format!("{} is over {MAX_PEM_LEN} bytes", path.display()),
        ));
    }
    Ok(bytes)
}

/// A TCP listener that serves TLS: a background task accepts connections and runs each
/// handshake in its own task; [`Listener::accept`] yields the finished ones.
#[derive(Debug)]
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, TlsPeer)>,
    acceptor: JoinHandle<()>,
}

impl TlsListener {
    /// Serves TLS with `config` on `listener`; must be called inside a Tokio runtime.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (sender, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), sender));
        Ok(TlsListener { local, ready, acceptor })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // Closes the socket; handshakes in flight end by their timeout or their channel send.
        self.acceptor.abort();
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = TlsPeer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            None => {
                // The accept task holds a sender until this listener drops it, so this only
                // happens if that task died; nothing more will arrive.
                tracing::error!("tls: the accept task stopped; no new connections");
                std::future::pending().await
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(TlsPeer {
            remote: self.local,
            client_cert: None,
            http2: false,
        })
    }
}

/// Accepts TCP connections until the listener is dropped, handing each to a handshake task.
async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, TlsPeer)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    loop {
        let slot = tokio::select! {
            () = ready.closed() => return,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
        };
        let (stream, remote) = tokio::select! {
            () = ready.closed() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(&acceptor, stream, remote)).await {
                Ok(Ok(Some(connection))) => {
                    // Fails only when the server is shutting down: the connection just closes.
                    let _ = ready.send(connection).await;
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::info!(error = %e, "tls: a handshake failed"),
                Err(_) => tracing::warn!(
                    seconds = HANDSHAKE_TIMEOUT.as_secs(),
                    "tls: a handshake took too long; the connection was closed"
                ),
            }
        });
    }
}

/// Like axum's own listener: connection-level errors are the client's, others (e.g. out
/// of file descriptors) are logged and retried after a pause.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "tls: accept failed; retrying in 1s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The TLS handshake on `stream`; `None` when there is nothing to serve (the client closed
/// before sending anything, e.g. a TCP health check, or spoke plain HTTP and was told so).
async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    remote: SocketAddr,
) -> std::io::Result<Option<(TlsStream<TcpStream>, TlsPeer)>> {
    let mut first = [0u8; 1];
    if stream.peek(&mut first).await? == 0 {
        return Ok(None);
    }
    // A TLS record starts with its content type (22 for a handshake); HTTP with a method name.
    if first[0].is_ascii_alphabetic() {
        tracing::info!("tls: plain HTTP on the HTTPS port; answered 400");
        refuse_plain_http(stream).await;
        return Ok(None);
    }
    let tls = acceptor.accept(stream).await?;
    let session = tls.get_ref().1;
    let client_cert = session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|cert| Arc::new(ClientCert::from_der(cert)));
    let http2 = session.alpn_protocol() == Some(b"h2".as_slice());
    Ok(Some((
        tls,
        TlsPeer {
            remote,
            client_cert,
            http2,
        },
    )))
}

/// Answers a plain-HTTP request with 400, then reads what the client still sends until it
/// closes, so that closing does not reset the connection before the answer is read.
async fn refuse_plain_http(mut stream: TcpStream) {
    if stream.write_all(PLAIN_HTTP_ANSWER).await.is_err() || stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// The subject of a DER certificate as `CN=…, O=…` (common attributes with string values).
/// The handshake has already parsed and verified the certificate; this only reads it.
fn subject(cert: &[u8]) -> Option<String> {
    let (_, certificate, _) = der_element(cert)?;
    let (_, tbs, _) = der_element(certificate)?;
    let mut rest = tbs;
    if let Some((0xa0, _, after_version)) = der_element(rest) {
        rest = after_version;
    }
    // serialNumber, signature, issuer, validity, then subject.
    for _ in 0..4 {
        rest = der_element(rest)?.2;
    }
    let (_, mut rdns, _) = der_element(rest)?;
    let mut parts = Vec::new();
    while !rdns.is_empty() {
        let (_, mut attributes, next) = der_element(rdns)?;
        rdns = next;
        while !attributes.is_empty() {
            let (_, attribute, next) = der_element(attributes)?;
            attributes = next;
            let (_, oid, value) = der_element(attribute)?;
            let (tag, value, _) = der_element(value)?;
            let label = match oid {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x06] => "C",
                [0x55, 0x04, 0x07] => "L",
                [0x55, 0x04, 0x08] => "ST",
                [0x55, 0x04, 0x0a] => "O",
                [0x55, 0x04, 0x0b] => "OU",
                _ => continue,
            };
            // UTF8String, PrintableString, TeletexString (as sent), IA5String.
            if let (0x0c | 0x13 | 0x14 | 0x16, Ok(text)) = (tag, std::str::from_utf8(value)) {
                let text: String = text.chars().filter(|c| !c.is_control()).take(64).collect();
                parts.push(format!("{label}={text}"));
            }
        }
    }
    Some(parts.join(", "))
}

/// One DER element of `input`: its tag, its contents and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let (bytes, rest) = rest.split_at_checked(usize::from(first & 0x7f))?;
        if bytes.is_empty() || bytes.len() > 4 {
            return None;
        }
        (bytes.iter().fold(0usize, |len, b| (len << 8) | usize::from(*b)), rest)
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    Some((tag, contents, rest))
}
