//! The native client's overhead per call: `createUser` and `getToken` calls per second against a local
//! server that answers at once (`bench/canned-server.mjs`), for `native::IdentityClient` (signing, request
//! id, retry loop, typed parsing) and plain reqwest on the same connection settings (no signing; the body
//! parsed with serde_json), sequentially on one tokio thread, rounds interleaved. Prints one JSON line.
//!
//!   cargo bench -p acs-identity-edge --bench native_client -- PORT [ROUND_MS] [ROUNDS]
//!
//! `npm run bench` (bench/native.mjs) starts the server and runs it. Timings are reported, never asserted.
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use acs_identity_edge::native::{IdentityClient, IdentityClientOptions, ReqwestTransport};
use std::future::Future;
use std::time::{Duration, Instant};

const USER: &str =
    "8:acs:ac5e0000-0000-4000-8000-000000000001_00000020-1111-2222-3333-444444444444";

/// The CPU time this thread has used, in nanoseconds (Linux: /proc/thread-self/schedstat), or `None`.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Calls of `f` per second over about `ms` milliseconds (at least 5 calls), and the client's CPU time
/// per call in microseconds (all of the client runs on this one thread; the server is another process).
async fn rate<F, Fut>(f: &F, ms: u64) -> (f64, Option<f64>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    let cpu = thread_cpu_ns();
    let budget = Duration::from_millis(ms);
    let mut calls = 0u64;
    while calls < 5 || started.elapsed() < budget {
        f().await;
        calls += 1;
    }
    let rate = calls as f64 / started.elapsed().as_secs_f64();
    let cpu = match (cpu, thread_cpu_ns()) {
        (Some(a), Some(b)) => Some((b - a) as f64 / 1000.0 / calls as f64),
        _ => None,
    };
    (rate, cpu)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let port: u16 = args
        .first()
        .and_then(|p| p.parse().ok())
        .expect("usage: native_client PORT [ROUND_MS] [ROUNDS]");
    let round_ms: u64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(port, round_ms, rounds));
}

async fn run(port: u16, round_ms: u64, rounds: usize) {
    let base = format!("http://127.0.0.1:{port}");
    let key = base64_key();
    let ours = IdentityClient::from_connection_string(
        &format!("endpoint={base}/;accesskey={key}"),
        Some(IdentityClientOptions::default()),
    )
    .expect("a client");
    let plain = ReqwestTransport::client_builder()
        .expect("a builder")
        .build()
        .expect("a reqwest client");
    let create_url = format!("{base}/identities?api-version=2023-10-01");
    let token_url = format!(
        "{base}/identities/{}/:issueAccessToken?api-version=2023-10-01",
        USER.replace(':', "%3A")
    );

    let plain_create = || async {
        let r = plain
            .post(&create_url)
            .header("accept", "application/json")
            .send()
            .await
            .expect("plain createUser");
        let v: serde_json::Value =
            serde_json::from_slice(&r.bytes().await.expect("a body")).expect("JSON");
        assert!(v["identity"]["id"].is_string());
    };
    let plain_token = || async {
        let r = plain
            .post(&token_url)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(r#"{"scopes":["voip"]}"#)
            .send()
            .await
            .expect("plain getToken");
        let v: serde_json::Value =
            serde_json::from_slice(&r.bytes().await.expect("a body")).expect("JSON");
        assert!(v["token"].is_string());
    };
    let ours_create = || async {
        ours.create_user(None).await.expect("createUser");
    };
    let ours_token = || async {
        let t = ours
            .get_token(USER, &["voip"], None)
            .await
            .expect("getToken");
        assert!(!t.token.is_empty());
    };

    // Warm up both (connections, allocations) and check that each works.
    for _ in 0..50 {
        plain_create().await;
        plain_token().await;
        ours_create().await;
        ours_token().await;
    }

    let mut out = Vec::new();
    for op in ["createUser", "getToken"] {
        let (mut p, mut o, mut p_cpu, mut o_cpu) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            // Interleaved, and the order alternates, so drift of the machine hits both alike.
            let first_plain = round % 2 == 0;
            for plain_turn in [first_plain, !first_plain] {
                let r = match (op, plain_turn) {
                    ("createUser", true) => rate(&plain_create, round_ms).await,
                    ("createUser", false) => rate(&ours_create, round_ms).await,
                    (_, true) => rate(&plain_token, round_ms).await,
                    (_, false) => rate(&ours_token, round_ms).await,
                };
                let (rates, cpus) = if plain_turn {
                    (&mut p, &mut p_cpu)
                } else {
                    (&mut o, &mut o_cpu)
                };
                rates.push(r.0);
                cpus.extend(r.1);
            }
        }
        let (p, o) = (median(p), median(o));
        let cpu = if p_cpu.is_empty() || o_cpu.is_empty() {
            String::new()
        } else {
            let (pc, oc) = (median(p_cpu), median(o_cpu));
            format!(
                r#","plain reqwest CPU us per call":{pc:.1},"native client CPU us per call":{oc:.1},"CPU per call ratio":{:.3}"#,
                oc / pc
            )
        };
        out.push(format!(
            r#""{op}":{{"plain reqwest":{p:.1},"native client":{o:.1},"time per call ratio":{:.3}{cpu}}}"#,
            p / o
        ));
    }
    println!("{{{}}}", out.join(","));
}

/// A well-formed access key (the canned server checks no signature).
fn base64_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([9u8; 64])
}
