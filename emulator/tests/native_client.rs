//! The library's native client (`acs_identity_edge::native`, reqwest + tokio) against a spawned emulator:
//! every operation, retries through fault injection, timeouts, cancellation, and network errors that name
//! the host.

#![allow(clippy::disallowed_methods)] // the tests time calls with the wall clock

mod common;

use acs_identity_edge::native::{
    Cancel, CreateUserOptions, IdentityClient, IdentityClientOptions, MethodOptions,
    ReqwestTransport, TokenOptions,
};
use acs_identity_edge::operations::PREVIEW_API_VERSION;
use acs_identity_edge::ErrorKind;
use common::{unix_now, unsigned_jwt, Emulator};
use serde_json::json;
use std::error::Error as _;
use std::time::{Duration, Instant};

fn client(emu: &Emulator, options: Option<IdentityClientOptions>) -> IdentityClient {
    IdentityClient::from_connection_string(&emu.connection_string, options).unwrap()
}

/// A client whose every request carries `x-emulator-fault: <fault>` (a `reqwest` client of the caller's).
fn faulty(emu: &Emulator, fault: &str, timeout: Option<Duration>) -> IdentityClient {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-emulator-fault", fault.parse().unwrap());
    let http = ReqwestTransport::client_builder()
        .unwrap()
        .default_headers(headers)
        .build()
        .unwrap();
    let options = IdentityClientOptions {
        transport: Some(ReqwestTransport::with_client(http)),
        timeout,
        retry: Some(acs_identity_edge::retry::RetryOptions {
            max_retries: 3,
            base_delay_ms: 10,
            max_delay_ms: 50,
        }),
        ..Default::default()
    };
    client(emu, Some(options))
}

