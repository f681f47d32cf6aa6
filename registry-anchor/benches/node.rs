//! The registry node at 10,000 and 1,000,000 DIDs, in one run: append throughput, resolution
//! latency with proofs, proof sizes, and what a client pays to check an answer, as ratios
//! against one raw ES256 verify measured in the same run.
//!
//! For each log size N:
//!
//! 1. N signed `create` operations are generated before anything is timed, on two threads.
//!    Every DID is real and distinct: a fresh update key and a fresh document key per DID,
//!    signed with [`operation::create`]; one next-key commitment is shared by all (the node
//!    never reads it on create). DID keys are Ed25519 by default: did-core's P-256 key
//!    generation and deterministic signing cost about 1 ms per DID here, 10 minutes for a
//!    million on two threads, against about 2 minutes with Ed25519.
//! 2. Append: all N are submitted to an in-process [`Registry`] (redb store in a temporary
//!    directory, default batching) by [`IN_FLIGHT`] concurrent submitters; each acknowledgement
//!    means durable and covered by a signed tree head. Reported: wall time, operations per
//!    second, the acknowledgement latency, and the number of tree heads signed (batches).
//! 3. Resolution: [`Registry::resolve`] of random DIDs (latency p50 / p99), and the same over
//!    HTTP (the node's router on 127.0.0.1, one keep-alive client). Proof size: the hashes in
//!    the inclusion proof and the bytes of its JSON; the whole response's JSON size.
//! 4. Client-side checking, each as the median of 15 ratios, each to a batch of raw ES256
//!    verifies timed just before it (so a loaded machine skews both sides alike): the
//!    signed tree head, the inclusion proof, both together (the proof check; target at most 2x),
//!    the full [`ResolutionVerifier::verify`] (which also verifies the operation's signature and
//!    replays the chain) and `verify_json` (parse + full check).
//! 5. Restart: dropping the node and reopening the store (the tree is rebuilt from it).
//!
//! Run with `cargo bench -p registry-anchor --no-default-features --features aws-lc,node --bench node`.
//! `DOJANG_BENCH_SIZES=10000` (comma-separated) chooses the sizes (default `10000,1000000`);
//! `DOJANG_BENCH_DID_KEY=p256` makes the DIDs' keys P-256 (default Ed25519; the operator key,
//! which signs the tree heads, is always P-256, like the baseline). A million DIDs take about
//! six minutes on two cores, 1 GiB in the temporary directory (deleted afterwards) and 7 GiB of
//! memory, most of it the pre-generated operations.

// A benchmark is test code: a fixture that fails should stop it loudly, and its indices
// are its own.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use did_core::key::{BACKEND, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;
use registry_anchor::merkle::{self, Hash};
use registry_anchor::node::{NodeConfig, Registry, router};
use registry_anchor::operation::{self, KeyCommitment, Operation};
use registry_anchor::resolution::{Resolution, ResolutionVerifier};
use registry_anchor::store::Store;
use registry_anchor::tree_head::SignedTreeHead;
use serde_json::{Map, Value, json};

const DEFAULT_SIZES: [usize; 2] = [10_000, 1_000_000];
/// Submissions in flight at once (below the node's default queue of 4,096: no pushback).
const IN_FLIGHT: usize = 512;
/// Threads generating the operations before the timed part.
const GENERATORS: usize = 2;
/// Random DIDs resolved in-process, and over HTTP.
const RESOLUTIONS: usize = 2_000;
const HTTP_RESOLUTIONS: usize = 1_000;
/// Distinct responses the client-side checks cycle through.
const VERIFY_SAMPLES: usize = 256;

fn sizes() -> Vec<usize> {
    match std::env::var("DOJANG_BENCH_SIZES") {
        Ok(text) if !text.trim().is_empty() => text
            .split(',')
            .map(|s| {
                s.trim()
                    .replace('_', "")
                    .parse()
                    .expect("DOJANG_BENCH_SIZES: comma-separated sizes")
            })
            .collect(),
        _ => DEFAULT_SIZES.to_vec(),
    }
}

/// The operator key (fixed, so the log id is the same in every run).
fn operator_key() -> SigningKey {
    SigningKey::from_bytes(KeyType::P256, &[7; 32]).expect("fixed key")
}

