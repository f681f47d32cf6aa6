//! The log's Merkle costs at 1,000 to 1,000,000 leaves, against one raw ES256 verify.
//!
//! For each size: append throughput (hashing a 512-byte entry and appending it to a tree
//! already that large), inclusion and consistency proof generation and verification, the
//! proof size, and the verification of a signed tree head. One raw ES256 verify
//! ([`VerifyingKey::verify`]) is measured in the same run as the baseline; a table of
//! ratios (verification / raw verify) is printed at the end.
//!
//! Run with `cargo bench -p registry-anchor --bench merkle`. The 1M-leaf tree is built once
//! (about a second; its build time is printed too).

// A benchmark is test code: a fixture that fails should stop it loudly, and its indices
// are its own.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use did_core::key::{BACKEND, KeyType, SigningKey, VerifyingKey};
use registry_anchor::merkle::{Hash, Tree, leaf_hash, verify_consistency, verify_inclusion};
use registry_anchor::tree_head::{SignedTreeHead, TreeHead};

const SIZES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// A typical entry: a compact JWS of about 512 bytes.
fn entry(i: u64) -> Vec<u8> {
    let mut data = vec![b'e'; 512];
    data[..8].copy_from_slice(&i.to_be_bytes());
    data
}

/// Spreads `i` over `0..n` (a fixed pseudo-random walk, so runs are comparable).
fn spread(i: u64, n: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % n
}

struct Fixture {
    size: u64,
    tree: Tree,
    build: Duration,
    /// (index, leaf hash, proof) triples.
    inclusion: Vec<(u64, Hash, Vec<Hash>)>,
    /// (old size, old root, proof) triples.
    consistency: Vec<(u64, Hash, Vec<Hash>)>,
    sth: String,
}

fn fixture(size: u64, operator: &SigningKey) -> Fixture {
    let start = Instant::now();
    let tree = Tree::from_leaf_hashes((0..size).map(|i| leaf_hash(&entry(i))));
    let build = start.elapsed();
    let inclusion = (0..256)
        .map(|i| {
            let index = spread(i, size);
            let proof = tree.inclusion_proof(index, size).expect("in range");
            (index, tree.leaf_hash_at(index).expect("in range"), proof)
        })
        .collect();
    let consistency = (0..256)
        .map(|i| {
            let old = 1 + spread(i, size - 1);
            let proof = tree.consistency_proof(old, size).expect("in range");
            (old, tree.root_at(old).expect("in range"), proof)
        })
        .collect();
    let head = TreeHead::new("did:web:registry.example", size, tree.root(), 1_700_000_000_000);
    let sth = SignedTreeHead::sign(head, operator)
        .expect("signs")
        .as_compact()
        .to_owned();
    Fixture {
        size,
        tree,
        build,
        inclusion,
        consistency,
        sth,
    }
}

/// Median time per call of `f` over 9 batches of `per_batch` calls.
fn per_call(per_batch: u32, mut f: impl FnMut(u32)) -> Duration {
    let mut batches: Vec<Duration> = (0..9)
        .map(|_| {
            let start = Instant::now();
            for i in 0..per_batch {
                f(i);
            }
            start.elapsed() / per_batch
        })
        .collect();
    batches.sort();
    batches[4]
}

#[path = "../../bench/report.rs"]
mod report;

use report::Report;

