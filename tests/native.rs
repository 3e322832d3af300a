//! The native client (`acs_identity_edge::native`: reqwest and tokio) against a spawned emulator: every
//! operation, retries against the emulator's fault injection, time budgets and cancellation, the shared
//! conformance cases of `tests/js/conformance/cases.mjs` where they apply to Rust, and the quickstart
//! example (`examples/quickstart.rs`) run as a user runs it.
//!
//! The emulator is `target/release/acs-emulator` (built by `cargo build --release -p acs-emulator`, which
//! `npm test` does first) or, failing that, `target/debug/acs-emulator`.
#![cfg(all(feature = "native", not(target_arch = "wasm32")))]

use acs_identity_edge::client::Environment;
use acs_identity_edge::native::{
    Cancel, CreateUserOptions, IdentityClient, IdentityClientOptions, MethodOptions,
    ReqwestTransport, TokenOptions, Tokio,
};
use acs_identity_edge::operations::{DEFAULT_API_VERSION, PREVIEW_API_VERSION};
use acs_identity_edge::retry::RetryOptions;
use acs_identity_edge::{Error, ErrorKind};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The workspace's target directory, from this test binary's path (`target/<profile>/deps/native-*`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .expect("target/<profile>/deps/<binary>")
        .to_path_buf()
}