fn did_key_type() -> KeyType {
    match std::env::var("DOJANG_BENCH_DID_KEY").as_deref() {
        Ok("ed25519" | "Ed25519" | "EdDSA") | Err(_) => KeyType::Ed25519,
        Ok("p256" | "P-256" | "ES256") => KeyType::P256,
        Ok(other) => panic!("DOJANG_BENCH_DID_KEY: p256 or ed25519, not {other}"),
    }
}

/// Spreads `i` over `0..n` (a fixed pseudo-random walk, so runs are comparable).
fn spread(i: usize, n: usize) -> usize {
    (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(0x2545_f491) as usize % n
}

/// A typical first document: one key for authentication and assertions, one service.
fn document(key: &VerifyingKey, i: usize) -> Map<String, Value> {
    let value = json!({
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "publicKeyMultibase": key.to_multikey(),
        }],
        "authentication": ["#key-1"],
        "assertionMethod": ["#key-1"],
        "service": [{
            "id": "#issuer",
            "type": "LinkedDomains",
            "serviceEndpoint": format!("https://issuer-{i}.example.kr"),
        }],
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// One fresh DID's `create`: its own update key and document key; the next-key commitment is
/// shared by all (the node neither reads nor indexes it, so this changes no measured cost).
fn create(key_type: KeyType, next: KeyCommitment, i: usize) -> Operation {
    let update = SigningKey::generate(key_type).expect("keygen");
    let doc_key = SigningKey::generate(key_type).expect("keygen");
    operation::create(&update, next, document(doc_key.verifying_key(), i)).expect("create signs")
}

/// `n` creates on [`GENERATORS`] threads.
fn generate(n: usize, key_type: KeyType) -> Vec<Operation> {
    let next = KeyCommitment::of(SigningKey::generate(key_type).expect("keygen").verifying_key());
    let per = n.div_ceil(GENERATORS);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..GENERATORS)
            .map(|t| {
                scope.spawn(move || {
                    let start = t * per;
                    let end = (start + per).min(n);
                    (start..end).map(|i| create(key_type, next, i)).collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("generator thread"))
            .collect()
    })
}

/// Rounds of alternating baseline and measured batches.
const ROUNDS: usize = 15;
/// Raw verifies per baseline batch.
const RAW_BATCH: usize = 200;

/// A time per call, and its ratio to the raw verify measured right before it.
#[derive(Debug, Default, Clone, Copy)]
struct Measured {
    time: Duration,
    ratio: f64,
}

/// The raw ES256 verify, timed in a batch before every measured batch so that each ratio
/// compares two neighbouring moments of a shared, loaded machine.
struct Baseline<'a> {
    raw: Box<dyn FnMut() + 'a>,
    times: Vec<Duration>,
}

impl Baseline<'_> {
    fn batch(&mut self) -> Duration {
        let start = Instant::now();
        for _ in 0..RAW_BATCH {
            (self.raw)();
        }
        let time = start.elapsed() / RAW_BATCH as u32;
        self.times.push(time);
        time
    }

    /// The median of every baseline batch so far.
    fn median(&self) -> Duration {
        let mut times = self.times.clone();
        times.sort();
        times.get(times.len() / 2).copied().unwrap_or_default()
    }

    /// [`ROUNDS`] rounds of a baseline batch then `per_batch` calls of `run` (on inputs `make`
    /// builds outside the timed part): the median time per call and the median ratio.
    fn against<T>(&mut self, per_batch: usize, mut make: impl FnMut(usize) -> T, mut run: impl FnMut(T)) -> Measured {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut ratios = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            let inputs: Vec<T> = (0..per_batch).map(|i| make(round * per_batch + i)).collect();
            let raw = self.batch();
            let start = Instant::now();
            for input in inputs {
                run(input);
            }
            let time = start.elapsed() / per_batch as u32;
            times.push(time);
            ratios.push(time.as_secs_f64() / raw.as_secs_f64());
        }
        times.sort();
        ratios.sort_by(f64::total_cmp);
        Measured {
            time: times[ROUNDS / 2],
            ratio: ratios[ROUNDS / 2],
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The process's peak resident memory so far (Linux), in MiB.
fn peak_rss_mib() -> Option<u64> {
    memory_mib("VmHWM:")
}

/// A memory figure of `/proc/self/status` (Linux), in MiB.
fn memory_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// Everything measured for one log size.
#[derive(Default)]
struct Report {
    size: usize,
    generate: Duration,
    op_bytes: usize,
    append: Duration,
    heads: u64,
    ack_p50: Duration,
    ack_p99: Duration,
    store_bytes: u64,
    resolve_p50: Duration,
    resolve_p99: Duration,
    http_p50: Duration,
    http_p99: Duration,
    http_bytes: usize,
    proof_hashes_min: usize,
    proof_hashes_max: usize,
    proof_json_max: usize,
    response_bytes: usize,
    raw: Duration,
    sth: Measured,
    inclusion: Measured,
    proof_check: Measured,
    full: Measured,
    full_json: Measured,
    parse_op: Measured,
    reopen: Duration,
    peak_rss_mib: Option<u64>,
}

struct Bench {
    runtime: tokio::runtime::Runtime,
    operator: SigningKey,
    log_id: String,
    key_type: KeyType,
    root: PathBuf,
}

impl Bench {
    fn run(&self, size: usize) -> Report {
        let mut report = Report {
            size,
            ..Report::default()
        };
        eprintln!("[{size}] generating {size} creates on {GENERATORS} threads…");
        let start = Instant::now();
        let operations = generate(size, self.key_type);
        report.generate = start.elapsed();
        report.op_bytes = operations.iter().map(|o| o.as_str().len()).sum::<usize>() / size.max(1);
        eprintln!(
            "[{size}] generated in {:.1?}; resident memory {} MiB",
            report.generate,
            memory_mib("VmRSS:").unwrap_or(0)
        );
        let sample: Vec<String> = (0..RESOLUTIONS)
            .map(|i| operations[spread(i, size)].did().as_str().to_owned())
            .collect();
        let dir = self.root.join(format!("log-{size}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store_path = dir.join("log.redb");
        let config = NodeConfig::new(store_path.clone(), self.log_id.clone(), operator_key());
        let registry = {
            let _runtime = self.runtime.enter();
            Arc::new(Registry::open(config).expect("opens"))
        };

        // Append: IN_FLIGHT submitters, each with its share of the operations.
        eprintln!("[{size}] appending with {IN_FLIGHT} submitters…");
        let mut shares: Vec<Vec<Operation>> = (0..IN_FLIGHT).map(|_| Vec::new()).collect();
        for (i, op) in operations.into_iter().enumerate() {
            shares[i % IN_FLIGHT].push(op);
        }
        let (append, mut acks) = self.runtime.block_on(async {
            let start = Instant::now();
            let tasks: Vec<_> = shares
                .into_iter()
                .map(|share| {
                    let registry = Arc::clone(&registry);
                    tokio::spawn(async move {
                        let mut acks = Vec::with_capacity(share.len());
                        for op in share {
                            let sent = Instant::now();
                            registry.submit(op).await.expect("accepted");
                            acks.push(sent.elapsed());
                        }
                        acks
                    })
                })
                .collect();
            let mut acks = Vec::with_capacity(size);
            for task in tasks {
                acks.extend(task.await.expect("submitter"));
            }
            (start.elapsed(), acks)
        });
        report.append = append;
        acks.sort();
        report.ack_p50 = percentile(&acks, 0.5);
        report.ack_p99 = percentile(&acks, 0.99);
        drop(acks);
        let head = registry.tree_head().expect("head");
        assert_eq!(head.size, size as u64, "every operation is in the log");
        eprintln!(
            "[{size}] appended in {append:.1?} ({:.0} ops/s)",
            size as f64 / append.as_secs_f64()
        );

        // Resolution in-process, on random DIDs.
        let mut latencies: Vec<Duration> = sample
            .iter()
            .map(|did| {
                let start = Instant::now();
                black_box(registry.resolve(did).expect("resolves"));
                start.elapsed()
            })
            .collect();
        latencies.sort();
        report.resolve_p50 = percentile(&latencies, 0.5);
        report.resolve_p99 = percentile(&latencies, 0.99);

        // Proof sizes, and the responses the client-side checks use.
        let responses: Vec<(String, Resolution)> = sample
            .iter()
            .take(VERIFY_SAMPLES)
            .map(|did| (did.clone(), registry.resolve(did).expect("resolves")))
            .collect();
        let hashes: Vec<usize> = responses
            .iter()
            .map(|(_, r)| r.operations[0].inclusion_proof.len())
            .collect();
        report.proof_hashes_min = hashes.iter().copied().min().unwrap_or(0);
        report.proof_hashes_max = hashes.iter().copied().max().unwrap_or(0);
        report.proof_json_max = responses
            .iter()
            .map(|(_, r)| {
                serde_json::to_string(&r.operations[0].inclusion_proof)
                    .expect("json")
                    .len()
            })
            .max()
            .unwrap_or(0);
        let bodies: Vec<Vec<u8>> = responses
            .iter()
            .map(|(_, r)| serde_json::to_vec(r).expect("json"))
            .collect();
        let mut body_sizes: Vec<usize> = bodies.iter().map(Vec::len).collect();
        body_sizes.sort();
        report.response_bytes = body_sizes[body_sizes.len() / 2];

        // Over HTTP: the node's router on loopback, one keep-alive client, sequential requests.
        let (http, http_bytes) = self.runtime.block_on(http_resolutions(Arc::clone(&registry), &sample));
        report.http_p50 = percentile(&http, 0.5);
        report.http_p99 = percentile(&http, 0.99);
        report.http_bytes = http_bytes;

        // Client-side checks against a baseline measured right before them.
        self.client_checks(&mut report, &responses, &bodies);

        // Close the node, count the signed heads, and time a restart.
        drop(registry);
        let store = open_when_released(&store_path);
        report.heads = (1..=size as u64)
            .filter(|&s| store.head(s).expect("reads").is_some())
            .count() as u64;
        drop(store);
        report.store_bytes = dir_size(&dir);
        let start = Instant::now();
        let reopened = {
            let _runtime = self.runtime.enter();
            Registry::open(NodeConfig::new(store_path.clone(), self.log_id.clone(), operator_key())).expect("reopens")
        };
        report.reopen = start.elapsed();
        assert_eq!(reopened.tree_head().expect("head").size, size as u64);
        drop(reopened);
        drop(open_when_released(&store_path));
        report.peak_rss_mib = peak_rss_mib();
        std::fs::remove_dir_all(&dir).expect("removes the temporary store");
        report
    }

    fn client_checks(&self, report: &mut Report, responses: &[(String, Resolution)], bodies: &[Vec<u8>]) {
        let operator = self.operator.verifying_key().clone();
        let verifier = ResolutionVerifier::new(operator.clone(), self.log_id.clone());
        let message = vec![b'm'; 512];
        let signature = self.operator.sign(&message).expect("signs");
        let mut baseline = Baseline {
            raw: Box::new(|| {
                operator
                    .verify(black_box(&message), black_box(&signature))
                    .expect("verifies")
            }),
            times: Vec::new(),
        };
        let n = responses.len();
        let index = |i: usize| i % n;
        report.sth = baseline.against(500, index, |i| {
            black_box(SignedTreeHead::verify(black_box(&responses[i].1.tree_head), &operator).expect("verifies"));
        });
        let head = SignedTreeHead::verify(&responses[0].1.tree_head, &operator).expect("verifies");
        let (size, root) = (head.head().size, head.head().root_hash);
        // The inclusion proof as a client checks it: decode the hashes, hash the leaf, walk the path.
        let inclusion = |r: &Resolution, size: u64, root: &Hash| {
            let entry = &r.operations[0];
            let proof: Vec<Hash> = entry
                .inclusion_proof
                .iter()
                .map(|h| merkle::decode_hash(h).expect("hash"))
                .collect();
            let leaf = merkle::leaf_hash(entry.operation.as_bytes());
            merkle::verify_inclusion(&leaf, entry.index, size, &proof, root).expect("included");
        };
        report.inclusion = baseline.against(5_000, index, |i| inclusion(black_box(&responses[i].1), size, &root));
        report.proof_check = baseline.against(500, index, |i| {
            let r = black_box(&responses[i].1);
            let head = SignedTreeHead::verify(&r.tree_head, &operator).expect("verifies");
            inclusion(r, head.head().size, &head.head().root_hash);
        });
        report.full = baseline.against(
            200,
            |i| responses[i % n].clone(),
            |(did, r)| {
                black_box(verifier.verify(&did, r).expect("verifies"));
            },
        );
        report.full_json = baseline.against(200, index, |i| {
            black_box(
                verifier
                    .verify_json(&responses[i].0, black_box(&bodies[i]))
                    .expect("verifies"),
            );
        });
        // What POST /operations does before submitting: parse and verify the compact JWS.
        report.parse_op = baseline.against(200, index, |i| {
            black_box(Operation::parse(black_box(&responses[i].1.operations[0].operation)).expect("parses"));
        });
        report.raw = baseline.median();
    }
}

/// Opens the store once the closed node's writer has let go of it.
fn open_when_released(path: &Path) -> Store {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Store::open(path) {
            Ok(store) => return store,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("the store stays locked: {e}"),
        }
    }
}

/// Resolves `dids` (up to [`HTTP_RESOLUTIONS`]) one after the other over HTTP; returns the
/// sorted latencies and the median body size. Checks one answer fully.
async fn http_resolutions(registry: Arc<Registry>, dids: &[String]) -> (Vec<Duration>, usize) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move { axum::serve(listener, router(registry)).await });
    let client = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(HTTP_RESOLUTIONS);
    let mut sizes = Vec::with_capacity(HTTP_RESOLUTIONS);
    for did in dids.iter().take(HTTP_RESOLUTIONS) {
        let url = format!("http://{address}/dids/{did}");
        let start = Instant::now();
        let response = client.get(&url).send().await.expect("sends");
        assert!(response.status().is_success(), "{url}: {}", response.status());
        let body = response.bytes().await.expect("body");
        latencies.push(start.elapsed());
        sizes.push(body.len());
    }
    server.abort();
    latencies.sort();
    sizes.sort();
    (latencies, sizes.get(sizes.len() / 2).copied().unwrap_or(0))
}

fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 10_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.1} µs")
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ratio(m: Measured) -> String {
    format!("{} ({:.2}x)", micros(m.time), m.ratio)
}

fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn table(reports: &[Report], key_type: KeyType) -> String {
    type Row = (&'static str, fn(&Report) -> String);
    let rows: [Row; 26] = [
        ("DIDs in the log", |r| grouped(r.size)),
        ("generate N creates (2 threads, untimed)", |r| seconds(r.generate)),
        ("mean operation size (compact JWS)", |r| format!("{} B", r.op_bytes)),
        ("append: wall time", |r| seconds(r.append)),
        ("append: throughput", |r| {
            format!("{} ops/s", grouped((r.size as f64 / r.append.as_secs_f64()) as usize))
        }),
        ("append: tree heads signed (batches)", |r| grouped(r.heads as usize)),
        ("append: mean operations per head", |r| {
            format!("{:.1}", r.size as f64 / r.heads.max(1) as f64)
        }),
        ("append: ack latency p50", |r| micros(r.ack_p50)),
        ("append: ack latency p99", |r| micros(r.ack_p99)),
        ("store size on disk", |r| {
            format!("{:.1} MiB", r.store_bytes as f64 / 1048576.0)
        }),
        ("restart: reopen + rebuild tree", |r| seconds(r.reopen)),
        ("resolve (Registry::resolve) p50", |r| micros(r.resolve_p50)),
        ("resolve (Registry::resolve) p99", |r| micros(r.resolve_p99)),
        ("resolve over HTTP (loopback) p50", |r| micros(r.http_p50)),
        ("resolve over HTTP (loopback) p99", |r| micros(r.http_p99)),
        ("inclusion proof: hashes (min-max)", |r| {
            format!(
                "{}-{} (log2 N = {:.1})",
                r.proof_hashes_min,
                r.proof_hashes_max,
                (r.size as f64).log2()
            )
        }),
        ("inclusion proof: JSON bytes (max)", |r| {
            format!("{} B", r.proof_json_max)
        }),
        ("resolution response: JSON bytes (median)", |r| {
            format!("{} B (HTTP {} B)", r.response_bytes, r.http_bytes)
        }),
        ("baseline: raw ES256 verify (median)", |r| micros(r.raw)),
        ("client: tree head verify / raw", |r| ratio(r.sth)),
        ("client: inclusion verify / raw", |r| ratio(r.inclusion)),
        ("client: PROOF CHECK (head + inclusion) / raw", |r| ratio(r.proof_check)),
        ("client: ResolutionVerifier::verify / raw", |r| ratio(r.full)),
        ("client: verify_json (parse + verify) / raw", |r| ratio(r.full_json)),
        ("node: Operation::parse per submission / raw", |r| ratio(r.parse_op)),
        ("peak resident memory of the process", |r| {
            r.peak_rss_mib.map_or("?".into(), |m| format!("{m} MiB"))
        }),
    ];
    let label_width = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let cells: Vec<Vec<String>> = rows.iter().map(|(_, f)| reports.iter().map(f).collect()).collect();
    let width = cells.iter().flatten().map(|c| c.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "did-core backend: {BACKEND}; DID keys {key_type:?}, operator key P-256 (ES256); \
         {IN_FLIGHT} submitters, default batching (256 ops or 20 ms per head)"
    );
    let rule = "-".repeat(label_width + (width + 3) * reports.len());
    let _ = writeln!(out, "{rule}");
    for ((label, _), row) in rows.iter().zip(&cells) {
        let _ = write!(out, "{label:<label_width$}");
        for cell in row {
            let _ = write!(out, " | {cell:>width$}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "{rule}");
    let mut summary = report::Report::new(
        "registry-node",
        "Registry node: appends, resolution and proofs against log size",
    );
    let sizes: Vec<String> = reports.iter().map(|r| grouped(r.size)).collect();
    let header: Vec<&str> = std::iter::once("DIDs in the log")
        .chain(sizes.iter().map(String::as_str))
        .collect();
    summary.header(&header);
    for ((label, _), row) in rows.iter().zip(&cells).skip(1) {
        summary.row(
            std::iter::once((*label).to_owned())
                .chain(row.iter().cloned())
                .collect(),
        );
    }
    summary.note(format!(
        "did-core backend: {BACKEND}; DID keys {key_type:?}, operator key P-256 (ES256); {IN_FLIGHT} submitters, \
         default batching (256 ops or 20 ms per head). Ratios are to one raw ES256 verify timed just before each."
    ));
    for r in reports {
        let n = r.size;
        summary.figure(&format!("proof_check_x_raw_{n}"), r.proof_check.ratio);
        summary.figure(&format!("resolve_p50_us_{n}"), r.resolve_p50.as_secs_f64() * 1e6);
        summary.figure(&format!("proof_json_bytes_{n}"), r.proof_json_max as f64);
        summary.figure(&format!("append_per_s_{n}"), r.size as f64 / r.append.as_secs_f64());
        summary.figure(&format!("parse_op_x_raw_{n}"), r.parse_op.ratio);
    }
    summary.write();
    for r in reports {
        let check = r.proof_check.ratio;
        let _ = writeln!(
            out,
            "N = {}: proof check {:.2}x raw verify (target <= 2x: {}); proof {} hashes for log2 N = {:.1}",
            grouped(r.size),
            check,
            if check <= 2.0 { "met" } else { "NOT met" },
            r.proof_hashes_max,
            (r.size as f64).log2()
        );
    }
    out
}

#[path = "../../bench/report.rs"]
mod report;

fn main() {
    // `cargo bench` passes `--bench`; this is not a criterion harness, so arguments are ignored.
    let sizes = sizes();
    let key_type = did_key_type();
    let operator = operator_key();
    let log_id = KeyResolver::key_id_for(operator.verifying_key())
        .split('#')
        .next()
        .unwrap_or_default()
        .to_owned();
    let root = std::env::temp_dir().join(format!("dojang-node-bench-{}", std::process::id()));
    let bench = Bench {
        runtime: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
        operator,
        log_id,
        key_type,
        root: root.clone(),
    };
    let start = Instant::now();
    let reports: Vec<Report> = sizes.iter().map(|&size| bench.run(size)).collect();
    let _ = std::fs::remove_dir_all(&root);
    println!();
    print!("{}", table(&reports, key_type));
    println!("total run time: {:.1?}", start.elapsed());
}
