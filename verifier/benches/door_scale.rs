//! The door at province scale: status lists from 131,072 to 10,000,000 entries, and the
//! memory of a door holding a 10-million-entry list and 10,000 DID documents.
//!
//! 1. **Status-list scaling.** For each size N, a Token Status List (2 bits per entry, one
//!    entry in a hundred revoked at random, so the list does not compress to nothing) is signed
//!    by the issuer and put in a signed trust bundle. Measured: the list's compressed size; the
//!    refresh a door does when a new list arrives (verify the `statuslist+jwt`, inflate, index);
//!    one status lookup in the inflated list; and a full offline door decision against that
//!    bundle, as a ratio to one raw ES256 verify timed in the same rounds. The decision should
//!    not grow with N: the list is verified and inflated once per bundle, then read by index.
//! 2. **Memory.** A trust bundle naming 10,000 trusted `did:web` issuers (their DID documents
//!    carried in the bundle, 10,000 being the most a bundle holds) and one 10,000,000-entry
//!    list is written to a file. A fresh child process (this binary, re-run with
//!    `DOJANG_DOOR_RSS_CHILD`) then does only what a door does: loads and checks the bundle,
//!    builds its engine, and decides one presentation; it reports its peak resident set
//!    (`VmHWM`) before and after. The child is separate so the memory of building the bundle
//!    is not counted. Target (issue 9): under 64 MiB.
//!
//! Run with `cargo bench -p verifier --bench door_scale` (about a minute). The tables go to
//! stdout and to `target/bench/door-scale.json` and `target/bench/door-memory.json`.

// A benchmark is test code: a fixture that fails to load should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

#[path = "../../bench/report.rs"]
mod report;

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use did_core::clock::FixedClock;
use did_core::did::Did;
use did_core::document::{Document, Representation};
use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::{Resolution, ResolutionError, ResolutionOptions, Resolver};
use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt};
use did_core::status::{
    DecodeLimits, MemoryStatusListSource, StatusListClaim, StatusListToken, TokenStatus, TokenStatusList,
};
use rand_core::{OsRng, RngCore};
use report::Report;
use serde_json::json;
use tokio::runtime::Runtime;
use verifier::bundle::{BundleBuilder, TrustBundle};
use verifier::decision::{Engine, OfflineTrust};
use verifier::policy::Policy;

const T0: u64 = 1_780_272_000;
const LIST: &str = "https://hr.example/status/1";
const AUD: &str = "https://door.example/east";
const TYPE: &str = "EmployeeIdCredential";
const SIZES: [u64; 4] = [131_072, 1_048_576, 4_194_304, 10_000_000];
const MEMORY_ISSUERS: usize = 10_000;
const MEMORY_ENTRIES: u64 = 10_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + 3600)
}

/// DID documents by DID, for the bundle builder: the `did:web` issuers' own servers.
struct Documents(HashMap<String, Document>);

#[async_trait]
impl Resolver for Documents {
    async fn resolve(&self, did: &Did, _: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let document = self.0.get(did.as_str()).ok_or(ResolutionError::NotFound)?;
        Ok(Resolution::new(document.clone(), Representation::Json))
    }
}

/// A `did:web` issuer: its DID, key id and document.
fn web_issuer(index: usize, key: &VerifyingKey) -> (String, String, Document) {
    let did = format!("did:web:issuer-{index:05}.province.example");
    let kid = format!("{did}#key-1");
    let document = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"],
        "id": did,
        "verificationMethod": [{
            "id": kid, "type": "JsonWebKey", "controller": did, "publicKeyJwk": key.to_jwk(),
        }],
        "assertionMethod": [kid],
    });
    let document = Document::from_value(document, Representation::Json).expect("document");
    (did, kid, document)
}

/// A 2-bit Token Status List of `entries`, one in a hundred revoked (never index 7, the
/// presented credential's), signed by `issuer`.
fn status_token(entries: u64, issuer: &SigningKey, kid: &str) -> String {
    let mut list = TokenStatusList::new(2, entries).expect("list");
    let mut rng = OsRng;
    for _ in 0..entries / 100 {
        let index = rng.next_u64() % entries;
        if index != 7 {
            list.set(index, TokenStatus(1)).expect("set");
        }
    }
    StatusListToken::new(LIST, T0, StatusListClaim::from_list(&list).expect("claim"))
        .expect("token")
        .sign(issuer, Some(kid))
        .expect("sign list")
}

/// A door's view of the world: a signed bundle, the operator key to check it, the holder's
/// credential and a policy.
struct Door {
    bundle: String,
    operator: VerifyingKey,
    issued: String,
    holder: SigningKey,
    issuer_key: SigningKey,
    status_token: String,
}

