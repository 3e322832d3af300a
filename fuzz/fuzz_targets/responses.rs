//! Every response parser, the service-error reader, the retry-header reader and the date parsers, on any
//! status, headers and body: a typed result or a typed error, never a panic.
//!
//! Input: byte 0 and 1 the status (big endian, taken modulo 600), byte 2 how many of the following lines
//! are headers (`name: value`), then those lines, then the body.
#![no_main]

use acs_identity_edge::date;
use acs_identity_edge::operations::{self, Response};
use acs_identity_edge::retry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 600;
    let header_lines = usize::from(data[2] % 8);
    let mut rest = &data[3..];
    let mut headers = Vec::new();
    for _ in 0..header_lines {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        rest = &rest[end + 1..];
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let response = Response {
        status,
        headers: headers.clone(),
        body: rest.to_vec(),
    };
    let ok = response.is_success();
    for result in [
        operations::parse_create_user_response(&response).map(|_| ()),
        operations::parse_create_user_and_token_response(&response).map(|_| ()),
        operations::parse_token_response(&response).map(|_| ()),
        operations::parse_empty_response(&response).map(|_| ()),
        operations::parse_get_user_response(&response).map(|_| ()),
    ] {
        if let Err(e) = result {
            let _ = (e.to_string(), format!("{e:?}"), e.code());
        } else {
            assert!(ok, "a result from status {status}");
        }
    }
    let e = operations::service_error(status, &headers, rest);
    assert_eq!(e.status(), Some(status));
    for now in [0i64, 1_700_000_000_000, i64::MAX, i64::MIN] {
        let _ = retry::retry_after_ms(&headers, now);
    }
    if let Ok(text) = std::str::from_utf8(rest) {
        if let Some(t) = date::parse_imf_fixdate(text) {
            let again = date::format_imf_fixdate(t).expect("a parsed date formats");
            assert_eq!(date::parse_imf_fixdate(&again), Some(t));
        }
        if let Some(ms) = date::parse_iso8601(text) {
            if let Some(again) = date::format_expires_on(ms) {
                assert_eq!(date::parse_iso8601(&again), Some(ms), "{text} -> {again}");
            }
        }
    }
});
