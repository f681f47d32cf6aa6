//! The door service's HTTP API on 127.0.0.1: requests, presentations and their decisions,
//! the QR code, the decision log, the security headers, the body limit and the absence of CORS.

use crate::support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use did_core::clock::{Clock, FixedClock};
use did_core::resolve::CompositeResolver;
use did_core::status::MemoryStatusListSource;
use serde_json::Value;
use support::*;
use verifier::decision::Engine;
use verifier::decision_log::DecisionLog;
use verifier::service::{self, Running, ServiceConfig};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dojang-service-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running door with its log.
struct Door {
    running: Running,
    http: reqwest::Client,
    log: PathBuf,
    _dir: TempDir,
}

/// A response read whole: status, headers, body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Every response the door sends carries these.
fn assert_secure(answer: &Answer) {
    let header = |name: &str| {
        answer
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing on a {} response", answer.status))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("cache-control"), "no-store");
    let csp = header("content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        answer.headers.get("access-control-allow-origin").is_none(),
        "the door must not allow other origins"
    );
}

impl Door {
    async fn start(world: &World, engine: Engine) -> Door {
        Door::start_with_log(world, engine, |_| ()).await
    }

    /// A door whose log file `decisions.jsonl` is first prepared by `prepare(path)`.
    async fn start_with_log(world: &World, engine: Engine, prepare: impl FnOnce(&std::path::Path)) -> Door {
        let dir = TempDir::new();
        let log = dir.0.join("decisions.jsonl");
        prepare(&log);
        let config = ServiceConfig {
            policy: world.policy(),
            engine,
            log: Some(DecisionLog::open(&log).unwrap()),
            clock: Arc::new(FixedClock::new(world.now())) as Arc<dyn Clock>,
            public_url: None,
            vc_api_token: None,
            request_signer: None,
        };
        let running = service::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        Door {
            running,
            http: reqwest::Client::new(),
            log,
            _dir: dir,
        }
    }

    async fn read(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let answer = Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        };
        assert_secure(&answer);
        answer
    }

    async fn get(&self, path: &str) -> Answer {
        self.read(self.http.get(format!("{}{path}", self.running.url()))).await
    }

    async fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> Answer {
        self.read(self.http.post(format!("{}{path}", self.running.url())).body(body))
            .await
    }

    /// A new request: its id and nonce.
    async fn request(&self) -> (String, String) {
        let created = self.post("/api/requests", "").await;
        assert_eq!(created.status, 201, "{}", created.body);
        let json = created.json();
        (
            json["id"].as_str().unwrap().to_owned(),
            json["nonce"].as_str().unwrap().to_owned(),
        )
    }

    async fn present(&self, id: &str, presentation: &str) -> Answer {
        self.post(&format!("/api/requests/{id}/presentation"), presentation.to_owned())
            .await
    }

    async fn state(&self, id: &str) -> Value {
        let answer = self.get(&format!("/api/requests/{id}")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    }

    fn log_lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

fn codes(decision: &Value) -> Vec<&str> {
    decision["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_request_is_answered_once_and_logged_without_claims() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;

    let created = door.post("/api/requests", "").await;
    assert_eq!(created.status, 201, "{}", created.body);
    let request = created.json();
    for field in ["id", "nonce", "challenge", "qr", "expires_at"] {
        assert!(
            request[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field} missing: {request}"
        );
    }
    let id = request["id"].as_str().unwrap();
    let nonce = request["nonce"].as_str().unwrap();
    let challenge = verifier::qr::DoorChallenge::parse(request["challenge"].as_str().unwrap()).unwrap();
    assert_eq!((challenge.nonce.as_str(), challenge.audience.as_str()), (nonce, AUD));
    assert_eq!(request["qr"], format!("/api/requests/{id}/qr.svg"));
    assert_eq!(door.state(id).await["state"], "pending");

    // Disclose everything, so a leak into the log would show.
    let presentation = world.present_with(
        &world.issue(&world.claims()),
        nonce,
        AUD,
        &["/department", "/name", "/birthdate"],
        &world.holder,
    );
    let answer = door.present(id, &presentation).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let decision = answer.json();
    assert_eq!(decision["allow"], true, "{decision}");
    assert_eq!(codes(&decision), ["ALLOWED"]);
    assert_eq!(decision["reasons"][0]["ko"], "허용");
    assert_eq!(decision["reasons"][0]["en"], "Allowed");
    assert!(!answer.body.contains("Kim Minji"), "{}", answer.body);

    let state = door.state(id).await;
    assert_eq!(state["state"], "decided");
    assert_eq!(state["decision"]["allow"], true);

    let again = door.present(id, &presentation).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("\"NONCE_REPLAYED\""), "{}", again.body);

    let lines = door.log_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["allow"], true);
    assert_eq!(line["reasons"], serde_json::json!(["ALLOWED"]));
    assert_eq!(line["door"], "east");
    let holder = line["holder"].as_str().unwrap();
    assert_eq!(holder.len(), 32, "{holder}");
    assert!(holder.bytes().all(|b| b.is_ascii_hexdigit()));
    let text = std::fs::read_to_string(&door.log).unwrap();
    for secret in [
        "Kim Minji",
        "1990-04-01",
        "\"IT\"",
        "department",
        &world.holder.verifying_key().thumbprint(),
    ] {
        assert!(!text.contains(secret), "{secret} in the log: {text}");
    }
    door.stop().await;
}

#[tokio::test]
async fn unknown_requests_are_404() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    assert_eq!(door.get("/api/requests/nope").await.status, 404);
    assert_eq!(door.get("/api/requests/nope/qr.svg").await.status, 404);
    let answer = door.present("nope", "x~y~").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.headers.get("content-type").unwrap(), "application/problem+json");
    assert!(door.log_lines().is_empty());
    door.stop().await;
}

