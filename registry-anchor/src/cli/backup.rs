//! `registry-anchor backup` and `restore`: a copy of a node's log that restores, taken while
//! the node runs.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use super::Failure;
use super::serve::{OPERATOR_KEY_FILE, STORE_FILE};

/// `backup` options.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The node's data directory (as given to `serve --data`); the node may be running.
    #[arg(long, default_value = "./registry-data")]
    pub data: PathBuf,
    /// The backup file to write (must not exist). The operator key is not in it: back up
    /// `<data>/operator-key.jwk` once, apart from the log backups.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `restore` options.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (from `backup`).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The data directory to restore into: it must hold the operator key
    /// (`operator-key.jwk`, restored first) and no log yet.
    #[arg(long)]
    pub data: PathBuf,
}

/// Copies one committed state of the node's log to a new file.
pub(crate) fn backup(args: &BackupArgs) -> Result<Value, Failure> {
    let source = args.data.join(STORE_FILE);
    if !source.exists() {
        return Err((
            "no_store",
            format!("{}: no log here (is --data the node's?)", source.display()),
        ));
    }
    let summary = crate::store::backup(&source, &args.out).map_err(|e| ("backup", e.to_string()))?;
    Ok(json!({
        "ok": true,
        "backup": args.out.display().to_string(),
        "entries": summary.entries,
        "treeSize": summary.tree_size,
    }))
}

/// Puts a backup in place as the data directory's log, after checking it against the operator
/// key found there.
pub(crate) fn restore(args: &RestoreArgs) -> Result<Value, Failure> {
    let key_file = args.data.join(OPERATOR_KEY_FILE);
    if !key_file.exists() {
        return Err((
            "no_operator_key",
            format!(
                "{}: restore the operator key first; a log is restored only under the key that signed it",
                key_file.display()
            ),
        ));
    }
    let key = super::keys::read_signing_key(&key_file)?;
    let checked = crate::node::restore_store(&args.from, &args.data.join(STORE_FILE), key.verifying_key())
        .map_err(|e| ("restore", e.to_string()))?;
    Ok(json!({
        "ok": true,
        "restored": args.data.join(STORE_FILE).display().to_string(),
        "logId": checked.log_id,
        "treeSize": checked.size,
    }))
}
