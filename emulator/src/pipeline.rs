//! The path of every request, as a list of named stages run in order (see [`stages`]). Each stage
//! either hands the request on or ends it with an [`Outcome`]:
//!
//! 1. `require_host`: an HTTP/1.1 request without `Host` is malformed;
//! 2. `preflight`: CORS preflights are answered;
//! 3. `decode_path`: the path's percent-decoded segments;
//! 4. `inject_fault`: the `x-emulator-fault` header (with `--faults`);
//! 5. `emulator_pages`: `/emulator/health`, `/emulator/config`, `/emulator/whoami`;
//! 6. `static_pages`: the files of `--www` (anything that is not the API);
//! 7. `read_body`: the body, within the size limit and in time;
//! 8. `authenticate`: the HMAC signature;
//! 9. `find_route`: the operation, or 404/405;
//! 10. `check_api_version`: the api-version the operation answers to;
//! 11. `rate_limit`: the service's limits (with `--rate-limit`);
//! 12. `operation`: the operation itself.

use crate::api::{self, versions, Call, Match, Route};
use crate::app::App;
use crate::clock::Now;
use crate::protocol::{Reply, MAX_BODY_BYTES};
use crate::{auth, cors, emulator_api, faults, request_target, static_files};
use acs_identity_edge::signing::ReceivedRequest;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// How a request ends.
pub enum Outcome {
    /// Answer; `route` is the route template for the log line; `cors` says whether to add CORS
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
    /// An answer of the API (with CORS headers).
    fn api(route: &'static str, reply: Reply) -> Outcome {
        Outcome::Reply {
            route,
            reply,
            cors: true,
        }
    }
}

/// A stage's verdict: `Ok` hands the request on to the next stage, `Err` ends it with that outcome.
type Next<T> = Result<T, Outcome>;

/// What every stage may look at: the app, the request's head, the time it arrived.
pub struct Context<'a> {
    pub app: &'a Arc<App>,
    pub head: &'a Parts,
    pub now: Now,
    pub client_request_id: Option<&'a str>,
}

impl Context<'_> {
    /// A request header that is valid text.
    fn header(&self, name: &str) -> Option<&str> {
        self.head.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn method(&self) -> &Method {
        &self.head.method
    }

    fn path(&self) -> &str {
        self.head.uri.path()
    }
}

/// Runs a request through the stages and returns how it ends.
pub async fn respond(
    app: &Arc<App>,
    req: Request<Incoming>,
    now: Now,
    client_request_id: Option<&str>,
) -> Outcome {
    let (head, body) = req.into_parts();
    let cx = Context {
        app,
        head: &head,
        now,
        client_request_id,
    };
    match stages(&cx, body).await {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// The stages, in order.
async fn stages(cx: &Context<'_>, body: Incoming) -> Next<Outcome> {
    require_host(cx)?;
    preflight(cx)?;
    let segments = decode_path(cx)?;
    inject_fault(cx).await?;
    emulator_pages(cx, &segments)?;
    static_pages(cx, &segments).await?;
    let body = read_body(cx, body).await?;
    authenticate(cx, &body)?;
    let route = find_route(cx, &segments)?;
    let version = check_api_version(cx, &route)?;
    rate_limit(cx, &route)?;
    Ok(operation(cx, route, version, &body).await)
}

/// HTTP/1.1 requires a Host header (RFC 9112 section 3.2): without one the request is malformed.
fn require_host(cx: &Context<'_>) -> Next<()> {
    if cx.head.version == hyper::Version::HTTP_11 && cx.header("host").is_none() {
        return Err(Outcome::api(
            "-",
            Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "The request has no Host header.",
            ),
        ));
    }
    Ok(())
}

/// CORS preflights (`OPTIONS`) are answered here, without authentication.
fn preflight(cx: &Context<'_>) -> Next<()> {
    if cx.method() == Method::OPTIONS {
        return Err(Outcome::api(
            "OPTIONS *",
            cors::preflight(cx.header("access-control-request-headers")),
        ));
    }
    Ok(())
}

/// The path's percent-decoded segments; 404 when they are not UTF-8.
fn decode_path(cx: &Context<'_>) -> Next<Vec<String>> {
    request_target::segments(cx.path())
        .ok_or_else(|| Outcome::api("-", no_route(cx.method(), cx.path())))
}

/// With `--faults`, the `x-emulator-fault` header: a delay, a dropped connection or an error status.
async fn inject_fault(cx: &Context<'_>) -> Next<()> {
    if !cx.app.settings.faults {
        return Ok(());
    }
    let Some(value) = cx.header(faults::HEADER) else {
        return Ok(());
    };
    let fault = faults::parse(value).map_err(|message| {
        Outcome::api(
            "-",
            Reply::error(StatusCode::BAD_REQUEST, "InvalidFaultHeader", message),
        )
    })?;
    if !cx.app.faults.should_apply(&fault, cx.client_request_id) {
        return Ok(());
    }
    if let Some(d) = faults::delay(&fault) {
        tokio::time::sleep(d).await;
    }
    if fault.drop {
        return Err(Outcome::Drop);
    }
    if let Some(status) = fault.status {
        return Err(Outcome::api("fault", faults::reply(&fault, status)));
    }
    Ok(())
}

/// The emulator's own pages under `/emulator/`.
fn emulator_pages(cx: &Context<'_>, segments: &[String]) -> Next<()> {
    let [first, page] = segments else {
        return Ok(());
    };
    if first != "emulator" {
        return Ok(());
    }
    let (route, reply, cors) = match (cx.method(), page.as_str()) {
        (&Method::GET, "health") => (
            "GET /emulator/health",
            emulator_api::health(cx.app, cx.now),
            true,
        ),
        (&Method::GET, "config") => (
            "GET /emulator/config",
            emulator_api::config(cx.app, cx.header("host")),
            false,
        ),
        (&Method::GET, "whoami") => (
            "GET /emulator/whoami",
            emulator_api::whoami(cx.app, cx.header("authorization"), cx.now),
            true,
        ),
        _ => return Ok(()),
    };
    Err(Outcome::Reply { route, reply, cors })
}

/// Anything that is not the API: a file of `--www` for GET and HEAD, else 404.
async fn static_pages(cx: &Context<'_>, segments: &[String]) -> Next<()> {
    if api::is_api_path(segments) {
        return Ok(());
    }
    let method = cx.method();
    if let (Some(root), true) = (
        &cx.app.settings.www,
        method == Method::GET || method == Method::HEAD,
    ) {
        if let Some(reply) = static_files::serve(root, &segments.join("/")).await {
            return Err(Outcome::Reply {
                route: "GET /*",
                reply,
                cors: false,
            });
        }
    }
    Err(Outcome::api("-", no_route(method, cx.path())))
}

/// How long a request body may take to arrive once the headers are in (the header timeout does not
/// cover it).
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The body, within [`MAX_BODY_BYTES`] (else 413) and [`BODY_READ_TIMEOUT`] (else 408).
async fn read_body(cx: &Context<'_>, body: Incoming) -> Next<Bytes> {
    let declared = cx
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok());
    match tokio::time::timeout(BODY_READ_TIMEOUT, read_limited(body, declared)).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(reply)) => Err(Outcome::api("-", reply)),
        Err(_) => Err(Outcome::api(
            "-",
            Reply::error(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeout",
                "The request body did not arrive in time.",
            ),
        )),
    }
}

