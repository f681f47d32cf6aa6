//! `registry-anchor anchor` and `check-anchor`, and the node's periodic anchoring task.

use std::sync::Arc;

use clap::Args;
use serde_json::Value;

use super::Failure;
use crate::node::Registry;

/// `serve` options for periodic anchoring.
#[derive(Debug, Args)]
pub struct AnchoringArgs {}

/// `anchor` options.
#[derive(Debug, Args)]
pub struct AnchorArgs {}

/// `check-anchor` options.
#[derive(Debug, Args)]
pub struct CheckAnchorArgs {}

/// Starts the periodic anchoring task when configured.
pub(crate) fn start_periodic(_args: &AnchoringArgs, _registry: Arc<Registry>) -> Result<(), Failure> {
    Ok(())
}

pub(crate) async fn anchor(_args: AnchorArgs) -> Result<Value, Failure> {
    Err(("not_implemented", "anchor".into()))
}

pub(crate) async fn check_anchor(_args: CheckAnchorArgs) -> Result<Value, Failure> {
    Err(("not_implemented", "check-anchor".into()))
}
