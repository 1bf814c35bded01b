//! Issuing a certificate: the period is checked, the volunteer's credited services in it are
//! read from the service record, and the facts (volunteer, services, total, issuer) are frozen
//! into a new numbered row in one transaction.
//!
//! The issuer is the volunteer's community, chosen in this order: the community of their latest
//! approved 党员报到 report; else the community of their oldest `member` grant; else the
//! community of their oldest `resident` grant (a confirmed residence). Someone with none of
//! these is refused `NO_ISSUING_COMMUNITY`.

use super::facts::{self, CertificateOut, Facts, Issuer, Period, Reader, ServiceLine, Volunteer};
use super::number;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::idempotency::{self, Answer, Key};
use crate::state::AppState;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::member_report::{self, ReportStatus};
use entity::role_grant::{self, Role};
use entity::{certificate, region, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The longest period one certificate covers, in days (five years).
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;
/// Certificates one person may request per hour.
const PER_HOUR: i64 = 10;

/// 申请志愿服务记录证明
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueIn {
    /// 起始日（北京时间，含当天），不早于 2000-01-01
    #[schema(value_type = String, format = Date, example = "2026-01-01")]
    pub from: NaiveDate,
    /// 截止日（北京时间，含当天），不早于起始日、不晚于今天，期间最长 5 年
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    pub to: NaiveDate,
}

/// Field errors of a requested period, given today's date in China.
pub fn period_problems(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut add = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
    if from < earliest {
        add("from", "起始日不能早于 2000-01-01");
    }
    if to > today {
        add("to", "截止日不能晚于今天");
    }
    if from > to {
        add("from", "起始日不能晚于截止日");
    } else if (to - from).num_days() >= MAX_PERIOD_DAYS {
        add("to", "证明期间最长 5 年");
    }
    errors
}

/// Issues a certificate for the caller's own record. With an `Idempotency-Key`, a retry answers
/// the first certificate again; without one every call issues a new number.
pub async fn issue(state: &AppState, p: &Principal, key: Option<&Key>, body: IssueIn) -> AppResult<Answer> {
    let now = Utc::now();
    let today = now.with_timezone(&crate::calendar::china()).date_naive();
    let errors = period_problems(body.from, body.to, today);
    if !errors.is_empty() {
        // 422, not 400: each date alone is well formed, so the spec cannot rule these out.
        let mut refused = AppError::new(ErrorCode::CertificatePeriodInvalid);
        refused.errors = errors;
        return Err(refused);
    }
    let hour = std::time::Duration::from_secs(3600);
    crate::ratelimit::hit(&state.kv, &format!("certificates:{}", p.id()), PER_HOUR, hour).await?;
    let period = Period {
        from: body.from,
        to: body.to,
    };
    idempotency::once(&state.db, key, 201, async |txn| {
        let (facts, community_id) = gather(txn, state, p.id(), period, now).await?;
        insert(txn, p.id(), community_id, &facts).await?;
        Ok::<CertificateOut, AppError>(facts::out(facts, Reader::Entitled))
    })
    .await
}

/// The certificate's facts as of `now` and the issuing community's id: refused when nothing was
/// credited in the period.
async fn gather(
    conn: &impl ConnectionTrait,
    state: &AppState,
    user_id: i64,
    period: Period,
    now: DateTime<Utc>,
) -> AppResult<(Facts, i64)> {
    let person = user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthorized))?;
    let community = issuer_of(conn, user_id).await?;
    let items = super::source::lines(conn, user_id, period.from, period.to).await?;
    let total_minutes: i64 = items.iter().map(|l: &ServiceLine| l.minutes).sum();
    if items.is_empty() || total_minutes <= 0 {
        return Err(AppError::new(ErrorCode::NothingToCertify));
    }
    let phone = match &person.phone_enc {
        Some(enc) => Some(crate::pii::mask_phone(
            &state.pii.decrypt(enc).map_err(AppError::internal)?,
        )),
        None => None,
    };
    let year = now.with_timezone(&crate::calendar::china()).year();
    let facts = Facts {
        number: number::generate(year),
        issued_at: now,
        volunteer: Volunteer {
            name: person.name,
            phone_masked: phone,
            volunteer_number: Some(volunteer_number(user_id)),
        },
        period,
        items,
        total_minutes,
        total_hours: facts::hours(total_minutes),
        issuer: Issuer {
            community: community.name,
            person_in_charge: community.leader_name,
            contact: community.contact_phone,
        },
    };
    Ok((facts, community.id))
}

/// A volunteer's number: `LLV` and the account number, eight digits at least.
pub fn volunteer_number(user_id: i64) -> String {
    format!("LLV{user_id:08}")
}

async fn insert(conn: &impl ConnectionTrait, user_id: i64, community_id: i64, f: &Facts) -> AppResult<()> {
    certificate::ActiveModel {
        number: Set(f.number.clone()),
        user_id: Set(user_id),
        community_id: Set(community_id),
        period_from: Set(f.period.from),
        period_to: Set(f.period.to),
        total_minutes: Set(f.total_minutes),
        facts: Set(serde_json::to_string(f).map_err(AppError::internal)?),
        issued_at: Set(f.issued_at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The community that issues the volunteer's certificates (see the module docs for the order).
pub async fn issuer_of(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<region::Model> {
    let report = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(user_id))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .order_by_desc(member_report::Column::Id)
        .one(conn)
        .await?;
    if let Some(r) = report
        && let Some(c) = region::Entity::find_by_id(r.community_id).one(conn).await?
    {
        return Ok(c);
    }
    for role in [Role::Member, Role::Resident] {
        let grants = role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(user_id))
            .filter(role_grant::Column::Role.eq(role))
            .order_by_asc(role_grant::Column::Id)
            .find_also_related(region::Entity)
            .all(conn)
            .await?;
        for (_, place) in grants {
            if let Some(place) = place
                && let Some(c) = crate::regions::community_of(conn, &place).await?
            {
                return Ok(c);
            }
        }
    }
    Err(AppError::new(ErrorCode::NoIssuingCommunity))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fields(from: &str, to: &str) -> Vec<String> {
        period_problems(d(from), d(to), d("2026-11-30"))
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn periods_are_checked() {
        assert!(fields("2026-01-01", "2026-11-30").is_empty());
        assert!(fields("2026-11-30", "2026-11-30").is_empty());
        assert!(fields("2021-12-02", "2026-11-30").is_empty());
        assert_eq!(fields("2026-12-01", "2026-12-01"), ["to"]);
        assert_eq!(fields("2026-05-02", "2026-05-01"), ["from"]);
        assert_eq!(fields("2016-01-01", "2026-11-30"), ["to"]);
        assert_eq!(fields("1999-12-31", "2000-01-02"), ["from"]);
    }

    #[test]
    fn volunteer_numbers_are_padded() {
        assert_eq!(volunteer_number(42), "LLV00000042");
        assert_eq!(volunteer_number(123_456_789), "LLV123456789");
    }
}
