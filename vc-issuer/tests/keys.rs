//! The issuer key store: key files (owner-only and sealed) and PKCS#11 with SoftHSM2.
//!
//! Setting environment variables needs `unsafe` in edition 2024, which the workspace forbids;
//! tests that need a variable set (the SoftHSM2 configuration, a PIN, a passphrase read by
//! [`keys::open`]) run their body in a child process of this test binary started with that
//! environment (see [`run_child`]).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::SystemTime;

use did_core::clock::FixedClock;
use did_core::key::{Algorithm, KeyType, Signer};
use did_core::sd_jwt::{self, IssueOptions, VerifyOptions};
use serde_json::json;
use vc_issuer::Error;
use vc_issuer::keys::{self, KeyConfig};
use zeroize::Zeroizing;

use crate::process;

const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// Set in a child process to the name of the test whose body it runs.
const CHILD_ENV: &str = "DOJANG_KEYS_TEST_CHILD";

/// Whether this process is the child running `test`'s body.
fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).as_deref() == Ok(test)
}

/// Runs `test` alone in a child process of this test binary with `envs` set, and fails with
/// its output if it fails.
fn run_child(test: &str, envs: &[(&str, &OsStr)]) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &process::libtest_name(module_path!(), test),
            "--nocapture",
            "--test-threads=1",
            // The test may be a system test (#[ignore]); the child runs it either way.
            "--include-ignored",
        ])
        .env(CHILD_ENV, test)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "child running {test} failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("1 passed"), "child ran no test:\n{stdout}\n{stderr}");
}

fn file_config(path: Option<&Path>, algorithm: Option<&str>, passphrase_env: &str) -> KeyConfig {
    KeyConfig::File {
        path: path.map(Path::to_path_buf),
        algorithm: algorithm.map(str::to_owned),
        passphrase_env: Some(passphrase_env.to_owned()),
    }
}

fn secret(value: &str) -> Option<Zeroizing<String>> {
    Some(Zeroizing::new(value.to_owned()))
}

fn key_store_message(result: Result<keys::OpenedKey, Error>) -> String {
    match result {
        Err(Error::KeyStore(message)) => message,
        other => panic!("expected a key-store error, got {other:?}"),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Signs with `signer` and checks the signature with its public key.
async fn assert_signs(signer: &dyn Signer) {
    let message = b"issued by dojang";
    let signature = signer.try_sign(message).await.unwrap();
    signer.verifying_key().verify(message, &signature).unwrap();
    assert!(signer.verifying_key().verify(b"something else", &signature).is_err());
}

/// Issues an SD-JWT VC through `signer` and verifies it with its public key.
async fn assert_issues_sd_jwt(signer: &dyn Signer) {
    let claims = json!({
        "iss": "https://issuer.example",
        "vct": "https://credentials.example/employee",
        "given_name": "Ada",
    });
    let options = IssueOptions::sd_jwt_vc().disclose("/given_name");
    let issued = sd_jwt::issue_with_signer(&claims, &options, signer).await.unwrap();
    let verified = sd_jwt::verify(
        &issued,
        signer.verifying_key(),
        &VerifyOptions::sd_jwt_vc(),
        &FixedClock::new(SystemTime::now()),
    )
    .unwrap();
    assert_eq!(verified.claims["given_name"], "Ada");
}

#[tokio::test]
async fn key_file_is_created_once_with_owner_only_permissions() {
    let dir = tempfile::Builder::new()
        .prefix("dojang-keys-created-once")
        .tempdir()
        .unwrap();
    let data_dir = dir.path().join("data");
    // A variable nobody sets: the file is not sealed.
    let config = file_config(None, None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_1");

    let first = keys::open(&config, &data_dir).await.unwrap();
    let path = data_dir.join("issuer-key.jwk");
    assert!(first.created);
    assert_eq!(first.description, format!("key file {} (owner-only)", path.display()));
    assert_eq!(first.signer.algorithm(), Algorithm::Es256);
    assert!(first.signer.key_id().unwrap().starts_with("did:key:"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&data_dir), 0o700);
    }
    // Only the key file: the temporary file was linked into place and removed.
    let names: Vec<_> = std::fs::read_dir(&data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["issuer-key.jwk"]);
    assert_signs(first.signer.as_ref()).await;

    let second = keys::open(&config, &data_dir).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.signer.verifying_key(), first.signer.verifying_key());
    assert_eq!(second.signer.key_id(), first.signer.key_id());
    assert_issues_sd_jwt(second.signer.as_ref()).await;
    // Debug shows where the key is, not the key.
    let debug = format!("{second:?}");
    assert!(debug.contains("owner-only"), "{debug}");
    let text = std::fs::read_to_string(&path).unwrap();
    let d = serde_json::from_str::<serde_json::Value>(&text).unwrap()["d"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!debug.contains(&d));
}

#[cfg(unix)]
#[tokio::test]
async fn key_file_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::Builder::new()
        .prefix("dojang-keys-world-readable")
        .tempdir()
        .unwrap();
    let path = dir.path().join("issuer.jwk");
    let config = file_config(Some(&path), None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_2");
    keys::open(&config, dir.path()).await.unwrap();

    for mode in [0o644, 0o640, 0o604, 0o620] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let message = key_store_message(keys::open(&config, dir.path()).await);
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(&format!("chmod 600 {}", path.display())), "{message}");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!keys::open(&config, dir.path()).await.unwrap().created);
}

