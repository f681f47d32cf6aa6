//! The issuer's reader of JSON it is sent (request bodies of the admin API, the VC-API and
//! OpenID4VCI, and the `issue` command's credential file): did-core's strict reader, which
//! refuses duplicate member names at any depth and says where the duplicate is.
//!
//! `serde_json` keeps the last of two members with the same name, so `{"claims": {"name":
//! "A", "name": "B"}}` would mean "B" here and "A" to a reader that keeps the first: what an
//! administrator's tool showed and what the issuer signed could differ.

pub(crate) use did_core::json::{StrictJsonError as JsonError, check, parse_value as parse};
