//! The key and certificate a door signs its OpenID4VP Request Objects with (`x509_hash:`
//! client id): one the operator gives (`verifier serve --request-cert chain.pem --request-key
//! key.pem`), or a P-256 key and self-signed certificate made on the door's first start and
//! kept in its data folder, so its client id stays the same across restarts.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use did_core::key::{KeyError, KeyType, Signer, VerifyingKey};
use x509_parser::pem::Pem;
use zeroize::Zeroizing;

use crate::Error;

/// The largest certificate chain or key PEM read.
pub const MAX_PEM_LEN: usize = 64 * 1024;

/// How long a certificate made by the door stays valid.
const GENERATED_VALIDITY_DAYS: i64 = 365;

/// A stored certificate this close to its end is replaced by a new one at start.
const RENEW_WITHIN_DAYS: i64 = 30;

/// The file, in the door's data folder, holding the certificate and key the door made.
pub const STORED_FILE: &str = "request-signer.pem";

/// What [`RequestSigner::stored`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The certificate and key of an earlier start were used.
    Kept,
    /// A new key and certificate were made and stored: on first start, or because the stored
    /// certificate did not name the door's host or was about to end.
    Made,
}

/// A door's Request Object signing key with its certificate chain (leaf first, DER).
#[derive(Clone)]
pub struct RequestSigner {
    signer: Arc<dyn Signer>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestSigner")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl RequestSigner {
    /// A fresh P-256 key and a self-signed certificate for `host` (a DNS name or an IP
    /// address: the host of the door's public URL), valid for a year.
    pub fn generate(host: &str) -> Result<RequestSigner, Error> {
        Ok(Self::make(host)?.0)
    }

    /// The signer kept in `dir` ([`STORED_FILE`]): the certificate and key an earlier start
    /// made there, or new ones for `host`, stored there (file mode 0600, written whole or not
    /// at all) when there are none, when the stored certificate does not name `host`, or when
    /// it ends within 30 days of `now`. A stored file that cannot be read is an error, never
    /// replaced: it holds the door's identity towards wallets.
    pub fn stored(dir: &Path, host: &str, now: time::OffsetDateTime) -> Result<(RequestSigner, Stored), Error> {
        let path = dir.join(STORED_FILE);
        match crate::files::read_limited_bytes(&path, 2 * MAX_PEM_LEN) {
            Ok(pem) => {
                let pem = Zeroizing::new(pem);
                let signer = Self::from_stored(&pem).map_err(|e| {
                    Error::RequestSigner(format!(
                        "{}: {e} (move it away to make a new key and certificate)",
                        path.display()
                    ))
                })?;
                if signer.fits(host, now) {
                    return Ok((signer, Stored::Kept));
                }
            }
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let (signer, pem) = Self::make(host)?;
        write_private(dir, &path, pem.as_bytes())?;
        Ok((signer, Stored::Made))
    }

    /// The `x509_hash:` client id requests by reference are signed under.
    pub fn client_id(&self) -> String {
        format!(
            "{}{}",
            crate::oid4vp::request::PREFIX_X509_HASH,
            crate::oid4vp::request::x509_hash(self.leaf())
        )
    }

    /// A new key and self-signed certificate for `host`, with both as PEM (certificate first).
    fn make(host: &str) -> Result<(RequestSigner, Zeroizing<String>), Error> {
        let failed = |e: rcgen::Error| Error::RequestSigner(format!("making the request signing certificate: {e}"));
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(failed)?;
        let mut params = rcgen::CertificateParams::new(vec![host.to_owned()]).map_err(failed)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("Dojang door {host}"));
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = now + time::Duration::days(GENERATED_VALIDITY_DAYS);
        let certificate = params.self_signed(&key).map_err(failed)?;
        let pkcs8 = Zeroizing::new(key.serialize_der());
        let pem = Zeroizing::new(format!("{}{}", certificate.pem(), *Zeroizing::new(key.serialize_pem())));
        let signer = RequestSigner {
            signer: Arc::new(P256Key::from_pkcs8(&pkcs8)?),
            chain: vec![certificate.der().to_vec()],
        };
        Ok((signer, pem))
    }

