#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]
//! Load on 127.0.0.1: the issuer service (SQLite, the default) and the door service, each
//! held at a fixed request rate (open loop: requests start at fixed intervals whatever the
//! answers do, and latency counts from the scheduled start) for `DOJANG_LOAD_SECS` seconds
//! (default 60), both at once so the suite pays the time once.
//!
//! - issuer: `POST /admin/credentials` (EmployeeIdCredential, SD-JWT VC) at [`ISSUER_RATE`]/s;
//!   afterwards the database holds exactly one record per 201 answer, and the admin API
//!   lists exactly the IDs the answers gave.
//! - door: a door transaction at [`DOOR_RATE`]/s: `POST /api/requests` (a nonce), the
//!   holder's presentation bound to it, `POST /api/requests/{id}/presentation`; every tenth
//!   presents a revoked credential. Every answer is the expected decision (allowed, or
//!   denied `REVOKED`), and the decision log has one line per decision.
//!
//! Each service runs on its own tokio runtime (2 workers), the clients on a third,
//! single-threaded one. No latency is asserted: the test asserts no errors, no lost records
//! and that the rate was held (at least 95 % of the scheduled requests started within the
//! window, and every one started was answered). p50/p99 are printed (`-- --nocapture`) and
//! written to `target/load-report.md`. `DOJANG_LOAD_ISSUER_RATE` and `DOJANG_LOAD_DOOR_RATE`
//! override the rates, to look for headroom.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::load::{self, Report};
use did_core::clock::SystemClock;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt};
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken, TokenStatus, TokenStatusList};
use serde_json::{Value, json};
use verifier::decision::Engine;
use verifier::decision_log::DecisionLog;
use verifier::policy::Policy;

/// Credentials issued per second (`DOJANG_LOAD_ISSUER_RATE` overrides it, to find headroom).
const ISSUER_RATE: u32 = 50;
/// Door transactions (new request + presentation) per second (`DOJANG_LOAD_DOOR_RATE`).
const DOOR_RATE: u32 = 100;
/// Every `REVOKED_EVERY`-th door transaction presents the revoked credential.
const REVOKED_EVERY: u64 = 10;
/// How far below `rate * duration` the started requests may fall.
const RATE_TOLERANCE: f64 = 0.05;
/// A request not answered in this long is an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const AUD: &str = "https://door.load.example/east";
const LIST: &str = "https://hr.load.example/status/1";
const VCT: &str = "EmployeeIdCredential";

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap()
}

// --- issuer -----------------------------------------------------------------------------------

/// An employee's claims for the issuer's EmployeeIdCredential template.
fn employee(number: u64) -> Value {
    json!({
        "employee_number": format!("L-{number:07}"),
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gangwon Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main"],
    })
}

