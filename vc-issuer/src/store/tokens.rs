//! Bearer tokens for the admin API: random 256-bit secrets shown once; only their SHA-256
//! is stored (a secret this long needs no slow hash).

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::RngCore as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::{Store, unix_now};
use crate::Error;

/// The prefix of every token secret, so leaked tokens are recognisable by scanners.
pub const TOKEN_PREFIX: &str = "dojang_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Issue credentials and create offers.
    Issue,
    /// Suspend, unsuspend and revoke.
    Revoke,
    /// Read records and the audit log.
    Read,
    /// Manage tokens; implies every other scope.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Scope::Issue, Scope::Revoke, Scope::Read, Scope::Admin];

    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Issue => "issue",
            Scope::Revoke => "revoke",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }

    /// Parses a scope name.
    pub fn parse(s: &str) -> Result<Scope, Error> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s).ok_or_else(|| {
            Error::invalid(
                "/scopes",
                format!("unknown scope {:?}", s.chars().take(32).collect::<String>()),
            )
        })
    }
}

/// A token as the service sees it (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    /// The token's ID, used as the actor in the audit log.
    pub id: String,
    /// Its scopes.
    pub scopes: BTreeSet<Scope>,
    /// A label for people.
    pub label: String,
    /// When made (Unix seconds).
    pub created_at: i64,
}

impl TokenInfo {
    /// Whether the token grants `scope` (`admin` grants all).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// The digest stored for a secret.
pub fn secret_hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// A random URL-safe string of `bytes` random bytes.
pub fn random_string(bytes: usize) -> String {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    rand_core::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(&*buf)
}

impl Store {
    /// Creates a token and returns it with its secret (shown once).
    pub async fn create_token(
        &self,
        label: &str,
        scopes: &BTreeSet<Scope>,
        actor: &str,
    ) -> Result<(TokenInfo, Zeroizing<String>), Error> {
        if scopes.is_empty() {
            return Err(Error::invalid("/scopes", "at least one scope"));
        }
        let id = format!("tok_{}", random_string(9));
        let secret = Zeroizing::new(format!("{TOKEN_PREFIX}{}", random_string(32)));
        let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        sqlx::query("INSERT INTO tokens (id, secret_hash, scopes, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(secret_hash(&secret))
            .bind(names.join(" "))
            .bind(label)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        super::audit::append(&mut tx, now, actor, "token.create", Some(&id), Some(&names.join(" "))).await?;
        tx.commit().await?;
        let info = TokenInfo {
            id,
            scopes: scopes.clone(),
            label: label.to_owned(),
            created_at: now,
        };
        Ok((info, secret))
    }

    /// The live token whose secret is `secret`, if any.
    pub async fn token_for_secret(&self, secret: &str) -> Result<Option<TokenInfo>, Error> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
            return Ok(None);
        }
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, scopes, label, created_at FROM tokens WHERE secret_hash = $1 AND revoked_at IS NULL",
        )
        .bind(secret_hash(secret))
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|(id, scopes, label, created_at)| TokenInfo {
            id,
            scopes: scopes.split(' ').filter_map(|s| Scope::parse(s).ok()).collect(),
            label,
            created_at,
        }))
    }

    /// Live tokens.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, Error> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, scopes, label, created_at FROM tokens WHERE revoked_at IS NULL ORDER BY created_at, id",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, scopes, label, created_at)| TokenInfo {
                id,
                scopes: scopes.split(' ').filter_map(|s| Scope::parse(s).ok()).collect(),
                label,
                created_at,
            })
            .collect())
    }

    /// Revokes token `id`.
    pub async fn revoke_token(&self, id: &str, actor: &str) -> Result<(), Error> {
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!(
                "token {}",
                id.chars().take(64).collect::<String>()
            )));
        }
        super::audit::append(&mut tx, now, actor, "token.revoke", Some(id), None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates the first admin token when there is none; returns its secret then.
    pub async fn bootstrap_admin_token(&self) -> Result<Option<Zeroizing<String>>, Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tokens")
            .fetch_one(self.writer())
            .await?;
        if n > 0 {
            return Ok(None);
        }
        let scopes = BTreeSet::from([Scope::Admin]);
        let (_, secret) = self.create_token("bootstrap admin", &scopes, "system").await?;
        Ok(Some(secret))
    }
}
