//! OpenID4VCI credential offers and single-use nonces (see `service::oid4vci`).
//!
//! An offer moves through these states, each step one conditional `UPDATE` so that two
//! wallets racing on the same code, token or transaction cannot both win:
//!
//! `offered` → (code and PIN redeemed at `/token`) `token_issued` → (`/credential`)
//! `issuing` → `redeemed`; or, when approval is required and not yet given,
//! `token_issued` → `pending` → (approved, `/deferred_credential`) `issuing` → `redeemed`.
//! Twenty wrong PINs (from several clients: one client is stopped after five) move `offered`
//! to `locked`.
//!
//! Secrets are never stored: the offer handle (the unguessable part of the offer URL), the
//! pre-authorized code (derived from the handle, so the offer can be served by reference
//! without storing it), the PIN, the access token and the transaction ID are kept as
//! SHA-256 digests (the PIN salted with the offer ID).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand_core::RngCore as _;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::tokens::{random_string, secret_hash};
use super::{Store, unix_now};
use crate::Error;
use crate::pin_key::PinKey;

/// Wrong PINs, from all clients together, after which an offer is locked: the backstop
/// against guessing from many addresses (20 guesses find a 6-digit PIN once in 50,000).
/// One client is stopped long before, by its own wrong-PIN budget (`[limits]
/// wrong_pins_per_client`, 5), so an attacker holding only the QR code cannot lock the
/// holder's offer.
pub const MAX_TX_CODE_ATTEMPTS: i64 = 20;

/// Where an offer is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferState {
    /// Made; the pre-authorized code has not been redeemed.
    Offered,
    /// The code was redeemed for an access token.
    TokenIssued,
    /// A credential is being signed for it.
    Issuing,
    /// Waiting for an administrator's approval (deferred issuance).
    Pending,
    /// Its credential was issued.
    Redeemed,
    /// Too many wrong PINs.
    Locked,
}

impl OfferState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OfferState::Offered => "offered",
            OfferState::TokenIssued => "token_issued",
            OfferState::Issuing => "issuing",
            OfferState::Pending => "pending",
            OfferState::Redeemed => "redeemed",
            OfferState::Locked => "locked",
        }
    }

    fn parse(s: &str) -> Result<OfferState, Error> {
        Ok(match s {
            "offered" => OfferState::Offered,
            "token_issued" => OfferState::TokenIssued,
            "issuing" => OfferState::Issuing,
            "pending" => OfferState::Pending,
            "redeemed" => OfferState::Redeemed,
            "locked" => OfferState::Locked,
            _ => return Err(Error::corrupt(format!("unknown offer state {s:?}"))),
        })
    }
}

/// An offer to make.
#[derive(Debug, Clone)]
pub struct NewOffer {
    /// The template name.
    pub template: String,
    /// The record key's value (from the validated claims).
    pub record_key: String,
    /// The validated subject claims.
    pub claims: Map<String, Value>,
    /// Digits of the PIN; 0 for none.
    pub tx_code_length: u8,
    /// Whether an administrator must approve before the credential is issued.
    pub approval_required: bool,
    /// Makes the request idempotent.
    pub idempotency_key: Option<String>,
    /// Seconds the offer can be redeemed for.
    pub ttl_seconds: i64,
}

/// A newly made offer with its secrets (shown once, never stored).
pub struct CreatedOffer {
    /// The stored offer.
    pub offer: OfferRecord,
    /// The unguessable handle in the offer URL (`/offers/{handle}`).
    pub handle: Zeroizing<String>,
    /// The pre-authorized code.
    pub code: Zeroizing<String>,
    /// The PIN, if the offer has one.
    pub tx_code: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for CreatedOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedOffer")
            .field("offer", &self.offer)
            .finish_non_exhaustive()
    }
}

/// What [`Store::create_offer`] did.
#[derive(Debug)]
pub enum OfferCreation {
    /// A new offer.
    Created(Box<CreatedOffer>),
    /// The idempotency key was used before for the same request: that offer (its secrets
    /// cannot be shown again).
    Existing(OfferRecord),
}

