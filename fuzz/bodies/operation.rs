//! did:dojang operations: arbitrary bytes as a compact JWS (parse, verify, apply to a fixed DID
//! state), and as payload bytes (canonical form, member rules, JSON Patch, document rules),
//! which reaches the code behind the signature check.
use std::sync::OnceLock;

use registry_anchor::operation::{DidState, DocumentChange, Operation, OperationPayload, apply_patch, build_document};

/// The create operation of docs/did-dojang.md §14.2 (tests/vectors/create.json).
const CREATE: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6ImRvamFuZy1vcCtqd3MifQ.eyJkb2N1bWVudCI6eyJAY29udGV4dCI6WyJodHRwczovL3d3dy53My5vcmcvbnMvZGlkL3YxIiwiaHR0cHM6Ly93M2lkLm9yZy9zZWN1cml0eS9tdWx0aWtleS92MSJdLCJhc3NlcnRpb25NZXRob2QiOlsiI2tleS0xIl0sImF1dGhlbnRpY2F0aW9uIjpbIiNrZXktMSJdLCJ2ZXJpZmljYXRpb25NZXRob2QiOlt7ImlkIjoiI2tleS0xIiwicHVibGljS2V5TXVsdGliYXNlIjoiekRuYWV5M2NkVmJiWUFnREE5OUVtV1lkczk3azZEa1Zlanp0cTYzVWc0YmI2c0RvciIsInR5cGUiOiJNdWx0aWtleSJ9XX0sIm5leHRLZXlDb21taXRtZW50IjoiTzRULXNVSW9Ld0MxaVlyZGctdUtWd054VTBLMEhBUmZwMkhpTHJadFROVSIsInR5cGUiOiJjcmVhdGUiLCJ1cGRhdGVLZXkiOnsiY3J2IjoiUC0yNTYiLCJrdHkiOiJFQyIsIngiOiJTMFdpTXo0c2U5T2dmOHhiYlJscTJPY202NmlVWnJDTGlyelJJVVVMMWtFIiwieSI6IkFETGtWUk54X2l3MWFFX2JlYXdxc2VVTWZ6dzJXdEYtOWJzT3RUb3RpamsifX0.YpDJdA1ii90Dn28JsVBgQpQecX_tyoitEO4-EgeVfZELA4NAcQmezV5NE40Xq-e95La5jRpFlKaDk_nIMGEx-w";

fn state() -> &'static DidState {
    static STATE: OnceLock<DidState> = OnceLock::new();
    STATE.get_or_init(|| match Operation::parse(CREATE).and_then(|op| DidState::create(&op)) {
        Ok(state) => state,
        Err(_) => std::process::abort(),
    })
}

/// Runs one input; the `operation` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let state = state();
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(op) = Operation::parse(text)
    {
        let _ = DidState::create(&op);
        let _ = state.apply(&op);
    }
    if let Ok(OperationPayload::Update(update)) = OperationPayload::from_canonical_bytes(data) {
        let content = match update.change {
            DocumentChange::Replace(document) => Ok(document),
            DocumentChange::Patch(patch) => apply_patch(state.content(), &patch),
        };
        if let Ok(content) = content {
            let _ = build_document(state.did(), &content);
        }
    }
}
