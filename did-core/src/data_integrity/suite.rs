//! The cryptosuites: which canonicalization, which keys, which hash.

use std::fmt;

use sha2::Digest as _;

use super::DataIntegrityError;
use crate::key::KeyType;
use crate::text::truncated;

/// A Data Integrity cryptosuite we create and verify (the `cryptosuite` member of a
/// `DataIntegrityProof`).
///
/// Out of scope: `ecdsa-sd-2023` (selective disclosure), `bbs-2023`, and the legacy
/// `Ed25519Signature2020` proof type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cryptosuite {
    /// `ecdsa-rdfc-2019`: RDFC-1.0, ECDSA with P-256/SHA-256 or P-384/SHA-384.
    EcdsaRdfc2019,
    /// `ecdsa-jcs-2019`: JCS (RFC 8785), ECDSA with P-256/SHA-256 or P-384/SHA-384.
    EcdsaJcs2019,
    /// `eddsa-rdfc-2022`: RDFC-1.0, Ed25519, SHA-256.
    EddsaRdfc2022,
    /// `eddsa-jcs-2022`: JCS (RFC 8785), Ed25519, SHA-256.
    EddsaJcs2022,
}

/// How a suite turns a JSON document into bytes to hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transformation {
    /// JSON-LD to RDF, then RDF Dataset Canonicalization 1.0.
    Rdfc,
    /// JSON Canonicalization Scheme.
    Jcs,
}

impl Cryptosuite {
    /// All suites.
    pub const ALL: [Cryptosuite; 4] = [
        Cryptosuite::EcdsaRdfc2019,
        Cryptosuite::EcdsaJcs2019,
        Cryptosuite::EddsaRdfc2022,
        Cryptosuite::EddsaJcs2022,
    ];

    /// The `cryptosuite` string.
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Cryptosuite::EcdsaJcs2019 => "ecdsa-jcs-2019",
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
        }
    }

    /// Looks a suite up by its `cryptosuite` string.
    pub fn from_name(name: &str) -> Result<Cryptosuite, DataIntegrityError> {
        Cryptosuite::ALL
            .into_iter()
            .find(|suite| suite.name() == name)
            .ok_or_else(|| DataIntegrityError::UnsupportedCryptosuite(truncated(name)))
    }

    /// Whether a key of `key_type` may sign with this suite (eddsa: Ed25519; ecdsa: P-256, P-384).
    pub fn accepts(self, key_type: KeyType) -> bool {
        match self {
            Cryptosuite::EcdsaRdfc2019 | Cryptosuite::EcdsaJcs2019 => {
                matches!(key_type, KeyType::P256 | KeyType::P384)
            }
            Cryptosuite::EddsaRdfc2022 | Cryptosuite::EddsaJcs2022 => key_type == KeyType::Ed25519,
        }
    }

    /// [`DataIntegrityError::KeyTypeMismatch`] unless the suite accepts `key_type`.
    pub(super) fn check_key(self, key_type: KeyType) -> Result<(), DataIntegrityError> {
        if self.accepts(key_type) {
            Ok(())
        } else {
            Err(DataIntegrityError::KeyTypeMismatch {
                cryptosuite: self.name(),
                key_type,
            })
        }
    }

    pub(super) fn transformation(self) -> Transformation {
        match self {
            Cryptosuite::EcdsaRdfc2019 | Cryptosuite::EddsaRdfc2022 => Transformation::Rdfc,
            Cryptosuite::EcdsaJcs2019 | Cryptosuite::EddsaJcs2022 => Transformation::Jcs,
        }
    }

    /// The suite's hash of `data` for a key of `key_type`: SHA-384 for P-384, SHA-256 otherwise.
    pub fn hash(self, key_type: KeyType, data: &[u8]) -> Vec<u8> {
        match key_type {
            KeyType::P384 => sha2::Sha384::digest(data).to_vec(),
            _ => sha2::Sha256::digest(data).to_vec(),
        }
    }
}

impl fmt::Display for Cryptosuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