#[tokio::test]
async fn a_presentation_for_another_live_request_is_a_nonce_mismatch() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    let (first, _) = door.request().await;
    let (second, second_nonce) = door.request().await;
    let presentation = world.present(&world.issue(&world.claims()), &second_nonce);

    let answer = door.present(&first, &presentation).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let decision = answer.json();
    assert_eq!(decision["allow"], false);
    assert_eq!(codes(&decision), ["NONCE_MISMATCH"]);
    // An answer for another request proves nothing about this one's holder: refused, and
    // the request stays open.
    let state = door.state(&first).await;
    assert_eq!(state["state"], "refused", "{state}");
    assert_eq!(state["refusals"], 1);
    assert_eq!(state["decision"]["reasons"][0]["code"], "NONCE_MISMATCH");

    // The request it was made for still takes it.
    assert_eq!(door.state(&second).await["state"], "pending");
    let answer = door.present(&second, &presentation).await;
    assert_eq!(answer.json()["allow"], true, "{}", answer.body);
    assert_eq!(door.log_lines().len(), 2);
    door.stop().await;
}

#[tokio::test]
async fn a_revoked_credential_is_denied() {
    let mut world = World::new();
    world.set_status(1);
    let door = Door::start(&world, world.engine()).await;
    let (id, nonce) = door.request().await;
    let answer = door
        .present(&id, &world.present(&world.issue(&world.claims()), &nonce))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let decision = answer.json();
    assert_eq!(decision["allow"], false);
    assert_eq!(codes(&decision), ["REVOKED"]);
    assert_eq!(decision["reasons"][0]["ko"], "폐기된 자격증명입니다");
    let state = door.state(&id).await;
    assert_eq!(state["state"], "decided");
    assert_eq!(state["decision"]["allow"], false);
    let lines = door.log_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["allow"], false);
    assert_eq!(lines[0]["reasons"], serde_json::json!(["REVOKED"]));
    door.stop().await;
}

#[tokio::test]
async fn an_unreachable_status_list_is_503_and_the_request_stays_open() {
    let world = World::new();
    let engine = Engine::online(
        Arc::new(CompositeResolver::with_default_methods()),
        Arc::new(MemoryStatusListSource::new()),
    );
    let door = Door::start(&world, engine).await;
    let (id, nonce) = door.request().await;
    let answer = door
        .present(&id, &world.present(&world.issue(&world.claims()), &nonce))
        .await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.headers.get("content-type").unwrap(), "application/problem+json");
    let state = door.state(&id).await;
    assert_eq!(state["state"], "unavailable", "{state}");
    assert!(state["message"].as_str().is_some_and(|m| !m.is_empty()), "{state}");
    assert!(door.log_lines().is_empty(), "no decision, nothing logged");
    door.stop().await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_decision_the_log_cannot_take_is_never_shown() {
    // The log is /dev/full: every append fails with ENOSPC, as on a full disk.
    let world = World::new();
    let door = Door::start_with_log(&world, world.engine(), |log| {
        std::os::unix::fs::symlink("/dev/full", log).unwrap();
    })
    .await;
    let (id, nonce) = door.request().await;
    let answer = door
        .present(&id, &world.present(&world.issue(&world.claims()), &nonce))
        .await;
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(answer.body.contains("could not be logged"), "{}", answer.body);
    assert!(
        !answer.body.contains("\"allow\""),
        "no decision in the answer: {}",
        answer.body
    );
    let state = door.state(&id).await;
    assert_ne!(state["state"], "decided", "{state}");
    assert!(state.get("decision").is_none_or(Value::is_null), "{state}");
    door.stop().await;
}

#[tokio::test]
async fn the_qr_code_is_an_svg() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    let (id, _) = door.request().await;
    let answer = door.get(&format!("/api/requests/{id}/qr.svg")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers.get("content-type").unwrap(), "image/svg+xml");
    assert!(answer.body.contains("<svg") && answer.body.trim_end().ends_with("</svg>"));
    door.stop().await;
}

