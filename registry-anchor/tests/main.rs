//! The registry-anchor integration tests in one test binary: each module below is one file of
//! this folder. One binary links once, where one binary per file took gigabytes of disk
//! and minutes of linking in CI. The lint allowances below cover every module: test code
//! fails loudly by design.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[cfg(feature = "cli")]
mod anchor;
mod attacks;
#[cfg(feature = "cli")]
mod backup;
mod common;
#[cfg(feature = "cli")]
mod crash;
mod faults;
mod key_transition;
mod merkle;
#[cfg(feature = "cli")]
mod mirror;
#[cfg(feature = "cli")]
mod node;
mod operation;
#[path = "../../test-support/process.rs"]
mod process;
#[cfg(all(feature = "node", feature = "client"))]
mod resolution;
mod spec_examples;
#[cfg(feature = "node")]
mod store;
mod tree_head;
