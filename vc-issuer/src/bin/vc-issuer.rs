//! `vc-issuer`: the Dojang issuer command line. See `vc-issuer --help`.

use clap::Parser as _;
use vc_issuer::cli::{Cli, run};

fn main() {
    // clap prints usage errors itself and exits with status 2.
    let cli = Cli::parse();
    // Service events go to standard error through `tracing` (`RUST_LOG`, `DOJANG_LOG_FORMAT`).
    did_core::logging::init();
    // Unlocked handles: `serve` runs for the life of the process, and its handlers log to
    // standard error from other threads. Holding the lock here made every such
    // line (any 5xx answer) wait for ever, hanging the handler and its worker thread.
    let code = run(cli, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
