//! The service configuration: embedded defaults, a TOML file, then environment variables,
//! validated once at start so that a bad setting stops the service with a message naming it.
//!
//! | file key | variable | default |
//! |---|---|---|
//! | `listen` | `DOJANG_LISTEN` | `127.0.0.1:8080` |
//! | `public_url` | `DOJANG_PUBLIC_URL` | `http://<listen>` |
//! | `data_dir` | `DOJANG_DATA_DIR` | `./data` |
//! | `database_url` | `DATABASE_URL` | `sqlite://<data_dir>/issuer.db` |
//! | `max_body_bytes` | `DOJANG_MAX_BODY_BYTES` | 1 MiB |
//! | `templates_dir` | `DOJANG_TEMPLATES_DIR` | none (the built-in types only) |
//! | `did.method` | `DOJANG_DID_METHOD` | `dojang` (`web`, `key`) |
//! | `did.web_host` | `DOJANG_DID_WEB_HOST` | the public URL's host |
//! | `registry.url` | `DOJANG_REGISTRY_URL` | none: an in-process registry under `/registry` |
//! | `registry.write_token_file` | `DOJANG_REGISTRY_WRITE_TOKEN_FILE` | none: the node takes writes without a token |
//! | `status.list_size` | | 131,072 |
//! | `status.max_age_seconds` | | 60 |
//! | `offers.ttl_seconds` | | 7 days |
//! | `offers.pin_key_file` | | `<data_dir>/pin-key`: the key PINs are hashed with (HMAC) |
//! | `limits.max_connections` | | 1,024 |
//! | `limits.max_connections_per_client` | | a quarter of `max_connections` (256) |
//! | `limits.header_timeout_seconds` | | 10 (HTTP and HTTPS; HTTP/2: time with no request in flight) |
//! | `limits.request_timeout_seconds` | | 30 |
//! | `limits.oid4vci_requests_per_minute` | | 300 per client (`/token`, `/nonce`, `/credential`) |
//! | `limits.wrong_pins_per_client` | | 5 per client per `limits.wrong_pin_window_minutes` (15) |
//! | `limits.did_resolutions_per_offer` | | 10 holder DID resolutions per offer per hour |
//! | `holders.did_web_private_addresses` | | `false`: a wallet's did:web is fetched from public addresses only |
//! | `key` | `DOJANG_KEY_PASSPHRASE`, `DOJANG_PKCS11_PIN` | a key file under `data_dir` |
//! | `tls.cert` | `DOJANG_TLS_CERT` | none: plain HTTP (with `tls.key`: HTTPS) |
//! | `tls.key` | `DOJANG_TLS_KEY` | none |
//! | `tls.client_ca` | `DOJANG_TLS_CLIENT_CA` | none: no client certificates asked for |
//! | `tls.admin_client_cert` | `DOJANG_TLS_ADMIN_CLIENT_CERT` | `off` (`required`) |

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;
use crate::keys::KeyConfig;
pub use crate::tls::{AdminClientCert, TlsConfig};

/// The largest configuration file read.
const MAX_CONFIG_LEN: u64 = 256 * 1024;

/// Which DID method the issuer's own DID uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DidMethod {
    /// did:dojang on the registry (in-process unless `registry.url` is set).
    Dojang,
    /// did:web at the public URL's host, served at `/.well-known/did.json`.
    Web,
    /// did:key (no registry; for trials).
    Key,
}

/// `[did]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DidConfig {
    /// The method.
    pub method: DidMethod,
    /// For did:web: the host (and optional `%3A`-encoded port) of the DID.
    pub web_host: Option<String>,
}

impl Default for DidConfig {
    fn default() -> DidConfig {
        DidConfig {
            method: DidMethod::Dojang,
            web_host: None,
        }
    }
}

/// `[registry]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryConfig {
    /// Base URL of a registry-anchor node. Unset: the service runs its own registry in-process.
    pub url: Option<String>,
    /// The node's operator key (did:key, JWK or file) to verify its answers; required with `url`.
    pub key: Option<String>,
    /// A file holding the node's write token, for a node that takes writes only with one
    /// (`registry-anchor serve --write-token-file`).
    pub write_token_file: Option<PathBuf>,
}

/// `[status]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Entries per status list (at least 131,072, the W3C minimum, for herd privacy).
    pub list_size: u64,
    /// `Cache-Control: max-age` of published lists, in seconds.
    pub max_age_seconds: u64,
}

impl Default for StatusConfig {
    fn default() -> StatusConfig {
        StatusConfig {
            list_size: did_core::status::MIN_ENTRIES,
            max_age_seconds: 60,
        }
    }
}

