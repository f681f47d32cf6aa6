//! `registry-anchor did ...`: build, sign and submit operations.

use std::path::Path;

use did_core::key::SigningKey;
use serde_json::{Map, Value, json};

use super::Failure;
use super::args::{DidCommand, Target};
use super::keys::read_signing_key;
use crate::operation::{self, DidState, DocumentChange, KeyCommitment, Operation, PatchOperation};
use crate::resolution::Resolution;

/// The verification relationships a rotation resets to the new key.
const RELATIONSHIPS: [&str; 6] = [
    "verificationMethod",
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
];

/// The largest document or patch file read.
const MAX_INPUT_FILE: u64 = 64 * 1024;
/// The largest node answer read.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

pub(crate) async fn run(command: DidCommand) -> Result<Value, Failure> {
    let client = reqwest::Client::new();
    match command {
        DidCommand::Create {
            node,
            key,
            next_key,
            service,
        } => {
            let key = read_signing_key(&key)?;
            let next = read_signing_key(&next_key)?;
            let mut document = key_document(&key);
            let services = service
                .iter()
                .map(|s| parse_service(s))
                .collect::<Result<Vec<_>, _>>()?;
            if !services.is_empty() {
                document.insert("service".into(), Value::Array(services));
            }
            let op = operation::create(&key, KeyCommitment::of(next.verifying_key()), document).map_err(op_error)?;
            submit(&client, &node, &op).await
        }
        DidCommand::Update {
            target,
            key,
            next_key,
            patch,
            document,
        } => {
            let key = read_signing_key(&key)?;
            let next = read_signing_key(&next_key)?;
            let change = match (patch, document) {
                (Some(patch), _) => {
                    DocumentChange::Patch(PatchOperation::parse_patch(read_json(&patch)?).map_err(op_error)?)
                }
                (None, Some(document)) => match read_json(&document)? {
                    Value::Object(document) => DocumentChange::Replace(document),
                    _ => return Err(("invalid_input", "the document must be a JSON object".into())),
                },
                (None, None) => return Err(("usage", "give --patch or --document".into())),
            };
            let (did, state) = current(&client, &target).await?;
            let next = KeyCommitment::of(next.verifying_key());
            let previous = *state.last_operation();
            let op = operation::update(&did, previous, &key, next, change).map_err(op_error)?;
            submit(&client, &target.node, &op).await
        }
        DidCommand::Rotate { target, key, next_key } => {
            let key = read_signing_key(&key)?;
            let next = read_signing_key(&next_key)?;
            let (did, state) = current(&client, &target).await?;
            let previous = *state.last_operation();
            let change = DocumentChange::Replace(rotated_document(&state, &key));
            let op = operation::update(&did, previous, &key, KeyCommitment::of(next.verifying_key()), change)
                .map_err(op_error)?;
            submit(&client, &target.node, &op).await
        }
        DidCommand::Deactivate { target, key } => {
            let key = read_signing_key(&key)?;
            let (did, state) = current(&client, &target).await?;
            let previous = *state.last_operation();
            let op = operation::deactivate(&did, previous, &key).map_err(op_error)?;
            submit(&client, &target.node, &op).await
        }
        DidCommand::Show { target } => get_json(&client, &did_url(&target)).await,
    }
}

fn op_error(e: operation::OperationError) -> Failure {
    ("invalid_operation", format!("{}: {e}", e.code()))
}

/// A document with one Multikey method, `#key-1`, for authentication and assertion.
fn key_document(key: &SigningKey) -> Map<String, Value> {
    let document = json!({
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "publicKeyMultibase": key.verifying_key().to_multikey(),
        }],
        "authentication": ["#key-1"],
        "assertionMethod": ["#key-1"],
    });
    match document {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `id,type,endpoint` → a service entry with a relative id.
fn parse_service(text: &str) -> Result<Value, Failure> {
    let mut parts = text.splitn(3, ',');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(kind), Some(endpoint)) if !id.is_empty() && !kind.is_empty() && !endpoint.is_empty() => {
            let id = if id.starts_with('#') {
                id.to_owned()
            } else {
                format!("#{id}")
            };
            Ok(json!({"id": id, "type": kind, "serviceEndpoint": endpoint}))
        }
        _ => Err(("usage", format!("--service {text:?}: expected id,type,endpoint"))),
    }
}

