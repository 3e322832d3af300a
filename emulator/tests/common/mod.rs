//! Test support: start the built `acs-emulator`, talk HTTP/1.1 to it over a plain `TcpStream` (or
//! rustls), and sign requests with the library, the way the official SDKs do.
#![allow(dead_code)]

use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::date::format_imf_fixdate;
use acs_identity_edge::signing::{content_hash, hmac_base64, sign_target};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DEV_KEY: &str =
    "bWCYFkXUha2+XmpQ5u4tcOHkl2SwMwodmBOOH1LKYgmVM9YvXXUl65R4rnl8liogkd6scJ83stDlnGTTOhbL9g==";
pub const DEV_RESOURCE: &str = "ac5e0000-0000-4000-8000-000000000001";
pub const V: &str = "2023-10-01";
pub const PREVIEW: &str = "2025-03-02-preview";
pub const LEGACY: &str = "2020-07-20-preview2";
/// Every api-version the library knows (the emulator also accepts older ones).
pub const ALL_VERSIONS: &[&str] = &acs_identity_edge::operations::KNOWN_API_VERSIONS;

/// Unix seconds now. Tests, like the emulator, read the clock in one place.
#[allow(clippy::disallowed_methods)]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A directory of its own under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("acs-emulator-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A running emulator, killed when dropped.
pub struct Emulator {
    pub child: Option<Child>,
    pub port: u16,
    pub url: String,
    pub connection_string: String,
    pub key: AccessKey,
    pub stderr: Arc<Mutex<String>>,
    pub tls_cert: Option<PathBuf>,
}