#[tokio::test]
async fn the_kiosk_page_and_its_files_are_served_with_the_headers() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    for (path, kind, needle) in [
        ("/", "text/html", "id=\"kiosk\""),
        ("/kiosk.js", "text/javascript", "newRequest"),
        ("/kiosk.css", "text/css", "data-state"),
        ("/healthz", "text/plain", "ok"),
    ] {
        let answer = door.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        let content_type = answer.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert!(answer.body.contains(needle), "{path}");
    }
    // The page has no inline script or style for the policy to refuse.
    let page = door.get("/").await.body;
    assert!(!page.contains("<script>") && !page.contains("<style") && !page.contains("style="));
    door.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    let (id, _) = door.request().await;
    let answer = door
        .present(&id, &"a".repeat(verifier::verify::MAX_INPUT_LEN + 1))
        .await;
    assert_eq!(answer.status, 413);
    assert_eq!(door.state(&id).await["state"], "pending");
    door.stop().await;
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    let url = door.running.url();
    let origin = "https://evil.example";
    let created = door
        .read(door.http.post(format!("{url}/api/requests")).header("origin", origin))
        .await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let state = door
        .read(
            door.http
                .get(format!("{url}/api/requests/{id}"))
                .header("origin", origin),
        )
        .await;
    assert_eq!(state.status, 200);
    // A preflight is not answered with permission either.
    let preflight = door
        .read(
            door.http
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{url}/api/requests/{id}/presentation"),
                )
                .header("origin", origin)
                .header("access-control-request-method", "POST"),
        )
        .await;
    assert!(preflight.headers.get("access-control-allow-methods").is_none());
    door.stop().await;
}

/// `verifier/openapi.json` lists exactly the routes the router serves (the axum wildcard
/// `{*did}` is OpenAPI's `{did}`), and the door serves the document.
#[tokio::test]
async fn openapi_lists_every_route_and_is_served() {
    let document: Value = serde_json::from_str(verifier::service::OPENAPI).unwrap();
    let listed: std::collections::BTreeSet<String> = document["paths"].as_object().unwrap().keys().cloned().collect();
    let source =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service/mod.rs")).unwrap();
    let mut served = std::collections::BTreeSet::new();
    for part in source.split(".route(").skip(1) {
        if let Some(rest) = part.trim_start().strip_prefix('"') {
            served.insert(rest.split('"').next().unwrap().replace("{*", "{"));
        }
    }
    assert_eq!(listed, served, "verifier/openapi.json and the router disagree");
    assert_eq!(document["openapi"], "3.1.0");

    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    let answer = door.get("/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.json(), document);
    door.stop().await;
}

/// Finding: anonymous `POST /api/requests` in a loop pushed the kiosk's live request out of
/// the store, and the holder's answer then got 404. Over HTTP, from another address
/// (127.0.0.2: every 127/8 address is loopback), a flood of requests now displaces only the
/// flooder's own: the kiosk's request and its nonce stay, and the holder's answer opens the
/// door. A client whose open requests are all engaged by wallets gets 429 with Retry-After.
#[tokio::test]
async fn a_flood_of_new_requests_from_another_client_cannot_push_out_the_kiosks() {
    use verifier::service::requests::MAX_OPEN_PER_CLIENT;
    let world = World::new();
    let door = Door::start(&world, world.engine()).await;
    let (kiosk, nonce) = door.request().await;
    let flooder = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let url = format!("{}/api/requests", door.running.url());
    let mut ids = Vec::new();
    for _ in 0..(3 * MAX_OPEN_PER_CLIENT) {
        let response = flooder.post(&url).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    // The flooder's first requests made room for its later ones; the kiosk's is still there.
    assert_eq!(door.get(&format!("/api/requests/{}", ids[0])).await.status, 404);
    assert_eq!(door.state(&kiosk).await["state"], "pending");
    let answer = door
        .present(&kiosk, &world.present(&world.issue(&world.claims()), &nonce))
        .await;
    assert_eq!(answer.json()["allow"], true, "{}", answer.body);

    // Requests a wallet has opened are never displaced: with all of its open requests engaged,
    // the flooder gets 429.
    for id in &ids[ids.len() - MAX_OPEN_PER_CLIENT..] {
        assert_eq!(door.get(&format!("/oid4vp/requests/{id}")).await.status, 200);
    }
    let response = flooder.post(&url).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    // Counted for the operator's monitoring.
    let metrics = door.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    // OpenMetrics text, named as such: read as Prometheus 0.0.4 text, the counter family
    // and its `_total` samples come apart.
    assert_eq!(
        metrics.headers["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(metrics.body.ends_with("# EOF\n"), "{}", metrics.body);
    assert!(
        metrics
            .body
            .lines()
            .any(|l| l == "dojang_door_security_events_total{event=\"rate_limited\"} 1"),
        "{}",
        metrics.body
    );
    door.stop().await;
}
