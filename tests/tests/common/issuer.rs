//! The province's issuer service (SQLite, the default), its DID on the remote registry, and the
//! admin calls HR makes.

use std::path::{Path, PathBuf};

use clap::Parser as _;
use serde_json::{Value, json};
use vc_issuer::config::{Config, DidMethod};
use vc_issuer::server::Running;

use super::registry::Registries;

pub struct Issuer {
    pub running: Running,
    pub url: String,
    pub admin: String,
    pub did: String,
    pub config_file: PathBuf,
    http: reqwest::Client,
}

/// An issuer on its defaults but with a did:key DID (no registry), data under `dir/issuer`:
/// what the interop tests issue with.
pub async fn start_key_issuer(dir: &Path) -> Running {
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.join("issuer"),
        ..Default::default()
    };
    config.did.method = DidMethod::Key;
    vc_issuer::server::start(config.validated().unwrap()).await.unwrap()
}

/// A bridge script of `interop/node` (`interop/README.md`), one request, its answer.
pub fn node_bridge(script: &str, request: &Value) -> Value {
    super::bridge::run_bridge(
        "node",
        &super::repo_root().join("interop/node").join(script),
        request,
        "scripts/test installs Node.js and runs `npm ci --prefix interop/node`",
    )
}

/// [`node_bridge`] from async code: the blocking bridge runs off the runtime's threads.
pub async fn node_bridge_async(script: &'static str, request: Value) -> Value {
    tokio::task::spawn_blocking(move || node_bridge(script, &request))
        .await
        .unwrap()
}

/// The door on the shipped example policy (`verifier/door.example.toml`), resolving with
/// `resolver`, status lists from memory, on 127.0.0.1: what the interop tests post to.
pub async fn start_example_door(resolver: did_core::resolve::CompositeResolver) -> verifier::service::Running {
    start_example_door_with(resolver, None).await
}

/// [`start_example_door`] with a VC-API bearer token, when one is given.
pub async fn start_example_door_with(
    resolver: did_core::resolve::CompositeResolver,
    vc_api_token: Option<&str>,
) -> verifier::service::Running {
    use std::sync::Arc;
    let policy = verifier::policy::Policy::from_file(&super::repo_root().join("verifier/door.example.toml")).unwrap();
    let engine = verifier::decision::Engine::online(
        Arc::new(resolver),
        Arc::new(did_core::status::MemoryStatusListSource::new()),
    );
    let config = verifier::service::ServiceConfig {
        policy,
        engine,
        log: None,
        clock: Arc::new(did_core::clock::SystemClock),
        public_url: None,
        vc_api_token: vc_api_token.map(|token| zeroize::Zeroizing::new(token.to_owned())),
        request_signer: None,
    };
    verifier::service::start(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

impl Issuer {
    /// Starts the issuer with a did:dojang DID registered at the registry node.
    pub async fn start(dir: &Path, registries: &Registries) -> Issuer {
        let data = dir.join("issuer");
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: data.clone(),
            ..Default::default()
        };
        config.did.method = DidMethod::Dojang;
        config.registry.url = Some(registries.node.url.clone());
        config.registry.key = Some(registries.operator.clone());
        let running = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
        let url = running.url();
        let admin = running.admin_token.as_ref().unwrap().to_string();
        let did = running.state.issuer.did.clone();
        // The same data folder for `vc-issuer bulk-issue`, which runs beside the service.
        let config_file = dir.join("issuer.toml");
        std::fs::write(
            &config_file,
            format!(
                "data_dir = {:?}\npublic_url = {url:?}\n[did]\nmethod = \"dojang\"\n[registry]\nurl = {:?}\nkey = {:?}\n",
                data.display().to_string(),
                registries.node.url,
                registries.operator
            ),
        )
        .unwrap();
        Issuer {
            running,
            url,
            admin,
            did,
            config_file,
            http: reqwest::Client::new(),
        }
    }

    /// The `vct` of a template's credentials.
    pub fn vct(&self, template: &str) -> String {
        format!("{}/vct/{template}", self.url)
    }

    /// `vc-issuer bulk-issue --type <template> --out <out> <csv>`; returns the lines of
    /// `offers.csv` as (record key, offer URL, PIN).
    pub async fn bulk_issue(&self, template: &str, csv: &Path, out: &Path) -> Vec<(String, String, String)> {
        let args = [
            "vc-issuer",
            "bulk-issue",
            "--config",
            self.config_file.to_str().unwrap(),
            "--type",
            template,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            csv.to_str().unwrap(),
        ];
        let cli = vc_issuer::cli::Cli::try_parse_from(args).unwrap();
        let (code, output) = tokio::task::spawn_blocking(move || {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = vc_issuer::cli::run(cli, &mut out, &mut err);
            (
                code,
                format!("{}{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err)),
            )
        })
        .await
        .unwrap();
        assert_eq!(code, 0, "{output}");
        let listed = std::fs::read_to_string(out.join("offers.csv")).unwrap();
        let mut lines = listed.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (key, url, pin) = (column("record_key"), column("offer_url"), column("tx_code"));
        lines
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                (cells[key].to_owned(), cells[url].to_owned(), cells[pin].to_owned())
            })
            .collect()
    }

    /// An admin call; returns the status and the JSON answer.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.admin);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// The ID of the one credential issued for `record_key`.
    pub async fn credential_id(&self, template: &str, record_key: &str) -> String {
        let (status, list) = self
            .admin(
                reqwest::Method::GET,
                &format!("/admin/credentials?type={template}&record_key={record_key}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{list}");
        let items = list["credentials"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        items[0]["id"].as_str().unwrap().to_owned()
    }

    /// `POST /admin/credentials/{id}/<action>` (suspend, unsuspend, revoke).
    pub async fn change(&self, id: &str, action: &str) {
        let (status, answer) = self
            .admin(
                reqwest::Method::POST,
                &format!("/admin/credentials/{id}/{action}"),
                Some(json!({})),
            )
            .await;
        assert!(status == 200 || status == 204, "{action}: {status} {answer}");
    }

    /// A credential offer for `claims`: the link and its PIN.
    pub async fn offer(&self, template: &str, claims: Value) -> (String, String) {
        let (status, offer) = self
            .admin(
                reqwest::Method::POST,
                "/admin/offers",
                Some(json!({"type": template, "claims": claims})),
            )
            .await;
        assert_eq!(status, 201, "{offer}");
        (
            offer["offer_url"].as_str().unwrap().to_owned(),
            offer["tx_code"].as_str().unwrap().to_owned(),
        )
    }
}