struct Emulator {
    child: Child,
    url: String,
    connection_string: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    fn start(args: &[&str]) -> Emulator {
        let target = target_dir();
        let binary = ["release", "debug"]
            .iter()
            .map(|p| target.join(p).join("acs-emulator"))
            .find(|p| p.exists())
            .unwrap_or_else(|| {
                panic!(
                    "acs-emulator is not built in {}: run `cargo build --release -p acs-emulator`",
                    target.display()
                )
            });
        let mut child = Command::new(&binary)
            .args(["--port", "0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the emulator prints its start line");
        // acs-emulator listening on http://127.0.0.1:PORT; connection string: endpoint=...;accesskey=KEY
        let rest = line
            .trim()
            .strip_prefix("acs-emulator listening on ")
            .unwrap_or_else(|| panic!("unexpected start line: {line}"));
        let (url, rest) = rest
            .split_once("; connection string: ")
            .expect("a connection string");
        Emulator {
            url: url.to_string(),
            connection_string: rest.split("; ").next().unwrap_or(rest).to_string(),
            child,
        }
    }

    fn access_key(&self) -> &str {
        self.connection_string
            .split_once("accesskey=")
            .map(|(_, k)| k)
            .expect("a key")
    }

    /// The status of `/emulator/whoami` for `token`: 200 while the service would accept it, else 401.
    async fn whoami(&self, token: &str) -> (u16, String) {
        let transport = ReqwestTransport::new().expect("a transport");
        let response = transport
            .client()
            .get(format!("{}/emulator/whoami", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("whoami answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }
}

/// Quick retries: the policy of the official SDKs with short waits.
fn quick_retry(max_retries: u32) -> RetryOptions {
    RetryOptions {
        max_retries,
        base_delay_ms: 10,
        max_delay_ms: 50,
    }
}

fn options(max_retries: u32) -> IdentityClientOptions {
    IdentityClientOptions {
        retry: Some(quick_retry(max_retries)),
        ..Default::default()
    }
}

fn client(emulator: &Emulator) -> IdentityClient {
    IdentityClient::from_connection_string(&emulator.connection_string, Some(options(3)))
        .expect("a client")
}

/// A client whose every request carries `x-emulator-fault: fault`.
fn faulty(emulator: &Emulator, fault: &str, mut options: IdentityClientOptions) -> IdentityClient {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-emulator-fault",
        fault.parse().expect("a valid header value"),
    );
    let http = ReqwestTransport::client_builder()
        .expect("a builder")
        .default_headers(headers)
        .build()
        .expect("a reqwest client");
    options.transport = Some(ReqwestTransport::with_client(http));
    IdentityClient::from_connection_string(&emulator.connection_string, Some(options))
        .expect("a client")
}

fn service(e: &Error) -> (u16, String) {
    let info = e.service_error().expect("a service error");
    (info.status, info.code.clone().unwrap_or_default())
}

fn assert_no_key(e: &Error, key: &str) {
    let shown = format!("{e} {e:?} {}", e.message());
    assert!(!shown.contains(key), "the key appears in {shown}");
    assert!(
        !shown.contains(&key[..16]),
        "part of the key appears in {shown}"
    );
}

#[tokio::test]
async fn every_operation_runs_against_the_emulator() {
    let emulator = Emulator::start(&[]);
    let c = client(&emulator);

    let a = c.create_user(None).await.expect("createUser");
    let b = c.create_user(None).await.expect("createUser");
    assert!(a.id.starts_with("8:acs:"), "{}", a.id);
    assert_ne!(a.id, b.id, "a new user each time");

    let token = c.get_token(&a.id, &["voip"], None).await.expect("getToken");
    let (status, me) = emulator.whoami(&token.token).await;
    assert_eq!(status, 200, "{me}");
    assert!(me.contains(&a.id) && me.contains("voip"), "{me}");
    // 24 hours by default.
    let day = token.expires_on_unix_ms - now_ms();
    assert!(
        (23 * 3_600_000..=24 * 3_600_000 + 60_000).contains(&day),
        "{day}"
    );

    let hour = TokenOptions {
        expires_in_minutes: Some(60),
        ..Default::default()
    };
    let created = c
        .create_user_and_token(&["chat", "voip"], Some(hour))
        .await
        .expect("createUserAndToken");
    let lifetime = created.token.expires_on_unix_ms - now_ms();
    assert!(
        (59 * 60_000..=61 * 60_000).contains(&lifetime),
        "{lifetime}"
    );
    let (status, me) = emulator.whoami(&created.token.token).await;
    assert_eq!(status, 200);
    assert!(me.contains("chat") && me.contains(&created.user.id), "{me}");

    c.revoke_tokens(&created.user.id, None)
        .await
        .expect("revokeTokens");
    assert_eq!(
        emulator.whoami(&created.token.token).await.0,
        401,
        "revoked"
    );
    // The user remains and gets new tokens.
    let fresh = c
        .get_token(&created.user.id, &["chat"], None)
        .await
        .expect("a token after revoking");
    assert_eq!(emulator.whoami(&fresh.token).await.0, 200);

    c.delete_user(&a.id, None).await.expect("deleteUser");
    assert_eq!(emulator.whoami(&token.token).await.0, 401, "deleted");
    let e = c
        .get_token(&a.id, &["voip"], None)
        .await
        .expect_err("a token for a deleted user");
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!(service(&e), (404, "IdentityNotFound".to_string()));
    let request_id = e
        .service_error()
        .and_then(|s| s.request_id.clone())
        .unwrap_or_default();
    assert_eq!(request_id.len(), 36, "{request_id}");
}

fn now_ms() -> i64 {
    Tokio.now_unix_ms()
}

#[tokio::test]
async fn get_user_and_custom_ids_on_the_preview_api_version() {
    let emulator = Emulator::start(&[]);
    let preview = IdentityClient::from_connection_string(
        &emulator.connection_string,
        Some(IdentityClientOptions {
            api_version: Some(PREVIEW_API_VERSION.to_string()),
            ..options(3)
        }),
    )
    .expect("a preview client");
    let custom = CreateUserOptions {
        custom_id: Some(format!("native-{}", now_ms())),
        ..Default::default()
    };
    let a = preview
        .create_user(Some(custom.clone()))
        .await
        .expect("createUser");
    let again = preview
        .create_user(Some(custom.clone()))
        .await
        .expect("createUser again");
    assert_eq!(a.id, again.id, "one user per custom id");
    let got = preview.get_user(&a.id, None).await.expect("getUser");
    assert_eq!(got.id, a.id);
    assert_eq!(got.custom_id, custom.custom_id);

    // On a stable api-version, the preview operations fail locally.
    let stable = client(&emulator);
    let e = stable
        .get_user(&a.id, None)
        .await
        .expect_err("getUser on a stable api-version");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let e = stable
        .create_user(Some(custom))
        .await
        .expect_err("customId on a stable api-version");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

#[tokio::test]
async fn every_known_stable_api_version_works_end_to_end() {
    let emulator = Emulator::start(&[]);
    for version in [
        DEFAULT_API_VERSION,
        "2022-10-01",
        "2023-08-01",
        "2021-03-07",
    ] {
        let c = IdentityClient::from_connection_string(
            &emulator.connection_string,
            Some(IdentityClientOptions {
                api_version: Some(version.to_string()),
                ..options(0)
            }),
        )
        .expect("a client");
        let user = c.create_user(None).await.expect(version);
        let token = c.get_token(&user.id, &["chat"], None).await.expect(version);
        assert_eq!(emulator.whoami(&token.token).await.0, 200, "{version}");
        c.delete_user(&user.id, None).await.expect(version);
    }
}

#[tokio::test]
async fn bad_input_fails_with_a_typed_error_and_never_shows_the_key() {
    let emulator = Emulator::start(&[]);
    let key = emulator.access_key().to_string();
    let c = client(&emulator);
    let user = c.create_user(None).await.expect("createUser");

    for (user_id, scopes, minutes) in [
        ("", &["voip"][..], None),
        (user.id.as_str(), &[][..], None),
        (user.id.as_str(), &["voip"][..], Some(59)),
        (user.id.as_str(), &["voip"][..], Some(1441)),
    ] {
        let o = TokenOptions {
            expires_in_minutes: minutes,
            ..Default::default()
        };
        let e = c
            .get_token(user_id, scopes, Some(o))
            .await
            .expect_err("bad arguments");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(
            e.service_error().is_none(),
            "failed before any request: {e}"
        );
    }

    // A scope the service does not know: its validation error, with the request id.
    let e = c
        .get_token(&user.id, &["nope"], None)
        .await
        .expect_err("an unknown scope");
    assert_eq!(e.status(), Some(400), "{e}");
    assert_no_key(&e, &key);

    // A wrong key: 401 Denied, never the key (the wrong one or the real one).
    let wrong = "d3JvbmcgYnV0IHdlbGwgZm9ybWVkIGtleSBmb3IgdGhlIGNvbmZvcm1hbmNlIHN1aXRl";
    let cs = emulator.connection_string.replace(&key, wrong);
    let w = IdentityClient::from_connection_string(&cs, Some(options(0))).expect("a client");
    let e = w.create_user(None).await.expect_err("a wrong key");
    assert_eq!(service(&e), (401, "Denied".to_string()));
    assert_no_key(&e, wrong);
    assert_no_key(&e, &key);

    // Malformed connection strings.
    for cs in [
        "".to_string(),
        format!("accesskey={key}"),
        format!("endpoint={};accesskey=not base64!{key}", emulator.url),
        format!("endpoint=ftp://127.0.0.1/;accesskey={key}"),
    ] {
        let e = IdentityClient::from_connection_string(&cs, None).expect_err("malformed");
        assert_eq!(e.kind(), ErrorKind::InvalidConnectionString, "{cs}: {e}");
        assert_no_key(&e, &key);
    }

    // Plain http only for loopback.
    let e = IdentityClient::from_connection_string(
        &format!("endpoint=http://contoso.example/;accesskey={key}"),
        None,
    )
    .expect_err("plain http off loopback");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_no_key(&e, &key);
}

#[tokio::test]
async fn transient_failures_are_retried_with_one_request_id() {
    let emulator = Emulator::start(&["--faults"]);

    // The first two attempts of each call fail; two retries succeed, one does not. The emulator counts
    // attempts by x-ms-client-request-id, so a success after two failures also shows that every attempt
    // kept the call's request id.
    for fault in [
        "503;times=2;retry-after-ms=10",
        "429;times=2;retry-after-ms=10",
        "500;times=2",
        "drop;times=2",
    ] {
        let ok = faulty(&emulator, fault, options(2));
        let user = ok
            .create_user(None)
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert!(user.id.starts_with("8:acs:"), "{fault}");
        let short = faulty(&emulator, fault, options(1));
        let e = short.create_user(None).await.expect_err(fault);
        if fault.starts_with("drop") {
            assert_eq!(e.kind(), ErrorKind::Network, "{fault}: {e}");
        } else {
            let status: u16 = fault[..3].parse().expect("a status");
            assert_eq!(e.status(), Some(status), "{fault}: {e}");
        }
    }

    // maxRetries 0: the first failure is the answer.
    let none = faulty(&emulator, "503;retry-after-ms=10", options(0));
    let e = none.create_user(None).await.expect_err("no retries");
    assert_eq!(service(&e).0, 503);

    // 400 is never retried: one failing attempt, so the fault's second attempt (which would succeed) is
    // never sent.
    let bad = faulty(&emulator, "400;times=1", options(3));
    let e = bad.create_user(None).await.expect_err("400");
    assert_eq!(e.status(), Some(400), "{e}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_network_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let key = "cXVpY2tzdGFydC1mYWlsdXJlLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
    let c = IdentityClient::from_connection_string(
        &format!("endpoint=http://127.0.0.1:{port}/;accesskey={key}"),
        Some(options(1)),
    )
    .expect("a client");
    let e = c.create_user(None).await.expect_err("nothing listens");
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.message().contains(&format!("127.0.0.1:{port}")), "{e}");
    assert_no_key(&e, key);
}

#[tokio::test]
async fn a_time_budget_bounds_the_call_retries_included() {
    let emulator = Emulator::start(&["--faults"]);
    // Every attempt is slow: the client's budget ends the call.
    let slow = faulty(
        &emulator,
        "delay=5000;times=10",
        IdentityClientOptions {
            timeout: Some(Duration::from_millis(300)),
            ..options(3)
        },
    );
    let e = slow.create_user(None).await.expect_err("slow");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.code(), "ERR_TIMEOUT");

    // A wait that would outlast the budget is not started: the answer in hand (the 503) is the result.
    let long_wait = faulty(
        &emulator,
        "503;times=10;retry-after=30",
        IdentityClientOptions {
            retry: Some(RetryOptions {
                max_retries: 5,
                base_delay_ms: 10,
                max_delay_ms: 60_000,
            }),
            ..Default::default()
        },
    );
    let method = MethodOptions {
        timeout: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let e = long_wait
        .create_user(Some(CreateUserOptions {
            method: method.clone(),
            ..Default::default()
        }))
        .await
        .expect_err("a Retry-After past the budget");
    assert_eq!(service(&e).0, 503, "{e}");

    // A call's own budget replaces the client's, reached across slow attempts and the waits between them.
    let slow_503 = faulty(
        &emulator,
        "503;times=10;retry-after-ms=10;delay=100",
        options(5),
    );
    let e = slow_503
        .create_user(Some(CreateUserOptions {
            method,
            ..Default::default()
        }))
        .await
        .expect_err("the budget reached across attempts");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");

    // Without a fault, the same budget is plenty.
    let c = client(&emulator);
    let method = MethodOptions {
        timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    };
    c.create_user(Some(CreateUserOptions {
        method,
        ..Default::default()
    }))
    .await
    .expect("a call within its budget");
}

#[tokio::test]
async fn a_cancelled_call_stops_before_during_and_between_attempts() {
    let emulator = Emulator::start(&["--faults"]);
    let call = |cancel: &Cancel| {
        Some(CreateUserOptions {
            method: MethodOptions {
                cancel: Some(cancel.clone()),
                ..Default::default()
            },
            ..Default::default()
        })
    };

    // Before it starts.
    let cancel = Cancel::new();
    cancel.cancel();
    let e = client(&emulator)
        .create_user(call(&cancel))
        .await
        .expect_err("cancelled first");
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");

    // During a slow answer.
    let slow = faulty(&emulator, "delay=10000", options(3));
    let cancel = Cancel::new();
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        later.cancel();
    });
    let e = slow
        .create_user(call(&cancel))
        .await
        .expect_err("cancelled while waiting for the answer");
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");
    assert_eq!(e.code(), "ERR_ABORTED");

    // During the wait before a retry (the service asks for 30 s).
    let waiting = faulty(
        &emulator,
        "503;times=10;retry-after=30",
        IdentityClientOptions {
            retry: Some(RetryOptions {
                max_retries: 3,
                base_delay_ms: 10,
                max_delay_ms: 60_000,
            }),
            ..Default::default()
        },
    );
    let cancel = Cancel::new();
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        later.cancel();
    });
    let e = waiting
        .create_user(call(&cancel))
        .await
        .expect_err("cancelled between attempts");
    assert_eq!(e.kind(), ErrorKind::Aborted, "{e}");
}

/// `target/<profile>/examples/quickstart`: `cargo test` builds it with the tests; a run of this file alone
/// (`--test native`) builds it here, once.
fn quickstart_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test binary's path");
            let profile = exe.ancestors().nth(2).expect("target/<profile>");
            let path = profile.join("examples").join("quickstart");
            if !path.exists() {
                let mut cargo = Command::new(env!("CARGO"));
                cargo.args([
                    "build",
                    "-p",
                    "acs-identity-edge",
                    "--example",
                    "quickstart",
                ]);
                if profile.ends_with("release") {
                    cargo.arg("--release");
                }
                let status = cargo.status().expect("cargo runs");
                assert!(status.success(), "cargo build --example quickstart failed");
            }
            assert!(path.exists(), "{} is missing", path.display());
            path
        })
        .clone()
}

