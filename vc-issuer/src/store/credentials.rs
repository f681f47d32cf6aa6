//! Issued-credential records and their status-list slots.

use serde_json::{Map, Value};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::{Store, audit, unix_now};
use crate::Error;

/// A credential's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    /// Valid.
    Active,
    /// Temporarily invalid; can be unsuspended.
    Suspended,
    /// Permanently invalid.
    Revoked,
}

impl RecordStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Active => "active",
            RecordStatus::Suspended => "suspended",
            RecordStatus::Revoked => "revoked",
        }
    }

    fn parse(s: &str) -> Result<RecordStatus, Error> {
        match s {
            "active" => Ok(RecordStatus::Active),
            "suspended" => Ok(RecordStatus::Suspended),
            "revoked" => Ok(RecordStatus::Revoked),
            other => Err(Error::corrupt(format!("unknown status {other:?} in the database"))),
        }
    }
}

/// What the service knows before a credential is signed.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// `urn:uuid:...`.
    pub id: String,
    /// The template name.
    pub template: String,
    /// The template's record key value (e.g. the employee number).
    pub record_key: String,
    /// The securing format's name.
    pub format: String,
    /// The subject claims (derived ones included).
    pub claims: Map<String, Value>,
    /// The holder (DID or key thumbprint), when bound.
    pub holder: Option<String>,
    /// Validity, Unix seconds.
    pub valid_from: i64,
    /// Validity end, Unix seconds.
    pub valid_until: i64,
    /// The credential this one replaces (re-issuance).
    pub replaces: Option<String>,
    /// A caller's key that makes the request idempotent.
    pub idempotency_key: Option<String>,
}

/// A stored credential record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CredentialRecord {
    /// `urn:uuid:...`.
    pub id: String,
    /// The template name.
    pub template: String,
    /// The record key value.
    pub record_key: String,
    /// The securing format.
    pub format: String,
    /// The current status.
    pub status: RecordStatus,
    /// The status list number.
    pub status_list: i64,
    /// The slot in the list.
    pub status_index: i64,
    /// The subject claims.
    pub claims: Map<String, Value>,
    /// The bound holder.
    pub holder: Option<String>,
    /// Validity start (Unix seconds).
    pub valid_from: i64,
    /// Validity end (Unix seconds).
    pub valid_until: i64,
    /// When issued (Unix seconds).
    pub issued_at: i64,
    /// When last changed (Unix seconds).
    pub updated_at: i64,
    /// The credential this one replaced.
    pub replaces: Option<String>,
}

/// The statuses of one list, for publishing it.
#[derive(Debug, Clone)]
pub struct ListState {
    /// Entries in the list.
    pub size: u64,
    /// Changes whenever a status in the list changes.
    pub version: i64,
    /// Every slot whose credential is not active.
    pub entries: Vec<(u64, RecordStatus)>,
}

/// `SELECT <every record column> FROM credentials <tail>`, as a static string.
macro_rules! select_records {
    ($tail:literal) => {
        concat!(
            "SELECT id, template, record_key, format, status, status_list, status_index, claims, holder, ",
            "valid_from, valid_until, issued_at, updated_at, replaces FROM credentials ",
            $tail
        )
    };
}

