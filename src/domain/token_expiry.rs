//! When a token's expiry notice is due: at each configured lead time before its expiry.

use chrono::{DateTime, Utc};

/// The lead time (in days) whose notice is due for a token now, and the days left, counted
/// in UTC calendar days as the token page counts them. A notice at lead `L` is due once
/// `L` or fewer days are left; only leads shorter than the token's whole life count (a
/// token made to last 7 days gets no 14-day notice), and of those that are due the
/// shortest wins (a notice missed while no node ran is not sent late beside a newer one).
pub fn due_lead(
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    lead_days: &[u32],
) -> Option<(u32, i64)> {
    if expires_at <= now {
        return None;
    }
    let days_left = (expires_at.date_naive() - now.date_naive()).num_days();
    let lifetime = (expires_at.date_naive() - created_at.date_naive()).num_days();
    lead_days
        .iter()
        .copied()
        .filter(|l| lifetime > i64::from(*l) && days_left <= i64::from(*l))
        .min()
        .map(|l| (l, days_left))
}

/// The longest configured lead time: tokens expiring later need no look.
pub fn horizon_days(lead_days: &[u32]) -> u32 {
    lead_days.iter().copied().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn the_shortest_due_lead_within_the_tokens_life_wins() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let leads = [14, 3];
        let created = now - TimeDelta::days(30);
        assert_eq!(
            due_lead(created, now + TimeDelta::days(20), now, &leads),
            None
        );
        assert_eq!(
            due_lead(created, now + TimeDelta::days(13), now, &leads),
            Some((14, 13))
        );
        assert_eq!(
            due_lead(created, now + TimeDelta::days(2), now, &leads),
            Some((3, 2))
        );
        assert_eq!(
            due_lead(created, now - TimeDelta::days(1), now, &leads),
            None
        );
        // Made to last 7 days: no 14-day notice, a 3-day one later.
        assert_eq!(due_lead(now, now + TimeDelta::days(7), now, &leads), None);
        assert_eq!(
            due_lead(
                now - TimeDelta::days(5),
                now + TimeDelta::days(2),
                now,
                &leads
            ),
            Some((3, 2))
        );
        assert_eq!(horizon_days(&leads), 14);
        assert_eq!(horizon_days(&[]), 0);
    }
}
