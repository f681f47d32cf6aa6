//! Group commit for issuance records: one writer task per store takes every insertion
//! waiting when it is free and stores them all in one transaction — slots claimed with one
//! UPDATE, records with one multi-row INSERT, audit entries with another — then answers
//! each caller. Nobody waits for a batch to fill: a lone request is committed at once, and
//! requests arriving during a commit go together in the next one. A caller hears of its
//! record only after the COMMIT that holds it, so the guarantee stays "committed before the
//! credential is returned", while the per-transaction costs (the write lock, round trips
//! to the database, the WAL sync) are paid once per batch rather than once per credential.
//!
//! When a batch fails as a whole (e.g. one row repeats an ID or idempotency key that is
//! already stored), it is rolled back and retried in halves, so each caller gets its own
//! answer and nobody else's error.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use rand_core::RngCore as _;
use serde_json::Map;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::credentials::{CredentialRecord, NewCredential, RecordStatus, current_list, is_unique_violation};
use super::unix_now;
use crate::Error;

/// The most insertions in one transaction (13 bound values each: well within SQLite's
/// 32,766 and PostgreSQL's 65,535 parameters per statement).
const MAX_BATCH: usize = 256;

/// Insertions that may wait for the writer before callers wait to enqueue.
const QUEUE: usize = 4096;

/// Attempts at free random slots before giving up (a list is at most half full, so each
/// draw succeeds with probability at least 1/2).
const SLOT_ATTEMPTS: usize = 64;

/// The columns of one record row after the shared `issued_at`/`updated_at` value.
const ROW_VALUES: usize = 12;

/// Where a committed record went: its status list, its slot, and the commit time.
#[derive(Debug, Clone, Copy)]
struct Placed {
    list: i64,
    index: i64,
    at: i64,
}

/// One insertion waiting for the writer.
struct Pending {
    /// The record to store, without its claims map (`claims` holds them).
    new: NewCredential,
    /// The claims, serialized by the caller.
    claims: String,
    /// The size of a new status list, should one be opened.
    list_size: u64,
    /// The audit log's actor.
    actor: String,
    /// Where the slot of the committed record (or the error) goes.
    reply: oneshot::Sender<Result<Placed, Error>>,
}

/// The sending side, held by the store.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    queue: mpsc::Sender<Pending>,
}

impl Writer {
    /// Starts the writer task on the current runtime; it ends when every [`Writer`] is gone.
    pub(super) fn spawn(pool: AnyPool, postgres: bool) -> Writer {
        let (queue, mut waiting) = mpsc::channel::<Pending>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
                commit(&pool, postgres, std::mem::take(&mut batch)).await;
            }
        });
        Writer { queue }
    }

    /// Queues `pending` and waits for its commit.
    pub(super) async fn insert(
        &self,
        new: &NewCredential,
        list_size: u64,
        actor: &str,
    ) -> Result<CredentialRecord, Error> {
        let claims =
            serde_json::to_string(&new.claims).map_err(|e| Error::corrupt(format!("claims cannot be stored: {e}")))?;
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            new: NewCredential {
                id: new.id.clone(),
                template: new.template.clone(),
                record_key: new.record_key.clone(),
                format: new.format.clone(),
                claims: Map::new(),
                holder: new.holder.clone(),
                valid_from: new.valid_from,
                valid_until: new.valid_until,
                replaces: new.replaces.clone(),
                idempotency_key: new.idempotency_key.clone(),
            },
            claims,
            list_size,
            actor: actor.to_owned(),
            reply,
        };
        let stopped = || Error::store_unavailable("the database writer has stopped");
        self.queue.send(pending).await.map_err(|_| stopped())?;
        let placed = answer.await.map_err(|_| stopped())??;
        Ok(CredentialRecord {
            id: new.id.clone(),
            template: new.template.clone(),
            record_key: new.record_key.clone(),
            format: new.format.clone(),
            status: RecordStatus::Active,
            status_list: placed.list,
            status_index: placed.index,
            claims: new.claims.clone(),
            holder: new.holder.clone(),
            valid_from: new.valid_from,
            valid_until: new.valid_until,
            issued_at: placed.at,
            updated_at: placed.at,
            replaces: new.replaces.clone(),
        })
    }
}

