//! Robustness and durability of the release binary, over real sockets:
//!
//! - load: 64 keep-alive connections run every operation (create with and without a token, customId,
//!   issue, get, revoke, the 2020 API, the Teams exchange, delete, validation errors) and check every
//!   answer, bounded in count and in time;
//! - durability: with `--data`, the process is killed with SIGKILL in the middle of that load and
//!   restarted on the same file; no acknowledged identity, customId, revocation or deletion may be lost;
//! - slow and half-open connections are closed, and do not starve other clients meanwhile;
//! - malformed HTTP gets a 4xx and the server stays up.
//!
//! Sizes: `cargo test` runs 10,000 load requests and a 2.5 s kill window so the suite stays well under a
//! minute on 2 cores. `ACS_ROBUSTNESS_FULL=1` (run by `npm run test:long`) runs 50,000 requests, a longer
//! kill window, and also requires stalled bodies and idle keep-alive connections to be closed.
//! `ACS_ROBUSTNESS_REQUESTS` overrides the request count.

// A native test that bounds itself in wall-clock time: the clock bans are for the wasm library.
#![allow(clippy::disallowed_methods)]

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::sign_target;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const V: &str = "2023-10-01";
const PREVIEW: &str = "2025-03-02-preview";
const LEGACY: &str = "2020-07-20-preview2";

fn full() -> bool {
    std::env::var("ACS_ROBUSTNESS_FULL").is_ok_and(|v| v == "1")
}

fn load_requests() -> usize {
    std::env::var("ACS_ROBUSTNESS_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full() { 50_000 } else { 10_000 })
}

#[allow(clippy::disallowed_methods)]
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// ---- the emulator process ---------------------------------------------------------------------------

struct Emulator {
    child: Child,
    port: u16,
    key: Arc<AccessKey>,
    stderr: Arc<Mutex<String>>,
}

impl Emulator {
    fn start(args: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acs-emulator"))
            .args(["--port", "0"])
            .args(args)
            .env_remove("ACS_EMULATOR_ACCESS_KEY")
            .env_remove("ACS_EMULATOR_DATA")
            .env_remove("ACS_EMULATOR_FAULTS")
            .env_remove("ACS_EMULATOR_RATE_LIMIT")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the emulator binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            let mut pipe = child.stderr.take().unwrap();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut s = stderr.lock().unwrap();
                    if s.len() < 1_000_000 {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        let url = line
            .split_whitespace()
            .nth(3)
            .unwrap_or_else(|| panic!("unexpected start line: {line:?}"))
            .trim_end_matches(';');
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        let key = line.split("accesskey=").nth(1).unwrap().trim();
        Emulator {
            child,
            port,
            key: Arc::new(AccessKey::from_base64(key).unwrap()),
            stderr,
        }
    }

    fn client(&self) -> Client {
        Client::connect(self.port, self.key.clone())
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn kill9(&mut self) {
        // std's kill() sends SIGKILL on Unix.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acs-robustness-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("identities.db")
}

// ---- a small HTTP/1.1 client with keep-alive ---------------------------------------------------------

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

struct Client {
    port: u16,
    key: Arc<AccessKey>,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    fn connect(port: u16, key: Arc<AccessKey>) -> Client {
        Client {
            port,
            key,
            conn: None,
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn stream(&mut self) -> std::io::Result<&mut BufReader<TcpStream>> {
        if self.conn.is_none() {
            let s = TcpStream::connect(("127.0.0.1", self.port))?;
            s.set_read_timeout(Some(Duration::from_secs(20)))?;
            s.set_nodelay(true)?;
            self.conn = Some(BufReader::new(s));
        }
        Ok(self.conn.as_mut().unwrap())
    }

    /// Sends one request; `signed` adds the HMAC headers.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        extra: &[(&str, &str)],
        signed: bool,
    ) -> std::io::Result<Reply> {
        let host = self.host();
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\n");
        if signed {
            let s = sign_target(&self.key, method, &host, path, body, unix_now()).unwrap();
            head.push_str(&format!(
                "x-ms-date: {}\r\nx-ms-content-sha256: {}\r\nauthorization: {}\r\n",
                s.x_ms_date, s.x_ms_content_sha256, s.authorization
            ));
        }
        for (n, v) in extra {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() {
            head.push_str("content-type: application/json\r\n");
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        let result = (|| {
            let conn = self.stream()?;
            let s = conn.get_mut();
            s.write_all(head.as_bytes())?;
            s.write_all(body)?;
            read_reply(conn, method == "HEAD")
        })();
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    fn api(&mut self, method: &str, path: &str, body: &Value) -> std::io::Result<Reply> {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(body).unwrap()
        };
        self.send(method, path, &bytes, &[], true)
    }

    fn whoami(&mut self, token: &str) -> std::io::Result<u16> {
        let auth = format!("Bearer {token}");
        Ok(self
            .send(
                "GET",
                "/emulator/whoami",
                b"",
                &[("authorization", &auth)],
                false,
            )?
            .status)
    }
}

fn read_reply(conn: &mut BufReader<TcpStream>, head_only: bool) -> std::io::Result<Reply> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let mut line = String::new();
    if conn.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed",
        ));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(&line))?;
    let mut length = 0usize;
    let mut close = false;
    loop {
        let mut h = String::new();
        if conn.read_line(&mut h)? == 0 {
            return Err(bad("closed in the headers"));
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().map_err(|_| bad(h))?;
            }
            if n.eq_ignore_ascii_case("connection") && v.trim().eq_ignore_ascii_case("close") {
                close = true;
            }
        }
    }
    let mut body = vec![0u8; if head_only { 0 } else { length }];
    conn.read_exact(&mut body)?;
    if close {
        let _ = conn.get_ref().shutdown(Shutdown::Both);
    }
    Ok(Reply { status, body })
}

fn pct(id: &str) -> String {
    id.replace(':', "%3A")
}

fn teams_token(app: &str, oid: &str) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.sig",
        part(json!({"alg": "none"})),
        part(json!({"exp": unix_now() + 3600, "appid": app, "oid": oid}))
    )
}

