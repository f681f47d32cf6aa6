//! The verifier integration tests in one test binary: each module below is one file of
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

mod attacks;
mod bundle;
mod bundle_attacks;
mod cli;
mod decision;
mod decision_offline;
mod decision_x509;
mod dojang;
mod door_flows;
mod kiosk_browser;
mod oid4vp;
mod qr;
mod resolution_http;
mod service;
mod support;
mod vc_api;
mod verify_engine;
mod x509;