/// Reads the body; `Err` with a 413 when it is over the limit. The rest of an oversized body is read
/// and dropped (up to 16 MiB) so that the client sees the 413 rather than a reset connection.
async fn read_limited(body: Incoming, declared: Option<u64>) -> Result<Bytes, Reply> {
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

/// The HMAC signature over the request as received; 401 `Denied` naming the failed check.
fn authenticate(cx: &Context<'_>, body: &[u8]) -> Next<()> {
    let path_and_query = cx.head.uri.path_and_query().map_or("/", |p| p.as_str());
    let headers: Vec<(&str, &str)> = (cx.head.headers.iter())
        .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
        .collect();
    let received = ReceivedRequest {
        method: cx.method().as_str(),
        path_and_query,
        host: cx.header("host").unwrap_or(""),
        headers: &headers,
        body,
    };
    auth::authenticate(
        &cx.app.settings.access_key,
        &received,
        cx.now.unix_seconds(),
        cx.app.settings.max_skew_seconds,
    )
    .map_err(|failure| {
        Outcome::api(
            "-",
            Reply::error(StatusCode::UNAUTHORIZED, "Denied", failure.message()),
        )
    })
}

/// The operation a method and path name; 405 with `Allow` for a known path with another method, 404
/// for an unknown path.
fn find_route(cx: &Context<'_>, segments: &[String]) -> Next<Route> {
    match api::match_route(cx.method(), segments) {
        Match::Route(r) => Ok(r),
        Match::WrongMethod(allow) => Err(Outcome::api(
            "-",
            Reply::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!(
                    "The resource {} does not support the {} method.",
                    cx.path(),
                    cx.method()
                ),
            )
            .with_header("allow", allow),
        )),
        Match::NoRoute => Err(Outcome::api("-", no_route(cx.method(), cx.path()))),
    }
}

/// The request's `api-version`, checked against the operation's.
fn check_api_version(cx: &Context<'_>, route: &Route) -> Next<&'static str> {
    let requested = request_target::query_param(cx.head.uri.query(), "api-version");
    let request_uri = format!("{}{}", cx.app.endpoint, cx.path());
    versions::check_version(route, requested.as_deref(), &request_uri)
        .map_err(|reply| Outcome::api(route.label(), reply))
}

/// With `--rate-limit`, 429 past the service's documented limits.
fn rate_limit(cx: &Context<'_>, route: &Route) -> Next<()> {
    let (Some(limiter), Some(bucket)) = (&cx.app.limiter, route.bucket()) else {
        return Ok(());
    };
    limiter
        .check(bucket, cx.now.unix_ms)
        .map_err(|retry_after| {
            let reply = Reply::error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!(
                    "Rate limit exceeded: at most {} of these requests per 30 seconds.",
                    bucket.limit()
                ),
            )
            .with_header("retry-after", retry_after.to_string())
            .with_versions(versions::reported(route));
            Outcome::api(route.label(), reply)
        })
}

/// The operation itself.
async fn operation(cx: &Context<'_>, route: Route, version: &'static str, body: &[u8]) -> Outcome {
    let label = route.label();
    let call = Call {
        app: cx.app,
        version,
        body,
        now: cx.now,
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
