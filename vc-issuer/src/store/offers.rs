//! OpenID4VCI credential offers and single-use nonces (see `service::oid4vci`).
