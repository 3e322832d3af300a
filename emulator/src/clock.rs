//! The emulator's only clock reading. The library never reads a clock (time is an argument there); a
//! server has to, so it happens here, once, and everything else receives a [`Now`].

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One reading of the wall clock (for dates, token lifetimes, skew checks) and of the monotonic clock
/// (for latencies).
#[derive(Clone, Copy, Debug)]
pub struct Now {
    /// Milliseconds since the unix epoch.
    pub unix_ms: i64,
    instant: Instant,
}

impl Now {
    /// Whole seconds since the unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix_ms.div_euclid(1000)
    }

    /// Time elapsed from `earlier` to this reading (zero when the order is reversed).
    pub fn since(&self, earlier: &Now) -> Duration {
        self.instant.saturating_duration_since(earlier.instant)
    }
}

/// Reads the clocks.
// The ban on clock reads in clippy.toml is for the library, which runs in wasm32 where
// `SystemTime::now` panics; this native server owns a clock and reads it in this one place.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Now {
    let unix_ms = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    };
    Now {
        unix_ms,
        instant: Instant::now(),
    }
}
