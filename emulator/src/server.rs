//! The HTTP server: the accept loop (plain or TLS), one hyper connection per socket, and the path of
//! every request: CORS preflight, fault injection, the emulator's pages, body limit, HMAC check,
//! routing, api-version, rate limit, operation; then the service's common response headers and one
//! log line.

use crate::api::{self, Call, Match};
use crate::clock::{self, Now};
use crate::config::Settings;
use crate::faults::{self, FaultTracker};
use crate::protocol::{Reply, MAX_BODY_BYTES};
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use crate::{auth, emulator_api, ids, request_target, static_files};
use acs_identity_edge::date::format_imf_fixdate;
use acs_identity_edge::signing::ReceivedRequest;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

/// Everything a request may need.
pub struct App {
    pub settings: Settings,
    /// `scheme://host:port` as printed.
    pub endpoint: String,
    pub store: Arc<Store>,
    pub faults: FaultTracker,
    pub limiter: Option<RateLimiter>,
    pub started: Now,
}

impl App {
    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.settings.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The connection string clients use.
    pub fn connection_string(&self) -> String {
        format!(
            "endpoint={}/;accesskey={}",
            self.endpoint, self.settings.access_key_base64
        )
    }
}

/// Request headers a browser page may send to the API (CORS), beyond the ones it asks for.
const CORS_ALLOW_HEADERS: &str = "authorization, x-ms-date, x-ms-content-sha256, content-type, x-ms-client-request-id, x-ms-return-client-request-id, x-ms-useragent, accept, x-emulator-fault";
/// Response headers a browser page may read (CORS).
const CORS_EXPOSE_HEADERS: &str = "ms-cv, x-ms-client-request-id, retry-after, retry-after-ms, api-supported-versions, x-azure-ref, x-processing-time";
const CORS_ALLOW_METHODS: &str = "GET, HEAD, POST, PATCH, DELETE, OPTIONS";

/// What to do with a request.
enum Outcome {
    /// Answer; the `&str` is the route template for the log line; `cors` says whether to add CORS
    /// headers.
    Reply {
        route: &'static str,
        reply: Reply,
        cors: bool,
    },
    /// Close the connection without answering (fault injection).
    Drop,
}

impl Outcome {
    fn api(route: &'static str, reply: Reply) -> Outcome {
        Outcome::Reply {
            route,
            reply,
            cors: true,
        }
    }
}

/// Serves connections from `listener` until `shutdown` completes, then lets open requests finish
/// (at most 5 seconds).
pub async fn run(
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let app = app.clone();
                    let watcher = graceful.watcher();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            Some(acceptor) => {
                                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                    Ok(Ok(stream)) => serve_connection(app, stream, watcher).await,
                                    Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                                    Err(_) => tracing::debug!("TLS handshake timed out"),
                                }
                            }
                            None => serve_connection(app, stream, watcher).await,
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => {
            tracing::warn!("some connections were still busy after 5 s; closing them");
        }
    }
}

async fn serve_connection<S>(app: Arc<App>, stream: S, watcher: Watcher)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Fault injection's `drop` closes the connection through this signal.
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        service_fn(move |req| {
            let app = app.clone();
            let kill = kill.clone();
            async move { Ok::<_, Infallible>(handle(app, req, kill).await) }
        })
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), service);
    let conn = watcher.watch(conn);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
        }
        () = kill.notified() => {}
    }
}

/// Serves one request.
async fn handle(app: Arc<App>, req: Request<Incoming>, kill: Arc<Notify>) -> Response<Full<Bytes>> {
    let start = clock::now();
    let method = req.method().clone();
    let client_request_id = header(&req, "x-ms-client-request-id").map(str::to_string);
    let ms_cv = ids::ms_cv();
    let outcome = respond(&app, req, start, client_request_id.as_deref()).await;
    let end = clock::now();
    let latency_ms = end.since(&start).as_millis();
    let request_id = client_request_id.as_deref().unwrap_or(&ms_cv);
    let (route, reply, cors) = match outcome {
        Outcome::Reply { route, reply, cors } => (route, reply, cors),
        Outcome::Drop => {
            tracing::info!(target: "acs_emulator::request", %method, route = "-", status = "dropped", latency_ms, request_id, "request");
            kill.notify_one();
            // The connection task drops this future along with the connection.
            std::future::pending::<()>().await;
            return Response::new(Full::new(Bytes::new()));
        }
    };
    tracing::info!(target: "acs_emulator::request", %method, route, status = reply.status.as_u16(), latency_ms, request_id, "request");
    build_response(
        reply,
        cors,
        &ms_cv,
        client_request_id.as_deref(),
        end,
        latency_ms,
    )
}

