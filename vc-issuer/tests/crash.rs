//! The issuer's crash test (issue 10): a credential the service returned has its record, and a
//! bulk job re-run after a crash completes without making anyone a second credential.
//!
//! One bulk job: one `POST /admin/credentials` per employee, each with the idempotency key
//! `job:<employee number>`, sent by several concurrent clients to the `vc-issuer serve` binary
//! on SQLite. Each round starts the binary on the same data folder, goes on with the rows that
//! have no answer yet (a row in flight at the kill is sent again with the same key), and kills
//! the process with SIGKILL at a pseudo-random moment (0 to 5 ms after the 0th to 150th
//! credential of the round was returned, with six requests in flight). After each restart the service must
//! hold a record for every credential it returned (same ID, record key and status-list slot),
//! and no employee may have two records. The last start runs the rest of the job to its end
//! and then the whole job once more: every row must then be answered 409 (the key was used),
//! and the service must hold exactly one record per employee.
//!
//! `DOJANG_CRASH_SEED` replays a run (the seed is printed); `DOJANG_ISSUER_CRASH_ROUNDS` sets
//! the number of kill/restart rounds (default 8).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common;
use crate::process;

use common::serve::{self, ClearConfig as _, Service, configure};
use process::{Rng, env_u64};

/// Kill/restart rounds: `DOJANG_ISSUER_CRASH_ROUNDS`, default 8.
fn rounds() -> u64 {
    env_u64("DOJANG_ISSUER_CRASH_ROUNDS").unwrap_or(8)
}

/// Rows in the bulk job: enough that no round's kill comes after the job's end.
fn rows() -> usize {
    usize::try_from(rounds()).unwrap() * 160 + 300
}
/// Concurrent clients.
const CLIENTS: usize = 6;
const TYPE: &str = "EmployeeIdCredential";

/// xorshift64*: reproducible kill moments from a seed.
/// Starts `vc-issuer serve --config <dir>/dojang.toml`; returns the service and the admin token
/// when this start made one.
fn start(dir: &Path) -> (Service, Option<String>) {
    serve::start(
        Command::new(serve::BIN)
            .env_clear_config()
            .args(["serve", "--config"])
            .arg(dir.join("dojang.toml")),
    )
}

fn number(row: usize) -> String {
    format!("E-{row:05}")
}

/// A credential the service returned: its record as the answer gave it.
#[derive(Debug, Clone)]
struct Ack {
    id: String,
    record_key: String,
    slot: (i64, i64),
}

/// What the clients learned about the job's rows.
#[derive(Default)]
struct Books {
    /// Rows answered 201, by row.
    acked: BTreeMap<usize, Ack>,
    /// Rows answered 409 (their key was used by a request whose answer was lost).
    existed: HashSet<usize>,
    /// Answers other than 201 and 409, and failures before the kill.
    unexpected: Vec<String>,
}

