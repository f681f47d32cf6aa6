//! The crash test of issue 4: an operation the node has acknowledged is durable.
//!
//! Each round starts `registry-anchor serve` on the same data directory (with batch settings that
//! vary per round), drives a stream of `create`s and `update`s at it from several concurrent
//! writers, and kills the process with SIGKILL at a pseudo-random moment. The next start then
//! must hold every operation the node answered 202 for, at the index it acknowledged, in a tree
//! whose signed head verifies, is rebuilt from the entries, extends the previous round's head,
//! and whose every DID chain replays. Operations in flight at the kill may or may not be there.
//!
//! `DOJANG_CRASH_SEED` replays a run (the seed is printed); `DOJANG_CRASH_ROUNDS` sets the number
//! of kill/restart rounds (default 20).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use did_core::did::Did;
use did_core::key::{KeyType, SigningKey};
use registry_anchor::merkle::{Tree, leaf_hash};
use registry_anchor::operation::{self, DidState, DocumentChange, KeyCommitment, Operation, OperationHash};
use registry_anchor::resolution::{Resolution, ResolutionVerifier, check_consistency};
use registry_anchor::tree_head::TreeHead;
use serde_json::Value;

use crate::common;
use crate::process;

use common::*;
use process::{Rng, env_u64};

/// Concurrent writers per round.
const WRITERS: usize = 8;
/// Creates each writer has signed before a round starts.
const POOL: usize = 24;
/// Existing DIDs each writer has an update signed for before a round starts.
const READY_UPDATES: usize = 6;

/// xorshift64*: enough to spread kill moments and choices, reproducible from a seed.
/// A DID this test writes to. `keys[i]` signs operation `i` of the chain, which commits to
/// `keys[i + 1]`; `chain` is the chain as known (from the log at the round's start, then from
/// the acknowledgements of the round).
struct Tracked {
    did: Did,
    key_type: KeyType,
    keys: Vec<SigningKey>,
    chain: Vec<OperationHash>,
}

impl Tracked {
    /// The next update of this DID, signed by the key the chain's last operation committed to.
    fn next_update(&mut self) -> Operation {
        let at = self.chain.len();
        while self.keys.len() < at + 2 {
            self.keys.push(SigningKey::generate(self.key_type).unwrap());
        }
        operation::update(
            &self.did,
            *self.chain.last().unwrap(),
            &self.keys[at],
            KeyCommitment::of(self.keys[at + 1].verifying_key()),
            DocumentChange::Replace(document(&self.keys[at], at)),
        )
        .unwrap()
    }
}

fn new_create(rng: &mut Rng) -> (Tracked, Operation) {
    let key_type = if rng.percent(50) {
        KeyType::P256
    } else {
        KeyType::Ed25519
    };
    let (create, key, next) = signed_create(key_type);
    let tracked = Tracked {
        did: create.did().clone(),
        key_type,
        keys: vec![key, next],
        chain: Vec::new(),
    };
    (tracked, create)
}

/// What one writer is given for a round.
struct Lane {
    rng: Rng,
    /// DIDs in the log, owned by this writer for the round (no other writer touches them, so
    /// its updates never race each other into a fork).
    dids: Vec<Tracked>,
    /// Signed updates of `dids[i]`, sent before any update built during the round.
    ready: Vec<(usize, Operation)>,
    /// Signed creates of new DIDs.
    creates: Vec<(Tracked, Operation)>,
}

/// An operation the node answered 202 for.
#[derive(Debug, Clone)]
struct Ack {
    did: String,
    hash: String,
    index: u64,
    jws: String,
}

/// What one writer did in a round.
struct Outcome {
    lane: Lane,
    /// Creates sent but never acknowledged (they may be in the log).
    unacked_creates: Vec<Tracked>,
    sent: Vec<Operation>,
    acked: Vec<Ack>,
    /// Answers other than 202, and connection failures before the kill.
    unexpected: Vec<String>,
}

