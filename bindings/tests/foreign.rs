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

/// Generates the Kotlin bindings into `dir`, compiles them with `bindings/tests/kotlin/<name>.kt`
/// (scripts/kotlin-jvm.sh), and returns the command that runs that program on the JVM.
fn kotlin_program(dir: &Path, name: &str) -> Command {
    generate("kotlin", dir);
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
        .arg(workspace().join(format!("bindings/tests/kotlin/{name}.kt")));
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
        .arg(format!("{name}Kt"));
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (JDK, Kotlin compiler and JNA in .tools/kotlin): ./scripts/test runs it"]
async fn kotlin_runs_the_generated_bindings_on_the_jvm() {
    if std::env::var_os("DOJANG_SKIP_KOTLIN").is_some() {
        eprintln!("DOJANG_SKIP_KOTLIN is set: the Kotlin test is skipped");
        return;
    }
    let dir = scratch("kotlin");
    let command = kotlin_program(&dir, "BindingsTest");
    let output = run_against_stack(&dir, command, "the Kotlin bindings test").await;
    assert!(output.contains("KOTLIN OK"), "{output}");
}

/// An issuer and a door on HTTPS, with certificates from a test CA no system trusts: what an
/// app meets with a deployment's own CA, and what it must hand the wallet as trust anchors.
struct HttpsStack {
    env: Value,
    issuer: vc_issuer::server::Running,
    door: tokio::task::JoinHandle<()>,
}

impl HttpsStack {
    async fn start(dir: &Path) -> HttpsStack {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, "Dojang Test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let authority = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "stack.test");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let server = params.signed_by(&key, &authority).unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
        std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
        std::fs::write(dir.join("ca.pem"), authority.pem()).unwrap();
        let tls = vc_issuer::config::TlsConfig {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            ..Default::default()
        };
        let anchors = did_core::http::TrustAnchors::only([authority.der().to_vec()]).unwrap();

        // The issuer on HTTPS (did:key).
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.join("issuer"),
            tls: Some(tls.clone()),
            ..Default::default()
        };
        config.did.method = DidMethod::Key;
        let issuer = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
        let base = issuer.url();
        assert!(base.starts_with("https://"), "{base}");
        let vct = format!("{base}/vct/{EMPLOYEE}");

        // The door on HTTPS, online: the issuer's status lists are fetched over HTTPS, trusting
        // the test CA.
        let did = &issuer.state.issuer.did;
        let policy = format!(
            "door = \"https-test\"\naudience = \"https://door.example/https\"\n\
             [[accept]]\ntype = \"{vct}\"\nissuers = [\"{did}\"]\n\
             claims = [{{ path = \"department\", in = [\"Digital Policy\"] }}]\n"
        );
        let status = HttpStatusListSource::trusting(&anchors).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let door_url = format!("https://localhost:{}", listener.local_addr().unwrap().port());
        let router = verifier::service::router(
            verifier::service::ServiceConfig {
                policy: Policy::from_toml(&policy).unwrap(),
                engine: Engine::online(Arc::new(CompositeResolver::with_default_methods()), Arc::new(status)),
                log: None,
                clock: Arc::new(did_core::clock::SystemClock),
                public_url: Some(door_url.clone()),
                vc_api_token: None,
                request_signer: None,
            },
            &door_url,
        )
        .unwrap();
        let tls_listener =
            vc_issuer::tls::TlsListener::new(listener, vc_issuer::tls::server_config(&tls).unwrap()).unwrap();
        let door = tokio::spawn(async move {
            let _ = did_core::server::serve_listener(
                tls_listener,
                router,
                did_core::server::Limits::default(),
                Arc::new(|_| {}),
                std::future::pending::<()>(),
            )
            .await;
        });
        let env = json!({
            "issuer_url": base,
            "admin_token": issuer.admin_token.as_ref().unwrap().to_string(),
            "credential_type": vct,
            "employee": employee("E-2002"),
            "door_url": door_url,
            "ca_pem": dir.join("ca.pem").display().to_string(),
        });
        HttpsStack { env, issuer, door }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (JDK, Kotlin compiler and JNA in .tools/kotlin): ./scripts/test runs it"]
async fn kotlin_receives_and_presents_over_https_trusting_the_apps_anchors() {
    if std::env::var_os("DOJANG_SKIP_KOTLIN").is_some() {
        eprintln!("DOJANG_SKIP_KOTLIN is set: the Kotlin test is skipped");
        return;
    }
    let dir = scratch("kotlin-https");
    let mut command = kotlin_program(&dir, "HttpsTest");
    let stack = HttpsStack::start(&dir.join("stack")).await;
    let properties_file = dir.join("env.properties");
    std::fs::write(&properties_file, properties(&stack.env)).unwrap();
    command.env("DOJANG_TEST_ENV_PROPERTIES", &properties_file);
    let output = tokio::task::spawn_blocking(move || run(command, "the Kotlin HTTPS test"))
        .await
        .unwrap();
    stack.door.abort();
    stack.issuer.stop().await.unwrap();
    assert!(output.contains("KOTLIN HTTPS OK"), "{output}");
}

/// uniffi-rs issue 2939: on 32-bit Android the JVM sees a checksum above 32,767 sign-extended,
/// and generated bindings whose start-up check compared it as it came crashed apps at start.
/// uniffi 0.32.1 masks each checksum to 16 bits before comparing (keep uniffi at 0.32.2 or
/// later); this checks the generated Kotlin does, for every checksum, and that the masked
/// comparison holds for a sign-extended value of each expected one.
#[test]
fn kotlin_checksum_checks_cannot_fail_on_a_32_bit_device() {
    let dir = scratch("kotlin-checksums");
    generate("kotlin", &dir);
    let kotlin = std::fs::read_to_string(dir.join("kr/dojang/dojang.kt")).unwrap();
    let declared = kotlin
        .lines()
        .filter(|line| line.trim_start().starts_with("external fun uniffi_dojang_checksum_"))
        .count();
    let checks: Vec<&str> = kotlin
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("if (") && line.contains("uniffi_dojang_checksum_"))
        .collect();
    assert!(declared > 10, "no checksum functions found: the generated code changed");
    assert_eq!(
        checks.len(),
        declared,
        "a checksum function without its check, or the reverse"
    );
    let mut above_short = 0;
    for check in &checks {
        // `if ((lib.uniffi_dojang_checksum_…() and 0xFFFF) != 54447) {`
        let (call, expected) = check
            .strip_prefix("if ((lib.")
            .and_then(|rest| rest.strip_suffix(") {"))
            .and_then(|rest| rest.split_once(" != "))
            .unwrap_or_else(|| panic!("a checksum check of another shape: {check}"));
        assert!(
            call.ends_with("() and 0xFFFF)"),
            "a checksum compared without the 16-bit mask: {check}"
        );
        let expected: u16 = expected.parse().unwrap();
        // What a 32-bit device's JVM reads back: the 16 bits sign-extended.
        let sign_extended = i32::from(expected.cast_signed());
        assert_eq!(sign_extended & 0xFFFF, i32::from(expected));
        if expected > 0x7FFF {
            above_short += 1;
        }
    }
    eprintln!("{} checksum checks, {above_short} of them above 32,767", checks.len());
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