/// A bundle trusting `issuers` did:web issuers (the first signs the credential and the list)
/// with one status list of `entries`.
fn door(runtime: &Runtime, issuers: usize, entries: u64) -> Door {
    let issuer = SigningKey::generate(KeyType::P256).expect("issuer key");
    let mut documents = HashMap::new();
    let mut dids = Vec::new();
    let (issuer_did, kid, document) = web_issuer(0, issuer.verifying_key());
    documents.insert(issuer_did.clone(), document);
    dids.push(issuer_did.clone());
    for index in 1..issuers {
        let key = SigningKey::generate(KeyType::P256).expect("key");
        let (did, _, document) = web_issuer(index, key.verifying_key());
        documents.insert(did.clone(), document);
        dids.push(did);
    }
    let holder = SigningKey::generate(KeyType::P256).expect("holder key");
    let claims = json!({
        "iss": issuer_did, "vct": TYPE, "iat": T0, "exp": T0 + 365 * 86400,
        "name": "Kim Minji", "birthdate": "1990-04-01", "department": "IT",
        "status": {"status_list": {"idx": 7, "uri": LIST}},
    });
    let options = ["/name", "/birthdate", "/department"].iter().fold(
        IssueOptions::sd_jwt_vc()
            .holder_key(holder.verifying_key().clone())
            .kid(&kid),
        |o, p| o.disclose(*p),
    );
    let issued = sd_jwt::issue(&claims, &options, &issuer).expect("issue");
    let status_token = status_token(entries, &issuer, &kid);
    let operator = SigningKey::generate(KeyType::P256).expect("operator key");
    let operator_public = operator.verifying_key().clone();
    let builder = dids.iter().fold(
        BundleBuilder::new(
            Arc::new(operator),
            Arc::new(Documents(documents)),
            Arc::new(MemoryStatusListSource::new().with(LIST, status_token.clone())),
        ),
        |builder, did| builder.issuer(TYPE, did),
    );
    let bundle = runtime
        .block_on(
            builder
                .status_list(LIST)
                .clock(Arc::new(FixedClock::new(now())))
                .build(),
        )
        .expect("bundle");
    Door {
        bundle,
        operator: operator_public,
        issued,
        holder,
        issuer_key: issuer,
        status_token,
    }
}

fn policy() -> Policy {
    Policy::from_toml(&format!(
        "door = \"east\"\naudience = \"{AUD}\"\n[[accept]]\ntype = \"{TYPE}\"\n\
         claims = [{{ path = \"department\", in = [\"IT\"] }}]\n"
    ))
    .expect("policy")
}

fn engine(door: &Door) -> Engine {
    let loaded = TrustBundle::load(door.bundle.as_bytes(), &door.operator, None).expect("load bundle");
    Engine::offline(OfflineTrust::from_bundle(&loaded))
}

/// A presentation bound to a fresh nonce from `engine`.
fn presentation(door: &Door, engine: &Engine, policy: &Policy, clock: &FixedClock) -> String {
    let nonce = engine.issue_nonce(policy, clock);
    SdJwt::parse(&door.issued)
        .expect("parse")
        .select(&["/department"])
        .expect("select")
        .bind(&KeyBinding::new(AUD, nonce, now()), &door.holder)
        .expect("bind")
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The median of `rounds` mean times of `calls` runs of `run`.
fn median(rounds: usize, calls: u32, mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                run();
            }
            start.elapsed() / calls
        })
        .collect();
    times.sort();
    times[rounds / 2]
}

