//! The append-only audit log: who did what to which record, when, and no personal data
//! (targets are record IDs, details are template names, reasons or counts).

use serde::Serialize;

use super::Store;
use crate::Error;

/// One audit entry.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Position in the log (increasing).
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// The token ID (or `system`, `wallet`) that acted.
    pub actor: String,
    /// `issue`, `suspend`, `unsuspend`, `revoke`, `reissue`, `token.create`, `offer.create`, ...
    pub action: String,
    /// The record acted on.
    pub target: Option<String>,
    /// A short, non-personal detail.
    pub detail: Option<String>,
}

/// Appends an entry inside the caller's transaction.
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    at: i64,
    actor: &str,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Appends an entry on its own.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), Error> {
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        append(&mut tx, super::unix_now(), actor, action, target, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Entries after `after`, oldest first, at most `limit`.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>, Error> {
        type Row = (i64, i64, String, String, Option<String>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, at, actor, action, target, detail FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, at, actor, action, target, detail)| AuditEntry {
                seq,
                at,
                actor,
                action,
                target,
                detail,
            })
            .collect())
    }
}
