//! The emulator as a Microsoft Entra ID authority for one tenant and one application (`--entra-*`):
//! the discovery documents MSAL reads, the client-credentials token endpoint, and the check of the
//! bearer tokens it issues when they come back on the ACS routes. `--disable-local-auth` then refuses
//! HMAC-signed requests.
//!
//! Tokens are HS256-signed with a key derived from the access key and the application's credentials
//! (see [`Authority::new`]): they stay valid across restarts with the same settings, and a new access
//! key or client secret invalidates them. The issuer is `{origin}/{tenant}/v2.0` on the origin the
//! client used (MSAL requires the issuer on the authority's own scheme and host), so any loopback name
//! of the emulator is accepted as issuer.

pub mod endpoints;
pub mod form;
pub mod jwt;

use crate::ids;
use acs_identity_edge::connection_string::AccessKey;
use acs_identity_edge::signing::hmac_base64;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

/// A client secret: compared in constant time, never shown by `Debug`.
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Whether `presented` is this secret (constant time in the secret's content).
    fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

impl std::str::FromStr for ClientSecret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ClientSecret(s.to_string()))
    }
}

/// The flags of the Entra authority, flattened into the emulator's command line.
#[derive(Debug, clap::Args)]
pub struct EntraArgs {
    /// Microsoft Entra ID: be also the authority of this tenant (a GUID), on the emulator's own origin
    /// (authority host = the printed URL). Needs --entra-client-id and --entra-client-secret. The ACS
    /// routes then also accept `Authorization: Bearer` tokens from its token endpoint.
    #[arg(long, env = "ACS_EMULATOR_ENTRA_TENANT_ID", value_name = "GUID")]
    pub entra_tenant_id: Option<String>,

    /// Microsoft Entra ID: the application (client) id, a GUID, allowed the client-credentials grant.
    #[arg(long, env = "ACS_EMULATOR_ENTRA_CLIENT_ID", value_name = "GUID")]
    pub entra_client_id: Option<String>,

    /// Microsoft Entra ID: the application's client secret (prefer the environment variable: command
    /// lines are visible to other users of the machine).
    #[arg(
        long,
        env = "ACS_EMULATOR_ENTRA_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub entra_client_secret: Option<ClientSecret>,

    /// Refuse HMAC-signed (access key) requests, as a resource with local authentication disabled:
    /// only Microsoft Entra ID bearer tokens are accepted. Needs the --entra-* flags.
    #[arg(long, env = "ACS_EMULATOR_DISABLE_LOCAL_AUTH")]
    pub disable_local_auth: bool,
}

/// The validated Entra settings.
#[derive(Debug, Clone)]
pub struct EntraSettings {
    /// Lower case.
    pub tenant_id: String,
    /// Lower case.
    pub client_id: String,
    pub client_secret: ClientSecret,
}

impl EntraArgs {
    /// Checks the flags: the three `--entra-*` go together, ids are GUIDs, the secret is not empty,
    /// and `--disable-local-auth` needs Entra (nothing could authenticate otherwise). Returns the
    /// settings (when on) and whether local auth is disabled. Errors never contain the secret.
    pub fn into_settings(self) -> Result<(Option<EntraSettings>, bool), String> {
        let settings = match (
            self.entra_tenant_id,
            self.entra_client_id,
            self.entra_client_secret,
        ) {
            (None, None, None) => None,
            (Some(tenant), Some(client), Some(secret)) => {
                let tenant = tenant.trim().to_ascii_lowercase();
                let client = client.trim().to_ascii_lowercase();
                if !ids::is_guid(&tenant) {
                    return Err("--entra-tenant-id must be a GUID (the directory id)".into());
                }
                if !ids::is_guid(&client) {
                    return Err("--entra-client-id must be a GUID (the application id)".into());
                }
                if secret.0.is_empty() {
                    return Err("--entra-client-secret must not be empty".into());
                }
                Some(EntraSettings {
                    tenant_id: tenant,
                    client_id: client,
                    client_secret: secret,
                })
            }
            (tenant, client, secret) => {
                let missing: Vec<&str> = [
                    (tenant.is_none(), "--entra-tenant-id"),
                    (client.is_none(), "--entra-client-id"),
                    (secret.is_none(), "--entra-client-secret"),
                ]
                .into_iter()
                .filter_map(|(m, name)| m.then_some(name))
                .collect();
                return Err(format!(
                    "the --entra-* flags go together: {} missing",
                    missing.join(" and ")
                ));
            }
        };
        if self.disable_local_auth && settings.is_none() {
            return Err("--disable-local-auth needs --entra-tenant-id, --entra-client-id and --entra-client-secret (without them nothing could authenticate)".into());
        }
        Ok((settings, self.disable_local_auth))
    }
}

