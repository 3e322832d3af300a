//! How the emulator serves: `--tls` with a generated certificate, `--faults` and its header,
//! `--rate-limit`, and `--www` static files.

mod common;

use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn tls_serves_https_with_the_written_certificate() {
    let dir = temp_dir("tls");
    let cert = dir.join("emulator.pem");
    let emu = Emulator::start(&["--tls", cert.to_str().unwrap()]);
    assert!(emu.url.starts_with("https://127.0.0.1:"), "{}", emu.url);
    assert!(emu
        .connection_string
        .starts_with("endpoint=https://127.0.0.1:"));
    let pem = std::fs::read_to_string(&cert).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(!pem.contains("PRIVATE KEY"));
    // The client trusts only that certificate and checks the name 127.0.0.1.
    let r = emu.create_user(V, &json!({"createTokenWithScopes": ["voip"]}));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["identity"]["id"].as_str().unwrap().to_string();
    assert_eq!(emu.delete(V, &id).status, 204);
    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(!out.starts_with(b"HTTP/1.1 200"));
}

fn with_fault(emu: &Emulator, fault: &str, request_id: Option<&str>) -> Response {
    let mut extra = vec![("x-emulator-fault", fault)];
    if let Some(id) = request_id {
        extra.push(("x-ms-client-request-id", id));
    }
    emu.signed_with(
        "POST",
        &format!("/identities?api-version={V}"),
        b"{}",
        &extra,
    )
}

#[test]
fn faults_fail_once_per_request_id_so_retries_get_through() {
    let emu = Emulator::start(&["--faults"]);
    let r = with_fault(&emu, "503", Some("req-1"));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["error"]["code"], "ServiceUnavailable");
    // The retry (same client request id) is served.
    assert_eq!(with_fault(&emu, "503", Some("req-1")).status, 201);

    let r = with_fault(&emu, "429;retry-after=3", Some("req-2"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("3"));
    assert_eq!(
        with_fault(&emu, "429;retry-after=3", Some("req-2")).status,
        201
    );

    let r = with_fault(&emu, "500", Some("req-3"));
    assert_eq!(r.status, 500);
    assert!(r.body.is_empty());

    for _ in 0..2 {
        assert_eq!(
            with_fault(&emu, "503;times=2;retry-after-ms=10", Some("req-4")).status,
            503
        );
    }
    assert_eq!(with_fault(&emu, "503;times=2", Some("req-4")).status, 201);

    // Without a client request id, every request with the header fails.
    assert_eq!(with_fault(&emu, "503", None).status, 503);
    assert_eq!(with_fault(&emu, "503", None).status, 503);

    let r = with_fault(&emu, "teapot", Some("req-5"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "InvalidFaultHeader");
}

#[test]
fn delay_and_drop_faults() {
    let emu = Emulator::start(&["--faults"]);
    let before = unix_now_ms();
    let r = with_fault(&emu, "delay=1200", Some("slow-1"));
    assert_eq!(r.status, 201);
    assert!(unix_now_ms() - before >= 1200);

    // drop: the connection closes without an answer.
    let target = format!("/identities?api-version={V}");
    let mut req = format!("POST {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nx-emulator-fault: drop\r\nx-ms-client-request-id: gone-1\r\n", emu.host());
    for (k, v) in sign_headers(&emu.key, "POST", &emu.host(), &target, b"", unix_now()) {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let read = s.read_to_end(&mut out);
    assert!(
        read.is_err() || out.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // The retry goes through.
    assert_eq!(with_fault(&emu, "drop", Some("gone-1")).status, 201);
}

#[allow(clippy::disallowed_methods)]
fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[test]
fn faults_apply_only_after_authentication() {
    // Without the key, the fault header changes nothing: no injected status, no stall, no drop.
    let emu = Emulator::start(&["--faults"]);
    let target = format!("/identities?api-version={V}");
    for fault in ["503", "429;retry-after=3", "drop", "delay=60000;503"] {
        let r = emu.raw(
            "POST",
            &target,
            &[("x-emulator-fault".into(), fault.into())],
            b"{}",
        );
        assert_eq!(r.status, 401, "{fault}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "Denied");
    }
    // Nor on the emulator's own pages, which take no key.
    let r = emu.raw(
        "GET",
        "/emulator/health",
        &[("x-emulator-fault".into(), "503".into())],
        b"",
    );
    assert_eq!(r.status, 200);
    // Signed, the same header misbehaves as asked.
    assert_eq!(with_fault(&emu, "503", None).status, 503);
}

#[test]
fn the_fault_header_is_ignored_without_the_flag() {
    let emu = Emulator::start(&[]);
    assert_eq!(with_fault(&emu, "503", Some("x")).status, 201);
    assert_eq!(with_fault(&emu, "drop", None).status, 201);
}

#[test]
fn rate_limit_answers_429_past_1000_creates_in_30_seconds() {
    let emu = Emulator::start(&["--rate-limit"]);
    let id = emu.new_user();
    for i in 1..1000 {
        let r = if i % 2 == 0 {
            emu.create_user(V, &json!({}))
        } else {
            emu.issue(V, &id, &json!({"scopes": ["chat"]}))
        };
        assert!(
            r.status == 201 || r.status == 200,
            "request {i}: {}",
            r.text()
        );
    }
    let r = emu.create_user(V, &json!({}));
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "TooManyRequests");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry));
    // Revoke and delete count against their own limit.
    assert_eq!(emu.revoke(V, &id).status, 204);
    // Without the flag there is no limit.
    let free = Emulator::start(&[]);
    for _ in 0..1100 {
        assert_eq!(free.create_user(V, &json!({})).status, 201);
    }
}

#[test]
fn www_serves_the_demo_page_with_content_types() {
    let dir = temp_dir("www");
    std::fs::create_dir_all(dir.join("www/pkg")).unwrap();
    let files: &[(&str, &[u8], &str)] = &[
        (
            "index.html",
            b"<!doctype html><title>demo</title>",
            "text/html; charset=utf-8",
        ),
        ("app.js", b"export {}", "text/javascript; charset=utf-8"),
        (
            "pkg/entry.mjs",
            b"export {}",
            "text/javascript; charset=utf-8",
        ),
        ("style.css", b"body{}", "text/css; charset=utf-8"),
        ("pkg/x_bg.wasm", b"\0asm\x01\0\0\0", "application/wasm"),
        ("logo.svg", b"<svg/>", "image/svg+xml"),
        ("logo.png", b"\x89PNG", "image/png"),
        ("data.json", b"{}", "application/json; charset=utf-8"),
    ];
    for (name, bytes, _) in files {
        std::fs::write(dir.join("www").join(name), bytes).unwrap();
    }
    // A file next to the served directory, which must stay out of reach.
    let www = dir.join("www");
    std::fs::write(dir.join("secret.txt"), b"outside").unwrap();
    let emu = Emulator::start(&["--www", www.to_str().unwrap()]);
    for (name, bytes, ct) in files {
        let r = emu.raw("GET", &format!("/{name}"), &[], b"");
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.header("content-type"), Some(*ct), "{name}");
        assert_eq!(&r.body[..], *bytes, "{name}");
    }
    let r = emu.raw("GET", "/", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<title>demo</title>"));
    let r = emu.raw("HEAD", "/app.js", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("9"));
    assert!(r.body.is_empty());
    for bad in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/missing.js",
    ] {
        let r = emu.raw("GET", bad, &[], b"");
        assert_eq!(r.status, 404, "{bad}: {}", r.text());
        assert!(!r.text().contains("outside"));
    }
    // The API and the emulator's pages still answer on the same origin.
    assert_eq!(emu.raw("GET", "/emulator/config", &[], b"").status, 200);
    emu.new_user();
}

