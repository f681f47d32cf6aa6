//! Access control, table-driven: every HTTP route of every service in the workspace (the
//! issuer with its in-process registry, a registry node and its mirror, the door/kiosk
//! verifier) called by an anonymous caller, a malformed `Authorization` header, a forged
//! token, a revoked token and an under-scoped token, then by a token with exactly the scope
//! the route needs. Protected routes must answer 401 to the first four and 403 to the fifth;
//! public routes must answer the same status to every caller (a token changes nothing).
//!
//! The table is checked against the source: every `.route(...)` call (path and methods) in
//! every workspace crate, the issuer's `.nest("/registry", ...)`, and the issuer's
//! `openapi.json` (with each operation's scope). A route added without a row here fails.
//!
//! Every answer is also checked for the security headers (nosniff, no framing, no referrer,
//! a Content-Security-Policy) and for CORS: a request from another origin, and a preflight,
//! never get the origin reflected or credentials allowed.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use common::registry::Registries;
use did_core::clock::SystemClock;
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
use serde_json::{Value, json};
use vc_issuer::config::{Config, DidMethod};
use verifier::decision::Engine;
use verifier::policy::Policy;
use verifier::service::ServiceConfig;

const EVIL_ORIGIN: &str = "https://evil.example";

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone; every caller gets this status.
    Public(u16),
    /// A bearer token with all these scopes (`admin` grants every scope).
    Scope(&'static [&'static str]),
}

/// One row: a route as the router names it, a concrete request for it, who may call it.
struct Case {
    service: &'static str,
    method: &'static str,
    route: &'static str,
    url: String,
    body: Option<(&'static str, String)>,
    access: Access,
}

/// The callers every route is tried with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// `Authorization: Basic ...`.
    Malformed,
    /// A well-formed token the service never made.
    Forged,
    /// A token the service made, then revoked.
    Revoked,
    /// Every scope but one of the route's (and not `admin`); once for each scope it needs.
    UnderScoped,
    /// Exactly the route's scopes (not `admin`): the positive control.
    Scoped,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Malformed,
    Caller::Forged,
    Caller::Revoked,
    Caller::UnderScoped,
    Caller::Scoped,
];

const SCOPES: [&str; 4] = ["issue", "revoke", "read", "admin"];

/// The issuer's tokens: one per set of scopes, and a revoked one.
struct Tokens {
    by_scopes: BTreeMap<Vec<&'static str>, String>,
    revoked: String,
}

impl Tokens {
    fn exactly(&self, scopes: &[&str]) -> &str {
        let scopes: Vec<&str> = SCOPES.into_iter().filter(|s| scopes.contains(s)).collect();
        &self.by_scopes[&scopes]
    }

    fn all_but(&self, scope: &str) -> &str {
        let scopes: Vec<&str> = SCOPES.into_iter().filter(|s| *s != scope && *s != "admin").collect();
        &self.by_scopes[&scopes]
    }
}

