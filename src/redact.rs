//! What `Debug` output shows of a secret: never the secret. An `Authorization` value keeps its scheme (and,
//! for HMAC, its `SignedHeaders`); a JWT-looking value, and the value of a member whose name says it is a
//! secret, become `<redacted>`.

/// What a secret is shown as.
pub(crate) const REDACTED: &str = "<redacted>";

/// An `Authorization` value without its secret: `HMAC-SHA256 SignedHeaders=...&Signature=<redacted>`, or
/// the scheme followed by `<redacted>` (`Bearer <redacted>`).
pub(crate) fn authorization(value: &str) -> String {
    let value = value.trim();
    let kept = match value.find("&Signature=") {
        Some(i) => &value[..i + "&Signature=".len()],
        None => match value.find(' ') {
            Some(i) => &value[..=i],
            None => "",
        },
    };
    let mut out = String::with_capacity(kept.len() + REDACTED.len());
    out.push_str(kept);
    out.push_str(REDACTED);
    out
}

/// How the name of a member that holds a secret ends (the package's JS redacts traces by the same list,
/// which `tests/js/facts.test.mjs` checks).
const SECRET_NAME_ENDINGS: [&str; 5] = ["token", "secret", "assertion", "password", "key"];

/// True for a member or field name that holds a secret: one ending in `token`, `secret`, `assertion`,
/// `password` or `key`, in any case (`token`, `access_token`, `client_secret`, `client_assertion`).
pub(crate) fn is_secret_name(name: &str) -> bool {
    let name = name.as_bytes();
    SECRET_NAME_ENDINGS.iter().any(|end| {
        name.len() >= end.len()
            && name[name.len() - end.len()..].eq_ignore_ascii_case(end.as_bytes())
    })
}

/// True when `text` contains something shaped like a JWT: `eyJ` (base64url of `{"`) starting a run of
/// base64url characters with at least two dots.
pub(crate) fn contains_jwt(text: &str) -> bool {
    let bytes = text.as_bytes();
    let part = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    let mut i = 0;
    while let Some(at) = text[i..].find("eyJ") {
        let start = i + at;
        let end = bytes[start..]
            .iter()
            .position(|&b| !part(b))
            .map_or(bytes.len(), |n| start + n);
        if bytes[start..end].iter().filter(|&&b| b == b'.').count() >= 2 {
            return true;
        }
        i = end.max(start + 3);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_keeps_the_scheme_and_signed_headers_only() {
        assert_eq!(
            authorization(
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=abc+/="
            ),
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<redacted>"
        );
        assert_eq!(authorization("Bearer eyJ.a.b"), "Bearer <redacted>");
        assert_eq!(authorization(" Bearer  x "), "Bearer <redacted>");
        assert_eq!(authorization("opaque"), "<redacted>");
        assert_eq!(authorization(""), "<redacted>");
    }

    #[test]
    fn secret_names_and_jwts() {
        for name in [
            "token",
            "access_token",
            "Token",
            "client_secret",
            "client_assertion",
            "accessKey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "",
            "expiresOn",
            "tokenExpiresInMinutes",
            "id",
            "scopes",
            "keys",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
        for text in ["eyJhbGci.eyJzdWIi.sig", "Bearer eyJa.b.", "x eyJ eyJa.b.c"] {
            assert!(contains_jwt(text), "{text}");
        }
        for text in [
            "",
            "eyJ",
            "eyJa.b",
            "heyJa.b c.d",
            "8:acs:eyJ-1",
            "eyJ.",
            "é eyJ",
        ] {
            assert!(!contains_jwt(text), "{text}");
        }
    }
}
