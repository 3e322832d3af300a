//! [`App`]: what every request may need (the settings, the store, the fault and rate-limit state), built
//! once at start and shared by every connection.

use crate::clock::Now;
use crate::config::Settings;
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
