//! A missed deadline: flagged once on the whistle (it counts on the black list), written in the
//! order's timeline, and an order nobody works on moves one level up from where it was whistled.

use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::orders::service;
use crate::orders::state::{self, Action};
use chrono::{DateTime, Utc};
use entity::unit;
use entity::whistle::{self, WhistleStatus};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Which deadline was missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// Not acknowledged (报到) in time.
    Respond,
    /// Not resolved (办结) in time.
    Resolve,
}

impl Missed {
    /// Whistles due for this flag at `now`: still waiting for the step, past its deadline, not
    /// flagged yet.
    pub fn due(self, now: DateTime<Utc>) -> Condition {
        match self {
            Missed::Respond => Condition::all()
                .add(whistle::Column::Status.eq(WhistleStatus::Open))
                .add(whistle::Column::RespondOverdue.eq(false))
                .add(whistle::Column::RespondBy.lt(now)),
            Missed::Resolve => Condition::all()
                .add(whistle::Column::Status.ne(WhistleStatus::Resolved))
                .add(whistle::Column::ResolveOverdue.eq(false))
                .add(whistle::Column::ResolveBy.lt(now)),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Missed::Respond => "超时未报到",
            Missed::Resolve => "超时未办结",
        }
    }
}

/// Flags whistle `id` as having missed `missed` at `now`, in the caller's transaction. A whistle
/// no longer due (acknowledged, resolved or flagged meanwhile) answers `WHISTLE_NOT_OPEN`.
pub async fn flag(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    id: i64,
    missed: Missed,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let column = match missed {
        Missed::Respond => whistle::Column::RespondOverdue,
        Missed::Resolve => whistle::Column::ResolveOverdue,
    };
    let flagged = whistle::Entity::update_many()
        .col_expr(column, Expr::value(true))
        .filter(whistle::Column::Id.eq(id))
        .filter(missed.due(now))
        .exec(conn)
        .await?;
    if flagged.rows_affected == 0 {
        return Err(AppError::new(ErrorCode::WhistleNotOpen));
    }
    let w = whistle::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let name = unit::Entity::find_by_id(w.unit_id)
        .one(conn)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let order = service::lock(conn, w.order_id).await?;
    service::remark(
        conn,
        &order,
        Action::WhistleOverdue,
        None,
        format!("{name} {}", missed.label()),
        now,
    )
    .await?;
    // Up one level from where it was whistled, if it is still there and nobody works on it.
    let movable = order.region_id == w.region_id && state::next(order.status, Action::Escalate).is_some();
    if movable {
        let note = format!("{name} {}，自动上报", missed.label());
        match service::escalation(conn, &order, None, now, Some(note)).await {
            Ok(step) => {
                service::apply(conn, cfg, &order, step).await?;
            }
            // At the top of the tree there is nowhere to go: the flag and the timeline stay.
            Err(e) if e.code == ErrorCode::EscalationTop => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
