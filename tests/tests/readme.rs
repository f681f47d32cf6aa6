//! The README's walkthrough, run as written. Every ```sh block of "Five minutes: issue a
//! credential, verify it, open a door" and "More from the command line" goes to bash, in
//! order, in a scratch folder that stands for the clone's top folder (it holds a copy of
//! `verifier/door.example.toml`). Three things differ from a reader's terminal, and only these:
//!
//! - `cargo run [-q] -p <package> -- <args>` is a shell function that runs the binary this
//!   `cargo test --workspace` built (`target/debug/<package>`) instead of compiling it again;
//! - the issuer and the door listen on free ports: the text's `127.0.0.1:8080` is rewritten to
//!   the issuer's port (in the blocks and the policy copy), the issuer gets it through
//!   `DOJANG_LISTEN` and the door through `--listen`;
//! - the values the reader pastes in step 2 (`dojang_...`, `did:key:...`, `did:dojang:...`)
//!   are the ones the issuer printed.
//!
//! So a README edit that breaks a command, a flag, a route or an expected outcome fails here.

use crate::common;
use crate::process;
use crate::softhsm;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// The two README sections this test follows.
const SECTIONS: [&str; 2] = [
    "## Five minutes: issue a credential, verify it, open a door",
    "## More from the command line",
];

/// The port the README's text names for the issuer.
const README_ISSUER: &str = "127.0.0.1:8080";

/// `cargo run` as the README uses it, served from the binaries this test run built; a
/// `verifier serve` also gets `--listen` (the README relies on its default, 8090).
const PRELUDE: &str = r#"
set -u
cargo() {
  if [ "${1:-}" != run ]; then echo "the walkthrough only uses cargo run" >&2; return 2; fi
  shift
  local package=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -q) shift ;;
      -p) package="$2"; shift 2 ;;
      --) shift; break ;;
      *) echo "cargo run: unexpected argument $1" >&2; return 2 ;;
    esac
  done
  if [ "$package" = verifier ] && [ "${1:-}" = serve ]; then
    set -- "$@" --listen "127.0.0.1:$DOOR_PORT"
  fi
  "$DOJANG_BIN_DIR/$package" "$@"
}
"#;

/// The ```sh blocks of the README section headed `heading`, in order.
fn sh_blocks(readme: &str, heading: &str) -> Vec<String> {
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    let body = &readme[start + heading.len()..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut blocks = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("```sh\n") {
        let after = &rest[open + "```sh\n".len()..];
        let close = after.find("```").expect("an unclosed code block");
        blocks.push(after[..close].to_owned());
        rest = &after[close + 3..];
    }
    blocks
}

/// Where `cargo test --workspace` put the binaries (`target/debug`, beside `deps/`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    if !dir.join("vc-issuer").is_file() || !dir.join("verifier").is_file() {
        // `cargo test -p tests` alone does not build other packages' binaries.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "vc-issuer", "-p", "verifier"])
            .current_dir(common::repo_root())
            .status()
            .unwrap();
        assert!(status.success(), "building vc-issuer and verifier failed");
    }
    dir
}

/// One reader's terminal: the folder, the binaries, the ports and what was pasted.
struct Terminal {
    dir: PathBuf,
    bin_dir: PathBuf,
    issuer_port: u16,
    door_port: u16,
    vars: BTreeMap<String, String>,
}

/// What a foreground block did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Terminal {
    /// `block` as bash will run it: the prelude, then the text with the issuer's port.
    fn script(&self, block: &str) -> String {
        let text = block.replace(README_ISSUER, &format!("127.0.0.1:{}", self.issuer_port));
        format!("{PRELUDE}\n{text}")
    }

    fn command(&self, block: &str) -> Command {
        let mut command = Command::new("bash");
        // A reader's terminal has no issuer settings in its environment: drop every one
        // (all are DOJANG_*, plus the database URL) that the test run may carry.
        for (name, _) in std::env::vars_os() {
            if name
                .to_str()
                .is_some_and(|n| n.starts_with("DOJANG_") || n == "DATABASE_URL")
            {
                command.env_remove(name);
            }
        }
        command
            .args(["-c", &self.script(block)])
            .current_dir(&self.dir)
            .env("DOJANG_BIN_DIR", &self.bin_dir)
            .env("DOOR_PORT", self.door_port.to_string())
            .env("DOJANG_LISTEN", format!("127.0.0.1:{}", self.issuer_port))
            .envs(&self.vars)
            .stdin(Stdio::null());
        command
    }

    /// Runs `block` to its end.
    fn run(&self, block: &str) -> Ran {
        let output = self.command(block).output().unwrap();
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts `block` (a service that keeps running) in its own process group; its stdout
    /// lines arrive on the returned channel.
    fn start(&self, block: &str) -> (Service, mpsc::Receiver<String>) {
        use std::os::unix::process::CommandExt as _;
        let mut child = self
            .command(block)
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        (Service(child), lines)
    }
}

