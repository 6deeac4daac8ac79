//! The weekly review's figures, computed from the week's sessions and
//! denied attempts by a pure function (tested against a known seed both
//! here and through the API).

use super::ReviewState;
#[cfg(feature = "ssr")]
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One day of the week: sessions started that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// "Mon 23"
    pub label: String,
    pub view_only: i64,
    pub with_changes: i64,
}

/// A session of the week that changed something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedSession {
    pub id: String,
    pub staff_name: String,
    pub account_name: String,
    pub target_user_name: String,
    /// When it started, in the reader's zone.
    pub started: String,
    pub changes: i64,
    pub review: ReviewState,
}

/// The week's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weekly {
    /// "23 Nov – 29 Nov 2026"
    pub period: String,
    /// The Monday of the week before and after (`YYYY-MM-DD`), for links.
    pub previous: String,
    pub next: String,
    pub sessions: i64,
    pub days: Vec<DayCount>,
    /// Median length of the week's ended sessions, in whole minutes.
    pub median_minutes: Option<i64>,
    /// Sessions per agent, most first.
    pub per_agent: Vec<(String, i64)>,
    /// Denied attempts per staff member, most first.
    pub denied_by_staff: Vec<(String, i64)>,
    /// Ended sessions reviewed (fine or flagged), of all ended.
    pub reviewed: i64,
    pub ended: i64,
    pub with_changes: Vec<ChangedSession>,
}

/// A session as the figures need it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct SessionFact {
    pub id: String,
    pub staff_name: String,
    pub account_name: String,
    pub target_user_name: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub changes: i64,
    pub review: ReviewState,
}

