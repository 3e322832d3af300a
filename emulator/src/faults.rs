//! Fault injection for testing clients' retries (only with `--faults`).
//!
//! An authenticated API request carrying `x-emulator-fault: <items>` misbehaves (the signature is
//! checked first: a caller without the key cannot make the emulator stall). Items, separated by `;` or
//! `,`:
//!
//! | item | effect |
//! |---|---|
//! | `429`, `503`, `500`, any status 400-599 | answer that status instead of serving the request |
//! | `drop` | close the connection without an answer |
//! | `delay=<ms>` | wait that long first (at most 60000), then fail or serve normally |
//! | `retry-after=<s>` | `Retry-After` header on the failure (429 and 503 get `1` by default) |
//! | `retry-after-ms=<ms>` | `retry-after-ms` header on the failure |
//! | `times=<n>` | misbehave for the first `n` requests of the same `x-ms-client-request-id` (default 1) |
//!
//! SDKs keep a request's `x-ms-client-request-id` across retries, so `503` fails the first attempt and
//! lets the retry through, and `503;times=2` fails two attempts. A request without that header
//! misbehaves every time it carries the fault header.

use crate::protocol::Reply;
use hyper::StatusCode;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The header that asks for a fault.
pub const HEADER: &str = "x-emulator-fault";

/// Longest accepted delay.
pub const MAX_DELAY_MS: u64 = 60_000;

/// What to do instead of (or before) serving the request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    pub status: Option<u16>,
    pub drop: bool,
    pub delay_ms: u64,
    pub retry_after: Option<u64>,
    pub retry_after_ms: Option<u64>,
    pub times: u32,
}

/// Parses a header value; `Err` names the item that is not understood.
pub fn parse(value: &str) -> Result<Fault, String> {
    let mut fault = Fault {
        times: 1,
        ..Fault::default()
    };
    for item in value
        .split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, arg) = match item.split_once('=') {
            Some((n, a)) => (n.trim().to_ascii_lowercase(), Some(a.trim())),
            None => (item.to_ascii_lowercase(), None),
        };
        let number = |a: Option<&str>| -> Result<u64, String> {
            a.and_then(|a| a.parse::<u64>().ok())
                .ok_or_else(|| format!("'{item}' needs a whole number"))
        };
        match (name.as_str(), arg) {
            ("drop", None) => fault.drop = true,
            ("delay", a) => fault.delay_ms = number(a)?.min(MAX_DELAY_MS),
            ("retry-after", a) => fault.retry_after = Some(number(a)?),
            ("retry-after-ms", a) => fault.retry_after_ms = Some(number(a)?),
            ("times", a) => fault.times = u32::try_from(number(a)?).unwrap_or(u32::MAX),
            ("status", Some(a)) | (a, None) if a.len() == 3 => match a.parse::<u16>() {
                Ok(code @ 400..=599) => fault.status = Some(code),
                _ => return Err(format!("'{item}' is not a status from 400 to 599")),
            },
            _ => return Err(format!("'{item}' is not a fault (use a status, drop, delay=, retry-after=, retry-after-ms=, times=)")),
        }
    }
    if fault.status.is_some() && fault.drop {
        return Err("'drop' and a status cannot be combined".into());
    }
    Ok(fault)
}

/// Counts faults per client request id, so that a retry of the same request gets through.
#[derive(Default)]
pub struct FaultTracker {
    seen: Mutex<HashMap<String, u32>>,
}

/// Bound on remembered request ids; past it the memory starts over.
const MAX_TRACKED: usize = 10_000;

impl FaultTracker {
    /// Whether the request with this client request id (if any) should misbehave now.
    pub fn should_apply(&self, fault: &Fault, request_id: Option<&str>) -> bool {
        let Some(id) = request_id else {
            return true;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_TRACKED {
            seen.clear();
        }
        let count = seen.entry(id.to_string()).or_insert(0);
        if *count < fault.times {
            *count += 1;
            true
        } else {
            false
        }
    }
}

/// The pause before a fault or a normal answer.
pub fn delay(fault: &Fault) -> Option<Duration> {
    (fault.delay_ms > 0).then(|| Duration::from_millis(fault.delay_ms))
}

/// The answer of a fault with a status: the service's error body for 429 and 503 (with `Retry-After`,
/// 1 second unless the fault says otherwise), the recorded empty 500, a generic body for the rest.
pub fn reply(fault: &Fault, status: u16) -> Reply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut reply = match status {
        // The service's recorded 500 has an empty body.
        StatusCode::INTERNAL_SERVER_ERROR => Reply::empty(status),
        StatusCode::TOO_MANY_REQUESTS => Reply::error(
            status,
            "TooManyRequests",
            "Too many requests (fault injected by the emulator).",
        ),
        StatusCode::SERVICE_UNAVAILABLE => Reply::error(
            status,
            "ServiceUnavailable",
            "The service is unavailable (fault injected by the emulator).",
        ),
        _ => Reply::error(status, "InjectedFault", "Fault injected by the emulator."),
    };
    let default_retry_after = matches!(status.as_u16(), 429 | 503).then_some(1);
    if let Some(s) = fault.retry_after.or(default_retry_after) {
        reply = reply.with_header("retry-after", s.to_string());
    }
    if let Some(ms) = fault.retry_after_ms {
        reply = reply.with_header("retry-after-ms", ms.to_string());
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let f = parse("429;retry-after=1").unwrap();
        assert_eq!((f.status, f.retry_after, f.times), (Some(429), Some(1), 1));
        assert_eq!(parse("503").unwrap().status, Some(503));
        assert_eq!(parse(" 500 ").unwrap().status, Some(500));
        assert_eq!(parse("delay=2000").unwrap().delay_ms, 2000);
        assert_eq!(parse("delay=999999").unwrap().delay_ms, MAX_DELAY_MS);
        assert!(parse("drop").unwrap().drop);
        let f = parse("503, times=2, retry-after-ms=250").unwrap();
        assert_eq!(
            (f.status, f.times, f.retry_after_ms),
            (Some(503), 2, Some(250))
        );
        assert_eq!(parse("status=504").unwrap().status, Some(504));
        assert!(parse("200").is_err());
        assert!(parse("explode").is_err());
        assert!(parse("delay=soon").is_err());
        assert!(parse("drop;503").is_err());
    }

    #[test]
    fn a_fault_applies_once_per_client_request_id_unless_told_otherwise() {
        let t = FaultTracker::default();
        let once = parse("503").unwrap();
        assert!(t.should_apply(&once, Some("a")));
        assert!(!t.should_apply(&once, Some("a")));
        assert!(t.should_apply(&once, Some("b")));
        let twice = parse("503;times=2").unwrap();
        assert!(t.should_apply(&twice, Some("c")));
        assert!(t.should_apply(&twice, Some("c")));
        assert!(!t.should_apply(&twice, Some("c")));
        assert!(t.should_apply(&once, None));
        assert!(t.should_apply(&once, None));
    }
}
