//! Issuance under load, over real HTTP on 127.0.0.1, on SQLite and on PostgreSQL:
//!
//! - 1,000 concurrent `POST /admin/credentials` (all in flight at once) give 1,000 records,
//!   1,000 distinct status slots, one audit entry each, credentials pointing at their
//!   records' slots, and published lists with nothing set;
//! - issuance racing suspensions and revocations of earlier credentials leaves records,
//!   audit log and every published list consistent;
//! - a repeated idempotency key among concurrent requests (which the service commits
//!   together) fails only the repeats.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::jose::{self, VerifyOptions};
use did_core::key::VerifyingKey;
use did_core::status::{
    BitstringStatusListSubject, DecodeLimits, StatusListReference, StatusListToken, StatusPurpose, TokenStatus,
    bitstring_entries,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use vc_issuer::config::DidMethod;
use vc_issuer::store::{CredentialRecord, RecordStatus, Store};

use common::{Database, employee, on_both_databases, start_service};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .unwrap()
}

/// What one issuance answered.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Value,
}

/// Fires every body at `POST /admin/credentials` at once (the tasks wait at a barrier until
/// all are ready, then send); answers in the order of `bodies`.
async fn issue_all(http: &reqwest::Client, url: &str, token: &str, bodies: Vec<Value>) -> Vec<Answer> {
    let barrier = Arc::new(Barrier::new(bodies.len()));
    let mut tasks = JoinSet::new();
    for (n, body) in bodies.into_iter().enumerate() {
        let request = http
            .post(format!("{url}/admin/credentials"))
            .bearer_auth(token)
            .json(&body);
        let barrier = barrier.clone();
        tasks.spawn(async move {
            barrier.wait().await;
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                n,
                Answer {
                    status,
                    body: response.json().await.unwrap_or(Value::Null),
                },
            )
        });
    }
    let mut answers: Vec<Option<Answer>> = std::iter::repeat_with(|| None).take(tasks.len()).collect();
    while let Some(done) = tasks.join_next().await {
        let (n, answer) = done.unwrap();
        answers[n] = Some(answer);
    }
    answers.into_iter().map(Option::unwrap).collect()
}