/// The Monday of the week holding `day`.
#[cfg(feature = "ssr")]
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// The week's figures from its sessions (started in the week) and its
/// denied attempts (who, how many), days counted in `zone`.
#[cfg(feature = "ssr")]
pub fn summarise(
    monday: NaiveDate,
    zone: chrono_tz::Tz,
    sessions: &[SessionFact],
    denied: Vec<(String, i64)>,
) -> Weekly {
    let local_day = |t: DateTime<Utc>| t.with_timezone(&zone).date_naive();
    let days = (0..7)
        .map(|i| {
            let day = monday + Duration::days(i);
            let of_day = sessions.iter().filter(|s| local_day(s.started_at) == day);
            let (mut view_only, mut with_changes) = (0, 0);
            for s in of_day {
                if s.changes > 0 {
                    with_changes += 1;
                } else {
                    view_only += 1;
                }
            }
            DayCount {
                label: day.format("%a %-d").to_string(),
                view_only,
                with_changes,
            }
        })
        .collect();
    let mut lengths: Vec<i64> = sessions
        .iter()
        .filter_map(|s| s.ended_at.map(|e| (e - s.started_at).num_minutes().max(0)))
        .collect();
    lengths.sort_unstable();
    let median_minutes = match lengths.len() {
        0 => None,
        n if n % 2 == 1 => Some(lengths[n / 2]),
        n => Some((lengths[n / 2 - 1] + lengths[n / 2]) / 2),
    };
    let mut per_agent: Vec<(String, i64)> = Vec::new();
    for s in sessions {
        match per_agent.iter_mut().find(|(n, _)| *n == s.staff_name) {
            Some((_, c)) => *c += 1,
            None => per_agent.push((s.staff_name.clone(), 1)),
        }
    }
    per_agent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut denied_by_staff = denied;
    denied_by_staff.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let ended = sessions.iter().filter(|s| s.ended_at.is_some()).count() as i64;
    let reviewed = sessions
        .iter()
        .filter(|s| s.ended_at.is_some() && s.review != ReviewState::Unreviewed)
        .count() as i64;
    let with_changes = sessions
        .iter()
        .filter(|s| s.changes > 0)
        .map(|s| ChangedSession {
            id: s.id.clone(),
            staff_name: s.staff_name.clone(),
            account_name: s.account_name.clone(),
            target_user_name: s.target_user_name.clone(),
            started: s
                .started_at
                .with_timezone(&zone)
                .format("%a %-d %b %H:%M %Z")
                .to_string(),
            changes: s.changes,
            review: s.review,
        })
        .collect();
    let sunday = monday + Duration::days(6);
    Weekly {
        period: format!(
            "{} – {}",
            monday.format("%-d %b"),
            sunday.format("%-d %b %Y")
        ),
        previous: (monday - Duration::days(7)).to_string(),
        next: (monday + Duration::days(7)).to_string(),
        sessions: sessions.len() as i64,
        days,
        median_minutes,
        per_agent,
        denied_by_staff,
        reviewed,
        ended,
        with_changes,
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn session(
        who: &str,
        day: u32,
        hour: u32,
        minutes: Option<i64>,
        changes: i64,
        review: ReviewState,
    ) -> SessionFact {
        SessionFact {
            id: format!("{who}-{day}-{hour}"),
            staff_name: who.into(),
            account_name: "Acme Co".into(),
            target_user_name: "Tom Becker".into(),
            started_at: at(day, hour),
            ended_at: minutes.map(|m| at(day, hour) + Duration::minutes(m)),
            changes,
            review,
        }
    }

    #[test]
    fn a_known_week_gives_known_figures() {
        use ReviewState::*;
        let monday = monday_of(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        assert_eq!(monday, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let sessions = vec![
            session("Sarah Lee", 23, 9, Some(10), 0, Fine),
            session("Sarah Lee", 23, 23, Some(4), 0, Unreviewed),
            session("Priya Nair", 24, 10, Some(30), 2, Flagged),
            session("Priya Nair", 26, 8, Some(20), 1, Unreviewed),
            session("Dan Kim", 26, 9, None, 0, Unreviewed),
        ];
        let w = summarise(
            monday,
            chrono_tz::UTC,
            &sessions,
            vec![("Sarah Lee".into(), 2), ("Someone not signed in".into(), 5)],
        );
        assert_eq!(w.period, "23 Nov – 29 Nov 2026");
        assert_eq!(w.sessions, 5);
        assert_eq!(w.days.len(), 7);
        assert_eq!(
            w.days[0],
            DayCount {
                label: "Mon 23".into(),
                view_only: 2,
                with_changes: 0
            }
        );
        assert_eq!(
            w.days[1],
            DayCount {
                label: "Tue 24".into(),
                view_only: 0,
                with_changes: 1
            }
        );
        assert_eq!(
            w.days[3],
            DayCount {
                label: "Thu 26".into(),
                view_only: 1,
                with_changes: 1
            }
        );
        assert_eq!(w.days[6].view_only + w.days[6].with_changes, 0);
        // Ended: 10, 4, 30, 20 minutes → median of 4, 10, 20, 30 is 15.
        assert_eq!(w.median_minutes, Some(15));
        assert_eq!(
            w.per_agent,
            vec![
                ("Priya Nair".into(), 2),
                ("Sarah Lee".into(), 2),
                ("Dan Kim".into(), 1)
            ]
        );
        assert_eq!(w.denied_by_staff[0], ("Someone not signed in".into(), 5));
        assert_eq!((w.reviewed, w.ended), (2, 4));
        assert_eq!(w.with_changes.len(), 2);
        assert_eq!(w.previous, "2026-11-16");
        assert_eq!(w.next, "2026-11-30");
        // Read in Tokyo, Monday 23:00 UTC is Tuesday 08:00: days follow the reader.
        let tokyo = summarise(monday, chrono_tz::Asia::Tokyo, &sessions, vec![]);
        assert_eq!(tokyo.days[0].view_only, 1);
        assert_eq!(tokyo.days[1].view_only, 1);
    }

    #[test]
    fn an_empty_week_has_no_median_and_nothing_reviewed() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let w = summarise(monday, chrono_tz::UTC, &[], vec![]);
        assert_eq!(w.sessions, 0);
        assert_eq!(w.median_minutes, None);
        assert_eq!((w.reviewed, w.ended), (0, 0));
    }
}