#[test]
fn an_http_1_1_request_without_host_is_a_400() {
    let emu = Emulator::start(&[]);
    for target in ["/emulator/health", "/identities?api-version=2023-10-01"] {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(format!("GET {target} HTTP/1.1\r\nConnection: close\r\n\r\n").as_bytes())
            .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 400"), "{target}: {text}");
    }
    // HTTP/1.0 has no Host requirement, and the server keeps serving.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /emulator/health HTTP/1.0\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        String::from_utf8_lossy(&out).starts_with("HTTP/1.0 200")
            || String::from_utf8_lossy(&out).starts_with("HTTP/1.1 200")
    );
}

#[test]
fn runs_outside_a_checkout_and_says_why_there_is_no_demo_page() {
    // As installed with `cargo install`: started from a directory that is not the repository, without
    // --www. It serves the API, and `/` says how to get the demo page.
    let dir = temp_dir("no-checkout");
    let emu = Emulator::start_in(Some(&dir), &[], &[]);
    assert_eq!(emu.raw("GET", "/emulator/health", &[], b"").status, 200);
    emu.new_user();
    let r = emu.raw("GET", "/", &[], b"");
    assert_eq!(r.status, 404);
    let message = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("--www"), "{message}");
    // Other paths stay plain 404s.
    let r = emu.raw("GET", "/index.html", &[], b"");
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("--www"), "{}", r.text());
    // --help says why.
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .arg("--help")
        .current_dir(&*dir)
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("The demo page is not part of the binary"),
        "{help}"
    );
}

#[test]
fn unknown_api_versions_are_refused_unless_the_flag_serves_them_as_the_newest() {
    let target = "/identities?api-version=2030-01-01";
    let emu = Emulator::start(&[]);
    let r = emu.signed("POST", target, b"{}");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "UnsupportedApiVersion");

    for emu in [
        Emulator::start(&["--accept-unknown-api-versions"]),
        Emulator::start_with_env(&[], &[("ACS_EMULATOR_ACCEPT_UNKNOWN_API_VERSIONS", "true")]),
    ] {
        let r = emu.signed("POST", target, br#"{"createTokenWithScopes":["chat"]}"#);
        assert_eq!(r.status, 201, "{}", r.text());
        assert!(r.json()["accessToken"]["token"].is_string());
        let r = emu.signed("POST", "/identities?api-version=2030-01-01-preview", b"{}");
        assert_eq!(r.status, 201, "{}", r.text());
        // Not a version at all: still refused.
        let r = emu.signed("POST", "/identities?api-version=latest", b"{}");
        assert_eq!(r.status, 400);
        // A warning names the version and what it was served as (the log arrives through a pipe).
        let warned = (0..100).any(|_| {
            let logs = emu.logs();
            let found = logs.contains("2030-01-01 is unknown") && logs.contains("WARN");
            if !found {
                std::thread::sleep(Duration::from_millis(100));
            }
            found
        });
        assert!(warned, "{}", emu.logs());
    }
}
