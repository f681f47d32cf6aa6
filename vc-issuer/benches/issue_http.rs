#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]
//! SD-JWT VC issuance over HTTP against raw ES256 signing, in one run on one machine.
//!
//! `cargo bench -p vc-issuer --bench issue_http` measures:
//!
//! 1. the raw ES256 signing rate of did-core's software key (aws-lc backend, the key type
//!    and backend the service signs with by default) over a JWS-sized message — the signing
//!    input of a real issued credential — on 1 thread and on 2 threads;
//! 2. `POST /admin/credentials` (EmployeeIdCredential, SD-JWT VC, the default SQLite
//!    configuration) against the service in this process on 127.0.0.1, driven by a
//!    closed-loop client (each of N workers sends its next request when the previous one is
//!    answered) at several concurrency levels;
//! 3. the same issuance in-process (`Issuer::issue`, no HTTP), and a floor for any route
//!    over HTTP here: `GET /vct/EmployeeIdCredential` (a public document: no token, no
//!    database, no signing) with the same client, to show what HTTP itself costs;
//! 4. the raw signing rate again, so drift from other load on the machine shows.
//!
//! The headline ratio divides issuance by the **2-thread** raw rate (the mean of the runs
//! before and after): server and client use the whole machine, so the fair comparison is
//! what the machine can sign with every core. The 1-thread ratio is shown too.
//!
//! The table goes to stdout and to `target/bench-issue-http.md`. `DOJANG_BENCH_SECS` sets
//! the measured seconds per row (default 5; a 1-second warm-up precedes each). For
//! profiling, `DOJANG_BENCH_LEVELS=32` runs only the HTTP levels listed (comma-separated)
//! and `DOJANG_BENCH_ONLY_HTTP=1` skips the raw and in-process rows (no ratios then).

#[path = "../../bench/report.rs"]
mod report;

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use did_core::key::{KeyType, SigningKey};
use report::Report;
use serde_json::{Value, json};
use vc_issuer::config::Config;
use vc_issuer::issuance::{Holder, IssueRequest, Issuer};
use vc_issuer::issue::Format;
use vc_issuer::server;

/// Concurrency levels of the HTTP client.
const LEVELS: [usize; 4] = [1, 8, 32, 128];

/// The HTTP concurrency levels to run: `DOJANG_BENCH_LEVELS` or [`LEVELS`].
fn levels() -> Vec<usize> {
    std::env::var("DOJANG_BENCH_LEVELS")
        .ok()
        .map(|s| {
            s.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect::<Vec<usize>>()
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| LEVELS.to_vec())
}
/// Credentials in the bulk row.
const BULK: usize = 5_000;
/// Concurrency of the in-process row.
const IN_PROCESS_LEVEL: usize = 32;
/// Warm-up before each measured row.
const WARM_UP: Duration = Duration::from_secs(1);

fn measured() -> Duration {
    let secs = std::env::var("DOJANG_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(5.0);
    Duration::from_secs_f64(secs)
}

fn employee(number: u64) -> Value {
    json!({
        "employee_number": format!("E-{number:07}"),
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gangwon Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main", "server-room"],
        "photo_digest": "sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    })
}

// --- raw signing ----------------------------------------------------------------------------

/// Signatures per second with `threads` threads signing `message` for `duration`.
fn raw_signing(key: &SigningKey, message: &[u8], threads: usize, duration: Duration) -> f64 {
    let stop = AtomicBool::new(false);
    let counting = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let elapsed = std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut mine = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let signature = key.sign(message).unwrap();
                    std::hint::black_box(signature);
                    if counting.load(Ordering::Relaxed) {
                        mine += 1;
                    }
                }
                count.fetch_add(mine, Ordering::Relaxed);
            });
        }
        std::thread::sleep(WARM_UP);
        counting.store(true, Ordering::Relaxed);
        let started = Instant::now();
        std::thread::sleep(duration);
        counting.store(false, Ordering::Relaxed);
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        elapsed
    });
    count.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

// --- closed-loop load -----------------------------------------------------------------------

/// One measured row: throughput, latency percentiles and CPU time per credential.
struct Row {
    label: String,
    concurrency: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
    /// CPU time of the whole process (server and client) per credential, when known.
    cpu_per_op: Option<Duration>,
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux; the
/// kernel counts in ticks of 1/100 s there).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Runs `workers` closed loops of `op` for a warm-up and then `duration`; counts the
/// operations that complete in the measured window.
async fn closed_loop<F, Fut>(label: &str, workers: usize, duration: Duration, op: F) -> Row
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let window = (start + WARM_UP, start + WARM_UP + duration);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (op, next) = (op.clone(), next.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let began = Instant::now();
                if began >= window.1 {
                    break;
                }
                let ok = op(next.fetch_add(1, Ordering::Relaxed)).await;
                let ended = Instant::now();
                if began >= window.0 && ended <= window.1 {
                    if ok {
                        latencies.push(ended - began);
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        });
    }
    tokio::time::sleep_until(window.0.into()).await;
    let cpu_start = process_cpu();
    tokio::time::sleep_until(window.1.into()).await;
    let cpu_end = process_cpu();
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (mine, failed) = done.unwrap();
        latencies.extend(mine);
        errors += failed;
    }
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let cpu_per_op = match (cpu_start, cpu_end) {
        (Some(start), Some(end)) if !latencies.is_empty() => Some((end - start) / latencies.len() as u32),
        _ => None,
    };
    Row {
        label: label.to_owned(),
        concurrency: workers,
        per_second: latencies.len() as f64 / duration.as_secs_f64(),
        p50: percentile(0.50),
        p99: percentile(0.99),
        errors,
        cpu_per_op,
    }
}

