//! Azure Communication Services identity and HMAC request signing, for edge runtimes, Node, Deno and
//! browsers (through WebAssembly) and for native Rust.
//!
//! The core is sans-I/O: parsing a connection string, signing a request and verifying one are pure
//! functions that take the time as an argument.
//!
//! ```
//! use acs_identity_edge::{connection_string::ConnectionString, signing};
//!
//! let cs = ConnectionString::parse("endpoint=https://contoso.communication.azure.com/;accesskey=pw==")?;
//! let url = format!("{}/identities?api-version=2023-10-01", cs.endpoint().as_str());
//! let signed = signing::sign(cs.access_key(), "POST", &url, b"", 1_649_873_352)?;
//! assert_eq!(signed.x_ms_date, "Wed, 13 Apr 2022 18:09:12 GMT");
//! assert!(signed.authorization.starts_with("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="));
//! # Ok::<(), acs_identity_edge::Error>(())
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

mod ascii;
pub mod connection_string;
pub mod credential;
pub mod date;
pub mod error;
pub mod header;
#[cfg(target_arch = "wasm32")]
pub mod js;
mod redact;
pub mod signing;
pub mod url;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorKind, Result, ServiceError};
pub mod access_token;
pub mod client;
pub mod entra;
pub mod identifier;
pub mod json;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub mod native;
pub mod operations;
pub mod retry;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The crate README's examples (crates.io's page), compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README-crate.md")]
struct CrateReadmeDoctests;
