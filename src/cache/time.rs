//! Wall-clock times as text: RFC 3339 UTC for `fetched_at`, and a compact
//! form for the name a corrupt file is moved aside to.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as `2024-03-01T12:00:00Z`.
pub fn now_rfc3339() -> String {
    let (date, time) = civil(now_unix());
    format!("{}-{:02}-{:02}T{:02}:{:02}:{:02}Z", date.0, date.1, date.2, time.0, time.1, time.2)
}

/// Now, as `20240301T120000Z` (for file names).
pub fn now_compact() -> String {
    let (date, time) = civil(now_unix());
    format!("{}{:02}{:02}T{:02}{:02}{:02}Z", date.0, date.1, date.2, time.0, time.1, time.2)
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Seconds since 1970 as ((year, month, day), (hour, minute, second)), UTC
/// (Howard Hinnant's days-to-civil algorithm).
fn civil(seconds: i64) -> ((i64, u32, u32), (u32, u32, u32)) {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    ((year, month, day), (of_day / 3600, of_day / 60 % 60, of_day % 60))
}

#[cfg(test)]
mod tests {
    use super::civil;

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(civil(0), ((1970, 1, 1), (0, 0, 0)));
        assert_eq!(civil(951_782_400), ((2000, 2, 29), (0, 0, 0)));
        assert_eq!(civil(1_709_294_400), ((2024, 3, 1), (12, 0, 0)));
        assert_eq!(civil(-1), ((1969, 12, 31), (23, 59, 59)));
    }
}
