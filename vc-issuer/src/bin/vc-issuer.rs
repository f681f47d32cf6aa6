//! `vc-issuer`: the Dojang issuer command line. See `vc-issuer --help`.

use clap::Parser as _;
use vc_issuer::cli::{Cli, run};

fn main() {
    // clap prints usage errors itself and exits with status 2.
    let cli = Cli::parse();
    let code = run(cli, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    std::process::exit(code);
}
