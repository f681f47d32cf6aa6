//! X.509 chain validation against a fixed root: the input is split into certificates, each a
//! 2-byte big-endian length and that many bytes. Must never panic.
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use verifier::x509::{self, TrustAnchors};

/// A P-256 root made with openssl for this target (valid 2026-11-22 to 2036-11-19).
const ROOT: &str = "-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUf/Nyk5ORz7FuzMqvVqwV9T08jDIwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQRG9qYW5nIEZ1enogUm9vdDAeFw0yNjExMjIwNjE0MzBaFw0z
NjExMTkwNjE0MzBaMBsxGTAXBgNVBAMMEERvamFuZyBGdXp6IFJvb3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASeN+3RZ4v2RN47EVHymVlvndeFGTXksLDrS82w
6FO89kLkK3TbJUfabjB+gZC2KchQk/+LC838aLEwkSgBu9pyo2MwYTAdBgNVHQ4E
FgQUUo8Cci6xSKyax/kbgZSlRqD4FoowHwYDVR0jBBgwFoAUUo8Cci6xSKyax/kb
gZSlRqD4FoowDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZI
zj0EAwIDSQAwRgIhAL5cuIAxg5rg3hMxEPkFdu1FQvwr8jr1B2cPZOqjGRQLAiEA
12mm80BA88daXzcRfZ55akQvMM9IjxHuQZd2vQSmPwE=
-----END CERTIFICATE-----
";

fn anchors() -> &'static TrustAnchors {
    static ANCHORS: OnceLock<TrustAnchors> = OnceLock::new();
    ANCHORS.get_or_init(|| TrustAnchors::from_pem(ROOT.as_bytes()).unwrap())
}

fn split(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut certs = Vec::new();
    while let [hi, lo, rest @ ..] = data {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (cert, tail) = rest.split_at(len);
        certs.push(cert.to_vec());
        data = tail;
    }
    certs
}

/// Runs one input; the `x509_chain` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let chain = split(data);
    // 2030-01-01T00:00:00Z.
    let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
    if let Ok(key) = x509::verify_chain(&chain, anchors(), now) {
        let _ = x509::check_key(&key, &key);
    }
    let _ = x509::verify_chain(&chain, anchors(), SystemTime::UNIX_EPOCH);
    let _ = TrustAnchors::from_der(chain);
}