/// Commits `batch` in one transaction. A repeated ID or idempotency key within the batch
/// is refused at once (the first holder goes on); when the transaction still fails, the
/// batch is halved and each half tried again, so a bad insertion costs its batch a few
/// more transactions and fails alone.
async fn commit(pool: &AnyPool, postgres: bool, batch: Vec<Pending>) {
    let mut ids = HashSet::with_capacity(batch.len());
    let mut keys = HashSet::new();
    let mut first = Vec::with_capacity(batch.len());
    for pending in batch {
        let repeated = !ids.insert(pending.new.id.clone())
            || pending
                .new
                .idempotency_key
                .as_ref()
                .is_some_and(|key| !keys.insert(key.clone()));
        if repeated {
            let error = conflict(std::slice::from_ref(&pending));
            let _ = pending.reply.send(Err(error));
        } else {
            first.push(pending);
        }
    }
    let mut work = vec![first];
    while let Some(mut batch) = work.pop() {
        if batch.is_empty() {
            continue;
        }
        match insert_all(pool, postgres, &batch).await {
            Ok(placed) => {
                for (pending, placed) in batch.into_iter().zip(placed) {
                    let _ = pending.reply.send(Ok(placed));
                }
            }
            Err(error) if batch.len() == 1 => {
                if let Some(pending) = batch.pop() {
                    let _ = pending.reply.send(Err(error));
                }
            }
            Err(_) => {
                let second = batch.split_off(batch.len() / 2);
                work.push(second);
                work.push(batch);
            }
        }
    }
}

/// The conflict error for `batch`, naming the key when it is one insertion.
fn conflict(batch: &[Pending]) -> Error {
    Error::Conflict(match batch {
        [one] => format!(
            "a credential with this id or idempotency key exists ({})",
            one.new.idempotency_key.as_deref().unwrap_or(&one.new.id)
        ),
        _ => "a credential with one of these ids or idempotency keys exists".to_owned(),
    })
}

/// Stores every insertion of `batch` and its audit entry in one transaction; where each
/// went, in the order of `batch`. A repeated ID or idempotency key is [`Error::Conflict`].
async fn insert_all(pool: &AnyPool, postgres: bool, batch: &[Pending]) -> Result<Vec<Placed>, Error> {
    let now = unix_now();
    let begin = if postgres { "BEGIN" } else { "BEGIN IMMEDIATE" };
    let mut tx = pool.begin_with(begin).await?;
    let lists = claim_slots(&mut tx, batch, now).await?;
    let indexes = place(&mut tx, batch, &lists, now).await.map_err(|e| match e {
        Placement::Conflict => conflict(batch),
        Placement::Failed(e) => e,
    })?;
    audit_all(&mut tx, batch, now).await?;
    tx.commit().await?;
    Ok(lists
        .iter()
        .zip(indexes)
        .map(|(&(list, _), index)| Placed { list, index, at: now })
        .collect())
}

/// Claims one slot per insertion: all in the newest list with one UPDATE when it has room
/// for them, else one at a time (opening lists as they fill). Returns (list, size) per
/// insertion.
async fn claim_slots(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &[Pending],
    now: i64,
) -> Result<Vec<(i64, u64)>, Error> {
    let n = i64::try_from(batch.len()).map_err(|_| Error::store_unavailable("batch too large"))?;
    // The conditional UPDATE holds the list's row to the end of the transaction, so the
    // half-full limit cannot be passed by two writers at once (PostgreSQL re-checks the
    // condition after waiting for the row).
    let all: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE status_lists SET allocated = allocated + $1 \
         WHERE id = (SELECT MAX(id) FROM status_lists) AND allocated + $1 <= size / 2 RETURNING id, size",
    )
    .bind(n)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((list, size)) = all
        && let Ok(size) = u64::try_from(size)
        && size > 0
    {
        return Ok(vec![(list, size); batch.len()]);
    }
    let mut lists = Vec::with_capacity(batch.len());
    for pending in batch {
        let mut found = None;
        for _ in 0..SLOT_ATTEMPTS {
            found = current_list(tx, pending.list_size, now).await?;
            if found.is_some() {
                break;
            }
        }
        lists.push(found.ok_or_else(|| Error::store_unavailable("no status list with a free slot"))?);
    }
    Ok(lists)
}

/// Why placing records failed.
enum Placement {
    /// An ID or idempotency key exists already.
    Conflict,
    /// Anything else.
    Failed(Error),
}

