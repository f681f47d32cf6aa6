//! Secrets never in logs. A full run with every service in its own process (this test binary
//! re-run as `registry-anchor serve`, `vc-issuer serve` and `verifier serve`, exactly as their
//! binaries' `main` runs them, with `RUST_LOG=debug`): a wallet registers its did:dojang DID,
//! HR makes a token and offers with personal data, a wallet redeems one with its PIN, a wrong
//! PIN and a wrong token are tried, a credential is issued and revoked over the admin API, and
//! the door decides on presentations (allowed, replayed, garbage). Then every line the three
//! processes wrote (stdout and stderr) and the door's decision log are searched for: the `d`
//! of every private JWK in their data folders and the wallet's, PEM private keys, the admin
//! and scoped tokens, pre-authorized codes, PINs, access tokens, and the personal data issued.
//!
//! The one allowed appearance is the admin token on the issuer's first-start banner, which
//! shows it once by design (it is the only way to get it); anywhere else it fails.

use crate::common;
use crate::process;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser as _;
use dojang::{RegistryConfig, Wallet, WalletConfig};
use serde_json::{Value, json};

/// Set in a child process to the service it runs; its arguments are in [`ARGS_ENV`].
const CHILD_ENV: &str = "DOJANG_LOG_SECRETS_CHILD";

/// The child's command line, one argument per line.
const ARGS_ENV: &str = "DOJANG_LOG_SECRETS_ARGS";

const EMPLOYEE: &str = "EmployeeIdCredential";
const CITIZEN: &str = "CitizenCardCredential";
const AUDIENCE: &str = "https://door.example/log-secrets";

/// Personal data issued in this run: none of it may reach a log.
const PERSONAL: [&str; 8] = [
    "E-73519",
    "홍길동비밀",
    "Hong Gildong-Secret",
    "Quiet Department",
    "1987-06-05",
    "9876-5432-1098",
    "이몽룡비밀",
    "Hidden-gu",
];

fn employee_claims() -> Value {
    json!({
        "employee_number": "E-73519", "name_ko": "홍길동비밀", "name_latin": "Hong Gildong-Secret",
        "organization": "Gyeonggi Province", "department": "Quiet Department",
        "position": "Engineer", "access_groups": ["hq-main"],
    })
}

fn citizen_claims() -> Value {
    json!({"name_ko": "이몽룡비밀", "birth_date": "1987-06-05", "resident_district": "Hidden-gu",
           "card_number": "9876-5432-1098"})
}

/// The body of a child process: runs the service its environment names, until SIGINT.
/// Without the environment variable (a normal test run) it does nothing.
#[test]
fn service_child() {
    let Ok(service) = std::env::var(CHILD_ENV) else {
        return;
    };
    let args: Vec<String> = std::env::var(ARGS_ENV).unwrap().lines().map(str::to_owned).collect();
    did_core::logging::init();
    let code = match service.as_str() {
        "registry-anchor" => registry_anchor::cli::run(registry_anchor::cli::Cli::parse_from(args)),
        "vc-issuer" => {
            let cli = vc_issuer::cli::Cli::parse_from(args);
            vc_issuer::cli::run(cli, &mut std::io::stdout(), &mut std::io::stderr())
        }
        "verifier" => {
            let cli = verifier::cli::Cli::parse_from(args);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(verifier::cli::run(cli, &mut std::io::stdout()))
        }
        other => panic!("unknown service {other}"),
    };
    std::process::exit(code);
}

