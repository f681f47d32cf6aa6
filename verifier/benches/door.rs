//! The cost of a full door decision, offline, against one raw ES256 verify.
//!
//! - `raw verify`: [`VerifyingKey::verify`] of the issuer JWT's own signature over its own
//!   signing input, with a pre-parsed key. The baseline.
//! - `door decision`: [`Engine::verify`] of an SD-JWT VC presentation (one of four claims
//!   disclosed, key-binding JWT over a nonce the engine issued) against a door policy, with
//!   the issuer's did:key, its trusted-issuer entry and its Token Status List all taken from
//!   a signed trust bundle loaded once (no network). It checks the issuer signature, the
//!   key binding, the disclosures, validity, the nonce (and spends it), the status list
//!   (signature checked once per bundle, then served from the verified cache), the issuer
//!   allow-list and the claim rule.
//!
//! - `sd-jwt vc + kb (did-core)` and `verification report`: the same presentation (bound to a
//!   fixed nonce) through did-core's SD-JWT VC verification alone, and through the engine's
//!   first step (format detection, verification, status): where the time goes.
//!
//! A nonce is spent by every decision, so each iteration's presentation is made (and bound
//! to a fresh nonce) outside the timed section.
//!
//! After the criterion group, every case is timed again in interleaved rounds and a table
//! prints the medians and fastest rounds with their ratio to `raw verify` from the same
//! run; it is also written to `target/bench/door.json` for `scripts/bench`. Target (issue 6): at most 2.5x.
//!
//! Run with `cargo bench -p verifier --bench door`.

// A benchmark is test code: a fixture that fails to load should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

#[path = "../../bench/report.rs"]
mod report;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BatchSize, Criterion};
use did_core::clock::FixedClock;
use did_core::key::{KeyType, SigningKey, VerifyingKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt};
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken, TokenStatusList};
use report::Report;
use serde_json::json;
use tokio::runtime::Runtime;
use verifier::bundle::{BundleBuilder, TrustBundle};
use verifier::decision::{Engine, OfflineTrust};
use verifier::policy::Policy;

const T0: u64 = 1_780_272_000;
const LIST: &str = "https://hr.example/status/1";
const AUD: &str = "https://door.example/east";

struct Fixture {
    runtime: Runtime,
    /// The engine's verification step alone (no nonce, no policy), on one presentation.
    report_only: verifier::verify::Verifier,
    bound: String,
    /// did-core's SD-JWT VC + KB verification alone.
    resolver: Arc<dyn did_core::resolve::Resolver>,
    engine: Engine,
    policy: Policy,
    clock: FixedClock,
    issued: String,
    holder: SigningKey,
    raw_key: VerifyingKey,
    raw_input: Vec<u8>,
    raw_signature: Vec<u8>,
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + 3600);
    let issuer = SigningKey::generate(KeyType::P256).expect("issuer key");
    let issuer_did = KeyResolver::did_for(issuer.verifying_key()).expect("did").into_string();
    let kid = KeyResolver::key_id_for(issuer.verifying_key());
    let holder = SigningKey::generate(KeyType::P256).expect("holder key");
    let claims = json!({
        "iss": issuer_did, "vct": "EmployeeIdCredential", "iat": T0, "exp": T0 + 365 * 86400,
        "name": "Kim Minji", "birthdate": "1990-04-01", "department": "IT", "age_over_19": true,
        "status": {"status_list": {"idx": 7, "uri": LIST}},
    });
    let options = ["/name", "/birthdate", "/department", "/age_over_19"].iter().fold(
        IssueOptions::sd_jwt_vc()
            .holder_key(holder.verifying_key().clone())
            .kid(&kid),
        |o, p| o.disclose(*p),
    );
    let issued = sd_jwt::issue(&claims, &options, &issuer).expect("issue");
    let list = TokenStatusList::new(2, 131_072).expect("list");
    let token = StatusListToken::new(LIST, T0, StatusListClaim::from_list(&list).expect("claim"))
        .expect("token")
        .sign(&issuer, Some(&kid))
        .expect("sign list");

    let operator = SigningKey::generate(KeyType::P256).expect("operator key");
    let operator_public = operator.verifying_key().clone();
    let bundle = runtime
        .block_on(
            BundleBuilder::new(
                Arc::new(operator),
                Arc::new(CompositeResolver::with_default_methods()),
                Arc::new(MemoryStatusListSource::new().with(LIST, token)),
            )
            .issuer("EmployeeIdCredential", &issuer_did)
            .status_list(LIST)
            .clock(Arc::new(FixedClock::new(now)))
            .build(),
        )
        .expect("bundle");
    let loaded = TrustBundle::load(bundle.as_bytes(), &operator_public, None).expect("load bundle");
    let offline = OfflineTrust::from_bundle(&loaded);
    let resolver: Arc<dyn did_core::resolve::Resolver> = Arc::new(did_core::resolve::CachingResolver::new(
        offline.resolver.clone(),
        Duration::from_secs(300),
        100,
    ));
    let report_only = verifier::verify::Verifier {
        resolver: resolver.clone(),
        clock: Arc::new(FixedClock::new(now)),
        skew: Duration::from_secs(60),
        binding: did_core::vc::jwt::Binding {
            nonce: Some("fixed-nonce".into()),
            aud: Some(AUD.into()),
        },
        status_source: offline.status.clone(),
        status_cache: Some(Arc::default()),
        unreachable_status: verifier::verify::UnreachableStatus::Fail,
        holder_subjects: verifier::verify::HolderSubjects::MustBeHolder,
    };
    let engine = Engine::offline(offline);
    let policy = Policy::from_toml(&format!(
        "door = \"east\"\naudience = \"{AUD}\"\n[[accept]]\ntype = \"EmployeeIdCredential\"\n\
         claims = [{{ path = \"department\", in = [\"IT\"] }}]\n"
    ))
    .expect("policy");

    let jwt = issued.split('~').next().expect("jwt");
    let (input, signature) = jwt.rsplit_once('.').expect("signature");
    let raw_input = input.as_bytes().to_vec();
    use base64::Engine as _;
    let raw_signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .expect("b64");
    let bound = SdJwt::parse(&issued)
        .expect("parse")
        .select(&["/department"])
        .expect("select")
        .bind(&KeyBinding::new(AUD, "fixed-nonce", now), &holder)
        .expect("bind");
    Fixture {
        runtime,
        report_only,
        bound,
        resolver,
        engine,
        policy,
        clock: FixedClock::new(now),
        issued,
        holder,
        raw_key: issuer.verifying_key().clone(),
        raw_input,
        raw_signature,
    }
}

