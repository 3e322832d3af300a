//! HMAC authentication of API requests, with the library's verifier. The signature is checked against
//! the `Host` header as sent, then the same host without its port, then with `:443`: official SDKs
//! disagree about which one they sign.

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::{verify, ReceivedRequest, VerifyFailure};

/// The hosts a signature may have been made for, in the order they are tried.
pub fn host_variants(host: &str) -> Vec<String> {
    let host = host.trim();
    let bare = strip_port(host);
    let mut out = vec![host.to_string()];
    for candidate in [bare.to_string(), format!("{bare}:443")] {
        if !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

/// `host` without a trailing `:port` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i)
            if host[i + 1..].bytes().all(|b| b.is_ascii_digit()) && !host[..i].ends_with(':') =>
        {
            if host.starts_with('[') && !host[..i].ends_with(']') {
                host
            } else {
                &host[..i]
            }
        }
        _ => host,
    }
}

/// Verifies a request whose `host` is the `Host` header as sent. Only a signature mismatch depends on
/// the host, so only that is retried with the other host forms; any other failure is reported at once.
pub fn authenticate(
    key: &AccessKey,
    request: &ReceivedRequest<'_>,
    now_seconds: i64,
    max_skew_seconds: u32,
) -> Result<(), VerifyFailure> {
    let mut first_failure = None;
    for candidate in host_variants(request.host) {
        let attempt = ReceivedRequest {
            host: &candidate,
            ..*request
        };
        match verify(key, &attempt, now_seconds, max_skew_seconds) {
            Ok(()) => return Ok(()),
            Err(VerifyFailure::Signature) => {
                first_failure.get_or_insert(VerifyFailure::Signature);
            }
            Err(other) => return Err(other),
        }
    }
    Err(first_failure.unwrap_or(VerifyFailure::Signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use acs_identity_edge::signing::sign_target;

    #[test]
    fn host_variants_cover_what_sdks_sign() {
        assert_eq!(
            host_variants("127.0.0.1:8443"),
            ["127.0.0.1:8443", "127.0.0.1", "127.0.0.1:443"]
        );
        assert_eq!(host_variants("localhost"), ["localhost", "localhost:443"]);
        assert_eq!(
            host_variants("example.com:443"),
            ["example.com:443", "example.com"]
        );
        assert_eq!(
            host_variants("[::1]:99"),
            ["[::1]:99", "[::1]", "[::1]:443"]
        );
        assert_eq!(host_variants("[::1]"), ["[::1]", "[::1]:443"]);
    }

    #[test]
    fn a_signature_over_any_host_form_is_accepted_and_others_are_not() {
        let key = AccessKey::from_bytes(b"k".to_vec());
        let now = 1_700_000_000;
        for signed_host in ["127.0.0.1:8443", "127.0.0.1", "127.0.0.1:443"] {
            let s = sign_target(
                &key,
                "POST",
                signed_host,
                "/identities?api-version=2023-10-01",
                b"{}",
                now,
            )
            .unwrap();
            let headers = [
                ("x-ms-date", s.x_ms_date.as_str()),
                ("x-ms-content-sha256", s.x_ms_content_sha256.as_str()),
                ("authorization", s.authorization.as_str()),
            ];
            let check = |host: &str| {
                let request = ReceivedRequest {
                    method: "POST",
                    path_and_query: "/identities?api-version=2023-10-01",
                    host,
                    headers: &headers,
                    body: b"{}",
                };
                authenticate(&key, &request, now, 900)
            };
            assert_eq!(check("127.0.0.1:8443"), Ok(()), "{signed_host}");
            assert_eq!(check("localhost:8443"), Err(VerifyFailure::Signature));
        }
        let s = sign_target(&key, "POST", "h", "/identities", b"{}", now).unwrap();
        let headers = [
            ("x-ms-date", s.x_ms_date.as_str()),
            ("x-ms-content-sha256", s.x_ms_content_sha256.as_str()),
            ("authorization", s.authorization.as_str()),
        ];
        let request = |body: &'static [u8]| ReceivedRequest {
            method: "POST",
            path_and_query: "/identities",
            host: "h",
            headers: &headers,
            body,
        };
        assert_eq!(
            authenticate(&key, &request(b"{ }"), now, 900),
            Err(VerifyFailure::ContentHash)
        );
        assert_eq!(
            authenticate(&key, &request(b"{}"), now + 901, 900),
            Err(VerifyFailure::ClockSkew)
        );
    }
}
