//! `verifier`: the Dojang verifier command line. See `verifier --help`.

use clap::Parser as _;
use verifier::cli::{Cli, EXIT_FAILED, run};

fn main() {
    // clap prints usage errors itself and exits with status 2.
    let cli = Cli::parse();
    // Service events go to standard error through `tracing` (`RUST_LOG`, `DOJANG_LOG_FORMAT`).
    did_core::logging::init();
    let code = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli, &mut std::io::stdout().lock())),
        Err(e) => {
            did_core::cli::write_error(
                &mut std::io::stderr(),
                &format!("cannot start the async runtime: {e}"),
                None,
            );
            EXIT_FAILED
        }
    };
    std::process::exit(code);
}