fn record(row: &AnyRow) -> Result<CredentialRecord, Error> {
    let claims: String = row.try_get("claims")?;
    let claims = match serde_json::from_str(&claims) {
        Ok(Value::Object(map)) => map,
        _ => return Err(Error::corrupt("a stored claims column is not a JSON object")),
    };
    Ok(CredentialRecord {
        id: row.try_get("id")?,
        template: row.try_get("template")?,
        record_key: row.try_get("record_key")?,
        format: row.try_get("format")?,
        status: RecordStatus::parse(&row.try_get::<String, _>("status")?)?,
        status_list: row.try_get("status_list")?,
        status_index: row.try_get("status_index")?,
        claims,
        holder: row.try_get("holder")?,
        valid_from: row.try_get("valid_from")?,
        valid_until: row.try_get("valid_until")?,
        issued_at: row.try_get("issued_at")?,
        updated_at: row.try_get("updated_at")?,
        replaces: row.try_get("replaces")?,
    })
}

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Store {
    /// Allocates a random free slot in the current status list (opening a new list when it is
    /// half full), stores the record and its audit entry, and returns it once committed.
    /// Concurrent insertions share transactions (group commit, see `group_commit`). A
    /// repeated ID or `idempotency_key` returns [`Error::Conflict`].
    pub async fn insert_credential(
        &self,
        new: &NewCredential,
        list_size: u64,
        actor: &str,
    ) -> Result<CredentialRecord, Error> {
        self.inserts.insert(new, list_size, actor).await
    }

    /// The record `id`.
    pub async fn credential(&self, id: &str) -> Result<CredentialRecord, Error> {
        let row = sqlx::query(select_records!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| Error::NotFound(format!("credential {}", id.chars().take(64).collect::<String>())))?;
        record(&row)
    }

    /// The record with `idempotency_key`, if any.
    pub async fn credential_by_idempotency_key(&self, key: &str) -> Result<Option<CredentialRecord>, Error> {
        // A reader sees every committed record (WAL on SQLite), and keeps this read out of
        // the single writer connection's queue.
        let row = sqlx::query(select_records!("WHERE idempotency_key = $1"))
            .bind(key)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// Records in issuance order, optionally of one template and record key, after the
    /// record `after` (for paging), at most `limit`.
    pub async fn list_credentials(
        &self,
        template: Option<&str>,
        record_key: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CredentialRecord>, Error> {
        let rows = sqlx::query(select_records!(
            "WHERE ($1 IS NULL OR template = $1) AND ($2 IS NULL OR record_key = $2) \
             AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
        ))
        .bind(template)
        .bind(record_key)
        .bind(after)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(record).collect()
    }

    /// How many records there are.
    pub async fn count_credentials(&self) -> Result<i64, Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM credentials")
            .fetch_one(self.reader())
            .await?;
        Ok(n)
    }

    /// Moves a record to `to`: active ↔ suspended, and either to revoked (final). The list's
    /// version moves with it and the change is audited, in one transaction.
    pub async fn set_status(
        &self,
        id: &str,
        to: RecordStatus,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<CredentialRecord, Error> {
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let row = sqlx::query(select_records!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("credential {}", id.chars().take(64).collect::<String>())))?;
        let mut current = record(&row)?;
        let allowed = matches!(
            (current.status, to),
            (RecordStatus::Active, RecordStatus::Suspended)
                | (RecordStatus::Suspended, RecordStatus::Active)
                | (RecordStatus::Active | RecordStatus::Suspended, RecordStatus::Revoked)
        );
        if !allowed {
            return Err(Error::Conflict(format!(
                "a {} credential cannot become {}",
                current.status.as_str(),
                to.as_str()
            )));
        }
        // Conditional on the status read above: on PostgreSQL two replicas may change the
        // same record at once, and the second must not act on a status that has changed
        // (a revocation is final).
        let changed = sqlx::query("UPDATE credentials SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(now)
            .bind(id)
            .bind(current.status.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed != 1 {
            return Err(Error::Conflict(format!(
                "credential {} changed status at the same time; read it again",
                id.chars().take(64).collect::<String>()
            )));
        }
        sqlx::query("UPDATE status_lists SET version = version + 1 WHERE id = $1")
            .bind(current.status_list)
            .execute(&mut *tx)
            .await?;
        let action = match to {
            RecordStatus::Active => "unsuspend",
            RecordStatus::Suspended => "suspend",
            RecordStatus::Revoked => "revoke",
        };
        audit::append(&mut tx, now, actor, action, Some(id), reason).await?;
        tx.commit().await?;
        current.status = to;
        current.updated_at = now;
        Ok(current)
    }

    /// The list numbers that exist.
    pub async fn status_list_ids(&self) -> Result<Vec<i64>, Error> {
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM status_lists ORDER BY id")
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// A list's version, or `None` when there is no such list.
    pub async fn status_list_version(&self, list: i64) -> Result<Option<i64>, Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT version FROM status_lists WHERE id = $1")
            .bind(list)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|(v,)| v))
    }

    /// Every non-active slot of `list`, with the list's size and version read in the same
    /// transaction.
    pub async fn status_list_state(&self, list: i64) -> Result<ListState, Error> {
        let mut tx = self.reader().begin_with(self.snapshot_statement()).await?;
        let (size, version): (i64, i64) = sqlx::query_as("SELECT size, version FROM status_lists WHERE id = $1")
            .bind(list)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("status list {list}")))?;
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT status_index, status FROM credentials WHERE status_list = $1 AND status <> 'active'",
        )
        .bind(list)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let entries = rows
            .into_iter()
            .map(|(index, status)| Ok((u64::try_from(index).unwrap_or(0), RecordStatus::parse(&status)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(ListState {
            size: u64::try_from(size).unwrap_or(0),
            version,
            entries,
        })
    }
}

/// Claims a slot in the list new credentials go to: the newest one, or a new one when it
/// is half full. The claim (`allocated + 1`) is a conditional UPDATE, so it holds the list's
/// row until the transaction ends and the half-full check cannot be passed by two writers at
/// once (PostgreSQL re-checks the condition after waiting for the row; SQLite has one writer).
pub(super) async fn current_list(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    list_size: u64,
    now: i64,
) -> Result<Option<(i64, u64)>, Error> {
    let size = i64::try_from(list_size).map_err(|_| Error::config("status.list_size", "too large"))?;
    let newest: Option<(i64,)> = sqlx::query_as("SELECT id FROM status_lists ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    if let Some((id,)) = newest
        && let Some(size) = claim(tx, id).await?
    {
        return Ok(Some((id, size)));
    }
    let id = newest.map_or(1, |(id,)| id + 1);
    sqlx::query(
        "INSERT INTO status_lists (id, size, allocated, version, created_at) VALUES ($1, $2, 0, 0, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(size)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    // Another writer may have opened (and filled) this list meanwhile: then the caller
    // draws again and finds the next one.
    Ok(claim(tx, id).await?.map(|size| (id, size)))
}

/// Takes one slot of list `id` when it is less than half full; returns the list's size.
async fn claim(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<Option<u64>, Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE status_lists SET allocated = allocated + 1 WHERE id = $1 AND allocated < size / 2 RETURNING size",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row
        .and_then(|(size,)| u64::try_from(size).ok())
        .filter(|size| *size > 0))
}

impl Store {
    /// Closes every status list to new credentials, in one transaction with an audit entry
    /// (`restore`, with `detail`); returns how many were still open. After a restore from a
    /// backup, credentials issued after the backup was taken hold slots the restored database
    /// does not know: new credentials then go to new lists, so no slot is ever given twice.
    pub async fn close_status_lists(&self, actor: &str, detail: &str) -> Result<u64, Error> {
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let closed = sqlx::query("UPDATE status_lists SET allocated = size / 2 WHERE allocated < size / 2")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let detail = format!("{detail}; {closed} status lists closed to new credentials");
        audit::append(&mut tx, unix_now(), actor, "restore", None, Some(&detail)).await?;
        tx.commit().await?;
        Ok(closed)
    }
}