    /// The stored file: certificate blocks, then the leaf's PKCS#8 key.
    fn from_stored(pem: &[u8]) -> Result<RequestSigner, Error> {
        let mut certificates = Vec::new();
        let mut key = None;
        for block in Pem::iter_from_buffer(pem) {
            let block = block.map_err(|e| Error::RequestSigner(format!("PEM: {e}")))?;
            match block.label.as_str() {
                "CERTIFICATE" => certificates.push(block.contents),
                "PRIVATE KEY" => key = Some(Zeroizing::new(block.contents)),
                other => return Err(Error::RequestSigner(format!("unexpected PEM block {other}"))),
            }
        }
        let key = key.ok_or_else(|| Error::RequestSigner("no PRIVATE KEY block".into()))?;
        Self::from_der(certificates, &key)
    }

    /// Whether the leaf names `host` (as a DNS name or an IP address) and stays valid for
    /// more than [`RENEW_WITHIN_DAYS`] after `now`.
    fn fits(&self, host: &str, now: time::OffsetDateTime) -> bool {
        let Ok((_, certificate)) = x509_parser::parse_x509_certificate(self.leaf()) else {
            return false;
        };
        let renew_at = now + time::Duration::days(RENEW_WITHIN_DAYS);
        if certificate.validity().not_after.timestamp() <= renew_at.unix_timestamp() {
            return false;
        }
        let ip = host.parse::<IpAddr>().ok();
        let Ok(Some(names)) = certificate.subject_alternative_name() else {
            return false;
        };
        names.value.general_names.iter().any(|name| match (name, ip) {
            (x509_parser::extensions::GeneralName::DNSName(dns), None) => dns.eq_ignore_ascii_case(host),
            (x509_parser::extensions::GeneralName::IPAddress(bytes), Some(IpAddr::V4(v4))) => *bytes == v4.octets(),
            (x509_parser::extensions::GeneralName::IPAddress(bytes), Some(IpAddr::V6(v6))) => *bytes == v6.octets(),
            _ => false,
        })
    }

    /// The operator's certificate chain (PEM, leaf first) and the leaf's P-256 private key
    /// (PEM, PKCS#8 `PRIVATE KEY`). The key must be the leaf's.
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<RequestSigner, Error> {
        let invalid = |message: String| Error::RequestSigner(format!("request signing certificate: {message}"));
        if chain_pem.len() > MAX_PEM_LEN || key_pem.len() > MAX_PEM_LEN {
            return Err(invalid(format!("PEM input over {MAX_PEM_LEN} bytes")));
        }
        let mut chain = Vec::new();
        for block in Pem::iter_from_buffer(chain_pem) {
            let block = block.map_err(|e| invalid(format!("PEM block {}: {e}", chain.len())))?;
            if block.label != "CERTIFICATE" {
                return Err(invalid(format!("PEM block {} is not a CERTIFICATE", chain.len())));
            }
            chain.push(block.contents);
        }
        let key = Pem::iter_from_buffer(key_pem)
            .next()
            .ok_or_else(|| invalid("the key file has no PEM block".into()))?
            .map_err(|e| invalid(format!("the key file: {e}")))?;
        if key.label != "PRIVATE KEY" {
            return Err(invalid("the key must be a PKCS#8 PEM `PRIVATE KEY` (P-256)".into()));
        }
        Self::from_der(chain, &Zeroizing::new(key.contents))
    }

    /// A certificate chain (DER, leaf first) and the leaf's PKCS#8 P-256 key (DER).
    fn from_der(chain: Vec<Vec<u8>>, pkcs8: &[u8]) -> Result<RequestSigner, Error> {
        let invalid = |message: String| Error::RequestSigner(format!("request signing certificate: {message}"));
        let leaf = chain
            .first()
            .ok_or_else(|| invalid("no PEM CERTIFICATE block".into()))?;
        let certified = crate::x509::certificate_key(leaf).map_err(|e| invalid(e.detail().to_owned()))?;
        let key = P256Key::from_pkcs8(pkcs8)?;
        if key.public != certified {
            return Err(invalid("the key is not the leaf certificate's".into()));
        }
        Ok(RequestSigner {
            signer: Arc::new(key),
            chain,
        })
    }

    /// The signer.
    pub fn signer(&self) -> &dyn Signer {
        self.signer.as_ref()
    }

    /// The certificate chain, leaf first (DER).
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The leaf certificate (DER).
    pub fn leaf(&self) -> &[u8] {
        self.chain.first().map(Vec::as_slice).unwrap_or_default()
    }
}

