//! Notifications. Each order transition that someone must act on writes outbox rows in its own
//! transaction; the relay delivers them: WeChat subscribe messages (counting the credits the
//! mini-program reports) and console events fanned out through the KV store's pub/sub, which
//! dispatch consoles read as server-sent events.

mod handlers;
pub mod relay;
pub mod streams;

use crate::config::NotifyConfig;
use crate::orders::state::{self, Action};
use chrono::{DateTime, Utc};
use entity::outbox;
use entity::role_grant::{self, Role};
use entity::service_order::{self, OrderStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::subscribe).service(handlers::events);
}

pub const CONSOLE: &str = "console";
pub const WECHAT: &str = "wechat";

/// The pub/sub channel of a region's console.
pub fn region_channel(region_id: i64) -> String {
    format!("region-events:{region_id}")
}

/// Who must hear of this step by WeChat, and with which template: whoever must act next, and
/// whoever the step takes something from.
async fn wechat_recipients(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    before: Option<&service_order::Model>,
    after: &service_order::Model,
    action: Action,
    actor: Option<i64>,
) -> Result<Vec<(i64, String)>, DbErr> {
    let mut out = Vec::new();
    let (assigned, progress) = (cfg.template_assigned.clone(), cfg.template_progress.clone());
    let mut tell = |who: Option<i64>, template: &Option<String>| {
        if let (Some(who), Some(t)) = (who, template) {
            out.push((who, t.clone()));
        }
    };
    match action {
        Action::Assign if after.assignee_id.is_some() => tell(after.assignee_id, &assigned),
        Action::Assign => {
            // Dispatched to a unit: its admins pick the member.
            let admins = role_grant::Entity::find()
                .filter(role_grant::Column::Role.eq(Role::UnitAdmin))
                .filter(role_grant::Column::UnitId.eq(after.unit_id))
                .all(conn)
                .await?;
            for a in admins {
                tell(Some(a.user_id), &assigned);
            }
        }
        Action::Accept => {
            tell(Some(after.resident_id), &progress);
            // A unit admin named the member: the member learns of it.
            if actor != after.assignee_id {
                tell(after.assignee_id, &assigned);
            }
        }
        Action::Claim | Action::Start | Action::Complete | Action::Reject => {
            tell(Some(after.resident_id), &progress)
        }
        Action::Cancel | Action::ReleaseToPool | Action::ReturnToDispatcher | Action::Redispatch => {
            tell(before.and_then(|b| b.assignee_id), &progress)
        }
        // 回访: the member must serve again, or learns what was paid; the resident hears the outcome.
        Action::Redo => tell(after.assignee_id, &progress),
        Action::ReviewClose => {
            tell(after.assignee_id, &progress);
            tell(Some(after.resident_id), &progress);
        }
        _ => {}
    }
    Ok(out)
}

async fn row(
    conn: &impl ConnectionTrait,
    channel: &str,
    o: &service_order::Model,
    recipient: Option<(i64, String)>,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::ActiveModel {
        channel: Set(channel.into()),
        order_id: Set(o.id),
        region_id: Set(o.region_id),
        recipient_id: Set(recipient.as_ref().map(|r| r.0)),
        template_id: Set(recipient.map(|r| r.1)),
        payload: Set(payload.to_string()),
        status: Set("pending".into()),
        attempts: Set(0),
        available_at: Set(at),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Writes what a step (already applied: `before` → `o`, by `actor`) owes, in the caller's
/// transaction. `step` is `None` for a newly placed order.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    before: Option<&service_order::Model>,
    o: &service_order::Model,
    step: Option<(Action, Option<i64>)>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let action = step.map(|s| s.0);
    let name = action.map_or("submit", Action::as_str);
    let console = json!({
        "type": "order",
        "order_id": o.id.to_string(),
        "action": name,
        "status": o.status,
        "region_id": o.region_id.to_string(),
        "at": at,
    });
    row(conn, CONSOLE, o, None, console, at).await?;
    let recipients = match step {
        Some((a, actor)) => wechat_recipients(conn, cfg, before, o, a, actor).await?,
        None => Vec::new(),
    };
    for recipient in recipients {
        let mut title: String = o.title.chars().take(20).collect();
        if title.is_empty() {
            title = "服务订单".into();
        }
        let data = json!({
            "thing1": {"value": title},
            "phrase2": {"value": label(o.status)},
            "time3": {"value": at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8")).format("%Y-%m-%d %H:%M").to_string()},
        });
        row(
            conn,
            WECHAT,
            o,
            Some(recipient),
            json!({"page": format!("{}?id={}", cfg.page, o.id), "data": data}),
            at,
        )
        .await?;
    }
    Ok(())
}

fn label(s: OrderStatus) -> &'static str {
    state::label(s)
}