/// A service in its own process, its output lines collected.
struct Service {
    name: &'static str,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Service {
    fn start(name: &'static str, args: &[&str]) -> Service {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                &process::libtest_name(module_path!(), "service_child"),
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, name)
            .env(
                ARGS_ENV,
                std::iter::once(name)
                    .chain(args.iter().copied())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .env("RUST_LOG", "debug")
            .env(did_core::logging::FORMAT_VARIABLE, "json")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let stdout: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().unwrap());
        // libtest's own "test <module>::service_child ... " has no line end.
        let prefix = format!("test {} ... ", process::libtest_name(module_path!(), "service_child"));
        for stream in [stdout, stderr] {
            let lines = lines.clone();
            let prefix = prefix.clone();
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let line = line.strip_prefix(prefix.as_str()).unwrap_or(&line);
                    lines.lock().unwrap().push(line.to_owned());
                }
            }));
        }
        Service {
            name,
            child,
            lines,
            readers,
        }
    }

    /// Waits for a line `find` accepts and returns what it found.
    fn wait_for<T>(&mut self, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(found) = self.lines.lock().unwrap().iter().find_map(|l| find(l)) {
                return found;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}): {:?}", self.name, self.lines.lock().unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "{}: no {what}: {:?}",
                self.name,
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it as Ctrl-C would (its shutdown messages are logged too) and returns its lines.
    fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        std::mem::take(&mut *self.lines.lock().unwrap())
    }
}

/// The `d` of every private JWK in `dir` (recursively).
fn private_key_parts(dir: &Path, into: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            private_key_parts(&path, into);
        } else if path.extension().is_some_and(|e| e == "jwk") {
            let jwk: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if let Some(d) = jwk["d"].as_str() {
                into.push((format!("private key {}", path.display()), d.to_owned()));
            }
        }
    }
}

/// Whether `secret` occurs in `line` as a whole token (a PIN is digits: "123456" inside a
/// longer number is not it).
fn occurs(line: &str, secret: &str) -> bool {
    line.match_indices(secret).any(|(at, _)| {
        let before = line[..at].chars().last();
        let after = line[at + secret.len()..].chars().next();
        let digits = secret.chars().all(|c| c.is_ascii_digit());
        !digits || (before.is_none_or(|c| !c.is_ascii_digit()) && after.is_none_or(|c| !c.is_ascii_digit()))
    })
}