/// `[offers]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OfferConfig {
    /// How long a credential offer (pre-authorized code) can be redeemed, in seconds.
    pub ttl_seconds: u64,
    /// Digits of the transaction code (PIN); 0 sends offers without one.
    pub pin_digits: u8,
    /// The key PINs are hashed with (default `<data_dir>/pin-key`, made on first start);
    /// issuers sharing one database share this file.
    pub pin_key_file: Option<PathBuf>,
}

impl Default for OfferConfig {
    fn default() -> OfferConfig {
        OfferConfig {
            ttl_seconds: 7 * 24 * 3600,
            pin_digits: 6,
            pin_key_file: None,
        }
    }
}

/// `[limits]`: the server's connection limits (`did_core::server::Limits`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitConfig {
    /// Open connections at most; one more is closed at once.
    pub max_connections: usize,
    /// Open connections from one client (IP address, IPv6 /64) at most; 0: a quarter of
    /// `max_connections`.
    pub max_connections_per_client: usize,
    /// Seconds a client has to send a request's headers (also the keep-alive idle time; an
    /// HTTP/2 connection is closed after as long with no request in flight).
    pub header_timeout_seconds: u64,
    /// Seconds a request may take to be answered (then 503 `timeout`).
    pub request_timeout_seconds: u64,
    /// Requests a client (an IP address, an IPv6 /64) may make to `/token`, `/nonce` and
    /// `/credential` per minute; more get 429 `rate_limited` with `Retry-After`.
    pub oid4vci_requests_per_minute: u32,
    /// Wrong PINs a client may send, across every offer, per
    /// [`wrong_pin_window_minutes`](LimitConfig::wrong_pin_window_minutes); then its `/token`
    /// requests get 429 until the window ends. The offer itself locks only after more wrong
    /// PINs from several clients.
    pub wrong_pins_per_client: u32,
    /// The window of [`wrong_pins_per_client`](LimitConfig::wrong_pins_per_client), in minutes.
    pub wrong_pin_window_minutes: u64,
    /// Holder DIDs one offer's key proofs may make the issuer resolve per hour (a did:web key
    /// id is a fetch where the wallet points); then 429.
    pub did_resolutions_per_offer: u32,
}

impl Default for LimitConfig {
    fn default() -> LimitConfig {
        let limits = did_core::server::Limits::default();
        LimitConfig {
            max_connections: limits.max_connections,
            max_connections_per_client: 0,
            header_timeout_seconds: limits.header_read_timeout.as_secs(),
            request_timeout_seconds: limits.request_timeout.as_secs(),
            oid4vci_requests_per_minute: 300,
            wrong_pins_per_client: 5,
            wrong_pin_window_minutes: 15,
            did_resolutions_per_offer: 10,
        }
    }
}

impl LimitConfig {
    /// The limits as the server takes them.
    pub fn limits(&self) -> did_core::server::Limits {
        did_core::server::Limits::from_secs(
            self.max_connections,
            self.header_timeout_seconds,
            self.request_timeout_seconds,
        )
        .per_client(self.max_connections_per_client)
    }
}

/// `[holders]`: how the DIDs wallets name (their proofs' key ids) are resolved.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HolderConfig {
    /// Also fetch a holder's did:web document from loopback, private and link-local
    /// addresses (a lab, or wallets hosted on the intranet). Off by default: a key id a
    /// stranger chooses must not make the issuer reach its own network.
    pub did_web_private_addresses: bool,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The socket address to listen on.
    pub listen: String,
    /// The URL wallets and verifiers reach the service at (no trailing slash).
    pub public_url: Option<String>,
    /// Where the SQLite file, key file and in-process registry live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`.
    pub database_url: Option<String>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// A folder of extra credential templates (`*.json`).
    pub templates_dir: Option<PathBuf>,
    /// The issuer key.
    pub key: KeyConfig,
    /// The issuer DID.
    pub did: DidConfig,
    /// The DID registry.
    pub registry: RegistryConfig,
    /// Status lists.
    pub status: StatusConfig,
    /// Credential offers.
    pub offers: OfferConfig,
    /// How holders' DIDs are resolved.
    pub holders: HolderConfig,
    /// Connection limits.
    pub limits: LimitConfig,
    /// HTTPS; unset, the service speaks plain HTTP (behind a TLS-terminating proxy).
    pub tls: Option<TlsConfig>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            max_body_bytes: 1024 * 1024,
            templates_dir: None,
            key: KeyConfig::default(),
            did: DidConfig::default(),
            registry: RegistryConfig::default(),
            status: StatusConfig::default(),
            offers: OfferConfig::default(),
            holders: HolderConfig::default(),
            limits: LimitConfig::default(),
            tls: None,
        }
    }
}