fn main() {
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    let operator = SigningKey::from_bytes(KeyType::P256, &[7; 32]).expect("fixed key");
    let operator_key: VerifyingKey = operator.verifying_key().clone();
    let message = entry(0);
    let signature = operator.sign(&message).expect("signs");

    criterion.bench_function("baseline/raw ES256 VerifyingKey::verify", |b| {
        b.iter(|| {
            operator_key
                .verify(black_box(&message), black_box(&signature))
                .expect("verifies")
        })
    });

    let fixtures: Vec<Fixture> = SIZES.iter().map(|&size| fixture(size, &operator)).collect();

    for f in &fixtures {
        let mut group = criterion.benchmark_group(format!("merkle/{}", f.size));
        let mut growing = f.tree.clone();
        let mut next = f.size;
        group.bench_function("append (hash 512-byte entry + append)", |b| {
            b.iter_batched(
                || {
                    next += 1;
                    entry(next)
                },
                |data| growing.append_data(black_box(&data)),
                BatchSize::SmallInput,
            )
        });
        drop(growing);
        let mut i = 0u64;
        group.bench_function("inclusion proof generation", |b| {
            b.iter(|| {
                i += 1;
                f.tree.inclusion_proof(spread(i, f.size), f.size).expect("in range")
            })
        });
        let root = f.tree.root();
        let mut i = 0usize;
        group.bench_function("inclusion proof verification", |b| {
            b.iter(|| {
                i = (i + 1) % f.inclusion.len();
                let (index, leaf, proof) = &f.inclusion[i];
                verify_inclusion(leaf, *index, f.size, black_box(proof), &root).expect("verifies")
            })
        });
        let mut i = 0u64;
        group.bench_function("consistency proof generation", |b| {
            b.iter(|| {
                i += 1;
                f.tree
                    .consistency_proof(1 + spread(i, f.size - 1), f.size)
                    .expect("in range")
            })
        });
        let mut i = 0usize;
        group.bench_function("consistency proof verification", |b| {
            b.iter(|| {
                i = (i + 1) % f.consistency.len();
                let (old, old_root, proof) = &f.consistency[i];
                verify_consistency(*old, f.size, old_root, &root, black_box(proof)).expect("verifies")
            })
        });
        group.bench_function("signed tree head verification", |b| {
            b.iter(|| SignedTreeHead::verify(black_box(&f.sth), &operator_key).expect("verifies"))
        });
        group.finish();
    }

    // The summary, measured again here so the ratios come from one place.
    let raw = per_call(2_000, |_| {
        operator_key
            .verify(black_box(&message), black_box(&signature))
            .expect("verifies")
    });
    println!();
    println!("did-core backend: {BACKEND}; raw ES256 verify = {raw:?}");
    println!(
        "{:>9} | {:>10} | {:>11} | {:>11} | {:>11} | {:>11} | {:>11} | {:>9} | {:>9} | {:>9}",
        "leaves",
        "build",
        "append",
        "incl. gen",
        "incl. ver",
        "cons. ver",
        "STH+incl",
        "proof B",
        "incl/raw",
        "full/raw"
    );
    let mut report = Report::new("merkle", "Registry log Merkle tree against log size");
    report.header(&[
        "leaves",
        "build",
        "append",
        "inclusion proof gen.",
        "inclusion verify",
        "consistency verify",
        "tree head + inclusion verify",
        "proof bytes",
        "inclusion / raw",
        "head + inclusion / raw",
    ]);
    for f in &fixtures {
        let root = f.tree.root();
        let mut growing = f.tree.clone();
        let mut next = f.size;
        let append = per_call(20_000, |_| {
            next += 1;
            growing.append_data(black_box(&entry(next)));
        });
        drop(growing);
        let generate = per_call(20_000, |i| {
            black_box(
                f.tree
                    .inclusion_proof(spread(u64::from(i), f.size), f.size)
                    .expect("in range"),
            );
        });
        let verify = per_call(20_000, |i| {
            let (index, leaf, proof) = &f.inclusion[i as usize % f.inclusion.len()];
            verify_inclusion(leaf, *index, f.size, black_box(proof), &root).expect("verifies")
        });
        let consistency = per_call(20_000, |i| {
            let (old, old_root, proof) = &f.consistency[i as usize % f.consistency.len()];
            verify_consistency(*old, f.size, old_root, &root, black_box(proof)).expect("verifies")
        });
        // What a resolver does per answer: check the signed tree head, then the inclusion proof.
        let full = per_call(2_000, |i| {
            let sth = SignedTreeHead::verify(black_box(&f.sth), &operator_key).expect("verifies");
            let (index, leaf, proof) = &f.inclusion[i as usize % f.inclusion.len()];
            verify_inclusion(leaf, *index, f.size, proof, &sth.head().root_hash).expect("verifies")
        });
        let proof_bytes = f.inclusion.iter().map(|(_, _, p)| p.len() * 32).max().unwrap_or(0);
        println!(
            "{:>9} | {:>10.1?} | {:>11.1?} | {:>11.1?} | {:>11.1?} | {:>11.1?} | {:>11.1?} | {:>9} | {:>9.3} | {:>9.3}",
            f.size,
            f.build,
            append,
            generate,
            verify,
            consistency,
            full,
            proof_bytes,
            verify.as_secs_f64() / raw.as_secs_f64(),
            full.as_secs_f64() / raw.as_secs_f64()
        );
        let us = |d: Duration| format!("{} µs", report::us(d.as_secs_f64() * 1e6));
        report.row(vec![
            f.size.to_string(),
            format!("{:.2} s", f.build.as_secs_f64()),
            us(append),
            us(generate),
            us(verify),
            us(consistency),
            us(full),
            proof_bytes.to_string(),
            report::x(verify.as_secs_f64() / raw.as_secs_f64()),
            report::x(full.as_secs_f64() / raw.as_secs_f64()),
        ]);
        report.figure(&format!("tree_append_us_{}", f.size), append.as_secs_f64() * 1e6);
        report.figure(
            &format!("head_inclusion_x_raw_{}", f.size),
            full.as_secs_f64() / raw.as_secs_f64(),
        );
    }
    report.note(format!(
        "Raw ES256 verify {:.2} µs (backend {BACKEND}). Append: hash a 512-byte entry and append it to a tree of \
         that size. Tree head + inclusion: what a resolver checks per answer.",
        raw.as_secs_f64() * 1e6
    ));
    report.write();
    println!(
        "append: hash a 512-byte entry and append it to a tree of that size; proof B: largest inclusion proof \
         in bytes (32 per hash, log2 of the size); STH+incl: SignedTreeHead::verify + verify_inclusion, \
         what a resolver checks per answer; ratios: verification time / one raw ES256 verify."
    );
    criterion.final_summary();
}