/// `POST /admin/credentials`; the new record's ID on 201.
async fn issue(http: reqwest::Client, url: Arc<str>, token: Arc<str>, number: u64) -> Result<String, String> {
    let body = json!({"type": VCT, "claims": employee(number)}).to_string();
    let response = http
        .post(&*url)
        .bearer_auth(&*token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if status != 201 {
        return Err(format!("{status}: {text}"));
    }
    let answer: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    match (answer["id"].as_str(), answer["credential"].as_str()) {
        (Some(id), Some(credential)) if !credential.is_empty() => Ok(id.to_owned()),
        _ => Err(format!("no id or credential: {text}")),
    }
}

/// Every credential ID the admin API lists, page by page.
async fn listed_ids(http: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{base}/admin/credentials?limit=500");
        if let Some(after) = &after {
            url.push_str(&format!("&after={after}"));
        }
        let response = http.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let page: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        for record in page["credentials"].as_array().unwrap() {
            ids.push(record["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return ids,
        }
    }
}

// --- door -------------------------------------------------------------------------------------

/// A door (did:key issuer, in-memory status list, real clock) and what its holder presents.
struct DoorWorld {
    holder: SigningKey,
    /// Both with `/department` disclosed, not yet bound.
    valid: SdJwt,
    revoked: SdJwt,
    policy: Policy,
    engine: Engine,
}

impl DoorWorld {
    fn new() -> DoorWorld {
        let issuer = SigningKey::generate(KeyType::P256).unwrap();
        let issuer_did = KeyResolver::did_for(issuer.verifying_key()).unwrap().into_string();
        let kid = KeyResolver::key_id_for(issuer.verifying_key());
        let holder = SigningKey::generate(KeyType::P256).unwrap();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let credential = |index: u64| {
            let claims = json!({
                "iss": issuer_did, "vct": VCT, "iat": now - 60, "nbf": now - 60, "exp": now + 86_400,
                "name": "Kim Minji", "department": "IT",
                "status": {"status_list": {"idx": index, "uri": LIST}},
            });
            let options = IssueOptions::sd_jwt_vc()
                .holder_key(holder.verifying_key().clone())
                .kid(&kid)
                .disclose("/name")
                .disclose("/department");
            let issued = sd_jwt::issue(&claims, &options, &issuer).unwrap();
            SdJwt::parse(&issued).unwrap().select(&["/department"]).unwrap()
        };
        let (valid, revoked) = (credential(7), credential(8));
        let mut statuses = TokenStatusList::new(2, 1024).unwrap();
        statuses.set(8, TokenStatus(1)).unwrap();
        let token = StatusListToken::new(LIST, now - 60, StatusListClaim::from_list(&statuses).unwrap())
            .unwrap()
            .sign(&issuer, Some(&kid))
            .unwrap();
        let engine = Engine::online(
            Arc::new(CompositeResolver::with_default_methods()),
            Arc::new(MemoryStatusListSource::new().with(LIST, token)),
        );
        let policy = Policy::from_toml(&format!(
            "door = \"east\"\naudience = \"{AUD}\"\n[[accept]]\ntype = \"{VCT}\"\nissuers = [\"{issuer_did}\"]\n\
             claims = [{{ path = \"department\", in = [\"IT\"] }}]\n"
        ))
        .unwrap();
        DoorWorld {
            holder,
            valid,
            revoked,
            policy,
            engine,
        }
    }
}

/// One door transaction: a new request, the presentation bound to its nonce, the decision,
/// which must be `allow` (or a denial for `REVOKED` when `revoked`).
async fn door_transaction(
    http: reqwest::Client,
    world: Arc<DoorWorld>,
    base: Arc<str>,
    revoked: bool,
) -> Result<(), String> {
    let created = http
        .post(format!("{base}/api/requests"))
        .send()
        .await
        .map_err(|e| format!("new request: {e}"))?;
    let status = created.status().as_u16();
    let text = created.text().await.map_err(|e| e.to_string())?;
    if status != 201 {
        return Err(format!("new request: {status}: {text}"));
    }
    let request: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    let (Some(id), Some(nonce)) = (request["id"].as_str(), request["nonce"].as_str()) else {
        return Err(format!("no id or nonce: {text}"));
    };
    let credential = if revoked { &world.revoked } else { &world.valid };
    let presentation = credential
        .bind(&KeyBinding::new(AUD, nonce, SystemTime::now()), &world.holder)
        .map_err(|e| e.to_string())?;
    let answer = http
        .post(format!("{base}/api/requests/{id}/presentation"))
        .body(presentation)
        .send()
        .await
        .map_err(|e| format!("presentation: {e}"))?;
    let status = answer.status().as_u16();
    let text = answer.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("presentation: {status}: {text}"));
    }
    let decision: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    let codes: Vec<&str> = decision["reasons"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["code"].as_str()).collect())
        .unwrap_or_default();
    let expected = if revoked {
        (false, vec!["REVOKED"])
    } else {
        (true, vec!["ALLOWED"])
    };
    if (decision["allow"].as_bool(), codes.clone()) != (Some(expected.0), expected.1) {
        return Err(format!("unexpected decision (revoked: {revoked}): {text}"));
    }
    Ok(())
}

// --- the run ----------------------------------------------------------------------------------

/// Asserts the rate was held and nothing failed.
fn assert_held(report: &Report) {
    assert_eq!(report.errors, 0, "{}: {:?}", report.name, report.first_errors);
    let floor = (report.planned as f64 * (1.0 - RATE_TOLERANCE)).floor() as u64;
    assert!(
        report.sent >= floor,
        "{}: the rate was not held: {} of {} requests started in the window",
        report.name,
        report.sent,
        report.planned
    );
    assert_eq!(
        report.ok, report.sent,
        "{}: every request started is answered",
        report.name
    );
}