impl From<sqlx::Error> for Placement {
    fn from(e: sqlx::Error) -> Placement {
        if is_unique_violation(&e) {
            Placement::Conflict
        } else {
            Placement::Failed(e.into())
        }
    }
}

/// Inserts the records at random free slots of their lists: a multi-row INSERT that skips
/// rows whose slot is taken, then new draws for those, until all are placed. Returns the
/// index per insertion.
async fn place(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &[Pending],
    lists: &[(i64, u64)],
    now: i64,
) -> Result<Vec<i64>, Placement> {
    let mut indexes = vec![0i64; batch.len()];
    let mut drawn: HashSet<(i64, i64)> = HashSet::with_capacity(batch.len());
    let mut unplaced: Vec<usize> = (0..batch.len()).collect();
    for _ in 0..SLOT_ATTEMPTS {
        // Fresh draws, distinct within the batch.
        for &i in &unplaced {
            let (list, size) = lists.get(i).copied().unwrap_or((0, 1));
            let index = loop {
                let index = (rand_core::OsRng.next_u64() % size) as i64;
                if drawn.insert((list, index)) {
                    break index;
                }
            };
            if let Some(slot) = indexes.get_mut(i) {
                *slot = index;
            }
        }
        let sql = insert_sql(unplaced.len());
        // The text is built from placeholders only, with no input in it.
        let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql)).bind(now);
        for &i in &unplaced {
            let (Some(pending), Some((list, _)), Some(index)) = (batch.get(i), lists.get(i), indexes.get(i)) else {
                continue;
            };
            let new = &pending.new;
            query = query
                .bind(new.id.as_str())
                .bind(new.template.as_str())
                .bind(new.record_key.as_str())
                .bind(new.format.as_str())
                .bind(*list)
                .bind(*index)
                .bind(pending.claims.as_str())
                .bind(new.holder.as_deref())
                .bind(new.valid_from)
                .bind(new.valid_until)
                .bind(new.replaces.as_deref())
                .bind(new.idempotency_key.as_deref());
        }
        let inserted: HashSet<String> = query.fetch_all(&mut **tx).await?.into_iter().map(|(id,)| id).collect();
        unplaced.retain(|&i| batch.get(i).is_some_and(|p| !inserted.contains(&p.new.id)));
        if unplaced.is_empty() {
            return Ok(indexes);
        }
    }
    Err(Placement::Failed(Error::store_unavailable(
        "no free status-list slot found",
    )))
}

/// `INSERT INTO credentials ... VALUES (...), ... ON CONFLICT (slot) DO NOTHING RETURNING id`
/// for `rows` rows; `$1` is the issuance time, shared.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO credentials (id, template, record_key, format, status_list, status_index, claims, holder, \
         valid_from, valid_until, replaces, idempotency_key, status, issued_at, updated_at) VALUES ",
    );
    for row in 0..rows {
        let first = 2 + row * ROW_VALUES;
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..ROW_VALUES {
            let _ = write!(sql, "${}, ", first + column);
        }
        sql.push_str("'active', $1, $1)");
    }
    sql.push_str(" ON CONFLICT (status_list, status_index) DO NOTHING RETURNING id");
    sql
}

/// One `issue` audit entry per insertion, in batch order, with one INSERT.
async fn audit_all(tx: &mut sqlx::Transaction<'_, sqlx::Any>, batch: &[Pending], now: i64) -> Result<(), Error> {
    // Actors repeat (usually one token issues a whole batch): bind each once.
    let mut actors: HashMap<&str, usize> = HashMap::new();
    let mut sql = String::from("INSERT INTO audit (at, actor, action, target, detail) VALUES ");
    let mut next = 2;
    let mut binds: Vec<&str> = Vec::new();
    for (row, pending) in batch.iter().enumerate() {
        let actor = match actors.get(pending.actor.as_str()) {
            Some(n) => *n,
            None => {
                actors.insert(&pending.actor, next);
                binds.push(&pending.actor);
                next += 1;
                next - 1
            }
        };
        binds.push(&pending.new.id);
        binds.push(&pending.new.template);
        let _ = write!(
            sql,
            "{}($1, ${actor}, 'issue', ${}, ${})",
            if row == 0 { "" } else { ", " },
            next,
            next + 1
        );
        next += 2;
    }
    // The text is built from placeholders only, with no input in it.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
    for value in binds {
        query = query.bind(value);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
