//! Delivers the outbox. A row is claimed (`pending` → `sending`) by a conditional update before
//! anything is sent, so however many relays run, and however often one restarts, no WeChat
//! message is sent twice. The price: a relay killed between sending a message and recording it
//! leaves the row `sending` (visible, never resent); a request whose answer never came is marked
//! `failed` ("delivery unknown") rather than risk a second message. Console events are harmless
//! twice and are requeued.

use super::notice::region_channel;
use crate::error::AppResult;
use crate::state::AppState;
use crate::wechat::SendOutcome;
use chrono::{DateTime, Utc};
use entity::outbox::{Channel, Status};
use entity::{outbox, subscription_credit, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

const BATCH: u64 = 50;
const MAX_ATTEMPTS: i32 = 6;

async fn claim(state: &AppState, id: i64) -> AppResult<Option<outbox::Model>> {
    let claimed = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(Status::Sending))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        // While sending, `available_at` holds when the row was claimed.
        .col_expr(outbox::Column::AvailableAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(Status::Pending))
        .exec(&state.db)
        .await?
        .rows_affected;
    if claimed != 1 {
        return Ok(None);
    }
    Ok(outbox::Entity::find_by_id(id).one(&state.db).await?)
}

async fn finish(
    state: &AppState,
    row: &outbox::Model,
    status: Status,
    error: Option<String>,
) -> AppResult<()> {
    let now = Utc::now();
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.map(|e| e.chars().take(200).collect::<String>())),
        )
        .filter(outbox::Column::Id.eq(row.id));
    if status == Status::Sent {
        update = update.col_expr(outbox::Column::SentAt, Expr::value(now));
    }
    if status == Status::Pending {
        // Back off: 2, 4, 8 … seconds.
        let wait = chrono::Duration::seconds(1 << row.attempts.clamp(1, 10));
        update = update.col_expr(outbox::Column::AvailableAt, Expr::value(now + wait));
    }
    update.exec(&state.db).await?;
    Ok(())
}

/// Tries again later, or gives up after enough attempts.
async fn retry(state: &AppState, row: &outbox::Model, why: String) -> AppResult<()> {
    let status = if row.attempts >= MAX_ATTEMPTS {
        Status::Failed
    } else {
        Status::Pending
    };
    finish(state, row, status, Some(why)).await
}

async fn deliver_console(state: &AppState, row: &outbox::Model) -> AppResult<()> {
    // The region and every region above it: a street's console sees its communities' orders.
    let region = crate::regions::find(&state.db, row.region_id).await?;
    for id in region.path.split('/').filter_map(|s| s.parse::<i64>().ok()) {
        if let Err(e) = state.kv.publish(&region_channel(id), &row.payload).await {
            return retry(state, row, e.to_string()).await;
        }
    }
    finish(state, row, Status::Sent, None).await
}

async fn credit(state: &AppState, user_id: i64, template: &str, delta: i32) -> AppResult<bool> {
    let mut update = subscription_credit::Entity::update_many()
        .col_expr(
            subscription_credit::Column::Credits,
            Expr::col(subscription_credit::Column::Credits).add(delta),
        )
        .col_expr(subscription_credit::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(subscription_credit::Column::UserId.eq(user_id))
        .filter(subscription_credit::Column::TemplateId.eq(template));
    if delta < 0 {
        update = update.filter(subscription_credit::Column::Credits.gte(-delta));
    }
    Ok(update.exec(&state.db).await?.rows_affected == 1)
}

async fn deliver_wechat(state: &AppState, row: &outbox::Model) -> AppResult<()> {
    let (Some(user_id), Some(template)) = (row.recipient_id, row.template_id.as_deref()) else {
        return finish(state, row, Status::Skipped, Some("no recipient".into())).await;
    };
    let openid = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .and_then(|u| u.openid);
    let Some(openid) = openid else {
        return finish(
            state,
            row,
            Status::Skipped,
            Some("recipient has no openid".into()),
        )
        .await;
    };
    // One accepted subscription, one message: never send without a credit.
    if !credit(state, user_id, template, -1).await? {
        return finish(state, row, Status::Skipped, Some("no subscription credit".into())).await;
    }
    let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    match state.wechat.send_subscribe(&openid, template, &payload).await {
        SendOutcome::Sent => finish(state, row, Status::Sent, None).await,
        SendOutcome::Refused(43101) => {
            // WeChat says the user has nothing left: our count was stale.
            subscription_credit::Entity::update_many()
                .col_expr(subscription_credit::Column::Credits, Expr::value(0))
                .filter(subscription_credit::Column::UserId.eq(user_id))
                .filter(subscription_credit::Column::TemplateId.eq(template))
                .exec(&state.db)
                .await?;
            finish(
                state,
                row,
                Status::Skipped,
                Some("43101: user has no subscription".into()),
            )
            .await
        }
        SendOutcome::Refused(code) => {
            finish(state, row, Status::Failed, Some(format!("errcode {code}"))).await
        }
        SendOutcome::Retry(why) => {
            credit(state, user_id, template, 1).await?;
            retry(state, row, why).await
        }
        SendOutcome::Unknown(why) => {
            finish(
                state,
                row,
                Status::Failed,
                Some(format!("delivery unknown: {why}")),
            )
            .await
        }
    }
}

/// A relay that died while publishing a console event left it `sending`: console events are
/// safe to publish twice (a console refetches), so they go back to the queue after a minute.
async fn requeue_console(state: &AppState, now: DateTime<Utc>) -> AppResult<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(Status::Pending))
        .filter(outbox::Column::Channel.eq(Channel::Console))
        .filter(outbox::Column::Status.eq(Status::Sending))
        .filter(outbox::Column::AvailableAt.lt(now - chrono::Duration::seconds(60)))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Delivers every row that is due at `now`; returns how many were handled.
pub async fn drain(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    requeue_console(state, now).await?;
    let mut handled = 0;
    loop {
        let due: Vec<i64> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(outbox::Column::Status.eq(Status::Pending))
            .filter(outbox::Column::AvailableAt.lte(now))
            .order_by_asc(outbox::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&state.db)
            .await?;
        if due.is_empty() {
            return Ok(handled);
        }
        for id in due {
            let Some(row) = claim(state, id).await? else {
                continue;
            };
            match row.channel {
                Channel::Console => deliver_console(state, &row).await?,
                Channel::Wechat => deliver_wechat(state, &row).await?,
            }
            handled += 1;
        }
    }
}
