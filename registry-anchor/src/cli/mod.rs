//! The `registry-anchor` command line: run a node, manage DIDs on one, anchor tree heads.
//!
//! Every command prints JSON on stdout and exits 0 when it did its job, 1 when it ran but
//! failed (refused operation, unreachable node, bad key), 2 on a usage error. A failure is
//! `{"ok": false, "error": {"code", "message"}}` on stdout and `error: <message>` on stderr;
//! `serve` and `mirror` print the start-up banner the other services print (see
//! [`did_core::cli`]).

mod anchor;
mod args;
mod backup;
mod did;
mod keys;
mod mirror;
mod serve;
mod witness;

pub use args::{Cli, Command, DidCommand, Target};

pub use did_core::cli::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// Runs a parsed command line, printing its JSON result, and returns the exit code.
pub fn run(cli: Cli) -> i32 {
    if let Command::Completions { shell } = cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut command, "registry-anchor", &mut std::io::stdout());
        return EXIT_OK;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail("runtime", &e.to_string()),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::serve(args).await,
            Command::Did(command) => did::run(command).await,
            Command::Mirror(args) => mirror::mirror(args).await,
            Command::Witness(args) => witness::witness(args).await,
            Command::Anchor(args) => anchor::anchor(args).await,
            Command::CheckAnchor(args) => anchor::check_anchor(args).await,
            Command::Backup(args) => backup::backup(&args),
            Command::Restore(args) => backup::restore(&args),
            Command::Completions { .. } => Ok(serde_json::Value::Null),
        }
    });
    match result {
        Ok(value) => {
            println!("{value}");
            EXIT_OK
        }
        Err((code, message)) => fail(code, &message),
    }
}

fn fail(code: &str, message: &str) -> i32 {
    println!("{}", did_core::cli::json_failure(code, message));
    did_core::cli::write_error(&mut std::io::stderr(), message, None);
    EXIT_FAILED
}

/// A failed command: a stable code and a message.
pub(crate) type Failure = (&'static str, String);

/// A node's failure as a command failure: `unreachable`, `refused` (with the node's problem
/// code and detail) or `bad_answer`.
pub(crate) fn refused(error: crate::client::NodeApiError) -> Failure {
    use crate::client::NodeApiError;
    let code = match &error {
        NodeApiError::Unreachable(_) => "unreachable",
        NodeApiError::Refused { .. } => "refused",
        _ => "bad_answer",
    };
    (code, error.to_string())
}
