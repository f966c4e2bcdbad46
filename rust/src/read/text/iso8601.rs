//! The ISO 8601 timestamps pyarrow's JSON reader infers as `timestamp[s]`.
//!
//! `YYYY-MM-DD`, optionally followed by `T` or a space and `hh`, `hh:mm` or `hh:mm:ss`, then
//! optionally `Z`, `±hh`, `±hh:mm` or `±hhmm`. Fractional seconds make it a string (pyarrow
//! infers the second unit), as do impossible dates such as `2020-02-30`. Values with a zone are
//! converted to UTC and stored without one, as pyarrow does.

/// Seconds since the Unix epoch for `text`, or `None` if it is not such a timestamp.
pub fn parse_timestamp_seconds(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let (seconds_of_day, rest) = time_of_day(&bytes[10..])?;
    let offset = zone_offset_seconds(rest)?;
    Some(days_from_civil(year, month, day) * 86_400 + seconds_of_day - offset)
}

/// Parses `[T ]hh[:mm[:ss]]` (or nothing); returns seconds and what follows.
fn time_of_day(bytes: &[u8]) -> Option<(i64, &[u8])> {
    let Some((&separator, rest)) = bytes.split_first() else {
        return Some((0, bytes));
    };
    if separator != b'T' && separator != b' ' {
        return Some((0, bytes));
    }
    let hour = digits(rest.get(0..2)?)?;
    let mut seconds = hour * 3600;
    let mut rest = &rest[2..];
    for unit in [60, 1] {
        match rest {
            [b':', a, b, tail @ ..] => {
                let value = digits(&[*a, *b])?;
                if value > 59 {
                    return None;
                }
                seconds += value * unit;
                rest = tail;
            }
            _ => break,
        }
    }
    (hour <= 23).then_some((seconds, rest))
}

/// Parses the zone suffix: nothing, `Z`, `±hh`, `±hh:mm` or `±hhmm`.
fn zone_offset_seconds(bytes: &[u8]) -> Option<i64> {
    let (sign, rest) = match bytes {
        [] | [b'Z'] => return Some(0),
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = match rest {
        [h1, h2] => (digits(&[*h1, *h2])?, 0),
        [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
        _ => return None,
    };
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp_seconds as parse;

    #[test]
    fn accepts_what_pyarrow_infers_as_timestamps() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2020-01-01T10"), Some(1_577_872_800));
        assert_eq!(parse("2020-01-01 10:00"), Some(1_577_872_800));
        assert_eq!(parse("2020-01-01T10:00:00Z"), Some(1_577_872_800));
        assert_eq!(parse("2020-01-01 10:00:00+01:00"), Some(1_577_869_200));
        assert_eq!(parse("2020-01-01T10:00:00-0130"), Some(1_577_878_200));
        assert_eq!(parse("2020-02-29"), Some(1_582_934_400));
        assert_eq!(parse("0001-01-01"), Some(-62_135_596_800));
    }

    #[test]
    fn rejects_what_pyarrow_keeps_as_strings() {
        for text in [
            "2020-1-1",
            "20200101",
            "2020-02-30",
            "2019-02-29",
            "2020-13-01",
            "2020-01-01 ",
            "2020-01-01T24:00:00",
            "2020-01-01T10:00:60",
            "2020-01-01T1:00:00",
            "2020-01-01T10:00:00.000",
            "12345-01-01",
            "-2020-01-01",
            "2020-01-01T10:00:00Zx",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