/// A stored offer (no secrets).
#[derive(Debug, Clone)]
pub struct OfferRecord {
    /// The offer ID (`off_...`), for administrators and the audit log.
    pub id: String,
    /// The template name.
    pub template: String,
    /// The subject claims (emptied once the credential is issued).
    pub claims: Map<String, Value>,
    /// Digits of the PIN; 0 for none.
    pub tx_code_length: u8,
    /// Whether an administrator must approve.
    pub approval_required: bool,
    /// Whether an administrator approved.
    pub approved: bool,
    /// The state.
    pub state: OfferState,
    /// The holder's public JWK, kept for deferred issuance.
    pub holder_jwk: Option<String>,
    /// The issued credential's ID.
    pub credential_id: Option<String>,
    /// When made (Unix seconds).
    pub created_at: i64,
    /// Until when the code can be redeemed (Unix seconds).
    pub expires_at: i64,
    /// Until when the access token is valid (Unix seconds).
    pub token_expires_at: Option<i64>,
    /// The idempotency key it was made with.
    pub idempotency_key: Option<String>,
}

type OfferRow = (
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);

const OFFER_COLUMNS: &str = "id, template, claims, tx_code_length, approval_required, approved, state, holder_jwk, \
                             credential_id, created_at, expires_at, token_expires_at, idempotency_key";

fn offer_of(row: OfferRow) -> Result<OfferRecord, Error> {
    let (
        id,
        template,
        claims,
        tx_len,
        approval,
        approved,
        state,
        holder_jwk,
        credential_id,
        created,
        expires,
        token_exp,
        key,
    ) = row;
    let claims = match serde_json::from_str(&claims) {
        Ok(Value::Object(map)) => map,
        _ => return Err(Error::corrupt(format!("offer {id}: stored claims are not an object"))),
    };
    Ok(OfferRecord {
        template,
        claims,
        tx_code_length: u8::try_from(tx_len).unwrap_or(0),
        approval_required: approval != 0,
        approved: approved != 0,
        state: OfferState::parse(&state)?,
        holder_jwk,
        credential_id,
        created_at: created,
        expires_at: expires,
        token_expires_at: token_exp,
        idempotency_key: key,
        id,
    })
}

/// Why a pre-authorized code was refused at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Unknown, already used, expired or locked.
    InvalidCode,
    /// The offer has a PIN and none was given (not counted as an attempt).
    TxCodeRequired,
    /// A PIN was given for an offer without one.
    TxCodeUnexpected,
    /// The PIN is wrong; `locked` once the attempts are used up.
    WrongTxCode {
        /// Whether this attempt locked the offer.
        locked: bool,
    },
}

/// An access token issued for a redeemed code.
pub struct AccessToken {
    /// The offer it belongs to.
    pub offer_id: String,
    /// The token (shown once).
    pub token: Zeroizing<String>,
    /// Seconds until it expires.
    pub expires_in: i64,
}

