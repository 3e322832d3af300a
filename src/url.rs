//! URLs and endpoints: a resource endpoint normalised once ([`Endpoint`]), the splitting of an absolute
//! URL into scheme, authority and path-and-query, the normalising of a path-and-query as it is sent and
//! signed, and the percent-encoding of an id put into a path.

use crate::ascii;
use crate::error::{Error, ErrorKind, Result};

pub(crate) fn endpoint_error(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidConnectionString, message).with_target("endpoint")
}

/// URL scheme of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP, only sensible for a local emulator.
    Http,
    /// HTTPS.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A resource endpoint normalised to `scheme://host[:port]`: lower case, no trailing slash, default port
/// dropped (the default port is not part of the signed host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    /// `host[:port]`, as in the `Host` header and the string to sign.
    authority: String,
    host_len: usize,
    url: String,
}

impl Endpoint {
    /// Parses an endpoint URL: `http` or `https`, a host, an optional port, nothing after `/`.
    pub fn parse(input: &str) -> Result<Endpoint> {
        let input = input.trim();
        if input.is_empty() {
            return Err(endpoint_error("the endpoint is empty"));
        }
        let (scheme, rest) = split_scheme(input).ok_or_else(|| {
            endpoint_error(
                "the endpoint must start with https:// (or http:// for a local emulator)",
            )
        })?;
        let (authority, tail) = split_at_byte(rest, b"/?#");
        if !(tail.is_empty() || tail == "/") {
            return Err(endpoint_error(
                "the endpoint must not have a path, query or fragment",
            ));
        }
        let (host, port) = split_authority(authority)?;
        let authority = match port {
            Some(p) if p != scheme.default_port() => {
                let mut a = host.clone();
                a.push(':');
                ascii::push_decimal(&mut a, u64::from(p));
                a
            }
            _ => host.clone(),
        };
        let mut url = String::with_capacity(scheme.as_str().len() + 3 + authority.len());
        url.push_str(scheme.as_str());
        url.push_str("://");
        url.push_str(&authority);
        Ok(Endpoint {
            scheme,
            host_len: host.len(),
            authority,
            url,
        })
    }

    /// `https://host[:port]`, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host[:port]` as signed and as sent in `Host`; the port only when it is not the default.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The host name (or bracketed IPv6 address) alone.
    pub fn host(&self) -> &str {
        &self.authority[..self.host_len]
    }

    /// True for `localhost`, `127.0.0.0/8` and `[::1]`, where plain http does not leave the machine.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }
}

/// True for `localhost`, `127.0.0.0/8` and `[::1]`: names that never leave the machine. Not `*.localhost`,
/// which a resolver (a proxy, a `hosts` file, a DNS server that does not follow RFC 6761) may send
/// elsewhere.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    // 127.x.y.z: four dot-separated numbers of one to three digits, each at most 255, the first 127.
    let mut parts = 0;
    for part in ascii::split(&host, b'.') {
        match decimal(part, 3) {
            Some(n) if n <= 255 && (parts > 0 || n == 127) => parts += 1,
            _ => return false,
        }
    }
    parts == 4
}

/// The value of `1..=max_digits` ASCII digits; `None` for anything else.
fn decimal(digits: &str, max_digits: usize) -> Option<u32> {
    if digits.is_empty() || digits.len() > max_digits {
        return None;
    }
    digits.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `host[:port]` of an absolute URL (what follows `://`, up to the path, query or fragment), for messages.
#[cfg(any(target_arch = "wasm32", feature = "native"))]
pub(crate) fn host_of(url: &str) -> &str {
    // The URLs sent are an endpoint's, so http or https; `str`'s substring search would cost about 1 KB of wasm.
    let rest = split_scheme(url).map_or(url, |(_, rest)| rest);
    split_at_byte(rest, b"/?#").0
}

/// `s` split before its first byte that is one of `stops` (`(s, "")` when there is none).
pub(crate) fn split_at_byte<'a>(s: &'a str, stops: &[u8]) -> (&'a str, &'a str) {
    let i = s
        .bytes()
        .position(|b| stops.contains(&b))
        .unwrap_or(s.len());
    (s.get(..i).unwrap_or(s), s.get(i..).unwrap_or(""))
}

/// `http://...` or `https://...` (scheme in any case): the scheme and what follows `://`.
pub(crate) fn split_scheme(input: &str) -> Option<(Scheme, &str)> {
    let i = input.as_bytes().windows(3).position(|w| w == b"://")?;
    let name = input.get(..i)?;
    let scheme = if name.eq_ignore_ascii_case("https") {
        Scheme::Https
    } else if name.eq_ignore_ascii_case("http") {
        Scheme::Http
    } else {
        return None;
    };
    Some((scheme, input.get(i + 3..)?))
}

