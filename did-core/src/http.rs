//! The one HTTP client setup and bounded GET, shared by did:web resolution, status lists and
//! the did:dojang registry client (feature `did-web`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Why a bounded GET failed; each caller maps it to its own error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// HTTP 404 or 410.
    NotFound,
    /// The declared or received body is over the limit.
    TooLarge,
    /// Connection, TLS, timeout, or a non-success status.
    Transport(String),
}

/// The certificate authorities a client trusts for HTTPS: the platform's (the default: the
/// operating system's verifier, through rustls-platform-verifier), or exactly the ones given.
///
/// Give anchors where the platform verifier cannot run or is not wanted: an Android app that
/// hands over its system trust store (the platform verifier needs a JNI set-up there), a
/// closed deployment with its own CA, a test CA.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    certificates: Vec<reqwest::Certificate>,
}

impl TrustAnchors {
    /// The platform's verifier and roots.
    pub fn platform() -> TrustAnchors {
        TrustAnchors::default()
    }

    /// Exactly these CA certificates (DER), and no other. An empty list is refused: it would
    /// trust nothing, where [`TrustAnchors::platform`] is what "no anchors" means.
    pub fn only<I, C>(certificates: I) -> Result<TrustAnchors, String>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let certificates = certificates
            .into_iter()
            .enumerate()
            .map(|(i, der)| reqwest::Certificate::from_der(der.as_ref()).map_err(|e| format!("trust anchor {i}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if certificates.is_empty() {
            return Err("no trust anchor given".into());
        }
        // reqwest reads the bytes only when a client is built: build one now, so that a
        // certificate that does not parse is refused here, by its position.
        let usable = |certificates: &[reqwest::Certificate]| {
            reqwest::Client::builder()
                .tls_certs_only(certificates.iter().cloned())
                .build()
                .is_ok()
        };
        if !usable(&certificates) {
            let bad = certificates
                .iter()
                .position(|certificate| !usable(std::slice::from_ref(certificate)))
                .unwrap_or_default();
            return Err(format!("trust anchor {bad}: not a usable DER X.509 certificate"));
        }
        Ok(TrustAnchors { certificates })
    }

    /// Whether these are the platform's.
    pub fn is_platform(&self) -> bool {
        self.certificates.is_empty()
    }

    /// Makes `builder`'s client trust these anchors (nothing to do for the platform's).
    pub fn configure(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        if self.is_platform() {
            builder
        } else {
            builder.tls_certs_only(self.certificates.iter().cloned())
        }
    }
}

/// A client with a 10 s timeout, a 5 s connect timeout, at most three redirects, no cookies,
/// and HTTPS only unless `https_only` is false (tests against 127.0.0.1).
pub fn client(https_only: bool) -> Result<reqwest::Client, String> {
    client_trusting(https_only, &TrustAnchors::platform())
}

/// [`client`], trusting `anchors` for HTTPS.
pub fn client_trusting(https_only: bool, anchors: &TrustAnchors) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .https_only(https_only)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("dojang-did-core/", env!("CARGO_PKG_VERSION")));
    anchors.configure(builder).build().map_err(|e| e.to_string())
}

/// [`client`] that connects to public addresses only: a name that resolves to loopback, a
/// private, link-local, shared or reserved range (or only to such) is refused before any
/// connection, and so is a redirect to an IP address in one. Redirects are followed at most
/// three times and each target's name goes through the same check, so DNS answers cannot
/// point the client inward (server-side request forgery through a URL someone else chose).
/// An IP address written in the URL itself is the caller's to check ([`is_public`]): reqwest
/// does not look it up.
pub fn public_client(https_only: bool) -> Result<reqwest::Client, String> {
    public_client_trusting(https_only, &TrustAnchors::platform())
}

/// [`public_client`], trusting `anchors` for HTTPS.
pub fn public_client_trusting(https_only: bool, anchors: &TrustAnchors) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .https_only(https_only)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .dns_resolver(Arc::new(PublicOnly))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let literal = attempt.url().host_str().and_then(|host| {
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .ok()
            });
            if attempt.previous().len() > 3 {
                attempt.error("too many redirects")
            } else if literal.is_some_and(|ip| !is_public(ip)) {
                attempt.error("a redirect to an address that is not public")
            } else {
                attempt.follow()
            }
        }))
        .user_agent(concat!("dojang-did-core/", env!("CARGO_PKG_VERSION")));
    anchors.configure(builder).build().map_err(|e| e.to_string())
}

/// Whether `ip` is an address on the public internet: not unspecified, loopback, private
/// (RFC 1918, IPv6 unique local), link-local, shared (100.64/10), documentation, benchmarking,
/// multicast, broadcast or reserved; an IPv4-mapped IPv6 address is judged as its IPv4 one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && second == 0x0db8)
        || (first == 0x0064 && second == 0xff9b))
}

/// A DNS resolver that keeps only public addresses ([`is_public`]).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// GETs `url` with `accept`, reading at most `max_bytes` of body.
pub async fn get_bounded(
    client: &reqwest::Client,
    url: &str,
    accept: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let transport = |e: reqwest::Error| {
        // reqwest says only "builder error" for a URL it will not request: name the reason.
        if e.is_builder() {
            match reqwest::Url::parse(url) {
                Err(_) => return FetchError::Transport("not a valid URL".into()),
                Ok(parsed) if parsed.scheme() == "http" => {
                    return FetchError::Transport("a plain http:// URL; this client fetches over HTTPS only".into());
                }
                Ok(_) => {}
            }
        }
        // The causes too ("error sending request" alone does not say a name was refused).
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        FetchError::Transport(message)
    };
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        return Err(FetchError::NotFound);
    }
    if !status.is_success() {
        return Err(FetchError::Transport(format!("HTTP status {}", status.as_u16())));
    }
    read_bounded(response, max_bytes).await
}

/// Reads a response's body, at most `max_bytes` of it (checked against the declared length
/// first, then while streaming), whatever its status.
pub async fn read_bounded(mut response: reqwest::Response, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > max_bytes as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::Transport(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for inward in [
            "0.0.0.0",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "64:ff9b::7f00:1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(inward.parse().unwrap()), "{inward}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