impl Config {
    /// Reads `path` (TOML) if given, applies the environment, and validates.
    pub fn load(path: Option<&Path>) -> Result<Config, Error> {
        Config::load_unchecked(path)?.validated()
    }

    /// The embedded defaults, then the file at `path`, then the environment, not yet
    /// [validated](Config::validated): for a command line that overrides a setting last.
    pub fn load_unchecked(path: Option<&Path>) -> Result<Config, Error> {
        let config = match path {
            Some(path) => Config::from_toml(&read_config(path)?)?,
            None => Config::default(),
        };
        config.with_env(|name| std::env::var(name).ok())
    }

    /// Parses TOML text (without environment or validation).
    pub fn from_toml(text: &str) -> Result<Config, Error> {
        toml::from_str(text).map_err(|e| {
            let field = e
                .span()
                .map(|span| {
                    let (line, column) = did_core::json::line_and_column(text, span.start);
                    format!("line {line}, column {column}")
                })
                .unwrap_or_else(|| "file".into());
            Error::config(field, e.message().to_owned())
        })
    }

    /// Applies environment variables read through `var`.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        if let Some(v) = var("DOJANG_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("DOJANG_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = var("DOJANG_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("DOJANG_MAX_BODY_BYTES") {
            self.max_body_bytes = v
                .parse()
                .map_err(|_| Error::config("DOJANG_MAX_BODY_BYTES", "expected a number of bytes"))?;
        }
        if let Some(v) = var("DOJANG_TEMPLATES_DIR") {
            self.templates_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = var("DOJANG_DID_METHOD") {
            self.did.method = match v.as_str() {
                "dojang" => DidMethod::Dojang,
                "web" => DidMethod::Web,
                "key" => DidMethod::Key,
                _ => return Err(Error::config("DOJANG_DID_METHOD", "expected dojang, web or key")),
            };
        }
        if let Some(v) = var("DOJANG_DID_WEB_HOST") {
            self.did.web_host = Some(v);
        }
        if let Some(v) = var("DOJANG_REGISTRY_URL") {
            self.registry.url = Some(v);
        }
        if let Some(v) = var("DOJANG_REGISTRY_KEY") {
            self.registry.key = Some(v);
        }
        if let Some(v) = var("DOJANG_REGISTRY_WRITE_TOKEN_FILE") {
            self.registry.write_token_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("DOJANG_TLS_CERT") {
            self.tls.get_or_insert_with(TlsConfig::default).cert = PathBuf::from(v);
        }
        if let Some(v) = var("DOJANG_TLS_KEY") {
            self.tls.get_or_insert_with(TlsConfig::default).key = PathBuf::from(v);
        }
        if let Some(v) = var("DOJANG_TLS_CLIENT_CA") {
            self.tls.get_or_insert_with(TlsConfig::default).client_ca = Some(PathBuf::from(v));
        }
        if let Some(v) = var("DOJANG_TLS_ADMIN_CLIENT_CERT") {
            self.tls.get_or_insert_with(TlsConfig::default).admin_client_cert = match v.as_str() {
                "off" => AdminClientCert::Off,
                "required" => AdminClientCert::Required,
                _ => {
                    return Err(Error::config(
                        "DOJANG_TLS_ADMIN_CLIENT_CERT",
                        "expected off or required",
                    ));
                }
            };
        }
        Ok(self)
    }

    /// Checks every setting, filling the derived defaults (`public_url`, `database_url`).
    /// With `[tls]`, the certificate, key and client CA files are read and checked here.
    pub fn validated(mut self) -> Result<Config, Error> {
        if self.limits.max_connections == 0 {
            return Err(Error::config("limits.max_connections", "must be at least 1"));
        }
        for (field, value) in [
            (
                "limits.oid4vci_requests_per_minute",
                u64::from(self.limits.oid4vci_requests_per_minute),
            ),
            (
                "limits.wrong_pins_per_client",
                u64::from(self.limits.wrong_pins_per_client),
            ),
            ("limits.wrong_pin_window_minutes", self.limits.wrong_pin_window_minutes),
            (
                "limits.did_resolutions_per_offer",
                u64::from(self.limits.did_resolutions_per_offer),
            ),
        ] {
            if value == 0 {
                return Err(Error::config(field, "must be at least 1"));
            }
        }
        if self.limits.header_timeout_seconds == 0 || self.limits.request_timeout_seconds == 0 {
            return Err(Error::config("limits", "timeouts must be at least 1 second"));
        }
        let listen: SocketAddr = self
            .listen
            .parse()
            .map_err(|_| Error::config("listen", format!("{:?} is not an address:port", self.listen)))?;
        if let Some(tls) = &self.tls {
            crate::tls::server_config(tls)?;
        }
        let scheme = self.scheme();
        let public = self.public_url.take().unwrap_or_else(|| format!("{scheme}://{listen}"));
        let public = public.trim_end_matches('/').to_owned();
        if !(public.starts_with("http://") || public.starts_with("https://")) {
            return Err(Error::config("public_url", "must start with http:// or https://"));
        }
        self.public_url = Some(public);
        let database = match self.database_url.take() {
            Some(url) => url,
            None => format!("sqlite://{}", self.data_dir.join("issuer.db").display()),
        };
        if !(database.starts_with("sqlite:")
            || database.starts_with("postgres://")
            || database.starts_with("postgresql://"))
        {
            return Err(Error::config("database_url", "must be sqlite://... or postgres://..."));
        }
        self.database_url = Some(database);
        if self.max_body_bytes < 1024 {
            return Err(Error::config("max_body_bytes", "must be at least 1024"));
        }
        if self.status.list_size < did_core::status::MIN_ENTRIES || !self.status.list_size.is_multiple_of(8) {
            return Err(Error::config(
                "status.list_size",
                format!("must be a multiple of 8 and at least {}", did_core::status::MIN_ENTRIES),
            ));
        }
        if self.offers.pin_digits > 12 {
            return Err(Error::config("offers.pin_digits", "at most 12"));
        }
        if self.registry.url.is_some() && self.registry.key.is_none() {
            return Err(Error::config(
                "registry.key",
                "a remote registry needs its operator key to verify answers",
            ));
        }
        if self.did.method == DidMethod::Web && self.did_web_host().is_none() {
            return Err(Error::config("did.web_host", "cannot derive a host from public_url"));
        }
        Ok(self)
    }

    /// The listen address (valid after [`Config::validated`]).
    pub fn listen_addr(&self) -> Result<SocketAddr, Error> {
        self.listen
            .parse()
            .map_err(|_| Error::config("listen", "not an address:port"))
    }

    /// `https` with `[tls]`, else `http`: the scheme the service itself speaks.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// Whether token-scoped routes also need a verified client certificate.
    pub fn admin_client_cert_required(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|tls| tls.admin_client_cert == AdminClientCert::Required)
    }

    /// The public base URL (no trailing slash).
    pub fn public_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or("http://127.0.0.1:8080")
    }

    /// The database URL.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("issuer.db").display()))
    }

    /// Where the PIN key is: `offers.pin_key_file`, or `pin-key` in the data folder.
    pub fn pin_key_path(&self) -> PathBuf {
        self.offers
            .pin_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::pin_key::DEFAULT_FILE))
    }

    /// The did:web host: `did.web_host`, or the public URL's host with `:` as `%3A`.
    pub fn did_web_host(&self) -> Option<String> {
        if let Some(host) = &self.did.web_host {
            return Some(host.clone());
        }
        let rest = self.public_url().split_once("://")?.1;
        let authority = rest.split('/').next()?;
        (!authority.is_empty()).then(|| authority.replace(':', "%3A"))
    }
}