async fn write(client: reqwest::Client, url: String, mut lane: Lane, stop: Arc<AtomicBool>) -> Outcome {
    let mut sent = Vec::new();
    let mut acked = Vec::new();
    let mut unexpected = Vec::new();
    let mut unacked_creates = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let update = !lane.dids.is_empty() && lane.rng.percent(35);
        // `target`: the index in `lane.dids` of the DID an update changes, or the new DID a create makes.
        let (target, op) = if update {
            match lane.ready.pop() {
                Some((i, op)) => (Ok(i), op),
                None => {
                    let i = (lane.rng.next() % lane.dids.len() as u64) as usize;
                    (Ok(i), lane.dids[i].next_update())
                }
            }
        } else {
            let (tracked, op) = lane.creates.pop().unwrap_or_else(|| new_create(&mut lane.rng));
            (Err(tracked), op)
        };
        sent.push(op.clone());
        let answer = client
            .post(format!("{url}/operations"))
            .body(op.as_str().to_owned())
            .send()
            .await;
        let acknowledged = match answer {
            // A body the kill cut off is not an acknowledgement the client ever saw.
            Ok(response) if response.status().as_u16() == 202 => response.text().await.ok(),
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                unexpected.push(format!("{status}: {body}"));
                None
            }
            Err(e) => {
                if !stop.load(Ordering::SeqCst) {
                    unexpected.push(format!("the node failed before the kill: {e}"));
                }
                None
            }
        };
        let Some(body) = acknowledged else {
            if let Err(tracked) = target {
                unacked_creates.push(tracked);
            }
            // Either the node is gone or it refused: this writer is done for the round.
            break;
        };
        let receipt: Value = serde_json::from_str(&body).unwrap();
        let ack = Ack {
            did: receipt["did"].as_str().unwrap().to_owned(),
            hash: receipt["operationHash"].as_str().unwrap().to_owned(),
            index: receipt["index"].as_u64().unwrap(),
            jws: op.as_str().to_owned(),
        };
        assert_eq!(ack.did, op.did().as_str());
        assert_eq!(ack.hash, OperationHash::of(op.as_str()).to_string());
        acked.push(ack);
        match target {
            Ok(i) => lane.dids[i].chain.push(*op.hash()),
            Err(mut tracked) => {
                tracked.chain.push(*op.hash());
                lane.dids.push(tracked);
            }
        }
    }
    Outcome {
        lane,
        unacked_creates,
        sent,
        acked,
        unexpected,
    }
}

