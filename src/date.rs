//! Time formats of the protocol: IMF-fixdate for `x-ms-date` (RFC 9110), and the ISO 8601 `expiresOn`
//! of token responses. Pure conversions from and to unix time; nothing here reads a clock.

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Earliest and latest unix seconds this module formats (years 0001 to 9999).
pub const MIN_UNIX_SECONDS: i64 = -62_135_596_800;
/// See [`MIN_UNIX_SECONDS`].
pub const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// A calendar date and time of day in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Year, 1 to 9999.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
}

// Howard Hinnant's days-from-civil algorithms, on proleptic Gregorian dates.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl DateTime {
    /// The UTC calendar time of `unix_seconds`, or `None` outside years 0001 to 9999.
    pub fn from_unix(unix_seconds: i64) -> Option<DateTime> {
        if !(MIN_UNIX_SECONDS..=MAX_UNIX_SECONDS).contains(&unix_seconds) {
            return None;
        }
        let days = unix_seconds.div_euclid(86_400);
        let secs = unix_seconds.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Some(DateTime {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        })
    }

    /// Unix seconds of this time, or `None` when a field is out of range.
    pub fn to_unix(self) -> Option<i64> {
        let valid = (1..=9999).contains(&self.year)
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        valid.then(|| {
            days_from_civil(self.year, self.month, self.day) * 86_400
                + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
        })
    }
}

fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn push_4(out: &mut String, n: i64) {
    let n = n.clamp(0, 9999) as u32;
    push_2(out, n / 100);
    push_2(out, n % 100);
}

/// Formats unix seconds as an IMF-fixdate, `Wed, 13 Apr 2022 18:09:12 GMT`: English names, two-digit day,
/// independent of any locale. `None` outside years 0001 to 9999.
pub fn format_imf_fixdate(unix_seconds: i64) -> Option<String> {
    let t = DateTime::from_unix(unix_seconds)?;
    let weekday = DAYS[unix_seconds.div_euclid(86_400).rem_euclid(7) as usize];
    let mut out = String::with_capacity(29);
    out.push_str(weekday);
    out.push_str(", ");
    push_2(&mut out, t.day);
    out.push(' ');
    out.push_str(MONTHS[(t.month - 1) as usize]);
    out.push(' ');
    push_4(&mut out, t.year);
    out.push(' ');
    push_2(&mut out, t.hour);
    out.push(':');
    push_2(&mut out, t.minute);
    out.push(':');
    push_2(&mut out, t.second);
    out.push_str(" GMT");
    Some(out)
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Parses an IMF-fixdate (`Wed, 13 Apr 2022 18:09:12 GMT`) into unix seconds. The weekday must match
/// the date. `None` for anything else.
pub fn parse_imf_fixdate(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    if b[19] != b':' || b[22] != b':' || &b[25..] != b" GMT" {
        return None;
    }
    let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])? as u32 + 1;
    let t = DateTime {
        year: i64::from(digits(&b[12..16])?),
        month,
        day: digits(&b[5..7])?,
        hour: digits(&b[17..19])?,
        minute: digits(&b[20..22])?,
        second: digits(&b[23..25])?,
    };
    let unix = t.to_unix()?;
    let weekday = DAYS[unix.div_euclid(86_400).rem_euclid(7) as usize];
    (weekday.as_bytes() == &b[..3]).then_some(unix)
}

/// Formats unix milliseconds as the service's `expiresOn`: `2022-09-07T14:34:56.2710000+00:00`
/// (seven fractional digits and an offset). `None` outside years 0001 to 9999.
pub fn format_expires_on(unix_millis: i64) -> Option<String> {
    let t = DateTime::from_unix(unix_millis.div_euclid(1000))?;
    let ms = unix_millis.rem_euclid(1000) as u32;
    let mut out = String::with_capacity(33);
    push_4(&mut out, t.year);
    out.push('-');
    push_2(&mut out, t.month);
    out.push('-');
    push_2(&mut out, t.day);
    out.push('T');
    push_2(&mut out, t.hour);
    out.push(':');
    push_2(&mut out, t.minute);
    out.push(':');
    push_2(&mut out, t.second);
    out.push('.');
    push_2(&mut out, ms / 10);
    out.push(char::from(b'0' + (ms % 10) as u8));
    out.push_str("0000+00:00");
    Some(out)
}

/// Parses an ISO 8601 / RFC 3339 date-time as the service sends it (`2022-09-07T14:34:56.2714874+00:00`,
/// also `Z`, other offsets, any number of fractional digits) into unix milliseconds (fraction truncated).
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let t = DateTime {
        year: i64::from(digits(&b[0..4])?),
        month: digits(&b[5..7])?,
        day: digits(&b[8..10])?,
        hour: digits(&b[11..13])?,
        minute: digits(&b[14..16])?,
        second: digits(&b[17..19])?,
    };
    let mut i = 19;
    let mut millis: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_secs: i64 = match &b[i..] {
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = i64::from(digits(&[*h1, *h2])?);
            let m = i64::from(digits(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 3600 + m * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some((t.to_unix()? - offset_secs) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_over_centuries() {
        let mut t = -2_208_988_800; // 1900-01-01
        while t < 4_102_444_800 {
            let s = format_imf_fixdate(t + 3723).unwrap();
            assert_eq!(parse_imf_fixdate(&s), Some(t + 3723), "{s}");
            t += 86_400 * 7 + 1;
        }
    }

    #[test]
    fn rejects_a_wrong_weekday_and_bad_fields() {
        assert_eq!(
            parse_imf_fixdate("Wed, 13 Apr 2022 18:09:12 GMT"),
            Some(1_649_873_352)
        );
        assert_eq!(parse_imf_fixdate("Thu, 13 Apr 2022 18:09:12 GMT"), None);
        assert_eq!(parse_imf_fixdate("Wed, 13 Apr 2022 18:09:12 UTC"), None);
        assert_eq!(parse_imf_fixdate("Wed, 31 Apr 2022 18:09:12 GMT"), None);
        assert_eq!(parse_imf_fixdate("Wed, 13 Apr 2022 24:09:12 GMT"), None);
        assert_eq!(parse_imf_fixdate("Wed,  3 Apr 2022 18:09:12 GMT"), None);
        assert_eq!(parse_imf_fixdate("Wéd, 13 Apr 2022 18:09:1 GMT"), None);
        assert_eq!(format_imf_fixdate(MAX_UNIX_SECONDS + 1), None);
    }

    #[test]
    fn expires_on_round_trips() {
        let ms = 1_662_561_296_271;
        let s = format_expires_on(ms).unwrap();
        assert_eq!(s, "2022-09-07T14:34:56.2710000+00:00");
        assert_eq!(parse_iso8601(&s), Some(ms));
        assert_eq!(parse_iso8601("2022-09-07T14:34:56.2714874+00:00"), Some(ms));
        assert_eq!(
            parse_iso8601("2022-09-07T16:34:56Z"),
            Some(1_662_568_496_000)
        );
        assert_eq!(
            parse_iso8601("2022-09-07T16:34:56.5+02:00"),
            Some(1_662_561_296_500)
        );
        assert_eq!(parse_iso8601("2022-09-07T16:34:56."), None);
        assert_eq!(parse_iso8601("2022-13-07T16:34:56Z"), None);
        assert_eq!(parse_iso8601("garbage"), None);
    }
}