fn value_after<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.trim_start().strip_prefix(label)?.split_whitespace().next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_personal_data_in_any_log() {
    let started = Instant::now();
    let dir = common::scratch("log-secrets");
    let http = reqwest::Client::new();
    let path = |p: &str| -> String { dir.join(p).display().to_string() };

    // The registry node.
    let mut registry = Service::start(
        "registry-anchor",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            &path("registry"),
            "--batch-interval-ms",
            "5",
        ],
    );
    let node = registry.wait_for("start-up banner", |l| {
        l.strip_prefix("registry-anchor listening on ").map(str::to_owned)
    });
    let operator = registry.wait_for("operator key", |l| {
        did_core::cli::banner_value(l, "operator key").map(|kid| kid.split('#').next().unwrap().to_owned())
    });

    // The issuer, its DID on that node.
    let config = dir.join("issuer.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = {:?}\n[did]\nmethod = \"dojang\"\n[registry]\nurl = {node:?}\nkey = {operator:?}\n",
            path("issuer")
        ),
    )
    .unwrap();
    let mut issuer = Service::start("vc-issuer", &["serve", "--config", config.to_str().unwrap()]);
    let iss = issuer.wait_for("listening line", |l| {
        l.strip_prefix("vc-issuer listening on ").map(str::to_owned)
    });
    let admin = issuer.wait_for("admin token", |l| value_after(l, "admin token").map(str::to_owned));
    assert!(admin.starts_with("dojang_"), "{admin}");
    let did = issuer.wait_for("issuer DID", |l| value_after(l, "issuer DID").map(str::to_owned));

    let call = async |method: &str, path: &str, token: &str, body: Option<Value>| -> (u16, Value) {
        let mut request = http
            .request(method.parse().unwrap(), format!("{iss}{path}"))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    };
    let mut secrets: Vec<(String, String)> = vec![("admin token".into(), admin.clone())];

    // HR's scoped token; a wrong token tried.
    let (status, made) = call(
        "POST",
        "/admin/tokens",
        &admin,
        Some(json!({"label": "hr", "scopes": ["issue", "read", "revoke"]})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let hr = made["token"].as_str().unwrap().to_owned();
    secrets.push(("scoped token".into(), hr.clone()));
    let wrong = format!("{hr}x");
    let (status, _) = call("GET", "/admin/credentials", &wrong, None).await;
    assert_eq!(status, 401);

    // Offers with personal data; their codes and PINs are secrets.
    let offer = async |template: &str, claims: Value| -> (String, String, String) {
        let (status, offer) = call(
            "POST",
            "/admin/offers",
            &hr,
            Some(json!({"type": template, "claims": claims})),
        )
        .await;
        assert_eq!(status, 201, "{offer}");
        let code = offer["credential_offer"]["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
            ["pre-authorized_code"]
            .as_str()
            .unwrap()
            .to_owned();
        let pin = offer["tx_code"].as_str().unwrap().to_owned();
        (offer["offer_url"].as_str().unwrap().to_owned(), code, pin)
    };
    let (employee_offer, code, pin) = offer(EMPLOYEE, employee_claims()).await;
    secrets.push(("pre-authorized code".into(), code));
    secrets.push(("PIN".into(), pin.clone()));
    let (_, citizen_code, citizen_pin) = offer(CITIZEN, citizen_claims()).await;
    secrets.push(("pre-authorized code".into(), citizen_code.clone()));
    secrets.push(("PIN".into(), citizen_pin.clone()));

    // The citizen offer by hand: a wrong PIN, then the right one, then a request with the access
    // token that the issuer refuses.
    let token = async |code: &str, pin: &str| -> (u16, Value) {
        let form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}&tx_code={pin}"
        );
        let response = http
            .post(format!("{iss}/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    };
    let wrong_pin: String = citizen_pin.chars().map(|c| if c == '0' { '1' } else { '0' }).collect();
    let (status, answer) = token(&citizen_code, &wrong_pin).await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = token(&citizen_code, &citizen_pin).await;
    assert_eq!(status, 200, "{answer}");
    let access = answer["access_token"].as_str().unwrap().to_owned();
    secrets.push(("access token".into(), access.clone()));
    let refused = http
        .post(format!("{iss}/credential"))
        .bearer_auth(&access)
        .header("content-type", "application/json")
        .body(json!({"credential_configuration_id": CITIZEN, "proofs": {"jwt": ["not.a.proof"]}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);

    // A credential issued and revoked over the admin API, and bad input naming a claim.
    let (status, issued) = call(
        "POST",
        "/admin/credentials",
        &hr,
        Some(json!({"type": CITIZEN, "claims": citizen_claims(), "format": "vc+jwt"})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let id = issued["id"].as_str().unwrap();
    let (status, _) = call("POST", &format!("/admin/credentials/{id}/revoke"), &hr, Some(json!({}))).await;
    assert!(status < 300);
    let (status, _) = call(
        "POST",
        "/admin/credentials",
        &hr,
        Some(json!({"type": CITIZEN, "claims": {"name_ko": "이몽룡비밀", "birth_date": "1987-06-05x"}})),
    )
    .await;
    assert_eq!(status, 400);

    // The wallet: its DID on the node, the employee credential redeemed with the PIN.
    let wallet = Wallet::create(
        None,
        WalletConfig {
            registry: Some(RegistryConfig {
                url: node.clone(),
                operator_key: operator.clone(),
                log_id: None,
            }),
            allow_loopback_http: true,
            trust_anchors: Vec::new(),
        },
    )
    .unwrap();
    let registration = wallet.register_did_dojang().await.unwrap();
    for jwk in [wallet.export_private_jwk().unwrap(), registration.update_key_jwk()] {
        let jwk: Value = serde_json::from_str(&jwk).unwrap();
        secrets.push(("wallet private key".into(), jwk["d"].as_str().unwrap().to_owned()));
    }
    let credential = wallet.receive_credential(employee_offer, Some(pin)).await.unwrap();

    // The door: allowed, replayed, garbage.
    let policy = dir.join("door.toml");
    std::fs::write(
        &policy,
        format!(
            "door = \"log-secrets\"\naudience = \"{AUDIENCE}\"\n\n[[accept]]\ntype = \"{iss}/vct/{EMPLOYEE}\"\nissuers = [\"{did}\"]\n"
        ),
    )
    .unwrap();
    let mut door = Service::start(
        "verifier",
        &[
            "serve",
            "--policy",
            policy.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--log",
            &path("decisions.jsonl"),
            "--data-dir",
            &path("door-data"),
            "--allow-http-status",
            "--registry",
            &node,
            "--registry-key",
            &operator,
        ],
    );
    let vrf = door.wait_for("start-up banner", |l| {
        l.strip_prefix("verifier listening on ").map(str::to_owned)
    });
    let request = async || -> Value {
        let response = http.post(format!("{vrf}/api/requests")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        response.json().await.unwrap()
    };
    let present = async |id: &str, body: String| -> (u16, Value) {
        let response = http
            .post(format!("{vrf}/api/requests/{id}/presentation"))
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    };
    let asked = request().await;
    let presentation = wallet
        .present(
            credential.id.clone(),
            AUDIENCE.into(),
            asked["nonce"].as_str().unwrap().to_owned(),
            vec!["/department".into(), "/name_ko".into(), "/employee_number".into()],
        )
        .await
        .unwrap();
    let id = asked["id"].as_str().unwrap();
    let (status, decision) = present(id, presentation.clone()).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allow"], true, "{decision}");
    let (status, _) = present(id, presentation.clone()).await;
    assert_eq!(status, 409);
    let other = request().await;
    let (status, decision) = present(other["id"].as_str().unwrap(), presentation).await;
    assert_eq!(status, 200);
    assert_eq!(decision["allow"], false, "a replay at another request: {decision}");
    let (status, _) = present(request().await["id"].as_str().unwrap(), "eyJ.garbage~".into()).await;
    assert!(status < 500, "{status}");

    // Stop everything; collect what was written.
    let mut logs = Vec::new();
    for service in [door, issuer, registry] {
        let name = service.name;
        logs.extend(service.stop().into_iter().map(|line| (name, line)));
    }
    for line in std::fs::read_to_string(dir.join("decisions.jsonl")).unwrap().lines() {
        logs.push(("decision log", line.to_owned()));
    }
    private_key_parts(&dir, &mut secrets);
    let salt = std::fs::read(dir.join("decisions.jsonl.salt")).unwrap();
    secrets.push((
        "the decision log's salt".into(),
        salt.iter().map(|b| format!("{b:02x}")).collect(),
    ));
    assert!(
        secrets.iter().filter(|(k, _)| k.starts_with("private key")).count() >= 4,
        "{secrets:?}"
    );
    secrets.extend(PERSONAL.iter().map(|p| ("personal data".to_owned(), (*p).to_owned())));

    let mut leaks = Vec::new();
    let mut banner = 0;
    for (service, line) in &logs {
        if line.contains("PRIVATE KEY") {
            leaks.push(format!("{service}: a PEM private key: {line}"));
        }
        for (what, secret) in &secrets {
            if !occurs(line, secret) {
                continue;
            }
            if what == "admin token" && *service == "vc-issuer" && value_after(line, "admin token") == Some(secret) {
                banner += 1;
                continue;
            }
            leaks.push(format!("{service}: {what} {secret:?} in: {line}"));
        }
    }
    eprintln!(
        "log secrets: {} lines from 3 services and the decision log, {} secrets, {:.1?}",
        logs.len(),
        secrets.len(),
        started.elapsed()
    );
    assert_eq!(banner, 1, "the admin token is shown once, on the first start's banner");
    // Each service logged its requests through `tracing`, as JSON lines, naming routes by
    // their template only.
    for service in ["registry-anchor", "vc-issuer", "verifier"] {
        let requests: Vec<Value> = logs
            .iter()
            .filter(|(s, _)| *s == service)
            .filter_map(|(_, line)| serde_json::from_str::<Value>(line).ok())
            .filter(|event| event["message"] == "answered")
            .collect();
        assert!(!requests.is_empty(), "{service} logged no request");
        for event in &requests {
            let route = event["span"]["route"].as_str().unwrap_or_default();
            assert!(route.starts_with('/') || route == "(no route)", "{service}: {event}");
            assert!(!route.contains("did:"), "{service}: a DID in a logged route: {event}");
            assert!(event["status"].as_u64().is_some(), "{service}: {event}");
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
