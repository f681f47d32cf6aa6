#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The generated bindings, driven from the languages apps use: Python (the end-to-end
//! suite), Kotlin on the JVM, and a check of the generated Swift.
//!
//! Each test generates the bindings from the library this build made (`libdojang.so`), starts
//! a real stack on 127.0.0.1 (a did:dojang registry node, the issuer service, a door service)
//! and builds the door's signed trust bundle, then hands their addresses to the foreign test
//! program in a JSON file named by `DOJANG_TEST_ENV`.
//!
//! Kotlin needs the compiler and JNA that `scripts/kotlin-jvm.sh setup .tools/kotlin` installs
//! (scripts/test does); Python needs `interop/python/.venv` (interop/python/setup.sh) for the
//! `cryptography` package its platform signer uses. Without them the tests fail and say so;
//! `DOJANG_SKIP_KOTLIN=1` skips the Kotlin test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use did_core::key::{KeyType, SigningKey};
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
use registry_anchor::node::{NodeConfig, Registry, router};
use serde_json::{Value, json};
use vc_issuer::config::{Config, DidMethod};
use vc_issuer::issuance::{Holder, IssueRequest};
use vc_issuer::issue::Format;
use verifier::bundle::{BundleBuilder, TrustBundle};
use verifier::decision::{Engine, OfflineTrust};
use verifier::policy::Policy;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The directory of this build's binaries and libraries (`target/debug`).
fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn scratch(name: &str) -> PathBuf {
    let dir = build_dir().join("bindings-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Where this build put `libdojang.so`: `cargo test` leaves it in `deps/` (only `cargo build`
/// copies it up a level).
fn library_dir() -> PathBuf {
    build_dir().join("deps")
}

/// Generates `language` bindings from the built library into `out`.
fn generate(language: &str, out: &Path) {
    let library = library_dir().join("libdojang.so");
    assert!(library.exists(), "{} was not built", library.display());
    let status = Command::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .current_dir(workspace())
        .args(["generate", "--library"])
        .arg(&library)
        .args(["--language", language, "--no-format", "--out-dir"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "uniffi-bindgen {language} failed");
}

/// Runs `command`, failing the test with its output if it fails; returns its output (stdout,
/// then stderr).
fn run(mut command: Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    print!("{stdout}{stderr}");
    format!("{stdout}{stderr}")
}

const EMPLOYEE: &str = "EmployeeIdCredential";

/// A registry node, the issuer, a door service and the door's trust bundle, on 127.0.0.1.
struct Stack {
    env: Value,
    issuer: vc_issuer::server::Running,
    door: verifier::service::Running,
    _registry: tokio::task::JoinHandle<()>,
}

impl Stack {
    async fn start(dir: &Path) -> Stack {
        // The did:dojang registry the wallet registers its DID in.
        let operator = SigningKey::generate(KeyType::P256).unwrap();
        let operator_did = format!("did:key:{}", operator.verifying_key().to_multikey());
        let registry = Arc::new(
            Registry::open(NodeConfig::new(
                dir.join("registry.redb"),
                operator_did.clone(),
                operator,
            ))
            .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let registry_url = format!("http://{}", listener.local_addr().unwrap());
        let registry_task = tokio::spawn(async move {
            let _ = axum::serve(listener, router(registry)).await;
        });

        // The issuer, with its default SQLite store and a did:key issuer.
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.join("issuer"),
            ..Default::default()
        };
        config.did.method = DidMethod::Key;
        let issuer = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
        let base = issuer.url();
        let admin = issuer.admin_token.as_ref().unwrap().to_string();
        let vct = format!("{base}/vct/{EMPLOYEE}");

        // One credential issued first opens the status list the bundle must carry.
        let state = &issuer.state.issuer;
        let issued = state
            .issue(
                IssueRequest {
                    template: EMPLOYEE.into(),
                    claims: employee("E-0001"),
                    format: Format::SdJwt,
                    holder: Holder {
                        did: None,
                        key: Some(SigningKey::generate(KeyType::P256).unwrap().verifying_key().clone()),
                        did_key: None,
                    },
                    valid_until: None,
                    idempotency_key: None,
                    replaces: None,
                },
                "test",
            )
            .await
            .unwrap();
        let status_list = state.status_list_url(issued.record.status_list, "token");

        // The door: a policy for employees of Digital Policy, and a trust bundle signed by the
        // door operator naming the issuer and carrying its status list.
        let policy = format!(
            "door = \"bindings-test\"\naudience = \"https://door.example/bindings\"\n\
             [[accept]]\ntype = \"{vct}\"\nclaims = [{{ path = \"department\", in = [\"Digital Policy\"] }}]\n"
        );
        let bundle_operator = Arc::new(SigningKey::generate(KeyType::P256).unwrap());
        let operator_key = serde_json::to_string(&bundle_operator.verifying_key().to_jwk()).unwrap();
        let bundle = BundleBuilder::new(
            bundle_operator.clone(),
            Arc::new(CompositeResolver::with_default_methods()),
            Arc::new(HttpStatusListSource::danger_plain_http_for_testing().unwrap()),
        )
        .issuer(vct.clone(), state.did.clone())
        .status_list(status_list)
        .build()
        .await
        .unwrap();

        // The same door as a service, for the OpenID4VP flow.
        let loaded = TrustBundle::load(bundle.as_bytes(), bundle_operator.verifying_key(), None).unwrap();
        let door = verifier::service::start(
            verifier::service::ServiceConfig {
                policy: Policy::from_toml(&policy).unwrap(),
                engine: Engine::offline(OfflineTrust::from_bundle(&loaded)),
                log: None,
                clock: Arc::new(did_core::clock::SystemClock),
                public_url: None,
                vc_api_token: None,
                request_signer: None,
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();

        let env = json!({
            "issuer_url": base,
            "admin_token": admin,
            "credential_type": vct,
            "employee": employee("E-1001"),
            "registry_url": registry_url,
            "registry_key": operator_did,
            "policy": policy,
            "bundle": bundle,
            "bundle_operator_key": operator_key,
            "door_url": format!("http://{}", door.addr),
        });
        Stack {
            env,
            issuer,
            door,
            _registry: registry_task,
        }
    }

    async fn stop(self) {
        self.door.stop().await.unwrap();
        self.issuer.stop().await.unwrap();
    }
}

fn employee(number: &str) -> Value {
    json!({
        "employee_number": number,
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gyeonggi Province",
        "department": "Digital Policy",
        "position": "Engineer",
        "access_groups": ["hq-main", "lab"]
    })
}

/// `env` as a Java properties file (for the JVM test, which has no JSON parser): strings as
/// they are, other values as JSON text, escaped as `java.util.Properties::load` reads them.
fn properties(env: &Value) -> String {
    let mut out = String::new();
    for (name, value) in env.as_object().unwrap() {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        out.push_str(name);
        out.push('=');
        for unit in text.encode_utf16() {
            match unit {
                0x5C => out.push_str("\\\\"),
                0x0A => out.push_str("\\n"),
                0x0D => out.push_str("\\r"),
                0x20..=0x7E => out.push(char::from(u8::try_from(unit).unwrap())),
                _ => out.push_str(&format!("\\u{unit:04x}")),
            }
        }
        out.push('\n');
    }
    out
}

/// Runs `command` with the stack up, on a blocking thread so the stack keeps serving.
async fn run_against_stack(dir: &Path, mut command: Command, what: &'static str) -> String {
    let stack = Stack::start(dir).await;
    let env_file = dir.join("env.json");
    std::fs::write(&env_file, stack.env.to_string()).unwrap();
    let properties_file = dir.join("env.properties");
    std::fs::write(&properties_file, properties(&stack.env)).unwrap();
    command
        .env("DOJANG_TEST_ENV", &env_file)
        .env("DOJANG_TEST_ENV_PROPERTIES", &properties_file);
    let output = tokio::task::spawn_blocking(move || run(command, what)).await;
    stack.stop().await;
    output.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Python in interop/python/.venv): ./scripts/test runs it"]
async fn python_drives_the_generated_bindings_end_to_end() {
    let dir = scratch("python");
    generate("python", &dir);
    // The generated module loads libdojang.so from its own folder.
    std::fs::copy(library_dir().join("libdojang.so"), dir.join("libdojang.so")).unwrap();
    let python = workspace().join("interop/python/.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run interop/python/setup.sh (scripts/test does)",
        python.display()
    );
    let mut command = Command::new(python);
    command
        .arg(workspace().join("bindings/tests/python/test_bindings.py"))
        .env("PYTHONPATH", &dir)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let output = run_against_stack(&dir, command, "the Python bindings suite").await;
    assert!(output.contains("OK"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (JDK, Kotlin compiler and JNA in .tools/kotlin): ./scripts/test runs it"]
async fn kotlin_runs_the_generated_bindings_on_the_jvm() {
    if std::env::var_os("DOJANG_SKIP_KOTLIN").is_some() {
        eprintln!("DOJANG_SKIP_KOTLIN is set: the Kotlin test is skipped");
        return;
    }
    let dir = scratch("kotlin");
    generate("kotlin", &dir);
    let tools = workspace().join(".tools/kotlin");
    let script = workspace().join("scripts/kotlin-jvm.sh");
    let jar = dir.join("test.jar");
    let mut compile = Command::new(&script);
    compile
        .arg("compile")
        .arg(&tools)
        .arg(&jar)
        .arg("")
        .arg(dir.join("kr/dojang/dojang.kt"))
        .arg(workspace().join("bindings/tests/kotlin/BindingsTest.kt"));
    run(
        compile,
        "compiling the Kotlin bindings and test (scripts/kotlin-jvm.sh)",
    );
    let mut command = Command::new(&script);
    command
        .arg("run")
        .arg(&tools)
        .arg(library_dir())
        .arg(&jar)
        .arg("BindingsTestKt");
    let output = run_against_stack(&dir, command, "the Kotlin bindings test").await;
    assert!(output.contains("KOTLIN OK"), "{output}");
}

#[test]
fn swift_bindings_are_generated_with_the_whole_api() {
    let dir = scratch("swift");
    generate("swift", &dir);
    let swift = std::fs::read_to_string(dir.join("Dojang.swift")).unwrap();
    let header = std::fs::read_to_string(dir.join("DojangFFI.h")).unwrap();
    for declaration in [
        "open class Wallet:",
        "open class DoorVerifier:",
        "public protocol CredentialStore",
        "public protocol PlatformSigner",
        "enum DojangError: Swift.Error",
        "public struct Credential",
        "public struct DoorDecision",
        "public func qrSvg(",
        "public func memoryStore(",
        "public func readDoorChallenge(",
        "func receiveCredential(offer: String, pin: String?) async throws",
        "func readOffer(offer: String) async throws",
        "func doorPresentation(credentialId: String, challenge: String, disclose: [String]) async throws",
        "func verify(presentation: String) async throws",
        // Doc comments flow into the Swift API.
        " * A holder's wallet.",
    ] {
        assert!(swift.contains(declaration), "Dojang.swift lacks {declaration:?}");
    }
    assert!(header.contains("uniffi_dojang_fn_method_wallet_receive_credential"));
    assert!(
        std::fs::read_to_string(dir.join("DojangFFI.modulemap"))
            .unwrap()
            .contains("module DojangFFI")
    );
}