fn split_authority(authority: &str) -> Result<(String, Option<u16>)> {
    if authority.is_empty() {
        return Err(endpoint_error("the endpoint has no host"));
    }
    if ascii::find(authority, b'@').is_some() {
        return Err(endpoint_error(
            "the endpoint must not contain user information",
        ));
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let close = ascii::find(rest, b']')
            .ok_or_else(|| endpoint_error("the endpoint has an unclosed IPv6 address"))?;
        let host = &authority[..close + 2];
        let ip = &rest[..close];
        if ip.is_empty()
            || !ip
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(endpoint_error("the endpoint has an invalid IPv6 address"));
        }
        (host, &authority[close + 2..])
    } else {
        match ascii::find(authority, b':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        }
    };
    let port = match port {
        "" => None,
        p => match decimal(p.strip_prefix(':').unwrap_or(""), 5).map(u16::try_from) {
            Some(Ok(n)) if n > 0 => Some(n),
            _ => return Err(endpoint_error("the endpoint has an invalid port")),
        },
    };
    if host.is_empty() {
        return Err(endpoint_error("the endpoint has no host"));
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err(endpoint_error(
            "the endpoint host has characters a host name cannot have",
        ));
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// `/` for an empty path; a bare `?` with no query dropped; whitespace and control characters rejected
/// (they cannot be sent in a request line).
pub fn normalise_path_and_query(raw: &str) -> core::result::Result<String, &'static str> {
    if raw.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err("the url path or query has a space or control character; percent-encode it");
    }
    let mut out = String::with_capacity(raw.len() + 1);
    if !raw.starts_with('/') {
        out.push('/');
    }
    out.push_str(raw);
    // Only a bare `?` (the query is empty) goes; a query may itself end with `?` (`?a=?`).
    if out.find('?') == Some(out.len() - 1) {
        out.pop();
    }
    Ok(out)
}

/// Appends `value` percent-encoded as `encodeURIComponent` does (everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`),
/// which is how the JS SDK puts an id into a path: `8:acs:...` becomes `8%3Aacs%3A...`.
pub fn push_percent_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward reading of the loopback rule, to check the allocation-free one against.
    fn loopback_reference(host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if host == "localhost" || host == "[::1]" {
            return true;
        }
        let parts: Vec<&str> = host.split('.').collect();
        parts.len() == 4
            && parts[0] == "127"
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u16>().is_ok_and(|n| n <= 255)
            })
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LocalHost",
            "[::1]",
            "127.0.0.1",
            "127.255.255.255",
            "127.1.2.3",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "localhost.",
            "a.localhost",
            "evil.localhost",
            "EVIL.LOCALHOST",
            "127.0.0.1.localhost",
            "localhost.example.com",
            "[::2]:1",
            "[0:0:0:0:0:0:0:2]",
            "127.0.0",
            "127.0.0.1.",
            "127.0.0.256",
            "127.0.0.0001",
            "0127.0.0.1",
            "128.0.0.1",
            "127.0.0.-1",
            "127..0.1",
            "127.0.0.1a",
            "[::2]",
            "example.com",
            "127.0.0.+1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    proptest::proptest! {
        #[test]
        fn loopback_matches_the_reference(host in "(127|12[0-9]|[0-9]{0,4})(\\.[0-9+a-z]{0,4}){0,5}") {
            proptest::prop_assert_eq!(is_loopback_host(&host), loopback_reference(&host), "{}", host);
        }

        #[test]
        fn ports_parse_as_before(port in "[0-9+-]{0,7}") {
            let reference = !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|n| n > 0);
            let parsed = Endpoint::parse(&format!("https://h:{port}"));
            proptest::prop_assert_eq!(parsed.is_ok(), reference, "{}", port);
        }
    }

    #[test]
    fn only_a_bare_question_mark_is_dropped() {
        assert_eq!(normalise_path_and_query("/p?").unwrap(), "/p");
        assert_eq!(normalise_path_and_query("?").unwrap(), "/");
        assert_eq!(normalise_path_and_query("/p?a=?").unwrap(), "/p?a=?");
        assert_eq!(normalise_path_and_query("/p??").unwrap(), "/p??");
        assert_eq!(normalise_path_and_query("/p?a&b=c?").unwrap(), "/p?a&b=c?");
    }
}
