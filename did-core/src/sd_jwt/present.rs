//! Holder presentation: choosing which disclosures to reveal.

use std::collections::BTreeSet;

use serde_json::Value;

use super::compact::SdJwt;
use super::process::{Placement, process};
use super::{SdJwtError, check_sd_alg, pointer, unverified_payload};
use crate::text::truncated;

impl SdJwt {
    /// Keeps only the disclosures needed to reveal the claims at `pointers`, and drops
    /// any KB-JWT. Add one with [`SdJwt::bind`], or serialize with [`SdJwt::to_compact`].
    ///
    /// Pointers (RFC 6901) name claims in the fully disclosed credential (array indices
    /// count the elements after decoys are removed). Each pointer reveals the claim it
    /// names in full (every disclosure inside it) and the enclosing disclosures needed
    /// to reach it. A pointer that names no claim is [`SdJwtError::PointerNotFound`].
    ///
    /// The issuer JWT is decoded but **not** verified: the holder trusts its own
    /// credential; the disclosures must still process cleanly.
    pub fn select<S: AsRef<str>>(&self, pointers: &[S]) -> Result<SdJwt, SdJwtError> {
        let mut payload = unverified_payload(&self.issuer_jwt)?;
        check_sd_alg(&mut payload)?;
        let processed = process(payload, &self.disclosures)?;
        let full = Value::Object(processed.claims);
        let mut keep = BTreeSet::new();
        for text in pointers {
            let text = text.as_ref();
            let tokens = pointer::parse(text)?;
            if pointer::resolve(&full, &tokens).is_none() {
                return Err(SdJwtError::PointerNotFound(truncated(text)));
            }
            for (i, placement) in processed.placements.iter().enumerate() {
                if placement.path.starts_with(&tokens) || tokens.starts_with(&placement.path) {
                    add_with_parents(i, &processed.placements, &mut keep);
                }
            }
        }
        Ok(SdJwt {
            issuer_jwt: self.issuer_jwt.clone(),
            other_signatures: self.other_signatures.clone(),
            disclosures: self
                .disclosures
                .iter()
                .enumerate()
                .filter(|(i, _)| keep.contains(i))
                .map(|(_, d)| d.clone())
                .collect(),
            key_binding_jwt: None,
        })
    }
}

impl SdJwt {
    /// The JSON pointers (RFC 6901) of the claims the holder can choose to disclose: where
    /// each disclosure lands in the fully disclosed credential, in disclosure order. A wallet
    /// shows these as the claims the holder may withhold, and passes a chosen subset to
    /// [`SdJwt::select`].
    ///
    /// Like [`SdJwt::select`], the issuer JWT is decoded but not verified.
    pub fn disclosable_pointers(&self) -> Result<Vec<String>, SdJwtError> {
        let mut payload = unverified_payload(&self.issuer_jwt)?;
        check_sd_alg(&mut payload)?;
        let processed = process(payload, &self.disclosures)?;
        Ok(processed
            .placements
            .iter()
            .map(|placement| crate::json_pointer::from_tokens(&placement.path))
            .collect())
    }
}

/// Adds disclosure `i` and every disclosure its digest is nested in.
fn add_with_parents(i: usize, placements: &[Placement], keep: &mut BTreeSet<usize>) {
    let mut next = Some(i);
    while let Some(i) = next {
        if !keep.insert(i) {
            break;
        }
        next = placements.get(i).and_then(|p| p.parent);
    }
}
