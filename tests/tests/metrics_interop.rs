//! The services' `/metrics` read by Prometheus's own client library: `prometheus_client`'s
//! OpenMetrics parser (PyPI, pinned in `interop/python/requirements.txt`, run by
//! `interop/python/openmetrics_peer.py`) parses what the issuer, the door (on the shipped
//! example policy) and a registry node serve, under the content type they declare.

use crate::common;

use std::collections::BTreeMap;

use common::registry::Registries;
use serde_json::{Value, json};

/// The families `prometheus_client` reads from `text`, by name (their `type` and samples).
fn parse(text: &str) -> BTreeMap<String, Value> {
    let root = common::repo_root();
    let answer = common::bridge::run_bridge(
        root.join("interop/python/.venv/bin/python").to_str().unwrap(),
        &root.join("interop/python/openmetrics_peer.py"),
        &json!({ "text": text }),
        "scripts/test runs interop/python/setup.sh",
    );
    assert_eq!(answer["ok"], true, "prometheus_client refused it: {answer}\n{text}");
    answer["families"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, family)| (name.clone(), family.clone()))
        .collect()
}

/// `GET <base>/metrics`: its content type and text.
async fn metrics(base: &str) -> (String, String) {
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    (content_type, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (prometheus_client in interop/python/.venv): ./scripts/test runs it"]
async fn prometheus_client_parses_every_services_metrics() {
    let dir = common::scratch("metrics-interop");
    let issuer = common::issuer::start_key_issuer(&dir).await;
    let door = common::issuer::start_example_door(did_core::resolve::CompositeResolver::with_default_methods()).await;
    let registries = Registries::start(&dir).await;
    // The door counts a client that holds too many open requests a wallet engaged with: open
    // and engage them (fetch each request object) until it says 429, so that its /metrics
    // carries a security counter with a label.
    let http = reqwest::Client::new();
    let mut refused = false;
    for _ in 0..1_000 {
        let response = http.post(format!("{}/api/requests", door.url())).send().await.unwrap();
        if response.status().as_u16() == 429 {
            refused = true;
            break;
        }
        let created: Value = response.json().await.unwrap();
        let id = created["id"].as_str().unwrap();
        let object = http
            .get(format!("{}/oid4vp/requests/{id}", door.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(object.status().as_u16(), 200);
    }
    assert!(refused, "the door never refused a client's requests");
    // The node exposes its security counters once an event happened: on a quiet start it serves
    // an empty exposition, which must parse too (it ends with `# EOF`).
    for (service, base, family) in [
        ("issuer", issuer.url(), Some("dojang_issuer_credentials_issued")),
        ("door", door.url(), None),
        ("registry node", registries.node.url.clone(), None),
    ] {
        let (content_type, text) = metrics(&base).await;
        assert!(
            content_type.starts_with("application/openmetrics-text; version=1.0.0"),
            "{service}: {content_type}"
        );
        assert!(text.ends_with("# EOF\n"), "{service}: {text}");
        let families = tokio::task::spawn_blocking(move || parse(&text)).await.unwrap();
        for (name, found) in &families {
            assert!(name.starts_with("dojang_"), "{service}: {name}");
            assert!(
                ["counter", "gauge"].contains(&found["type"].as_str().unwrap()),
                "{service}: {found}"
            );
        }
        if service == "door" {
            let rate_limited = families
                .values()
                .flat_map(|f| f["samples"].as_array().unwrap().iter())
                .any(|sample| {
                    sample["labels"]["event"] == "rate_limited" && sample["value"].as_f64().unwrap_or(0.0) >= 1.0
                });
            assert!(rate_limited, "door: no rate_limited event counted in {families:?}");
        }
        if let Some(family) = family {
            let found = families
                .get(family)
                .unwrap_or_else(|| panic!("{service}: no {family} in {:?}", families.keys()));
            assert_eq!(found["type"], "counter", "{service}: {found}");
        }
    }
    issuer.stop().await.unwrap();
    door.stop().await.unwrap();
    registries.node.stop().await;
    registries.mirror.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