/// Sends the rows of `queue` until it is empty or the service is gone.
async fn client(
    http: reqwest::Client,
    url: String,
    token: String,
    queue: Arc<Mutex<Vec<usize>>>,
    books: Arc<Mutex<Books>>,
    killed: Arc<std::sync::atomic::AtomicBool>,
) {
    loop {
        let Some(row) = queue.lock().unwrap().pop() else {
            return;
        };
        let body = json!({
            "type": TYPE,
            "claims": common::employee(&number(row)),
            "idempotency_key": format!("job:{}", number(row)),
        });
        let answer = http
            .post(format!("{url}/admin/credentials"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        let killed_now = || killed.load(std::sync::atomic::Ordering::SeqCst);
        let response = match answer {
            Ok(response) => response,
            Err(e) => {
                if !killed_now() {
                    books.lock().unwrap().unexpected.push(format!("row {row}: {e}"));
                }
                return;
            }
        };
        let status = response.status().as_u16();
        // A body the kill cut off is no answer the client saw.
        let Ok(text) = response.text().await else {
            return;
        };
        let mut books = books.lock().unwrap();
        match status {
            201 => {
                let answer: Value = serde_json::from_str(&text).unwrap();
                assert!(answer["credential"].as_str().is_some_and(|c| !c.is_empty()));
                let record = &answer["record"];
                books.acked.insert(
                    row,
                    Ack {
                        id: answer["id"].as_str().unwrap().to_owned(),
                        record_key: record["record_key"].as_str().unwrap().to_owned(),
                        slot: (
                            record["status_list"].as_i64().unwrap(),
                            record["status_index"].as_i64().unwrap(),
                        ),
                    },
                );
            }
            409 => {
                books.existed.insert(row);
            }
            _ => books.unexpected.push(format!("row {row}: {status} {text}")),
        }
    }
}

/// Every record of the job's type, by record key, through the admin API.
async fn records(http: &reqwest::Client, url: &str, token: &str) -> HashMap<String, Vec<Value>> {
    let mut by_key: HashMap<String, Vec<Value>> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let mut query = format!("{url}/admin/credentials?type={TYPE}&limit=500");
        if let Some(after) = &after {
            query.push_str(&format!("&after={after}"));
        }
        let request = http.get(query).bearer_auth(token);
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let page: Value = response.json().await.unwrap();
        for record in page["credentials"].as_array().unwrap() {
            by_key
                .entry(record["record_key"].as_str().unwrap().to_owned())
                .or_default()
                .push(record.clone());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return by_key,
        }
    }
}

/// After a restart: every returned credential has its record as returned, and nobody has two.
/// Returns the number of records.
async fn check(http: &reqwest::Client, url: &str, token: &str, books: &Books) -> usize {
    let by_key = records(http, url, token).await;
    for (key, records) in &by_key {
        assert_eq!(records.len(), 1, "{key} has {} records: {records:?}", records.len());
        let row: usize = key.strip_prefix("E-").unwrap().parse().unwrap();
        assert!(row < rows(), "a record for {key}, which is no row of the job");
    }
    for (row, ack) in &books.acked {
        let key = number(*row);
        assert_eq!(ack.record_key, key);
        let record = by_key
            .get(&key)
            .and_then(|r| r.first())
            .unwrap_or_else(|| panic!("the credential {} returned for {key} has no record", ack.id));
        assert_eq!(
            record["id"],
            ack.id.as_str(),
            "{key}: another record than the one returned"
        );
        assert_eq!(
            (
                record["status_list"].as_i64().unwrap(),
                record["status_index"].as_i64().unwrap()
            ),
            ack.slot,
            "{key}: the record's status slot moved"
        );
    }
    for row in &books.existed {
        assert!(
            by_key.contains_key(&number(*row)),
            "{}: answered 409 but has no record",
            number(*row)
        );
    }
    by_key.len()
}

/// Runs the rows of `queue` with [`CLIENTS`] clients; with `kill`, kills the service once
/// `kill.0` more credentials were returned, `kill.1` later (a moment in the work, whatever the
/// machine's speed). Returns whether the service was killed.
fn run_job(
    runtime: &tokio::runtime::Runtime,
    service: &mut Service,
    token: &str,
    queue: Vec<usize>,
    books: &Arc<Mutex<Books>>,
    kill: Option<(usize, Duration)>,
) -> bool {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let queue = Arc::new(Mutex::new(queue));
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    runtime.block_on(async {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                tokio::spawn(client(
                    http.clone(),
                    service.url.clone(),
                    token.to_owned(),
                    queue.clone(),
                    books.clone(),
                    killed.clone(),
                ))
            })
            .collect();
        let all = tokio::spawn(async move {
            for c in clients {
                c.await.unwrap();
            }
        });
        let Some((acks, after)) = kill else {
            all.await.unwrap();
            return false;
        };
        let target = books.lock().unwrap().acked.len() + acks;
        while books.lock().unwrap().acked.len() < target && !all.is_finished() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(after).await;
        if all.is_finished() {
            all.await.unwrap();
            return false;
        }
        killed.store(true, std::sync::atomic::Ordering::SeqCst);
        service.child.kill().unwrap();
        all.await.unwrap();
        true
    })
}