// ---- load ----------------------------------------------------------------------------------------------

/// What one worker saw go wrong.
#[derive(Default)]
struct Tally {
    requests: AtomicUsize,
    wrong: Mutex<Vec<String>>,
}

macro_rules! expect {
    ($tally:expr, $cond:expr, $($msg:tt)*) => {
        if !$cond {
            let mut w = $tally.wrong.lock().unwrap();
            if w.len() < 20 {
                w.push(format!($($msg)*));
            }
        }
    };
}

/// One round of every operation, checking every answer. Returns the number of requests made.
fn round(c: &mut Client, t: &Tally, worker: usize, i: usize) -> std::io::Result<usize> {
    let mut n = 0;
    let mut count = |k: usize| {
        n += k;
        t.requests.fetch_add(k, Ordering::Relaxed);
    };
    // Create with a token, issue another, check both, get, revoke, check revoked.
    let r = c.api(
        "POST",
        &format!("/identities?api-version={V}"),
        &json!({"createTokenWithScopes": ["voip"], "expiresInMinutes": 60}),
    )?;
    count(1);
    let j = r.json();
    expect!(t, r.status == 201, "create: {} {}", r.status, j);
    let id = j["identity"]["id"].as_str().unwrap_or("").to_string();
    let first = j["accessToken"]["token"].as_str().unwrap_or("").to_string();
    expect!(
        t,
        id.starts_with("8:acs:") && !first.is_empty(),
        "create body {j}"
    );
    let r = c.api(
        "POST",
        &format!("/identities/{}/:issueAccessToken?api-version={V}", pct(&id)),
        &json!({"scopes": ["chat", "voip"]}),
    )?;
    count(1);
    let second = r.json()["token"].as_str().unwrap_or("").to_string();
    expect!(
        t,
        r.status == 200 && !second.is_empty(),
        "issue: {} {}",
        r.status,
        r.json()
    );
    let w = c.whoami(&first)?;
    count(1);
    expect!(t, w == 200, "whoami before revoke: {w}");
    let r = c.api(
        "GET",
        &format!("/identities/{}?api-version={PREVIEW}", pct(&id)),
        &Value::Null,
    )?;
    count(1);
    expect!(
        t,
        r.status == 200 && r.json()["id"] == id.as_str(),
        "get: {} {}",
        r.status,
        r.json()
    );
    let r = c.api(
        "POST",
        &format!(
            "/identities/{}/:revokeAccessTokens?api-version={V}",
            pct(&id)
        ),
        &Value::Null,
    )?;
    count(1);
    expect!(t, r.status == 204, "revoke: {}", r.status);
    let w = c.whoami(&second)?;
    count(1);
    expect!(t, w == 401, "whoami after revoke: {w}");
    // A validation error.
    let r = c.api(
        "POST",
        &format!("/identities/{}/:issueAccessToken?api-version={V}", pct(&id)),
        &json!({"scopes": ["voip"], "expiresInMinutes": 59}),
    )?;
    count(1);
    expect!(
        t,
        r.status == 400 && r.json()["error"]["code"] == "ValidationError",
        "validation: {} {}",
        r.status,
        r.json()
    );
    // customId: idempotent while the identity lives.
    let custom = format!("w{worker}-r{i}");
    let a = c.api(
        "POST",
        &format!("/identities?api-version={PREVIEW}"),
        &json!({"customId": custom}),
    )?;
    let b = c.api(
        "POST",
        &format!("/identities?api-version={PREVIEW}"),
        &json!({"customId": custom}),
    )?;
    count(2);
    expect!(
        t,
        a.status == 201
            && b.status == 201
            && a.json()["identity"]["id"] == b.json()["identity"]["id"]
            && a.json()["identity"]["customId"] == custom.as_str(),
        "customId: {} {}",
        a.json(),
        b.json()
    );
    // The 2020 API.
    let r = c.api(
        "POST",
        &format!("/identities?api-version={LEGACY}"),
        &Value::Null,
    )?;
    count(1);
    let legacy_id = r.json()["id"].as_str().unwrap_or("").to_string();
    expect!(
        t,
        r.status == 200 && legacy_id.starts_with("8:acs:"),
        "legacy create: {} {}",
        r.status,
        r.json()
    );
    let r = c.api(
        "POST",
        &format!("/identities/{}/token?api-version={LEGACY}", pct(&legacy_id)),
        &json!({"scopes": ["voip"]}),
    )?;
    count(1);
    expect!(
        t,
        r.status == 200 && r.json()["token"].is_string(),
        "legacy token: {} {}",
        r.status,
        r.json()
    );
    let r = c.send(
        "PATCH",
        &format!("/identities/{}?api-version={LEGACY}", pct(&legacy_id)),
        b"{}",
        &[],
        true,
    )?;
    count(1);
    expect!(t, r.status == 204, "legacy revoke: {}", r.status);
    // The Teams exchange.
    let (app, oid) = (
        "00000000-0000-4000-8000-00000000000a",
        "00000000-0000-4000-8000-00000000000b",
    );
    let r = c.api(
        "POST",
        &format!("/teamsUser/:exchangeAccessToken?api-version={V}"),
        &json!({"token": teams_token(app, oid), "appId": app, "userId": oid}),
    )?;
    count(1);
    expect!(
        t,
        r.status == 200 && r.json()["token"].is_string(),
        "teams: {} {}",
        r.status,
        r.json()
    );
    // Delete: 204, then the user is gone and its tokens too.
    let r = c.api(
        "DELETE",
        &format!("/identities/{}?api-version={V}", pct(&id)),
        &Value::Null,
    )?;
    count(1);
    expect!(t, r.status == 204, "delete: {}", r.status);
    let r = c.api(
        "GET",
        &format!("/identities/{}?api-version={PREVIEW}", pct(&id)),
        &Value::Null,
    )?;
    count(1);
    expect!(t, r.status == 404, "get after delete: {}", r.status);
    Ok(n)
}

