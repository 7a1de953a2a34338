//! Sofia time on the wire: `yyyy-MM-dd'T'HH:mm:ssZ` with the offset of the day (`+0200` in
//! winter, `+0300` in summer), and the lenient reading of the `FromDate`/`ToDate` query values
//! the real server showed (raw `+`, `%2B`, double-encoded `%252B`, or ISO with a colon offset).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The bank's zone: every `dateTime`, "today" and statement day is Sofia's.
pub(crate) const SOFIA: Tz = chrono_tz::Europe::Sofia;

/// `2022-02-19T14:03:11+0200`.
pub(crate) fn wire(at: DateTime<Utc>) -> String {
    at.with_timezone(&SOFIA)
        .format("%Y-%m-%dT%H:%M:%S%z")
        .to_string()
}

/// The Sofia calendar day of an instant.
pub(crate) fn sofia_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&SOFIA).date_naive()
}

/// A Sofia wall-clock time as an instant. In the autumn hour that happens twice the first
/// (summer-time) one is meant; a time inside the spring gap is read an hour later, as a clock
/// that was not yet moved forward would show it.
pub(crate) fn sofia(local: NaiveDateTime) -> DateTime<Utc> {
    match SOFIA.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let later = local + chrono::Duration::hours(1);
            SOFIA
                .from_local_datetime(&later)
                .earliest()
                .map_or_else(|| later.and_utc(), |t| t.with_timezone(&Utc))
        }
    }
}

/// Start of a Sofia day as an instant.
pub(crate) fn start_of(day: NaiveDate) -> DateTime<Utc> {
    sofia(day.and_time(chrono::NaiveTime::MIN))
}

/// Percent-decodes once. Unlike form decoding, `+` stays a plus: that is how a raw `+0200`
/// reaches the e-bank's date parser intact.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(value) = hex {
                out.push(value);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a `FromDate`/`ToDate` value as it arrived in the raw query string.
///
/// Accepted: `2022-02-19T14:03:11+0200` with the plus raw, as `%2B`, or double-encoded as
/// `%252B`; a plus that some layer already turned into a space; `2022-02-19T14:03:11+02:00`
/// and other RFC 3339 forms (`Z`, fractional seconds). A bare date or a time without an
/// offset is refused: the server cannot know which instant is meant.
pub(crate) fn parse_query_instant(raw: &str) -> Option<DateTime<FixedOffset>> {
    let mut text = raw.to_owned();
    // Two rounds undo a double encoding; a third would only matter for a triple one.
    for _ in 0..3 {
        let decoded = percent_decode(&text);
        if decoded == text {
            break;
        }
        text = decoded;
    }
    parse_instant(&text.trim().replace(' ', "+"))
}

/// `yyyy-MM-dd'T'HH:mm:ssZ` (offset with or without a colon) or RFC 3339.
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn wire_times_carry_the_sofia_offset_of_the_day() {
        assert_eq!(
            wire(utc("2022-02-19T12:03:11Z")),
            "2022-02-19T14:03:11+0200"
        );
        assert_eq!(
            wire(utc("2022-07-19T12:03:11Z")),
            "2022-07-19T15:03:11+0300"
        );
        // 30 October 2022: 03:30 happens twice in Sofia.
        assert_eq!(
            wire(utc("2022-10-30T00:30:00Z")),
            "2022-10-30T03:30:00+0300"
        );
        assert_eq!(
            wire(utc("2022-10-30T01:30:00Z")),
            "2022-10-30T03:30:00+0200"
        );
        let late = utc("2022-02-19T22:30:00Z");
        assert_eq!(
            sofia_day(late),
            NaiveDate::from_ymd_opt(2022, 2, 20).unwrap()
        );
    }

    #[test]
    fn local_times_resolve_across_both_switches() {
        let day = NaiveDate::from_ymd_opt(2022, 3, 27).unwrap();
        let gap = day.and_hms_opt(3, 30, 0).unwrap();
        assert_eq!(wire(sofia(gap)), "2022-03-27T04:30:00+0300");
        let autumn = NaiveDate::from_ymd_opt(2022, 10, 30)
            .unwrap()
            .and_hms_opt(3, 30, 0)
            .unwrap();
        assert_eq!(wire(sofia(autumn)), "2022-10-30T03:30:00+0300");
        assert_eq!(start_of(day), utc("2022-03-26T22:00:00Z"));
    }

    #[test]
    fn query_instants_are_read_leniently() {
        let want = utc("2022-02-19T12:03:11Z");
        for raw in [
            "2022-02-19T14:03:11+0200",
            "2022-02-19T14:03:11%2B0200",
            "2022-02-19T14:03:11%2b0200",
            "2022-02-19T14:03:11%252B0200",
            "2022-02-19T14:03:11 0200",
            "2022-02-19T14:03:11+02:00",
            "2022-02-19T14%3A03%3A11%2B02%3A00",
            "2022-02-19T12:03:11Z",
            "2022-02-19T12:03:11.000Z",
        ] {
            let got = parse_query_instant(raw).map(|t| t.with_timezone(&Utc));
            assert_eq!(got, Some(want), "{raw}");
        }
        for bad in ["2022-02-19", "2022-02-19T14:03:11", "", "yesterday"] {
            assert_eq!(parse_query_instant(bad), None, "{bad}");
        }
    }
}
