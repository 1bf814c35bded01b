//! The service lines a certificate lists, read from the service record (`crate::records`).

use super::facts::{ServiceLine, hours};
use crate::error::AppResult;
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

/// The volunteer's credited services between `from` and `to` (calendar days in China,
/// inclusive), oldest first; corrections are lines with negative minutes and their reason.
pub async fn lines(
    conn: &impl ConnectionTrait,
    user_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<ServiceLine>> {
    let rows = crate::records::history::in_period(conn, user_id, from, to).await?;
    Ok(rows
        .into_iter()
        .map(|r| ServiceLine {
            date: r.served_at.with_timezone(&crate::calendar::china()).date_naive(),
            kind: r.kind,
            content: r.content,
            organiser: r.organiser,
            minutes: i64::from(r.minutes),
            hours: hours(i64::from(r.minutes)),
            reason: r.reason,
        })
        .collect())
}
