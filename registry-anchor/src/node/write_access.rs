//! Who may write to a node over HTTP: submit operations (`POST /operations`) and co-signatures
//! (`POST /cosignatures`). Reads are always public: a registry exists to be checked by anyone.
//!
//! Every operation is signed by its DID's keys, so authorization here is not about integrity:
//! it keeps strangers from growing an append-only log that can never shrink.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The shortest write token accepted (a token is a bearer secret: 128 bits of hex at least).
pub const MIN_TOKEN_LEN: usize = 32;

/// The write policy of a node's HTTP API.
#[derive(Clone, Default)]
pub struct WriteAccess {
    rule: Rule,
}

#[derive(Clone, Default)]
enum Rule {
    /// Anyone may write (a public registry where wallets register their own DIDs).
    #[default]
    Open,
    /// Only a request carrying one of these tokens (`Authorization: Bearer`), kept as SHA-256
    /// digests so the secrets are not held in memory.
    Tokens(Arc<[[u8; 32]]>),
    /// No operation is taken over HTTP: the node's owner submits in-process (the issuer's
    /// embedded registry). Co-signatures stay open: a witness proves itself by its signature.
    OwnerOnly,
}

/// Why a token file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteAccessError {
    /// The file could not be read.
    #[error("cannot read the write-token file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line holds a token that is too short or has characters a header cannot carry.
    #[error("write-token file line {line}: a token is at least {MIN_TOKEN_LEN} visible ASCII characters")]
    WeakToken {
        /// The line (from 1).
        line: usize,
    },
    /// The file names no token.
    #[error("the write-token file holds no token")]
    Empty,
}

/// What a request may do, as [`WriteAccess::check`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead.
    Allowed,
    /// No token, or not one of the node's: 401.
    Unauthorized,
    /// Writes of this kind are not taken over HTTP: 403.
    Forbidden,
}

/// The kind of write a route makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// `POST /operations`.
    Operation,
    /// `POST /cosignatures`.
    Cosignature,
}

impl Write {
    /// The write's name, for logs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Write::Operation => "an operation",
            Write::Cosignature => "a co-signature",
        }
    }
}

impl WriteAccess {
    /// Anyone may write (the default).
    pub fn open() -> WriteAccess {
        WriteAccess { rule: Rule::Open }
    }

    /// Operations are refused over HTTP (403): the node's owner submits them in-process.
    /// Co-signatures stay open.
    pub fn owner_only() -> WriteAccess {
        WriteAccess { rule: Rule::OwnerOnly }
    }

    /// Only requests with one of `tokens` as their bearer token may write.
    pub fn tokens<S: AsRef<str>>(tokens: impl IntoIterator<Item = S>) -> Result<WriteAccess, WriteAccessError> {
        let mut digests = Vec::new();
        for (index, token) in tokens.into_iter().enumerate() {
            let token = token.as_ref();
            if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(WriteAccessError::WeakToken { line: index + 1 });
            }
            digests.push(Sha256::digest(token.as_bytes()).into());
        }
        if digests.is_empty() {
            return Err(WriteAccessError::Empty);
        }
        Ok(WriteAccess {
            rule: Rule::Tokens(digests.into()),
        })
    }

    /// Reads a token file: one token per line; blank lines and lines starting with `#` are
    /// skipped. Make a token with e.g. `openssl rand -hex 32`.
    pub fn from_file(path: &Path) -> Result<WriteAccess, WriteAccessError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| WriteAccessError::Read {
            path: path.display().to_string(),
            source,
        })?);
        let mut tokens = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.len() < MIN_TOKEN_LEN || !line.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(WriteAccessError::WeakToken { line: index + 1 });
            }
            tokens.push(line);
        }
        WriteAccess::tokens(tokens)
    }

    /// Whether anyone may write.
    pub fn is_open(&self) -> bool {
        matches!(self.rule, Rule::Open)
    }

    /// What a request with `authorization` (the header's value, if any) may do for `write`.
    pub(crate) fn check(&self, write: Write, authorization: Option<&[u8]>) -> Verdict {
        match (&self.rule, write) {
            (Rule::Open, _) | (Rule::OwnerOnly, Write::Cosignature) => Verdict::Allowed,
            (Rule::OwnerOnly, Write::Operation) => Verdict::Forbidden,
            (Rule::Tokens(digests), _) => {
                let token = authorization
                    .and_then(|value| value.strip_prefix(b"Bearer "))
                    .map(|token| token.trim_ascii());
                match token {
                    // Digests are compared, not tokens: how long a compare takes says nothing
                    // about the secret.
                    Some(token) if digests.contains(&Sha256::digest(token).into()) => Verdict::Allowed,
                    _ => Verdict::Unauthorized,
                }
            }
        }
    }
}

impl std::fmt::Debug for WriteAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Rule::Open => f.write_str("WriteAccess::Open"),
            Rule::OwnerOnly => f.write_str("WriteAccess::OwnerOnly"),
            Rule::Tokens(digests) => write!(f, "WriteAccess::Tokens({} tokens)", digests.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn tokens_allow_only_their_bearers() {
        let access = WriteAccess::tokens([TOKEN]).unwrap();
        let bearer = format!("Bearer {TOKEN}");
        assert_eq!(
            access.check(Write::Operation, Some(bearer.as_bytes())),
            Verdict::Allowed
        );
        assert_eq!(
            access.check(Write::Cosignature, Some(bearer.as_bytes())),
            Verdict::Allowed
        );
        assert_eq!(access.check(Write::Operation, None), Verdict::Unauthorized);
        assert_eq!(
            access.check(Write::Operation, Some(TOKEN.as_bytes())),
            Verdict::Unauthorized
        );
        let other = format!("Bearer {TOKEN}0");
        assert_eq!(
            access.check(Write::Operation, Some(other.as_bytes())),
            Verdict::Unauthorized
        );
    }

    #[test]
    fn owner_only_refuses_operations_not_cosignatures() {
        let access = WriteAccess::owner_only();
        assert_eq!(access.check(Write::Operation, None), Verdict::Forbidden);
        assert_eq!(access.check(Write::Cosignature, None), Verdict::Allowed);
        assert_eq!(WriteAccess::open().check(Write::Operation, None), Verdict::Allowed);
    }

    #[test]
    fn weak_and_empty_token_files_are_refused() {
        assert!(matches!(
            WriteAccess::tokens(["short"]),
            Err(WriteAccessError::WeakToken { line: 1 })
        ));
        assert!(matches!(
            WriteAccess::tokens(Vec::<String>::new()),
            Err(WriteAccessError::Empty)
        ));
        let dir = std::env::temp_dir().join(format!("write-access-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tokens");
        std::fs::write(&file, format!("# witnesses\n\n{TOKEN}\n")).unwrap();
        assert!(!WriteAccess::from_file(&file).unwrap().is_open());
        std::fs::write(&file, format!("{TOKEN}\nbad token with spaces in it, long enough\n")).unwrap();
        assert!(matches!(
            WriteAccess::from_file(&file),
            Err(WriteAccessError::WeakToken { line: 2 })
        ));
        std::fs::write(&file, "# nothing\n").unwrap();
        assert!(matches!(WriteAccess::from_file(&file), Err(WriteAccessError::Empty)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
