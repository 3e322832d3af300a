//! The connection-string parser: no panic on any input; a parsed endpoint is normalised (parsing it
//! again gives the same endpoint) and nothing printed holds the key.
#![no_main]

use acs_identity_edge::connection_string::{AccessKey, ConnectionString, Endpoint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Endpoint::parse(input);
    let _ = AccessKey::from_base64(input);
    match ConnectionString::parse(input) {
        Ok(cs) => {
            let ep = cs.endpoint();
            assert!(ep.as_str().starts_with("http://") || ep.as_str().starts_with("https://"));
            assert!(!ep.authority().contains('/'));
            assert_eq!(
                Endpoint::parse(ep.as_str()).as_ref(),
                Ok(ep),
                "normalised endpoints are fixed points"
            );
            let key = cs.access_key().expose_secret();
            let shown = format!("{cs:?}");
            if key.len() >= 8 {
                let text = String::from_utf8_lossy(key);
                assert!(
                    !shown.contains(text.as_ref()),
                    "Debug shows the key: {shown}"
                );
            }
        }
        Err(e) => {
            // No access-key value given in the input appears in the error. Only values that look like
            // keys are checked (8 characters or more with a digit, `+` or `=`), and not those that are
            // part of the fixed texts that have digits, so a value such as "endpoint" or "valid base64"
            // is not a false alarm.
            const FIXED: &str = "the access key is not valid base64|the endpoint has an unclosed IPv6 address|the endpoint has an invalid IPv6 address|InvalidConnectionString";
            let shown = format!("{e:?} {e}");
            for (name, value) in input.split(';').filter_map(|seg| seg.split_once('=')) {
                let value = value.trim();
                let key_like = value.len() >= 8
                    && value
                        .bytes()
                        .any(|b| b.is_ascii_digit() || b == b'+' || b == b'=')
                    && !FIXED.contains(value);
                if name.trim().eq_ignore_ascii_case("accesskey") && key_like {
                    assert!(
                        !shown.contains(value),
                        "error echoes the key {value:?}: {shown}"
                    );
                }
            }
        }
    }
});
