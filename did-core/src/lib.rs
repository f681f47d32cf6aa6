#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[cfg(feature = "service")]
pub mod budget;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod data_integrity;
pub mod did;
pub mod document;
mod error;
#[cfg(feature = "did-web")]
pub mod http;
pub mod jose;
pub mod json;
pub mod json_pointer;
pub mod key;
#[cfg(feature = "service")]
pub mod logging;
#[cfg(feature = "service")]
pub mod metrics;
pub mod multibase;
#[cfg(feature = "service")]
pub mod problem;
pub mod resolve;
pub mod sd_jwt;
pub mod secure;
#[cfg(feature = "service")]
pub mod server;
pub mod status;
mod text;
pub mod vc;

pub use error::Error;