fn build_response(
    reply: Reply,
    cors: bool,
    ms_cv: &str,
    client_request_id: Option<&str>,
    now: Now,
    latency_ms: u128,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() = reply.status;
    let h = response.headers_mut();
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n, v);
        }
    };
    if let Some(ct) = reply.content_type {
        put("content-type", ct);
    }
    if let Some(versions) = reply.supported_versions {
        put("api-supported-versions", &versions.join(", "));
    }
    for (name, value) in &reply.headers {
        put(name, value);
    }
    if let Some(date) = format_imf_fixdate(now.unix_seconds()) {
        put("date", &date);
    }
    put("ms-cv", ms_cv);
    put("x-azure-ref", &ids::azure_ref());
    if let Some(id) = client_request_id {
        put("x-ms-client-request-id", id);
    }
    put("x-processing-time", &format!("{latency_ms}ms"));
    put("x-cache", "CONFIG_NOCACHE");
    if cors {
        put("access-control-allow-origin", "*");
        put("access-control-expose-headers", CORS_EXPOSE_HEADERS);
    }
    response
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn preflight(requested: Option<&str>) -> Reply {
    let mut allow = CORS_ALLOW_HEADERS.to_string();
    for name in requested.unwrap_or("").split(',').map(str::trim) {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid && !allow.split(", ").any(|a| a.eq_ignore_ascii_case(name)) {
            allow.push_str(", ");
            allow.push_str(&name.to_ascii_lowercase());
        }
    }
    Reply::empty(StatusCode::NO_CONTENT)
        .with_header("access-control-allow-methods", CORS_ALLOW_METHODS)
        .with_header("access-control-allow-headers", allow)
        .with_header("access-control-max-age", "600")
}

fn fault_reply(fault: &faults::Fault, status: u16) -> Reply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut reply = match status {
        // The service's recorded 500 has an empty body.
        StatusCode::INTERNAL_SERVER_ERROR => Reply::empty(status),
        StatusCode::TOO_MANY_REQUESTS => Reply::error(
            status,
            "TooManyRequests",
            "Too many requests (fault injected by the emulator).",
        ),
        StatusCode::SERVICE_UNAVAILABLE => Reply::error(
            status,
            "ServiceUnavailable",
            "The service is unavailable (fault injected by the emulator).",
        ),
        _ => Reply::error(status, "InjectedFault", "Fault injected by the emulator."),
    };
    let default_retry_after = matches!(status.as_u16(), 429 | 503).then_some(1);
    if let Some(s) = fault.retry_after.or(default_retry_after) {
        reply = reply.with_header("retry-after", s.to_string());
    }
    if let Some(ms) = fault.retry_after_ms {
        reply = reply.with_header("retry-after-ms", ms.to_string());
    }
    reply
}

/// How long a request body may take to arrive once the headers are in.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads the body; `Err` with a 413 when it is over the limit. The rest of an oversized body is read
/// and dropped (up to 16 MiB) so that the client sees the 413 rather than a reset connection.
async fn read_body(body: Incoming, declared: Option<u64>) -> Result<Bytes, Reply> {
    const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
    let too_large = || {
        Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        )
    };
    let mut over = declared.is_some_and(|n| n > MAX_BODY_BYTES as u64);
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(too_large());
    }
    let mut buf = BytesMut::new();
    let mut seen = 0usize;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "The request body could not be read.",
            ));
        };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > MAX_BODY_BYTES {
                over = true;
                buf.clear();
            }
            if seen > DRAIN_LIMIT {
                break;
            }
            if !over {
                buf.extend_from_slice(&data);
            }
        }
    }
    if over {
        Err(too_large())
    } else {
        Ok(buf.freeze())
    }
}