#[test]
#[ignore = "system test (SIGKILL crash rounds, minutes): ./scripts/test runs it"]
fn returned_credentials_survive_sigkill_during_bulk_issuance_and_a_rerun_makes_no_duplicates() {
    let seed = env_u64("DOJANG_CRASH_SEED").unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        now.as_secs() ^ (u64::from(now.subsec_nanos()) << 20)
    });
    let rounds = rounds();
    eprintln!("issuer crash test: seed {seed} (DOJANG_CRASH_SEED), {rounds} rounds (DOJANG_ISSUER_CRASH_ROUNDS)");
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let books = Arc::new(Mutex::new(Books::default()));
    let mut token = None;
    for round in 0..=rounds {
        let (mut service, made) = start(dir.path());
        if token.is_none() {
            token = made;
        }
        let token = token.clone().expect("the first start shows the admin token");
        let found = runtime.block_on(check(&http, &service.url, &token, &books.lock().unwrap()));
        // The rows with no answer yet, last row first off the stack.
        let queue: Vec<usize> = {
            let books = books.lock().unwrap();
            (0..rows())
                .rev()
                .filter(|row| !books.acked.contains_key(row) && !books.existed.contains(row))
                .collect()
        };
        if round == rounds {
            // Run the job to its end, then the whole job again.
            run_job(&runtime, &mut service, &token, queue, &books, None);
            let before = books.lock().unwrap().existed.len();
            let rerun = Arc::new(Mutex::new(Books::default()));
            run_job(
                &runtime,
                &mut service,
                &token,
                (0..rows()).rev().collect(),
                &rerun,
                None,
            );
            let rerun = rerun.lock().unwrap();
            assert!(rerun.unexpected.is_empty(), "{:?}", rerun.unexpected);
            assert!(
                rerun.acked.is_empty(),
                "the re-run issued again: {:?}",
                rerun.acked.keys()
            );
            assert_eq!(rerun.existed.len(), rows(), "every row of the re-run is answered 409");
            let books = books.lock().unwrap();
            assert!(books.unexpected.is_empty(), "{:?}", books.unexpected);
            let records = runtime.block_on(check(&http, &service.url, &token, &books));
            assert_eq!(records, rows(), "one record per employee");
            assert_eq!(books.acked.len() + books.existed.len(), rows());
            eprintln!(
                "issuer crash test: {rounds} SIGKILL rounds survived in {:.1} s; {} credentials returned, all with \
                 their records; {before} rows answered 409 after a kill (committed, answer lost); the re-run of all \
                 {} rows made no credential; {records} records, one per employee",
                started.elapsed().as_secs_f64(),
                books.acked.len(),
                rows(),
            );
            break;
        }
        let acked_before = books.lock().unwrap().acked.len();
        let (kill_acks, kill_delay) = (rng.range(0, 150) as usize, Duration::from_micros(rng.range(0, 5000)));
        let killed = run_job(
            &runtime,
            &mut service,
            &token,
            queue,
            &books,
            Some((kill_acks, kill_delay)),
        );
        assert!(killed, "round {round}: the job ended before the kill");
        let status = service.child.wait().unwrap();
        {
            use std::os::unix::process::ExitStatusExt as _;
            assert_eq!(status.signal(), Some(9), "not killed by SIGKILL: {status}");
        }
        drop(service);
        let books = books.lock().unwrap();
        assert!(books.unexpected.is_empty(), "round {round}: {:?}", books.unexpected);
        eprintln!(
            "round {round}: {found} records at start, SIGKILL {} µs after the {kill_acks}th credential returned: {} returned",
            kill_delay.as_micros(),
            books.acked.len() - acked_before
        );
    }
}

// --- `vc-issuer bulk-issue` killed while it makes offers --------------------------------------

const CSV_HEADER: &str = "employee_number,name_ko,name_latin,organization,department,position,access_groups";

/// The complete data lines of offers.csv (a line cut by the kill is skipped): (record key,
/// offer ID).
fn listed_offers(out: &Path) -> Vec<(String, String)> {
    let Ok(mut reader) = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(out.join("offers.csv"))
    else {
        return Vec::new();
    };
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    // The list is polled while bulk-issue runs: it may exist before its header is written.
    let (Some(key), Some(id)) = (column("record_key"), column("offer_id")) else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter(|r| r.len() == header.len())
        .map(|r| (r[key].to_owned(), r[id].to_owned()))
        .collect()
}

/// Every bulk offer in the store: (record key, offer ID, still redeemable).
async fn stored_offers(database_url: &str) -> Vec<(String, String, bool)> {
    let store = vc_issuer::store::Store::open(database_url).await.unwrap();
    let offers = store
        .offers_by_key_prefix(TYPE, &format!("bulk:{TYPE}:"))
        .await
        .unwrap();
    store.close().await;
    let now = vc_issuer::store::unix_now();
    offers
        .into_iter()
        .map(|(key, offer)| (key, offer.id, offer.expires_at > now))
        .collect()
}

/// After a kill: every offer on the list is in the store, for its employee, and nobody has
/// two redeemable offers. Returns (lines listed, offers stored).
fn check_offers(out: &Path, database_url: &str, rows: usize) -> (usize, usize) {
    let stored = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(stored_offers(database_url));
    let by_id: HashMap<&str, (&str, bool)> = stored
        .iter()
        .map(|(key, id, live)| (id.as_str(), (key.as_str(), *live)))
        .collect();
    let listed = listed_offers(out);
    for (key, id) in &listed {
        let (stored_key, _) = by_id
            .get(id.as_str())
            .unwrap_or_else(|| panic!("offers.csv lists {id} for {key}, which the store does not hold"));
        assert_eq!(stored_key, key, "{id}: listed for {key}, stored for {stored_key}");
    }
    let mut live: HashMap<&str, usize> = HashMap::new();
    for (key, _, redeemable) in &stored {
        assert!(
            key.strip_prefix("E-")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < rows),
            "an offer for {key}, which is no row"
        );
        if *redeemable {
            *live.entry(key.as_str()).or_default() += 1;
        }
    }
    if let Some((key, n)) = live.iter().find(|(_, n)| **n > 1) {
        panic!("{key} has {n} redeemable offers");
    }
    (listed.len(), stored.len())
}