fn status_scaling(runtime: &Runtime) {
    let mut report = Report::new("door-scale", "Door decision against status-list size (offline)");
    report.header(&[
        "entries",
        "list (compressed)",
        "refresh: verify + inflate",
        "lookup",
        "door decision",
        "x raw verify",
    ]);
    let policy = policy();
    let clock = FixedClock::new(now());
    for entries in SIZES {
        let door = door(runtime, 1, entries);
        let engine = engine(&door);
        let issuer_public = door.issuer_key.verifying_key().clone();
        let limits = DecodeLimits::default();
        let refresh = median(5, 3, || {
            let token =
                StatusListToken::verify(black_box(&door.status_token), &issuer_public, LIST, &clock).expect("list");
            black_box(token.status_list.decode(&limits).expect("inflate"));
        });
        let token = StatusListToken::verify(&door.status_token, &issuer_public, LIST, &clock).expect("list");
        let list = token.status_list.decode(&limits).expect("inflate");
        let mut index = 0u64;
        let lookup = median(5, 100_000, || {
            index = (index + 7919) % entries;
            black_box(list.get(black_box(index)).expect("in range"));
        });
        // The raw verify: the issuer JWT's own signature, pre-parsed key.
        let jwt = door.issued.split('~').next().expect("jwt");
        let (input, signature) = jwt.rsplit_once('.').expect("signature");
        use base64::Engine as _;
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .expect("b64");
        let mut decision_times = Vec::new();
        let mut raw_times = Vec::new();
        for _ in 0..7 {
            let start = Instant::now();
            for _ in 0..200 {
                issuer_public
                    .verify(black_box(input.as_bytes()), black_box(&signature))
                    .expect("raw verify");
            }
            raw_times.push(start.elapsed() / 200);
            let inputs: Vec<String> = (0..200)
                .map(|_| presentation(&door, &engine, &policy, &clock))
                .collect();
            let start = Instant::now();
            for input in &inputs {
                let decision = runtime
                    .block_on(engine.verify(black_box(input), &policy, &clock))
                    .expect("decision");
                assert!(decision.allowed(), "{decision:?}");
            }
            decision_times.push(start.elapsed() / 200);
        }
        decision_times.sort();
        raw_times.sort();
        let (decision, raw) = (decision_times[3], raw_times[3]);
        let ratio = decision.as_secs_f64() / raw.as_secs_f64();
        let compressed = token.status_list.to_json_value()["lst"].as_str().map_or(0, str::len);
        report.row(vec![
            entries.to_string(),
            format!("{:.1} KiB", compressed as f64 / 1024.0),
            format!("{:.2} ms", refresh.as_secs_f64() * 1e3),
            format!("{:.1} ns", lookup.as_secs_f64() * 1e9),
            format!("{} µs", report::us(micros(decision))),
            report::x(ratio),
        ]);
        report.figure(&format!("decision_x_raw_{entries}"), ratio);
        report.figure(&format!("refresh_ms_{entries}"), refresh.as_secs_f64() * 1e3);
    }
    report.note(
        "Medians. Refresh is what a door pays once per new list; a decision reads the verified, \
         inflated list by index.",
    );
    report.write();
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: a door that loads the bundle in `dir`, builds its engine and decides once.
fn memory_child(dir: &Path) {
    let before = peak_rss_kib();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let operator = VerifyingKey::from_jwk(&Jwk::from_json(&read("operator.json")).expect("jwk")).expect("key");
    let loaded = TrustBundle::load_file(&dir.join("bundle.jws"), &operator, None).expect("load bundle");
    let documents = loaded.dids().len();
    let engine = Engine::offline(OfflineTrust::from_bundle(&loaded));
    drop(loaded);
    let policy = policy();
    let clock = FixedClock::new(now());
    let nonce = engine.issue_nonce(&policy, &clock);
    let holder = SigningKey::from_jwk(&Jwk::from_json(&read("holder.json")).expect("jwk")).expect("key");
    let presented = SdJwt::parse(&read("credential.txt"))
        .expect("parse")
        .select(&["/department"])
        .expect("select")
        .bind(&KeyBinding::new(AUD, nonce, now()), &holder)
        .expect("bind");
    let decision = runtime
        .block_on(engine.verify(&presented, &policy, &clock))
        .expect("decision");
    assert!(decision.allowed(), "{decision:?}");
    println!(
        "{}",
        json!({"start_kib": before, "peak_kib": peak_rss_kib(), "documents": documents})
    );
}

fn memory(runtime: &Runtime) {
    let dir = report::out_dir().join("door-memory");
    std::fs::create_dir_all(&dir).expect("dir");
    let door = door(runtime, MEMORY_ISSUERS, MEMORY_ENTRIES);
    std::fs::write(dir.join("bundle.jws"), &door.bundle).expect("write");
    let jwk_json = |jwk: Jwk| serde_json::to_string(&jwk).expect("jwk");
    std::fs::write(dir.join("operator.json"), jwk_json(door.operator.to_jwk())).expect("write");
    std::fs::write(dir.join("credential.txt"), &door.issued).expect("write");
    std::fs::write(dir.join("holder.json"), jwk_json(door.holder.to_jwk())).expect("write");
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .env("DOJANG_DOOR_RSS_CHILD", &dir)
        .output()
        .expect("child");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().expect("child line");
    let measured: serde_json::Value = serde_json::from_str(line).expect("child json");
    let mib = |key: &str| measured[key].as_f64().unwrap_or(f64::NAN) / 1024.0;
    let mut report = Report::new("door-memory", "Door verifier memory at province scale");
    report.header(&["what the door holds", "bundle", "peak RSS", "RSS at start"]);
    report.row(vec![
        format!(
            "{} DID documents + one {MEMORY_ENTRIES}-entry status list (2 bits)",
            measured["documents"]
        ),
        format!("{:.1} MiB", door.bundle.len() as f64 / 1048576.0),
        format!("{:.1} MiB", mib("peak_kib")),
        format!("{:.1} MiB", mib("start_kib")),
    ]);
    report.figure("door_peak_rss_mib", mib("peak_kib"));
    report.note("Peak RSS (VmHWM) of a fresh process that loads the bundle, builds the engine and decides once. Target: under 64 MiB.");
    report.write();
}

fn main() {
    if let Some(dir) = std::env::var_os("DOJANG_DOOR_RSS_CHILD") {
        memory_child(Path::new(&dir));
        return;
    }
    // `cargo test --benches` builds this and runs it without `--bench`: nothing to do then.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    status_scaling(&runtime);
    memory(&runtime);
}
