//! The authority's endpoints, on the emulator's own origin:
//!
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration`: the OpenID configuration MSAL reads;
//! - `GET /{tenant}/discovery/v2.0/keys`: the key set (empty: tokens are HS256 with a secret key);
//! - `GET /common/discovery/instance`: MSAL's instance discovery;
//! - `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant, with Entra's error bodies;
//! - `GET /emulator/entra/stats`: how many token requests arrived (loopback `Host` only);
//!
//! and the ACS answers to refused bearer tokens and to HMAC requests when local auth is disabled.

use super::form::Form;
use super::{jwt, Authority};
use crate::clock::Now;
use crate::ids;
use crate::protocol::{ErrorDetail, InnerError, Reply, JSON_UTF8};
use acs_identity_edge::date::format_expires_on;
use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::json;

/// The scope of the official SDKs (double slash included) and its single-slash form.
const SCOPES: [&str; 2] = [
    "https://communication.azure.com//.default",
    "https://communication.azure.com/.default",
];

/// An authority endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    OpenIdConfiguration,
    Keys,
    InstanceDiscovery,
    Token,
    Stats,
}

impl Route {
    /// The route template for the log line.
    pub fn label(self) -> &'static str {
        match self {
            Route::OpenIdConfiguration => "GET /{tenant}/v2.0/.well-known/openid-configuration",
            Route::Keys => "GET /{tenant}/discovery/v2.0/keys",
            Route::InstanceDiscovery => "GET /common/discovery/instance",
            Route::Token => "POST /{tenant}/oauth2/v2.0/token",
            Route::Stats => "GET /emulator/entra/stats",
        }
    }

    /// Whether the route reads a request body.
    pub fn needs_body(self) -> bool {
        self == Route::Token
    }
}

/// The authority route of a path's decoded segments, with its tenant segment.
pub fn match_route(segments: &[String]) -> Option<(Route, &str)> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match s.as_slice() {
        [t, "v2.0", ".well-known", "openid-configuration"] => Some((Route::OpenIdConfiguration, t)),
        [t, "discovery", "v2.0", "keys"] => Some((Route::Keys, t)),
        ["common", "discovery", "instance"] => Some((Route::InstanceDiscovery, "common")),
        [t, "oauth2", "v2.0", "token"] => Some((Route::Token, t)),
        ["emulator", "entra", "stats"] => Some((Route::Stats, "")),
        _ => None,
    }
}

/// What an authority endpoint may look at.
pub struct Request<'a> {
    pub method: &'a Method,
    /// The path's tenant segment (decoded).
    pub tenant: &'a str,
    /// `scheme://host:port` as the client reached the emulator (its `Host`, when that is a loopback
    /// name), else the printed endpoint.
    pub origin: &'a str,
    /// Whether the request came from this machine (its peer address) to a loopback `Host`.
    pub local_host: bool,
    /// The emulator's port, for the instance-discovery aliases.
    pub port: u16,
    pub query: Option<&'a str>,
    /// The `client-request-id` header MSAL sends; Entra answers it as the correlation id.
    pub client_request_id: Option<&'a str>,
    pub body: &'a [u8],
    pub now: Now,
}

/// Serves an authority route.
pub fn serve(authority: &Authority, route: Route, req: &Request<'_>) -> Reply {
    match route {
        Route::Token => {
            authority
                .token_requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            token(authority, req)
        }
        _ if req.method != Method::GET => Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!(
                "{} only answers GET.",
                route.label().trim_start_matches("GET ")
            ),
        )
        .with_header("allow", "GET"),
        Route::OpenIdConfiguration => openid_configuration(authority, req),
        Route::Keys => keys(authority, req),
        Route::InstanceDiscovery => instance_discovery(authority, req),
        Route::Stats => stats(authority, req),
    }
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the fields of Entra's document, with the
/// emulator's URLs. Unknown tenants get Entra's `400 invalid_tenant`.
fn openid_configuration(authority: &Authority, req: &Request<'_>) -> Reply {
    if !authority.is_tenant(req.tenant) {
        return entra_error(
            req,
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &unknown_tenant(req.tenant),
        );
    }
    let base = format!("{}/{}", req.origin, authority.tenant_id);
    let host = req.origin.split_once("://").map_or(req.origin, |(_, h)| h);
    let document = json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": authority.issuer(req.origin),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "azp", "azpacr", "ver"],
        "kerberos_endpoint": format!("{base}/kerberos"),
        "tenant_region_scope": null,
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
    });
    Reply::json(StatusCode::OK, &document)
}