/// Everything the test knows across rounds.
#[derive(Default)]
struct Books {
    /// Every DID a create was signed for (whether or not it reached the log).
    tracked: HashMap<String, Tracked>,
    /// Every operation ever sent, by hash.
    sent: HashMap<String, String>,
    /// Every acknowledged operation.
    acked: Vec<Ack>,
    /// The log as verified at the last restart, and each DID's replayed state.
    entries: Vec<String>,
    states: HashMap<String, DidState>,
    /// The last verified tree head.
    head: Option<TreeHead>,
    /// Creates signed ahead, carried over between rounds.
    pool: Vec<(Tracked, Operation)>,
    /// Operations of the last round sent but not acknowledged.
    in_flight: Vec<String>,
    /// Operations sent but not acknowledged that the log holds after the restart.
    unacked_present: usize,
    /// Operations sent but not acknowledged that the log does not hold.
    unacked_absent: usize,
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Resolves `did` and checks the answer with the resolver's verifier; every acknowledged
/// operation of the DID must be listed at its index.
async fn check_resolution(client: &reqwest::Client, node: &Node, books: &Books, head: &TreeHead, did: &str) {
    let (status, body) = get_json(client, &format!("{}/dids/{did}", node.url)).await;
    assert_eq!(status, 200, "{did}: {body}");
    let resolution: Resolution = serde_json::from_str(&body).unwrap();
    let verified = ResolutionVerifier::new(node.operator.clone(), node.log_id.clone())
        .verify(did, resolution)
        .unwrap_or_else(|e| panic!("{did}: {e}"));
    assert_eq!(verified.tree_head().head(), head);
    let listed: HashMap<u64, String> = verified
        .response()
        .operations
        .iter()
        .map(|op| (op.index, OperationHash::of(&op.operation).to_string()))
        .collect();
    for ack in books.acked.iter().filter(|ack| ack.did == did) {
        assert_eq!(
            listed.get(&ack.index),
            Some(&ack.hash),
            "{did}: the operation acknowledged at index {} is not resolved",
            ack.index
        );
    }
    assert_eq!(verified.state().last_operation(), books.states[did].last_operation());
}

/// After a restart: the head verifies and extends the last one, the entries rebuild its root,
/// the log holds only operations this test sent, every chain replays, and every acknowledged
/// operation is at its index. Returns how many acknowledged operations were found.
async fn check_log(client: &reqwest::Client, node: &Node, books: &mut Books, touched: &HashSet<String>) -> usize {
    let head = verified_head(client, node).await;
    if let Some(previous) = &books.head {
        let (status, body) = get_json(
            client,
            &format!("{}/consistency?from={}&to={}", node.url, previous.size, head.size),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let proof: Vec<String> =
            serde_json::from_value(serde_json::from_str::<Value>(&body).unwrap()["proof"].clone()).unwrap();
        check_consistency(previous, &head, &proof).unwrap_or_else(|e| panic!("{e}"));
    }
    let entries = all_entries(client, &node.url, head.size).await;
    let tree = Tree::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e.as_bytes())));
    assert_eq!(
        tree.root(),
        head.root_hash,
        "the entries do not rebuild the head's root"
    );
    // The prefix verified before is unchanged (the consistency proof says so too); the new
    // entries are operations this test sent, and continue their DIDs' chains.
    assert!(entries.len() >= books.entries.len());
    assert_eq!(entries[..books.entries.len()], books.entries[..]);
    for (index, jws) in entries.iter().enumerate().skip(books.entries.len()) {
        let op = Operation::parse(jws).unwrap_or_else(|e| panic!("entry {index}: {e}"));
        assert_eq!(
            books.sent.get(&op.hash().to_string()),
            Some(jws),
            "entry {index} was never sent"
        );
        let did = op.did().as_str().to_owned();
        let state = match books.states.get(&did) {
            Some(state) => state.apply(&op),
            None => DidState::create(&op),
        };
        let state = state.unwrap_or_else(|e| panic!("entry {index} breaks the chain of {did}: {e}"));
        books.states.insert(did, state);
    }
    let mut found = 0;
    for ack in &books.acked {
        let entry = entries.get(usize::try_from(ack.index).unwrap());
        assert_eq!(
            entry,
            Some(&ack.jws),
            "the operation {} of {} acknowledged at index {} is not in the log",
            ack.hash,
            ack.did,
            ack.index
        );
        found += 1;
    }
    // Operations in flight at the kill: either way is fine, but count them.
    let in_log: HashSet<String> = entries[books.entries.len()..]
        .iter()
        .map(|jws| OperationHash::of(jws).to_string())
        .collect();
    for hash in books.in_flight.drain(..) {
        if in_log.contains(&hash) {
            books.unacked_present += 1;
        } else {
            books.unacked_absent += 1;
        }
    }
    books.entries = entries;
    books.head = Some(head.clone());
    // The chains as the log has them are what the next round builds on.
    books.tracked.retain(|did, _| books.states.contains_key(did));
    for (did, tracked) in &mut books.tracked {
        tracked.chain = books.states[did].operation_hashes().to_vec();
    }
    for did in touched.iter().filter(|did| books.states.contains_key(*did)) {
        check_resolution(client, node, books, &head, did).await;
    }
    found
}