#[tokio::test]
async fn the_quickstart_prints_its_four_steps_and_its_token_is_revoked() {
    let emulator = Emulator::start(&[]);
    let out = Command::new(quickstart_binary())
        .env(
            "COMMUNICATION_SERVICES_CONNECTION_STRING",
            &emulator.connection_string,
        )
        .output()
        .expect("the quickstart runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert_eq!(
        lines[0],
        "Azure Communication Services - Access Tokens Quickstart"
    );
    let id = lines[1]
        .strip_prefix("Created an identity with ID: ")
        .expect("the created identity");
    assert!(id.starts_with("8:acs:"), "{id}");
    let expiry = lines[2]
        .strip_prefix("Issued an access token with 'voip' scope that expires at ")
        .and_then(|l| l.strip_suffix(':'))
        .expect("the token's expiry");
    assert!(expiry.starts_with("20") && expiry.contains('T'), "{expiry}");
    let token = lines[3];
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    assert_eq!(
        lines[4],
        format!("Successfully revoked all access tokens for identity with ID: {id}")
    );
    assert_eq!(lines[5], format!("Deleted the identity with ID: {id}"));
    // The token it printed no longer works.
    let (status, body) = emulator.whoami(token).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("TokenRevoked") || body.contains("IdentityDeleted"),
        "{body}"
    );
}

#[test]
fn the_quickstart_without_a_connection_string_says_how_to_start_the_emulator() {
    let out = Command::new(quickstart_binary())
        .env_remove("COMMUNICATION_SERVICES_CONNECTION_STRING")
        .output()
        .expect("the quickstart runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("COMMUNICATION_SERVICES_CONNECTION_STRING"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo run -p acs-emulator"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
}

#[tokio::test]
async fn the_quickstart_names_the_failing_step_without_the_key() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let key = "cXVpY2tzdGFydC1mYWlsdXJlLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
    let out = Command::new(quickstart_binary())
        .env(
            "COMMUNICATION_SERVICES_CONNECTION_STRING",
            format!("endpoint=http://127.0.0.1:{port}/;accesskey={key}"),
        )
        .output()
        .expect("the quickstart runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("while trying to create an identity") && stderr.contains("(ERR_NETWORK)"),
        "{stderr}"
    );
    assert!(!stderr.contains(key) && !String::from_utf8_lossy(&out.stdout).contains(key));
}
