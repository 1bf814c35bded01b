//! What an order transition owes: a console event always, WeChat messages to whoever must act
//! next or loses something. Written in the caller's transaction as outbox rows.

use chrono::{DateTime, Utc};
use entity::order_event::Action;
use entity::outbox::{self, Channel, Status, Subject};
use entity::role_grant::{self, Role};
use entity::service_order;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::config::NotifyConfig;

/// The pub/sub channel of a region's console.
pub fn region_channel(region_id: i64) -> String {
    format!("region-events:{region_id}")
}

/// An order transition already applied (`before` → `after`, by `actor`); `before` is `None`
/// for a newly placed order.
pub struct OrderChange<'a> {
    pub before: Option<&'a service_order::Model>,
    pub after: &'a service_order::Model,
    pub action: Action,
    pub actor: Option<i64>,
    /// The new status as residents read it (e.g. 已接单).
    pub status_label: &'static str,
    pub at: DateTime<Utc>,
}

/// Who must hear of this step by WeChat, and with which template: whoever must act next, and
/// whoever the step takes something from.
async fn wechat_recipients(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    change: &OrderChange<'_>,
) -> Result<Vec<(i64, String)>, DbErr> {
    let (before, after) = (change.before, change.after);
    let mut out = Vec::new();
    let (assigned, progress) = (cfg.template_assigned.clone(), cfg.template_progress.clone());
    let mut tell = |who: Option<i64>, template: &Option<String>| {
        if let (Some(who), Some(t)) = (who, template) {
            out.push((who, t.clone()));
        }
    };
    match change.action {
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
            if change.actor != after.assignee_id {
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
    channel: Channel,
    o: &service_order::Model,
    recipient: Option<(i64, String)>,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::ActiveModel {
        channel: Set(channel),
        subject: Set(Subject::Order),
        order_id: Set(o.id),
        region_id: Set(o.region_id),
        recipient_id: Set(recipient.as_ref().map(|r| r.0)),
        template_id: Set(recipient.map(|r| r.1)),
        payload: Set(payload.to_string()),
        status: Set(Status::Pending),
        attempts: Set(0),
        available_at: Set(at),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Writes what `change` owes, in the caller's transaction.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    change: OrderChange<'_>,
) -> Result<(), DbErr> {
    let (o, at) = (change.after, change.at);
    let console = json!({
        "type": "order",
        "order_id": o.id.to_string(),
        "action": change.action,
        "status": o.status,
        "region_id": o.region_id.to_string(),
        "at": at,
    });
    row(conn, Channel::Console, o, None, console, at).await?;
    for recipient in wechat_recipients(conn, cfg, &change).await? {
        let mut title: String = o.title.chars().take(20).collect();
        if title.is_empty() {
            title = "服务订单".into();
        }
        let local = at.with_timezone(&crate::calendar::china());
        let data = json!({
            "thing1": {"value": title},
            "phrase2": {"value": change.status_label},
            "time3": {"value": local.format("%Y-%m-%d %H:%M").to_string()},
        });
        row(
            conn,
            Channel::Wechat,
            o,
            Some(recipient),
            json!({"page": format!("{}?id={}", cfg.page, o.id), "data": data}),
            at,
        )
        .await?;
    }
    Ok(())
}

/// A WeChat message about something other than an order (a wish), with the same template data
/// as an order's progress: what (`thing1`), its new state (`phrase2`), when (`time3`).
pub struct Message<'a> {
    pub subject: Subject,
    pub subject_id: i64,
    /// The region it belongs to.
    pub region_id: i64,
    pub recipient: i64,
    pub title: &'a str,
    pub status_label: &'a str,
    /// The mini-program page, without the `?id=`.
    pub page: &'a str,
    pub at: DateTime<Utc>,
}

/// Writes `m` as an outbox row in the caller's transaction, when the progress template is
/// configured (without one nobody can be told, as for orders).
pub async fn enqueue_message(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    m: Message<'_>,
) -> Result<(), DbErr> {
    let Some(template) = cfg.template_progress.clone() else {
        return Ok(());
    };
    let title: String = m.title.chars().take(20).collect();
    let local = m.at.with_timezone(&crate::calendar::china());
    let data = json!({
        "thing1": {"value": title},
        "phrase2": {"value": m.status_label},
        "time3": {"value": local.format("%Y-%m-%d %H:%M").to_string()},
    });
    outbox::ActiveModel {
        channel: Set(Channel::Wechat),
        subject: Set(m.subject),
        order_id: Set(m.subject_id),
        region_id: Set(m.region_id),
        recipient_id: Set(Some(m.recipient)),
        template_id: Set(Some(template)),
        payload: Set(json!({"page": format!("{}?id={}", m.page, m.subject_id), "data": data}).to_string()),
        status: Set(Status::Pending),
        attempts: Set(0),
        available_at: Set(m.at),
        created_at: Set(m.at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
