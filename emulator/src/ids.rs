//! Random identifiers: identity ids, correlation vectors (`MS-CV`), `X-Azure-Ref` values.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;

/// The operating system's random generator failed (it does not on supported platforms).
#[derive(Debug)]
pub struct RandomUnavailable;

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomUnavailable> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|_| RandomUnavailable)?;
    Ok(buf)
}

/// 16 bytes written as a lower-case GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub use acs_identity_edge::client::format_guid as guid;

/// Whether `s` is a GUID (`8-4-4-4-12` hex digits, either case).
pub use acs_identity_edge::operations::is_guid;

/// A new ACS user id of `resource_id`: `8:acs:<resource id>_<guid>`, the shape the service issues.
pub fn new_user_id(resource_id: &str) -> Result<String, RandomUnavailable> {
    let mut bytes = random_bytes::<16>()?;
    // The service's ids start with a small counter-like prefix (`00000008-...`); keep that look.
    bytes[0] = 0;
    bytes[1] = 0;
    bytes[2] = 0;
    bytes[3] &= 0x3f;
    Ok(format!("8:acs:{resource_id}_{}", guid(bytes)))
}

/// A correlation vector as the service sends in `MS-CV`: 22 base64 characters and `.0`.
pub fn ms_cv() -> String {
    let bytes = random_bytes::<16>().unwrap_or([0; 16]);
    let mut s = STANDARD_NO_PAD.encode(bytes);
    s.push_str(".0");
    s
}

/// An `X-Azure-Ref` value: `0` and base64 of a random reference, like the service's edge.
pub fn azure_ref() -> String {
    let mut raw = Vec::with_capacity(32);
    raw.extend_from_slice(&random_bytes::<16>().unwrap_or([0; 16]));
    raw.extend_from_slice(b"ACSEMULATOR0");
    let mut s = String::from("0");
    s.push_str(&STANDARD.encode(raw));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_user_ids_have_the_service_shape() {
        let g = guid([0xab; 16]);
        assert_eq!(g, "abababab-abab-abab-abab-abababababab");
        assert!(is_guid(&g));
        assert!(!is_guid("abababab-abab-abab-abab-ababababababX"));
        assert!(!is_guid("abababab_abab-abab-abab-abababababab"));
        let id = new_user_id("ac5e0000-0000-4000-8000-000000000001").unwrap();
        let suffix = id
            .strip_prefix("8:acs:ac5e0000-0000-4000-8000-000000000001_")
            .unwrap();
        assert!(is_guid(suffix), "{id}");
        assert!(suffix.starts_with("000000"));
        assert_ne!(
            id,
            new_user_id("ac5e0000-0000-4000-8000-000000000001").unwrap()
        );
    }

    #[test]
    fn correlation_values_look_like_the_service() {
        let cv = ms_cv();
        assert_eq!(cv.len(), 24);
        assert!(cv.ends_with(".0"));
        assert!(azure_ref().starts_with('0'));
    }
}
