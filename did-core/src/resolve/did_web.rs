//! `did:web`: the DID document is fetched over HTTPS from the domain the DID names.

use async_trait::async_trait;

use super::{Resolution, ResolutionError, ResolutionOptions, Resolver};
use crate::did::Did;
use crate::document::{Document, Representation};
use crate::http::{self, FetchError};

/// Largest DID document a did:web resolver downloads (256 KiB).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// The HTTPS URL of a did:web DID's document (did:web method spec §3.2):
/// `did:web:example.com` → `https://example.com/.well-known/did.json`,
/// `did:web:example.com:user:alice` → `https://example.com/user/alice/did.json`,
/// `did:web:example.com%3A8443` → `https://example.com:8443/.well-known/did.json`.
pub fn did_web_url(did: &Did) -> Result<String, ResolutionError> {
    url_with_scheme(did, "https")
}

fn url_with_scheme(did: &Did, scheme: &str) -> Result<String, ResolutionError> {
    let invalid = |reason: &str| ResolutionError::InvalidMethodSpecificId {
        method: "web",
        reason: reason.to_owned(),
    };
    if did.method() != "web" {
        return Err(ResolutionError::MethodNotSupported(did.method().to_owned()));
    }
    let mut parts = did.method_specific_id().split(':');
    let host = parts.next().unwrap_or_default();
    // Only the port separator may be percent-encoded in the host.
    let host = host.replace("%3A", ":").replace("%3a", ":");
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !name_ok {
        return Err(invalid("the host is not a valid domain name"));
    }
    if let Some(port) = port
        && (port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(invalid("the port is not a number"));
    }
    let mut path = String::new();
    for segment in parts {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains('%') {
            return Err(invalid("a path segment is empty, a dot segment, or percent-encoded"));
        }
        path.push('/');
        path.push_str(segment);
    }
    if path.is_empty() {
        path.push_str("/.well-known");
    }
    Ok(format!("{scheme}://{}{path}/did.json", host.to_ascii_lowercase()))
}

/// Resolves did:web DIDs over HTTPS (reqwest with rustls), with a timeout, a size
/// limit, no cookies, and at most three redirects.
#[derive(Debug, Clone)]
pub struct WebResolver {
    client: reqwest::Client,
    scheme: &'static str,
    public_only: bool,
}

impl WebResolver {
    /// An HTTPS-only resolver with a 10-second timeout.
    pub fn new() -> Result<WebResolver, ResolutionError> {
        Self::trusting(&http::TrustAnchors::platform())
    }

    /// An HTTPS-only resolver that fetches from public addresses only
    /// ([`crate::http::public_client`]): for DIDs a stranger chooses (a wallet's key id), so
    /// that resolving one cannot make the service reach loopback or its private network.
    pub fn public_only() -> Result<WebResolver, ResolutionError> {
        Ok(WebResolver {
            client: http::public_client(true).map_err(ResolutionError::Transport)?,
            scheme: "https",
            public_only: true,
        })
    }

    /// A resolver that fetches over plain **HTTP**, for tests against a server on
    /// 127.0.0.1 only. Never use it in production: anyone on the path can forge documents.
    pub fn danger_plain_http_for_testing() -> Result<WebResolver, ResolutionError> {
        Self::build(false)
    }

    /// An HTTPS-only resolver trusting `anchors` (an Android app's system trust store, a
    /// deployment's own CA), or the platform's verifier for [`http::TrustAnchors::platform`].
    pub fn trusting(anchors: &http::TrustAnchors) -> Result<WebResolver, ResolutionError> {
        Ok(WebResolver {
            client: http::client_trusting(true, anchors).map_err(ResolutionError::Transport)?,
            scheme: "https",
            public_only: false,
        })
    }

    fn build(https: bool) -> Result<WebResolver, ResolutionError> {
        Ok(WebResolver {
            client: http::client(https).map_err(ResolutionError::Transport)?,
            scheme: if https { "https" } else { "http" },
            public_only: false,
        })
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, ResolutionError> {
        const ACCEPT: &str = "application/did+json, application/did+ld+json, application/json";
        http::get_bounded(&self.client, url, ACCEPT, MAX_DOCUMENT_BYTES)
            .await
            .map_err(|e| match e {
                FetchError::NotFound => ResolutionError::NotFound,
                FetchError::TooLarge => ResolutionError::TooLarge {
                    limit: MAX_DOCUMENT_BYTES,
                },
                FetchError::Transport(why) => ResolutionError::Transport(why),
            })
    }
}

#[async_trait]
impl Resolver for WebResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        options.representation()?;
        let url = url_with_scheme(did, self.scheme)?;
        if self.public_only
            && let Some(ip) = reqwest::Url::parse(&url)
                .ok()
                .and_then(|u| u.host_str().and_then(|h| h.parse::<std::net::IpAddr>().ok()))
            && !http::is_public(ip)
        {
            return Err(ResolutionError::Transport(format!(
                "{ip} is not a public address: this resolver does not fetch from it"
            )));
        }
        let body = self.fetch(&url).await?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| ResolutionError::Transport("the DID document is not UTF-8".to_owned()))?;
        let document = Document::from_json(text).map_err(ResolutionError::InvalidDocument)?;
        if document.id != *did {
            return Err(ResolutionError::DocumentIdMismatch {
                found: document.id.as_str().chars().take(128).collect(),
            });
        }
        let representation = if document.context.is_some() {
            Representation::JsonLd
        } else {
            Representation::Json
        };
        Ok(Resolution::new(document, representation))
    }
}