/// A service started from a block; its process group is killed on drop.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// Waits for a door started by the README to answer its kiosk page.
fn wait_for_kiosk(terminal: &Terminal) {
    let page = format!("http://127.0.0.1:{}/", terminal.door_port);
    for _ in 0..600 {
        if terminal.run(&format!("curl -sf {page}")).code == Some(0) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the door never answered {page}");
}

/// The value after `label` on the banner line that has it, up to the next space.
fn banner_value(banner: &[String], label: &str, prefix: &str) -> String {
    banner
        .iter()
        .find_map(|line| {
            let at = line.find(label)?;
            let rest = &line[at + label.len()..];
            let start = rest.find(prefix)?;
            let value = &rest[start..];
            Some(value[..value.find([' ', ')']).unwrap_or(value.len())].to_owned())
        })
        .unwrap_or_else(|| panic!("no {label} {prefix}… in the banner:\n{}", banner.join("\n")))
}

fn assert_ran(ran: &Ran, code: i32, what: &str) {
    assert_eq!(
        ran.code,
        Some(code),
        "{what}: exit status\nstdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
}

/// The verifier's JSON report (the last JSON document `stdout` holds): `verified` is `want`,
/// and each of `passed` is a passed check.
fn assert_report(stdout: &str, want: bool, passed: &[&str], what: &str) -> Value {
    let report = serde_json::Deserializer::from_str(stdout)
        .into_iter::<Value>()
        .last()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("{what}: no JSON report in:\n{stdout}"));
    assert_eq!(report["verified"], want, "{what}: {report:#}");
    for check in passed {
        let result = report["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["check"] == *check))
            .map(|c| c["result"].clone());
        assert_eq!(result, Some(json!("passed")), "{what}: the {check} check: {report:#}");
    }
    report
}

#[test]
#[ignore = "system test (curl, as the README's commands use it): ./scripts/test runs it"]
fn the_readme_walkthrough_works_as_written() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let five = sh_blocks(&readme, SECTIONS[0]);
    let more = sh_blocks(&readme, SECTIONS[1]);
    assert_eq!(five.len(), 6, "the walkthrough's sh blocks changed: update this test");
    assert_eq!(
        more.len(),
        3,
        "the command-line section's sh blocks changed: update this test"
    );

    let dir = common::scratch("readme");
    std::fs::create_dir_all(dir.join("verifier")).unwrap();
    let mut terminal = Terminal {
        dir: dir.clone(),
        bin_dir: bin_dir(),
        issuer_port: process::free_port(),
        door_port: process::free_port(),
        vars: BTreeMap::new(),
    };
    let policy = std::fs::read_to_string(common::repo_root().join("verifier/door.example.toml")).unwrap();
    let policy = policy.replace(README_ISSUER, &format!("127.0.0.1:{}", terminal.issuer_port));
    std::fs::write(dir.join("verifier/door.example.toml"), policy).unwrap();

    // 1. The issuer, until its banner has printed the admin token.
    let (_issuer, lines) = terminal.start(&five[0]);
    let mut banner = Vec::new();
    while !banner.iter().any(|line: &String| line.contains("admin token")) {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("the issuer printed no admin token:\n{}", banner.join("\n")));
        banner.push(line);
    }
    let listening = format!("vc-issuer listening on http://127.0.0.1:{}", terminal.issuer_port);
    assert!(banner.iter().any(|l| l.contains(&listening)), "{}", banner.join("\n"));
    let token = banner_value(&banner, "admin token", "dojang_");
    let registry_key = banner_value(&banner, "operator key", "did:key:");
    let issuer_did = banner_value(&banner, "issuer DID", "did:dojang:");

    // 2. Pasting the values, as the reader does.
    let pasted = five[1]
        .replace("dojang_...", &token)
        .replace("did:key:...", &registry_key)
        .replace("did:dojang:...", &issuer_did);
    assert_ne!(
        pasted, five[1],
        "step 2 no longer has the placeholders this test fills in"
    );
    let ran = terminal.run(&format!(
        "{pasted}\nprintf '%s\\n' \"$TOKEN\" \"$REGISTRY_KEY\" \"$ISSUER\""
    ));
    assert_ran(&ran, 0, "step 2");
    let values: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(values, [token.as_str(), registry_key.as_str(), issuer_did.as_str()]);
    for (name, value) in [
        ("TOKEN", &token),
        ("REGISTRY_KEY", &registry_key),
        ("ISSUER", &issuer_did),
    ] {
        terminal.vars.insert(name.into(), value.clone());
    }

    // 3. An employee ID.
    let ran = terminal.run(&five[2]);
    assert_ran(&ran, 0, "step 3");
    let answer = std::fs::read_to_string(dir.join("data/answer.json")).unwrap();
    assert!(answer.contains("\"credential\""), "step 3's answer: {answer}");
    let sd_jwt = std::fs::read_to_string(dir.join("data/employee.sd-jwt")).unwrap();
    assert!(
        sd_jwt.starts_with("ey") && sd_jwt.trim().ends_with('~'),
        "an SD-JWT VC: {sd_jwt}"
    );

    // 4. Verified against the registry and the status list.
    let ran = terminal.run(&five[3]);
    eprintln!("STEP4 {:?} {}\n{}", ran.code, ran.stdout, ran.stderr);
    assert_ran(&ran, 0, "step 4");
    let checks = ["format", "issuer-key", "signature", "disclosures", "validity", "status"];
    let report = assert_report(&ran.stdout, true, &checks, "step 4");
    assert_eq!(
        report["claims"]["name_ko"], "김민준",
        "step 4 shows the disclosed claims"
    );
    assert_eq!(report["issuer"], issuer_did.as_str());

    // 4b. The card picture; revoked, the same command fails on the status check.
    let ran = terminal.run(&five[4]);
    assert_ran(&ran, 1, "step 4, after the revocation");
    // The revocation's answer comes first; the report is the last JSON document.
    let report = assert_report(&ran.stdout, false, &["signature"], "after the revocation");
    assert!(report["errors"].to_string().contains("REVOKED"), "{report:#}");
    let card = std::fs::read_to_string(dir.join("data/card.svg")).unwrap();
    assert!(
        card.contains("<svg") && card.contains("Kim Minjun"),
        "data/card.svg: {card}"
    );

    // 5. The door: its kiosk page answers, its policy trusts the issuer of step 1.
    let (_door, _door_lines) = terminal.start(&five[5]);
    let page = format!("http://127.0.0.1:{}/", terminal.door_port);
    let mut fetched = None;
    for _ in 0..600 {
        let ran = terminal.run(&format!("curl -sf {page}"));
        if ran.code == Some(0) {
            fetched = Some(ran.stdout);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let page = fetched.expect("the door's kiosk page never answered");
    assert!(page.contains("<html"), "the kiosk page: {page}");
    let policy = std::fs::read_to_string(dir.join("data/door.toml")).unwrap();
    assert!(
        policy.contains(&issuer_did),
        "step 5's policy names the issuer: {policy}"
    );
    for template in ["EmployeeIdCredential", "CitizenCardCredential"] {
        let vct = format!("\"http://127.0.0.1:{}/vct/{template}\"", terminal.issuer_port);
        assert!(policy.contains(&vct), "step 5's policy accepts {vct}: {policy}");
    }

    // More from the command line: resolving a did:key, then issuing and verifying offline.
    let ran = terminal.run(&more[0]);
    assert_ran(&ran, 0, "resolve");
    assert!(
        ran.stdout
            .contains("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")
    );
    assert!(ran.stdout.contains("verificationMethod"), "{}", ran.stdout);
    let ran = terminal.run(&more[1]);
    assert_ran(&ran, 0, "issue and verify without the service");
    assert_report(
        &ran.stdout,
        true,
        &["signature", "disclosures"],
        "issue and verify without the service",
    );
    // The disclosure named by a pointer into card.json: the subject's name, selectively disclosable.
    assert!(ran.stdout.contains("\"name\": \"Ana\""), "{}", ran.stdout);
    let ran = terminal.run(&more[2]);
    assert_ran(&ran, 0, "an eddsa format with the Ed25519 key the README makes");
    assert_report(&ran.stdout, true, &["signature"], "eddsa-rdfc-2022 without the service");
    // The private keys are in the git-ignored data folder, readable by their owner alone
    // (issue 28: `keygen > issuer.jwk` left a world-readable key in the clone's top folder).
    for key in ["data/issuer.jwk", "data/issuer-ed25519.jwk"] {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(key);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{key}");
        let jwk: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(jwk["d"].is_string(), "{key} holds the private key");
    }
    let top: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".jwk") || name.starts_with("card."))
        .collect();
    assert!(
        top.is_empty(),
        "the README leaves files in the clone's top folder: {top:?}"
    );

    // verifier/README.md, against the same issuer: its door on the example policy, then its
    // trust bundle commands and a door deciding from the bundle.
    drop(_door);
    let verifier_readme = std::fs::read_to_string(common::repo_root().join("verifier/README.md")).unwrap();
    let top = &verifier_readme[..verifier_readme.find("\n## ").unwrap()];
    let quick = top
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("verifier/README.md opens with a sh block");
    let (door, _) = terminal.start(quick);
    wait_for_kiosk(&terminal);
    drop(door);
    assert!(dir.join("decisions.jsonl").exists() || dir.join("decisions.jsonl.salt").exists());
    let bundles = sh_blocks(&verifier_readme, "## Offline trust bundles");
    assert_eq!(
        bundles.len(),
        2,
        "verifier/README.md's bundle blocks changed: update this test"
    );
    let ran = terminal.run(&format!("{}\nprintf '%s\\n' \"$OPERATOR\"", bundles[0]));
    assert_ran(&ran, 0, "verifier/README.md: bundle build and inspect");
    // The build prints what it wrote, then inspect its summary.
    let summary = serde_json::Deserializer::from_str(&ran.stdout)
        .into_iter::<Value>()
        .filter_map(Result::ok)
        .find(|doc| doc.get("stale").is_some())
        .unwrap_or_else(|| panic!("no JSON summary from bundle inspect:\n{}", ran.stdout));
    assert_eq!(summary["ok"], true, "{summary:#}");
    assert_eq!(summary["stale"], false, "{summary:#}");
    assert!(summary["issuers"].to_string().contains(&issuer_did), "{summary:#}");
    let operator = ran.stdout.lines().last().unwrap().to_owned();
    assert!(operator.starts_with("did:key:"), "{operator}");
    terminal.vars.insert("OPERATOR".into(), operator);
    let (bundle_door, _) = terminal.start(&bundles[1]);
    wait_for_kiosk(&terminal);
    drop(bundle_door);

    // vc-issuer/README.md, against the same issuer: a token of fewer scopes, and bulk offers
    // made beside the running service.
    let issuer_readme = std::fs::read_to_string(common::repo_root().join("vc-issuer/README.md")).unwrap();
    let tokens = sh_blocks(&issuer_readme, "## Tokens and scopes");
    assert_eq!(
        tokens.len(),
        2,
        "vc-issuer/README.md's token blocks changed: update this test"
    );
    let ran = terminal.run(&tokens[0]);
    assert_ran(&ran, 0, "vc-issuer/README.md: a token for the HR desk");
    let token: Value = serde_json::from_str(ran.stdout.trim()).unwrap_or(Value::Null);
    assert!(
        token["token"].as_str().is_some_and(|t| t.starts_with("dojang_")),
        "{}",
        ran.stdout
    );
    assert_eq!(token["scopes"], json!(["issue", "read"]), "{}", ran.stdout);
    // A lost admin token: `token create`, offline in the running issuer's database; the token
    // it prints manages tokens at once.
    let ran = terminal.run(&tokens[1]);
    assert_ran(&ran, 0, "vc-issuer/README.md: token create");
    let made = ran.stdout.trim();
    assert!(made.starts_with("dojang_"), "{}", ran.stdout);
    let listed = terminal.run(&format!(
        "curl -s http://127.0.0.1:{}/admin/tokens -H 'Authorization: Bearer {made}'",
        terminal.issuer_port
    ));
    assert!(
        listed.stdout.contains("\"label\":\"ops, after the lost one\""),
        "the new token lists the tokens: {}",
        listed.stdout
    );
    let bulk = sh_blocks(&issuer_readme, "## Offers for a whole office: `bulk-issue`");
    assert_eq!(
        bulk.len(),
        1,
        "vc-issuer/README.md's bulk-issue example changed: update this test"
    );
    let ran = terminal.run(&bulk[0]);
    assert_ran(&ran, 0, "vc-issuer/README.md: bulk-issue");
    let offers = std::fs::read_to_string(dir.join("data/offers/offers.csv")).unwrap();
    assert_eq!(offers.lines().count(), 2, "a header and one offer: {offers}");
    assert!(
        offers.contains("E-2001") && offers.contains("openid-credential-offer://"),
        "{offers}"
    );

    // A backup of the running issuer; then, the issuer stopped and its data moved away, the
    // restore puts back the same DID.
    let backups = sh_blocks(&issuer_readme, "## Backups");
    assert_eq!(
        backups.len(),
        2,
        "vc-issuer/README.md's backup blocks changed: update this test"
    );
    let ran = terminal.run(&backups[0]);
    assert_ran(&ran, 0, "vc-issuer/README.md: backup");
    let made: Value = serde_json::from_str(&ran.stdout).unwrap_or(Value::Null);
    let did = made["manifest"]["issuerDid"].as_str().unwrap_or_default().to_owned();
    assert!(did.starts_with("did:dojang:"), "{}", ran.stdout);
    drop(_issuer);
    let ran = terminal.run(&backups[1]);
    assert_ran(&ran, 0, "vc-issuer/README.md: restore");
    let restored: Value = serde_json::from_str(&ran.stdout).unwrap_or(Value::Null);
    assert_eq!(restored["issuerDid"].as_str(), Some(did.as_str()), "{}", ran.stdout);
    assert!(dir.join("data/issuer.db").exists() && dir.join("data/registry.redb").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads `lines` until one holds `until`; the lines read, for the banner.
fn banner_until(lines: &mpsc::Receiver<String>, until: &str) -> Vec<String> {
    let mut banner = Vec::new();
    while !banner.iter().any(|line: &String| line.contains(until)) {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no {until:?} line from the issuer:\n{}", banner.join("\n")));
        banner.push(line);
    }
    banner
}

/// vc-issuer/README.md's "Start" with a configuration file, on the file its "Keys on a
/// PKCS#11 token" section writes: the token made with its `softhsm2-util` line, its TOML as
/// `dojang.toml`, and `serve --config dojang.toml` as written. The reader's SoftHSM2 set-up
/// (`SOFTHSM2_CONF`, a private token folder) and the two PINs are the environment.
#[test]
#[ignore = "system test (SoftHSM2): ./scripts/test runs it"]
fn the_issuer_readme_serves_from_a_pkcs11_token_as_written() {
    let readme = std::fs::read_to_string(common::repo_root().join("vc-issuer/README.md")).unwrap();
    let start = sh_blocks(&readme, "## Start");
    assert_eq!(
        start.len(),
        1,
        "vc-issuer/README.md's Start block changed: update this test"
    );
    let with_file = start[0]
        .lines()
        .find(|line| line.contains("--config dojang.toml"))
        .expect("the Start block names `serve --config dojang.toml`");
    let configuration = sh_blocks(&readme, "## Configuration");
    let init_token = configuration
        .iter()
        .find(|block| block.contains("softhsm2-util --init-token"))
        .expect("the PKCS#11 section has its softhsm2-util block");
    let section = &readme[readme.find("### Keys on a PKCS#11 token").unwrap()..];
    let toml = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the PKCS#11 section has its TOML block");

    let dir = common::scratch("readme-pkcs11");
    let conf = softhsm::private_conf(&dir);
    std::fs::write(dir.join("dojang.toml"), toml).unwrap();
    let terminal = Terminal {
        dir: dir.clone(),
        bin_dir: bin_dir(),
        issuer_port: process::free_port(),
        door_port: process::free_port(),
        vars: BTreeMap::from([
            ("SOFTHSM2_CONF".to_owned(), conf.display().to_string()),
            ("DOJANG_PKCS11_PIN".to_owned(), "1234".to_owned()),
            ("SO_PIN".to_owned(), "5678".to_owned()),
        ]),
    };
    let ran = terminal.run(init_token);
    assert_ran(&ran, 0, "vc-issuer/README.md: softhsm2-util --init-token");

    // First start: the pair is made on the token, and the banner says so.
    let (issuer, lines) = terminal.start(with_file);
    let banner = banner_until(&lines, "admin token");
    let key = "PKCS#11 token 'dojang' key 'issuer'";
    assert!(banner.iter().any(|l| l.contains(key)), "{}", banner.join("\n"));
    let did = banner_value(&banner, "issuer DID", "did:dojang:");
    let token = banner_value(&banner, "admin token", "dojang_");
    // The token's key signs: a credential through the VC-API.
    let url = format!("http://127.0.0.1:{}", terminal.issuer_port);
    let issue = format!(
        r#"curl -s -o /dev/null -w '%{{http_code}}' -X POST {url}/credentials/issue \
  -H "Authorization: Bearer {token}" -H 'content-type: application/json' \
  -d '{{"credential": {{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": "{did}", "credentialSubject": {{"id": "did:example:ana"}}}}, "options": {{"format": "ecdsa-rdfc-2019"}}}}'"#
    );
    let ran = terminal.run(&issue);
    assert_eq!(ran.stdout, "201", "issuing with the token's key: {}", ran.stderr);
    drop(issuer);
    // The service was sent SIGTERM with its shell; it lets go of the port when it has
    // finished its graceful shutdown.
    let address = format!("127.0.0.1:{}", terminal.issuer_port);
    let mut waited = 0;
    while std::net::TcpStream::connect(&address).is_ok() {
        assert!(waited < 300, "the first issuer never stopped listening on {address}");
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    }

    // A restart finds the same key and DID on the token, and prints no token again.
    let (_issuer, lines) = terminal.start(with_file);
    let banner = banner_until(&lines, "admin token");
    assert!(banner.iter().any(|l| l.contains(key)), "{}", banner.join("\n"));
    assert_eq!(banner_value(&banner, "issuer DID", "did:dojang:"), did);
    assert!(!banner.iter().any(|l| l.contains("dojang_")), "{}", banner.join("\n"));
    drop(_issuer);
    let _ = std::fs::remove_dir_all(&dir);
}

/// bindings/README.md's first block, as written from the clone's top folder: `scripts/bindings`
/// generates the Kotlin, Swift and Python sources at the paths its comments name, with the
/// package and module names they give. (Its Android and iOS blocks need the NDK and Xcode,
/// which CI does not have: they are marked "Not exercised in CI" there.) Then its Python quick
/// start, which needs python3: a system test.
#[test]
#[ignore = "system test (python3, for the Python quick start): ./scripts/test runs it"]
fn the_bindings_readme_generates_the_sources_it_names() {
    let readme = std::fs::read_to_string(common::repo_root().join("bindings/README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("bindings/README.md opens with a sh block");
    let mut lines = block.lines();
    let command = lines.next().unwrap();
    let command = command.split('#').next().unwrap().trim();
    assert_eq!(
        command, "scripts/bindings",
        "the block's command changed: update this test"
    );
    let root = common::repo_root();
    let output = Command::new("bash")
        .args(["-c", command])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "scripts/bindings: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `# target/bindings/kotlin/kr/dojang/dojang.kt   package kr.dojang` and the like.
    let mut named = 0;
    for line in lines {
        let Some(comment) = line.strip_prefix("# ") else {
            continue;
        };
        // The files (the first with its folder, the rest beside it), then after a run of
        // spaces what they are.
        let (files, note) = comment.split_once("  ").unwrap_or((comment, ""));
        let mut files = files.split(", ");
        let first = root.join(files.next().unwrap());
        let dir = first.parent().unwrap().to_path_buf();
        for path in std::iter::once(first).chain(files.map(|name| dir.join(name))) {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let text = String::from_utf8_lossy(&bytes);
            if let Some(package) = note.trim().strip_prefix("package ") {
                assert!(text.contains(&format!("package {package}")), "{}", path.display());
            }
            named += 1;
        }
    }
    assert_eq!(named, 6, "the README names six generated files: {block}");
    let swift = std::fs::read_to_string(root.join("target/bindings/swift/DojangFFI.modulemap")).unwrap();
    assert!(swift.contains("DojangFFI"), "{swift}");

    // The Python quick start, as written (its `scripts/bindings` line again, then Python
    // importing the module with nothing copied by hand).
    let python = sh_blocks(&readme, "## Python");
    assert_eq!(
        python.len(),
        1,
        "bindings/README.md's Python block changed: update this test"
    );
    let output = Command::new("bash")
        .args(["-c", &python[0]])
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Python quick start: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // After what scripts/bindings prints, the two lines Python printed.
    let lines: Vec<&str> = stdout.lines().rev().take(2).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[1].starts_with("did:key:zDn"), "{stdout}");
    assert_eq!(lines[0], "credential.not_found", "{stdout}");
}
