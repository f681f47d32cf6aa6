//! `registry-anchor did ...`: build, sign and submit operations.

use std::path::Path;

use did_core::key::SigningKey;
use serde_json::{Map, Value, json};

use super::args::{DidCommand, Target};
use super::keys::read_signing_key;
use super::{Failure, refused};
use crate::client::{NodeApi, WriteToken};
use crate::operation::{self, DidState, DocumentChange, KeyCommitment, Operation, PatchOperation};
use crate::resolution::{MAX_RESPONSE_LEN, Resolution};

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

pub(crate) async fn run(command: DidCommand) -> Result<Value, Failure> {
    match command {
        DidCommand::Create {
            node,
            key,
            next_key,
            service,
            write_token_file,
        } => {
            let key = read_signing_key(&key)?;
            let next = read_signing_key(&next_key)?;
            let mut document = operation::key_document(key.verifying_key());
            let services = service
                .iter()
                .map(|s| parse_service(s))
                .collect::<Result<Vec<_>, _>>()?;
            if !services.is_empty() {
                document.insert("service".into(), Value::Array(services));
            }
            let op = operation::create(&key, KeyCommitment::of(next.verifying_key()), document).map_err(op_error)?;
            submit(&node, write_token_file.as_deref(), &op).await
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
            let (did, state) = current(&target).await?;
            let next = KeyCommitment::of(next.verifying_key());
            let previous = *state.last_operation();
            let op = operation::update(&did, previous, &key, next, change).map_err(op_error)?;
            submit(&target.node, target.write_token_file.as_deref(), &op).await
        }
        DidCommand::Rotate { target, key, next_key } => {
            let key = read_signing_key(&key)?;
            let next = read_signing_key(&next_key)?;
            let (did, state) = current(&target).await?;
            let previous = *state.last_operation();
            let change = DocumentChange::Replace(rotated_document(&state, &key));
            let op = operation::update(&did, previous, &key, KeyCommitment::of(next.verifying_key()), change)
                .map_err(op_error)?;
            submit(&target.node, target.write_token_file.as_deref(), &op).await
        }
        DidCommand::Deactivate { target, key } => {
            let key = read_signing_key(&key)?;
            let (did, state) = current(&target).await?;
            let previous = *state.last_operation();
            let op = operation::deactivate(&did, previous, &key).map_err(op_error)?;
            submit(&target.node, target.write_token_file.as_deref(), &op).await
        }
        DidCommand::Show { target } => api(&target.node)?
            .get_json(&format!("/dids/{}", target.did), MAX_RESPONSE_LEN)
            .await
            .map_err(refused),
    }
}

fn op_error(e: operation::OperationError) -> Failure {
    ("invalid_operation", format!("{}: {e}", e.code()))
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

/// The DID and its current state, replayed from the operations the node lists (the node
/// checks `previous` again when the new operation arrives, so a stale or lying answer only
/// gets the new operation refused).
async fn current(target: &Target) -> Result<(did_core::did::Did, DidState), Failure> {
    let parsed = operation::parse_did(&target.did).map_err(op_error)?;
    let resolution: Resolution = api(&target.node)?
        .get_json(&format!("/dids/{}", target.did), MAX_RESPONSE_LEN)
        .await
        .map_err(refused)?;
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
    document.extend(operation::key_document(key.verifying_key()));
    document
}

fn api(node: &str) -> Result<NodeApi, Failure> {
    NodeApi::new(node).map_err(refused)
}

async fn submit(node: &str, write_token_file: Option<&Path>, op: &Operation) -> Result<Value, Failure> {
    let token = write_token_file
        .map(|file| WriteToken::from_file(file).map_err(|e| ("write_token_file", format!("{}: {e}", file.display()))))
        .transpose()?;
    let receipt = api(node)?
        .with_write_token(token)
        .post_json("/operations", "application/jose", op.as_str().to_owned())
        .await
        .map_err(refused)?;
    Ok(json!({
        "ok": true,
        "did": receipt.get("did"),
        "operationHash": receipt.get("operationHash"),
        "index": receipt.get("index"),
    }))
}
