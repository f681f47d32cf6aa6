//! Why a door policy was refused.

/// A door policy that cannot be used, with where it is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy text is over the size a policy may have.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The text does not parse as TOML or JSON, or a value has the wrong type or name.
    #[error("{}", syntax(*.line, *.column, .key.as_deref(), .message))]
    Syntax {
        /// The 1-based line, when the parser gave a place.
        line: Option<usize>,
        /// The 1-based column, with `line`.
        column: Option<usize>,
        /// The key written on that line, when there is one.
        key: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// A field parses but its value is not allowed (an empty audience, a malformed issuer
    /// DID, opening hours that end before they start).
    #[error("{field}: {problem}")]
    Field {
        /// The field's path (`accept[0].issuers[1]`, `nonce_ttl_seconds`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl PolicyError {
    /// A field whose value is not allowed.
    pub(crate) fn field(field: impl Into<String>, problem: impl Into<String>) -> PolicyError {
        PolicyError::Field {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

fn syntax(line: Option<usize>, column: Option<usize>, key: Option<&str>, message: &str) -> String {
    match (line, column, key) {
        (Some(line), Some(column), Some(key)) => format!("line {line}, column {column} ({key}): {message}"),
        (Some(line), Some(column), None) => format!("line {line}, column {column}: {message}"),
        _ => message.to_owned(),
    }
}
