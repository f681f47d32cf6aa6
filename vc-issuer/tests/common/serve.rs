//! The `vc-issuer serve` binary as a child process, for the tests that kill it or starve it
//! (crash.rs, faults.rs): its configuration file, its start and the environment it must not
//! inherit.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The `vc-issuer` binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_vc-issuer");

/// The environment variables that would override the test's configuration file.
pub const CONFIG_ENV: [&str; 6] = [
    "DATABASE_URL",
    "DOJANG_LISTEN",
    "DOJANG_DATA_DIR",
    "DOJANG_PUBLIC_URL",
    "DOJANG_DID_METHOD",
    "DOJANG_KEY_PASSPHRASE",
];

/// `vc-issuer serve` as a child process, killed on drop.
pub struct Service {
    pub child: Child,
    pub url: String,
    /// The start-up banner as printed.
    pub banner: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `<dir>/dojang.toml`: a free port of 127.0.0.1, the data folder `<dir>/data` and
/// `did:key`. Returns the file's path.
pub fn configure(dir: &Path) -> PathBuf {
    let config = dir.join("dojang.toml");
    let toml = format!(
        "listen = \"127.0.0.1:0\"\ndata_dir = {:?}\n\n[did]\nmethod = \"key\"\n",
        dir.join("data").display().to_string()
    );
    std::fs::write(&config, toml).unwrap();
    config
}

/// Spawns `command` (a `vc-issuer serve`) with its standard output piped and reads its start
/// lines up to the admin token's; returns the service and the admin token when this start
/// made one.
pub fn start(command: &mut Command) -> (Service, Option<String>) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut url, mut token, mut banner) = (None, None, String::new());
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "vc-issuer serve stopped at start"
        );
        banner.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix("vc-issuer listening on ") {
            url = Some(rest.to_owned());
        }
        if let Some(rest) = line.trim().strip_prefix("admin token") {
            let word = rest.split_whitespace().next().unwrap();
            if !word.starts_with('(') {
                token = Some(word.to_owned());
            }
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (
        Service {
            child,
            url: url.unwrap(),
            banner,
        },
        token,
    )
}

/// Removes [`CONFIG_ENV`] from a child's environment.
pub trait ClearConfig {
    fn env_clear_config(&mut self) -> &mut Self;
}

impl ClearConfig for Command {
    fn env_clear_config(&mut self) -> &mut Self {
        for name in CONFIG_ENV {
            self.env_remove(name);
        }
        self
    }
}
