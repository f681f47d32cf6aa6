//! The store against both databases it supports: every test body runs once on SQLite (a
//! temporary file) and once on PostgreSQL (a fresh database on a private test server).

use crate::common;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Instant;

use rand_core::RngCore as _;
use serde_json::{Map, json};
use vc_issuer::Error;
use vc_issuer::store::{NewCredential, RecordStatus, Scope, Store};

/// A database for one test: its URL (for a second `Store::open` or raw SQL) and the store.
struct Db {
    url: String,
    store: Store,
    /// The SQLite file's folder, removed on drop.
    dir: Option<tempfile::TempDir>,
}

impl Db {
    async fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/issuer.db", dir.path().display());
        let store = Store::open(&url).await.unwrap();
        Db {
            url,
            store,
            dir: Some(dir),
        }
    }

    async fn postgres() -> Db {
        let url = common::pg::database().await;
        let store = Store::open(&url).await.unwrap();
        Db { url, store, dir: None }
    }

    /// A plain connection pool to the same database, for SQL the store does not offer.
    async fn raw(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.url).await.unwrap()
    }

    fn name(&self) -> &'static str {
        if self.store.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

/// Runs `async fn $name(db: &Db)` as two tests, `$name::sqlite` and `$name::postgres`; the
/// PostgreSQL one is a system test (ignored by `cargo test`, run by `./scripts/test`).
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = super::Db::sqlite().await;
                super::$name(&db).await;
                db.store.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "system test (PostgreSQL server programs): ./scripts/test runs it"]
            async fn postgres() {
                let db = super::Db::postgres().await;
                super::$name(&db).await;
                db.store.close().await;
            }
        }
    )*};
}

on_both!(
    insert_get_list,
    status_transitions,
    status_list_state,
    tokens,
    audit_entries,
    audit_is_append_only,
    second_list_opens_when_half_full,
    concurrent_inserts,
    two_replicas,
    racing_status_changes_keep_revocation_final,
    pins_are_keyed_so_a_copy_of_the_database_does_not_give_them,
);

fn uuid() -> String {
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn new_credential(template: &str, record_key: &str) -> NewCredential {
    let mut claims = Map::new();
    claims.insert("name".into(), json!("Kim Min-jun"));
    claims.insert("employeeNumber".into(), json!(record_key));
    NewCredential {
        id: uuid(),
        template: template.into(),
        record_key: record_key.into(),
        format: "vc+jwt".into(),
        claims,
        holder: Some("did:key:z6MkExample".into()),
        valid_from: 1_700_000_000,
        valid_until: 1_900_000_000,
        replaces: None,
        idempotency_key: None,
    }
}

const LIST_SIZE: u64 = 131_072;

/// An offer with a 6-digit PIN made through `store`: its id, code and PIN.
async fn offer_with_pin(store: &Store) -> (String, String, String) {
    let new = vc_issuer::store::NewOffer {
        template: "EmployeeIdCredential".into(),
        record_key: uuid(),
        claims: Map::new(),
        tx_code_length: 6,
        approval_required: false,
        idempotency_key: None,
        ttl_seconds: 3600,
    };
    match store.create_offer(&new, "test").await.unwrap() {
        vc_issuer::store::OfferCreation::Created(made) => (
            made.offer.id.clone(),
            made.code.to_string(),
            made.tx_code.as_ref().unwrap().to_string(),
        ),
        other => panic!("{other:?}"),
    }
}

/// Issue 28, finding 7: a copy of the database gave every live offer's PIN in seconds
/// (`SHA-256(offer_id ":" PIN)` over 10^6 PINs). PINs are now an HMAC under a key kept apart
/// from the database: the digest matches no unkeyed SHA-256 of any PIN; the right PIN still
/// redeems; an offer made before (an unkeyed digest) still redeems after the upgrade; a store
/// without the key refuses to check a keyed PIN instead of calling it wrong.
async fn pins_are_keyed_so_a_copy_of_the_database_does_not_give_them(db: &Db) {
    use sha2::Digest as _;
    let key = zeroize::Zeroizing::new([7u8; 32]);
    let keyed = Store::open(&db.url).await.unwrap().with_pin_key(key.clone());
    let (id, code, pin) = offer_with_pin(&keyed).await;
    let raw = db.raw().await;
    let (stored,): (String,) = sqlx::query_as("SELECT tx_code_hash FROM offers WHERE id = $1")
        .bind(&id)
        .fetch_one(&raw)
        .await
        .unwrap();
    assert!(stored.starts_with("hmac-sha256:"), "{stored}");
    // The attack on a copy: try every PIN against the unkeyed digest. None matches.
    let unkeyed = |pin: &str| {
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            sha2::Sha256::digest(format!("{id}:{pin}").as_bytes()),
        )
    };
    assert_ne!(unkeyed(&pin), stored);
    // Without the key, a keyed PIN cannot be checked: an error, not a wrong PIN.
    let keyless = Store::open(&db.url).await.unwrap();
    assert!(matches!(
        keyless.redeem_code(&code, Some(&pin), 600).await,
        Err(Error::Unsupported(_))
    ));
    assert!(keyed.redeem_code(&code, Some(&pin), 600).await.unwrap().is_ok());

    // An offer from before the upgrade (unkeyed digest) still redeems with the key in place.
    let (_, old_code, old_pin) = offer_with_pin(&keyless).await;
    assert!(keyed.redeem_code(&old_code, Some(&old_pin), 600).await.unwrap().is_ok());
    keyless.close().await;
    keyed.close().await;
}