fn read_json(path: &Path) -> Result<Value, Failure> {
    let len = std::fs::metadata(path)
        .map_err(|e| ("input_file", format!("{}: {e}", path.display())))?
        .len();
    if len > MAX_INPUT_FILE {
        return Err((
            "input_file",
            format!("{} is larger than {MAX_INPUT_FILE} bytes", path.display()),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| ("input_file", format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| ("invalid_input", format!("{}: {e}", path.display())))
}

fn base(node: &str) -> &str {
    node.trim_end_matches('/')
}

/// The node's resolution URL of the target DID.
fn did_url(target: &Target) -> String {
    format!("{}/dids/{}", base(&target.node), target.did)
}

async fn read_answer(response: reqwest::Response) -> Result<(u16, Value), Failure> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| ("unreachable", e.to_string()))?;
    if bytes.len() > MAX_ANSWER {
        return Err(("bad_answer", "the node's answer is too large".into()));
    }
    let value = serde_json::from_slice(&bytes).map_err(|e| ("bad_answer", format!("not JSON: {e}")))?;
    Ok((status, value))
}

fn refused(status: u16, problem: &Value) -> Failure {
    let code = problem.get("code").and_then(Value::as_str).unwrap_or("unknown");
    let detail = problem.get("detail").and_then(Value::as_str).unwrap_or_default();
    ("refused", format!("HTTP {status} {code}: {detail}"))
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<Value, Failure> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| ("unreachable", e.to_string()))?;
    match read_answer(response).await? {
        (200, value) => Ok(value),
        (status, problem) => Err(refused(status, &problem)),
    }
}

/// The DID and its current state, replayed from the operations the node lists (the node
/// checks `previous` again when the new operation arrives, so a stale or lying answer only
/// gets the new operation refused).
async fn current(client: &reqwest::Client, target: &Target) -> Result<(did_core::did::Did, DidState), Failure> {
    let parsed = operation::parse_did(&target.did).map_err(op_error)?;
    let answer = get_json(client, &did_url(target)).await?;
    let resolution: Resolution =
        serde_json::from_value(answer).map_err(|e| ("bad_answer", format!("not a resolution: {e}")))?;
    let operations = resolution
        .operations
        .iter()
        .map(|entry| Operation::parse(&entry.operation))
        .collect::<Result<Vec<_>, _>>()
        .map_err(op_error)?;
    let state = DidState::replay(&operations).map_err(op_error)?;
    if state.did() != &parsed {
        return Err(("bad_answer", "the node answered with another DID's chain".into()));
    }
    Ok((parsed, state))
}

/// The DID's document with its verification methods and relationships replaced by `key`
/// alone; services and everything else are kept.
fn rotated_document(state: &DidState, key: &SigningKey) -> Map<String, Value> {
    let mut document = state.content().clone();
    for relationship in RELATIONSHIPS {
        document.remove(relationship);
    }
    document.extend(key_document(key));
    document
}

async fn submit(client: &reqwest::Client, node: &str, op: &Operation) -> Result<Value, Failure> {
    let response = client
        .post(format!("{}/operations", base(node)))
        .header("content-type", "application/jose")
        .body(op.as_str().to_owned())
        .send()
        .await
        .map_err(|e| ("unreachable", e.to_string()))?;
    match read_answer(response).await? {
        (202, receipt) => Ok(json!({
            "ok": true,
            "did": receipt.get("did"),
            "operationHash": receipt.get("operationHash"),
            "index": receipt.get("index"),
        })),
        (status, problem) => Err(refused(status, &problem)),
    }
}
