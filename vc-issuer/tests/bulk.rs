//! `vc-issuer bulk-issue` as an operator runs it (through `cli::run`, the binary's entry
//! point): 5,000 employees offered once however often it runs, bad rows reported by line
//! with nothing offered, changed rows left alone until re-offered, and an offer it wrote
//! redeemed by a wallet over HTTP. On SQLite and on PostgreSQL.

use crate::common;
use common::serve::ClearConfig as _;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser as _;
use did_core::clock::SystemClock;
use did_core::jose::{self, Header};
use did_core::key::{Algorithm, KeyType, SigningKey};
use serde_json::{Value, json};
use vc_issuer::cli::{Cli, run};
use vc_issuer::config::{Config, DidMethod};
use vc_issuer::store::{OfferRecord, Store};

const TYPE: &str = "EmployeeIdCredential";
const HEADER: &str = "employee_number,name_ko,name_latin,organization,department,position,access_groups";
const PRE_AUTH: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// A folder for one test: the configuration, the CSV files and the output.
struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
    database_url: String,
}

impl Setup {
    /// SQLite under the folder (the default), offer links for `public_url`.
    fn sqlite(public_url: &str) -> Setup {
        Setup::with_database(public_url, None)
    }

    fn with_database(public_url: &str, database_url: Option<&str>) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut toml = format!(
            "data_dir = {:?}\npublic_url = {public_url:?}\n",
            data.display().to_string()
        );
        if let Some(url) = database_url {
            toml.push_str(&format!("database_url = {url:?}\n"));
        }
        let config = dir.path().join("dojang.toml");
        std::fs::write(&config, toml).unwrap();
        let database_url = Config::load(Some(&config)).unwrap().database_url();
        Setup {
            dir,
            config,
            database_url,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn out(&self) -> PathBuf {
        self.path("offers")
    }

    fn write_csv(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `vc-issuer bulk-issue --config .. --type EmployeeIdCredential --out .. --quiet <extra> <csv>`
    /// (`--out` unless `extra` has one).
    fn bulk(&self, csv: &Path, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec![
            "vc-issuer".to_owned(),
            "bulk-issue".into(),
            "--config".into(),
            self.config.display().to_string(),
            "--type".into(),
            TYPE.into(),
            "--quiet".into(),
        ];
        if !extra.contains(&"--out") {
            args.extend(["--out".to_owned(), self.out().display().to_string()]);
        }
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args.push(csv.display().to_string());
        let cli = Cli::try_parse_from(&args).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(cli, &mut out, &mut err);
        (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    /// The bulk offers in the store.
    async fn offers(&self) -> Vec<(String, OfferRecord)> {
        let store = Store::open(&self.database_url).await.unwrap();
        let offers = store
            .offers_by_key_prefix(TYPE, &format!("bulk:{TYPE}:"))
            .await
            .unwrap();
        store.close().await;
        offers
    }

    fn offers_now(&self) -> Vec<(String, OfferRecord)> {
        tokio::runtime::Runtime::new().unwrap().block_on(self.offers())
    }

    /// The complete data lines of offers.csv (a line cut short by a crash is skipped), as
    /// header name → value.
    fn listed(&self) -> Vec<std::collections::HashMap<String, String>> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(self.out().join("offers.csv"))
            .unwrap();
        let header = reader.headers().unwrap().clone();
        assert_eq!(header.len(), 8);
        reader
            .records()
            .map(Result::unwrap)
            .filter(|r| r.len() == header.len())
            .map(|r| {
                header
                    .iter()
                    .map(str::to_owned)
                    .zip(r.iter().map(str::to_owned))
                    .collect()
            })
            .collect()
    }
}

/// `n` valid employee rows numbered from `first`.
fn employees(first: usize, n: usize) -> String {
    let mut text = format!("{HEADER}\n");
    for i in first..first + n {
        text.push_str(&format!(
            "E-{i:05},김민준{i},Kim Minjun {},Gyeonggi Province,Department {},Engineer,hq;lab-{}\n",
            char::from(b'A' + u8::try_from(i % 26).unwrap()),
            i % 40,
            i % 7
        ));
    }
    text
}

/// The number on the summary line starting with `label`.
fn count(summary: &str, label: &str) -> usize {
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in {summary}"));
    line.trim_start()[label.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs 5,000 rows (or `n`) twice and checks the second run offers nobody again.
fn offer_twice(setup: &Setup, n: usize) {
    let csv = setup.write_csv("employees.csv", &employees(0, n));
    let started = Instant::now();
    let (code, out, err) = setup.bulk(&csv, &[]);
    let first = started.elapsed();
    assert_eq!(code, 0, "{out}\n{err}");
    eprintln!("first run, {n} rows: {first:.2?}\n{out}");
    assert_eq!(count(&out, "offered now"), n);
    assert_eq!(count(&out, "already offered"), 0);

    let offers = setup.offers_now();
    assert_eq!(offers.len(), n);
    let keys: HashSet<&str> = offers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys.len(), n);

    let listed = setup.listed();
    assert_eq!(listed.len(), n);
    let urls: HashSet<&str> = listed.iter().map(|l| l["offer_url"].as_str()).collect();
    assert_eq!(urls.len(), n, "every offer URL is distinct");
    let ids: HashSet<&str> = offers.iter().map(|(_, o)| o.id.as_str()).collect();
    for line in &listed {
        assert!(ids.contains(line["offer_id"].as_str()));
        assert_eq!(line["tx_code"].len(), 6);
        assert!(line["offer_url"].starts_with("openid-credential-offer://?credential_offer_uri="));
        let png = std::fs::read(setup.out().join(&line["qr_png"])).unwrap();
        let own = vc_issuer::offer_qr::png(&line["offer_url"]).unwrap();
        assert!(
            png == own,
            "line {}: the QR code is of its own offer link",
            line["line"]
        );
        let (key, _) = offers.iter().find(|(_, o)| o.id == line["offer_id"]).unwrap();
        assert_eq!(
            key, &line["record_key"],
            "line {}: the offer is its employee's",
            line["line"]
        );
    }
    assert_eq!(listed[0]["line"], "2");
    assert_eq!(listed[0]["record_key"], "E-00000");
    assert_eq!(listed[0]["qr_png"], "qr/E-00000.png");
    assert_eq!(std::fs::read_dir(setup.out().join("qr")).unwrap().count(), n);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&setup.out().join("offers.csv")), 0o600);
        assert_eq!(mode(&setup.out().join("qr/E-00000.png")), 0o600);
        assert_eq!(mode(&setup.out()), 0o700);
    }

    let list_before = std::fs::read(setup.out().join("offers.csv")).unwrap();
    let started = Instant::now();
    let (code, out, err) = setup.bulk(&csv, &[]);
    eprintln!("second run: {:.2?}\n{out}", started.elapsed());
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "offered now"), 0);
    assert_eq!(count(&out, "already offered"), n);
    assert!(
        out.contains(&format!("({n} waiting, 0 redeemed, 0 expired or locked)")),
        "{out}"
    );
    assert!(!out.contains("note:"), "{out}");
    assert_eq!(setup.offers_now().len(), n);
    assert_eq!(std::fs::read(setup.out().join("offers.csv")).unwrap(), list_before);
}