async fn insert_get_list(db: &Db) {
    let s = &db.store;
    let a = s
        .insert_credential(&new_credential("employee", "E1"), LIST_SIZE, "tok_a")
        .await
        .unwrap();
    let mut b_new = new_credential("employee", "E2");
    b_new.holder = None;
    b_new.idempotency_key = Some("idem-1".into());
    let b = s.insert_credential(&b_new, LIST_SIZE, "tok_a").await.unwrap();
    let c = s
        .insert_credential(&new_credential("visitor", "E1"), LIST_SIZE, "tok_a")
        .await
        .unwrap();

    let got = s.credential(&a.id).await.unwrap();
    assert_eq!(got.id, a.id);
    assert_eq!(got.template, "employee");
    assert_eq!(got.record_key, "E1");
    assert_eq!(got.format, "vc+jwt");
    assert_eq!(got.status, RecordStatus::Active);
    assert_eq!((got.status_list, got.status_index), (a.status_list, a.status_index));
    assert_eq!(got.claims, a.claims);
    assert_eq!(got.holder.as_deref(), Some("did:key:z6MkExample"));
    assert_eq!((got.valid_from, got.valid_until), (1_700_000_000, 1_900_000_000));
    assert_eq!(got.issued_at, a.issued_at);
    assert_eq!(s.credential(&b.id).await.unwrap().holder, None);

    let mut ids = vec![a.id.clone(), b.id.clone(), c.id.clone()];
    ids.sort();
    let all: Vec<String> = s
        .list_credentials(None, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(all, ids);
    let employees = s.list_credentials(Some("employee"), None, None, 100).await.unwrap();
    assert_eq!(employees.len(), 2);
    let e1 = s
        .list_credentials(Some("employee"), Some("E1"), None, 100)
        .await
        .unwrap();
    assert_eq!(e1.len(), 1);
    assert_eq!(e1[0].id, a.id);
    let by_key = s.list_credentials(None, Some("E1"), None, 100).await.unwrap();
    assert_eq!(by_key.len(), 2);
    let page = s.list_credentials(None, None, Some(&ids[0]), 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, ids[1]);
    assert_eq!(s.count_credentials().await.unwrap(), 3);

    assert!(matches!(s.credential("urn:uuid:nope").await, Err(Error::NotFound(_))));
    let found = s.credential_by_idempotency_key("idem-1").await.unwrap().unwrap();
    assert_eq!(found.id, b.id);
    assert!(s.credential_by_idempotency_key("idem-2").await.unwrap().is_none());

    // The same id, or the same idempotency key, is a conflict and stores nothing.
    let mut again = new_credential("employee", "E3");
    again.id = a.id.clone();
    assert!(matches!(
        s.insert_credential(&again, LIST_SIZE, "tok_a").await,
        Err(Error::Conflict(_))
    ));
    let mut again = new_credential("employee", "E3");
    again.idempotency_key = Some("idem-1".into());
    assert!(matches!(
        s.insert_credential(&again, LIST_SIZE, "tok_a").await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(s.count_credentials().await.unwrap(), 3);
}

async fn status_transitions(db: &Db) {
    let s = &db.store;
    let rec = s
        .insert_credential(&new_credential("employee", "E1"), LIST_SIZE, "tok_a")
        .await
        .unwrap();
    let list = rec.status_list;
    let v0 = s.status_list_version(list).await.unwrap().unwrap();
    let steps = [RecordStatus::Suspended, RecordStatus::Active, RecordStatus::Revoked];
    for (n, to) in steps.into_iter().enumerate() {
        let done = s.set_status(&rec.id, to, "tok_r", Some("test")).await.unwrap();
        assert_eq!(done.status, to);
        assert_eq!(s.credential(&rec.id).await.unwrap().status, to);
        assert_eq!(s.status_list_version(list).await.unwrap().unwrap(), v0 + n as i64 + 1);
    }
    // Revoked is final: nothing changes, not even the version.
    for to in [RecordStatus::Active, RecordStatus::Suspended, RecordStatus::Revoked] {
        let err = s.set_status(&rec.id, to, "tok_r", None).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    }
    assert_eq!(s.credential(&rec.id).await.unwrap().status, RecordStatus::Revoked);
    assert_eq!(s.status_list_version(list).await.unwrap().unwrap(), v0 + 3);
    // Active → active is refused too.
    let other = s
        .insert_credential(&new_credential("employee", "E2"), LIST_SIZE, "tok_a")
        .await
        .unwrap();
    assert!(matches!(
        s.set_status(&other.id, RecordStatus::Active, "tok_r", None).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        s.set_status("urn:uuid:nope", RecordStatus::Revoked, "tok_r", None)
            .await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(s.status_list_version(list + 100).await.unwrap(), None);
}

async fn status_list_state(db: &Db) {
    let s = &db.store;
    let mut recs = Vec::new();
    for n in 0..5 {
        recs.push(
            s.insert_credential(&new_credential("employee", &format!("E{n}")), 64, "tok_a")
                .await
                .unwrap(),
        );
    }
    let list = recs[0].status_list;
    assert!(recs.iter().all(|r| r.status_list == list));
    let empty = s.status_list_state(list).await.unwrap();
    assert_eq!(empty.size, 64);
    assert!(empty.entries.is_empty());

    s.set_status(&recs[1].id, RecordStatus::Suspended, "tok_r", None)
        .await
        .unwrap();
    s.set_status(&recs[3].id, RecordStatus::Revoked, "tok_r", None)
        .await
        .unwrap();
    s.set_status(&recs[4].id, RecordStatus::Suspended, "tok_r", None)
        .await
        .unwrap();
    s.set_status(&recs[4].id, RecordStatus::Active, "tok_r", None)
        .await
        .unwrap();
    let state = s.status_list_state(list).await.unwrap();
    assert_eq!(state.version, empty.version + 4);
    assert_eq!(state.version, s.status_list_version(list).await.unwrap().unwrap());
    let mut entries = state.entries.clone();
    entries.sort_by_key(|e| e.0);
    let mut expected = vec![
        (recs[1].status_index as u64, RecordStatus::Suspended),
        (recs[3].status_index as u64, RecordStatus::Revoked),
    ];
    expected.sort_by_key(|e| e.0);
    assert_eq!(
        entries.iter().map(|e| e.0).collect::<Vec<_>>(),
        expected.iter().map(|e| e.0).collect::<Vec<_>>()
    );
    for (index, status) in &expected {
        assert!(state.entries.contains(&(*index, *status)));
    }
    assert!(matches!(s.status_list_state(list + 100).await, Err(Error::NotFound(_))));
    assert_eq!(s.status_list_ids().await.unwrap(), vec![list]);
}

async fn tokens(db: &Db) {
    let s = &db.store;
    let first = s.bootstrap_admin_token().await.unwrap().expect("the first admin token");
    assert!(first.starts_with("dojang_"));
    assert!(s.bootstrap_admin_token().await.unwrap().is_none(), "only once");
    let admin = s.token_for_secret(&first).await.unwrap().unwrap();
    assert!(admin.allows(Scope::Revoke));

    let scopes = BTreeSet::from([Scope::Issue, Scope::Read]);
    let (info, secret) = s.create_token("issuing robot", &scopes, &admin.id).await.unwrap();
    assert!(secret.starts_with("dojang_") && secret.len() > 40);
    let found = s.token_for_secret(&secret).await.unwrap().unwrap();
    assert_eq!(found.id, info.id);
    assert_eq!(found.scopes, scopes);
    assert_eq!(found.label, "issuing robot");
    assert!(found.allows(Scope::Issue) && !found.allows(Scope::Revoke));
    assert!(s.token_for_secret("dojang_wrong").await.unwrap().is_none());
    assert!(s.token_for_secret(&secret[1..]).await.unwrap().is_none());
    assert!(matches!(
        s.create_token("none", &BTreeSet::new(), &admin.id).await,
        Err(Error::InvalidInput { .. })
    ));

    // Only the digest is stored: no column of any token row holds either secret.
    let raw = db.raw().await;
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, secret_hash, scopes, label FROM tokens")
            .fetch_all(&raw)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for column in [&row.0, &row.1, &row.2, &row.3] {
            for secret in [first.as_str(), secret.as_str()] {
                assert!(!column.contains(secret) && !column.contains(&secret["dojang_".len()..]));
            }
        }
    }
    let hashes: HashSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert!(hashes.contains(vc_issuer::store::tokens::secret_hash(&secret).as_str()));
    raw.close().await;

    let live: Vec<String> = s.tokens().await.unwrap().into_iter().map(|t| t.id).collect();
    assert!(live.contains(&info.id) && live.contains(&admin.id));
    s.revoke_token(&info.id, &admin.id).await.unwrap();
    assert!(s.token_for_secret(&secret).await.unwrap().is_none());
    assert!(!s.tokens().await.unwrap().iter().any(|t| t.id == info.id));
    assert!(matches!(
        s.revoke_token(&info.id, &admin.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(s.token_for_secret(&first).await.unwrap().is_some());
}

async fn audit_entries(db: &Db) {
    let s = &db.store;
    let rec = s
        .insert_credential(&new_credential("employee", "E42"), LIST_SIZE, "tok_issuer")
        .await
        .unwrap();
    s.set_status(&rec.id, RecordStatus::Suspended, "tok_rev", Some("lost badge"))
        .await
        .unwrap();
    s.set_status(&rec.id, RecordStatus::Active, "tok_rev", None)
        .await
        .unwrap();
    s.set_status(&rec.id, RecordStatus::Revoked, "tok_rev", Some("left the company"))
        .await
        .unwrap();
    s.audit("tok_admin", "offer.create", None, Some("3 offers"))
        .await
        .unwrap();

    let entries = s.audit_entries(0, 100).await.unwrap();
    let seen: Vec<(&str, &str, Option<&str>, Option<&str>)> = entries
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.target.as_deref(),
                e.detail.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("tok_issuer", "issue", Some(rec.id.as_str()), Some("employee")),
            ("tok_rev", "suspend", Some(rec.id.as_str()), Some("lost badge")),
            ("tok_rev", "unsuspend", Some(rec.id.as_str()), None),
            ("tok_rev", "revoke", Some(rec.id.as_str()), Some("left the company")),
            ("tok_admin", "offer.create", None, Some("3 offers")),
        ]
    );
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(entries.iter().all(|e| e.at >= rec.issued_at));
    // No claim value or record key is in the log.
    let text = serde_json::to_string(&entries).unwrap();
    for claim in ["Kim Min-jun", "E42", "did:key:z6MkExample"] {
        assert!(!text.contains(claim), "{claim} in the audit log");
    }
    // Paging.
    let rest = s.audit_entries(entries[1].seq, 2).await.unwrap();
    assert_eq!(
        rest.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![entries[2].seq, entries[3].seq]
    );
}

async fn audit_is_append_only(db: &Db) {
    let s = &db.store;
    s.audit("tok_admin", "token.create", Some("tok_x"), None).await.unwrap();
    let raw = db.raw().await;
    let update = sqlx::query("UPDATE audit SET actor = 'someone else'")
        .execute(&raw)
        .await;
    let err = update.expect_err("UPDATE on the audit log");
    assert!(err.to_string().contains("append-only"), "{err}");
    let delete = sqlx::query("DELETE FROM audit").execute(&raw).await;
    let err = delete.expect_err("DELETE on the audit log");
    assert!(err.to_string().contains("append-only"), "{err}");
    raw.close().await;
    let entries = s.audit_entries(0, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, "tok_admin");
    // Reopening (migrating again) keeps the guard.
    let again = Store::open(&db.url).await.unwrap();
    let raw = db.raw().await;
    assert!(sqlx::query("DELETE FROM audit").execute(&raw).await.is_err());
    raw.close().await;
    again.close().await;
}

async fn second_list_opens_when_half_full(db: &Db) {
    let s = &db.store;
    let mut recs = Vec::new();
    for n in 0..8 {
        recs.push(
            s.insert_credential(&new_credential("employee", &format!("E{n}")), 16, "tok_a")
                .await
                .unwrap(),
        );
    }
    let first = recs[0].status_list;
    assert!(recs.iter().all(|r| r.status_list == first));
    let slots: HashSet<i64> = recs.iter().map(|r| r.status_index).collect();
    assert_eq!(slots.len(), 8);
    assert!(slots.iter().all(|i| (0..16).contains(i)));
    let ninth = s
        .insert_credential(&new_credential("employee", "E8"), 16, "tok_a")
        .await
        .unwrap();
    assert_eq!(ninth.status_list, first + 1);
    assert!((0..16).contains(&ninth.status_index));
    assert_eq!(s.status_list_ids().await.unwrap(), vec![first, first + 1]);
    assert_eq!(s.status_list_state(first + 1).await.unwrap().size, 16);
}

async fn concurrent_inserts(db: &Db) {
    const N: usize = 1000;
    let store = Arc::new(db.store.clone());
    let started = Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .insert_credential(&new_credential("employee", &format!("E{n}")), 4096, "tok_a")
                    .await
            })
        })
        .collect();
    let mut records = Vec::with_capacity(N);
    for task in tasks {
        records.push(task.await.unwrap().unwrap());
    }
    let elapsed = started.elapsed();
    eprintln!("{N} concurrent inserts on {}: {elapsed:?}", db.name());
    let slots: HashSet<(i64, i64)> = records.iter().map(|r| (r.status_list, r.status_index)).collect();
    assert_eq!(slots.len(), N);
    assert_eq!(store.count_credentials().await.unwrap(), N as i64);
    let stored: HashSet<(i64, i64)> = store
        .list_credentials(None, None, None, 10 * N as i64)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.status_list, r.status_index))
        .collect();
    assert_eq!(stored, slots);
    // 4096 slots, at most half of each list used: 1000 fit in the first list.
    assert!(
        slots
            .iter()
            .all(|(list, index)| *list == 1 && (0..4096).contains(index))
    );
    assert_eq!(store.audit_entries(0, 10 * N as i64).await.unwrap().len(), N);
}

