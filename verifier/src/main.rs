//! `verifier`: placeholder.
fn main() {}
