//! Connection strings (`endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>`): a
//! forgiving parser (any order, any case, whitespace and empty segments ignored) that is strict where it
//! matters (one endpoint without a path, one valid base64 key), and the [`AccessKey`] secret type.

use crate::ascii;
use crate::error::{Error, ErrorKind, Result};
use crate::url::endpoint_error;
pub use crate::url::{is_loopback_host, Endpoint, Scheme};
use base64::Engine as _;
use zeroize::Zeroize;

/// The decoded HMAC key of a resource. Its `Debug` is redacted, it has no `Display`, and its bytes are
/// zeroed when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey(Vec<u8>);

impl AccessKey {
    /// Decodes a standard-base64 access key as the Azure portal shows it.
    pub fn from_base64(encoded: &str) -> Result<AccessKey> {
        let encoded = encoded.trim();
        if encoded.is_empty() {
            return Err(key_error("the access key is empty"));
        }
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map(AccessKey)
            .map_err(|e| key_error("the access key is not valid base64").with_source(e))
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> AccessKey {
        AccessKey(bytes.into())
    }

    /// The key bytes, for the HMAC. Keep them out of anything that is printed.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for AccessKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(<redacted>)")
    }
}

fn key_error(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidConnectionString, message).with_target("accesskey")
}

/// A parsed connection string: the endpoint and the access key.
#[derive(Clone, Debug)]
pub struct ConnectionString {
    endpoint: Endpoint,
    access_key: AccessKey,
}

impl ConnectionString {
    /// Parses `endpoint=...;accesskey=...`. Segments split at the first `=`, keys are case-insensitive and
    /// may come in any order; whitespace is trimmed; empty segments and unknown keys are ignored; a key given
    /// twice is an error. Errors name the part (`target()` is `endpoint` or `accesskey`) and never hold the key.
    pub fn parse(input: &str) -> Result<ConnectionString> {
        let mut endpoint: Option<&str> = None;
        let mut access_key: Option<&str> = None;
        for segment in ascii::split(input, b';') {
            let segment = segment.trim();
            if segment.is_empty() {
                continue;
            }
            let Some((name, value)) = ascii::split_once(segment, b'=') else {
                continue;
            };
            let is_endpoint = match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => true,
                "accesskey" => false,
                _ => continue,
            };
            let slot = if is_endpoint {
                &mut endpoint
            } else {
                &mut access_key
            };
            if slot.is_some() {
                return Err(if is_endpoint {
                    endpoint_error("the connection string names the endpoint twice")
                } else {
                    key_error("the connection string names the access key twice")
                });
            }
            *slot = Some(value.trim());
        }
        let endpoint =
            endpoint.ok_or_else(|| endpoint_error("the connection string has no endpoint"))?;
        let endpoint = Endpoint::parse(endpoint)?;
        let access_key =
            access_key.ok_or_else(|| key_error("the connection string has no access key"))?;
        let access_key = AccessKey::from_base64(access_key)?;
        Ok(ConnectionString {
            endpoint,
            access_key,
        })
    }

    /// Builds one from parts.
    pub fn new(endpoint: Endpoint, access_key: AccessKey) -> ConnectionString {
        ConnectionString {
            endpoint,
            access_key,
        }
    }

    /// The normalised endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The decoded access key.
    pub fn access_key(&self) -> &AccessKey {
        &self.access_key
    }
}
