//! The service lines a certificate lists, read from the service record (`crate::records`).

use super::facts::ServiceLine;
use crate::error::AppResult;
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

/// The volunteer's credited services between `from` and `to` (calendar days in China,
/// inclusive), oldest first; corrections appear as lines with negative minutes and a reason.
pub async fn lines(
    _conn: &impl ConnectionTrait,
    _user_id: i64,
    _from: NaiveDate,
    _to: NaiveDate,
) -> AppResult<Vec<ServiceLine>> {
    // Placeholder until the service record lands on main.
    Ok(Vec::new())
}
