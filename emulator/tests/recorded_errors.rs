//! Replays every error the live service answered in `tests/data/recordings/` against the emulator and
//! compares status, code, message and target. Recorded request bodies are sent as recorded where the
//! recording kept them; sanitized values (ids, Entra tokens) are replaced by values that make the same
//! case.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;

const RECORDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/recordings");

const FOREIGN_ID: &str =
    "8:acs:1b5cc06b-f352-4571-b1e6-d9b259b7c776_00000007-0464-274b-b274-5a3a0d000101";
const APP: &str = "a1b2c3d4-0000-4000-8000-00000000a99e";
const OID: &str = "0b0e0e0f-1111-4222-8333-444455556666";

struct Recorded {
    file: String,
    operation: String,
    api_version: Option<String>,
    body: Option<Value>,
    status: u16,
    error: Option<Value>,
}

fn recorded_errors() -> Vec<Recorded> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(Path::new(RECORDINGS))
        .expect("tests/data/recordings")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("INDEX.json"))
        .collect();
    files.sort();
    for path in files {
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for i in v["interactions"].as_array().unwrap() {
            let status = i["response"]["status"].as_u64().unwrap() as u16;
            if status < 400 {
                continue;
            }
            out.push(Recorded {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                operation: i["operation"].as_str().unwrap().to_string(),
                api_version: i["api_version"].as_str().map(str::to_string),
                body: Some(i["request"]["body"].clone()).filter(|b| !b.is_null()),
                status,
                error: Some(i["response"]["body"]["error"].clone()).filter(|e| !e.is_null()),
            });
        }
    }
    out
}

fn is_sanitized(v: &Value) -> bool {
    v.to_string().to_ascii_lowercase().contains("sanitized") || v.to_string().contains("REDACTED")
}

fn entra(exp_from_now: i64) -> String {
    unsigned_jwt(&json!({"appid": APP, "oid": OID, "exp": unix_now() + exp_from_now}))
}

/// The Teams exchange body that makes the recorded case.
fn teams_body(message: &str, recorded: Option<&Value>) -> Value {
    let empty = |field: &str| recorded.is_some_and(|b| b[field] == "");
    match message {
        "Provided access token is not valid." if empty("token") => {
            json!({"token": "", "appId": APP, "userId": ""})
        }
        "Provided access token is not valid." => {
            json!({"token": entra(-300), "appId": APP, "userId": OID})
        }
        "AppId: The AppId field is required." => {
            json!({"token": entra(3600), "appId": "", "userId": OID})
        }
        "UserId: The UserId field is required." => {
            json!({"token": entra(3600), "appId": APP, "userId": ""})
        }
        "Provided AppId has invalid format." => {
            json!({"token": entra(3600), "appId": "not-a-guid", "userId": OID})
        }
        "Provided UserId has invalid format." => {
            json!({"token": entra(3600), "appId": APP, "userId": "invalid"})
        }
        "AAD application is not the expected one." => {
            json!({"token": entra(3600), "appId": "00000000-0000-4000-8000-000000000001", "userId": OID})
        }
        "Provided AAD token issued for unexpected user." => {
            json!({"token": entra(3600), "appId": APP, "userId": "00000000-0000-4000-8000-000000000002"})
        }
        other => panic!("no Teams case for {other:?}"),
    }
}

/// `expiresInMinutes` named in a recorded ExpiresInMinutes message.
fn minutes_in(message: &str) -> i64 {
    message
        .strip_prefix("ExpiresInMinutes value ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"))
}

#[test]
fn every_recorded_error_is_answered_the_same() {
    let emu = Emulator::start(&[]);
    let recorded = recorded_errors();
    assert!(
        recorded.len() >= 30,
        "only {} recorded errors found",
        recorded.len()
    );
    let mut replayed = 0;
    let mut transient = 0;
    for rec in &recorded {
        let Some(error) = &rec.error else {
            // One 500 with an empty body: a transient failure of the service, reproducible only with
            // fault injection (`x-emulator-fault: 500`, tested in serving.rs).
            assert_eq!(rec.status, 500, "{}", rec.file);
            transient += 1;
            continue;
        };
        let message = error["message"].as_str().unwrap();
        let v = rec
            .api_version
            .as_deref()
            .filter(|v| ALL_VERSIONS.contains(v))
            .unwrap_or(V);
        let usable_body = rec.body.as_ref().filter(|b| !is_sanitized(b));
        let response = match (rec.operation.as_str(), error["code"].as_str().unwrap()) {
            (op, "IdentityNotOwned") => match op {
                "deleteUser" => emu.delete(v, FOREIGN_ID),
                "revokeTokens" => emu.revoke(v, FOREIGN_ID),
                "getToken" => emu.issue(v, FOREIGN_ID, rec.body.as_ref().unwrap()),
                other => panic!("{other}"),
            },
            ("createUserAndToken", _) => {
                let body = usable_body.cloned().unwrap_or_else(|| {
                    json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": minutes_in(message)})
                });
                emu.create_user(v, &body)
            }
            ("getToken", _) => {
                let body = usable_body.cloned().unwrap_or_else(
                    || json!({"scopes": ["chat"], "expiresInMinutes": minutes_in(message)}),
                );
                emu.issue(v, &emu.new_user(), &body)
            }
            ("getTokenForTeamsUser", _) => emu.signed_json(
                "POST",
                &format!("/teamsUser/:exchangeAccessToken?api-version={v}"),
                &teams_body(message, rec.body.as_ref()),
            ),
            (op, code) => panic!("{}: no replay for {op} {code}", rec.file),
        };
        let context = format!("{} ({} {})", rec.file, rec.operation, message);
        assert_eq!(
            response.status,
            rec.status,
            "{context}: {}",
            response.text()
        );
        let got = &response.json()["error"];
        assert_eq!(got["code"], error["code"], "{context}");
        let got_message = got["message"].as_str().unwrap();
        if message.starts_with("ExpiresInMinutes value ") && !message.contains("interval") {
            // Older recordings have the text before the service added the interval.
            assert!(got_message.starts_with(message), "{context}: {got_message}");
        } else {
            assert_eq!(got_message, message, "{context}");
        }
        assert_eq!(got.get("target"), error.get("target"), "{context}");
        assert!(
            response
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{context}"
        );
        replayed += 1;
    }
    assert_eq!(transient, 1);
    assert_eq!(replayed + transient, recorded.len());
}