/// Writes `bytes` to `path` whole or not at all: a private temporary file (mode 0600) in
/// `dir` (made, mode 0700, if missing), synced, then renamed over `path`.
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(dir))?;
    let temporary = dir.join(format!(".{STORED_FILE}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(Error::Io {
            path: path.display().to_string(),
            source,
        });
    }
    Ok(())
}

/// A P-256 key held by aws-lc, which cleanses its memory on free.
struct P256Key {
    pair: EcdsaKeyPair,
    public: VerifyingKey,
    rng: SystemRandom,
}

impl P256Key {
    fn from_pkcs8(der: &[u8]) -> Result<P256Key, Error> {
        let invalid = |message: String| Error::RequestSigner(format!("request signing key: {message}"));
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|_| invalid("not a P-256 PKCS#8 key".into()))?;
        let public =
            VerifyingKey::from_bytes(KeyType::P256, pair.public_key().as_ref()).map_err(|e| invalid(e.to_string()))?;
        Ok(P256Key {
            pair,
            public,
            rng: SystemRandom::new(),
        })
    }
}

#[async_trait]
impl Signer for P256Key {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair
            .sign(&self.rng, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| KeyError::SigningFailed("aws-lc ECDSA signing failed".into()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dojang-request-signer-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn now() -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    #[test]
    fn the_first_start_makes_a_private_file_and_later_starts_keep_the_client_id() {
        let dir = scratch("kept");
        let (first, made) = RequestSigner::stored(&dir, "127.0.0.1", now()).unwrap();
        assert_eq!(made, Stored::Made);
        let file = dir.join(STORED_FILE);
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        let (second, kept) = RequestSigner::stored(&dir, "127.0.0.1", now()).unwrap();
        assert_eq!(kept, Stored::Kept);
        assert_eq!(first.client_id(), second.client_id());
        assert!(first.client_id().starts_with("x509_hash:"));
        assert_eq!(first.signer().verifying_key(), second.signer().verifying_key());
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, [STORED_FILE], "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_host_or_a_certificate_near_its_end_gets_a_new_one() {
        let dir = scratch("renewed");
        let (first, _) = RequestSigner::stored(&dir, "door.example", now()).unwrap();
        let (same, kept) = RequestSigner::stored(&dir, "DOOR.example", now()).unwrap();
        assert_eq!((kept, same.client_id()), (Stored::Kept, first.client_id()));
        let (other_host, made) = RequestSigner::stored(&dir, "kiosk.example", now()).unwrap();
        assert_eq!(made, Stored::Made);
        assert_ne!(other_host.client_id(), first.client_id());
        let (ip, made) = RequestSigner::stored(&dir, "::1", now()).unwrap();
        assert_eq!(made, Stored::Made);
        let (_, kept) = RequestSigner::stored(&dir, "::1", now()).unwrap();
        assert_eq!(kept, Stored::Kept);
        let late = now() + time::Duration::days(GENERATED_VALIDITY_DAYS - RENEW_WITHIN_DAYS + 1);
        let (renewed, made) = RequestSigner::stored(&dir, "::1", late).unwrap();
        assert_eq!(made, Stored::Made);
        assert_ne!(renewed.client_id(), ip.client_id());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_file_is_an_error_and_is_never_replaced() {
        let dir = scratch("damaged");
        RequestSigner::stored(&dir, "127.0.0.1", now()).unwrap();
        let file = dir.join(STORED_FILE);
        let pem = std::fs::read_to_string(&file).unwrap();
        let certificate_only = &pem[..pem.find("-----BEGIN PRIVATE KEY").unwrap()];
        let other_key = RequestSigner::make("127.0.0.1").unwrap().1;
        let other_key = &other_key[other_key.find("-----BEGIN PRIVATE KEY").unwrap()..];
        for damaged in [
            "garbage".to_owned(),
            certificate_only.to_owned(),
            format!("{certificate_only}{other_key}"),
            format!("{pem}-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
        ] {
            std::fs::write(&file, &damaged).unwrap();
            let error = RequestSigner::stored(&dir, "127.0.0.1", now()).unwrap_err().to_string();
            assert!(error.contains(STORED_FILE), "{error}");
            assert_eq!(std::fs::read_to_string(&file).unwrap(), damaged, "left as it was");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