/// Issues one credential over HTTP; true on 201.
async fn issue_http(http: reqwest::Client, url: Arc<str>, token: Arc<str>, number: u64) -> bool {
    let body = json!({"type": "EmployeeIdCredential", "claims": employee(number)});
    let Ok(response) = http.post(&*url).bearer_auth(&*token).json(&body).send().await else {
        return false;
    };
    let created = response.status() == reqwest::StatusCode::CREATED;
    // Read the whole answer, as a client would.
    response.bytes().await.is_ok() && created
}

/// Fetches a public document (no token, database or signing); true on 200.
async fn get_document(http: reqwest::Client, url: Arc<str>) -> bool {
    let Ok(response) = http.get(&*url).send().await else {
        return false;
    };
    let ok = response.status() == reqwest::StatusCode::OK;
    response.bytes().await.is_ok() && ok
}

/// Issues one credential in-process; true when issued.
async fn issue_direct(issuer: Arc<Issuer>, number: u64) -> bool {
    let request = IssueRequest {
        template: "EmployeeIdCredential".into(),
        claims: employee(number),
        format: Format::SdJwt,
        holder: Holder::default(),
        valid_until: None,
        idempotency_key: None,
        replaces: None,
    };
    issuer.issue(request, "bench").await.is_ok()
}

/// Wall time of `count` signatures of `message` split over `threads` threads.
fn raw_signatures_time(key: &SigningKey, message: &[u8], count: usize, threads: usize) -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for share in 0..threads {
            let mine = count / threads + usize::from(share < count % threads);
            scope.spawn(move || {
                for _ in 0..mine {
                    std::hint::black_box(key.sign(message).unwrap());
                }
            });
        }
    });
    started.elapsed()
}