/// `GET /{tenant}/discovery/v2.0/keys`: no public keys (the tokens are HS256 with a secret key).
fn keys(authority: &Authority, req: &Request<'_>) -> Reply {
    if !authority.is_tenant(req.tenant) {
        return entra_error(
            req,
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &unknown_tenant(req.tenant),
        );
    }
    Reply::json(StatusCode::OK, &json!({ "keys": [] }))
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...`: the emulator's host
/// forms as one cloud, and the OpenID configuration of the tenant named in `authorization_endpoint`
/// (this tenant when none is named).
fn instance_discovery(authority: &Authority, req: &Request<'_>) -> Reply {
    let host = req
        .origin
        .split_once("://")
        .map_or(req.origin, |(_, h)| h)
        .to_string();
    let tenant = crate::request_target::query_param(req.query, "authorization_endpoint")
        .and_then(|url| {
            let path = url.split_once("://")?.1.split_once('/')?.1.to_string();
            path.split('/')
                .next()
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| authority.tenant_id.clone());
    let mut aliases = vec![host.clone()];
    for alias in [
        format!("localhost:{}", req.port),
        format!("127.0.0.1:{}", req.port),
    ] {
        if !aliases.iter().any(|a| a.eq_ignore_ascii_case(&alias)) {
            aliases.push(alias);
        }
    }
    Reply::json(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("{}/{tenant}/v2.0/.well-known/openid-configuration", req.origin),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host,
                "preferred_cache": host,
                "aliases": aliases,
            }],
        }),
    )
}

/// `GET /emulator/entra/stats`, only to clients on this machine that name a loopback `Host` (like
/// `/emulator/config`).
fn stats(authority: &Authority, req: &Request<'_>) -> Reply {
    if !req.local_host {
        return Reply::error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "The authority's statistics are only served on this machine's loopback address.",
        );
    }
    Reply::json(StatusCode::OK, &authority.stats())
}

#[derive(Serialize)]
struct TokenResponse {
    token_type: &'static str,
    expires_in: i64,
    ext_expires_in: i64,
    access_token: String,
}

/// `POST /{tenant}/oauth2/v2.0/token`. Checked in this order, each with Entra's answer: the tenant,
/// `grant_type` (present, then `client_credentials`), `client_id` (present, then this application),
/// the credential (`client_secret`; a `client_assertion` is refused: no certificate or federated
/// credential is registered), then `scope`.
fn token(authority: &Authority, req: &Request<'_>) -> Reply {
    let err = |status, error, code, message: &str| entra_error(req, status, error, code, message);
    if req.method != Method::POST {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900561,
            &format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {} request.",
                req.method
            ),
        );
    }
    if !authority.is_tenant(req.tenant) {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &unknown_tenant(req.tenant),
        );
    }
    let form = Form::parse(req.body);
    let missing =
        |name: &str| format!("The request body must contain the following parameter: '{name}'.");
    let Some(grant_type) = form.get("grant_type") else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            &missing("grant_type"),
        );
    };
    if grant_type != "client_credentials" {
        return err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                printable(grant_type)
            ),
        );
    }
    let Some(client_id) = form.get("client_id") else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            &missing("client_id"),
        );
    };
    if !client_id.trim().eq_ignore_ascii_case(&authority.client_id) {
        return err(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                printable(client_id),
                authority.tenant_id
            ),
        );
    }
    match (form.get("client_secret"), form.get("client_assertion")) {
        (Some(secret), None) => {
            if !authority.client_secret.matches(secret) {
                return err(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                        authority.client_id
                    ),
                );
            }
        }
        (None, Some(_)) => {
            return err(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on application. (The emulator's authority knows only the client secret.)",
            );
        }
        (Some(_), Some(_)) => {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90027,
                "Multiple client credentials were provided: send either client_secret or client_assertion.",
            );
        }
        (None, None) => {
            return err(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
    }
    let Some(scope) = form.get("scope") else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            &missing("scope"),
        );
    };
    let scope = scope.trim();
    if !SCOPES.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {} is not valid.",
                printable(scope)
            ),
        );
    }
    let access_token = authority.issue(req.now.unix_seconds(), req.origin);
    let (trace_id, _) = trace_and_correlation(req);
    entra_headers(
        Reply::json(
            StatusCode::OK,
            &TokenResponse {
                token_type: "Bearer",
                expires_in: jwt::LIFETIME_SECONDS,
                ext_expires_in: jwt::LIFETIME_SECONDS,
                access_token,
            },
        ),
        req,
        &trace_id,
    )
}

fn unknown_tenant(tenant: &str) -> String {
    format!(
        "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
        printable(tenant)
    )
}

/// Client-supplied text as echoed in a description: at most 256 characters, control characters
/// replaced.
fn printable(s: &str) -> String {
    s.chars()
        .take(256)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[derive(Serialize)]
struct EntraError<'a> {
    error: &'a str,
    error_description: String,
    error_codes: [u32; 1],
    timestamp: String,
    trace_id: String,
    correlation_id: String,
    error_uri: String,
}

/// A new trace id, and the correlation id: the client's `client-request-id` when it is a GUID.
fn trace_and_correlation(req: &Request<'_>) -> (String, String) {
    let random = || ids::guid(ids::random_bytes::<16>().unwrap_or([0; 16]));
    let correlation = req
        .client_request_id
        .map(str::trim)
        .filter(|id| ids::is_guid(id))
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(random);
    (random(), correlation)
}

/// Entra's caching and id headers.
fn entra_headers(reply: Reply, req: &Request<'_>, trace_id: &str) -> Reply {
    let mut reply = reply
        .with_header("cache-control", "no-store, no-cache")
        .with_header("pragma", "no-cache")
        .with_header("x-ms-request-id", trace_id.to_string());
    if let Some(id) = req.client_request_id.filter(|id| ids::is_guid(id.trim())) {
        reply = reply.with_header("client-request-id", id.trim().to_string());
    }
    reply
}

/// An Entra error body: `error`, `error_description` (`AADSTS<code>: <message>` and the trace,
/// correlation and timestamp lines), `error_codes`, `timestamp`, `trace_id`, `correlation_id`,
/// `error_uri`.
fn entra_error(
    req: &Request<'_>,
    status: StatusCode,
    error: &str,
    code: u32,
    message: &str,
) -> Reply {
    let (trace_id, correlation_id) = trace_and_correlation(req);
    // `2024-01-31 09:30:41Z`, as Entra writes it.
    let timestamp = format_expires_on(req.now.unix_ms)
        .and_then(|iso| {
            iso.get(..19)
                .map(|s| format!("{}Z", s.replacen('T', " ", 1)))
        })
        .unwrap_or_default();
    let body = EntraError {
        error,
        error_description: format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        error_codes: [code],
        timestamp,
        trace_id: trace_id.clone(),
        correlation_id,
        error_uri: format!("https://login.microsoftonline.com/error?code={code}"),
    };
    let reply = match serde_json::to_vec(&body) {
        Ok(bytes) => Reply::bytes(status, JSON_UTF8, bytes),
        Err(_) => Reply::empty(StatusCode::INTERNAL_SERVER_ERROR),
    };
    entra_headers(reply, req, &trace_id)
}

/// The ACS answer to a bearer token that is not one of this authority's good tokens: the service's
/// recorded `401 InvalidAccessToken` "Provided access token is not valid.", with `innererror.code`
/// saying why (the emulator's addition).
pub fn bearer_refused(failure: jwt::Failure) -> Reply {
    Reply::error_body(
        StatusCode::UNAUTHORIZED,
        ErrorDetail {
            code: "InvalidAccessToken",
            message: "Provided access token is not valid.".into(),
            target: None,
            innererror: Some(InnerError {
                code: failure.code(),
            }),
            inner_error_null: false,
        },
    )
    .with_header("www-authenticate", "Bearer")
}

/// The ACS answer to an HMAC-signed (or unauthenticated) request when local auth is disabled: the
/// recorded shape of HMAC failures, `401 Denied`, with the emulator's message.
pub fn local_auth_disabled() -> Reply {
    Reply::error(
        StatusCode::UNAUTHORIZED,
        "Denied",
        "Local authentication (HMAC-SHA256 with an access key) is disabled for this resource. Use a Microsoft Entra ID bearer token.",
    )
    .with_header("www-authenticate", "Bearer")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entra::{ClientSecret, EntraSettings};
    use acs_identity_edge::connection_string::AccessKey;
    use serde_json::Value;

    const T: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const C: &str = "11111111-2222-3333-4444-555555555555";
    const ORIGIN: &str = "https://localhost:4443";

    fn authority() -> Authority {
        Authority::new(
            &EntraSettings {
                tenant_id: T.into(),
                client_id: C.into(),
                client_secret: "s3cr3t~value".parse::<ClientSecret>().unwrap(),
            },
            &AccessKey::from_bytes(b"k".to_vec()),
            "https://127.0.0.1:4443",
            "127.0.0.1".parse().unwrap(),
        )
    }

    fn call(
        a: &Authority,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: &str,
    ) -> (u16, Value, Reply) {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let (route, tenant) = match_route(&segments).expect("an authority route");
        let reply = serve(
            a,
            route,
            &Request {
                method: &method,
                tenant,
                origin: ORIGIN,
                local_host: true,
                port: 4443,
                query,
                client_request_id: Some("0f0e0d0c-0b0a-0908-0706-050403020100"),
                body: body.as_bytes(),
                now: crate::clock::now(),
            },
        );
        let status = reply.status.as_u16();
        let value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        (status, value, reply)
    }

    fn grant(secret: &str) -> String {
        format!("grant_type=client_credentials&client_id={C}&client_secret={secret}&scope=https%3A%2F%2Fcommunication.azure.com%2F%2F.default")
    }

    #[test]
    fn routes_are_recognised_and_others_are_not() {
        let seg = |p: &str| {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            match_route(&seg(&format!("/{T}/oauth2/v2.0/token"))),
            Some((Route::Token, T))
        );
        assert_eq!(
            match_route(&seg("/common/discovery/instance")).map(|r| r.0),
            Some(Route::InstanceDiscovery)
        );
        assert_eq!(
            match_route(&seg("/emulator/entra/stats")).map(|r| r.0),
            Some(Route::Stats)
        );
        assert_eq!(match_route(&seg("/identities")), None);
        assert_eq!(match_route(&seg(&format!("/{T}/oauth2/token"))), None);
    }

    #[test]
    fn the_openid_configuration_names_the_emulator() {
        let a = authority();
        let (status, v, _) = call(
            &a,
            Method::GET,
            &format!("/{T}/v2.0/.well-known/openid-configuration"),
            None,
            "",
        );
        assert_eq!(status, 200);
        assert_eq!(
            v["token_endpoint"],
            format!("{ORIGIN}/{T}/oauth2/v2.0/token")
        );
        assert_eq!(
            v["authorization_endpoint"],
            format!("{ORIGIN}/{T}/oauth2/v2.0/authorize")
        );
        assert_eq!(v["jwks_uri"], format!("{ORIGIN}/{T}/discovery/v2.0/keys"));
        assert_eq!(
            v["end_session_endpoint"],
            format!("{ORIGIN}/{T}/oauth2/v2.0/logout")
        );
        assert_eq!(v["issuer"], format!("{ORIGIN}/{T}/v2.0"));
        assert_eq!(v["cloud_instance_name"], "localhost:4443");
        for field in [
            "response_types_supported",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
        ] {
            assert!(v[field].is_array(), "{field}");
        }
        assert!(v.as_object().unwrap().contains_key("tenant_region_scope"));
        let (status, v, _) = call(
            &a,
            Method::GET,
            "/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration",
            None,
            "",
        );
        assert_eq!(status, 400);
        assert_eq!(v["error"], "invalid_tenant");
        assert_eq!(v["error_codes"][0], 90002);
        let (status, _, reply) = call(
            &a,
            Method::POST,
            &format!("/{T}/v2.0/.well-known/openid-configuration"),
            None,
            "",
        );
        assert_eq!(status, 405);
        assert!(reply
            .headers
            .iter()
            .any(|(n, v)| *n == "allow" && v == "GET"));
    }

    #[test]
    fn instance_discovery_has_msal_shape() {
        let a = authority();
        let q = "api-version=1.1&authorization_endpoint=https%3A%2F%2Flocalhost%3A4443%2Fabc%2Foauth2%2Fv2.0%2Fauthorize";
        let (status, v, _) = call(&a, Method::GET, "/common/discovery/instance", Some(q), "");
        assert_eq!(status, 200);
        assert_eq!(
            v["tenant_discovery_endpoint"],
            format!("{ORIGIN}/abc/v2.0/.well-known/openid-configuration")
        );
        assert_eq!(v["metadata"][0]["preferred_network"], "localhost:4443");
        assert_eq!(
            v["metadata"][0]["aliases"],
            json!(["localhost:4443", "127.0.0.1:4443"])
        );
        let (_, v, _) = call(&a, Method::GET, "/common/discovery/instance", None, "");
        assert_eq!(
            v["tenant_discovery_endpoint"],
            format!("{ORIGIN}/{T}/v2.0/.well-known/openid-configuration")
        );
    }

    #[test]
    fn a_good_grant_gets_a_token_that_verifies() {
        let a = authority();
        let (status, v, reply) = call(
            &a,
            Method::POST,
            &format!("/{T}/oauth2/v2.0/token"),
            None,
            &grant("s3cr3t~value"),
        );
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], 3599);
        assert_eq!(v["ext_expires_in"], 3599);
        assert_eq!(v.as_object().unwrap().len(), 4);
        let token = v["access_token"].as_str().unwrap();
        assert!(a.verify(token, crate::clock::now().unix_seconds()).is_ok());
        assert_eq!(reply.content_type, Some(JSON_UTF8));
        assert!(reply
            .headers
            .iter()
            .any(|(n, v)| *n == "cache-control" && v.contains("no-store")));
        // The single-slash scope too.
        let body = grant("s3cr3t%7Evalue").replace("%2F%2F.default", "%2F.default");
        assert_eq!(
            call(
                &a,
                Method::POST,
                &format!("/{T}/oauth2/v2.0/token"),
                None,
                &body
            )
            .0,
            200
        );
        assert_eq!(
            a.stats(),
            crate::entra::Stats {
                token_requests: 2,
                tokens_issued: 2
            }
        );
    }

    #[test]
    fn each_refusal_has_entras_status_error_and_code() {
        let a = authority();
        let token_path = format!("/{T}/oauth2/v2.0/token");
        let good = grant("s3cr3t~value");
        let cases: Vec<(String, String, u16, &str, u32)> = vec![
            (token_path.clone(), grant("wrong"), 401, "invalid_client", 7000215),
            (token_path.clone(), good.replace(C, "99999999-2222-3333-4444-555555555555"), 400, "unauthorized_client", 700016),
            ("/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token".into(), good.clone(), 400, "invalid_request", 90002),
            (token_path.clone(), good.replace("communication.azure.com%2F%2F.default", "graph.microsoft.com%2F.default"), 400, "invalid_scope", 70011),
            (token_path.clone(), good.replace("client_credentials", "password"), 400, "unsupported_grant_type", 70003),
            (token_path.clone(), good.replace("grant_type=client_credentials&", ""), 400, "invalid_request", 900144),
            (token_path.clone(), "grant_type=client_credentials&client_secret=s3cr3t~value".to_string(), 400, "invalid_request", 900144),
            (token_path.clone(), format!("grant_type=client_credentials&client_id={C}&scope=x"), 401, "invalid_client", 7000218),
            (token_path.clone(), format!("grant_type=client_credentials&client_id={C}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c&scope=x"), 401, "invalid_client", 700027),
            (token_path.clone(), format!("grant_type=client_credentials&client_id={C}&client_secret=s3cr3t~value"), 400, "invalid_request", 900144),
            (token_path.clone(), format!("{good}&client_secret=s3cr3t~value"), 401, "invalid_client", 7000215),
        ];
        for (path, body, status, error, code) in cases {
            let (s, v, reply) = call(&a, Method::POST, &path, None, &body);
            assert_eq!(
                (s, v["error"].as_str()),
                (status, Some(error)),
                "{body}: {v}"
            );
            assert_eq!(v["error_codes"], json!([code]), "{body}");
            let description = v["error_description"].as_str().unwrap();
            assert!(
                description.starts_with(&format!("AADSTS{code}: ")),
                "{description}"
            );
            let trace = v["trace_id"].as_str().unwrap();
            assert!(ids::is_guid(trace));
            assert_eq!(v["correlation_id"], "0f0e0d0c-0b0a-0908-0706-050403020100");
            let ts = v["timestamp"].as_str().unwrap();
            assert_eq!((ts.len(), &ts[10..11], &ts[19..]), (20, " ", "Z"), "{ts}");
            assert!(description.ends_with(&format!(
                "\r\nTrace ID: {trace}\r\nCorrelation ID: 0f0e0d0c-0b0a-0908-0706-050403020100\r\nTimestamp: {ts}"
            )), "{description}");
            assert!(!description.contains("s3cr3t"));
            assert_eq!(reply.content_type, Some(JSON_UTF8));
        }
        let (s, v, _) = call(&a, Method::GET, &token_path, None, "");
        assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(900561)));
        assert_eq!(a.stats().tokens_issued, 0);
        assert_eq!(a.stats().token_requests, 12);
    }

    #[test]
    fn stats_are_for_loopback_hosts_only() {
        let a = authority();
        let segments = vec!["emulator".to_string(), "entra".into(), "stats".into()];
        let (route, tenant) = match_route(&segments).unwrap();
        let mut req = Request {
            method: &Method::GET,
            tenant,
            origin: ORIGIN,
            local_host: true,
            port: 4443,
            query: None,
            client_request_id: None,
            body: b"",
            now: crate::clock::now(),
        };
        let reply = serve(&a, route, &req);
        assert_eq!(reply.status, 200);
        assert_eq!(&reply.body[..], br#"{"tokenRequests":0,"tokensIssued":0}"#);
        req.local_host = false;
        assert_eq!(serve(&a, route, &req).status, 403);
    }

    #[test]
    fn refusals_on_the_acs_routes_have_the_service_shape() {
        let r = bearer_refused(jwt::Failure::Expired);
        assert_eq!(r.status, 401);
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            r#"{"error":{"code":"InvalidAccessToken","message":"Provided access token is not valid.","innererror":{"code":"TokenExpired"}}}"#
        );
        let r = local_auth_disabled();
        assert_eq!(r.status, 401);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "Denied");
    }
}
