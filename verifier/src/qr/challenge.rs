//! The door's challenge QR code: a fresh nonce and the audience the presentation must name.

use serde::{Deserialize, Serialize};

use super::base45;
use crate::Error;

/// The prefix of a door challenge.
pub const CHALLENGE_PREFIX: &str = "DJN1:";

/// The longest challenge text accepted, in characters.
pub const MAX_CHALLENGE_LEN: usize = 1024;

/// The longest nonce or audience accepted, in bytes.
const MAX_FIELD_LEN: usize = 256;

const WHAT: &str = "door challenge";

fn protocol(message: impl Into<String>) -> Error {
    Error::Protocol {
        what: WHAT,
        message: message.into(),
    }
}

/// What the door shows the wallet: the nonce the key-binding JWT must carry and the audience
/// (`aud`) it must name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorChallenge {
    /// The fresh nonce.
    #[serde(rename = "n")]
    pub nonce: String,
    /// The verifier's identifier.
    #[serde(rename = "a")]
    pub audience: String,
}

impl DoorChallenge {
    /// A challenge for `nonce` and `audience`.
    pub fn new(nonce: impl Into<String>, audience: impl Into<String>) -> DoorChallenge {
        DoorChallenge {
            nonce: nonce.into(),
            audience: audience.into(),
        }
    }

    /// The challenge as QR alphanumeric text: `DJN1:` and the base45 of
    /// `{"n":nonce,"a":audience}`.
    pub fn to_qr_text(&self) -> String {
        let json = serde_json::json!({ "n": self.nonce, "a": self.audience }).to_string();
        format!("{CHALLENGE_PREFIX}{}", base45::encode(json.as_bytes()))
    }

    /// Reads what [`DoorChallenge::to_qr_text`] produced. The nonce must not be empty; nonce
    /// and audience are at most 256 bytes each.
    pub fn parse(text: &str) -> Result<DoorChallenge, Error> {
        if text.len() > MAX_CHALLENGE_LEN {
            return Err(protocol(format!("over {MAX_CHALLENGE_LEN} characters")));
        }
        let body = text
            .strip_prefix(CHALLENGE_PREFIX)
            .ok_or_else(|| protocol(format!("does not start with {CHALLENGE_PREFIX}")))?;
        let json = base45::decode(body.as_bytes()).map_err(protocol)?;
        let challenge: DoorChallenge = serde_json::from_slice(&json).map_err(|_| protocol("not a challenge object"))?;
        if challenge.nonce.is_empty() {
            return Err(protocol("the nonce is empty"));
        }
        if challenge.nonce.len() > MAX_FIELD_LEN || challenge.audience.len() > MAX_FIELD_LEN {
            return Err(protocol(format!("nonce or audience over {MAX_FIELD_LEN} bytes")));
        }
        Ok(challenge)
    }
}