#[test]
#[ignore = "system test (SIGKILL crash rounds, minutes): ./scripts/test runs it"]
fn acknowledged_operations_survive_sigkill_at_random_moments() {
    let seed = env_u64("DOJANG_CRASH_SEED").unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        now.as_secs() ^ (u64::from(now.subsec_nanos()) << 20)
    });
    let rounds = env_u64("DOJANG_CRASH_ROUNDS").unwrap_or(20);
    eprintln!("crash test: seed {seed} (DOJANG_CRASH_SEED), {rounds} rounds (DOJANG_CRASH_ROUNDS)");
    let mut rng = Rng::new(seed);
    let dir = temp_dir("crash");
    let data = dir.join("data");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut books = Books::default();
    let mut touched = HashSet::new();
    let (mut total_sent, mut total_acked, mut found_after_restarts) = (0usize, 0usize, 0usize);
    for round in 0..=rounds {
        let batch_max = [1, 2, 3, 8, 32, 256][(rng.next() % 6) as usize];
        let interval = rng.range(0, 25);
        let mut node = start_node_with(
            &data,
            &[
                "--batch-max",
                &batch_max.to_string(),
                "--batch-interval-ms",
                &interval.to_string(),
            ],
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        // The restart after the previous round's kill: check everything acknowledged so far.
        let found = runtime.block_on(check_log(&client, &node, &mut books, &touched));
        found_after_restarts += found;
        if round == rounds {
            // The last start is for checking only: resolve every DID the log holds.
            let dids: Vec<String> = books.states.keys().cloned().collect();
            let head = books.head.clone().unwrap();
            runtime.block_on(async {
                for did in &dids {
                    check_resolution(&client, &node, &books, &head, did).await;
                }
            });
            eprintln!(
                "crash test: {rounds} kill/restart rounds in {:.1} s: {total_sent} operations sent, {total_acked} acknowledged, \
                 {found_after_restarts} acknowledged operations found over the restarts (the last restart found all {}), \
                 {} in flight at a kill found in the log, {} not; final log {} entries, {} DIDs",
                started.elapsed().as_secs_f64(),
                books.acked.len(),
                books.unacked_present,
                books.unacked_absent,
                books.entries.len(),
                dids.len(),
            );
            assert_eq!(found, total_acked);
            break;
        }
        // Deal the DIDs out to the writers, with creates and some updates signed ahead.
        let mut lanes: Vec<Lane> = (0..WRITERS)
            .map(|_| Lane {
                rng: Rng::new(rng.next()),
                dids: Vec::new(),
                ready: Vec::new(),
                creates: Vec::new(),
            })
            .collect();
        for (n, (_, tracked)) in books.tracked.drain().enumerate() {
            lanes[n % WRITERS].dids.push(tracked);
        }
        for lane in &mut lanes {
            while books.pool.len() < POOL * WRITERS {
                books.pool.push(new_create(&mut rng));
            }
            lane.creates = books.pool.split_off(books.pool.len() - POOL);
            for _ in 0..READY_UPDATES.min(lane.dids.len()) {
                let i = (lane.rng.next() % lane.dids.len() as u64) as usize;
                if lane.ready.iter().all(|(j, _)| *j != i) {
                    let op = lane.dids[i].next_update();
                    lane.ready.push((i, op));
                }
            }
        }
        let kill_after = Duration::from_millis(rng.range(5, 400));
        let stop = Arc::new(AtomicBool::new(false));
        let outcomes = runtime.block_on(async {
            let writers: Vec<_> = lanes
                .into_iter()
                .map(|lane| tokio::spawn(write(client.clone(), node.url.clone(), lane, Arc::clone(&stop))))
                .collect();
            tokio::time::sleep(kill_after).await;
            stop.store(true, Ordering::SeqCst);
            node.child.kill().unwrap();
            let mut outcomes = Vec::new();
            for writer in writers {
                outcomes.push(writer.await.unwrap());
            }
            outcomes
        });
        let status = node.child.wait().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt as _;
            assert_eq!(status.signal(), Some(9), "the node was not killed by SIGKILL: {status}");
        }
        #[cfg(not(unix))]
        let _ = status;
        drop(node);
        touched.clear();
        let (mut sent, mut acked) = (0, 0);
        for outcome in outcomes {
            assert!(outcome.unexpected.is_empty(), "round {round}: {:?}", outcome.unexpected);
            sent += outcome.sent.len();
            acked += outcome.acked.len();
            let acked_now: HashSet<&str> = outcome.acked.iter().map(|a| a.hash.as_str()).collect();
            for op in outcome.sent {
                touched.insert(op.did().as_str().to_owned());
                if !acked_now.contains(op.hash().to_string().as_str()) {
                    books.in_flight.push(op.hash().to_string());
                }
                books.sent.insert(op.hash().to_string(), op.into_string());
            }
            books.acked.extend(outcome.acked);
            for tracked in outcome.lane.dids.into_iter().chain(outcome.unacked_creates) {
                books.tracked.insert(tracked.did.as_str().to_owned(), tracked);
            }
            books.pool.extend(outcome.lane.creates);
        }
        eprintln!(
            "round {round}: batch-max {batch_max}, interval {interval} ms, SIGKILL after {} ms: {sent} sent, {acked} acknowledged",
            kill_after.as_millis()
        );
        total_sent += sent;
        total_acked += acked;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
