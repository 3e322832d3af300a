//! The HTTP server: the accept loop (plain or TLS, at most `--max-connections` connections at once),
//! one hyper connection per socket, and around each request (run through `pipeline`) the service's
//! common response headers, CORS for allowed origins, and one log line.

use crate::app::App;
use crate::clock::{self, Now};
use crate::pipeline::{self, Outcome, Peer};
use crate::protocol::Reply;
use crate::{cors, ids};
use acs_identity_edge::date::format_imf_fixdate;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::TlsAcceptor;

/// Serves connections from `listener` until `shutdown` completes, then lets open requests finish
/// (at most 5 seconds).
pub async fn run(
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(app.settings.max_connections));
    // Whether connections are being turned away (logged once per episode, not once per connection).
    let mut refusing = false;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => {
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        if !refusing {
                            tracing::warn!(
                                "{} connections are open (--max-connections); closing new ones until one ends",
                                app.settings.max_connections
                            );
                            refusing = true;
                        }
                        drop(stream);
                        continue;
                    };
                    refusing = false;
                    let peer = Peer {
                        remote: remote.ip(),
                        local: stream.local_addr().map_or(remote.ip(), |a| a.ip()),
                    };
                    let _ = stream.set_nodelay(true);
                    let app = app.clone();
                    let watcher = graceful.watcher();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            Some(acceptor) => {
                                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                    Ok(Ok(stream)) => serve_connection(app, stream, peer, watcher).await,
                                    Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                                    Err(_) => tracing::debug!("TLS handshake timed out"),
                                }
                            }
                            None => serve_connection(app, stream, peer, watcher).await,
                        }
                        drop(slot);
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

async fn serve_connection<S>(app: Arc<App>, stream: S, peer: Peer, watcher: Watcher)
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
            async move { Ok::<_, Infallible>(handle(app, req, peer, kill).await) }
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
async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: Peer,
    kill: Arc<Notify>,
) -> Response<Full<Bytes>> {
    let start = clock::now();
    let method = req.method().clone();
    let client_request_id = header(&req, "x-ms-client-request-id").map(str::to_string);
    // The page's origin, when `--cors-origins` lets it read the answer.
    let cors_origin = header(&req, "origin")
        .filter(|o| app.settings.cors_origins.allows(o, &app.endpoint))
        .map(str::to_string);
    let ms_cv = ids::ms_cv();
    let outcome = pipeline::respond(&app, req, peer, start, client_request_id.as_deref()).await;
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
        cors.then_some(cors_origin.as_deref()).flatten(),
        &ms_cv,
        client_request_id.as_deref(),
        end,
        latency_ms,
    )
}

/// The reply with the service's common headers; `cors_origin` is the page origin allowed to read it.
fn build_response(
    reply: Reply,
    cors_origin: Option<&str>,
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
    if let Some(origin) = cors_origin {
        put("access-control-allow-origin", origin);
        put("access-control-expose-headers", cors::EXPOSE_HEADERS);
    }
    // Which origin may read an answer depends on the request's Origin.
    put("vary", "origin");
    response
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
