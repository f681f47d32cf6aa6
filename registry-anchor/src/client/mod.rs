//! The did:dojang resolver a verifier, wallet or door embeds (feature `client`).
