//! The issuer's signing keys, one row per generation: `key-1` is the key the service was
//! first started with, each rotation adds the next. The rows hold public keys only (the key
//! material stays in its key file or on its token); a retired key is no longer in the DID
//! document.

use super::{Store, audit, unix_now};
use crate::Error;

/// Credentials revoked per transaction by [`Store::revoke_issued_between`].
pub const REVOKE_BATCH: i64 = 500;

/// One generation of the issuer's signing key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssuerKey {
    /// 1, 2, ...: the verification method is `#key-<generation>`.
    pub generation: i64,
    /// The public key (Multikey).
    pub public_key: String,
    /// When it became the signing key (Unix seconds).
    pub created_at: i64,
    /// When it was taken out of the DID document, if it was.
    pub retired_at: Option<i64>,
}

impl IssuerKey {
    /// `key-<generation>`, the verification method's fragment.
    pub fn id(&self) -> String {
        format!("key-{}", self.generation)
    }
}

impl Store {
    /// Every generation, oldest first.
    pub async fn issuer_keys(&self) -> Result<Vec<IssuerKey>, Error> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT generation, public_key, created_at, retired_at FROM issuer_keys ORDER BY generation",
        )
        .fetch_all(self.writer())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(generation, public_key, created_at, retired_at)| IssuerKey {
                generation,
                public_key,
                created_at,
                retired_at,
            })
            .collect())
    }

    /// Records generation `generation` as the signing key from now, with an audit entry by
    /// `actor` (none for the first key, recorded at start).
    pub async fn add_issuer_key(&self, generation: i64, public_key: &str, actor: Option<&str>) -> Result<(), Error> {
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let now = unix_now();
        sqlx::query(
            "INSERT INTO issuer_keys (generation, public_key, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (generation) DO NOTHING",
        )
        .bind(generation)
        .bind(public_key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(actor) = actor {
            let target = format!("key-{generation}");
            audit::append(&mut tx, now, actor, "key.rotate", Some(&target), None).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks generation `generation` retired, with an audit entry (`detail`: why, how many
    /// live credentials it leaves unverifiable).
    pub async fn retire_issuer_key(&self, generation: i64, actor: &str, detail: &str) -> Result<(), Error> {
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let now = unix_now();
        sqlx::query("UPDATE issuer_keys SET retired_at = $1 WHERE generation = $2 AND retired_at IS NULL")
            .bind(now)
            .bind(generation)
            .execute(&mut *tx)
            .await?;
        let target = format!("key-{generation}");
        audit::append(&mut tx, now, actor, "key.retire", Some(&target), Some(detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Credentials issued in `[from, until]` (Unix seconds, both ends included; `until` open
    /// when `None`) that are not revoked and not expired: those a key in use over that time
    /// may have signed, and that may still need it to verify. Issue times are to the second,
    /// so a credential of a rotation's second is counted for both keys: the count errs on the
    /// side of keeping a key.
    pub async fn live_credentials_issued_between(&self, from: i64, until: Option<i64>) -> Result<i64, Error> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM credentials WHERE status <> 'revoked' AND valid_until > $1 \
             AND issued_at >= $2 AND issued_at <= $3",
        )
        .bind(unix_now())
        .bind(from)
        .bind(until.unwrap_or(i64::MAX))
        .fetch_one(self.reader())
        .await?;
        Ok(count)
    }

    /// Revokes every credential issued in `[from, until]` that is not revoked yet (the
    /// credentials of a leaked key), [`REVOKE_BATCH`] per transaction, each change audited
    /// (`revoke`, with `reason`) and its list's version moved; `progress` is called after each
    /// batch with the total so far. Returns how many were revoked.
    pub async fn revoke_issued_between(
        &self,
        from: i64,
        until: Option<i64>,
        actor: &str,
        reason: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, Error> {
        let until = until.unwrap_or(i64::MAX);
        let mut total = 0u64;
        loop {
            let mut tx = self.writer().begin_with(self.begin_statement()).await?;
            let batch: Vec<(String, i64)> = sqlx::query_as(
                "SELECT id, status_list FROM credentials WHERE status <> 'revoked' \
                 AND issued_at >= $1 AND issued_at <= $2 ORDER BY issued_at, id LIMIT $3",
            )
            .bind(from)
            .bind(until)
            .bind(REVOKE_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if batch.is_empty() {
                return Ok(total);
            }
            let now = unix_now();
            let mut lists = std::collections::BTreeSet::new();
            for (id, list) in &batch {
                sqlx::query("UPDATE credentials SET status = 'revoked', updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                audit::append(&mut tx, now, actor, "revoke", Some(id), Some(reason)).await?;
                lists.insert(*list);
            }
            for list in lists {
                sqlx::query("UPDATE status_lists SET version = version + 1 WHERE id = $1")
                    .bind(list)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            total += batch.len() as u64;
            progress(total);
        }
    }
}
