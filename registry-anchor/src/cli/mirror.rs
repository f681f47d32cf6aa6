//! `registry-anchor mirror`: follows an upstream node, verifies it, serves resolution.

use clap::Args;
use serde_json::Value;

use super::Failure;

/// `mirror` options.
#[derive(Debug, Args)]
pub struct MirrorArgs {}

pub(crate) async fn mirror(_args: MirrorArgs) -> Result<Value, Failure> {
    Err(("not_implemented", "mirror".into()))
}
