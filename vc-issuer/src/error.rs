//! The crate's one error type.

/// Why the issuer could not do what was asked. Each variant is something a caller can act
/// on; [`Error::status`] and [`Error::code`] map it onto an HTTP problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key file is not a private JWK of a supported type.
    #[error("unusable key: {0}")]
    Key(#[from] did_core::key::KeyError),
    /// The issuer key store (key file, sealed key, PKCS#11 token) could not be opened or used.
    #[error("key store: {0}")]
    KeyStore(String),
    /// The credential JSON was refused (data-model rule, or not JSON).
    #[error(transparent)]
    Credential(#[from] did_core::vc::CredentialError),
    /// The credential names an issuer the key does not speak for.
    #[error("the credential's issuer {issuer:?} is not controlled by the key (its DID is {key_did:?})")]
    IssuerNotControlled {
        /// The issuer the credential names.
        issuer: String,
        /// The DID the key belongs to.
        key_did: String,
    },
    /// The format cannot secure this input (e.g. `--disclose` with a JWT format).
    #[error("{0}")]
    Unsupported(String),
    /// Signing or securing failed in did-core.
    #[error(transparent)]
    Core(#[from] did_core::Error),
    /// The configuration is invalid; `field` names the setting (file key or variable).
    #[error("configuration: {field}: {message}")]
    Config {
        /// The setting at fault, e.g. `listen` or `DATABASE_URL`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A request is invalid; `field` is a JSON Pointer (or parameter name) to the part at fault.
    #[error("invalid request: {field}: {message}")]
    InvalidInput {
        /// The part of the request at fault.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The named record (credential, offer, template, list) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the record's state (e.g. unsuspending a revoked credential).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database refused or failed; the operation was not applied.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The DID registry (in-process or remote) refused or could not be reached.
    #[error("registry: {0}")]
    Registry(String),
    /// A file of the data folder is held by another process (the service runs on it).
    #[error("{0} is in use by another process: is the service running on this data folder?")]
    InUse(String),
    /// A backup could not be made or restored (see [`crate::backup`]).
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    /// A file or socket could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// [`Error::IssuerNotControlled`], with the credential's issuer cut to 64 characters.
    pub(crate) fn issuer_not_controlled(issuer: &str, key_did: &str) -> Error {
        Error::IssuerNotControlled {
            issuer: issuer.chars().take(64).collect(),
            key_did: key_did.to_owned(),
        }
    }

    /// An [`Error::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Config`] for `field`.
    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Config {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Io`] with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The HTTP status a service answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            Error::Credential(_)
            | Error::IssuerNotControlled { .. }
            | Error::Unsupported(_)
            | Error::InvalidInput { .. } => 400,
            // A credential that cannot be expressed as JSON-LD (an undefined term, an unknown
            // context, a redefined protected term) is the caller's to fix, not a server fault.
            Error::Core(core) if is_unsecurable_input(core) => 422,
            Error::NotFound(_) => 404,
            Error::Conflict(_) => 409,
            Error::Registry(_) => 502,
            Error::Storage(_) => 503,
            Error::Key(_)
            | Error::KeyStore(_)
            | Error::Core(_)
            | Error::Config { .. }
            | Error::Io { .. }
            | Error::Backup(_) => 500,
            Error::InUse(_) => 503,
        }
    }

    /// A stable, machine-readable code for this error (the problem `type`'s last segment).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Key(_) => "key",
            Error::KeyStore(_) => "key_store",
            Error::Credential(_) => "invalid_credential",
            Error::IssuerNotControlled { .. } => "issuer_not_controlled",
            Error::Unsupported(_) => "unsupported",
            Error::Core(core) if is_unsecurable_input(core) => "unsecurable_credential",
            Error::Core(_) => "signing",
            Error::Config { .. } => "config",
            Error::InvalidInput { .. } => "invalid_input",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Storage(_) => "storage",
            Error::Registry(_) => "registry",
            Error::Io { .. } => "io",
            Error::Backup(_) => "backup",
            Error::InUse(_) => "in_use",
        }
    }
}

/// Whether a did-core error says the credential itself cannot be secured as given.
fn is_unsecurable_input(error: &did_core::Error) -> bool {
    use did_core::data_integrity::DataIntegrityError as Di;
    matches!(
        error,
        did_core::Error::DataIntegrity(
            Di::TooLarge { .. }
                | Di::InvalidJson(_)
                | Di::InvalidDocument(_)
                | Di::UnknownContext(_)
                | Di::JsonLd(_)
                | Di::UndefinedTerm(_)
                | Di::Canonicalization(_)
                | Di::Jcs(_)
                | Di::RelatedResourceMismatch { .. }
                | Di::RelatedResourceUnchecked { .. }
        ) | did_core::Error::Credential(_)
    )
}

/// A securing failure keeps the variant the issuer answered with before did-core secured
/// credentials: a credential that breaks the data model is `invalid_credential`, a format the
/// key cannot sign is `unsupported`, JSON-LD it cannot express is `unsecurable_credential`.
impl From<did_core::secure::SecureError> for Error {
    fn from(error: did_core::secure::SecureError) -> Error {
        use did_core::secure::SecureError;
        match error {
            SecureError::Credential(e) => Error::Credential(e),
            SecureError::NotAnObject => Error::Credential(did_core::vc::CredentialError::NotAnObject),
            SecureError::SdJwt(e) => Error::Core(e.into()),
            SecureError::DataIntegrity(e) => Error::Core(e.into()),
            e @ (SecureError::KeyType { .. } | SecureError::DisclosureNotSupported(_)) => {
                Error::Unsupported(e.to_string())
            }
            e => Error::Core(e.into()),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(source: sqlx::Error) -> Error {
        Error::Storage(StorageError::Database { doing: None, source })
    }
}

/// Why the database failed, with the driver's error kept as the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The database refused or failed a statement.
    #[error("{}{source}", doing.map(|d| format!("{d}: ")).unwrap_or_default())]
    Database {
        /// What was being done, when it says more than the statement.
        doing: Option<&'static str>,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A stored row does not read back as it was written (an unknown state, a column of the
    /// wrong shape): the database was changed by hand or is damaged.
    #[error("{0}")]
    Corrupt(String),
    /// The store cannot take the work now (its writer stopped, no free status-list slot).
    #[error("{0}")]
    Unavailable(String),
    /// The database at `database` could not be opened or brought up to date.
    #[error("database {database}: {source}")]
    Open {
        /// The database, with any password left out.
        database: String,
        /// Why.
        #[source]
        source: Box<StorageError>,
    },
}

impl Error {
    /// A stored row that does not read back as written.
    pub(crate) fn corrupt(message: impl Into<String>) -> Error {
        Error::Storage(StorageError::Corrupt(message.into()))
    }

    /// The store cannot take the work now.
    pub(crate) fn store_unavailable(message: impl Into<String>) -> Error {
        Error::Storage(StorageError::Unavailable(message.into()))
    }
}
