//! The path of every request, as a list of named stages run in order (see [`stages`]). Each stage
//! either hands the request on or ends it with an [`Outcome`]:
//!
//! 1. `require_host`: an HTTP/1.1 request without `Host` is malformed;
//! 2. `preflight`: CORS preflights of allowed origins are answered, others refused;
//! 3. `decode_path`: the path's percent-decoded segments;
//! 4. `entra_authority`: the Entra authority's endpoints (with `--entra-*`);
//! 5. `emulator_pages`: `/emulator/health`, `/emulator/config`, `/emulator/whoami`;
//! 6. `static_pages`: the files of `--www` (anything that is not the API);
//! 7. `read_body`: the body, within the size limit (past it the connection closes) and in time;
//! 8. `authenticate`: a bearer token of the Entra authority, or the HMAC signature (unless
//!    `--disable-local-auth`), so that nothing below runs for a caller without a credential;
//! 9. `inject_fault`: the `x-emulator-fault` header (with `--faults`);
//! 10. `find_route`: the operation, or 404/405;
//! 11. `check_api_version`: the api-version the operation answers to;
//! 12. `rate_limit`: the service's limits (with `--rate-limit`);
//! 13. `operation`: the operation itself.

use crate::api::{self, versions, Call, Match, Route};
use crate::app::App;
use crate::clock::Now;
use crate::protocol::{Reply, MAX_BODY_BYTES};
use crate::{auth, cors, emulator_api, entra, faults, request_target, static_files};
use acs_identity_edge::signing::ReceivedRequest;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, StatusCode};
use std::net::IpAddr;
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

/// The two ends of the connection a request came on.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    /// The client's address.
    pub remote: IpAddr,
    /// The emulator's address on this connection.
    pub local: IpAddr,
}

impl Peer {
    /// Whether the client runs on this machine: a loopback address, or the very address it reached
    /// the emulator on.
    pub fn is_this_machine(&self) -> bool {
        let remote = self.remote.to_canonical();
        remote.is_loopback() || remote == self.local.to_canonical()
    }
}

