//! Command-line flags (each also settable through an `ACS_EMULATOR_*` environment variable) and the
//! validated settings the server runs with.

use crate::cors::CorsOrigins;
use crate::{entra, ids};
use acs_identity_edge::connection_string::AccessKey;
use clap::Parser;
use std::net::IpAddr;
use std::path::PathBuf;

/// The well-known development access key. It is public by design (like Azurite's account key): it
/// protects nothing, it only lets clients exercise real HMAC signing against the emulator.
pub const DEV_ACCESS_KEY: &str =
    "bWCYFkXUha2+XmpQ5u4tcOHkl2SwMwodmBOOH1LKYgmVM9YvXXUl65R4rnl8liogkd6scJ83stDlnGTTOhbL9g==";

/// The well-known development resource id, the middle of every user id (`8:acs:<resource id>_...`).
pub const DEV_RESOURCE_ID: &str = "ac5e0000-0000-4000-8000-000000000001";

/// Default port: next to Azurite's 10000-10002.
pub const DEFAULT_PORT: u16 = 10090;

/// A local emulator of the Azure Communication Services Identity service.
///
/// It speaks the service's REST API (every api-version from 2021-03-07 on, and the original
/// 2020-07-20-preview2), checks HMAC-SHA256 signatures like the service, and mints access tokens that
/// the official SDKs accept. On start it prints one line with the URL and the connection string to use;
/// logs go to stderr (filter with RUST_LOG, e.g. RUST_LOG=warn).
#[derive(Debug, Parser)]
#[command(name = "acs-emulator", version)]
pub struct Cli {
    /// Address to listen on. Keep the loopback default unless other machines must reach the emulator.
    #[arg(long, env = "ACS_EMULATOR_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free port (the printed line says which).
    #[arg(long, env = "ACS_EMULATOR_PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,

    /// Access key (standard base64) that requests must be signed with. Default: the public development
    /// key documented in the README.
    #[arg(long, env = "ACS_EMULATOR_ACCESS_KEY", hide_env_values = true)]
    pub access_key: Option<Secret>,

    /// Resource id (a GUID) embedded in user ids and tokens.
    #[arg(long, env = "ACS_EMULATOR_RESOURCE_ID", default_value = DEV_RESOURCE_ID)]
    pub resource_id: String,

    /// SQLite file that keeps identities, customIds and revocations across restarts (created when
    /// missing). Without it everything lives in memory.
    #[arg(long, env = "ACS_EMULATOR_DATA", value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// Serve HTTPS with a self-signed certificate for localhost and 127.0.0.1, generated at start and
    /// written as PEM to this file (trust it in the client, e.g. REQUESTS_CA_BUNDLE or
    /// NODE_EXTRA_CA_CERTS).
    #[arg(long, env = "ACS_EMULATOR_TLS", value_name = "CERT_FILE")]
    pub tls: Option<PathBuf>,

    /// Largest allowed difference, in seconds, between a request's x-ms-date (or Date) and the
    /// emulator's clock.
    #[arg(long, env = "ACS_EMULATOR_MAX_SKEW_SECONDS", default_value_t = 900)]
    pub max_skew_seconds: u32,

    /// Honour the x-emulator-fault request header (429, 503, 500, delays, dropped connections), so that
    /// client retries can be tested. Off by default.
    #[arg(long, env = "ACS_EMULATOR_FAULTS")]
    pub faults: bool,

    /// Enforce the service's documented rate limits: 429 past 1000 create/issue requests, or past 500
    /// delete/revoke/exchange requests, in any 30 seconds.
    #[arg(long, env = "ACS_EMULATOR_RATE_LIMIT")]
    pub rate_limit: bool,

    /// Serve the static files of this directory at / (the demo page), on the same origin as the API.
    /// The demo page is not part of the binary: it is the www/ directory of the acs-identity-edge
    /// repository (after `npm run build` there), so an emulator installed with `cargo install` serves
    /// only the API and /emulator/ until given --www.
    #[arg(long, env = "ACS_EMULATOR_WWW", value_name = "DIR")]
    pub www: Option<PathBuf>,

    /// Web origins whose pages may call the API (CORS), separated by commas: `loopback` (any port of
    /// http(s)://localhost, 127.0.0.1 or [::1]), exact origins such as https://app.example.test, or
    /// `*` for any origin. The emulator's own origin is always allowed.
    #[arg(
        long,
        env = "ACS_EMULATOR_CORS_ORIGINS",
        value_name = "ORIGINS",
        default_value = "loopback"
    )]
    pub cors_origins: String,

    /// Most connections served at once; further connections are closed at once until one ends.
    #[arg(
        long,
        env = "ACS_EMULATOR_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 512
    )]
    pub max_connections: u32,

    /// Serve a well-formed api-version the emulator does not know (a newer SDK's, e.g. 2030-01-01 or
    /// 2030-01-01-preview) as the newest one the operation knows, with a warning in the log, instead
    /// of refusing it with 400 UnsupportedApiVersion.
    #[arg(long, env = "ACS_EMULATOR_ACCEPT_UNKNOWN_API_VERSIONS")]
    pub accept_unknown_api_versions: bool,
    #[command(flatten)]
    pub entra: entra::EntraArgs,
}

