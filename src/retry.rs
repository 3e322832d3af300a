//! The retry policy, as one pure function: given how an attempt ended, the clock and a random number, it
//! says whether to try again and after how long. [`crate::client::IdentityClient`] applies it; nothing here
//! sleeps or reads a clock.
//!
//! - Retried: 408, 429, 500, 502, 503 and 504, network errors and attempts that timed out.
//! - The wait: what the service asked for (`retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` in
//!   seconds or as an HTTP date), otherwise exponential backoff with jitter: `base * 2^retry`, capped at
//!   the maximum, of which a random part of the upper half is taken (the JS SDK's formula), so the wait is
//!   within `[cap / 2, cap]`.
//! - A wait the service asks for that is longer than the maximum delay ends the retries (the caller gets
//!   the throttling answer at once rather than a call that hangs for minutes).
//!
//! ```
//! use acs_identity_edge::retry::{self, Decision, Outcome, RetryOptions};
//!
//! let headers = vec![("Retry-After".to_string(), "2".to_string())];
//! let outcome = Outcome::Status { status: 429, headers: &headers };
//! let d = retry::decide(&RetryOptions::default(), 0, &outcome, 0, 0.5);
//! assert_eq!(d, Decision::Retry { delay_ms: 2_000 });
//! ```

use crate::date;
use crate::header;

/// How many times to retry and how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryOptions {
    /// Retries after the first attempt (default 3, as the official SDKs). 0 disables retrying.
    pub max_retries: u32,
    /// The first backoff before jitter (default 800 ms: waits of 0.4-0.8 s, 0.8-1.6 s, 1.6-3.2 s).
    pub base_delay_ms: u64,
    /// The longest wait, from backoff or asked for by the service (default 60 s).
    pub max_delay_ms: u64,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_retries: 3,
            base_delay_ms: 800,
            max_delay_ms: 60_000,
        }
    }
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The service answered with this status and these headers.
    Status {
        /// HTTP status.
        status: u16,
        /// Response headers, names in any case.
        headers: &'a [(String, String)],
    },
    /// The request could not be sent or the response not read.
    NetworkError,
    /// The attempt took too long (a per-attempt timeout, not the call's own deadline).
    Timeout,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try again after this many milliseconds.
    Retry {
        /// The wait.
        delay_ms: u64,
    },
    /// Do not try again: the outcome is final.
    Stop,
}

/// True for the statuses worth retrying: 408, 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// `digits[.digits]` as an amount scaled by `scale` (1 for milliseconds, 1000 for seconds), fractions
/// below the unit dropped. `None` for anything else.
fn parse_amount(s: &str, scale: u64) -> Option<u64> {
    let (int, frac) = match crate::ascii::split_once(s, b'.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !all_digits(int)
        || !all_digits(frac)
        || (crate::ascii::find(s, b'.').is_some() && frac.is_empty())
    {
        return None;
    }
    let mut value: u64 = 0;
    for b in int.bytes() {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    let mut value = value.checked_mul(scale)?;
    // Fraction digits that still count at this scale (3 for seconds -> milliseconds).
    let mut unit = scale;
    for b in frac.bytes() {
        unit /= 10;
        if unit == 0 {
            break;
        }
        value = value.checked_add(u64::from(b - b'0') * unit)?;
    }
    Some(value)
}

/// The wait the service asked for, in milliseconds: `retry-after-ms`, then `x-ms-retry-after-ms`, then
/// `Retry-After` (seconds, or an HTTP date counted from `now_unix_ms`; a date in the past means no wait).
/// `None` when there is no such header or it cannot be read.
pub fn retry_after_ms(headers: &[(String, String)], now_unix_ms: i64) -> Option<u64> {
    for name in [header::RETRY_AFTER_MS, header::X_MS_RETRY_AFTER_MS] {
        if let Some(ms) = header::find(headers, name).and_then(|v| parse_amount(v.trim(), 1)) {
            return Some(ms);
        }
    }
    let value = header::find(headers, header::RETRY_AFTER)?.trim();
    if let Some(ms) = parse_amount(value, 1000) {
        return Some(ms);
    }
    let at = date::parse_imf_fixdate(value)?.checked_mul(1000)?;
    Some(u64::try_from(at.saturating_sub(now_unix_ms)).unwrap_or(0))
}

/// The backoff before retry number `retry + 1` (`retry` = retries already made), with `random` in [0, 1):
/// within `[cap / 2, cap]` where `cap = min(max_delay, base * 2^retry)`.
pub fn backoff_ms(options: &RetryOptions, retry: u32, random: f64) -> u64 {
    let factor = 1u64.checked_shl(retry.min(63)).unwrap_or(u64::MAX);
    let cap = options
        .base_delay_ms
        .saturating_mul(factor)
        .min(options.max_delay_ms);
    let half = cap / 2;
    let r = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // (cap - half + 1) * r, truncated, is at most cap - half (and exactly that only for r = 1).
    let extra = ((cap - half).saturating_add(1) as f64 * r) as u64;
    (half + extra.min(cap - half)).min(cap)
}

/// Decides whether to retry after an attempt. `retry` is the number of retries already made (0 after the
/// first attempt), `now_unix_ms` the current time (for an HTTP-date `Retry-After`), `random` a number in
/// [0, 1) for the jitter.
pub fn decide(
    options: &RetryOptions,
    retry: u32,
    outcome: &Outcome<'_>,
    now_unix_ms: i64,
    random: f64,
) -> Decision {
    if retry >= options.max_retries {
        return Decision::Stop;
    }
    match outcome {
        Outcome::Status { status, headers } => {
            if !is_retryable_status(*status) {
                return Decision::Stop;
            }
            match retry_after_ms(headers, now_unix_ms) {
                Some(ms) if ms > options.max_delay_ms => Decision::Stop,
                Some(ms) => Decision::Retry { delay_ms: ms },
                None => Decision::Retry {
                    delay_ms: backoff_ms(options, retry, random),
                },
            }
        }
        Outcome::NetworkError | Outcome::Timeout => Decision::Retry {
            delay_ms: backoff_ms(options, retry, random),
        },
    }
}
