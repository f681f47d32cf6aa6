//! The `registry-anchor` binary: see [`registry_anchor::cli`].

use clap::Parser as _;
use registry_anchor::cli::{Cli, EXIT_USAGE, run};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    // Service events go to standard error through `tracing` (`RUST_LOG`, `DOJANG_LOG_FORMAT`).
    did_core::logging::init();
    std::process::exit(run(cli));
}
