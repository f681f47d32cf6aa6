//! HTTPS and mutual TLS over real connections on 127.0.0.1: a test CA (made here with
//! rcgen) signs the server's certificate and a client certificate; public routes work without
//! a client certificate, and with `tls.admin_client_cert = "required"` token-scoped routes
//! need one. Also: configuration errors name the setting, and plain HTTP or garbage on the
//! TLS port does not stop the server.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vc_issuer::Error;
use vc_issuer::config::{AdminClientCert, Config, DidMethod, TlsConfig};
use vc_issuer::server::{self, Running};
use vc_issuer::tls::ClientCert;

/// A client certificate and its key, as files' contents.
struct Client {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

impl Client {
    fn identity(&self) -> reqwest::Identity {
        reqwest::Identity::from_pem(format!("{}{}", self.cert_pem, self.key_pem).as_bytes()).unwrap()
    }
}

/// The test PKI, written under a temporary folder.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
    /// Signed by the test CA.
    client: Client,
    /// Signed by another CA the server does not trust.
    stranger: Client,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `[tls]` with the server certificate, and the test CA for clients when `mtls`.
    fn tls(&self, client_ca: bool, admin_client_cert: AdminClientCert) -> TlsConfig {
        TlsConfig {
            cert: self.path("server.pem"),
            key: self.path("server.key"),
            client_ca: client_ca.then(|| self.path("ca.pem")),
            admin_client_cert,
        }
    }
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn client_cert(ca: &CertifiedIssuer<'static, KeyPair>, name: &str) -> Client {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Gangwon Province");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    Client {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().to_vec(),
    }
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let authority = ca("Dojang Test CA");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "issuer.test");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let server = params.signed_by(&key, &authority).unwrap();
    std::fs::write(dir.path().join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
    std::fs::write(dir.path().join("ca.pem"), authority.pem()).unwrap();
    let client = client_cert(&authority, "hr-admin");
    let stranger = client_cert(&ca("Somebody Else's CA"), "hr-admin");
    Pki {
        dir,
        ca_pem: authority.pem(),
        client,
        stranger,
    }
}

async fn start(pki: &Pki, tls: TlsConfig, method: DidMethod) -> (Running, String) {
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: pki.path("data"),
        tls: Some(tls),
        ..Config::default()
    };
    config.did.method = method;
    let running = server::start(config.validated().unwrap()).await.unwrap();
    let token = running.admin_token.as_ref().unwrap().to_string();
    (running, token)
}

/// An HTTPS client trusting only the test CA, with `identity` as its client certificate.
fn https(pki: &Pki, identity: Option<&Client>) -> reqwest::ClientBuilder {
    let mut builder =
        reqwest::Client::builder().tls_certs_only([reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap()]);
    if let Some(client) = identity {
        builder = builder.identity(client.identity());
    }
    builder
}