/// The payload of a compact JWS (or of an SD-JWT's issuer-signed part).
fn jwt_payload(compact: &str) -> Value {
    let jws = compact.split('~').next().unwrap();
    let payload = jws.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Every record in the store, by ID.
async fn all_records(store: &Store) -> BTreeMap<String, CredentialRecord> {
    let mut out = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_credentials(None, None, after.as_deref(), 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for record in page {
            out.insert(record.id.clone(), record);
        }
    }
    out
}

/// How many audit entries there are per action, and the targets of `issue` entries.
async fn audit_summary(store: &Store) -> (BTreeMap<String, usize>, BTreeSet<String>) {
    let mut counts = BTreeMap::new();
    let mut issued = BTreeSet::new();
    let mut after = 0;
    loop {
        let page = store.audit_entries(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in page {
            if entry.action == "issue" {
                assert!(
                    issued.insert(entry.target.clone().unwrap()),
                    "two issue entries for one record"
                );
            }
            *counts.entry(entry.action).or_insert(0) += 1;
        }
    }
    (counts, issued)
}

/// The statuses a published list sets, by kind, checked against the issuer's key:
/// `token` (2-bit IETF list) and the `revocation` / `suspension` bitstrings. Also checks the
/// lists have the configured size.
async fn published(
    http: &reqwest::Client,
    url: &str,
    list: i64,
    key: &VerifyingKey,
    size: u64,
) -> BTreeMap<&'static str, BTreeMap<u64, u8>> {
    let mut out = BTreeMap::new();
    for kind in ["token", "revocation", "suspension"] {
        let list_url = format!("{url}/status/{list}/{kind}");
        let response = http.get(&list_url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{list_url}");
        let compact = response.text().await.unwrap();
        let verified = jose::decode(&compact)
            .unwrap()
            .verify(key, &VerifyOptions::default())
            .unwrap();
        let set: BTreeMap<u64, u8> = if kind == "token" {
            let (_, token) = StatusListToken::decode_unverified(&compact).unwrap();
            assert_eq!(token.sub, list_url);
            let bits = token.status_list.decode(&DecodeLimits::default()).unwrap();
            assert_eq!(bits.len(), size, "{list_url}");
            bits.iter_nonzero().map(|(i, s)| (i, s.value())).collect()
        } else {
            let credential: Value = serde_json::from_slice(&verified.payload).unwrap();
            let subject = BitstringStatusListSubject::from_credential(&credential).unwrap();
            let bits = subject.decode_list(1, &DecodeLimits::default()).unwrap();
            assert_eq!(bits.len(), size, "{list_url}");
            bits.iter_nonzero().collect()
        };
        out.insert(kind, set);
    }
    out
}

/// The status slot an issued credential points to, per purpose (`token` for SD-JWT VC,
/// `revocation` and `suspension` for W3C formats): (list URL, index).
fn slots_of(answer: &Value) -> BTreeMap<String, (String, u64)> {
    let credential = answer["credential"].as_str().unwrap();
    let payload = jwt_payload(credential);
    let mut out = BTreeMap::new();
    if let Some(reference) = StatusListReference::from_claims(&payload).unwrap() {
        out.insert("token".to_owned(), (reference.uri, reference.idx));
    }
    for entry in bitstring_entries(&payload).unwrap() {
        out.insert(
            entry.status_purpose.as_str().to_owned(),
            (entry.status_list_credential, entry.status_list_index),
        );
    }
    out
}

/// Checks every answer is a 201 whose credential points at its record's slot, for every
/// purpose it carries, and that no two credentials share a slot for any purpose.
fn check_answers(answers: &[Answer], url: &str, purposes: &[&str]) -> BTreeMap<String, (i64, i64)> {
    let mut by_id = BTreeMap::new();
    let mut taken: HashMap<String, BTreeSet<(String, u64)>> = HashMap::new();
    for (n, answer) in answers.iter().enumerate() {
        assert_eq!(answer.status, StatusCode::CREATED, "request {n}: {:#}", answer.body);
        let record = &answer.body["record"];
        let id = answer.body["id"].as_str().unwrap().to_owned();
        let list = record["status_list"].as_i64().unwrap();
        let index = record["status_index"].as_i64().unwrap();
        let slots = slots_of(&answer.body);
        let mut carried: Vec<&str> = slots.keys().map(String::as_str).collect();
        carried.sort_unstable();
        for purpose in purposes {
            let (list_url, idx) = slots
                .get(*purpose)
                .unwrap_or_else(|| panic!("request {n} carries no {purpose} status ({carried:?})"));
            assert_eq!(*list_url, format!("{url}/status/{list}/{purpose}"), "request {n}");
            assert_eq!(i64::try_from(*idx).unwrap(), index, "request {n}: {purpose} index");
            assert!(
                taken
                    .entry((*purpose).to_owned())
                    .or_default()
                    .insert((list_url.clone(), *idx)),
                "request {n}: {purpose} slot {list_url} {idx} given twice"
            );
        }
        assert!(by_id.insert(id, (list, index)).is_none(), "an ID returned twice");
    }
    by_id
}

// --- 1,000 concurrent issuances -------------------------------------------------------------

const MANY: usize = 1_000;

async fn thousand_concurrent_issuances(db: Database) {
    let (running, _dir, admin) = start_service(DidMethod::Key, db).await;
    let url = running.url();
    let store = running.state.issuer.store.clone();
    let key = running.state.issuer.signing().signer.verifying_key().clone();
    let size = running.state.config.status.list_size;
    let http = client();

    let bodies = (0..MANY)
        .map(|n| json!({"type": "EmployeeIdCredential", "claims": employee(&format!("E-{n:05}"))}))
        .collect();
    let started = std::time::Instant::now();
    let answers = issue_all(&http, &url, &admin, bodies).await;
    let elapsed = started.elapsed();

    // Every answer: 201, its credential pointing at its record's slot, no slot twice.
    let returned = check_answers(&answers, &url, &["token"]);
    assert_eq!(returned.len(), MANY);
    let numbers: BTreeSet<&str> = answers
        .iter()
        .map(|a| a.body["record"]["record_key"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), MANY, "every employee number once");

    // The store holds exactly these records, at these slots, all active.
    assert_eq!(store.count_credentials().await.unwrap(), MANY as i64);
    let records = all_records(&store).await;
    assert_eq!(records.len(), MANY);
    let mut slots = BTreeSet::new();
    for (id, record) in &records {
        assert_eq!(
            returned.get(id),
            Some(&(record.status_list, record.status_index)),
            "{id}"
        );
        assert_eq!(record.status, RecordStatus::Active);
        assert!(slots.insert((record.status_list, record.status_index)));
        assert!((0..i64::try_from(size).unwrap()).contains(&record.status_index));
    }
    assert_eq!(slots.len(), MANY, "distinct (list, index) pairs");

    // One audit entry per issuance, naming the record.
    let (counts, issued) = audit_summary(&store).await;
    assert_eq!(counts.get("issue"), Some(&MANY));
    assert_eq!(issued, records.keys().cloned().collect());

    // Every published list decodes, is signed by the issuer and has nothing set.
    let lists = store.status_list_ids().await.unwrap();
    assert!(!lists.is_empty());
    for list in lists {
        for (kind, set) in published(&http, &url, list, &key, size).await {
            assert!(set.is_empty(), "list {list} {kind}: {set:?}");
        }
    }
    eprintln!(
        "{MANY} concurrent issuances on {}: {elapsed:?}",
        if store.is_postgres() { "PostgreSQL" } else { "SQLite" }
    );
    running.stop().await.unwrap();
}

// --- issuance racing status changes ---------------------------------------------------------

/// Credentials issued before the race.
const EARLIER: usize = 120;
/// Credentials issued during the race.
const DURING: usize = 120;

/// What happens to earlier credential `n` during the race.
fn fate(n: usize) -> Option<RecordStatus> {
    match n % 4 {
        0 => Some(RecordStatus::Suspended),
        1 => Some(RecordStatus::Revoked),
        // Suspended, then revoked (in that order, by one task).
        2 => Some(RecordStatus::Revoked),
        _ => None,
    }
}

async fn post_status(http: &reqwest::Client, url: &str, token: &str, id: &str, action: &str) {
    let response = http
        .post(format!("{url}/admin/credentials/{id}/{action}"))
        .bearer_auth(token)
        .json(&json!({"reason": "test"}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "{action} {id}: {body}");
}

async fn issuance_races_status_changes(db: Database) {
    let (running, _dir, admin) = start_service(DidMethod::Key, db).await;
    let url = running.url();
    let store = running.state.issuer.store.clone();
    let key = running.state.issuer.signing().signer.verifying_key().clone();
    let size = running.state.config.status.list_size;
    let http = client();

    // Earlier credentials, half SD-JWT VC and half VC-JOSE (whose bitstring entries name
    // the revocation and suspension lists).
    let body = |n: usize, format: &str| json!({"type": "EmployeeIdCredential", "claims": employee(&format!("E-{n:05}")), "format": format});
    let format_of = |n: usize| if n.is_multiple_of(2) { "sd-jwt" } else { "vc+jwt" };
    let earlier = issue_all(
        &http,
        &url,
        &admin,
        (0..EARLIER).map(|n| body(n, format_of(n))).collect(),
    )
    .await;
    let earlier_ids: Vec<String> = earlier
        .iter()
        .map(|a| {
            assert_eq!(a.status, StatusCode::CREATED, "{:#}", a.body);
            a.body["id"].as_str().unwrap().to_owned()
        })
        .collect();

    // The race: new issuances, status changes of earlier credentials and list reads, all
    // started together.
    let mut changes = JoinSet::new();
    for (n, id) in earlier_ids.iter().enumerate() {
        let (http, url, admin, id) = (http.clone(), url.clone(), admin.clone(), id.clone());
        let actions: &[&str] = match n % 4 {
            0 => &["suspend"],
            1 => &["revoke"],
            2 => &["suspend", "revoke"],
            _ => &[],
        };
        changes.spawn(async move {
            for action in actions {
                post_status(&http, &url, &admin, &id, action).await;
            }
        });
    }
    let mut reads = JoinSet::new();
    for n in 0..20 {
        let (http, url) = (http.clone(), url.clone());
        let kind = ["token", "revocation", "suspension"][n % 3];
        reads.spawn(async move {
            let response = http.get(format!("{url}/status/1/{kind}")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        });
    }
    let during = issue_all(
        &http,
        &url,
        &admin,
        (EARLIER..EARLIER + DURING).map(|n| body(n, format_of(n))).collect(),
    )
    .await;
    while let Some(done) = changes.join_next().await {
        done.unwrap();
    }
    while let Some(done) = reads.join_next().await {
        done.unwrap();
    }

    // Every credential, earlier or new, points at its own slot for every purpose it carries.
    let all: Vec<Answer> = earlier.into_iter().chain(during).collect();
    let (sd_jwt, w3c): (Vec<Answer>, Vec<Answer>) = all.into_iter().partition(|a| a.body["format"] == "sd-jwt");
    let mut returned = check_answers(&sd_jwt, &url, &["token"]);
    returned.extend(check_answers(&w3c, &url, &["revocation", "suspension"]));
    assert_eq!(returned.len(), EARLIER + DURING);

    // Records: the expected statuses, at the returned slots, no slot twice.
    let records = all_records(&store).await;
    assert_eq!(records.len(), EARLIER + DURING);
    let mut expected: BTreeMap<&str, RecordStatus> =
        records.keys().map(|id| (id.as_str(), RecordStatus::Active)).collect();
    for (n, id) in earlier_ids.iter().enumerate() {
        if let Some(status) = fate(n) {
            expected.insert(id, status);
        }
    }
    let mut slots = BTreeSet::new();
    for (id, record) in &records {
        assert_eq!(record.status, expected[id.as_str()], "{id}");
        assert_eq!(returned.get(id), Some(&(record.status_list, record.status_index)));
        assert!(slots.insert((record.status_list, record.status_index)));
    }

    // Audit: one entry per issuance and per status change.
    let changed = |want: usize| (0..EARLIER).filter(|n| n % 4 == want).count();
    let (counts, issued) = audit_summary(&store).await;
    assert_eq!(counts.get("issue"), Some(&(EARLIER + DURING)));
    assert_eq!(counts.get("suspend"), Some(&(changed(0) + changed(2))));
    assert_eq!(counts.get("revoke"), Some(&(changed(1) + changed(2))));
    assert_eq!(issued.len(), EARLIER + DURING);

    // Every published list shows exactly the non-active records: token 1 = revoked,
    // 2 = suspended; each bitstring its own purpose.
    let lists = store.status_list_ids().await.unwrap();
    for list in lists {
        let mut want: BTreeMap<&str, BTreeMap<u64, u8>> = BTreeMap::new();
        for kind in ["token", "revocation", "suspension"] {
            want.insert(kind, BTreeMap::new());
        }
        for record in records.values().filter(|r| r.status_list == list) {
            let index = u64::try_from(record.status_index).unwrap();
            match record.status {
                RecordStatus::Active => {}
                RecordStatus::Revoked => {
                    want.get_mut("token")
                        .unwrap()
                        .insert(index, TokenStatus::INVALID.value());
                    want.get_mut(StatusPurpose::Revocation.as_str())
                        .unwrap()
                        .insert(index, 1);
                }
                RecordStatus::Suspended => {
                    want.get_mut("token")
                        .unwrap()
                        .insert(index, TokenStatus::SUSPENDED.value());
                    want.get_mut(StatusPurpose::Suspension.as_str())
                        .unwrap()
                        .insert(index, 1);
                }
            }
        }
        assert_eq!(published(&http, &url, list, &key, size).await, want, "list {list}");
    }
    running.stop().await.unwrap();
}

// --- a repeated idempotency key among concurrent issuances ---------------------------------

/// Requests with their own idempotency keys.
const DISTINCT_KEYS: usize = 60;
/// Requests sharing one key.
const SHARED_KEY: usize = 12;

/// Concurrent requests that share a transaction (group commit) with a request repeating an
/// idempotency key are not hurt by it: exactly one of the repeats wins, the others are 409,
/// every other request is 201, and nothing else is stored.
async fn repeated_idempotency_key_among_concurrent_issuances(db: Database) {
    let (running, _dir, admin) = start_service(DidMethod::Key, db).await;
    let url = running.url();
    let store = running.state.issuer.store.clone();
    let http = client();
    let mut bodies = Vec::new();
    for n in 0..DISTINCT_KEYS + SHARED_KEY {
        let key = if n < DISTINCT_KEYS {
            format!("key-{n}")
        } else {
            "shared".to_owned()
        };
        bodies.push(json!({
            "type": "EmployeeIdCredential",
            "claims": employee(&format!("E-{n:05}")),
            "idempotency_key": key,
        }));
    }
    let answers = issue_all(&http, &url, &admin, bodies).await;
    let (distinct, shared) = answers.split_at(DISTINCT_KEYS);
    let created = check_answers(distinct, &url, &["token"]);
    let shared_created: Vec<&Answer> = shared.iter().filter(|a| a.status == StatusCode::CREATED).collect();
    assert_eq!(shared_created.len(), 1, "{shared:#?}");
    for answer in shared.iter().filter(|a| a.status != StatusCode::CREATED) {
        assert_eq!(answer.status, StatusCode::CONFLICT, "{:#}", answer.body);
    }
    let records = all_records(&store).await;
    assert_eq!(records.len(), DISTINCT_KEYS + 1);
    for (id, slot) in &created {
        assert_eq!(records.get(id).map(|r| (r.status_list, r.status_index)), Some(*slot));
    }
    let winner = shared_created[0].body["id"].as_str().unwrap();
    assert_eq!(
        store.credential_by_idempotency_key("shared").await.unwrap().unwrap().id,
        winner
    );
    let (counts, issued) = audit_summary(&store).await;
    assert_eq!(counts.get("issue"), Some(&(DISTINCT_KEYS + 1)));
    assert_eq!(issued, records.keys().cloned().collect());
    running.stop().await.unwrap();
}

// --- on both databases ----------------------------------------------------------------------

on_both_databases!(
    thousand_concurrent_issuances,
    issuance_races_status_changes,
    repeated_idempotency_key_among_concurrent_issuances,
);