const ROUND_REQUESTS: usize = 15;

fn run_load(
    emu: &Emulator,
    connections: usize,
    total: usize,
    limit: Duration,
) -> (Arc<Tally>, Duration) {
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let rounds_each = total.div_ceil(ROUND_REQUESTS).div_ceil(connections);
    let workers: Vec<_> = (0..connections)
        .map(|w| {
            let mut c = emu.client();
            let tally = tally.clone();
            std::thread::spawn(move || {
                for i in 0..rounds_each {
                    if started.elapsed() > limit {
                        tally
                            .wrong
                            .lock()
                            .unwrap()
                            .push(format!("worker {w}: out of time after {i} rounds"));
                        return;
                    }
                    if let Err(e) = round(&mut c, &tally, w, i) {
                        tally
                            .wrong
                            .lock()
                            .unwrap()
                            .push(format!("worker {w} round {i}: {e}"));
                        return;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    (tally, started.elapsed())
}

#[test]
fn sixty_four_connections_get_every_operation_answered_correctly() {
    let emu = Emulator::start(&[]);
    let total = load_requests();
    let (tally, took) = run_load(
        &emu,
        64,
        total,
        Duration::from_secs(if full() { 600 } else { 120 }),
    );
    let done = tally.requests.load(Ordering::Relaxed);
    let wrong = tally.wrong.lock().unwrap();
    println!(
        "load: {done} requests over 64 connections in {:.1} s ({:.0}/s), {} wrong",
        took.as_secs_f64(),
        done as f64 / took.as_secs_f64(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(done >= total, "{done} of {total}");
    // Still healthy.
    let r = emu
        .client()
        .send("GET", "/emulator/health", b"", &[], false)
        .unwrap();
    assert_eq!(r.status, 200);
}

// ---- durability ------------------------------------------------------------------------------------------

/// What the service acknowledged before the kill.
#[derive(Default)]
struct Acked {
    /// id -> (customId, a token issued before anything else happened to it)
    created: HashMap<String, (Option<String>, String)>,
    revoked: Vec<String>,
    deleted: Vec<String>,
    /// ids whose revoke or delete was sent but not answered: their state may go either way.
    in_doubt: Vec<String>,
}

#[test]
fn a_kill_9_in_the_middle_of_the_load_loses_nothing_acknowledged() {
    let data = temp_file("durability");
    let data_arg = data.to_str().unwrap().to_string();
    let mut emu = Emulator::start(&["--data", &data_arg]);
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let mut c = emu.client();
            let acked = acked.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) && i < 100_000 {
                    i += 1;
                    let custom = (i % 2 == 0).then(|| format!("kill-w{w}-{i}"));
                    let mut body = json!({"createTokenWithScopes": ["chat"]});
                    if let Some(cid) = &custom {
                        body["customId"] = json!(cid);
                    }
                    let Ok(r) = c.api("POST", &format!("/identities?api-version={PREVIEW}"), &body)
                    else {
                        return;
                    };
                    if r.status != 201 {
                        return;
                    }
                    let j = r.json();
                    let id = j["identity"]["id"].as_str().unwrap().to_string();
                    let token = j["accessToken"]["token"].as_str().unwrap().to_string();
                    acked
                        .lock()
                        .unwrap()
                        .created
                        .insert(id.clone(), (custom, token));
                    let (method, path) = match i % 3 {
                        0 => (
                            "POST",
                            format!(
                                "/identities/{}/:revokeAccessTokens?api-version={V}",
                                pct(&id)
                            ),
                        ),
                        1 => (
                            "DELETE",
                            format!("/identities/{}?api-version={V}", pct(&id)),
                        ),
                        _ => continue,
                    };
                    acked.lock().unwrap().in_doubt.push(id.clone());
                    let Ok(r) = c.api(method, &path, &Value::Null) else {
                        return;
                    };
                    let mut a = acked.lock().unwrap();
                    a.in_doubt.retain(|x| x != &id);
                    match (method, r.status) {
                        ("POST", 204) => a.revoked.push(id),
                        ("DELETE", 204) => a.deleted.push(id),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    let window = Duration::from_millis(if full() { 8_000 } else { 2_500 });
    std::thread::sleep(window);
    emu.kill9();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acked = Arc::try_unwrap(acked).ok().unwrap().into_inner().unwrap();
    assert!(
        acked.created.len() >= 20,
        "only {} creates before the kill",
        acked.created.len()
    );
    assert!(
        !acked.revoked.is_empty() && !acked.deleted.is_empty(),
        "revoked {} deleted {}",
        acked.revoked.len(),
        acked.deleted.len()
    );

    let emu = Emulator::start(&["--data", &data_arg]);
    let mut c = emu.client();
    let mut lost = Vec::new();
    for (id, (custom, token)) in &acked.created {
        if acked.in_doubt.contains(id) {
            continue;
        }
        let deleted = acked.deleted.contains(id);
        let revoked = acked.revoked.contains(id);
        let r = c
            .api(
                "GET",
                &format!("/identities/{}?api-version={PREVIEW}", pct(id)),
                &Value::Null,
            )
            .unwrap();
        if deleted {
            if r.status != 404 {
                lost.push(format!("deletion of {id}: GET answered {}", r.status));
            }
        } else if r.status != 200 {
            lost.push(format!("identity {id}: GET answered {}", r.status));
        } else if r.json()["customId"].as_str() != custom.as_deref() {
            lost.push(format!(
                "customId of {id}: {} instead of {custom:?}",
                r.json()
            ));
        }
        let w = c.whoami(token).unwrap();
        let want = if deleted || revoked { 401 } else { 200 };
        if w != want {
            lost.push(format!(
                "token of {id} (revoked {revoked}, deleted {deleted}): whoami {w}"
            ));
        }
        // A live customId still names the same identity.
        if let (Some(cid), false) = (custom, deleted) {
            let r = c
                .api(
                    "POST",
                    &format!("/identities?api-version={PREVIEW}"),
                    &json!({"customId": cid}),
                )
                .unwrap();
            if r.json()["identity"]["id"].as_str() != Some(id.as_str()) {
                lost.push(format!("customId {cid} now names {}", r.json()));
            }
        }
    }
    println!(
        "durability: {} identities ({} with customId), {} revocations, {} deletions acknowledged before SIGKILL; {} in doubt; {} lost",
        acked.created.len(),
        acked.created.values().filter(|(c, _)| c.is_some()).count(),
        acked.revoked.len(),
        acked.deleted.len(),
        acked.in_doubt.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "{lost:#?}");
    drop(emu);
    let _ = std::fs::remove_dir_all(data.parent().unwrap());
}

// ---- slow and half-open connections ------------------------------------------------------------------

/// Whether the server has closed `s` (read returns 0 or an error other than a timeout).
fn closed_by_server(mut s: &TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_and_half_open_connections_are_closed_and_starve_no_one() {
    let emu = Emulator::start(&[]);
    let connect = || TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
    let mut silent: Vec<TcpStream> = (0..50).map(|_| connect()).collect();
    let mut partial: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = connect();
            s.write_all(b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\nhost: x\r\nx-ms-da")
                .unwrap();
            s
        })
        .collect();
    let stalled_body: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = connect();
            s.write_all(b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"cre").unwrap();
            s
        })
        .collect();
    let idle_keep_alive: Vec<TcpStream> = (0..50)
        .map(|_| {
            let s = connect();
            let mut r = BufReader::new(s.try_clone().unwrap());
            (&s).write_all(b"GET /emulator/health HTTP/1.1\r\nhost: x\r\n\r\n")
                .unwrap();
            assert_eq!(read_reply(&mut r, false).unwrap().status, 200);
            s
        })
        .collect();
    let mut slow_drip = connect();
    slow_drip
        .write_all(b"GET /emulator/health HTTP/1.1\r\n")
        .unwrap();

    // Meanwhile, 64 clients are served as usual, each request promptly.
    let started = Instant::now();
    let (tally, _) = run_load(&emu, 64, 64 * ROUND_REQUESTS, Duration::from_secs(60));
    let wrong = tally.wrong.lock().unwrap();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let busy = started.elapsed();
    assert!(
        busy < Duration::from_secs(20),
        "64 rounds took {busy:?} next to 201 slow connections"
    );

    // The header read timeout (30 s) closes connections that never finish their headers, including one
    // that sends a byte every second.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let _ = slow_drip.write_all(b"x");
        let open = silent
            .iter_mut()
            .chain(partial.iter_mut())
            .filter(|s| !closed_by_server(s))
            .count()
            + usize::from(!closed_by_server(&slow_drip));
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} connections without complete headers still open after 40 s"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    println!(
        "slow: 101 header-less connections closed after {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if full() {
        // Requests whose body never arrives, and idle keep-alive connections, must be closed too.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let body_open = stalled_body.iter().filter(|s| !closed_by_server(s)).count();
            let idle_open = idle_keep_alive
                .iter()
                .filter(|s| !closed_by_server(s))
                .count();
            if body_open + idle_open == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "still open after 100 s: {body_open} of 50 connections whose request body stalled, {idle_open} of 50 idle keep-alive connections"
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    // Still serving.
    let r = emu
        .client()
        .send("GET", "/emulator/health", b"", &[], false)
        .unwrap();
    assert_eq!(r.status, 200);
    drop(stalled_body);
    drop(idle_keep_alive);
}

// ---- malformed HTTP --------------------------------------------------------------------------------------

/// Sends raw bytes and returns the status of the answer (None when the server closed without one).
fn raw_status(port: u16, bytes: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&out);
    text.strip_prefix("HTTP/1.1 ")
        .or_else(|| text.strip_prefix("HTTP/1.0 "))
        .and_then(|t| t.get(..3))
        .and_then(|t| t.parse().ok())
}

#[test]
fn malformed_http_gets_4xx_and_the_server_stays_up() {
    let mut emu = Emulator::start(&[]);
    let long_uri = format!("GET /{} HTTP/1.1\r\nhost: x\r\n\r\n", "a".repeat(100_000));
    let many_headers = format!(
        "GET /emulator/health HTTP/1.1\r\n{}\r\n",
        (0..500)
            .map(|i| format!("x-{i}: y\r\n"))
            .collect::<String>()
    );
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        ("garbage", b"hello world\r\n\r\n".to_vec(), &[400]),
        ("unknown version", b"GET /emulator/health HTTP/9.9\r\nhost: x\r\n\r\n".to_vec(), &[400, 505]),
        ("header without a colon", b"GET /emulator/health HTTP/1.1\r\nhost x\r\n\r\n".to_vec(), &[400]),
        ("invalid header name", b"GET /emulator/health HTTP/1.1\r\nho(st: x\r\n\r\n".to_vec(), &[400]),
        ("invalid method", b"G(T /emulator/health HTTP/1.1\r\nhost: x\r\n\r\n".to_vec(), &[400]),
        ("space in the target", b"GET /emu lator/health HTTP/1.1\r\nhost: x\r\n\r\n".to_vec(), &[400]),
        ("NUL in the target", b"GET /emulator/health\0 HTTP/1.1\r\nhost: x\r\n\r\n".to_vec(), &[400]),
        ("obsolete line folding", b"GET /emulator/health HTTP/1.1\r\nhost: x\r\nx: a\r\n b\r\n\r\n".to_vec(), &[400]),
        ("Content-Length not a number", b"POST /identities HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n".to_vec(), &[400]),
        ("negative Content-Length", b"POST /identities HTTP/1.1\r\nhost: x\r\ncontent-length: -5\r\n\r\n".to_vec(), &[400]),
        ("two different Content-Lengths", b"POST /identities HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}".to_vec(), &[400]),
        ("Content-Length past u64", b"POST /identities HTTP/1.1\r\nhost: x\r\ncontent-length: 99999999999999999999\r\n\r\n".to_vec(), &[400]),
        ("invalid chunk size", b"POST /identities HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec(), &[400]),
        ("unknown transfer coding", b"POST /identities HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n\r\n".to_vec(), &[400, 501]),
        ("500 headers", many_headers.into_bytes(), &[431, 400]),
        ("100 KB target", long_uri.into_bytes(), &[414, 400]),
        ("a TLS ClientHello", [&[0x16u8, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03][..], &[0u8; 40][..]].concat(), &[400]),
        ("a body larger than the limit", [&b"POST /identities?api-version=2023-10-01 HTTP/1.1\r\nhost: x\r\ncontent-length: 2000000\r\n\r\n"[..], &vec![b'a'; 2_000_000][..]].concat(), &[413]),
    ];
    for (name, bytes, allowed) in &cases {
        let status = raw_status(emu.port, bytes);
        assert!(
            status.is_some_and(|s| allowed.contains(&s)),
            "{name}: answered {status:?}, expected one of {allowed:?}"
        );
        assert!(emu.alive(), "{name}: the emulator died");
        let r = emu
            .client()
            .send("GET", "/emulator/health", b"", &[], false)
            .unwrap();
        assert_eq!(r.status, 200, "{name}: health afterwards");
    }
    // An HTTP/2 preface on the plain HTTP/1 port is refused by closing; the server stays up.
    assert_eq!(
        raw_status(emu.port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        None
    );
    // Many malformed requests in a row, on many connections at once.
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let port = emu.port;
            let bytes = cases[i % cases.len()].1.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    raw_status(port, &bytes);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(emu.alive());
    let mut c = emu.client();
    let r = c
        .api("POST", &format!("/identities?api-version={V}"), &json!({}))
        .unwrap();
    assert_eq!(r.status, 201, "a normal request after the malformed ones");
    let logs = emu.stderr.lock().unwrap().clone();
    assert!(!logs.contains("panicked"), "{logs}");
}

// ---- limits before authentication ---------------------------------------------------------------------

/// Writes `bytes`, then reads until the server closes: the status of the answer (None without one),
/// or `Err` when no close came within 10 s (the server is still waiting for more).
fn answer_then_close(port: u16, bytes: &[u8]) -> Result<Option<u16>, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(format!("{e} after {:?}", String::from_utf8_lossy(&out))),
        }
    }
    Ok(String::from_utf8_lossy(&out)
        .strip_prefix("HTTP/1.1 ")
        .and_then(|t| t.get(..3))
        .and_then(|t| t.parse().ok()))
}

#[test]
fn a_body_past_the_limit_is_refused_and_the_connection_closed_without_reading_on() {
    let emu = Emulator::start(&[]);
    let head = "POST /identities?api-version=2023-10-01 HTTP/1.1\r\nhost: x\r\n";
    // Declared larger than the limit: 413 at once, nothing of the body is waited for.
    let declared = format!("{head}content-length: 2000000\r\n\r\n");
    assert_eq!(
        answer_then_close(emu.port, declared.as_bytes()),
        Ok(Some(413))
    );
    // Chunked, growing past the limit and then pausing: 413 as soon as it is past, without waiting
    // for the rest.
    let mut chunked = format!("{head}transfer-encoding: chunked\r\n\r\n10001\r\n").into_bytes();
    chunked.extend(std::iter::repeat(b' ').take(0x10001));
    chunked.extend_from_slice(b"\r\n");
    assert_eq!(answer_then_close(emu.port, &chunked), Ok(Some(413)));
    // Still serving.
    let r = emu
        .client()
        .send("GET", "/emulator/health", b"", &[], false)
        .unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn connections_past_the_cap_are_closed_until_one_ends() {
    let emu = Emulator::start(&["--max-connections", "4"]);
    let health = b"GET /emulator/health HTTP/1.1\r\nhost: x\r\n\r\n";
    // Four keep-alive connections, each answered once and kept open.
    let mut open: Vec<TcpStream> = (0..4)
        .map(|_| {
            let s = TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            (&s).write_all(health).unwrap();
            assert_eq!(read_reply(&mut r, false).unwrap().status, 200);
            s
        })
        .collect();
    // A fifth is closed without an answer.
    assert_eq!(answer_then_close(emu.port, health), Ok(None));
    // The refusal is logged (the log arrives through a pipe: wait for it, at most 10 s).
    let logged = (0..100).any(|_| {
        let found = emu.stderr.lock().unwrap().contains("--max-connections");
        if !found {
            std::thread::sleep(Duration::from_millis(100));
        }
        found
    });
    assert!(logged, "{}", emu.stderr.lock().unwrap());
    // Once one of the four ends, new connections are served again.
    open.pop();
    let close = b"GET /emulator/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    let served = (0..100).any(|_| {
        let ok = answer_then_close(emu.port, close) == Ok(Some(200));
        if !ok {
            std::thread::sleep(Duration::from_millis(100));
        }
        ok
    });
    assert!(
        served,
        "no connection was served after one of the four ended"
    );
    drop(open);
}