/// The running authority: its settings, signing key, issuer and counters.
pub struct Authority {
    tenant_id: String,
    client_id: String,
    client_secret: ClientSecret,
    signing_key: AccessKey,
    key_id: String,
    /// `http` or `https`.
    scheme: String,
    port: u16,
    /// The address the emulator listens on (a host name for it is as good as `localhost`).
    listen: IpAddr,
    service_principal_id: String,
    token_requests: AtomicU64,
    tokens_issued: AtomicU64,
}

/// What `/emulator/entra/stats` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Requests that reached the token endpoint (any method, tenant or outcome).
    #[serde(rename = "tokenRequests")]
    pub token_requests: u64,
    /// Tokens issued.
    #[serde(rename = "tokensIssued")]
    pub tokens_issued: u64,
}

impl Authority {
    /// The authority of `settings` on `endpoint` (`scheme://host:port`, as printed), listening on
    /// `listen`. The signing key is `HMAC-SHA256(access key, "acs-emulator entra signing key\n" + tenant
    /// + "\n" + client id + "\n" + client secret)`.
    pub fn new(
        settings: &EntraSettings,
        access_key: &AccessKey,
        endpoint: &str,
        listen: IpAddr,
    ) -> Authority {
        let derivation = format!(
            "acs-emulator entra signing key\n{}\n{}\n{}",
            settings.tenant_id, settings.client_id, settings.client_secret.0
        );
        let signing_key = AccessKey::from_bytes(
            STANDARD
                .decode(hmac_base64(access_key, derivation.as_bytes()))
                .unwrap_or_default(),
        );
        let key_id = URL_SAFE_NO_PAD.encode(
            STANDARD
                .decode(hmac_base64(&signing_key, b"key id"))
                .unwrap_or_default()
                .get(..15)
                .unwrap_or_default(),
        );
        // The service principal's object id depends only on the tenant and the application.
        let principal = STANDARD
            .decode(hmac_base64(
                &AccessKey::from_bytes(b"acs-emulator service principal".to_vec()),
                format!("{}\n{}", settings.tenant_id, settings.client_id).as_bytes(),
            ))
            .unwrap_or_default();
        let mut guid = [0u8; 16];
        if let Some(bytes) = principal.get(..16) {
            guid.copy_from_slice(bytes);
        }
        Authority {
            tenant_id: settings.tenant_id.clone(),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            signing_key,
            key_id,
            scheme: endpoint.split("://").next().unwrap_or("http").to_string(),
            port: (endpoint.rsplit(':').next())
                .and_then(|p| p.parse().ok())
                .unwrap_or(0),
            listen,
            service_principal_id: ids::guid(guid),
            token_requests: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
        }
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The issuer on `origin` (`scheme://host:port` as the client reached the emulator).
    pub fn issuer(&self, origin: &str) -> String {
        format!("{origin}/{}/v2.0", self.tenant_id)
    }

    /// Whether `iss` is this authority's issuer under a loopback name (or the listening address) of
    /// the emulator: `{scheme}://{host}:{port}/{tenant}/v2.0`.
    fn is_issuer(&self, iss: &str) -> bool {
        let Some(rest) = iss
            .strip_prefix(self.scheme.as_str())
            .and_then(|r| r.strip_prefix("://"))
        else {
            return false;
        };
        let Some((host, path)) = rest.split_once('/') else {
            return false;
        };
        let port = match host.rsplit_once(':') {
            Some((_, p)) if !host.ends_with(']') => p.parse::<u16>().ok(),
            _ => None,
        };
        port == Some(self.port)
            && is_local_host(host, self.listen)
            && path.len() == self.tenant_id.len() + 5
            && path.ends_with("/v2.0")
            && self.is_tenant(&path[..self.tenant_id.len()])
    }

    /// Whether a path's tenant segment names this tenant.
    fn is_tenant(&self, segment: &str) -> bool {
        segment.eq_ignore_ascii_case(&self.tenant_id)
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        Stats {
            token_requests: self.token_requests.load(Ordering::Relaxed),
            tokens_issued: self.tokens_issued.load(Ordering::Relaxed),
        }
    }

    /// A new token for the application, valid from `now_seconds` for [`jwt::LIFETIME_SECONDS`], issued
    /// on `origin`.
    fn issue(&self, now_seconds: i64, origin: &str) -> String {
        let uti = URL_SAFE_NO_PAD.encode(ids::random_bytes::<16>().unwrap_or([0; 16]));
        let claims = jwt::Claims {
            aud: jwt::AUDIENCE.into(),
            iss: self.issuer(origin),
            iat: now_seconds,
            nbf: now_seconds,
            exp: now_seconds + jwt::LIFETIME_SECONDS,
            azp: self.client_id.clone(),
            azpacr: "1".into(),
            idtyp: "app".into(),
            oid: self.service_principal_id.clone(),
            sub: self.service_principal_id.clone(),
            tid: self.tenant_id.clone(),
            uti,
            ver: "2.0".into(),
        };
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
        jwt::issue(&self.signing_key, &self.key_id, &claims)
    }

    /// Checks a bearer token presented to the ACS routes.
    pub fn verify(&self, token: &str, now_seconds: i64) -> Result<jwt::Verified, jwt::Failure> {
        jwt::verify(
            &self.signing_key,
            token,
            &jwt::Expected {
                is_issuer: &|iss| self.is_issuer(iss),
                tenant_id: &self.tenant_id,
                now_seconds,
            },
        )
    }
}

/// The token of an `Authorization: Bearer <token>` header (empty for a bare `Bearer`); `None` for any
/// other scheme.
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let a = authorization.trim();
    let (scheme, rest) = a.split_once(' ').unwrap_or((a, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// Whether a `Host` header names this machine's loopback or the address the emulator listens on.
pub fn is_local_host(host: &str, listen: IpAddr) -> bool {
    let name = match host.rfind(':') {
        Some(i) if !host.ends_with(']') => &host[..i],
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == listen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        entra: EntraArgs,
    }

    const T: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const C: &str = "11111111-2222-3333-4444-555555555555";

    fn parse(args: &[&str]) -> Result<(Option<EntraSettings>, bool), String> {
        let mut all = vec!["acs-emulator"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().entra.into_settings()
    }

    #[test]
    fn the_flags_go_together_and_never_echo_the_secret() {
        assert!(matches!(parse(&[]), Ok((None, false))));
        let (s, off) = parse(&[
            "--entra-tenant-id",
            &T.to_ascii_uppercase(),
            "--entra-client-id",
            C,
            "--entra-client-secret",
            "s3cret value",
            "--disable-local-auth",
        ])
        .unwrap();
        let s = s.unwrap();
        assert!(off);
        assert_eq!(s.tenant_id, T);
        assert!(s.client_secret.matches("s3cret value"));
        assert!(!s.client_secret.matches("s3cret valuf"));
        assert!(!format!("{s:?}").contains("s3cret"));

        let err = parse(&[
            "--entra-tenant-id",
            T,
            "--entra-client-secret",
            "zzsecretzz",
        ])
        .unwrap_err();
        assert!(err.contains("--entra-client-id missing"), "{err}");
        assert!(!err.contains("zzsecretzz"));
        let err = parse(&[
            "--entra-tenant-id",
            "contoso",
            "--entra-client-id",
            C,
            "--entra-client-secret",
            "x",
        ])
        .unwrap_err();
        assert!(err.starts_with("--entra-tenant-id"), "{err}");
        let err = parse(&[
            "--entra-tenant-id",
            T,
            "--entra-client-id",
            "app",
            "--entra-client-secret",
            "x",
        ])
        .unwrap_err();
        assert!(err.starts_with("--entra-client-id"), "{err}");
        let err = parse(&[
            "--entra-tenant-id",
            T,
            "--entra-client-id",
            C,
            "--entra-client-secret",
            "",
        ])
        .unwrap_err();
        assert!(err.contains("empty"), "{err}");
        let err = parse(&["--disable-local-auth"]).unwrap_err();
        assert!(err.starts_with("--disable-local-auth needs"), "{err}");
    }

    fn authority(secret: &str, key: &[u8]) -> Authority {
        let settings = EntraSettings {
            tenant_id: T.into(),
            client_id: C.into(),
            client_secret: ClientSecret(secret.into()),
        };
        Authority::new(
            &settings,
            &AccessKey::from_bytes(key.to_vec()),
            "https://127.0.0.1:1",
            "127.0.0.1".parse().unwrap(),
        )
    }

    #[test]
    fn tokens_verify_and_a_new_secret_or_key_invalidates_them() {
        let a = authority("one", b"key");
        let token = a.issue(1_700_000_000, "https://localhost:1");
        assert_eq!(
            a.verify(&token, 1_700_000_001)
                .unwrap()
                .client_id
                .as_deref(),
            Some(C)
        );
        assert_eq!(
            a.issuer("https://localhost:1"),
            format!("https://localhost:1/{T}/v2.0")
        );
        for good in [
            format!("https://localhost:1/{T}/v2.0"),
            format!("https://127.0.0.1:1/{T}/v2.0"),
            format!("https://[::1]:1/{}/v2.0", T.to_ascii_uppercase()),
        ] {
            assert!(a.is_issuer(&good), "{good}");
        }
        for bad in [
            format!("http://localhost:1/{T}/v2.0"),
            format!("https://localhost:2/{T}/v2.0"),
            format!("https://localhost/{T}/v2.0"),
            format!("https://example.com:1/{T}/v2.0"),
            format!("https://localhost:1/{T}/v2.0/"),
            format!("https://localhost:1/{T}"),
            "https://localhost:1/00000000-0000-0000-0000-000000000000/v2.0".into(),
            format!("https://login.microsoftonline.com/{T}/v2.0"),
            String::new(),
        ] {
            assert!(!a.is_issuer(&bad), "{bad}");
        }
        // Same settings (a restart): still valid.
        assert!(authority("one", b"key")
            .verify(&token, 1_700_000_001)
            .is_ok());
        assert_eq!(
            authority("two", b"key").verify(&token, 1_700_000_001),
            Err(jwt::Failure::Signature)
        );
        assert_eq!(
            authority("one", b"other key").verify(&token, 1_700_000_001),
            Err(jwt::Failure::Signature)
        );
        // The documented derivation is the one in use.
        let derived = STANDARD
            .decode(hmac_base64(
                &AccessKey::from_bytes(b"key".to_vec()),
                format!("acs-emulator entra signing key\n{T}\n{C}\none").as_bytes(),
            ))
            .unwrap();
        assert_eq!(a.signing_key.expose_secret(), &derived[..]);
        assert_eq!(
            a.stats(),
            Stats {
                token_requests: 0,
                tokens_issued: 1
            }
        );
        // The service principal id does not depend on the secret.
        assert_eq!(
            a.service_principal_id,
            authority("two", b"k").service_principal_id
        );
        assert!(ids::is_guid(&a.service_principal_id));
    }

    #[test]
    fn bearer_headers_and_local_hosts() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("HMAC-SHA256 SignedHeaders=x"), None);
        assert_eq!(bearer_token("Bear"), None);
        assert_eq!(bearer_token("Bearer"), Some(""));
        assert_eq!(bearer_token("Bearerx y"), None);
        let listen: IpAddr = "127.0.0.1".parse().unwrap();
        for h in [
            "localhost:1",
            "127.0.0.1:1",
            "[::1]:1",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            assert!(is_local_host(h, listen), "{h}");
        }
        for h in ["example.com", "10.0.0.1:1", "evil.localhost.example:1"] {
            assert!(!is_local_host(h, listen), "{h}");
        }
        assert!(is_local_host("10.0.0.1:1", "10.0.0.1".parse().unwrap()));
    }
}
