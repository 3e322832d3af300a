//! The request verifier the emulator uses (`signing::verify`).
//!
//! Mode 0 (first byte even): a request read from the input — key (base64) line, method line, target
//! line, host line, header lines, a blank line, then the body — verified against a clock set to its own
//! date header (plus an offset from the second byte), so that signed seeds reach the HMAC check.
//! Mode 1 (first byte odd): any request signed by `sign_target` verifies, and the same request with one
//! byte of the signed material changed does not.
#![no_main]

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::date;
use acs_identity_edge::signing::{self, ReceivedRequest, VerifyFailure};
use libfuzzer_sys::fuzz_target;

fn raw_mode(data: &[u8]) {
    let offset = i64::from(data[1] as i8) * 60;
    let Ok(text) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let (Some(key), Some(method), Some(target), Some(host)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return;
    };
    let key = AccessKey::from_base64(key)
        .unwrap_or_else(|_| AccessKey::from_bytes(key.as_bytes().to_vec()));
    let owned: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let headers: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let now = owned
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-ms-date") || n.eq_ignore_ascii_case("date"))
        .and_then(|(_, v)| date::parse_imf_fixdate(v))
        .unwrap_or(1_700_000_000)
        .saturating_add(offset);
    let request = ReceivedRequest {
        method,
        path_and_query: target,
        host,
        headers: &headers,
        body: body.as_bytes(),
    };
    for skew in [0u32, 900, u32::MAX] {
        match signing::verify(&key, &request, now, skew) {
            Ok(()) => {}
            Err(f) => assert!(!f.message().is_empty()),
        }
    }
}

fn round_trip(data: &[u8]) {
    let split = |d: &[u8], at: u8| -> (Vec<u8>, Vec<u8>) {
        match d.iter().position(|&b| b == at) {
            Some(i) => (d[..i].to_vec(), d[i + 1..].to_vec()),
            None => (d.to_vec(), Vec::new()),
        }
    };
    let when = 1_000_000_000 + i64::from(u32::from_le_bytes([data[1], data[2], data[3], data[4]]));
    let (key, rest) = split(&data[5..], 0);
    let (method, rest) = split(&rest, 0);
    let (target, rest) = split(&rest, 0);
    let (host, body) = split(&rest, 0);
    let method: String = String::from_utf8_lossy(&method)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    let method = if method.is_empty() {
        "POST".to_string()
    } else {
        method
    };
    let target = String::from_utf8_lossy(&target).into_owned();
    let host = String::from_utf8_lossy(&host).into_owned();
    let key = AccessKey::from_bytes(key);
    let signed = signing::sign_target(&key, &method, &host, &target, &body, when).expect("signs");
    let headers = [
        ("x-ms-date", signed.x_ms_date.as_str()),
        ("x-ms-content-sha256", signed.x_ms_content_sha256.as_str()),
        ("authorization", signed.authorization.as_str()),
    ];
    let request = ReceivedRequest {
        method: &method,
        path_and_query: &target,
        host: &host,
        headers: &headers,
        body: &body,
    };
    // Header values are compared trimmed, as HTTP strips them; a host or target with surrounding
    // whitespace cannot be sent, so only those that survive a trim are expected to verify.
    assert_eq!(
        signing::verify(&key, &request, when, 0),
        Ok(()),
        "{method} {target:?} {host:?}"
    );
    // One byte of the body changed: the content hash no longer matches.
    if !body.is_empty() {
        let mut other = body.clone();
        other[0] ^= 1;
        let r = signing::verify(
            &key,
            &ReceivedRequest {
                body: &other,
                ..request
            },
            when,
            0,
        );
        assert_eq!(r, Err(VerifyFailure::ContentHash));
    }
    // Another target or host: the signature no longer matches.
    let other_target = format!("{target}x");
    let r = signing::verify(
        &key,
        &ReceivedRequest {
            path_and_query: &other_target,
            ..request
        },
        when,
        0,
    );
    assert_eq!(r, Err(VerifyFailure::Signature));
    let other_host = format!("{host}x");
    let r = signing::verify(
        &key,
        &ReceivedRequest {
            host: &other_host,
            ..request
        },
        when,
        0,
    );
    assert_eq!(r, Err(VerifyFailure::Signature));
    // Another key.
    let mut other_key = key.expose_secret().to_vec();
    other_key.push(1);
    let r = signing::verify(&AccessKey::from_bytes(other_key), &request, when, 0);
    assert_eq!(r, Err(VerifyFailure::Signature));
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    if data[0] % 2 == 0 {
        raw_mode(data);
    } else {
        round_trip(data);
    }
});