#[test]
fn five_thousand_employees_are_offered_once_however_often_it_runs() {
    let setup = Setup::sqlite("https://issuer.example.go.kr");
    offer_twice(&setup, 5_000);
}

#[test]
#[ignore = "system test (PostgreSQL server programs): ./scripts/test runs it"]
fn postgresql_offers_once_too() {
    let url = tokio::runtime::Runtime::new().unwrap().block_on(common::pg::database());
    let setup = Setup::with_database("https://issuer.example.go.kr", Some(&url));
    offer_twice(&setup, 200);
}

/// Two runs of the same file at once (into two folders) offer each employee once between them.
fn two_runs_at_once(setup: &Setup, n: usize) {
    let csv = setup.write_csv("employees.csv", &employees(0, n));
    let other = setup.path("other");
    let outs: Vec<PathBuf> = vec![setup.out(), other.clone()];
    let results: Vec<(i32, String, String)> = std::thread::scope(|scope| {
        let runs: Vec<_> = outs
            .iter()
            .map(|out| {
                let out = out.display().to_string();
                let csv = &csv;
                scope.spawn(move || setup.bulk(csv, &["--out", &out]))
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut created = 0;
    for (code, out, err) in &results {
        assert_eq!(*code, 0, "{out}\n{err}");
        eprintln!("{out}\n{err}");
        created += count(out, "offered now");
        assert_eq!(count(out, "offered now") + count(out, "already offered"), n, "{out}");
    }
    assert_eq!(created, n);
    let offers = setup.offers_now();
    assert_eq!(offers.len(), n);
    let mut listed = HashSet::new();
    for out in &outs {
        let path = out.join("offers.csv");
        if !path.exists() {
            continue;
        }
        let mut reader = csv::Reader::from_path(path).unwrap();
        for record in reader.records() {
            assert!(listed.insert(record.unwrap()[2].to_owned()), "an offer is listed twice");
        }
    }
    assert_eq!(listed.len(), n, "every offer is listed once, in one of the folders");
}

#[test]
fn two_runs_at_once_offer_each_employee_once_sqlite() {
    two_runs_at_once(&Setup::sqlite("https://issuer.example.go.kr"), 300);
}

#[test]
#[ignore = "system test (PostgreSQL server programs): ./scripts/test runs it"]
fn two_runs_at_once_offer_each_employee_once_postgresql() {
    let url = tokio::runtime::Runtime::new().unwrap().block_on(common::pg::database());
    two_runs_at_once(&Setup::with_database("https://issuer.example.go.kr", Some(&url)), 300);
}

/// Issue 28, finding 11: without `--out` the offer sheet (links and PINs) went to
/// `./offers/<TYPE>`, in whatever folder the command ran in (the clone's top folder, for the
/// README's reader), where git sees it. It goes under the data folder now, owner-only under
/// any umask; and an output folder and list that group or others could open (made by hand, or
/// by an earlier version) are restricted before anything is written into them.
#[cfg(unix)]
#[test]
fn the_offer_sheet_goes_under_the_data_folder_owner_only_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let setup = Setup::sqlite("https://issuer.example.go.kr");
    let csv = setup.write_csv("employees.csv", &employees(0, 3));
    let bulk = |csv: &Path, extra: &[&str]| {
        let output = std::process::Command::new("sh")
            .env_clear_config()
            .current_dir(setup.dir.path())
            .args([
                "-c",
                "umask 022; exec \"$@\"",
                "sh",
                common::serve::BIN,
                "bulk-issue",
                "--config",
            ])
            .arg(&setup.config)
            .args(["--type", TYPE, "--quiet"])
            .args(extra)
            .arg(csv)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{err}");
    };
    bulk(&csv, &[]);
    let out = setup.path("data/offers").join(TYPE);
    let list = std::fs::read_to_string(out.join("offers.csv")).unwrap();
    assert_eq!(list.lines().count(), 4, "{list}");
    assert!(
        !setup.path("offers").exists(),
        "nothing in the folder the command ran in"
    );
    for folder in [setup.path("data/offers"), out.clone(), out.join("qr")] {
        assert_eq!(mode(&folder), 0o700, "{}", folder.display());
    }
    assert_eq!(mode(&out.join("offers.csv")), 0o600);
    assert_eq!(mode(&out.join("qr/E-00000.png")), 0o600);

    // A folder made by hand, with a list in it from an earlier run, both open to others.
    let wide = setup.path("handed-out");
    std::fs::create_dir_all(wide.join("qr")).unwrap();
    std::fs::write(
        wide.join("offers.csv"),
        format!("{}\n", vc_issuer::bulk::output::HEADER),
    )
    .unwrap();
    for (path, mode) in [
        (wide.clone(), 0o755),
        (wide.join("qr"), 0o775),
        (wide.join("offers.csv"), 0o644),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let more = setup.write_csv("more.csv", &employees(3, 1));
    bulk(&more, &["--out", wide.to_str().unwrap()]);
    assert_eq!(mode(&wide), 0o700);
    assert_eq!(mode(&wide.join("qr")), 0o700);
    assert_eq!(mode(&wide.join("offers.csv")), 0o600);
    assert_eq!(mode(&wide.join("qr/E-00003.png")), 0o600);
}

#[test]
fn bad_rows_are_all_reported_by_line_and_nothing_is_offered() {
    let setup = Setup::sqlite("https://issuer.example.go.kr");
    let csv = setup.write_csv(
        "employees.csv",
        &[
            HEADER,
            "E-1,김가,Kim Ga,Gyeonggi,HR,Clerk,hq",     // line 2
            "e 2,김나,Kim Na,Gyeonggi,HR,Clerk,hq",     // line 3: pattern
            "E-3,김다,Kim Da,Gyeonggi,HR,Clerk,hq;lab", // line 4
            "E-4,김라,Kim Ra,Gyeonggi,HR,Clerk,hq",     // line 5: duplicate of line 8
            "E-5,김마,Kim Ma,Gyeonggi,HR,Clerk,hq",     // line 6
            "E-6,,Kim Ba,Gyeonggi,HR,Clerk,hq",         // line 7: required value missing
            "E-4,김사,Kim Sa,Gyeonggi,HR,Clerk,hq",     // line 8: duplicate of line 5
            "E-7,김아,Kim A,Gyeonggi,HR,Clerk,Hq Main", // line 9: bad list item
        ]
        .join("\n"),
    );
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 1, "{out}\n{err}");
    for expected in [
        "line 3: /employee_number: ",
        "line 5: /employee_number: \"E-4\" is also on line 8",
        "line 7: /name_ko: is required (the cell is empty)",
        "line 8: /employee_number: \"E-4\" is also on line 5",
        "line 9: /access_groups/0: ",
        "5 bad rows",
        "nothing was offered",
        "--skip-invalid",
    ] {
        assert!(err.contains(expected), "{expected:?} not in\n{err}");
    }
    assert!(!err.contains("line 2:") && !err.contains("line 4:") && !err.contains("line 6:"));
    assert!(setup.offers_now().is_empty());
    assert!(!setup.out().exists(), "no output without offers");

    // --dry-run only checks.
    let (code, out, err) = setup.bulk(&csv, &["--skip-invalid", "--dry-run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "would offer"), 3);
    assert!(setup.offers_now().is_empty());

    // --skip-invalid offers the good rows.
    let (code, out, err) = setup.bulk(&csv, &["--skip-invalid"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "offered now"), 3);
    assert_eq!(count(&out, "skipped invalid"), 5);
    assert!(err.contains("line 3: /employee_number: "));
    let lines: Vec<String> = setup.listed().iter().map(|l| l["line"].clone()).collect();
    assert_eq!(lines, ["2", "4", "6"]);
    let mut keys: Vec<String> = setup.offers_now().into_iter().map(|(k, _)| k).collect();
    keys.sort();
    assert_eq!(keys, ["E-1", "E-3", "E-5"]);

    // A bad header stops everything, --skip-invalid or not.
    let unknown = setup.write_csv(
        "unknown.csv",
        &format!("{HEADER},nickname\nE-9,김자,Kim Ja,Gyeonggi,HR,Clerk,hq,Jay\n"),
    );
    let (code, out, err) = setup.bulk(&unknown, &["--skip-invalid"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("line 1: /nickname: unknown column"), "{err}");
    assert!(err.contains("the header is not usable"), "{err}");
    assert_eq!(setup.offers_now().len(), 3);

    // An unknown type is a usage error.
    let cli = Cli::try_parse_from([
        "vc-issuer",
        "bulk-issue",
        "--config",
        setup.config.to_str().unwrap(),
        "--type",
        "PassportCredential",
        csv.to_str().unwrap(),
    ])
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run(cli, &mut out, &mut err), 2);
    assert!(
        String::from_utf8(err)
            .unwrap()
            .contains("known: CitizenCardCredential, EmployeeIdCredential")
    );
}

#[test]
fn changed_rows_are_left_alone_until_re_offered() {
    let setup = Setup::sqlite("https://issuer.example.go.kr");
    let csv = setup.write_csv("employees.csv", &employees(0, 3));
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let first = setup.offers_now();

    // E-00001 moved department: the earlier offer stays, the run says so and fails.
    let moved = employees(0, 3).replace(
        "E-00001,김민준1,Kim Minjun B,Gyeonggi Province,Department 1,",
        "E-00001,김민준1,Kim Minjun B,Gyeonggi Province,Audit,",
    );
    assert_ne!(moved, employees(0, 3));
    let csv = setup.write_csv("employees.csv", &moved);
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("line 3: E-00001: offered before"), "{err}");
    assert!(err.contains("--reoffer E-00001"), "{err}");
    assert_eq!(count(&out, "already offered"), 2);
    assert_eq!(setup.offers_now().len(), 3);

    // --reoffer withdraws the earlier offer and makes a new one with its own QR file.
    let (code, out, err) = setup.bulk(&csv, &["--reoffer", "E-00001"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "offered now"), 1);
    assert!(out.contains("(1 re-offered)"), "{out}");
    let listed = setup.listed();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[3]["record_key"], "E-00001");
    assert_eq!(listed[3]["qr_png"], "qr/E-00001.2.png");
    assert!(setup.out().join("qr/E-00001.png").exists(), "earlier output is kept");
    let offers = setup.offers_now();
    assert_eq!(offers.len(), 4);
    let old = first.iter().find(|(k, _)| k == "E-00001").unwrap();
    let old_now = offers.iter().find(|(_, o)| o.id == old.1.id).unwrap();
    assert!(
        old_now.1.expires_at <= vc_issuer::store::unix_now(),
        "the earlier offer is withdrawn"
    );
    let new = offers
        .iter()
        .find(|(_, o)| o.idempotency_key.as_deref() == Some("bulk:EmployeeIdCredential:E-00001#2"))
        .unwrap();
    assert_eq!(new.1.claims["department"], "Audit");

    // Now the file and the store agree again.
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "already offered"), 3);
    assert_eq!(count(&out, "offered now"), 0);

    // --reoffer must name a row of the file.
    let (code, _, err) = setup.bulk(&csv, &["--reoffer", "E-99999"]);
    assert_eq!(code, 2);
    assert!(err.contains("--reoffer E-99999"), "{err}");
}

#[test]
fn offers_whose_lines_were_lost_are_named_and_re_offered() {
    let setup = Setup::sqlite("https://issuer.example.go.kr");
    let csv = setup.write_csv("employees.csv", &employees(0, 3));
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 0, "{out}\n{err}");

    // As if the process died after committing the offers, having written one line and a
    // half: the store has three offers, the list one and a cut line.
    let list = setup.out().join("offers.csv");
    let text = std::fs::read_to_string(&list).unwrap();
    let mut lines = text.lines();
    let kept = format!("{}\n{}\n4,E-00002,off_", lines.next().unwrap(), lines.next().unwrap());
    std::fs::write(&list, kept).unwrap();

    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "already offered"), 3);
    assert!(out.contains("note: 2 waiting offers are not in"), "{out}");
    assert!(out.contains("E-00001, E-00002"), "{out}");
    assert!(out.contains("--reoffer-unlisted"), "{out}");

    let (code, out, err) = setup.bulk(&csv, &["--reoffer-unlisted", "--dry-run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("would offer        2 (2 re-offered)"), "{out}");

    let (code, out, err) = setup.bulk(&csv, &["--reoffer-unlisted"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("offered now        2 (2 re-offered)"), "{out}");
    let listed = setup.listed();
    let keys: Vec<&str> = listed.iter().map(|l| l["record_key"].as_str()).collect();
    assert_eq!(keys, ["E-00000", "E-00001", "E-00002"], "the cut line is skipped");
    assert_eq!(listed[2]["qr_png"], "qr/E-00002.2.png");
    assert_eq!(setup.offers_now().len(), 5);

    let (code, out, err) = setup.bulk(&csv, &["--reoffer-unlisted"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(count(&out, "offered now"), 0);
    assert!(!out.contains("note:"), "{out}");
}

/// A key proof JWT signed by `key`.
fn proof(key: &SigningKey, aud: &str, nonce: &str) -> String {
    let jwk = serde_json::to_value(key.verifying_key().to_jwk()).unwrap();
    let header = Header::new(Algorithm::Es256)
        .with_typ("openid4vci-proof+jwt")
        .with_member("jwk", jwk);
    let iat = vc_issuer::store::unix_now();
    jose::sign_json_with_key(header, &json!({"aud": aud, "iat": iat, "nonce": nonce}), key).unwrap()
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn a_wallet_redeems_an_offer_written_by_bulk_issue() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let data_holder = tempfile::tempdir().unwrap();
    let data = data_holder.path().join("data");
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: data.clone(),
        ..Default::default()
    };
    config.did.method = DidMethod::Key;
    let running = runtime
        .block_on(vc_issuer::server::start(config.validated().unwrap()))
        .unwrap();
    let base = running.url();

    // bulk-issue with the same data folder (SQLite) while the service runs.
    let setup = Setup::sqlite(&base);
    let toml = format!("data_dir = {:?}\npublic_url = {base:?}\n", data.display().to_string());
    std::fs::write(&setup.config, toml).unwrap();
    let csv = setup.write_csv("employees.csv", &employees(1000, 2));
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let line = setup.listed()[0].clone();
    assert_eq!(line["record_key"], "E-01000");

    runtime.block_on(async {
        let http = reqwest::Client::new();
        let uri = &line["credential_offer_uri"];
        assert!(uri.starts_with(&format!("{base}/offers/")));
        let response = http.get(uri).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let offer: Value = response.json().await.unwrap();
        assert_eq!(offer["credential_issuer"], base.as_str());
        assert_eq!(offer["credential_configuration_ids"], json!([TYPE]));
        assert_eq!(offer["grants"][PRE_AUTH]["tx_code"]["length"], 6);
        let qr = http.get(format!("{uri}/qr.png")).send().await.unwrap();
        assert_eq!(qr.status().as_u16(), 200);
        let served_png = qr.bytes().await.unwrap();
        let written_png = std::fs::read(setup.out().join(&line["qr_png"])).unwrap();
        assert_eq!(served_png.as_ref(), written_png.as_slice(), "the same QR code");

        // Token with the PIN from offers.csv, then a key-bound credential.
        let code = offer["grants"][PRE_AUTH]["pre-authorized_code"].as_str().unwrap();
        let body = form_encode(&[
            ("grant_type", PRE_AUTH),
            ("pre-authorized_code", code),
            ("tx_code", &line["tx_code"]),
        ]);
        let response = http
            .post(format!("{base}/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let token: Value = response.json().await.unwrap();
        let access = token["access_token"].as_str().unwrap();
        let nonce: Value = http
            .post(format!("{base}/nonce"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let holder = SigningKey::generate(KeyType::P256).unwrap();
        let request = json!({
            "credential_configuration_id": TYPE,
            "proofs": {"jwt": [proof(&holder, &base, nonce["c_nonce"].as_str().unwrap())]},
        });
        let response = http
            .post(format!("{base}/credential"))
            .bearer_auth(access)
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.unwrap();
        let sd_jwt = body["credentials"][0]["credential"].as_str().unwrap();
        let verified = did_core::sd_jwt::verify(
            sd_jwt,
            running.state.issuer.signing().signer.verifying_key(),
            &did_core::sd_jwt::VerifyOptions::sd_jwt_vc(),
            &SystemClock,
        )
        .unwrap();
        assert_eq!(verified.claims["employee_number"], "E-01000");
        assert_eq!(verified.claims["access_groups"], json!(["hq", "lab-6"]));

        // The audit log names the bulk run as the offers' maker.
        let audit = running.state.issuer.store.audit_entries(0, 1000).await.unwrap();
        let made: Vec<_> = audit.iter().filter(|e| e.action == "offer.create").collect();
        assert_eq!(made.len(), 2);
        assert!(made.iter().all(|e| e.actor.starts_with("cli:bulk-issue")));
    });

    // A re-run counts the redeemed offer as such.
    let (code, out, err) = setup.bulk(&csv, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("(1 waiting, 1 redeemed, 0 expired or locked)"), "{out}");
    runtime.block_on(running.stop()).unwrap();
}