/// A secret given on the command line or in the environment (the access key): its `Debug` does not
/// show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for where it must go (the printed connection string, `/emulator/config`).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Validated settings.
#[derive(Debug)]
pub struct Settings {
    pub host: IpAddr,
    pub port: u16,
    pub access_key: AccessKey,
    /// The access key as given (base64), for the printed connection string and `/emulator/config`.
    pub access_key_base64: Secret,
    pub resource_id: String,
    pub data: Option<PathBuf>,
    pub tls: Option<PathBuf>,
    pub max_skew_seconds: u32,
    pub faults: bool,
    pub rate_limit: bool,
    pub www: Option<PathBuf>,
    pub cors_origins: CorsOrigins,
    pub max_connections: usize,
    pub accept_unknown_api_versions: bool,
    /// The Entra authority's tenant and application (`--entra-*`), when on.
    pub entra: Option<entra::EntraSettings>,
    /// `--disable-local-auth`: HMAC-signed requests are refused.
    pub disable_local_auth: bool,
}

impl Cli {
    /// Checks the flags and turns them into settings.
    pub fn into_settings(self) -> Result<Settings, String> {
        let access_key_base64 = self
            .access_key
            .map(|k| Secret(k.expose().trim().to_string()))
            .unwrap_or_else(|| Secret(DEV_ACCESS_KEY.to_string()));
        let access_key = AccessKey::from_base64(access_key_base64.expose())
            .map_err(|e| format!("--access-key: {}", e.message()))?;
        if !ids::is_guid(&self.resource_id) {
            return Err(
                "--resource-id must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)".into(),
            );
        }
        if let Some(dir) = &self.www {
            if !dir.is_dir() {
                return Err(format!("--www: {} is not a directory", dir.display()));
            }
        }
        let cors_origins = CorsOrigins::parse(&self.cors_origins)
            .map_err(|bad| format!("--cors-origins: '{bad}' is not an origin (scheme://host[:port]), `loopback` or `*`"))?;
        if self.max_connections == 0 {
            return Err("--max-connections must be at least 1".into());
        }
        let (entra, disable_local_auth) = self.entra.into_settings()?;
        Ok(Settings {
            host: self.host,
            port: self.port,
            access_key,
            access_key_base64,
            resource_id: self.resource_id.to_ascii_lowercase(),
            data: self.data,
            tls: self.tls,
            max_skew_seconds: self.max_skew_seconds,
            faults: self.faults,
            rate_limit: self.rate_limit,
            www: self.www,
            cors_origins,
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            accept_unknown_api_versions: self.accept_unknown_api_versions,
            entra,
            disable_local_auth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_key_is_valid_base64_of_64_bytes() {
        let key = AccessKey::from_base64(DEV_ACCESS_KEY).unwrap();
        assert_eq!(key.expose_secret().len(), 64);
        assert!(ids::is_guid(DEV_RESOURCE_ID));
    }

    #[test]
    fn bad_flags_are_refused_without_echoing_the_key() {
        let cli = Cli::parse_from(["acs-emulator", "--access-key", "not base64!!"]);
        let err = cli.into_settings().unwrap_err();
        assert!(err.starts_with("--access-key"), "{err}");
        assert!(!err.contains("not base64"), "{err}");
        let cli = Cli::parse_from(["acs-emulator", "--resource-id", "contoso"]);
        assert!(cli.into_settings().is_err());
    }

    #[test]
    fn debug_output_shows_no_key_or_secret() {
        let key = "c2VjcmV0LWtleS1vZi10aGUtZW11bGF0b3I=";
        let secret = "Qx8Q~emulator.client.secret";
        let cli = Cli::parse_from([
            "acs-emulator",
            "--access-key",
            key,
            "--entra-tenant-id",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "--entra-client-id",
            "6731de76-14a6-49ae-97bc-6eba6914391e",
            "--entra-client-secret",
            secret,
        ]);
        let shown = format!("{cli:?}");
        assert!(!shown.contains(key) && !shown.contains(secret), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        let settings = cli.into_settings().unwrap();
        let shown = format!("{settings:?}");
        assert!(!shown.contains(key) && !shown.contains(secret), "{shown}");
        assert_eq!(settings.access_key_base64.expose(), key);
    }
}