impl OfferRecord {
    /// Whether the offer can still be redeemed by its code at `now`: `offered` and not
    /// expired.
    pub fn is_live(&self, now: i64) -> bool {
        self.state == OfferState::Offered && self.expires_at > now
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("offer_id", &self.offer_id)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The pre-authorized code of the offer whose handle is `handle`.
pub fn pre_authorized_code(handle: &str) -> Zeroizing<String> {
    let mut hasher = Sha256::new();
    hasher.update(b"dojang oid4vci pre-authorized code\0");
    hasher.update(handle.as_bytes());
    Zeroizing::new(URL_SAFE_NO_PAD.encode(hasher.finalize()))
}

/// The prefix of a PIN digest keyed with the PIN key.
const HMAC_PREFIX: &str = "hmac-sha256:";

/// What is stored for an offer's PIN: `hmac-sha256:` and the HMAC of `offer_id ":" PIN` under
/// the PIN key; without a key, the plain SHA-256 earlier versions stored.
fn tx_code_hash(key: Option<&PinKey>, offer_id: &str, tx_code: &str) -> Result<String, Error> {
    Ok(match key {
        Some(key) => format!(
            "{HMAC_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(pin_mac(key, offer_id, tx_code)?.finalize().into_bytes())
        ),
        None => secret_hash(&format!("{offer_id}:{tx_code}")),
    })
}

fn pin_mac(key: &PinKey, offer_id: &str, tx_code: &str) -> Result<Hmac<Sha256>, Error> {
    // HMAC takes a key of any length; the error cannot happen.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_slice())
        .map_err(|e| Error::Unsupported(format!("the PIN key: {e}")))?;
    mac.update(offer_id.as_bytes());
    mac.update(b":");
    mac.update(tx_code.as_bytes());
    Ok(mac)
}

/// Whether `tx_code` is the PIN `stored` was made from: a keyed digest is checked with the key
/// (in constant time), an older plain one as it was made. A keyed digest and no key is an error:
/// the store was opened without the PIN key its offers were made with.
fn pin_matches(key: Option<&PinKey>, offer_id: &str, tx_code: &str, stored: &str) -> Result<bool, Error> {
    match (stored.strip_prefix(HMAC_PREFIX), key) {
        (Some(encoded), Some(key)) => {
            let Ok(expected) = URL_SAFE_NO_PAD.decode(encoded) else {
                return Err(Error::corrupt("an offer's PIN digest is not base64url"));
            };
            Ok(pin_mac(key, offer_id, tx_code)?.verify_slice(&expected).is_ok())
        }
        (Some(_), None) => Err(Error::Unsupported(
            "offer PINs are keyed, and this store was opened without the PIN key".into(),
        )),
        (None, _) => Ok(secret_hash(&format!("{offer_id}:{tx_code}")) == stored),
    }
}

/// `digits` uniformly random decimal digits.
fn random_digits(digits: u8) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(usize::from(digits)));
    let mut buf = Zeroizing::new([0u8; 16]);
    while out.len() < usize::from(digits) {
        rand_core::OsRng.fill_bytes(&mut *buf);
        // 250 = 25 * 10: rejecting the rest keeps every digit equally likely.
        for &b in buf.iter().filter(|&&b| b < 250) {
            if out.len() < usize::from(digits) {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    out
}

/// Makes one offer inside `tx` (see [`Store::create_offer`]): `Err` for a statement that
/// failed (the transaction is unusable), `Ok(Err(Conflict))` for a reused idempotency key.
async fn offer_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    pin_key: Option<&PinKey>,
    new: &NewOffer,
    actor: &str,
    now: i64,
) -> Result<Result<OfferCreation, Error>, Error> {
    let claims_json = match serde_json::to_string(&new.claims) {
        Ok(json) => json,
        Err(e) => return Ok(Err(Error::invalid("/claims", e.to_string()))),
    };
    if let Some(key) = &new.idempotency_key {
        let row: Option<OfferRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE idempotency_key = $1"
        )))
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = row {
            let existing = offer_of(row)?;
            if existing.template != new.template || (existing.claims != new.claims && existing.credential_id.is_none())
            {
                return Ok(Err(Error::Conflict(format!(
                    "idempotency key already used by offer {} for a different request",
                    existing.id
                ))));
            }
            return Ok(Ok(OfferCreation::Existing(existing)));
        }
    }
    let id = format!("off_{}", random_string(12));
    let handle = Zeroizing::new(random_string(32));
    let code = pre_authorized_code(&handle);
    let tx_code = (new.tx_code_length > 0).then(|| random_digits(new.tx_code_length));
    let expires_at = now + new.ttl_seconds;
    let pin_hash = match &tx_code {
        Some(pin) => Some(tx_code_hash(pin_key, &id, pin)?),
        None => None,
    };
    sqlx::query(
        "INSERT INTO offers (id, template, record_key, claims, handle_hash, code_hash, tx_code_length,
            approval_required, approved, tx_code_hash, tx_code_attempts, state, idempotency_key,
            created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, 0, 'offered', $10, $11, $12)",
    )
    .bind(&id)
    .bind(&new.template)
    .bind(&new.record_key)
    .bind(&claims_json)
    .bind(secret_hash(&handle))
    .bind(secret_hash(&code))
    .bind(i64::from(new.tx_code_length))
    .bind(i64::from(new.approval_required))
    .bind(pin_hash)
    .bind(&new.idempotency_key)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    super::audit::append(tx, now, actor, "offer.create", Some(&id), Some(&new.template)).await?;
    let offer = OfferRecord {
        id,
        template: new.template.clone(),
        claims: new.claims.clone(),
        tx_code_length: new.tx_code_length,
        approval_required: new.approval_required,
        approved: false,
        state: OfferState::Offered,
        holder_jwk: None,
        credential_id: None,
        created_at: now,
        expires_at,
        token_expires_at: None,
        idempotency_key: new.idempotency_key.clone(),
    };
    Ok(Ok(OfferCreation::Created(Box::new(CreatedOffer {
        offer,
        handle,
        code,
        tx_code,
    }))))
}

