//! The door's QR payloads: presentation payloads (base45 and bounded inflating) and door
//! challenges. Must never panic; whatever decodes must re-encode to something that decodes to
//! the same.
use verifier::qr::{self, DoorChallenge, MAX_INFLATED_LEN};

/// Runs one input; the `qr_payload` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(presentation) = qr::decode_presentation(text) {
        assert!(presentation.len() <= MAX_INFLATED_LEN);
        if let Ok(again) = qr::encode_presentation(&presentation) {
            assert_eq!(
                qr::decode_presentation(&again).ok().as_deref(),
                Some(presentation.as_str())
            );
        }
    }
    if let Ok(challenge) = DoorChallenge::parse(text) {
        assert_eq!(DoorChallenge::parse(&challenge.to_qr_text()).ok(), Some(challenge));
    }
}