/// A presentation bound to a fresh nonce from the engine (not timed).
fn presentation(f: &Fixture) -> String {
    let nonce = f.engine.issue_nonce(&f.policy, &f.clock);
    let kb = KeyBinding::new(AUD, nonce, SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + 3600));
    SdJwt::parse(&f.issued)
        .expect("parse")
        .select(&["/department"])
        .expect("select")
        .bind(&kb, &f.holder)
        .expect("bind")
}

fn raw(f: &Fixture) {
    f.raw_key
        .verify(black_box(&f.raw_input), black_box(&f.raw_signature))
        .expect("raw verify");
}

fn report_only(f: &Fixture) {
    let report = f.runtime.block_on(f.report_only.verify(black_box(&f.bound)));
    assert!(report.verified, "{report:?}");
}

fn sd_jwt_only(f: &Fixture) {
    let options = sd_jwt::VerifyOptions::sd_jwt_vc().require_key_binding(AUD, "fixed-nonce");
    let verified = f
        .runtime
        .block_on(sd_jwt::verify_with_resolver(
            black_box(&f.bound),
            f.resolver.as_ref(),
            &options,
            &f.clock,
        ))
        .expect("sd-jwt");
    black_box(verified);
}

fn decide(f: &Fixture, presentation: &str) {
    let decision = f
        .runtime
        .block_on(f.engine.verify(black_box(presentation), &f.policy, &f.clock))
        .expect("decision");
    assert!(decision.allowed(), "{decision:?}");
}

/// Median and fastest of per-call times over interleaved rounds (so that load elsewhere hits
/// every case alike), with each case's ratio to the raw verify of the same run.
fn ratio_table(f: &Fixture) -> Report {
    const ROUNDS: usize = 9;
    const CALLS: usize = 200;
    let names = [
        format!("raw verify (ES256, {})", did_core::key::BACKEND),
        "sd-jwt vc + kb verification (did-core)".to_owned(),
        "verification report (the engine's first step)".to_owned(),
        "door decision (SD-JWT VC + KB + status + bundle, offline)".to_owned(),
    ];
    let mut times: [Vec<Duration>; 4] = Default::default();
    for _ in 0..ROUNDS {
        let timed = |run: &dyn Fn()| {
            let start = Instant::now();
            for _ in 0..CALLS {
                run();
            }
            start.elapsed() / CALLS as u32
        };
        times[0].push(timed(&|| raw(f)));
        times[1].push(timed(&|| sd_jwt_only(f)));
        times[2].push(timed(&|| report_only(f)));
        let inputs: Vec<String> = (0..CALLS).map(|_| presentation(f)).collect();
        let start = Instant::now();
        for input in &inputs {
            decide(f, input);
        }
        times[3].push(start.elapsed() / CALLS as u32);
    }
    for t in &mut times {
        t.sort();
    }
    let (raw_median, raw_fast) = (times[0][ROUNDS / 2], times[0][0]);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mut report = Report::new("door", "Door decision, offline, against one raw ES256 verify");
    report.header(&["case", "median µs", "x raw", "fastest round µs", "x raw"]);
    for (name, t) in names.iter().zip(&times) {
        let (median, fast) = (t[ROUNDS / 2], t[0]);
        report.row(vec![
            name.clone(),
            report::us(micros(median)),
            report::x(ratio(median, raw_median)),
            report::us(micros(fast)),
            report::x(ratio(fast, raw_fast)),
        ]);
    }
    report.figure("raw_verify_us", micros(raw_median));
    report.figure("door_decision_us", micros(times[3][ROUNDS / 2]));
    report.figure("door_decision_fastest_x_raw", ratio(times[3][0], raw_fast));
    report.note(format!(
        "{ROUNDS} interleaved rounds of {CALLS} calls per case. Target (issues 6 and 9): door decision at most 2.5x."
    ));
    report
}

fn main() {
    let f = fixture();
    let mut criterion = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3));
    let mut group = criterion.benchmark_group("door");
    group.bench_function("raw verify", |b| b.iter(|| raw(&f)));
    group.bench_function("sd-jwt vc + kb (did-core)", |b| b.iter(|| sd_jwt_only(&f)));
    group.bench_function("verification report (engine's first step)", |b| {
        b.iter(|| report_only(&f))
    });
    group.bench_function("door decision", |b| {
        b.iter_batched(|| presentation(&f), |p| decide(&f, &p), BatchSize::SmallInput)
    });
    group.finish();
    criterion.final_summary();
    // Only when benchmarking: `cargo test --benches` runs each case once and stops there.
    if std::env::args().any(|arg| arg == "--bench") {
        ratio_table(&f).write();
    }
}
