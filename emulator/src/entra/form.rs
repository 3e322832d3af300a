//! `application/x-www-form-urlencoded` bodies, parsed as the WHATWG URL standard says: `&`-separated
//! `name=value` pairs, `+` is a space, `%XX` is a byte, anything else (a lone `%`, a bad escape) is kept
//! as written, and bytes that are not UTF-8 become U+FFFD. Parsing never fails; a field given twice
//! has its values joined with `,`, as ASP.NET's form collection does, so a doubled `client_secret` or
//! `scope` can only fail its check, never pick one of the two.

/// The fields of a form body, in order of first appearance. Its `Debug` shows the field names only (the
/// values hold the client secret or assertion).
#[derive(Default)]
pub struct Form {
    fields: Vec<(String, String)>,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.fields.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Form {
    /// Parses a body.
    pub fn parse(body: &[u8]) -> Form {
        let mut form = Form::default();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let name = decode(name);
            let value = decode(value);
            match form.fields.iter_mut().find(|(n, _)| *n == name) {
                Some((_, existing)) => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                None => form.fields.push((name, value)),
            }
        }
        form
    }

    /// A field's value; `None` when it is absent or empty (Entra treats both as missing).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => match (raw.get(i + 1).and_then(hex), raw.get(i + 2).and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: &u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_as_browsers_encode_them() {
        let form = Form::parse(
            b"grant_type=client_credentials&client_id=abc&scope=https%3A%2F%2Fcommunication.azure.com%2F%2F.default&client_secret=a+b%2Bc%7E",
        );
        assert_eq!(form.get("grant_type"), Some("client_credentials"));
        assert_eq!(form.get("client_id"), Some("abc"));
        assert_eq!(
            form.get("scope"),
            Some("https://communication.azure.com//.default")
        );
        assert_eq!(form.get("client_secret"), Some("a b+c~"));
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn odd_input_is_kept_or_replaced_never_refused() {
        let form = Form::parse(b"a=%&b=%zz%4&c=%ff%41&&=x&d&e=");
        assert_eq!(form.get("a"), Some("%"));
        assert_eq!(form.get("b"), Some("%zz%4"));
        assert_eq!(form.get("c"), Some("\u{fffd}A"));
        assert_eq!(form.get(""), Some("x"));
        assert_eq!(form.get("d"), None, "a name without a value is empty");
        assert_eq!(form.get("e"), None);
        assert_eq!(Form::parse(b"").get("a"), None);
        assert_eq!(
            Form::parse(br#"{"grant_type":"client_credentials"}"#).get("grant_type"),
            None
        );
    }

    #[test]
    fn a_repeated_field_joins_its_values() {
        let form = Form::parse(b"client_secret=one&client_secret=two&scope=x");
        assert_eq!(form.get("client_secret"), Some("one,two"));
        assert_eq!(form.get("scope"), Some("x"));
    }

    #[test]
    fn debug_output_names_the_fields_without_their_values() {
        let form =
            Form::parse(b"client_id=abc&client_secret=Qx8Q~s3cret&grant_type=client_credentials");
        let shown = format!("{form:?}");
        assert_eq!(shown, r#"["client_id", "client_secret", "grant_type"]"#);
    }
}