/// Wall time of issuing `count` credentials in-process (signed, stored in SQLite) with
/// `concurrency` tasks; panics if any fails (a bulk run must issue every one).
async fn bulk_in_process(issuer: Arc<Issuer>, first: u64, count: u64, concurrency: u64) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let issuer = issuer.clone();
            tokio::spawn(async move {
                let mut number = first + task;
                while number < first + count {
                    assert!(
                        issue_direct(issuer.clone(), number).await,
                        "bulk credential {number} failed"
                    );
                    number += concurrency;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

// --- the run --------------------------------------------------------------------------------

fn main() {
    let duration = measured();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    }
    .validated()
    .unwrap();
    let running = runtime.block_on(server::start(config)).unwrap();
    let token: Arc<str> = running.admin_token.as_ref().unwrap().as_str().into();
    let url: Arc<str> = format!("{}/admin/credentials", running.url()).into();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .unwrap();

    // A real credential's signing input is the message the raw rate signs.
    let sample: Value = runtime.block_on(async {
        let body = json!({"type": "EmployeeIdCredential", "claims": employee(u64::MAX / 2)});
        let response = http.post(&*url).bearer_auth(&*token).json(&body).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
        response.json().await.unwrap()
    });
    let compact = sample["credential"].as_str().unwrap();
    let jws = compact.split('~').next().unwrap();
    let message = jws.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let key_type = running.state.issuer.signing().signer.algorithm();

    let only_http = std::env::var_os("DOJANG_BENCH_ONLY_HTTP").is_some();
    let raw_rates = |when: &str| {
        if only_http {
            return [f64::NAN; 2];
        }
        eprintln!("raw ES256 signing ({} byte message), {when} ...", message.len());
        [1, 2].map(|threads| raw_signing(&key, &message, threads, duration))
    };
    let raw_before = raw_rates("before");

    let mut rows = Vec::new();
    for workers in levels() {
        eprintln!("HTTP issuance, {workers} concurrent ...");
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        rows.push(runtime.block_on(closed_loop("HTTP", workers, duration, move |n| {
            issue_http(http.clone(), url.clone(), token.clone(), n)
        })));
    }
    if !only_http {
        eprintln!("in-process issuance, {IN_PROCESS_LEVEL} concurrent ...");
        let issuer = running.state.issuer.clone();
        rows.push(
            runtime.block_on(closed_loop("in-process", IN_PROCESS_LEVEL, duration, move |n| {
                issue_direct(issuer.clone(), 1_000_000_000 + n)
            })),
        );
        eprintln!("HTTP floor: GET /vct/EmployeeIdCredential, {IN_PROCESS_LEVEL} concurrent ...");
        let document: Arc<str> = format!("{}/vct/EmployeeIdCredential", running.url()).into();
        let http = http.clone();
        rows.push(runtime.block_on(closed_loop(
            "HTTP floor (GET /vct/…)",
            IN_PROCESS_LEVEL,
            duration,
            move |_| get_document(http.clone(), document.clone()),
        )));
    }
    let (bulk, raw_bulk) = if only_http {
        (Duration::ZERO, Duration::ZERO)
    } else {
        eprintln!("{BULK} credentials in-process, {IN_PROCESS_LEVEL} concurrent, then {BULK} raw signatures ...");
        let bulk = runtime.block_on(bulk_in_process(
            running.state.issuer.clone(),
            2_000_000_000,
            BULK as u64,
            IN_PROCESS_LEVEL as u64,
        ));
        (bulk, raw_signatures_time(&key, &message, BULK, 2))
    };
    let raw_after = raw_rates("after");
    let raw = [0, 1].map(|i| (raw_before[i] + raw_after[i]) / 2.0);
    let issued = runtime
        .block_on(running.state.issuer.store.count_credentials())
        .unwrap();
    runtime.block_on(running.stop()).unwrap();

    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    writeln!(out, "# SD-JWT VC issuance over HTTP vs raw ES256 signing\n").unwrap();
    writeln!(
        out,
        "{cores} cores; issuer key {key_type:?}; SQLite default configuration; {} s measured per row after {} s warm-up; \
         {issued} credentials issued in the run.\n",
        duration.as_secs_f64(),
        WARM_UP.as_secs_f64()
    )
    .unwrap();
    writeln!(
        out,
        "| raw ES256 signing ({} B message) | before | after | mean |",
        message.len()
    )
    .unwrap();
    writeln!(out, "|---|---:|---:|---:|").unwrap();
    for (i, threads) in [1, 2].iter().enumerate() {
        writeln!(
            out,
            "| {threads} thread{} | {:.0}/s | {:.0}/s | {:.0}/s |",
            if *threads == 1 { "" } else { "s" },
            raw_before[i],
            raw_after[i],
            raw[i]
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n| issuance | concurrency | credentials/s | p50 | p99 | errors | CPU per credential | **ratio to 2-thread raw** | ratio to 1-thread raw |"
    )
    .unwrap();
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|").unwrap();
    for row in &rows {
        let cpu = row
            .cpu_per_op
            .map_or_else(|| "?".to_owned(), |d| format!("{:.0} µs", d.as_secs_f64() * 1e6));
        writeln!(
            out,
            "| {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} | {cpu} | **{:.2}x** | {:.2}x |",
            row.label,
            row.concurrency,
            row.per_second,
            row.p50.as_secs_f64() * 1e3,
            row.p99.as_secs_f64() * 1e3,
            row.errors,
            row.per_second / raw[1],
            row.per_second / raw[0],
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nCPU per credential is the whole process (server and client, user and system time) \
         over the measured window; raw signing costs {:.0} µs of CPU per signature on 1 thread.",
        1e6 / raw[0]
    )
    .unwrap();
    let best = rows
        .iter()
        .filter(|r| r.label == "HTTP")
        .map(|r| r.per_second)
        .fold(0.0, f64::max);
    writeln!(
        out,
        "\nHeadline: best HTTP issuance {best:.0}/s = **{:.2}x** the 2-thread raw signing rate \
         ({:.2}x the 1-thread rate); target 0.5x.",
        best / raw[1],
        best / raw[0]
    )
    .unwrap();
    if let Some(floor) = rows.iter().find(|r| r.label.starts_with("HTTP floor")) {
        writeln!(
            out,
            "The HTTP floor row bounds every route with this client on this machine: a request \
             that only reads a public document already reaches just {:.2}x the 2-thread raw rate.",
            floor.per_second / raw[1]
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nBulk: {BULK} SD-JWT VCs issued in-process (signed and stored, {IN_PROCESS_LEVEL} concurrent) in \
         {:.2} s; {BULK} raw signatures on 2 threads in {:.2} s: **{:.2}x** (target under 2x).",
        bulk.as_secs_f64(),
        raw_bulk.as_secs_f64(),
        bulk.as_secs_f64() / raw_bulk.as_secs_f64()
    )
    .unwrap();
    print!("{out}");
    if only_http {
        return; // a partial run: keep the last full table
    }
    let mut report = Report::new("issue-http", "SD-JWT VC issuance over HTTP against raw ES256 signing");
    report.body(out.replacen("# SD-JWT VC issuance over HTTP vs raw ES256 signing\n\n", "", 1));
    report.figure("raw_sign_1t_per_s", raw[0]);
    report.figure("raw_sign_2t_per_s", raw[1]);
    report.figure("http_issue_best_per_s", best);
    report.figure("bulk_5000_s", bulk.as_secs_f64());
    report.figure("raw_5000_sign_s", raw_bulk.as_secs_f64());
    report.write();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("bench-issue-http.md"); // the full table, kept for profiling runs
    match std::fs::write(&path, &out) {
        Ok(()) => eprintln!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
