//! The service's documented rate limits (only with `--rate-limit`): about 1000 create/issue requests
//! and 500 delete/revoke/exchange requests per 30 seconds per resource; past that, 429.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Length of the sliding window.
pub const WINDOW_MS: i64 = 30_000;

/// Which limit an operation counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Create user, issue token: 1000 per window.
    CreateIssue,
    /// Delete user, revoke tokens, Teams exchange: 500 per window.
    DeleteRevokeExchange,
}

impl Bucket {
    /// Requests allowed per window.
    pub fn limit(self) -> usize {
        match self {
            Bucket::CreateIssue => 1000,
            Bucket::DeleteRevokeExchange => 500,
        }
    }
}

/// Sliding-window counters.
#[derive(Default)]
pub struct RateLimiter {
    create_issue: Mutex<VecDeque<i64>>,
    delete_revoke: Mutex<VecDeque<i64>>,
}

impl RateLimiter {
    /// Counts a request at `now_ms`; `Err(seconds)` (for `Retry-After`) when it is over the limit.
    pub fn check(&self, bucket: Bucket, now_ms: i64) -> Result<(), u64> {
        let queue = match bucket {
            Bucket::CreateIssue => &self.create_issue,
            Bucket::DeleteRevokeExchange => &self.delete_revoke,
        };
        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
        while q.front().is_some_and(|t| *t <= now_ms - WINDOW_MS) {
            q.pop_front();
        }
        if q.len() >= bucket.limit() {
            let oldest = q.front().copied().unwrap_or(now_ms);
            let wait_ms = (oldest + WINDOW_MS - now_ms).max(1);
            return Err(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1));
        }
        q.push_back(now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_window_and_frees_up_as_it_slides() {
        let r = RateLimiter::default();
        for i in 0..1000 {
            assert_eq!(r.check(Bucket::CreateIssue, i), Ok(()));
        }
        assert_eq!(r.check(Bucket::CreateIssue, 1000), Err(29));
        // The other bucket is independent.
        assert_eq!(r.check(Bucket::DeleteRevokeExchange, 1000), Ok(()));
        // When the first request leaves the window, one more fits.
        assert_eq!(r.check(Bucket::CreateIssue, WINDOW_MS), Ok(()));
        assert!(r.check(Bucket::CreateIssue, WINDOW_MS).is_err());
        for i in 0..499 {
            assert_eq!(r.check(Bucket::DeleteRevokeExchange, 2000 + i), Ok(()));
        }
        assert!(r.check(Bucket::DeleteRevokeExchange, 3000).is_err());
    }
}
