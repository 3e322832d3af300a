//! HMAC authentication as the service does it: x-ms-date or Date, the host as sent or without its port
//! or with :443, a clock-skew window, and a 401 `Denied` that says which check failed for every kind of
//! tampering, never echoing the key.

mod common;

use acs_identity_edge::connection_string::AccessKey;
use common::*;

const TARGET: &str = "/identities?api-version=2023-10-01";

fn send(
    emu: &Emulator,
    method: &str,
    target: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> Response {
    let mut headers = headers;
    headers.push(("content-type".into(), "application/json".into()));
    emu.raw(method, target, &headers, body)
}

fn set(headers: &mut [(String, String)], name: &str, value: &str) {
    for (k, v) in headers.iter_mut() {
        if k.eq_ignore_ascii_case(name) {
            *v = value.to_string();
        }
    }
}

fn denied(r: &Response, message: &str) {
    r.assert_error(401, "Denied", message, None);
    assert!(!r.text().contains(DEV_KEY));
}

const SIGNATURE: &str = "Request signature is not valid.";
const HASH: &str = "Request 'x-ms-content-sha256' differs from generated content hash.";
const SKEW: &str = "Request date is outside the allowed clock skew.";

#[test]
fn both_date_headers_and_every_host_form_are_accepted() {
    let emu = Emulator::start(&[]);
    let now = unix_now();
    let hosts = [
        emu.host(),
        "127.0.0.1".to_string(),
        "127.0.0.1:443".to_string(),
    ];
    for signed_host in &hosts {
        let r = send(
            &emu,
            "POST",
            TARGET,
            sign_headers(&emu.key, "POST", signed_host, TARGET, b"{}", now),
            b"{}",
        );
        assert_eq!(r.status, 201, "x-ms-date over {signed_host}: {}", r.text());
        let r = send(
            &emu,
            "POST",
            TARGET,
            sign_headers_with_date(&emu.key, "POST", signed_host, TARGET, b"{}", now),
            b"{}",
        );
        assert_eq!(r.status, 201, "Date over {signed_host}: {}", r.text());
    }
    // The Host header as the client sent it decides: a client that reached the emulator as localhost.
    let mut h = sign_headers(
        &emu.key,
        "POST",
        &format!("localhost:{}", emu.port),
        TARGET,
        b"",
        now,
    );
    h.push(("host".into(), format!("localhost:{}", emu.port)));
    assert_eq!(send(&emu, "POST", TARGET, h, b"").status, 201);
}

#[test]
fn every_kind_of_tampering_gets_401_naming_the_failed_check() {
    let emu = Emulator::start(&[]);
    let now = unix_now();
    let body = br#"{"createTokenWithScopes":["chat"]}"#;
    let good = || sign_headers(&emu.key, "POST", &emu.host(), TARGET, body, now);
    assert_eq!(send(&emu, "POST", TARGET, good(), body).status, 201);

    // Body changed after signing: the content hash no longer matches.
    let r = send(
        &emu,
        "POST",
        TARGET,
        good(),
        br#"{"createTokenWithScopes":["voip"]}"#,
    );
    denied(&r, HASH);
    // Body and hash changed consistently, signature kept: signature.
    let other = br#"{"createTokenWithScopes":["voip"]}"#;
    let mut h = good();
    set(
        &mut h,
        "x-ms-content-sha256",
        &acs_identity_edge::signing::content_hash(other),
    );
    denied(&send(&emu, "POST", TARGET, h, other), SIGNATURE);
    // Path.
    let path = "/identities/?api-version=2023-10-01";
    denied(&send(&emu, "POST", path, good(), body), SIGNATURE);
    // Query.
    let query = "/identities?api-version=2022-10-01";
    denied(&send(&emu, "POST", query, good(), body), SIGNATURE);
    // Date, within the skew window.
    let mut h = good();
    set(
        &mut h,
        "x-ms-date",
        &acs_identity_edge::date::format_imf_fixdate(now - 60).unwrap(),
    );
    denied(&send(&emu, "POST", TARGET, h, body), SIGNATURE);
    // Host.
    let mut h = good();
    h.push(("host".into(), format!("localhost:{}", emu.port)));
    denied(&send(&emu, "POST", TARGET, h, body), SIGNATURE);
    // Method.
    let h = sign_headers(&emu.key, "PUT", &emu.host(), TARGET, body, now);
    denied(&send(&emu, "POST", TARGET, h, body), SIGNATURE);
    // Key.
    let wrong = AccessKey::from_base64("d3Jvbmcga2V5").unwrap();
    let h = sign_headers(&wrong, "POST", &emu.host(), TARGET, body, now);
    denied(&send(&emu, "POST", TARGET, h, body), SIGNATURE);
    // A signature that is not base64 at all.
    let mut h = good();
    set(
        &mut h,
        "authorization",
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=%%%",
    );
    denied(&send(&emu, "POST", TARGET, h, body), SIGNATURE);
}

#[test]
fn missing_and_malformed_headers() {
    let emu = Emulator::start(&[]);
    let now = unix_now();
    let r = send(&emu, "POST", TARGET, vec![], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "Denied");
    let without = |name: &str| {
        let h: Vec<(String, String)> =
            sign_headers(&emu.key, "POST", &emu.host(), TARGET, b"", now)
                .into_iter()
                .filter(|(k, _)| k != name)
                .collect();
        send(&emu, "POST", TARGET, h, b"")
    };
    for name in ["x-ms-date", "x-ms-content-sha256", "authorization"] {
        let r = without(name);
        assert_eq!(r.status, 401, "{name}");
        assert_eq!(r.json()["error"]["code"], "Denied");
    }
    let mut h = sign_headers(&emu.key, "POST", &emu.host(), TARGET, b"", now);
    set(&mut h, "authorization", "SharedKey abc");
    assert_eq!(send(&emu, "POST", TARGET, h, b"").status, 401);
    let mut h = sign_headers(&emu.key, "POST", &emu.host(), TARGET, b"", now);
    set(&mut h, "x-ms-date", "yesterday");
    let r = send(&emu, "POST", TARGET, h, b"");
    denied(&r, "Request date header is not a valid IMF-fixdate.");
}

#[test]
fn the_skew_window_is_configurable() {
    let emu = Emulator::start(&[]);
    let now = unix_now();
    for (offset, ok) in [(-800, true), (800, true), (-1000, false), (1000, false)] {
        let h = sign_headers(&emu.key, "POST", &emu.host(), TARGET, b"", now + offset);
        let r = send(&emu, "POST", TARGET, h, b"");
        if ok {
            assert_eq!(r.status, 201, "{offset}: {}", r.text());
        } else {
            denied(&r, SKEW);
        }
    }
    let strict = Emulator::start(&["--max-skew-seconds", "30"]);
    let h = sign_headers(&strict.key, "POST", &strict.host(), TARGET, b"", now - 120);
    denied(&send(&strict, "POST", TARGET, h, b""), SKEW);
    let h = sign_headers(&strict.key, "POST", &strict.host(), TARGET, b"", now);
    assert_eq!(send(&strict, "POST", TARGET, h, b"").status, 201);
}

#[test]
fn the_key_and_resource_come_from_flags_or_environment() {
    let key = "c2VjcmV0IGtleSBvZiBhIHRlc3QgcmVzb3VyY2UgLSBub3QgdGhlIGRldiBrZXk=";
    let resource = "11111111-2222-4333-8444-555555555555";
    let emu = Emulator::start(&["--access-key", key, "--resource-id", resource]);
    assert!(emu
        .connection_string
        .ends_with(&format!(";accesskey={key}")));
    let id = emu.new_user();
    assert!(id.starts_with(&format!("8:acs:{resource}_")), "{id}");
    // The development key is refused by this emulator.
    let dev = AccessKey::from_base64(DEV_KEY).unwrap();
    let h = sign_headers(&dev, "POST", &emu.host(), TARGET, b"", unix_now());
    denied(&send(&emu, "POST", TARGET, h, b""), SIGNATURE);
    assert!(!emu.logs().contains(key));

    let from_env = Emulator::start_with_env(
        &[],
        &[
            ("ACS_EMULATOR_ACCESS_KEY", key),
            ("ACS_EMULATOR_RESOURCE_ID", resource),
        ],
    );
    assert!(from_env
        .connection_string
        .ends_with(&format!(";accesskey={key}")));
    assert!(from_env
        .new_user()
        .starts_with(&format!("8:acs:{resource}_")));

    // The default is the documented development key and resource.
    let dev_emu = Emulator::start(&[]);
    assert!(dev_emu
        .connection_string
        .ends_with(&format!(";accesskey={DEV_KEY}")));
    assert!(dev_emu
        .new_user()
        .starts_with(&format!("8:acs:{DEV_RESOURCE}_")));
}

#[test]
fn the_printed_line_and_help() {
    let emu = Emulator::start(&[]);
    assert!(emu.url.starts_with("http://127.0.0.1:"));
    assert_eq!(
        emu.connection_string,
        format!("endpoint={}/;accesskey={DEV_KEY}", emu.url)
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--access-key",
        "--resource-id",
        "--data",
        "--tls",
        "--max-skew-seconds",
        "--faults",
        "--rate-limit",
        "--www",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(["--access-key", "!!!", "--port", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--access-key") && !err.contains("!!!"),
        "{err}"
    );
}