impl Store {
    /// Makes an offer (or finds the one made with the same idempotency key) and audits
    /// `offer.create`. The same key with a different type or claims is a conflict.
    pub async fn create_offer(&self, new: &NewOffer, actor: &str) -> Result<OfferCreation, Error> {
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let made = offer_in(&mut tx, self.pin_key.as_deref(), new, actor, unix_now()).await?;
        if matches!(made, Ok(OfferCreation::Created(_))) {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        made
    }

    /// [`Store::create_offer`] for each of `offers` in one transaction (one commit for
    /// many offers, as bulk issuance makes them), with the same result for each: a new
    /// offer, the earlier one with the same idempotency key, or a conflict. When a statement
    /// fails (e.g. another process inserted the same idempotency key meanwhile), nothing is
    /// made and the error is returned.
    pub async fn create_offers(
        &self,
        offers: &[NewOffer],
        actor: &str,
    ) -> Result<Vec<Result<OfferCreation, Error>>, Error> {
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let mut made = Vec::with_capacity(offers.len());
        for new in offers {
            made.push(offer_in(&mut tx, self.pin_key.as_deref(), new, actor, now).await?);
        }
        tx.commit().await?;
        Ok(made)
    }

    /// Every offer of `template` whose idempotency key starts with `key_prefix`, with its
    /// record key (bulk issuance finds what earlier runs offered this way: one scan).
    pub async fn offers_by_key_prefix(
        &self,
        template: &str,
        key_prefix: &str,
    ) -> Result<Vec<(String, OfferRecord)>, Error> {
        let mut pattern = String::with_capacity(key_prefix.len() + 1);
        for c in key_prefix.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        type KeyedRow = (
            String,
            String,
            String,
            String,
            i64,
            i64,
            i64,
            String,
            Option<String>,
            Option<String>,
            i64,
            i64,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<KeyedRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT record_key, {OFFER_COLUMNS} FROM offers WHERE template = $1 AND idempotency_key LIKE $2 ESCAPE '\\'"
        )))
        .bind(template)
        .bind(pattern)
        .fetch_all(self.reader())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (record_key, a, b, c, d, e, f, g, h, i, j, k, l, m) in rows {
            let offer = offer_of((a, b, c, d, e, f, g, h, i, j, k, l, m))?;
            // SQLite's LIKE ignores ASCII case: keep exact matches only.
            if offer
                .idempotency_key
                .as_deref()
                .is_some_and(|k| k.starts_with(key_prefix))
            {
                out.push((record_key, offer));
            }
        }
        Ok(out)
    }

    /// Withdraws offer `id` so that its code can no longer be redeemed (it expires now;
    /// audited `offer.withdraw`). True if the offer was never redeemed (`offered`, expired
    /// or not, or `locked`); false if a wallet redeemed its code already (or there is no
    /// such offer), and then nothing changes.
    pub async fn withdraw_offer(&self, id: &str, actor: &str) -> Result<bool, Error> {
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let done = sqlx::query(
            "UPDATE offers SET expires_at = CASE WHEN expires_at > $1 THEN $1 ELSE expires_at END
             WHERE id = $2 AND state IN ('offered', 'locked')",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        super::audit::append(&mut tx, now, actor, "offer.withdraw", Some(id), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn offer_where(&self, condition: &str, value: &str) -> Result<Option<OfferRecord>, Error> {
        let row: Option<OfferRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE {condition} = $1"
        )))
        .bind(value)
        .fetch_optional(self.writer())
        .await?;
        row.map(offer_of).transpose()
    }

    /// The offer with ID `id`.
    pub async fn offer(&self, id: &str) -> Result<Option<OfferRecord>, Error> {
        self.offer_where("id", id).await
    }

    /// The offer whose URL handle is `handle`.
    pub async fn offer_by_handle(&self, handle: &str) -> Result<Option<OfferRecord>, Error> {
        if handle.len() > 128 {
            return Ok(None);
        }
        self.offer_where("handle_hash", &secret_hash(handle)).await
    }

    /// The offer an access token was issued for (whatever its expiry; callers check it).
    pub async fn offer_by_access_token(&self, token: &str) -> Result<Option<OfferRecord>, Error> {
        if token.len() > 128 {
            return Ok(None);
        }
        self.offer_where("access_token_hash", &secret_hash(token)).await
    }

    /// Redeems a pre-authorized code (with its PIN) for an access token valid `token_ttl`
    /// seconds. The code is single-use; a wrong PIN counts an attempt, and the last one
    /// locks the offer.
    pub async fn redeem_code(
        &self,
        code: &str,
        tx_code: Option<&str>,
        token_ttl: i64,
    ) -> Result<Result<AccessToken, CodeRefusal>, Error> {
        if code.len() > 128 || tx_code.is_some_and(|t| t.len() > 64) {
            return Ok(Err(CodeRefusal::InvalidCode));
        }
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let row: Option<(String, Option<String>, i64, String, i64)> = sqlx::query_as(
            "SELECT id, tx_code_hash, tx_code_attempts, state, expires_at FROM offers WHERE code_hash = $1",
        )
        .bind(secret_hash(code))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, pin_hash, attempts, state, expires_at)) = row else {
            return Ok(Err(CodeRefusal::InvalidCode));
        };
        if state != OfferState::Offered.as_str() || expires_at <= now || attempts >= MAX_TX_CODE_ATTEMPTS {
            return Ok(Err(CodeRefusal::InvalidCode));
        }
        match (&pin_hash, tx_code) {
            (Some(_), None) => return Ok(Err(CodeRefusal::TxCodeRequired)),
            (None, Some(_)) => return Ok(Err(CodeRefusal::TxCodeUnexpected)),
            _ => {}
        }
        if let (Some(expected), Some(pin)) = (&pin_hash, tx_code)
            && !pin_matches(self.pin_key.as_deref(), &id, pin, expected)?
        {
            let locked = attempts + 1 >= MAX_TX_CODE_ATTEMPTS;
            sqlx::query(
                "UPDATE offers SET tx_code_attempts = tx_code_attempts + 1, state = $1
                 WHERE id = $2 AND state = 'offered'",
            )
            .bind(if locked { "locked" } else { "offered" })
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if locked {
                super::audit::append(
                    &mut tx,
                    now,
                    "wallet",
                    "offer.lock",
                    Some(&id),
                    Some("too many wrong PINs"),
                )
                .await?;
            }
            tx.commit().await?;
            return Ok(Err(CodeRefusal::WrongTxCode { locked }));
        }
        let token = Zeroizing::new(format!("oid4vci_{}", random_string(32)));
        let done = sqlx::query(
            "UPDATE offers SET state = 'token_issued', access_token_hash = $1, token_expires_at = $2
             WHERE id = $3 AND state = 'offered' AND tx_code_attempts < $4",
        )
        .bind(secret_hash(&token))
        .bind(now + token_ttl)
        .bind(&id)
        .bind(MAX_TX_CODE_ATTEMPTS)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(Err(CodeRefusal::InvalidCode));
        }
        super::audit::append(&mut tx, now, "wallet", "offer.token", Some(&id), None).await?;
        tx.commit().await?;
        Ok(Ok(AccessToken {
            offer_id: id,
            token,
            expires_in: token_ttl,
        }))
    }

    /// Moves offer `id` from `from` to `to`; false if it was not in `from` (someone else won).
    pub async fn move_offer(&self, id: &str, from: OfferState, to: OfferState) -> Result<bool, Error> {
        let done = sqlx::query("UPDATE offers SET state = $1 WHERE id = $2 AND state = $3")
            .bind(to.as_str())
            .bind(id)
            .bind(from.as_str())
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Defers offer `id` (from `token_issued` to `pending`), remembering the holder's key;
    /// returns the transaction ID (shown once), or `None` if the offer was not in
    /// `token_issued`.
    pub async fn defer_offer(&self, id: &str, holder_jwk: &str) -> Result<Option<Zeroizing<String>>, Error> {
        let transaction_id = Zeroizing::new(random_string(24));
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let done = sqlx::query(
            "UPDATE offers SET state = 'pending', holder_jwk = $1, transaction_id_hash = $2
             WHERE id = $3 AND state = 'token_issued'",
        )
        .bind(holder_jwk)
        .bind(secret_hash(&transaction_id))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        super::audit::append(&mut tx, now, "wallet", "offer.defer", Some(id), None).await?;
        tx.commit().await?;
        Ok(Some(transaction_id))
    }

    /// Whether `transaction_id` is offer `id`'s deferred transaction.
    pub async fn offer_transaction_matches(&self, id: &str, transaction_id: &str) -> Result<bool, Error> {
        if transaction_id.len() > 128 {
            return Ok(false);
        }
        let row: Option<(String,)> = sqlx::query_as("SELECT id FROM offers WHERE id = $1 AND transaction_id_hash = $2")
            .bind(id)
            .bind(secret_hash(transaction_id))
            .fetch_optional(self.writer())
            .await?;
        Ok(row.is_some())
    }

    /// Approves offer `id` for issuance (audited `offer.approve`).
    pub async fn approve_offer(&self, id: &str, actor: &str) -> Result<OfferRecord, Error> {
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        let done = sqlx::query(
            "UPDATE offers SET approved = 1 WHERE id = $1 AND state IN ('offered', 'token_issued', 'pending')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return match self.offer(id).await? {
                None => Err(Error::NotFound(format!(
                    "offer {}",
                    id.chars().take(64).collect::<String>()
                ))),
                Some(offer) => Err(Error::Conflict(format!(
                    "offer {} is {}",
                    offer.id,
                    offer.state.as_str()
                ))),
            };
        }
        super::audit::append(&mut tx, now, actor, "offer.approve", Some(id), None).await?;
        tx.commit().await?;
        self.offer(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("offer {id}")))
    }

    /// Marks offer `id` (in `issuing`) redeemed with its credential; its claims are dropped
    /// (the credential record keeps what re-issuance needs).
    pub async fn finish_offer(&self, id: &str, credential_id: &str) -> Result<(), Error> {
        let now = unix_now();
        let mut tx = self.writer().begin_with(self.begin_statement()).await?;
        sqlx::query(
            "UPDATE offers SET state = 'redeemed', credential_id = $1, claims = '{}', holder_jwk = NULL
             WHERE id = $2 AND state = 'issuing'",
        )
        .bind(credential_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        super::audit::append(&mut tx, now, "wallet", "offer.redeem", Some(id), Some(credential_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new single-use nonce valid `ttl` seconds (expired ones are swept).
    pub async fn create_nonce(&self, ttl: i64) -> Result<String, Error> {
        let now = unix_now();
        let nonce = random_string(24);
        sqlx::query("DELETE FROM nonces WHERE expires_at <= $1")
            .bind(now)
            .execute(self.writer())
            .await?;
        sqlx::query("INSERT INTO nonces (value, expires_at) VALUES ($1, $2)")
            .bind(&nonce)
            .bind(now + ttl)
            .execute(self.writer())
            .await?;
        Ok(nonce)
    }

    /// Uses up `nonce`: true only for the one caller that consumed a live nonce.
    pub async fn consume_nonce(&self, nonce: &str) -> Result<bool, Error> {
        if nonce.len() > 128 {
            return Ok(false);
        }
        let done = sqlx::query("DELETE FROM nonces WHERE value = $1 AND expires_at > $2")
            .bind(nonce)
            .bind(unix_now())
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