#[tokio::test]
async fn sealed_key_file() {
    let dir = tempfile::Builder::new().prefix("dojang-keys-sealed").tempdir().unwrap();
    let path = dir.path().join("issuer.jwk");
    let config = file_config(Some(&path), None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_3");
    let passphrase = "correct horse battery staple";

    let first = keys::open_with_secret(&config, dir.path(), secret(passphrase))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.description, format!("key file {} (sealed)", path.display()));
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);

    // The file is the envelope, with no JWK member in clear.
    let text = std::fs::read_to_string(&path).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut members: Vec<_> = envelope.as_object().unwrap().keys().cloned().collect();
    members.sort();
    assert_eq!(members, ["cipher", "ciphertext", "format", "kdf", "nonce", "salt"]);
    assert_eq!(envelope["format"], "dojang-sealed-key/1");
    assert_eq!(envelope["kdf"]["name"], "argon2id");
    assert!(!text.contains("\"d\""));
    assert!(!text.contains("kty"));

    let reopened = keys::open_with_secret(&config, dir.path(), secret(passphrase))
        .await
        .unwrap();
    assert!(!reopened.created);
    assert_eq!(reopened.signer.verifying_key(), first.signer.verifying_key());
    assert_signs(reopened.signer.as_ref()).await;

    let wrong = key_store_message(keys::open_with_secret(&config, dir.path(), secret("wrong horse")).await);
    assert!(wrong.contains("wrong passphrase"), "{wrong}");
    assert!(wrong.contains("DOJANG_TEST_PASSPHRASE_NEVER_SET_3"), "{wrong}");
    assert!(!wrong.contains("wrong horse"), "{wrong}");

    let missing = key_store_message(keys::open_with_secret(&config, dir.path(), None).await);
    assert!(missing.contains("is sealed"), "{missing}");
    assert!(missing.contains("DOJANG_TEST_PASSPHRASE_NEVER_SET_3"), "{missing}");
    // Through the environment, with the variable unset: the same refusal.
    let missing = key_store_message(keys::open(&config, dir.path()).await);
    assert!(missing.contains("is sealed"), "{missing}");
}