#[test]
#[ignore = "system test (SIGKILL crash rounds, minutes): ./scripts/test runs it"]
fn bulk_issue_killed_at_random_moments_lists_only_stored_offers_and_a_rerun_completes_once_each() {
    let seed = env_u64("DOJANG_CRASH_SEED").unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        now.as_secs() ^ (u64::from(now.subsec_nanos()) << 20)
    });
    const ROUNDS: u64 = 4;
    const CSV_ROWS: usize = 400;
    eprintln!("bulk-issue crash test: seed {seed} (DOJANG_CRASH_SEED), {ROUNDS} rounds");
    let mut rng = Rng::new(seed ^ 0x5eed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("dojang.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\npublic_url = \"https://issuer.example.go.kr\"\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let database_url = format!("sqlite://{}", data.join("issuer.db").display());
    let mut csv = format!("{CSV_HEADER}\n");
    for i in 0..CSV_ROWS {
        csv.push_str(&format!(
            "E-{i:05},김민준{i},Kim Minjun,Gyeonggi Province,Department {},Engineer,hq;lab\n",
            i % 40
        ));
    }
    let csv_path = dir.path().join("employees.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let out = dir.path().join("offers");
    let bulk = |extra: &[&str]| {
        let mut command = Command::new(serve::BIN);
        command
            .env_clear_config()
            .args(["bulk-issue", "--quiet", "--type", TYPE, "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .arg(&csv_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    };
    let started = Instant::now();
    let mut killed = 0;
    for round in 0..ROUNDS {
        // Kill once the list has `lines` more lines (or the process is done), a moment later.
        let before = listed_offers(&out).len();
        let lines = usize::try_from(rng.range(0, 120)).unwrap();
        let delay = Duration::from_micros(rng.range(0, 20_000));
        let mut child = bulk(&["--reoffer-unlisted"]).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while listed_offers(&out).len() < before + lines
            && child.try_wait().unwrap().is_none()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(delay);
        let was_running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let status = child.wait().unwrap();
        {
            use std::os::unix::process::ExitStatusExt as _;
            if was_running {
                assert_eq!(status.signal(), Some(9), "not killed by SIGKILL: {status}");
                killed += 1;
            }
        }
        let (listed, stored) = check_offers(&out, &database_url, CSV_ROWS);
        eprintln!(
            "round {round}: SIGKILL {} µs after {lines} more lines{}: {listed} offers listed, {stored} stored",
            delay.as_micros(),
            if was_running { "" } else { " (the run had ended)" }
        );
    }
    // The operator runs it again, as the summary says, until it ends.
    let output = bulk(&["--reoffer-unlisted"]).output().unwrap();
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{summary}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (listed, stored) = check_offers(&out, &database_url, CSV_ROWS);
    // Everyone has exactly one redeemable offer, and it is on the list.
    let offers = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(stored_offers(&database_url));
    let live: HashMap<&str, &str> = offers
        .iter()
        .filter(|(_, _, live)| *live)
        .map(|(key, id, _)| (key.as_str(), id.as_str()))
        .collect();
    assert_eq!(live.len(), CSV_ROWS, "one redeemable offer per employee");
    let list = listed_offers(&out);
    let list_ids: HashSet<&str> = list.iter().map(|(_, id)| id.as_str()).collect();
    for (key, id) in &live {
        assert!(list_ids.contains(id), "{key}: its offer {id} is not on the list");
    }
    // And once more: nobody is offered again.
    let output = bulk(&["--reoffer-unlisted"]).output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        listed_offers(&out).len(),
        listed,
        "a run after completion lists nothing new"
    );
    assert_eq!(check_offers(&out, &database_url, CSV_ROWS).1, stored);
    eprintln!(
        "bulk-issue crash test: {killed} of {ROUNDS} runs killed mid-way in {:.1} s; then one run completed: \
         {CSV_ROWS} employees with one redeemable offer each, all listed ({listed} lines, {stored} offers \
         stored, {} withdrawn and re-offered because their lines were lost); a further run offered nobody",
        started.elapsed().as_secs_f64(),
        stored - CSV_ROWS
    );
}