impl Emulator {
    /// Starts the binary with `--port 0` and `args`, and reads its one stdout line.
    pub fn start(args: &[&str]) -> Emulator {
        Emulator::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Emulator {
        Emulator::start_in(None, args, env)
    }

    /// Starts the binary in the working directory `cwd` (default: the test's).
    pub fn start_in(cwd: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Emulator {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_acs-emulator"));
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        cmd.args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in [
            "ACS_EMULATOR_ACCESS_KEY",
            "ACS_EMULATOR_RESOURCE_ID",
            "ACS_EMULATOR_DATA",
            "ACS_EMULATOR_TLS",
            "ACS_EMULATOR_FAULTS",
            "ACS_EMULATOR_RATE_LIMIT",
            "ACS_EMULATOR_WWW",
            "ACS_EMULATOR_CORS_ORIGINS",
            "ACS_EMULATOR_MAX_CONNECTIONS",
            "ACS_EMULATOR_ACCEPT_UNKNOWN_API_VERSIONS",
            "ACS_EMULATOR_PORT",
            "ACS_EMULATOR_HOST",
            "ACS_EMULATOR_MAX_SKEW_SECONDS",
            "ACS_EMULATOR_ENTRA_TENANT_ID",
            "ACS_EMULATOR_ENTRA_CLIENT_ID",
            "ACS_EMULATOR_ENTRA_CLIENT_SECRET",
            "ACS_EMULATOR_DISABLE_LOCAL_AUTH",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn acs-emulator");
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr_pipe = child.stderr.take().unwrap();
            let sink = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                    let mut s = sink.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok);
            let _ = tx.send(first);
            // Anything else on stdout would break harnesses that read one line; keep reading so the
            // pipe never fills, and remember it.
            for line in lines.map_while(Result::ok) {
                eprintln!("unexpected stdout line: {line}");
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(line)) => line,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "the emulator printed no line; stderr: {}",
                    stderr.lock().unwrap()
                );
            }
        };
        let (url, connection_string) = parse_line(&line);
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        let key_b64 = connection_string
            .split("accesskey=")
            .nth(1)
            .unwrap()
            .to_string();
        let tls_cert = args
            .iter()
            .position(|a| *a == "--tls")
            .map(|i| PathBuf::from(args[i + 1]));
        Emulator {
            child: Some(child),
            port,
            url,
            connection_string,
            key: AccessKey::from_base64(&key_b64).unwrap(),
            stderr,
            tls_cert,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGTERM, then wait (at most 10 s) for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..200 {
            if let Some(s) = child.try_wait().unwrap() {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        panic!("the emulator did not stop within 10 s of SIGTERM");
    }

    /// SIGKILL (kill -9) and reap.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().unwrap();
        let _ = child.wait();
    }

    /// A request signed as the JS and Python SDKs sign it (x-ms-date; the Host as sent).
    pub fn signed(&self, method: &str, target: &str, body: &[u8]) -> Response {
        self.signed_with(method, target, body, &[])
    }

    pub fn signed_with(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Response {
        let headers = sign_headers(&self.key, method, &self.host(), target, body, unix_now());
        let mut all: Vec<(String, String)> = headers;
        all.push(("content-type".into(), "application/json".into()));
        for (k, v) in extra {
            all.push((k.to_string(), v.to_string()));
        }
        self.raw(method, target, &all, body)
    }

    pub fn signed_json(&self, method: &str, target: &str, body: &Value) -> Response {
        self.signed(method, target, body.to_string().as_bytes())
    }

    /// Any request; `headers` are sent as given (plus Host, Content-Length, Connection: close).
    pub fn raw(
        &self,
        method: &str,
        target: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Response {
        let host = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| self.host());
        let mut req =
            format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            if !k.eq_ignore_ascii_case("host") {
                req.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        match &self.tls_cert {
            Some(cert) => tls_exchange(cert, self.port, &bytes),
            None => {
                let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                s.write_all(&bytes).unwrap();
                let mut out = Vec::new();
                s.read_to_end(&mut out).unwrap();
                Response::parse(&out)
            }
        }
    }

    // Conveniences for the identity operations at api-version `v`.

    pub fn create_user(&self, v: &str, body: &Value) -> Response {
        self.signed_json("POST", &format!("/identities?api-version={v}"), body)
    }

    pub fn new_user(&self) -> String {
        let r = self.create_user(V, &serde_json::json!({}));
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["identity"]["id"].as_str().unwrap().to_string()
    }

    pub fn issue(&self, v: &str, id: &str, body: &Value) -> Response {
        self.signed_json(
            "POST",
            &format!("/identities/{}/:issueAccessToken?api-version={v}", enc(id)),
            body,
        )
    }

    pub fn revoke(&self, v: &str, id: &str) -> Response {
        self.signed(
            "POST",
            &format!(
                "/identities/{}/:revokeAccessTokens?api-version={v}",
                enc(id)
            ),
            b"",
        )
    }

    pub fn delete(&self, v: &str, id: &str) -> Response {
        self.signed(
            "DELETE",
            &format!("/identities/{}?api-version={v}", enc(id)),
            b"",
        )
    }

    pub fn get_user(&self, id: &str) -> Response {
        self.signed(
            "GET",
            &format!("/identities/{}?api-version={PREVIEW}", enc(id)),
            b"",
        )
    }

    pub fn whoami(&self, token: &str) -> Response {
        self.raw(
            "GET",
            "/emulator/whoami",
            &[("authorization".into(), format!("Bearer {token}"))],
            b"",
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `acs-emulator listening on <url>; connection string: <cs>`, and with `--entra-*`
/// `; entra authority host: <url>; tenant: <id>` after it (not returned: see `entra_tail`).
pub fn parse_line(line: &str) -> (String, String) {
    let rest = line
        .strip_prefix("acs-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    let (url, cs) = rest.split_once("; connection string: ").unwrap();
    let cs = cs
        .split_once("; entra authority host: ")
        .map_or(cs, |(cs, _)| cs);
    (url.to_string(), cs.to_string())
}

/// `x-ms-date`, `x-ms-content-sha256`, `Authorization` for a request (library signer).
pub fn sign_headers(
    key: &AccessKey,
    method: &str,
    host: &str,
    target: &str,
    body: &[u8],
    now: i64,
) -> Vec<(String, String)> {
    let s = sign_target(key, method, host, target, body, now).unwrap();
    vec![
        ("x-ms-date".into(), s.x_ms_date),
        ("x-ms-content-sha256".into(), s.x_ms_content_sha256),
        ("authorization".into(), s.authorization),
    ]
}

/// The 2020 Python SDK's signature: the `Date` header, `SignedHeaders=date;host;x-ms-content-sha256`.
pub fn sign_headers_with_date(
    key: &AccessKey,
    method: &str,
    host: &str,
    target: &str,
    body: &[u8],
    now: i64,
) -> Vec<(String, String)> {
    let date = format_imf_fixdate(now).unwrap();
    let hash = content_hash(body);
    let sts = format!("{method}\n{target}\n{date};{host};{hash}");
    let sig = hmac_base64(key, sts.as_bytes());
    vec![
        ("date".into(), date),
        ("x-ms-content-sha256".into(), hash),
        (
            "authorization".into(),
            format!("HMAC-SHA256 SignedHeaders=date;host;x-ms-content-sha256&Signature={sig}"),
        ),
    ]
}

/// Percent-encodes an id for a path, as the SDKs do (`:` -> `%3A`).
pub fn enc(id: &str) -> String {
    id.replace(':', "%3A")
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn parse(raw: &[u8]) -> Response {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(raw)));
        let head = std::str::from_utf8(&raw[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[end + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Response {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text()))
    }

    /// Asserts an ACS error body.
    pub fn assert_error(&self, status: u16, code: &str, message: &str, target: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.text());
        let v = self.json();
        assert_eq!(v["error"]["code"], code, "{}", self.text());
        assert_eq!(v["error"]["message"], message, "{}", self.text());
        match target {
            Some(t) => assert_eq!(v["error"]["target"], t, "{}", self.text()),
            None => assert!(v["error"].get("target").is_none(), "{}", self.text()),
        }
        assert_eq!(self.header("content-type"), Some("application/json"));
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&b[..i]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + size]);
        b = &b[i + 4 + size..];
    }
    out
}

fn tls_exchange(cert: &Path, port: u16, request: &[u8]) -> Response {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(cert).unwrap();
    for c in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(request).unwrap();
    let mut out = Vec::new();
    match tls.read_to_end(&mut out) {
        Ok(_) => {}
        // Servers may close without close_notify after `Connection: close`.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => panic!("TLS read failed: {e}"),
    }
    Response::parse(&out)
}

/// The JSON payload of a JWT, decoded the strict way (base64url, no padding).
pub fn jwt_payload(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The payload decoded as the Python SDK does: standard alphabet, `==` appended, ASCII.
pub fn jwt_payload_python_style(token: &str) -> Value {
    let mut payload = token.split('.').nth(1).unwrap().to_string();
    assert!(!payload.contains(['-', '_']), "{payload}");
    while payload.len() % 4 != 0 {
        payload.push('=');
    }
    let bytes = STANDARD.decode(payload).unwrap();
    assert!(bytes.is_ascii());
    serde_json::from_slice(&bytes).unwrap()
}

/// An unsigned JWT with `claims` (`alg: none`), as an Entra ID token stand-in.
pub fn unsigned_jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// An HS256 JWT signed with `key`, like the emulator's own tokens.
pub fn hs256_jwt(key: &AccessKey, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = hmac_base64(key, input.as_bytes());
    let sig = sig
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    format!("{input}.{sig}")
}

/// Whether `s` looks like the service's `expiresOn`: `2022-09-07T14:34:56.2714874+00:00`.
pub fn is_expires_on(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 33
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[20..27].iter().all(u8::is_ascii_digit)
        && &b[27..] == b"+00:00"
}