async fn two_replicas(db: &Db) {
    // Two stores opening (and creating the tables of) one new database at the same time.
    let url = match &db.dir {
        None => common::pg::database().await,
        Some(dir) => format!("sqlite://{}/replicas.db", dir.path().display()),
    };
    let (a, b) = tokio::join!(Store::open(&url), Store::open(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let ra = a
        .insert_credential(&new_credential("employee", "A"), LIST_SIZE, "replica_a")
        .await
        .unwrap();
    let rb = b
        .insert_credential(&new_credential("employee", "B"), LIST_SIZE, "replica_b")
        .await
        .unwrap();
    assert_eq!(b.credential(&ra.id).await.unwrap().record_key, "A");
    assert_eq!(a.credential(&rb.id).await.unwrap().record_key, "B");
    assert_eq!(a.count_credentials().await.unwrap(), 2);
    assert_eq!(b.count_credentials().await.unwrap(), 2);
    b.set_status(&ra.id, RecordStatus::Revoked, "replica_b", None)
        .await
        .unwrap();
    assert_eq!(a.credential(&ra.id).await.unwrap().status, RecordStatus::Revoked);
    assert_eq!(a.meta_init("issuer", "from-a").await.unwrap(), "from-a");
    assert_eq!(b.meta_init("issuer", "from-b").await.unwrap(), "from-a");
    assert_eq!(b.meta("issuer").await.unwrap().as_deref(), Some("from-a"));
    assert_eq!(b.meta("missing").await.unwrap(), None);
    a.close().await;
    b.close().await;
}

/// Two replicas change one suspended record at once, one revoking and one unsuspending:
/// whatever the order, a revocation that succeeded is final, and each success left exactly
/// one audit entry.
async fn racing_status_changes_keep_revocation_final(db: &Db) {
    let s = &db.store;
    let replica = Store::open(&db.url).await.unwrap();
    for n in 0..25 {
        let rec = s
            .insert_credential(&new_credential("employee", &format!("R{n}")), LIST_SIZE, "tok_a")
            .await
            .unwrap();
        s.set_status(&rec.id, RecordStatus::Suspended, "tok_r", None)
            .await
            .unwrap();
        let (revoke, unsuspend) = tokio::join!(
            s.set_status(&rec.id, RecordStatus::Revoked, "tok_revoke", None),
            replica.set_status(&rec.id, RecordStatus::Active, "tok_unsuspend", None),
        );
        let now = s.credential(&rec.id).await.unwrap().status;
        if revoke.is_ok() {
            assert_eq!(now, RecordStatus::Revoked, "{} revoked, then {unsuspend:?}", db.name());
        } else {
            assert!(matches!(revoke, Err(Error::Conflict(_))), "{revoke:?}");
            assert_eq!(now, RecordStatus::Active);
        }
        if let Err(e) = &unsuspend {
            assert!(matches!(e, Error::Conflict(_)), "{e:?}");
        }
        let entries = s.audit_entries(0, 100_000).await.unwrap();
        let count = |actor: &str| {
            entries
                .iter()
                .filter(|e| e.actor == actor && e.target.as_deref() == Some(rec.id.as_str()))
                .count()
        };
        assert_eq!(count("tok_revoke"), usize::from(revoke.is_ok()));
        assert_eq!(count("tok_unsuspend"), usize::from(unsuspend.is_ok()));
    }
    replica.close().await;
}