fn read_config(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let mut text = String::new();
    file.take(MAX_CONFIG_LEN + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if text.len() as u64 > MAX_CONFIG_LEN {
        return Err(Error::config(
            "file",
            format!("{} is over {MAX_CONFIG_LEN} bytes", path.display()),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    /// The shipped example parses into what its comments say; its TLS files do not exist
    /// here, so validation stops at the first of them, naming it.
    #[test]
    fn the_example_configuration_parses() {
        let config = Config::from_toml(include_str!("../dojang.example.toml")).unwrap();
        assert_eq!(config.listen, "0.0.0.0:8443");
        assert_eq!(
            config.database_url.as_deref(),
            Some("postgres://dojang@db.internal/dojang")
        );
        assert_eq!(config.did.method, DidMethod::Web);
        assert_eq!(config.offers.pin_digits, 6);
        assert!(matches!(config.key, KeyConfig::Pkcs11 { .. }));
        assert_eq!(config.key.secret_env(), "DOJANG_PKCS11_PIN");
        match config.validated() {
            Err(Error::Config { field, .. }) => assert!(field.starts_with("tls."), "{field}"),
            other => panic!("expected a tls.* configuration error, got {other:?}"),
        }
    }

    /// Holders' did:web documents come from public addresses only unless the file says so.
    #[test]
    fn holders_did_web_is_public_only_by_default() {
        assert!(!Config::default().holders.did_web_private_addresses);
        let lab = Config::from_toml("[holders]\ndid_web_private_addresses = true\n").unwrap();
        assert!(lab.holders.did_web_private_addresses);
        assert!(Config::from_toml("[holders]\nunknown = 1\n").is_err());
    }
}