/// An answer: status, headers, body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn send(
    http: &reqwest::Client,
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Option<&(&str, String)>,
) -> Answer {
    let mut request = http.request(method.parse().unwrap(), url).header("origin", EVIL_ORIGIN);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    if let Some((content_type, body)) = body {
        request = request.header("content-type", *content_type).body(body.clone());
    }
    let response = request.send().await.unwrap();
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap_or_default(),
    }
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Security headers every answer of every service carries, and no CORS grant to another
/// origin (public documents may say `*`, never reflect the origin, never allow credentials;
/// protected routes say nothing).
fn check_headers(case: &Case, what: &str, answer: &Answer) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{} {} {} ({what}): {m}", case.service, case.method, case.url));
    if header(answer, "x-content-type-options") != Some("nosniff") {
        fail("no X-Content-Type-Options: nosniff".into());
    }
    let csp = header(answer, "content-security-policy").unwrap_or_default();
    if csp.is_empty() {
        fail("no Content-Security-Policy".into());
    }
    if header(answer, "x-frame-options") != Some("DENY") && !csp.contains("frame-ancestors 'none'") {
        fail("framing allowed (no X-Frame-Options: DENY, no frame-ancestors 'none')".into());
    }
    if csp.contains("unsafe-inline") || csp.contains("unsafe-eval") {
        fail(format!("CSP allows inline or eval'd script: {csp}"));
    }
    if header(answer, "referrer-policy").is_none() {
        fail("no Referrer-Policy".into());
    }
    let origin = header(answer, "access-control-allow-origin");
    if origin == Some(EVIL_ORIGIN)
        || header(answer, "access-control-allow-credentials").is_some()
        || (matches!(case.access, Access::Scope(_)) && origin.is_some())
    {
        fail(format!("CORS grants {EVIL_ORIGIN}: allow-origin {origin:?}"));
    }
    if matches!(case.access, Access::Scope(_))
        && header(answer, "cache-control").is_none_or(|v| !v.contains("no-store") && !v.contains("private"))
    {
        fail(format!(
            "an authenticated answer may be cached: {:?}",
            header(answer, "cache-control")
        ));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_every_service_against_every_caller() {
    let dir = common::scratch("access-control");
    let http = reqwest::Client::new();

    // The issuer, its DID on its in-process registry (mounted at /registry).
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.join("issuer"),
        ..Default::default()
    };
    config.did.method = DidMethod::Dojang;
    let issuer = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
    let iss = issuer.url();
    let admin = issuer.admin_token.as_ref().unwrap().to_string();
    let did = issuer.state.issuer.did.clone();
    let admin_call = async |method: &str, path: &str, body: Value| -> Value {
        let answer = send(
            &http,
            method,
            &format!("{iss}{path}"),
            Some(&format!("Bearer {admin}")),
            Some(&("application/json", body.to_string())),
        )
        .await;
        assert!(
            answer.status < 300,
            "{method} {path}: {} {}",
            answer.status,
            answer.body
        );
        serde_json::from_str(&answer.body).unwrap_or(Value::Null)
    };

    // Tokens: each single scope, each "all but one" set, and a revoked one.
    let mut by_scopes = BTreeMap::new();
    let mut sets: Vec<Vec<&'static str>> = SCOPES.iter().map(|s| vec![*s]).collect();
    sets.push(vec!["issue", "revoke"]);
    sets.extend(
        SCOPES
            .iter()
            .map(|s| SCOPES.into_iter().filter(|o| o != s && *o != "admin").collect()),
    );
    for scopes in sets {
        let made = admin_call(
            "POST",
            "/admin/tokens",
            json!({"label": "access-control", "scopes": scopes}),
        )
        .await;
        by_scopes.insert(scopes, made["token"].as_str().unwrap().to_owned());
    }
    let revoked = admin_call("POST", "/admin/tokens", json!({"label": "revoked", "scopes": SCOPES})).await;
    admin_call(
        "DELETE",
        &format!("/admin/tokens/{}", revoked["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    let spare = admin_call("POST", "/admin/tokens", json!({"label": "spare", "scopes": ["read"]})).await;
    let tokens = Tokens {
        by_scopes,
        revoked: revoked["token"].as_str().unwrap().to_owned(),
    };

    // Something to read and change: a credential, an offer, a status list.
    let employee = json!({
        "employee_number": "E-00042", "name_ko": "김민준", "name_latin": "Kim Minjun",
        "organization": "Gyeonggi Province", "department": "Digital Policy",
        "position": "Engineer", "access_groups": ["hq-main"],
    });
    let issued = admin_call(
        "POST",
        "/admin/credentials",
        json!({"type": "EmployeeIdCredential", "claims": employee, "format": "vc+jwt"}),
    )
    .await;
    let credential = issued["id"].as_str().unwrap().to_owned();
    let status_list = issued["record"]["status_list"].as_i64().unwrap();
    let offer = admin_call(
        "POST",
        "/admin/offers",
        json!({"type": "EmployeeIdCredential", "claims": employee}),
    )
    .await;
    let offer_id = offer["offer_id"].as_str().unwrap().to_owned();
    let handle_url = offer["credential_offer_uri"].as_str().unwrap().to_owned();
    let handle = handle_url.rsplit('/').next().unwrap().to_owned();

    // A registry node and a mirror following it.
    let registries = Registries::start(&dir).await;

    // The door.
    let policy = Policy::from_toml(&format!(
        r#"
door = "access-control"
audience = "https://door.example/ac"

[[accept]]
type = "{iss}/vct/EmployeeIdCredential"
issuers = ["{did}"]
"#
    ))
    .unwrap();
    let engine = Engine::online(
        Arc::new(CompositeResolver::with_default_methods()),
        Arc::new(HttpStatusListSource::danger_plain_http_for_testing().unwrap()),
    );
    let door = verifier::service::start(
        ServiceConfig {
            policy,
            engine,
            log: None,
            clock: Arc::new(SystemClock),
            public_url: None,
            vc_api_token: None,
            request_signer: None,
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let vrf = door.url();
    let request = send(&http, "POST", &format!("{vrf}/api/requests"), None, None).await;
    assert_eq!(request.status, 201, "{}", request.body);
    let request: Value = serde_json::from_str(&request.body).unwrap();
    let request_id = request["id"].as_str().unwrap().to_owned();

    let json_body = |v: Value| Some(("application/json", v.to_string()));
    let text_body = |s: &str| Some(("text/plain", s.to_owned()));
    let mut cases = Vec::new();
    let mut case = |service, method, route, url: String, body, access| {
        cases.push(Case {
            service,
            method,
            route,
            url,
            body,
            access,
        })
    };
    use Access::{Public, Scope};

    // The issuer.
    let i = "issuer";
    let cred = |tail: &str| format!("{iss}/admin/credentials/{credential}{tail}");
    let employee_body = json!({"type": "EmployeeIdCredential", "claims": employee, "format": "vc+jwt"});
    case(
        i,
        "POST",
        "/admin/credentials",
        format!("{iss}/admin/credentials"),
        json_body(employee_body.clone()),
        Scope(&["issue"]),
    );
    case(
        i,
        "GET",
        "/admin/credentials",
        format!("{iss}/admin/credentials"),
        None,
        Scope(&["read"]),
    );
    case(i, "GET", "/admin/credentials/{id}", cred(""), None, Scope(&["read"]));
    case(
        i,
        "GET",
        "/admin/credentials/{id}/card.svg",
        cred("/card.svg"),
        None,
        Scope(&["read"]),
    );
    case(
        i,
        "POST",
        "/admin/credentials/{id}/suspend",
        cred("/suspend"),
        json_body(json!({})),
        Scope(&["revoke"]),
    );
    case(
        i,
        "POST",
        "/admin/credentials/{id}/unsuspend",
        cred("/unsuspend"),
        json_body(json!({})),
        Scope(&["revoke"]),
    );
    case(
        i,
        "POST",
        "/admin/credentials/{id}/reissue",
        cred("/reissue"),
        json_body(json!({})),
        Scope(&["issue", "revoke"]),
    );
    case(
        i,
        "POST",
        "/admin/credentials/{id}/revoke",
        cred("/revoke"),
        json_body(json!({})),
        Scope(&["revoke"]),
    );
    case(
        i,
        "GET",
        "/admin/audit",
        format!("{iss}/admin/audit"),
        None,
        Scope(&["read"]),
    );
    case(
        i,
        "POST",
        "/admin/tokens",
        format!("{iss}/admin/tokens"),
        json_body(json!({"label": "x", "scopes": ["read"]})),
        Scope(&["admin"]),
    );
    case(
        i,
        "GET",
        "/admin/tokens",
        format!("{iss}/admin/tokens"),
        None,
        Scope(&["admin"]),
    );
    case(
        i,
        "DELETE",
        "/admin/tokens/{id}",
        format!("{iss}/admin/tokens/{}", spare["id"].as_str().unwrap()),
        None,
        Scope(&["admin"]),
    );
    case(
        i,
        "GET",
        "/admin/keys",
        format!("{iss}/admin/keys"),
        None,
        Scope(&["admin"]),
    );
    case(
        i,
        "POST",
        "/admin/keys/rotate",
        format!("{iss}/admin/keys/rotate"),
        None,
        Scope(&["admin"]),
    );
    case(
        i,
        "POST",
        "/admin/keys/{id}/retire",
        format!("{iss}/admin/keys/key-1/retire"),
        None,
        Scope(&["admin"]),
    );
    case(
        i,
        "POST",
        "/admin/keys/{id}/revoke-credentials",
        format!("{iss}/admin/keys/key-9/revoke-credentials"),
        None,
        Scope(&["admin"]),
    );
    case(
        i,
        "POST",
        "/admin/offers",
        format!("{iss}/admin/offers"),
        json_body(json!({"type": "EmployeeIdCredential", "claims": employee})),
        Scope(&["issue"]),
    );
    case(
        i,
        "GET",
        "/admin/offers/{id}",
        format!("{iss}/admin/offers/{offer_id}"),
        None,
        Scope(&["read"]),
    );
    case(
        i,
        "POST",
        "/admin/offers/{id}/approve",
        format!("{iss}/admin/offers/{offer_id}/approve"),
        json_body(json!({})),
        Scope(&["issue"]),
    );
    let vc_api_credential = json!({"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:subject"},
    }});
    case(
        i,
        "POST",
        "/credentials/issue",
        format!("{iss}/credentials/issue"),
        json_body(vc_api_credential),
        Scope(&["issue"]),
    );
    case(
        i,
        "POST",
        "/credentials/status",
        format!("{iss}/credentials/status"),
        json_body(
            json!({"credentialId": credential, "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]}),
        ),
        Scope(&["revoke"]),
    );
    case(
        i,
        "GET",
        "/status/{list}/{kind}",
        format!("{iss}/status/{status_list}/revocation"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/.well-known/did.json",
        format!("{iss}/.well-known/did.json"),
        None,
        Public(404),
    );
    case(
        i,
        "GET",
        "/schemas/{name}",
        format!("{iss}/schemas/EmployeeIdCredential"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/vct/{name}",
        format!("{iss}/vct/EmployeeIdCredential"),
        None,
        Public(200),
    );
    case(i, "GET", "/health", format!("{iss}/health"), None, Public(200));
    case(i, "GET", "/metrics", format!("{iss}/metrics"), None, Public(200));
    case(
        i,
        "GET",
        "/openapi.json",
        format!("{iss}/openapi.json"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/.well-known/openid-credential-issuer",
        format!("{iss}/.well-known/openid-credential-issuer"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/.well-known/oauth-authorization-server",
        format!("{iss}/.well-known/oauth-authorization-server"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/offers/{handle}",
        format!("{iss}/offers/{handle}"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/offers/{handle}/qr.svg",
        format!("{iss}/offers/{handle}/qr.svg"),
        None,
        Public(200),
    );
    case(
        i,
        "GET",
        "/offers/{handle}/qr.png",
        format!("{iss}/offers/{handle}/qr.png"),
        None,
        Public(200),
    );
    let form = |s: &str| Some(("application/x-www-form-urlencoded", s.to_owned()));
    case(
        i,
        "POST",
        "/token",
        format!("{iss}/token"),
        form(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=forged&tx_code=000000",
        ),
        Public(400),
    );
    case(i, "POST", "/nonce", format!("{iss}/nonce"), None, Public(200));
    case(
        i,
        "POST",
        "/credential",
        format!("{iss}/credential"),
        json_body(json!({"credential_configuration_id": "EmployeeIdCredential"})),
        Public(401),
    );
    case(
        i,
        "POST",
        "/deferred_credential",
        format!("{iss}/deferred_credential"),
        json_body(json!({"transaction_id": "x"})),
        Public(401),
    );
    // The in-process registry under /registry, and a registry node and its mirror.
    for (service, base, read_only) in [
        ("issuer", format!("{iss}/registry"), false),
        ("registry node", registries.node.url.clone(), false),
        ("registry mirror", registries.mirror.url.clone(), true),
    ] {
        let prefix = if service == "issuer" { "/registry" } else { "" };
        let route = |r: &'static str| -> &'static str {
            if prefix.is_empty() {
                r
            } else {
                Box::leak(format!("{prefix}{r}").into_boxed_str())
            }
        };
        // The issuer's embedded registry takes operations only from the issuer, in-process.
        let write = match (service, read_only) {
            ("issuer", _) => 403,
            (_, true) => 405,
            _ => 400,
        };
        let known = if service == "issuer" { 200 } else { 404 };
        case(
            service,
            "POST",
            route("/operations"),
            format!("{base}/operations"),
            text_body("not.an.operation"),
            Public(write),
        );
        case(
            service,
            "GET",
            route("/dids/{did}"),
            format!("{base}/dids/{did}"),
            None,
            Public(known),
        );
        case(
            service,
            "GET",
            route("/tree-head"),
            format!("{base}/tree-head"),
            None,
            Public(200),
        );
        case(
            service,
            "GET",
            route("/metrics"),
            format!("{base}/metrics"),
            None,
            Public(200),
        );
        case(
            service,
            "POST",
            route("/cosignatures"),
            format!("{base}/cosignatures"),
            text_body("not.a.cosignature"),
            Public(if read_only { 405 } else { 409 }),
        );
        case(
            service,
            "GET",
            route("/consistency"),
            format!("{base}/consistency?from=0&to=0"),
            None,
            Public(200),
        );
        case(
            service,
            "GET",
            route("/entries"),
            format!("{base}/entries?start=0&end=1"),
            None,
            Public(200),
        );
    }
    // The door.
    let v = "verifier";
    case(v, "GET", "/", format!("{vrf}/"), None, Public(200));
    case(v, "GET", "/kiosk.js", format!("{vrf}/kiosk.js"), None, Public(200));
    case(v, "GET", "/kiosk.css", format!("{vrf}/kiosk.css"), None, Public(200));
    case(v, "GET", "/healthz", format!("{vrf}/healthz"), None, Public(200));
    case(v, "GET", "/metrics", format!("{vrf}/metrics"), None, Public(200));
    case(
        v,
        "POST",
        "/api/requests",
        format!("{vrf}/api/requests"),
        None,
        Public(201),
    );
    case(
        v,
        "GET",
        "/api/requests/{id}",
        format!("{vrf}/api/requests/{request_id}"),
        None,
        Public(200),
    );
    case(
        v,
        "POST",
        "/api/requests/{id}/presentation",
        format!("{vrf}/api/requests/unknown/presentation"),
        text_body("not.a.presentation"),
        Public(404),
    );
    case(
        v,
        "GET",
        "/api/requests/{id}/qr.svg",
        format!("{vrf}/api/requests/{request_id}/qr.svg"),
        None,
        Public(200),
    );
    case(
        v,
        "GET",
        "/oid4vp/requests/{id}",
        format!("{vrf}/oid4vp/requests/{request_id}"),
        None,
        Public(200),
    );
    case(
        v,
        "POST",
        "/oid4vp/response",
        format!("{vrf}/oid4vp/response"),
        form("response=x&state=unknown"),
        Public(400),
    );
    case(
        v,
        "GET",
        "/openapi.json",
        format!("{vrf}/openapi.json"),
        None,
        Public(200),
    );
    case(
        v,
        "GET",
        "/1.0/identifiers/",
        format!("{vrf}/1.0/identifiers/"),
        None,
        Public(400),
    );
    case(
        v,
        "GET",
        "/1.0/identifiers/{*did}",
        format!("{vrf}/1.0/identifiers/did%3Akey%3Az6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        None,
        Public(200),
    );
    // The VC-API routes are open on a door without --vc-api-token-file (tests/vc_api.rs covers
    // the token): a body that is no request is refused the same for every caller.
    for route in ["/credentials/verify", "/presentations/verify"] {
        case(
            v,
            "POST",
            route,
            format!("{vrf}{route}"),
            json_body(json!({})),
            Public(400),
        );
    }

    // The table is complete.
    check_table_is_the_source(&cases);

    // Every route, every caller.
    let mut problems = Vec::new();
    let mut calls = 0;
    for case in &cases {
        let mut public_answers = BTreeSet::new();
        let mut callers = Vec::new();
        for caller in CALLERS {
            let bearer = |token: &str| Some(format!("Bearer {token}"));
            match (caller, case.access) {
                (Caller::Anonymous, _) => callers.push((caller, None)),
                (Caller::Malformed, _) => callers.push((caller, Some("Basic YWRtaW46YWRtaW4=".to_owned()))),
                (Caller::Forged, _) => {
                    callers.push((caller, bearer("dojang_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")))
                }
                (Caller::Revoked, _) => callers.push((caller, bearer(&tokens.revoked))),
                (Caller::UnderScoped, Scope(scopes)) => {
                    callers.extend(scopes.iter().map(|scope| (caller, bearer(tokens.all_but(scope)))))
                }
                (Caller::Scoped, Scope(scopes)) => callers.push((caller, bearer(tokens.exactly(scopes)))),
                // Public routes: a token with every scope changes nothing.
                (Caller::UnderScoped | Caller::Scoped, Public(_)) => callers.push((caller, bearer(&admin))),
            }
        }
        for (caller, authorization) in callers {
            let answer = send(
                &http,
                case.method,
                &case.url,
                authorization.as_deref(),
                case.body.as_ref(),
            )
            .await;
            calls += 1;
            let what = format!("{caller:?}");
            problems.extend(check_headers(case, &what, &answer));
            let fail = |expected: &str| {
                format!(
                    "{} {} {} as {caller:?}: {} (expected {expected}): {}",
                    case.service,
                    case.method,
                    case.url,
                    answer.status,
                    answer.body.chars().take(300).collect::<String>()
                )
            };
            match (case.access, caller) {
                (Public(expected), _) => {
                    public_answers.insert(answer.status);
                    if answer.status != expected {
                        problems.push(fail(&expected.to_string()));
                    }
                }
                (Scope(_), Caller::UnderScoped) if answer.status != 403 => problems.push(fail("403")),
                (Scope(_), Caller::Scoped) if matches!(answer.status, 401 | 403) || answer.status >= 500 => {
                    problems.push(fail("the route's answer"))
                }
                (Scope(_), Caller::Anonymous | Caller::Malformed | Caller::Forged | Caller::Revoked)
                    if answer.status != 401 =>
                {
                    problems.push(fail("401"))
                }
                _ => {}
            }
            if matches!(case.access, Scope(_)) && answer.status == 401 && header(&answer, "www-authenticate").is_none()
            {
                problems.push(fail("a WWW-Authenticate header with the 401"));
            }
        }
        // A preflight from another origin is never granted.
        let preflight = http
            .request(reqwest::Method::OPTIONS, &case.url)
            .header("origin", EVIL_ORIGIN)
            .header("access-control-request-method", case.method)
            .header("access-control-request-headers", "authorization, content-type")
            .send()
            .await
            .unwrap();
        calls += 1;
        for name in [
            "access-control-allow-origin",
            "access-control-allow-methods",
            "access-control-allow-headers",
            "access-control-allow-credentials",
        ] {
            if preflight.headers().contains_key(name) {
                problems.push(format!(
                    "{} OPTIONS {}: preflight answered with {name}",
                    case.service, case.url
                ));
            }
        }
    }
    let protected = cases.iter().filter(|c| matches!(c.access, Scope(_))).count();
    eprintln!(
        "access control: {} routes ({protected} protected) x {} callers + a preflight each = {calls} calls",
        cases.len(),
        CALLERS.len()
    );
    assert_eq!(protected, 21, "the issuer's admin and VC-API routes");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );

    door.stop().await.unwrap();
    issuer.stop().await.unwrap();
    registries.node.stop().await;
    registries.mirror.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The routes a crate's router serves, read from its source: every `.route("path", get(..)
/// .post(..))` under `src/`, as (METHOD, path).
fn routes_in_source(krate: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for file in rust_files(&common::repo_root().join(krate).join("src")) {
        // A unit test's routes (e.g. did_core::server's) are served by no service: those in a
        // module's `#[cfg(test)]` part, and those in a test module's own `tests.rs`.
        if file.file_name().is_some_and(|name| name == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for part in text.split(".route(").skip(1) {
            let call = balanced(part);
            let path = call.trim_start().strip_prefix('"').unwrap().split('"').next().unwrap();
            let mut methods = 0;
            for method in ["get", "post", "put", "delete", "patch", "head", "options", "any"] {
                let needle = format!("{method}(");
                for (at, _) in call.match_indices(&needle) {
                    let before = call[..at].chars().last();
                    if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                        found.insert((method.to_uppercase(), path.to_owned()));
                        methods += 1;
                    }
                }
            }
            assert!(methods > 0, "{}: no method for {path}", file.display());
        }
    }
    found
}

/// The text of a call's arguments: up to the parenthesis closing the one just opened.
fn balanced(text: &str) -> &str {
    let mut depth = 1;
    let mut in_string = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &text[..at];
                }
            }
            _ => {}
        }
    }
    text
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The table lists exactly the routes the source serves, and the issuer's OpenAPI document
/// names the same routes with the same scopes.
fn check_table_is_the_source(cases: &[Case]) {
    let table = |service: &str| -> BTreeSet<(String, String)> {
        cases
            .iter()
            .filter(|c| c.service == service)
            .map(|c| (c.method.to_owned(), c.route.to_owned()))
            .collect()
    };
    let listed_once: BTreeSet<_> = cases.iter().map(|c| (c.service, c.method, c.route)).collect();
    assert_eq!(listed_once.len(), cases.len(), "a route is listed twice");

    // Only these three crates serve HTTP.
    let manifest = std::fs::read_to_string(common::repo_root().join("Cargo.toml")).unwrap();
    let members = manifest.split("members = [").nth(1).unwrap().split(']').next().unwrap();
    for member in members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
    {
        if ["vc-issuer", "registry-anchor", "verifier"].contains(&member) {
            continue;
        }
        assert!(
            routes_in_source(member).is_empty(),
            "{member} serves HTTP routes: add its service to this table"
        );
    }

    let registry = routes_in_source("registry-anchor");
    assert_eq!(
        table("registry node"),
        registry,
        "the registry's routes and the table disagree"
    );
    assert_eq!(
        table("registry mirror"),
        registry,
        "the mirror's routes and the table disagree"
    );
    assert_eq!(
        table("verifier"),
        routes_in_source("verifier"),
        "the door's routes and the table disagree"
    );

    // The issuer: its own routes and the registry nested under /registry (its only nest).
    let mut nests = Vec::new();
    for file in rust_files(&common::repo_root().join("vc-issuer/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for part in text.split(".nest(").skip(1) {
            nests.push(balanced(part).trim_start().split('"').nth(1).unwrap().to_owned());
        }
    }
    assert_eq!(
        nests,
        ["/registry"],
        "the issuer nests other routers: list their routes"
    );
    let own = routes_in_source("vc-issuer");
    let mut served = own.clone();
    served.extend(registry.iter().map(|(m, p)| (m.clone(), format!("/registry{p}"))));
    assert_eq!(table("issuer"), served, "the issuer's routes and the table disagree");

    // The OpenAPI document: the same routes, each with the table's scope.
    let document: Value = serde_json::from_str(vc_issuer::service::ops::OPENAPI).unwrap();
    let mut documented = BTreeMap::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let scope: Option<Vec<String>> = operation["security"][0]["bearer"]
                .as_array()
                .map(|scopes| scopes.iter().map(|s| s.as_str().unwrap().to_owned()).collect());
            documented.insert((method.to_uppercase(), path.clone()), scope);
        }
    }
    let tabled: BTreeMap<(String, String), Option<Vec<String>>> = cases
        .iter()
        .filter(|c| c.service == "issuer" && !c.route.starts_with("/registry/"))
        .map(|c| {
            let scope = match c.access {
                Access::Scope(scopes) => Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
                Access::Public(_) => None,
            };
            ((c.method.to_owned(), c.route.to_owned()), scope)
        })
        .collect();
    assert_eq!(
        tabled, documented,
        "openapi.json and the table disagree (routes or scopes)"
    );
}