/// What every stage may look at: the app, the request's head and connection, the time it arrived.
pub struct Context<'a> {
    pub app: &'a Arc<App>,
    pub head: &'a Parts,
    pub peer: Peer,
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
    peer: Peer,
    now: Now,
    client_request_id: Option<&str>,
) -> Outcome {
    let (head, body) = req.into_parts();
    let cx = Context {
        app,
        head: &head,
        peer,
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
    let body = entra_authority(cx, &segments, body).await?;
    emulator_pages(cx, &segments)?;
    static_pages(cx, &segments).await?;
    let body = read_body(cx, body).await?;
    authenticate(cx, &body)?;
    inject_fault(cx).await?;
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

/// CORS preflights (`OPTIONS`) are answered here, without authentication: the allowed methods and
/// headers for an origin `--cors-origins` allows, 403 for any other.
fn preflight(cx: &Context<'_>) -> Next<()> {
    if cx.method() != Method::OPTIONS {
        return Ok(());
    }
    let reply = match cx.header("origin") {
        Some(origin)
            if !cx
                .app
                .settings
                .cors_origins
                .allows(origin, &cx.app.endpoint) =>
        {
            cors::refused_preflight(origin)
        }
        _ => cors::preflight(cx.header("access-control-request-headers")),
    };
    Err(Outcome::api("OPTIONS *", reply))
}

/// The path's percent-decoded segments; 404 when they are not UTF-8.
fn decode_path(cx: &Context<'_>) -> Next<Vec<String>> {
    request_target::segments(cx.path())
        .ok_or_else(|| Outcome::api("-", no_route(cx.method(), cx.path())))
}

/// With `--faults`, the `x-emulator-fault` header: a delay, a dropped connection or an error status.
/// Only for authenticated requests: a caller without the key cannot make the emulator wait.
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

/// With `--entra-*`, the authority's endpoints (`entra::endpoints`); the body is read only for the
/// token endpoint, and handed on untouched for anything else.
async fn entra_authority(cx: &Context<'_>, segments: &[String], body: Incoming) -> Next<Incoming> {
    let Some(authority) = &cx.app.entra else {
        return Ok(body);
    };
    let Some((route, tenant)) = entra::endpoints::match_route(segments) else {
        return Ok(body);
    };
    let bytes = if route.needs_body() {
        read_body(cx, body).await?
    } else {
        Bytes::new()
    };
    let host = cx.header("host");
    let local_host = host.is_some_and(|h| entra::is_local_host(h, cx.app.settings.host));
    let origin = match host {
        Some(h) if local_host => format!("{}://{h}", cx.app.scheme()),
        _ => cx.app.endpoint.clone(),
    };
    let port = (cx.app.endpoint.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(cx.app.settings.port);
    let request = entra::endpoints::Request {
        method: cx.method(),
        tenant,
        origin: &origin,
        // Like `/emulator/config`: a loopback `Host` and a peer on this machine.
        local_host: local_host && cx.peer.is_this_machine(),
        port,
        query: cx.head.uri.query(),
        client_request_id: cx.header("client-request-id"),
        body: &bytes,
        now: cx.now,
    };
    let reply = entra::endpoints::serve(authority, route, &request);
    Err(Outcome::Reply {
        route: route.label(),
        reply,
        // The statistics, like `/emulator/config`, are for this machine's pages only.
        cors: route != entra::endpoints::Route::Stats,
    })
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
            emulator_api::config(cx.app, cx.header("host"), cx.peer.is_this_machine()),
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

/// Anything that is not the API: a file of `--www` for GET and HEAD, else 404 (saying how to serve
/// the demo page when `/` is asked for without `--www`).
async fn static_pages(cx: &Context<'_>, segments: &[String]) -> Next<()> {
    if api::is_api_path(segments) {
        return Ok(());
    }
    let method = cx.method();
    let readable = method == Method::GET || method == Method::HEAD;
    match &cx.app.settings.www {
        Some(root) if readable => {
            if let Some(reply) = static_files::serve(root, &segments.join("/")).await {
                return Err(Outcome::Reply {
                    route: "GET /*",
                    reply,
                    cors: false,
                });
            }
        }
        None if readable && segments.is_empty() => {
            return Err(Outcome::api("GET /", static_files::not_served()));
        }
        _ => {}
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

/// Reads the body; `Err` with a 413 when it is over the limit. Nothing past the limit is read: a body
/// declared larger is refused at once, and one that grows past it while arriving is refused when it
/// does; the 413 closes the connection (the client may see the connection reset instead, when it is
/// still sending). Reading more, before the request is even authenticated, would let anyone make the
/// emulator swallow arbitrary amounts of data.
async fn read_limited(body: Incoming, declared: Option<u64>) -> Result<Bytes, Reply> {
    let too_large = || {
        Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        )
        .with_header("connection", "close")
    };
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut buf = BytesMut::new();
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
            if buf.len() + data.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

/// With `--entra-*`, an `Authorization: Bearer` token of the authority (401 `InvalidAccessToken`
/// otherwise); with `--disable-local-auth`, nothing else (401 `Denied`); else the HMAC signature over
/// the request as received (401 `Denied` naming the failed check).
fn authenticate(cx: &Context<'_>, body: &[u8]) -> Next<()> {
    let bearer = cx.header("authorization").and_then(entra::bearer_token);
    if let (Some(authority), Some(token)) = (&cx.app.entra, bearer) {
        return (authority.verify(token, cx.now.unix_seconds()))
            .map(|_| ())
            .map_err(|failure| Outcome::api("-", entra::endpoints::bearer_refused(failure)));
    }
    if cx.app.settings.disable_local_auth {
        return Err(Outcome::api("-", entra::endpoints::local_auth_disabled()));
    }
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
/// With `--accept-unknown-api-versions`, a well-formed version the operation does not know is served
/// as the newest it knows, with a warning.
fn check_api_version(cx: &Context<'_>, route: &Route) -> Next<&'static str> {
    let requested = request_target::query_param(cx.head.uri.query(), "api-version");
    let request_uri = format!("{}{}", cx.app.endpoint, cx.path());
    let unknown = if cx.app.settings.accept_unknown_api_versions {
        versions::Unknown::ServeNewest
    } else {
        versions::Unknown::Refuse
    };
    let version = versions::check_version(route, requested.as_deref(), &request_uri, unknown)
        .map_err(|reply| Outcome::api(route.label(), reply))?;
    if let Some(requested) = requested.filter(|r| !r.eq_ignore_ascii_case(version)) {
        tracing::warn!(
            "api-version {requested} is unknown to this emulator; {} is served as {version} (--accept-unknown-api-versions)",
            route.label()
        );
    }
    Ok(version)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: Method, uri: &str, version: hyper::Version, headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::builder().method(method).uri(uri).version(version);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn status(outcome: Next<()>) -> Option<u16> {
        match outcome {
            Err(Outcome::Reply { reply, .. }) => Some(reply.status.as_u16()),
            Err(Outcome::Drop) => Some(0),
            Ok(()) => None,
        }
    }

    #[test]
    fn peers_on_this_machine() {
        let local = ip("192.0.2.10");
        for remote in [
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "::ffff:127.0.0.1",
            "192.0.2.10",
        ] {
            let peer = Peer {
                remote: ip(remote),
                local,
            };
            assert!(peer.is_this_machine(), "{remote}");
        }
        for remote in ["192.0.2.11", "10.0.0.1", "::ffff:192.0.2.11", "fe80::1"] {
            let peer = Peer {
                remote: ip(remote),
                local,
            };
            assert!(!peer.is_this_machine(), "{remote}");
        }
    }

    #[test]
    fn the_configuration_is_served_only_to_this_machine() {
        let app = Arc::new(App::for_tests(&[]));
        let config = |peer: &str, version, headers: &[(&str, &str)]| {
            let head = head(Method::GET, "/emulator/config", version, headers);
            let cx = Context {
                app: &app,
                head: &head,
                peer: Peer {
                    remote: ip(peer),
                    local: ip("192.0.2.10"),
                },
                now: crate::clock::now(),
                client_request_id: None,
            };
            let segments = decode_path(&cx).ok().unwrap();
            status(emulator_pages(&cx, &segments))
        };
        let http10 = hyper::Version::HTTP_10;
        let http11 = hyper::Version::HTTP_11;
        assert_eq!(config("127.0.0.1", http10, &[]), Some(200));
        assert_eq!(
            config("127.0.0.1", http11, &[("host", "localhost:10090")]),
            Some(200)
        );
        // Another machine: refused whatever the Host says, and without one (HTTP/1.0).
        assert_eq!(config("198.51.100.7", http10, &[]), Some(403));
        assert_eq!(
            config("198.51.100.7", http11, &[("host", "127.0.0.1:10090")]),
            Some(403)
        );
        // This machine, a foreign Host (DNS rebinding): refused.
        assert_eq!(
            config("127.0.0.1", http11, &[("host", "evil.example")]),
            Some(403)
        );
    }
}
