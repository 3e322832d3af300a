//! The retry policy: which outcomes are retried, how long each wait is, and the bounds of the backoff.

use acs_identity_edge::retry::{self, Decision, Outcome, RetryOptions};
use proptest::prelude::*;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

const NOW: i64 = 1_649_873_352_000; // Wed, 13 Apr 2022 18:09:12 GMT

#[test]
fn retries_exactly_the_transient_statuses() {
    let opts = RetryOptions::default();
    for status in [408, 429, 500, 502, 503, 504] {
        let d = retry::decide(
            &opts,
            0,
            &Outcome::Status {
                status,
                headers: &[],
            },
            NOW,
            0.0,
        );
        assert!(matches!(d, Decision::Retry { .. }), "{status}");
        assert!(retry::is_retryable_status(status));
    }
    for status in [
        200, 201, 204, 301, 400, 401, 403, 404, 409, 413, 501, 505, 511,
    ] {
        let d = retry::decide(
            &opts,
            0,
            &Outcome::Status {
                status,
                headers: &[],
            },
            NOW,
            0.0,
        );
        assert_eq!(d, Decision::Stop, "{status}");
    }
    for outcome in [Outcome::NetworkError, Outcome::Timeout] {
        assert!(matches!(
            retry::decide(&opts, 2, &outcome, NOW, 0.3),
            Decision::Retry { .. }
        ));
        assert_eq!(retry::decide(&opts, 3, &outcome, NOW, 0.3), Decision::Stop);
    }
    let none = RetryOptions {
        max_retries: 0,
        ..opts
    };
    assert_eq!(
        retry::decide(&none, 0, &Outcome::NetworkError, NOW, 0.3),
        Decision::Stop
    );
}

#[test]
fn honours_what_the_service_asks_for() {
    let cases: Vec<(Vec<(String, String)>, u64)> = vec![
        (h(&[("Retry-After", "2")]), 2_000),
        (h(&[("retry-after", " 7 ")]), 7_000),
        (h(&[("Retry-After", "1.5")]), 1_500),
        (h(&[("Retry-After", "0")]), 0),
        (h(&[("retry-after-ms", "250")]), 250),
        (h(&[("x-ms-retry-after-ms", "125")]), 125),
        // The millisecond headers win over Retry-After.
        (h(&[("Retry-After", "30"), ("Retry-After-Ms", "40")]), 40),
        (
            h(&[("Retry-After", "30"), ("x-ms-retry-after-ms", "41")]),
            41,
        ),
        // HTTP dates are relative to now; a date in the past means now.
        (
            h(&[("Retry-After", "Wed, 13 Apr 2022 18:09:15 GMT")]),
            3_000,
        ),
        (h(&[("Retry-After", "Wed, 13 Apr 2022 18:09:12 GMT")]), 0),
        (h(&[("Retry-After", "Wed, 13 Apr 2022 17:00:00 GMT")]), 0),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            retry::retry_after_ms(&headers, NOW),
            Some(expected),
            "{headers:?}"
        );
        let d = retry::decide(
            &RetryOptions::default(),
            1,
            &Outcome::Status {
                status: 429,
                headers: &headers,
            },
            NOW,
            0.99,
        );
        assert_eq!(d, Decision::Retry { delay_ms: expected }, "{headers:?}");
    }
    for bad in [
        "",
        "soon",
        "-1",
        "1e3",
        "1.",
        ".5",
        "Wed, 13 Apr 2022 18:09:15 UTC",
        "99999999999999999999999",
    ] {
        let headers = h(&[("Retry-After", bad)]);
        assert_eq!(retry::retry_after_ms(&headers, NOW), None, "{bad}");
        // Unreadable: the backoff applies (first retry: 400 to 800 ms).
        match retry::decide(
            &RetryOptions::default(),
            0,
            &Outcome::Status {
                status: 503,
                headers: &headers,
            },
            NOW,
            0.5,
        ) {
            Decision::Retry { delay_ms } => {
                assert!((400..=800).contains(&delay_ms), "{bad}: {delay_ms}")
            }
            Decision::Stop => panic!("{bad}"),
        }
    }
}

#[test]
fn a_wait_longer_than_the_maximum_ends_the_retries() {
    let opts = RetryOptions {
        max_delay_ms: 10_000,
        ..Default::default()
    };
    let long = h(&[("Retry-After", "11")]);
    let ok = h(&[("Retry-After", "10")]);
    assert_eq!(
        retry::decide(
            &opts,
            0,
            &Outcome::Status {
                status: 429,
                headers: &long
            },
            NOW,
            0.0
        ),
        Decision::Stop
    );
    assert_eq!(
        retry::decide(
            &opts,
            0,
            &Outcome::Status {
                status: 429,
                headers: &ok
            },
            NOW,
            0.0
        ),
        Decision::Retry { delay_ms: 10_000 }
    );
}

#[test]
fn backoff_doubles_with_jitter_in_the_upper_half() {
    let opts = RetryOptions::default();
    let expected = [
        (0, 400, 800),
        (1, 800, 1_600),
        (2, 1_600, 3_200),
        (6, 25_600, 51_200),
        (7, 30_000, 60_000),
        (40, 30_000, 60_000),
    ];
    for (retry, low, high) in expected {
        assert_eq!(retry::backoff_ms(&opts, retry, 0.0), low, "{retry}");
        let top = retry::backoff_ms(&opts, retry, 0.999_999_9);
        assert!(top <= high && top >= high - 1, "{retry}: {top}");
    }
    // Out-of-range random numbers are clamped, not trusted.
    assert_eq!(retry::backoff_ms(&opts, 0, f64::NAN), 400);
    assert_eq!(retry::backoff_ms(&opts, 0, -3.0), 400);
    assert_eq!(retry::backoff_ms(&opts, 0, 7.0), 800);
}

proptest! {
    #[test]
    fn backoff_stays_within_its_bounds(
        retry in any::<u32>(),
        base in 0u64..10_000_000,
        max in 0u64..100_000_000,
        random in 0.0f64..1.0,
    ) {
        let opts = RetryOptions { max_retries: u32::MAX, base_delay_ms: base, max_delay_ms: max };
        let cap = base.saturating_mul(1u64.checked_shl(retry.min(63)).unwrap_or(u64::MAX)).min(max);
        let d = retry::backoff_ms(&opts, retry, random);
        prop_assert!(d <= cap && d <= max);
        prop_assert!(d >= cap / 2);
    }

    #[test]
    fn decisions_never_wait_longer_than_the_maximum(
        retry in 0u32..10,
        status in 100u16..600,
        header_value in prop_oneof![Just(String::new()), "[0-9]{1,7}", "[0-9]{1,3}\\.[0-9]{1,4}", any::<String>()],
        name in prop::sample::select(vec!["retry-after", "retry-after-ms", "x-ms-retry-after-ms", "other"]),
        now in 0i64..4_000_000_000_000,
        random in 0.0f64..1.0,
    ) {
        let opts = RetryOptions::default();
        let headers = h(&[(name, header_value.as_str())]);
        match retry::decide(&opts, retry, &Outcome::Status { status, headers: &headers }, now, random) {
            Decision::Retry { delay_ms } => {
                prop_assert!(delay_ms <= opts.max_delay_ms);
                prop_assert!(retry::is_retryable_status(status));
                prop_assert!(retry < opts.max_retries);
            }
            Decision::Stop => {}
        }
    }
}