#[tokio::test]
async fn damaged_sealed_key_file_is_an_error() {
    let dir = tempfile::Builder::new()
        .prefix("dojang-keys-damaged")
        .tempdir()
        .unwrap();
    let path = dir.path().join("issuer.jwk");
    let config = file_config(Some(&path), None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_4");
    let passphrase = "hunter2 hunter2";
    keys::open_with_secret(&config, dir.path(), secret(passphrase))
        .await
        .unwrap();
    let good = std::fs::read_to_string(&path).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&good).unwrap();

    let flip = |member: &str| {
        let mut changed = envelope.clone();
        let value = changed[member].as_str().unwrap();
        let first = if value.starts_with('A') { "B" } else { "A" };
        changed[member] = json!(format!("{first}{}", &value[1..]));
        changed.to_string()
    };
    let mut greedy = envelope.clone();
    greedy["kdf"]["m_cost"] = json!(4_000_000_000_u32);
    let mut weaker = envelope.clone();
    weaker["kdf"]["t_cost"] = json!(1);
    let mut short_nonce = envelope.clone();
    short_nonce["nonce"] = json!("AAAA");
    let mut other_format = envelope.clone();
    other_format["format"] = json!("dojang-sealed-key/99");
    let damaged = [
        ("ciphertext", flip("ciphertext")),
        ("salt", flip("salt")),
        ("nonce", flip("nonce")),
        ("truncated", good[..good.len() / 2].to_owned()),
        ("greedy", greedy.to_string()),
        ("weaker", weaker.to_string()),
        ("short nonce", short_nonce.to_string()),
        ("other format", other_format.to_string()),
        ("not base64", good.replace("\"ciphertext\": \"", "\"ciphertext\": \"!!")),
        ("empty", String::new()),
        ("binary", "\u{0}\u{1}garbage".to_owned()),
        ("neither", "{\"hello\": 1}".to_owned()),
    ];
    for (what, text) in damaged {
        assert_ne!(text, good, "{what}");
        std::fs::write(&path, &text).unwrap();
        let message = key_store_message(keys::open_with_secret(&config, dir.path(), secret(passphrase)).await);
        assert!(message.contains(&path.display().to_string()), "{what}: {message}");
    }
    std::fs::write(&path, &good).unwrap();
    keys::open_with_secret(&config, dir.path(), secret(passphrase))
        .await
        .unwrap();
}

#[tokio::test]
async fn plain_key_file_is_sealed_when_a_passphrase_is_set() {
    let dir = tempfile::Builder::new().prefix("dojang-keys-reseal").tempdir().unwrap();
    let path = dir.path().join("issuer.jwk");
    let config = file_config(Some(&path), None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_5");
    let plain = keys::open_with_secret(&config, dir.path(), None).await.unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("\"d\""));

    let sealed = keys::open_with_secret(&config, dir.path(), secret("now sealed"))
        .await
        .unwrap();
    assert!(!sealed.created);
    assert_eq!(
        sealed.description,
        format!("key file {} (sealed on this start)", path.display())
    );
    assert_eq!(sealed.signer.verifying_key(), plain.signer.verifying_key());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("dojang-sealed-key/1") && !text.contains("\"d\""));
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);

    let again = keys::open_with_secret(&config, dir.path(), secret("now sealed"))
        .await
        .unwrap();
    assert!(again.description.ends_with("(sealed)"));
    assert!(key_store_message(keys::open_with_secret(&config, dir.path(), None).await).contains("is sealed"));
}

