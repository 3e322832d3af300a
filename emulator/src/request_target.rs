//! Reading a request target as sent: percent-decoded path segments (ids arrive as `8%3Aacs%3A...`) and
//! query parameters.

/// Decodes `%XX` escapes; `None` when the result is not UTF-8. A `%` not followed by two hex digits
/// stays as it is.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The decoded, non-empty segments of a path (`/identities/8%3Aacs%3Ax/` -> `["identities", "8:acs:x"]`).
pub fn segments(path: &str) -> Option<Vec<String>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
}

/// The first value of query parameter `name` (name compared without case), decoded (`+` is a space).
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(&k.replace('+', " "))?;
        k.eq_ignore_ascii_case(name)
            .then(|| percent_decode(&v.replace('+', " ")))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_ids_and_keeps_stray_percents() {
        assert_eq!(percent_decode("8%3Aacs%3Aabc_1").unwrap(), "8:acs:abc_1");
        assert_eq!(percent_decode("8%3aacs").unwrap(), "8:acs");
        assert_eq!(percent_decode("100%").unwrap(), "100%");
        assert_eq!(percent_decode("%4").unwrap(), "%4");
        assert_eq!(percent_decode("%zz").unwrap(), "%zz");
        assert_eq!(percent_decode("%C3%A9").unwrap(), "é");
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn splits_paths_and_reads_queries() {
        assert_eq!(
            segments("/identities/8%3Aacs%3Ax/:issueAccessToken").unwrap(),
            ["identities", "8:acs:x", ":issueAccessToken"]
        );
        assert_eq!(segments("/identities/").unwrap(), ["identities"]);
        assert!(segments("/").unwrap().is_empty());
        let q = Some("a=1&API-Version=2023-10-01&api-version=x");
        assert_eq!(query_param(q, "api-version").unwrap(), "2023-10-01");
        assert_eq!(
            query_param(Some("api-version=2020-07-20%2Dpreview2"), "api-version").unwrap(),
            "2020-07-20-preview2"
        );
        assert_eq!(query_param(Some("flag"), "flag").unwrap(), "");
        assert_eq!(query_param(Some("a=1"), "api-version"), None);
        assert_eq!(query_param(None, "api-version"), None);
    }
}