async fn respond(
    app: &Arc<App>,
    req: Request<Incoming>,
    start: Now,
    client_request_id: Option<&str>,
) -> Outcome {
    let method = req.method().clone();
    // HTTP/1.1 requires a Host header (RFC 9112 section 3.2): without one the request is malformed.
    if req.version() == hyper::Version::HTTP_11 && header(&req, "host").is_none() {
        return Outcome::api(
            "-",
            Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "The request has no Host header.",
            ),
        );
    }
    if method == Method::OPTIONS {
        return Outcome::api(
            "OPTIONS *",
            preflight(header(&req, "access-control-request-headers")),
        );
    }
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let Some(segments) = request_target::segments(&path) else {
        return Outcome::api("-", no_route(&method, &path));
    };

    if app.settings.faults {
        if let Some(value) = header(&req, faults::HEADER) {
            match faults::parse(value) {
                Err(message) => {
                    return Outcome::api(
                        "-",
                        Reply::error(StatusCode::BAD_REQUEST, "InvalidFaultHeader", message),
                    )
                }
                Ok(fault) => {
                    if app.faults.should_apply(&fault, client_request_id) {
                        if let Some(d) = faults::delay(&fault) {
                            tokio::time::sleep(d).await;
                        }
                        if fault.drop {
                            return Outcome::Drop;
                        }
                        if let Some(status) = fault.status {
                            return Outcome::api("fault", fault_reply(&fault, status));
                        }
                    }
                }
            }
        }
    }

    // The emulator's own pages.
    if segments.first().is_some_and(|s| s == "emulator") && segments.len() == 2 {
        let reply = match (&method, segments[1].as_str()) {
            (&Method::GET, "health") => Some((
                "GET /emulator/health",
                emulator_api::health(app, start),
                true,
            )),
            (&Method::GET, "config") => Some((
                "GET /emulator/config",
                emulator_api::config(app, header(&req, "host")),
                false,
            )),
            (&Method::GET, "whoami") => Some((
                "GET /emulator/whoami",
                emulator_api::whoami(app, header(&req, "authorization"), start),
                true,
            )),
            _ => None,
        };
        if let Some((route, reply, cors)) = reply {
            return Outcome::Reply { route, reply, cors };
        }
    }

    if !api::is_api_path(&segments) {
        if let (Some(root), true) = (
            &app.settings.www,
            method == Method::GET || method == Method::HEAD,
        ) {
            let decoded = segments.join("/");
            if let Some(reply) = static_files::serve(root, &decoded).await {
                return Outcome::Reply {
                    route: "GET /*",
                    reply,
                    cors: false,
                };
            }
        }
        return Outcome::api("-", no_route(&method, &path));
    }

    // The API.
    let host = header(&req, "host").unwrap_or("").to_string();
    let owned_headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let declared = header(&req, "content-length").and_then(|v| v.parse::<u64>().ok());
    // A body that stops arriving must not hold the connection forever (the header timeout does not
    // cover it).
    let body =
        match tokio::time::timeout(BODY_READ_TIMEOUT, read_body(req.into_body(), declared)).await {
            Ok(Ok(b)) => b,
            Ok(Err(reply)) => return Outcome::api("-", reply),
            Err(_) => {
                return Outcome::api(
                    "-",
                    Reply::error(
                        StatusCode::REQUEST_TIMEOUT,
                        "RequestTimeout",
                        "The request body did not arrive in time.",
                    ),
                )
            }
        };
    let headers: Vec<(&str, &str)> = owned_headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let received = ReceivedRequest {
        method: method.as_str(),
        path_and_query: &path_and_query,
        host: &host,
        headers: &headers,
        body: &body,
    };
    if let Err(failure) = auth::authenticate(
        &app.settings.access_key,
        &received,
        start.unix_seconds(),
        app.settings.max_skew_seconds,
    ) {
        return Outcome::api(
            "-",
            Reply::error(StatusCode::UNAUTHORIZED, "Denied", failure.message()),
        );
    }
    let route = match api::match_route(&method, &segments) {
        Match::Route(r) => r,
        Match::WrongMethod(allow) => {
            return Outcome::api(
                "-",
                Reply::error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "MethodNotAllowed",
                    format!("The resource {path} does not support the {method} method."),
                )
                .with_header("allow", allow),
            )
        }
        Match::NoRoute => return Outcome::api("-", no_route(&method, &path)),
    };
    let label = route.label();
    let api_version = request_target::query_param(query.as_deref(), "api-version");
    let request_uri = format!("{}{}", app.endpoint, path);
    let version = match api::check_version(&route, api_version.as_deref(), &request_uri) {
        Ok(v) => v,
        Err(reply) => return Outcome::api(label, reply),
    };
    if let (Some(limiter), Some(bucket)) = (&app.limiter, route.bucket()) {
        if let Err(retry_after) = limiter.check(bucket, start.unix_ms) {
            let reply = Reply::error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!(
                    "Rate limit exceeded: at most {} of these requests per 30 seconds.",
                    bucket.limit()
                ),
            )
            .with_header("retry-after", retry_after.to_string())
            .with_versions(route.reported_versions());
            return Outcome::api(label, reply);
        }
    }
    let call = Call {
        app,
        version,
        body: &body,
        now: start,
    };
    Outcome::api(label, api::dispatch(route, call).await)
}

/// 404 for a path that is not part of the API (the emulator's text).
fn no_route(method: &Method, path: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("No operation matches {method} {path}."),
    )
}