fn employee(number: &str) -> Value {
    json!({
        "type": "EmployeeIdCredential",
        "claims": {
            "employee_number": number,
            "name_ko": "김민준",
            "name_latin": "Kim Minjun",
            "organization": "Gangwon Province",
            "department": "Digital Policy",
            "position": "Deputy Director",
            "access_groups": ["hq-main"],
            "photo_digest": "sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        }
    })
}

/// POSTs a credential to the admin API: the status and the problem detail (if any), or the
/// connection error.
async fn issue(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    number: &str,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut request = http.post(format!("{url}/admin/credentials")).json(&employee(number));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

/// A TLS connection to the server offering only `alpn`, for raw bytes.
async fn tls_connect(
    pki: &Pki,
    addr: std::net::SocketAddr,
    alpn: &[u8],
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

/// The HTTP/2 client preface with an empty SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

/// Connects with ALPN `h2` only (the reqwest here has no HTTP/2): the protocol the server
/// picked, after checking it answers the HTTP/2 preface with a SETTINGS frame.
async fn speaks_h2(pki: &Pki, addr: std::net::SocketAddr) -> Option<Vec<u8>> {
    let mut tls = tls_connect(pki, addr, b"h2").await;
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    tls.write_all(H2_PREFACE).await.unwrap();
    let mut frame = [0u8; 9];
    tls.read_exact(&mut frame).await.unwrap();
    assert_eq!(frame[3], 4, "the server's first HTTP/2 frame is SETTINGS");
    alpn
}

/// How long the server keeps `stream` open (at most 10 s are waited).
async fn open_for(stream: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>) -> std::time::Duration {
    let started = std::time::Instant::now();
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut sink)).await;
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_routes_work_over_https_without_a_client_certificate() {
    let pki = pki();
    let (running, _) = start(&pki, pki.tls(true, AdminClientCert::Required), DidMethod::Web).await;
    let url = running.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert_eq!(running.state.config.public_url(), url);
    for http in [
        https(&pki, None).build().unwrap(),
        https(&pki, None).http1_only().build().unwrap(),
    ] {
        for path in [
            "/health",
            "/.well-known/did.json",
            "/.well-known/openid-credential-issuer",
        ] {
            let response = http.get(format!("{url}{path}")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body: Value = response.json().await.unwrap();
            assert!(body.is_object(), "{path}: {body}");
        }
    }
    assert_eq!(speaks_h2(&pki, running.addr).await, Some(b"h2".to_vec()));
    let metadata: Value = https(&pki, None)
        .build()
        .unwrap()
        .get(format!("{url}/.well-known/openid-credential-issuer"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["credential_issuer"], json!(url));
    let did: Value = https(&pki, None)
        .build()
        .unwrap()
        .get(format!("{url}/.well-known/did.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let port = running.addr.port();
    assert_eq!(did["id"], json!(format!("did:web:127.0.0.1%3A{port}")));
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_client_certificate_guards_every_scoped_route() {
    let pki = pki();
    let (running, admin) = start(&pki, pki.tls(true, AdminClientCert::Required), DidMethod::Key).await;
    let url = running.url();

    // A valid token on a connection without a certificate: 401 problem, naming the need.
    let anonymous = https(&pki, None).build().unwrap();
    let response = anonymous
        .get(format!("{url}/admin/credentials"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], json!(401));
    assert!(
        problem["detail"].as_str().unwrap().contains("client certificate"),
        "{problem}"
    );
    let (status, _) = issue(&anonymous, &url, Some(&admin), "E-0").await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The VC-API issue route takes a token too, so it also needs the certificate.
    let response = anonymous
        .post(format!("{url}/credentials/issue"))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // A certificate from a CA the server does not trust: the handshake fails (or, at the
    // latest, the route refuses).
    let stranger = https(&pki, Some(&pki.stranger)).build().unwrap();
    match issue(&stranger, &url, Some(&admin), "E-0").await {
        Err(e) => assert!(e.is_connect() || e.is_request(), "{e:?}"),
        Ok((status, body)) => assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}"),
    }

    // The right certificate and token: issued, and the audit log names both.
    let trusted = https(&pki, Some(&pki.client)).build().unwrap();
    let (status, issued) = issue(&trusted, &url, Some(&admin), "E-1").await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let response = trusted
        .get(format!("{url}/admin/credentials"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let audit: Value = trusted
        .get(format!("{url}/admin/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fingerprint: String = Sha256::digest(&pki.client.der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "issue")
        .unwrap();
    let actor = entry["actor"].as_str().unwrap();
    assert!(actor.starts_with("tok_"), "{actor}");
    assert!(actor.ends_with(&format!(" cert:{}", &fingerprint[..16])), "{actor}");

    // The right certificate without a token, or with a wrong one: still 401.
    let (status, problem) = issue(&trusted, &url, None, "E-2").await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(problem["detail"].as_str().unwrap().contains("Bearer"), "{problem}");
    let (status, _) = issue(&trusted, &url, Some("not-a-token"), "E-2").await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Public routes do not care either way.
    let response = trusted.get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    running.stop().await.unwrap();
}

#[test]
fn client_certificate_description() {
    let pki = pki();
    let cert = ClientCert::from_der(&pki.client.der);
    assert_eq!(cert.subject, "CN=hr-admin, O=Gangwon Province");
    assert_eq!(cert.fingerprint.len(), 64);
    assert_eq!(cert.short_fingerprint(), &cert.fingerprint[..16]);
    // Not a certificate: described by its digest only.
    assert_eq!(ClientCert::from_der(b"\x30\x84\xff\xff\xff\xff").subject, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_without_required_client_certificates_needs_only_the_token() {
    let pki = pki();
    for client_ca in [false, true] {
        let (running, admin) = start(&pki, pki.tls(client_ca, AdminClientCert::Off), DidMethod::Key).await;
        let url = running.url();
        assert!(url.starts_with("https://"), "{url}");
        let http = https(&pki, None).build().unwrap();
        let (status, body) = issue(&http, &url, Some(&admin), "E-1").await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "client_ca {client_ca}: {body}");
        assert!(body["id"].is_string(), "{body}");
        let (status, _) = issue(&http, &url, None, "E-2").await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        if client_ca {
            // A trusted certificate is still welcome, and named in the audit log.
            let trusted = https(&pki, Some(&pki.client)).build().unwrap();
            let (status, _) = issue(&trusted, &url, Some(&admin), "E-3").await.unwrap();
            assert_eq!(status, StatusCode::CREATED);
        }
        let audit: Value = http
            .get(format!("{url}/admin/audit"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let actors: Vec<&str> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "issue")
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert!(!actors[0].contains("cert:"), "{actors:?}");
        assert_eq!(actors.len(), if client_ca { 2 } else { 1 });
        if client_ca {
            assert!(actors[1].contains(" cert:"), "{actors:?}");
        }
        running.stop().await.unwrap();
        // The next round starts on a fresh database.
        std::fs::remove_dir_all(pki.path("data")).unwrap();
    }
}

fn config_error(config: Config) -> (String, String) {
    match config.validated() {
        Err(Error::Config { field, message }) => (field, message),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn configuration_errors_name_the_tls_setting() {
    let pki = pki();
    let with = |tls: TlsConfig| Config {
        tls: Some(tls),
        ..Config::default()
    };
    let good = pki.tls(true, AdminClientCert::Required);

    // HTTPS makes the default public URL https.
    let config = with(good.clone()).validated().unwrap();
    assert_eq!(config.public_url(), "https://127.0.0.1:8080");
    assert!(config.admin_client_cert_required());
    assert_eq!(
        Config::default().validated().unwrap().public_url(),
        "http://127.0.0.1:8080"
    );

    let missing = pki.path("nowhere.pem");
    let (field, message) = config_error(with(TlsConfig {
        cert: missing.clone(),
        ..good.clone()
    }));
    assert_eq!(field, "tls.cert");
    assert!(message.contains("nowhere.pem"), "{message}");
    let (field, _) = config_error(with(TlsConfig {
        key: missing.clone(),
        ..good.clone()
    }));
    assert_eq!(field, "tls.key");
    let (field, _) = config_error(with(TlsConfig {
        client_ca: Some(missing.clone()),
        ..good.clone()
    }));
    assert_eq!(field, "tls.client_ca");
    let (field, message) = config_error(with(TlsConfig {
        client_ca: None,
        ..good.clone()
    }));
    assert_eq!(field, "tls.admin_client_cert");
    assert!(message.contains("tls.client_ca"), "{message}");

    // Bad PEM: not PEM at all, a broken section, a key where a certificate belongs.
    let garbage = pki.path("garbage.pem");
    std::fs::write(&garbage, "hello\n").unwrap();
    let broken = pki.path("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();
    for bad in [&garbage, &broken, &pki.path("server.key")] {
        let (field, _) = config_error(with(TlsConfig {
            cert: bad.clone(),
            ..good.clone()
        }));
        assert_eq!(field, "tls.cert", "{}", bad.display());
        let (field, _) = config_error(with(TlsConfig {
            client_ca: Some(bad.clone()),
            ..good.clone()
        }));
        assert_eq!(field, "tls.client_ca", "{}", bad.display());
    }
    let (field, _) = config_error(with(TlsConfig {
        key: garbage.clone(),
        ..good.clone()
    }));
    assert_eq!(field, "tls.key");
    // A well-formed certificate that is not DER inside.
    let not_der = pki.path("not-der.pem");
    std::fs::write(
        &not_der,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let (field, _) = config_error(with(TlsConfig {
        cert: not_der,
        ..good.clone()
    }));
    assert_eq!(field, "tls.cert");
    // A key that does not belong to the certificate.
    let other_key = pki.path("other.key");
    std::fs::write(&other_key, &pki.client.key_pem).unwrap();
    let (field, message) = config_error(with(TlsConfig {
        key: other_key,
        ..good.clone()
    }));
    assert_eq!(field, "tls.key");
    assert!(message.contains("does not belong"), "{message}");

    // The environment: one variable alone starts [tls] and asks for the rest.
    let env = |pairs: Vec<(&'static str, String)>| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    };
    let cert = pki.path("server.pem").display().to_string();
    let key = pki.path("server.key").display().to_string();
    let ca = pki.path("ca.pem").display().to_string();
    let config = Config::default()
        .with_env(env(vec![("DOJANG_TLS_CERT", cert.clone())]))
        .unwrap();
    let (field, message) = config_error(config);
    assert_eq!(field, "tls.key");
    assert!(message.contains("DOJANG_TLS_KEY"), "{message}");
    let config = Config::default()
        .with_env(env(vec![
            ("DOJANG_TLS_CERT", cert.clone()),
            ("DOJANG_TLS_KEY", key.clone()),
            ("DOJANG_TLS_CLIENT_CA", ca.clone()),
            ("DOJANG_TLS_ADMIN_CLIENT_CERT", "required".into()),
        ]))
        .unwrap()
        .validated()
        .unwrap();
    assert_eq!(config.tls, Some(pki.tls(true, AdminClientCert::Required)));
    match Config::default().with_env(env(vec![("DOJANG_TLS_ADMIN_CLIENT_CERT", "yes".into())])) {
        Err(Error::Config { field, .. }) => assert_eq!(field, "DOJANG_TLS_ADMIN_CLIENT_CERT"),
        other => panic!("{other:?}"),
    }

    // The file form.
    let text = format!("[tls]\ncert = {cert:?}\nkey = {key:?}\nclient_ca = {ca:?}\nadmin_client_cert = \"required\"\n");
    let config = Config::from_toml(&text).unwrap().validated().unwrap();
    assert_eq!(config.tls, Some(pki.tls(true, AdminClientCert::Required)));
    let text = format!("[tls]\ncert = {cert:?}\nkey = {key:?}\nadmin_client_cert = \"sometimes\"\n");
    assert!(matches!(Config::from_toml(&text), Err(Error::Config { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_and_garbage_on_the_tls_port_do_not_stop_the_server() {
    let pki = pki();
    let (running, _) = start(&pki, pki.tls(true, AdminClientCert::Required), DidMethod::Key).await;
    let addr = running.addr;

    // A plain-HTTP client gets a clean refusal: a 400 saying to use https.
    for _ in 0..2 {
        let response = reqwest::get(format!("http://{addr}/health")).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap().contains("https://"));
    }
    // Connect and leave; send bytes that are not TLS; start a handshake and hang up halfway.
    drop(tokio::net::TcpStream::connect(addr).await.unwrap());
    let mut junk = tokio::net::TcpStream::connect(addr).await.unwrap();
    junk.write_all(&[0u8; 64]).await.unwrap();
    let mut answer = Vec::new();
    let _ = junk.read_to_end(&mut answer).await;
    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).await.unwrap();
    drop(half);

    // Still serving HTTPS, including while a client sits on an unfinished handshake.
    let _stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    let http = https(&pki, None).build().unwrap();
    for _ in 0..3 {
        let response = http.get(format!("{}/health", running.url())).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    running.stop().await.unwrap();
}

/// Finding 1 of the hardening review, over TLS: after the handshake, a client that sends
/// nothing, trickles a request line, or opens HTTP/2 and stays silent held its connection for
/// ever. Now each is closed after the header timeout (here 1 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_trickling_tls_connections_are_closed_after_the_header_timeout() {
    let pki = pki();
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: pki.path("data"),
        tls: Some(pki.tls(false, AdminClientCert::Off)),
        ..Config::default()
    };
    config.did.method = DidMethod::Key;
    config.limits.header_timeout_seconds = 1;
    let running = server::start(config.validated().unwrap()).await.unwrap();
    let addr = running.addr;
    let second = std::time::Duration::from_secs(1);

    let mut silent = tls_connect(&pki, addr, b"http/1.1").await;
    let mut trickling = tls_connect(&pki, addr, b"http/1.1").await;
    let mut silent_h2 = tls_connect(&pki, addr, b"h2").await;
    assert_eq!(silent_h2.get_ref().1.alpn_protocol(), Some(b"h2".as_slice()));
    silent_h2.write_all(H2_PREFACE).await.unwrap();
    let trickle = tokio::spawn(async move {
        for byte in b"GET /health HTTP/1.1\r\nHost: x\r\n" {
            if trickling.write_all(&[*byte]).await.is_err() || trickling.flush().await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        open_for(&mut trickling).await
    });
    let waited = open_for(&mut silent).await;
    assert!(waited < 4 * second, "a silent TLS connection stayed {waited:?}");
    let waited = open_for(&mut silent_h2).await;
    assert!(waited < 4 * second, "a silent HTTP/2 connection stayed {waited:?}");
    let waited = trickle.await.unwrap();
    assert!(waited < 4 * second, "a trickling TLS connection stayed {waited:?}");

    // The service still answers, over both protocols.
    let http = https(&pki, None).http1_only().build().unwrap();
    let response = http.get(format!("{}/health", running.url())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(speaks_h2(&pki, addr).await, Some(b"h2".to_vec()));
    running.stop().await.unwrap();
}
