//! [`App`]: what every request may need (the settings, the store, the fault and rate-limit state), built
//! once at start and shared by every connection.

use crate::clock::Now;
use crate::config::Settings;
use crate::entra::Authority;
use crate::faults::FaultTracker;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use std::sync::Arc;

/// Everything a request may need.
pub struct App {
    pub settings: Settings,
    /// `scheme://host:port` as printed.
    pub endpoint: String,
    pub store: Arc<Store>,
    pub faults: FaultTracker,
    pub limiter: Option<RateLimiter>,
    pub started: Now,
    /// The Entra authority (`--entra-*`), when on.
    pub entra: Option<Authority>,
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
            self.endpoint,
            self.settings.access_key_base64.expose()
        )
    }
}

#[cfg(test)]
impl App {
    /// An app with the flags given (after the program name), in memory, for unit tests.
    pub fn for_tests(flags: &[&str]) -> App {
        use clap::Parser;
        let cli = crate::config::Cli::parse_from(
            std::iter::once("acs-emulator").chain(flags.iter().copied()),
        );
        let settings = cli.into_settings().expect("valid flags");
        let endpoint = format!("http://127.0.0.1:{}", settings.port);
        let entra = (settings.entra.as_ref())
            .map(|entra| Authority::new(entra, &settings.access_key, &endpoint, settings.host));
        App {
            endpoint,
            entra,
            store: Arc::new(Store::in_memory()),
            faults: FaultTracker::default(),
            limiter: None,
            started: crate::clock::now(),
            settings,
        }
    }
}