#[tokio::test]
async fn the_quickstart_runs_and_revoked_tokens_are_refused() {
    let emu = Emulator::start(&[]);
    let client = client(&emu, None);
    assert_eq!(client.endpoint(), emu.url);
    let user = client.create_user(None).await.unwrap();
    assert!(user.id.starts_with("8:acs:"), "{}", user.id);
    let token = client
        .get_token(
            &user.id,
            &["voip"],
            Some(TokenOptions {
                expires_in_minutes: Some(60),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let left = token.expires_on_unix_ms - unix_now() * 1000;
    assert!((59 * 60_000..=61 * 60_000).contains(&left), "{left}");
    assert_eq!(emu.whoami(&token.token).status, 200);
    client.revoke_tokens(&user.id, None).await.unwrap();
    assert_eq!(emu.whoami(&token.token).status, 401, "revoked");
    client.delete_user(&user.id, None).await.unwrap();
    // The user is gone: a new token is refused with the service's own error.
    let e = client
        .get_token(&user.id, &["chat"], None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!(e.status(), Some(404));
    assert!(e.service_error().unwrap().request_id.is_some());
}

#[tokio::test]
async fn every_other_operation_works() {
    let emu = Emulator::start(&[]);
    let client = client(&emu, None);
    let both = client
        .create_user_and_token(&["chat", "voip"], None)
        .await
        .unwrap();
    assert_eq!(emu.whoami(&both.token.token).status, 200);

    // customId and getUser on the preview api-version.
    let preview = IdentityClient::from_connection_string(
        &emu.connection_string,
        Some(IdentityClientOptions {
            api_version: Some(PREVIEW_API_VERSION.into()),
            ..Default::default()
        }),
    )
    .unwrap();
    let custom = CreateUserOptions {
        custom_id: Some("alice@contoso".into()),
        ..Default::default()
    };
    let a = preview.create_user(Some(custom.clone())).await.unwrap();
    let again = preview.create_user(Some(custom)).await.unwrap();
    assert_eq!(a.id, again.id, "one user per custom id");
    let got = preview.get_user(&a.id, None).await.unwrap();
    assert_eq!(got.custom_id.as_deref(), Some("alice@contoso"));
    // The released api-version has no getUser: refused before anything is sent.
    let e = client.get_user(&a.id, None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);

    // The Teams exchange.
    const APP: &str = "a1b2c3d4-0000-4000-8000-00000000a99e";
    const OID: &str = "0b0e0e0f-1111-4222-8333-444455556666";
    let teams_token = unsigned_jwt(&json!({
        "aud": "https://auth.msft.communication.azure.com",
        "appid": APP, "oid": OID, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "exp": unix_now() + 600, "iat": unix_now() - 60,
    }));
    let t = client
        .get_token_for_teams_user(&teams_token, APP, OID, None)
        .await
        .unwrap();
    assert!(!t.token.is_empty());
    let e = client
        .get_token_for_teams_user(&teams_token, APP, "not-a-guid", None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn failures_are_retried_and_the_retry_is_served() {
    let emu = Emulator::start(&["--faults"]);
    // (Retry-After is kept within the test's max_delay_ms: a longer one ends the call with the answer.)
    for fault in [
        "503;retry-after-ms=20",
        "429;retry-after=0",
        "500",
        "drop",
        "503;times=2;retry-after-ms=5",
    ] {
        let client = faulty(&emu, fault, None);
        let user = client.create_user(None).await;
        assert!(user.is_ok(), "{fault}: {user:?}");
    }
    // More failures than retries: the last answer is the error.
    let client = faulty(&emu, "503;times=9;retry-after-ms=5", None);
    let e = client.create_user(None).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Service, Some(503)));
}

#[tokio::test]
async fn the_timeout_bounds_a_call() {
    let emu = Emulator::start(&["--faults"]);
    let client = faulty(&emu, "delay=5000", Some(Duration::from_millis(300)));
    let started = Instant::now();
    let e = client.create_user(None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
    // A call's own timeout replaces the client's.
    let client = faulty(&emu, "delay=5000", None);
    let o = MethodOptions {
        timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let e = client
        .revoke_tokens("8:acs:x_y", Some(o))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn a_cancelled_call_stops_at_once() {
    let emu = Emulator::start(&["--faults"]);
    let client = faulty(&emu, "delay=5000", None);
    let cancel = Cancel::new();
    let options = CreateUserOptions {
        method: MethodOptions {
            cancel: Some(cancel.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let started = Instant::now();
    let (result, ()) = tokio::join!(client.create_user(Some(options)), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Aborted);
    assert!(started.elapsed() < Duration::from_secs(3));
    // A token cancelled beforehand stops the call before it is sent.
    let options = MethodOptions {
        cancel: Some(cancel),
        ..Default::default()
    };
    let e = client
        .delete_user("8:acs:x_y", Some(options))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Aborted);
}

#[tokio::test]
async fn a_network_error_names_the_host_and_keeps_its_cause() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cs = format!("endpoint=http://127.0.0.1:{port}/;accesskey=c2VjcmV0");
    let client = IdentityClient::from_connection_string(
        &cs,
        Some(IdentityClientOptions {
            retry: Some(acs_identity_edge::retry::RetryOptions {
                max_retries: 1,
                base_delay_ms: 1,
                max_delay_ms: 1,
            }),
            ..Default::default()
        }),
    )
    .unwrap();
    let e = client.create_user(None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(
        e.message().contains(&format!("127.0.0.1:{port}")),
        "{}",
        e.message()
    );
    assert!(e.source().is_some(), "the transport's error is kept");
    assert!(!e.message().contains("c2VjcmV0"));
}

#[tokio::test]
async fn concurrent_calls_share_one_client() {
    let emu = Emulator::start(&[]);
    let client = std::sync::Arc::new(client(&emu, None));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            let u = c.create_user_and_token(&["chat"], None).await?;
            c.delete_user(&u.user.id, None).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

mod entra_id {
    //! The native client with Microsoft Entra ID credentials, against the emulator as the authority with
    //! local (access key) authentication disabled.

    use super::*;
    use acs_identity_edge::native::{ClientSecretCredential, ClientSecretCredentialOptions};
    use std::sync::Arc;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const CLIENT: &str = "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b";
    const SECRET: &str = "emulator~client.secret_0123456789";

    fn start() -> Emulator {
        Emulator::start(&[
            "--entra-tenant-id",
            TENANT,
            "--entra-client-id",
            CLIENT,
            "--entra-client-secret",
            SECRET,
            "--disable-local-auth",
        ])
    }

    fn credential(emu: &Emulator, secret: &str) -> ClientSecretCredential {
        ClientSecretCredential::new(
            TENANT,
            CLIENT,
            secret,
            Some(ClientSecretCredentialOptions {
                authority_host: Some(emu.url.clone()),
                ..Default::default()
            }),
        )
        .unwrap()
    }

    fn token_requests(emu: &Emulator) -> u64 {
        emu.raw("GET", "/emulator/entra/stats", &[], b"").json()["tokenRequests"]
            .as_u64()
            .unwrap()
    }

    #[tokio::test]
    async fn the_quickstart_runs_on_a_client_secret_credential() {
        let emu = start();
        let client =
            IdentityClient::new(&emu.url, Arc::new(credential(&emu, SECRET)), None).unwrap();
        let user = client.create_user(None).await.unwrap();
        let token = client.get_token(&user.id, &["voip"], None).await.unwrap();
        assert_eq!(emu.whoami(&token.token).status, 200);
        client.revoke_tokens(&user.id, None).await.unwrap();
        client.delete_user(&user.id, None).await.unwrap();
        assert_eq!(token_requests(&emu), 1, "one token, cached across calls");

        // The access key is refused by a resource with local auth disabled: a typed 401.
        let keyed = IdentityClient::from_connection_string(&emu.connection_string, None).unwrap();
        let e = keyed.create_user(None).await.unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Service, Some(401)));
    }

    #[tokio::test]
    async fn a_wrong_secret_is_the_authoritys_typed_refusal() {
        let emu = start();
        let client =
            IdentityClient::new(&emu.url, Arc::new(credential(&emu, "wrong")), None).unwrap();
        let e = client.create_user(None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert_eq!(e.code(), "ERR_AUTHENTICATION");
        let s = e.service_error().unwrap();
        assert_eq!(s.code.as_deref(), Some("AADSTS7000215"));
        assert!(s.request_id.is_some(), "the correlation id");
        assert!(!format!("{e:?} {e}").contains(SECRET));
    }

    #[tokio::test]
    async fn concurrent_first_calls_make_one_token_request() {
        let emu = start();
        let client = Arc::new(
            IdentityClient::new(&emu.url, Arc::new(credential(&emu, SECRET)), None).unwrap(),
        );
        let calls: Vec<_> = (0..32)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.create_user(None).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        assert_eq!(token_requests(&emu), 1, "counted at the authority");
    }

    #[tokio::test]
    async fn a_rotated_key_takes_effect_on_the_next_call() {
        let emu = Emulator::start(&[]);
        let key = acs_identity_edge::credential::KeyCredential::new(
            acs_identity_edge::connection_string::AccessKey::from_base64("d3Jvbmc=").unwrap(),
        );
        let client = IdentityClient::new(&emu.url, key.clone(), None).unwrap();
        let e = client.create_user(None).await.unwrap_err();
        assert_eq!(e.status(), Some(401));
        key.update(emu.key.clone());
        client.create_user(None).await.unwrap();
    }
}
