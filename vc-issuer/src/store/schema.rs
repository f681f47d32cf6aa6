//! The tables, in the SQL both SQLite and PostgreSQL accept (one difference: the audit
//! log's sequence column), created at start when missing.

/// Statements run in order at start; each is idempotent.
pub(super) fn statements(postgres: bool) -> Vec<String> {
    let serial = if postgres {
        "BIGSERIAL PRIMARY KEY"
    } else {
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    };
    let mut out = vec![
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)".to_owned(),
        // One row per status list; `allocated` counts slots handed out, `version` changes
        // whenever a status in the list does (replicas re-sign the list when it moves).
        "CREATE TABLE IF NOT EXISTS status_lists (
            id BIGINT PRIMARY KEY,
            size BIGINT NOT NULL,
            allocated BIGINT NOT NULL,
            version BIGINT NOT NULL,
            created_at BIGINT NOT NULL)"
            .to_owned(),
        // Issued credentials. `claims` is kept for re-issuance; the credential itself is not.
        "CREATE TABLE IF NOT EXISTS credentials (
            id TEXT PRIMARY KEY,
            template TEXT NOT NULL,
            record_key TEXT NOT NULL,
            format TEXT NOT NULL,
            status TEXT NOT NULL,
            status_list BIGINT NOT NULL,
            status_index BIGINT NOT NULL,
            claims TEXT NOT NULL,
            holder TEXT,
            valid_from BIGINT NOT NULL,
            valid_until BIGINT NOT NULL,
            issued_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            replaces TEXT,
            idempotency_key TEXT UNIQUE,
            UNIQUE (status_list, status_index))"
            .to_owned(),
        "CREATE INDEX IF NOT EXISTS credentials_by_key ON credentials (template, record_key)".to_owned(),
        // Bearer tokens: only the SHA-256 of the secret is stored.
        "CREATE TABLE IF NOT EXISTS tokens (
            id TEXT PRIMARY KEY,
            secret_hash TEXT NOT NULL UNIQUE,
            scopes TEXT NOT NULL,
            label TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT)"
            .to_owned(),
        // Credential offers (OpenID4VCI pre-authorized code flow). The offer handle (the
        // secret in the offer URL), codes, PINs, access tokens and transaction IDs are
        // stored as SHA-256 digests only. `holder_jwk` is the key of a deferred request.
        "CREATE TABLE IF NOT EXISTS offers (
            id TEXT PRIMARY KEY,
            template TEXT NOT NULL,
            record_key TEXT NOT NULL,
            claims TEXT NOT NULL,
            handle_hash TEXT NOT NULL UNIQUE,
            code_hash TEXT NOT NULL UNIQUE,
            tx_code_length BIGINT NOT NULL,
            approval_required BIGINT NOT NULL,
            approved BIGINT NOT NULL,
            holder_jwk TEXT,
            token_expires_at BIGINT,
            tx_code_hash TEXT,
            tx_code_attempts BIGINT NOT NULL,
            access_token_hash TEXT UNIQUE,
            transaction_id_hash TEXT UNIQUE,
            state TEXT NOT NULL,
            credential_id TEXT,
            idempotency_key TEXT UNIQUE,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL)"
            .to_owned(),
        // The issuer's signing keys by generation (public keys only; see store::issuer_keys).
        "CREATE TABLE IF NOT EXISTS issuer_keys (
            generation BIGINT PRIMARY KEY,
            public_key TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            retired_at BIGINT)"
            .to_owned(),
        // Single-use nonces (OpenID4VCI c_nonce): deleted when used.
        "CREATE TABLE IF NOT EXISTS nonces (value TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)".to_owned(),
    ];
    out.push(format!(
        "CREATE TABLE IF NOT EXISTS audit (
            seq {serial},
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail TEXT)"
    ));
    // The audit log is append-only: the database itself refuses changes to past entries.
    if postgres {
        out.push(
            "CREATE OR REPLACE FUNCTION dojang_audit_append_only() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql"
                .to_owned(),
        );
        out.push("DROP TRIGGER IF EXISTS audit_append_only ON audit".to_owned());
        out.push(
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
             FOR EACH ROW EXECUTE FUNCTION dojang_audit_append_only()"
                .to_owned(),
        );
    } else {
        for event in ["UPDATE", "DELETE"] {
            out.push(format!(
                "CREATE TRIGGER IF NOT EXISTS audit_no_{} BEFORE {event} ON audit
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                event.to_lowercase()
            ));
        }
    }
    out
}