/// A runtime with `workers` threads: one per service, as if each ran in its own process.
fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
#[ignore = "system test (a 60-second load test): ./scripts/test runs it"]
fn issuer_and_door_hold_their_rates_with_nothing_lost() {
    let began = Instant::now();
    let secs = load::load_secs();
    let duration = Duration::from_secs(secs);
    let issuer_rate = load::rate("DOJANG_LOAD_ISSUER_RATE", ISSUER_RATE);
    let door_rate = load::rate("DOJANG_LOAD_DOOR_RATE", DOOR_RATE);
    let dir = common::scratch("load");
    // Each service on its own runtime (a stall in one does not stop the other's workers),
    // the clients on a third, single-threaded one.
    let (issuer_runtime, door_runtime) = (runtime(2), runtime(2));
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // The issuer, SQLite in a fresh data folder.
    let config = vc_issuer::config::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.join("issuer"),
        ..Default::default()
    };
    let issuer = issuer_runtime
        .block_on(vc_issuer::server::start(config.validated().unwrap()))
        .unwrap();
    let issuer_url = issuer.url();
    let token = issuer.admin_token.as_ref().unwrap().to_string();
    let records_before = issuer_runtime
        .block_on(issuer.state.issuer.store.count_credentials())
        .unwrap();

    // The door, with its decision log.
    let world = Arc::new(DoorWorld::new());
    let log_path = dir.join("decisions.jsonl");
    let door = door_runtime
        .block_on(verifier::service::start(
            verifier::service::ServiceConfig {
                policy: world.policy.clone(),
                engine: world.engine.clone(),
                log: Some(DecisionLog::open(&log_path).unwrap()),
                clock: Arc::new(SystemClock),
                public_url: None,
                vc_api_token: None,
                request_signer: None,
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        ))
        .unwrap();
    let door_url = door.url();

    let ids = Arc::new(std::sync::Mutex::new(Vec::new()));
    let issuing = {
        let (http, ids) = (http(), ids.clone());
        let url: Arc<str> = format!("{issuer_url}/admin/credentials").into();
        let token: Arc<str> = token.clone().into();
        load::open_loop("issuer: POST /admin/credentials", issuer_rate, duration, move |i| {
            let (http, url, token, ids) = (http.clone(), url.clone(), token.clone(), ids.clone());
            async move {
                let id = issue(http, url, token, i).await?;
                ids.lock().unwrap().push(id);
                Ok(())
            }
        })
    };
    let deciding = {
        let (http, world) = (http(), world.clone());
        let base: Arc<str> = door_url.into();
        load::open_loop("door: new request + presentation", door_rate, duration, move |i| {
            door_transaction(
                http.clone(),
                world.clone(),
                base.clone(),
                i % REVOKED_EVERY == REVOKED_EVERY - 1,
            )
        })
    };
    let (issued, decided) = client_runtime.block_on(async { tokio::join!(issuing, deciding) });
    let returned_ids = std::mem::take(&mut *ids.lock().unwrap());
    println!("{}", issued.summary());
    println!("{}", decided.summary());

    // Issuer: one record per 201, and exactly the IDs the answers gave.
    let records = issuer_runtime
        .block_on(issuer.state.issuer.store.count_credentials())
        .unwrap()
        - records_before;
    let listed: BTreeSet<String> = client_runtime
        .block_on(listed_ids(&http(), &issuer_url, &token))
        .into_iter()
        .collect();
    let returned: BTreeSet<String> = returned_ids.iter().cloned().collect();
    assert_eq!(returned.len(), returned_ids.len(), "an ID was returned twice");
    assert_eq!(returned_ids.len() as u64, issued.ok);

    // Door: one log line per decision, allows and denials as presented.
    let lines: Vec<Value> = std::fs::read_to_string(&log_path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let denied_sent = (0..decided.sent)
        .filter(|i| i % REVOKED_EVERY == REVOKED_EVERY - 1)
        .count();
    let logged_allow = lines.iter().filter(|l| l["allow"] == true).count();
    let logged_revoked = lines
        .iter()
        .filter(|l| l["allow"] == false && l["reasons"] == json!(["REVOKED"]))
        .count();

    issuer_runtime.block_on(issuer.stop()).unwrap();
    door_runtime.block_on(door.stop()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let notes = vec![
        format!(
            "Open loop on 127.0.0.1, both services in the test process, each on its own tokio runtime \
             (2 workers), the clients on a single-threaded one; latency from each request's scheduled start to its whole answer. \
             {} cores.",
            std::thread::available_parallelism().map_or(0, usize::from)
        ),
        format!(
            "Issuer (SQLite): {} answered 201, {records} new records in the database, {} IDs listed by the \
             admin API, the same set as returned.",
            issued.ok,
            listed.len()
        ),
        format!(
            "Door: a transaction is `POST /api/requests` + a key-bound SD-JWT VC presentation made for its \
             nonce + `POST /api/requests/{{id}}/presentation`; {} decisions ({} allowed, {} denied REVOKED as \
             expected), {} decision log lines ({logged_allow} allow, {logged_revoked} REVOKED).",
            decided.ok,
            decided.ok - denied_sent as u64,
            denied_sent,
            lines.len()
        ),
        format!("Wall time of the test: {:.1} s.", began.elapsed().as_secs_f64()),
    ];
    let report = load::table(&[&issued, &decided], &notes);
    let path = load::write_target_file("load-report.md", &format!("# Load on loopback\n\n{report}"));
    println!("\n{report}\nwritten to {}", path.display());

    assert_held(&issued);
    assert_held(&decided);
    assert_eq!(
        records, issued.ok as i64,
        "records in the database vs credentials returned"
    );
    assert_eq!(listed, returned, "the admin API lists exactly the credentials returned");
    assert_eq!(lines.len() as u64, decided.ok, "one decision log line per decision");
    assert_eq!(logged_revoked, denied_sent);
    assert_eq!(logged_allow as u64, decided.ok - denied_sent as u64);
}
