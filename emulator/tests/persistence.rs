//! `--data <file>`: identities, customIds and revocations survive a restart, and a `kill -9` in the
//! middle of a stream of creates loses no identity that was acknowledged. Also: concurrent creates with
//! one customId make one identity, and SIGTERM stops the server cleanly.

mod common;

use common::*;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn identities_custom_ids_and_revocations_survive_a_restart() {
    let dir = temp_dir("restart");
    let data = dir.join("acs.sqlite");
    let data_arg = data.to_str().unwrap();
    let mut emu = Emulator::start(&["--data", data_arg]);
    let r = emu.create_user(
        PREVIEW,
        &json!({"customId": "carol", "createTokenWithScopes": ["chat"]}),
    );
    assert_eq!(r.status, 201);
    let carol = r.json()["identity"]["id"].as_str().unwrap().to_string();
    let carol_token = r.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = emu.create_user(V, &json!({"createTokenWithScopes": ["voip"]}));
    let dave = r.json()["identity"]["id"].as_str().unwrap().to_string();
    let dave_token = r.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let erin = emu.new_user();
    assert_eq!(emu.revoke(V, &carol).status, 204);
    assert_eq!(emu.delete(V, &erin).status, 204);
    let health = emu.raw("GET", "/emulator/health", &[], b"").json();
    assert_eq!(health["persistent"], true);
    assert!(emu.terminate().success());

    let emu = Emulator::start(&["--data", data_arg]);
    // customId still maps to the same identity, with its last issue time.
    let r = emu.create_user(PREVIEW, &json!({"customId": "carol"}));
    assert_eq!(r.json()["identity"]["id"], carol.as_str());
    assert!(r.json()["identity"]["lastTokenIssuedAt"].is_string());
    // Revoked before the restart: still revoked. Not revoked: still good.
    assert_eq!(
        emu.whoami(&carol_token).json()["error"]["innererror"]["code"],
        "TokenRevoked"
    );
    assert_eq!(emu.whoami(&dave_token).status, 200);
    // Deleted before the restart: still deleted.
    assert_eq!(
        emu.issue(V, &erin, &json!({"scopes": ["chat"]})).status,
        404
    );
    assert_eq!(
        emu.issue(V, &dave, &json!({"scopes": ["chat"]})).status,
        200
    );
    assert_eq!(emu.get_user(&carol).status, 200);
    let health = emu.raw("GET", "/emulator/health", &[], b"").json();
    assert_eq!(health["identities"], 2);
}

#[test]
fn a_data_file_refuses_another_resource() {
    let dir = temp_dir("other-resource");
    let data = dir.join("acs.sqlite");
    let mut emu = Emulator::start(&["--data", data.to_str().unwrap()]);
    emu.new_user();
    assert!(emu.terminate().success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
        .args(["--port", "0", "--data", data.to_str().unwrap()])
        .args(["--resource-id", "11111111-2222-4333-8444-555555555555"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--resource-id"), "{err}");
}

#[test]
fn kill_9_during_a_stream_of_creates_loses_no_acknowledged_identity() {
    let dir = temp_dir("kill9");
    let data = dir.join("acs.sqlite");
    let data_arg = data.to_str().unwrap().to_string();
    let mut emu = Emulator::start(&["--data", &data_arg]);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let port = emu.port;
    let key = emu.key.clone();
    // Four writers, each creating users as fast as the emulator acknowledges them.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let acknowledged = acknowledged.clone();
            let stop = stop.clone();
            let key = key.clone();
            std::thread::spawn(move || {
                let mut errors = 0;
                for i in 0..5000 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = if i % 2 == 0 {
                        json!({"customId": format!("writer-{w}-{i}")}).to_string()
                    } else {
                        "{}".to_string()
                    };
                    match create_raw(port, &key, &body) {
                        Some(id) => acknowledged.lock().unwrap().push(id),
                        None => {
                            errors += 1;
                            if errors > 3 {
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    // Let a good number of creates through, then kill -9 in the middle of the stream.
    for _ in 0..3000 {
        if acknowledged.lock().unwrap().len() >= 150 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    emu.kill9();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 150,
        "only {} creates went through",
        acknowledged.len()
    );

    let emu = Emulator::start(&["--data", &data_arg]);
    let mut missing = Vec::new();
    for id in &acknowledged {
        if emu.get_user(id).status != 200 {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged identities lost: {:?}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(5)]
    );
    let count = emu.raw("GET", "/emulator/health", &[], b"").json()["identities"]
        .as_u64()
        .unwrap();
    assert!(count as usize >= acknowledged.len());
}

/// One create over a fresh connection; `Some(id)` only for a complete 201.
fn create_raw(
    port: u16,
    key: &acs_identity_edge::connection_string::AccessKey,
    body: &str,
) -> Option<String> {
    use std::io::{Read, Write};
    let target = format!("/identities?api-version={PREVIEW}");
    let host = format!("127.0.0.1:{port}");
    let headers = sign_headers(key, "POST", &host, &target, body.as_bytes(), unix_now());
    let mut req = format!("POST {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(req.as_bytes()).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    if !out.starts_with(b"HTTP/1.1 201") {
        return None;
    }
    let end = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let v: serde_json::Value = serde_json::from_slice(&out[end + 4..]).ok()?;
    v["identity"]["id"].as_str().map(str::to_string)
}

#[test]
fn concurrent_creates_with_one_custom_id_make_one_identity() {
    for args in [vec![], vec!["--data".to_string()]] {
        let dir = temp_dir("concurrent");
        let mut full: Vec<String> = args.clone();
        if !full.is_empty() {
            full.push(dir.join("acs.sqlite").to_str().unwrap().to_string());
        }
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let emu = Arc::new(Emulator::start(&refs));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let emu = emu.clone();
                std::thread::spawn(move || {
                    let r = emu.create_user(PREVIEW, &json!({"customId": "same-for-everyone"}));
                    assert_eq!(r.status, 201, "{}", r.text());
                    r.json()["identity"]["id"].as_str().unwrap().to_string()
                })
            })
            .collect();
        let ids: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(ids.iter().all(|i| i == &ids[0]), "{ids:?}");
        let health = emu.raw("GET", "/emulator/health", &[], b"").json();
        assert_eq!(health["identities"], 1, "{args:?}");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut emu = Emulator::start(&[]);
    emu.new_user();
    let status = emu.terminate();
    assert!(status.success(), "{status:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", emu.port)).is_err());
    assert!(emu.logs().contains("shutting down"), "{}", emu.logs());
}