#[tokio::test]
async fn key_file_algorithms() {
    let dir = tempfile::Builder::new()
        .prefix("dojang-keys-algorithms")
        .tempdir()
        .unwrap();
    let path = dir.path().join("issuer.jwk");
    let es384 = file_config(Some(&path), Some("ES384"), "DOJANG_TEST_PASSPHRASE_NEVER_SET_6");
    let opened = keys::open(&es384, dir.path()).await.unwrap();
    assert!(opened.created);
    assert_eq!(opened.signer.verifying_key().key_type(), KeyType::P384);
    assert_signs(opened.signer.as_ref()).await;
    // Without the setting, the file's key is used as it is.
    let any = file_config(Some(&path), None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_6");
    assert_eq!(
        keys::open(&any, dir.path()).await.unwrap().signer.algorithm(),
        Algorithm::Es384
    );
    // A setting that contradicts the file is a configuration error.
    let es256 = file_config(Some(&path), Some("ES256"), "DOJANG_TEST_PASSPHRASE_NEVER_SET_6");
    match keys::open(&es256, dir.path()).await {
        Err(Error::Config { field, message }) => {
            assert_eq!(field, "key.algorithm");
            assert!(message.contains("ES384"), "{message}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let hs256 = file_config(
        Some(&dir.path().join("other.jwk")),
        Some("HS256"),
        "DOJANG_TEST_PASSPHRASE_NEVER_SET_6",
    );
    assert!(matches!(
        keys::open(&hs256, dir.path()).await,
        Err(Error::Config { .. })
    ));

    let eddsa = file_config(
        Some(&dir.path().join("ed.jwk")),
        Some("EdDSA"),
        "DOJANG_TEST_PASSPHRASE_NEVER_SET_6",
    );
    let opened = keys::open_with_secret(&eddsa, dir.path(), secret("ed")).await.unwrap();
    assert_eq!(opened.signer.verifying_key().key_type(), KeyType::Ed25519);
    assert_issues_sd_jwt(opened.signer.as_ref()).await;
}

#[tokio::test]
async fn not_a_key_file() {
    let dir = tempfile::Builder::new()
        .prefix("dojang-keys-not-a-key")
        .tempdir()
        .unwrap();
    let path = dir.path().join("issuer.jwk");
    let config = file_config(Some(&path), None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_7");
    for text in [
        "{\"kty\":\"EC\",\"crv\":\"P-256\"}",
        "{\"kty\":\"oct\",\"k\":\"AAAA\"}",
        "[1,2,3]",
    ] {
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let message = key_store_message(keys::open(&config, dir.path()).await);
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    assert!(keys::open(&config, dir.path()).await.is_err());
}

#[tokio::test]
async fn with_key_id_renames_the_signer() {
    let dir = tempfile::Builder::new().prefix("dojang-keys-key-id").tempdir().unwrap();
    let config = file_config(None, None, "DOJANG_TEST_PASSPHRASE_NEVER_SET_8");
    let opened = keys::open(&config, dir.path()).await.unwrap();
    let kid = "did:dojang:issuer#key-1".to_owned();
    let named = keys::with_key_id(Arc::clone(&opened.signer), kid.clone());
    assert_eq!(named.key_id(), Some(kid.as_str()));
    assert_eq!(named.verifying_key(), opened.signer.verifying_key());
    assert_eq!(named.algorithm(), opened.signer.algorithm());
    assert_signs(named.as_ref()).await;

    let claims = json!({"iss": "https://issuer.example", "vct": "https://credentials.example/x"});
    let issued = sd_jwt::issue_with_signer(&claims, &IssueOptions::sd_jwt_vc(), named.as_ref())
        .await
        .unwrap();
    let header = issued.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], kid);
}

#[test]
fn key_config_from_toml() {
    #[derive(serde::Deserialize)]
    struct Table {
        #[serde(default)]
        key: KeyConfig,
    }
    let parse = |text: &str| toml::from_str::<Table>(text).map(|t| t.key);
    assert_eq!(parse("").unwrap(), KeyConfig::default());
    assert_eq!(
        parse("[key]\nstore = \"file\"\npath = \"/var/lib/dojang/k.jwk\"\nalgorithm = \"EdDSA\"").unwrap(),
        KeyConfig::File {
            path: Some(PathBuf::from("/var/lib/dojang/k.jwk")),
            algorithm: Some("EdDSA".to_owned()),
            passphrase_env: None,
        }
    );
    assert_eq!(
        parse("[key]\nstore = \"pkcs11\"\nmodule = \"/usr/lib/softhsm/libsofthsm2.so\"\ntoken_label = \"dojang\"\nkey_label = \"issuer\"")
            .unwrap(),
        KeyConfig::Pkcs11 {
            module: PathBuf::from(SOFTHSM_MODULE),
            token_label: "dojang".to_owned(),
            key_label: "issuer".to_owned(),
            pin_env: None,
            create: None,
        }
    );
    assert_eq!(KeyConfig::default().secret_env(), "DOJANG_KEY_PASSPHRASE");
    assert!(parse("[key]\nstore = \"file\"\npassphrase = \"inline\"").is_err());
    assert!(parse("[key]\nstore = \"pkcs11\"\nmodule = \"m.so\"").is_err());
    assert!(parse("[key]\nstore = \"vault\"").is_err());
}

/// `open` reads the passphrase from the variable `passphrase_env` names.
#[tokio::test]
async fn passphrase_from_the_environment() {
    const TEST: &str = "passphrase_from_the_environment";
    if !is_child(TEST) {
        let dir = tempfile::Builder::new()
            .prefix("dojang-keys-env-passphrase")
            .tempdir()
            .unwrap();
        run_child(
            TEST,
            &[
                ("DOJANG_TEST_DIR", dir.path().as_os_str()),
                ("DOJANG_TEST_ENV_PASSPHRASE", OsStr::new("from the environment")),
                ("DOJANG_TEST_ENV_EMPTY", OsStr::new("")),
            ],
        );
        return;
    }
    let dir = PathBuf::from(std::env::var_os("DOJANG_TEST_DIR").unwrap());
    let config = file_config(None, None, "DOJANG_TEST_ENV_PASSPHRASE");
    let first = keys::open(&config, &dir).await.unwrap();
    assert!(first.created && first.description.ends_with("(sealed)"), "{first:?}");
    let second = keys::open(&config, &dir).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.signer.verifying_key(), first.signer.verifying_key());
    assert!(key_store_message(keys::open_with_secret(&config, &dir, None).await).contains("is sealed"));

    let empty = file_config(None, None, "DOJANG_TEST_ENV_EMPTY");
    match keys::open(&empty, &dir).await {
        Err(Error::Config { field, .. }) => assert_eq!(field, "DOJANG_TEST_ENV_EMPTY"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// Runs `test` in a child process that sees a fresh SoftHSM2 token `dojang` (its PIN in
/// `DOJANG_TEST_HSM_PIN`) and `extra` variables.
fn run_child_with_softhsm(test: &str, extra: &[(&str, &OsStr)]) {
    let dir = tempfile::Builder::new().prefix("dojang-softhsm").tempdir().unwrap();
    let conf = softhsm_token(dir.path());
    let mut envs = vec![
        ("SOFTHSM2_CONF", conf.as_os_str()),
        ("DOJANG_TEST_HSM_PIN", OsStr::new("1234")),
    ];
    envs.extend_from_slice(extra);
    run_child(test, &envs);
}

/// A SoftHSM2 configuration under `dir` with one token, `dojang` (user PIN 1234).
fn softhsm_token(dir: &Path) -> PathBuf {
    assert!(
        Path::new(SOFTHSM_MODULE).exists(),
        "the SoftHSM2 PKCS#11 module {SOFTHSM_MODULE} is missing: install it with `apt-get install softhsm2`"
    );
    let conf = crate::softhsm::private_conf(dir);
    let init = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "dojang",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util (apt-get install softhsm2)");
    assert!(
        init.status.success(),
        "softhsm2-util: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    conf
}

/// The PKCS#11 path against SoftHSM2: one token in a private directory, all in one child
/// process (the module reads `SOFTHSM2_CONF` once, when it is initialized).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (SoftHSM2): ./scripts/test runs it"]
async fn pkcs11_softhsm() {
    const TEST: &str = "pkcs11_softhsm";
    if !is_child(TEST) {
        run_child_with_softhsm(TEST, &[("DOJANG_TEST_HSM_WRONG_PIN", OsStr::new("0000"))]);
        return;
    }

    let data_dir = Path::new("/nonexistent-data-dir");
    let config = |token: &str, key: &str, pin_env: &str, create: Option<bool>| KeyConfig::Pkcs11 {
        module: PathBuf::from(SOFTHSM_MODULE),
        token_label: token.to_owned(),
        key_label: key.to_owned(),
        pin_env: Some(pin_env.to_owned()),
        create,
    };
    let issuer = config("dojang", "issuer", "DOJANG_TEST_HSM_PIN", None);

    // First start: the pair is generated on the token.
    let first = keys::open(&issuer, data_dir).await.unwrap();
    assert!(first.created);
    assert_eq!(first.description, "PKCS#11 token 'dojang' key 'issuer'");
    assert_eq!(first.signer.algorithm(), Algorithm::Es256);
    assert!(first.signer.key_id().unwrap().starts_with("did:key:zDn"));
    let signature = first.signer.try_sign(b"hello").await.unwrap();
    assert_eq!(signature.len(), 64);
    assert_signs(first.signer.as_ref()).await;
    assert_issues_sd_jwt(first.signer.as_ref()).await;
    let named = keys::with_key_id(Arc::clone(&first.signer), "did:web:issuer.example#hsm".to_owned());
    assert_issues_sd_jwt(named.as_ref()).await;

    // Concurrent signing draws on the session pool.
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let signer = Arc::clone(&first.signer);
            tokio::spawn(async move {
                let message = format!("message {i}");
                let signature = signer.try_sign(message.as_bytes()).await.unwrap();
                signer.verifying_key().verify(message.as_bytes(), &signature).unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    // Second start: the same key, found by label.
    let second = keys::open(&issuer, data_dir).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.signer.verifying_key(), first.signer.verifying_key());
    assert_signs(second.signer.as_ref()).await;

    // A missing key with create = false.
    let absent = key_store_message(
        keys::open(
            &config("dojang", "absent", "DOJANG_TEST_HSM_PIN", Some(false)),
            data_dir,
        )
        .await,
    );
    assert!(absent.contains("no EC private key labelled 'absent'"), "{absent}");

    // A missing token: the error lists the tokens there are.
    let no_token =
        key_store_message(keys::open(&config("nope", "issuer", "DOJANG_TEST_HSM_PIN", None), data_dir).await);
    assert!(no_token.contains("no PKCS#11 token labelled 'nope'"), "{no_token}");
    assert!(no_token.contains("tokens found: 'dojang'"), "{no_token}");

    // No PIN in the environment.
    match keys::open(
        &config("dojang", "issuer", "DOJANG_TEST_HSM_PIN_NEVER_SET", None),
        data_dir,
    )
    .await
    {
        Err(Error::Config { field, message }) => {
            assert_eq!(field, "DOJANG_TEST_HSM_PIN_NEVER_SET");
            assert!(message.contains("'dojang'"), "{message}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }

    // A missing module.
    let missing_module = KeyConfig::Pkcs11 {
        module: PathBuf::from("/nonexistent/libpkcs11.so"),
        token_label: "dojang".to_owned(),
        key_label: "issuer".to_owned(),
        pin_env: Some("DOJANG_TEST_HSM_PIN".to_owned()),
        create: None,
    };
    match keys::open(&missing_module, data_dir).await {
        Err(Error::Config { field, message }) => {
            assert_eq!(field, "key.module");
            assert!(message.contains("does not exist"), "{message}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }

    // A wrong PIN. Login state is shared by all of a process's sessions on a token, so close
    // ours first: otherwise the token would report "already logged in" and not check the PIN.
    drop((first, second, named));
    let wrong =
        key_store_message(keys::open(&config("dojang", "issuer", "DOJANG_TEST_HSM_WRONG_PIN", None), data_dir).await);
    assert!(wrong.contains("C_Login"), "{wrong}");
    assert!(wrong.contains("DOJANG_TEST_HSM_WRONG_PIN"), "{wrong}");
    assert!(!wrong.contains("0000"), "{wrong}");

    // And the right one still opens the same key.
    let third = keys::open(&issuer, data_dir).await.unwrap();
    assert!(!third.created);
    assert_signs(third.signer.as_ref()).await;
}

/// `vc-issuer serve` with `[key] store = "pkcs11"`: the service signs through SoftHSM2, a
/// credential issued over HTTP verifies (status included) with `verifier verify`, the key
/// never touches the data folder, and a restart finds the same key and DID. Then the key is
/// rotated on the token (`issuer-2`): credentials from before and after verify, the old key is
/// retired (forced) and its credential fails, and a restart signs with the new pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (SoftHSM2): ./scripts/test runs it"]
async fn serve_with_a_pkcs11_issuer_key() {
    const TEST: &str = "serve_with_a_pkcs11_issuer_key";
    if !is_child(TEST) {
        run_child_with_softhsm(TEST, &[]);
        return;
    }
    use vc_issuer::config::Config;
    use vc_issuer::server;

    let dir = tempfile::Builder::new().prefix("dojang-serve-hsm").tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config_file = dir.path().join("dojang.toml");
    std::fs::write(
        &config_file,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n\n[key]\nstore = \"pkcs11\"\nmodule = \"{SOFTHSM_MODULE}\"\n\
             token_label = \"dojang\"\nkey_label = \"issuer\"\npin_env = \"DOJANG_TEST_HSM_PIN\"\n",
            data_dir.display()
        ),
    )
    .unwrap();
    let config = || Config::load(Some(&config_file)).unwrap().validated().unwrap();

    let running = server::start(config()).await.unwrap();
    assert_eq!(running.key_description, "PKCS#11 token 'dojang' key 'issuer'");
    let did = running.state.issuer.did.clone();
    assert!(did.starts_with("did:dojang:"), "{did}");
    let url = running.url();
    let admin = running.admin_token.as_ref().unwrap().to_string();
    let response = reqwest::Client::new()
        .post(format!("{url}/admin/credentials"))
        .bearer_auth(&admin)
        .json(&json!({
            "type": "EmployeeIdCredential",
            "claims": {
                "employee_number": "E-4242",
                "name_ko": "이서연",
                "name_latin": "Lee Seoyeon",
                "organization": "Gangwon Province",
                "department": "Security",
                "position": "Officer",
                "access_groups": ["hq-main"]
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    let credential = body["credential"].as_str().unwrap();
    let registry = crate::common::registry_args(&running);
    let registry: Vec<&str> = registry.iter().map(String::as_str).collect();
    let (code, report) = crate::common::verifier_verify(credential, &registry).await;
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "status" && c["result"] == "passed"),
        "{report:#}"
    );
    // The issuer key lives only on the token.
    assert!(!data_dir.join("issuer-key.jwk").exists());
    let public = running.state.issuer.signing().signer.verifying_key().clone();
    running.stop().await.unwrap();

    // A restart opens the same key on the token and keeps the DID.
    let again = server::start(config()).await.unwrap();
    assert_eq!(again.state.issuer.did, did);
    assert_eq!(again.state.issuer.signing().signer.verifying_key(), &public);
    assert!(again.admin_token.is_none(), "the admin token is made once");

    // Rotation on the token.
    let url = again.url();
    let registry = crate::common::registry_args(&again);
    let registry: Vec<&str> = registry.iter().map(String::as_str).collect();
    let verify = async |credential: &str| -> (i32, String) {
        let (code, report) = crate::common::verifier_verify(credential, &registry).await;
        (code, report.to_string())
    };
    let http = reqwest::Client::new();
    let issue = async |number: &str| -> String {
        let answer = crate::common::issue_employee(&http, &url, &admin, number).await;
        answer["credential"].as_str().unwrap().to_owned()
    };
    // Issued by this start (the first start's status list URL named another port).
    let before = issue("E-4243").await;
    let rotated: serde_json::Value = http
        .post(format!("{url}/admin/keys/rotate"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rotated["method"], format!("{did}#key-2"), "{rotated}");
    assert!(
        !data_dir.join("issuer-key-2.jwk").exists(),
        "the new key is on the token"
    );
    let rotated_public = again.state.issuer.signing().signer.verifying_key().clone();
    assert_ne!(rotated_public, public);
    let after = issue("E-4244").await;
    let (code, report) = verify(&after).await;
    assert_eq!(code, 0, "{report}");
    let (code, report) = verify(&before).await;
    assert_eq!(code, 0, "the credential from before the rotation: {report}");
    let retired = http
        .post(format!("{url}/admin/keys/key-1/retire?force=true"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(retired.status().as_u16(), 200);
    let (code, report) = verify(&before).await;
    assert_eq!(code, 1, "the retired key's credential fails: {report}");
    assert!(report.contains("key-1"), "the failure names the key: {report}");
    again.stop().await.unwrap();

    // A restart opens the rotated pair on the token.
    let third = server::start(config()).await.unwrap();
    assert_eq!(third.state.issuer.signing().signer.verifying_key(), &rotated_public);
    assert_eq!(third.state.issuer.signing().method, format!("{did}#key-2"));
    third.stop().await.unwrap();
}
