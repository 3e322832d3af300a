//! CORS: which pages on other origins may call the API (`--cors-origins`), what they may send and what
//! they may read. The default key is public, so by default only pages on this machine's loopback
//! origins (and the emulator's own) may drive the emulator from a browser: a page elsewhere on the web
//! cannot, because every API request needs headers that make the browser ask first (a preflight).

use crate::protocol::Reply;
use hyper::StatusCode;
use std::net::IpAddr;

/// The origins allowed by `--cors-origins`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsOrigins {
    /// `*`: any origin.
    any: bool,
    /// `loopback`: http(s) on localhost, 127.0.0.0/8 or [::1], any port.
    loopback: bool,
    /// Exact origins, lower case, without a trailing slash.
    exact: Vec<String>,
}

impl CorsOrigins {
    /// Parses the flag's comma-separated list; `Err` with the item that is not an origin.
    pub fn parse(list: &str) -> Result<CorsOrigins, String> {
        let mut out = CorsOrigins::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "*" => out.any = true,
                _ if item.eq_ignore_ascii_case("loopback") => out.loopback = true,
                _ => {
                    let origin = item.trim_end_matches('/').to_ascii_lowercase();
                    if split_origin(&origin).is_none() {
                        return Err(item.to_string());
                    }
                    out.exact.push(origin);
                }
            }
        }
        Ok(out)
    }

    /// Whether a page of `origin` (the `Origin` header) may call the API of the emulator at
    /// `own_origin`.
    pub fn allows(&self, origin: &str, own_origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.any
            || origin == own_origin.to_ascii_lowercase()
            || self.exact.contains(&origin)
            || (self.loopback && is_loopback_origin(&origin))
    }
}

/// `scheme://host[:port]` of an `http` or `https` origin, as (scheme, host, port text).
fn split_origin(origin: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = origin.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let (host, port) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains(']') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    let port_ok = port.map_or(true, |p| {
        !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
    });
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    (port_ok && host_ok).then_some((scheme, host, port))
}

/// http(s) on `localhost`, `127.0.0.0/8` or `[::1]`, any port (not `*.localhost`, which a browser may
/// resolve elsewhere).
fn is_loopback_origin(origin: &str) -> bool {
    let Some((_, host, _)) = split_origin(origin) else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    literal.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Request headers a browser page may send to the API (CORS), beyond the ones it asks for.
const ALLOW_HEADERS: &str = "authorization, x-ms-date, x-ms-content-sha256, content-type, x-ms-client-request-id, x-ms-return-client-request-id, x-ms-useragent, accept, x-emulator-fault";
/// Response headers a browser page may read (CORS).
pub const EXPOSE_HEADERS: &str = "ms-cv, x-ms-client-request-id, retry-after, retry-after-ms, api-supported-versions, x-azure-ref, x-processing-time";
const ALLOW_METHODS: &str = "GET, HEAD, POST, PATCH, DELETE, OPTIONS";

/// The answer to a preflight of an allowed origin: the methods, and the headers the API allows plus the
/// well-formed names the preflight asks for. (The server adds the `access-control-allow-origin`.)
pub fn preflight(requested: Option<&str>) -> Reply {
    let mut allow = ALLOW_HEADERS.to_string();
    for name in requested.unwrap_or("").split(',').map(str::trim) {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid && !allow.split(", ").any(|a| a.eq_ignore_ascii_case(name)) {
            allow.push_str(", ");
            allow.push_str(&name.to_ascii_lowercase());
        }
    }
    Reply::empty(StatusCode::NO_CONTENT)
        .with_header("access-control-allow-methods", ALLOW_METHODS)
        .with_header("access-control-allow-headers", allow)
        .with_header("access-control-max-age", "600")
}

/// The answer to a preflight from an origin `--cors-origins` does not allow.
pub fn refused_preflight(origin: &str) -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "OriginNotAllowed",
        format!("Pages of {origin} may not call this emulator; allow them with --cors-origins."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "http://127.0.0.1:10090";

    #[test]
    fn the_default_allows_loopback_pages_only() {
        let default = CorsOrigins::parse("loopback").unwrap();
        for origin in [
            "http://localhost:5173",
            "http://LOCALHOST",
            "https://127.0.0.1:8443",
            "http://127.1.2.3:1",
            "http://[::1]:3000",
            OWN,
        ] {
            assert!(default.allows(origin, OWN), "{origin}");
        }
        for origin in [
            "https://evil.example",
            "http://evil.localhost:5173",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "null",
            "file://",
            "http://[::2]:1",
            "",
        ] {
            assert!(!default.allows(origin, OWN), "{origin}");
        }
    }

    #[test]
    fn the_flag_lists_exact_origins_loopback_or_any() {
        let list = CorsOrigins::parse("https://app.example.test/, http://localhost:3000").unwrap();
        assert!(list.allows("https://app.example.test", OWN));
        assert!(list.allows("http://localhost:3000", OWN));
        assert!(
            !list.allows("http://localhost:3001", OWN),
            "no loopback unless asked"
        );
        assert!(list.allows(OWN, OWN), "the emulator's own origin");
        assert!(!list.allows("https://app.example.test.evil", OWN));
        let any = CorsOrigins::parse("*").unwrap();
        assert!(any.allows("https://anything.example", OWN));
        for bad in [
            "app.example.test",
            "ftp://x",
            "https://",
            "https://a b",
            "http://x:port",
        ] {
            assert_eq!(CorsOrigins::parse(bad), Err(bad.to_string()));
        }
    }
}
