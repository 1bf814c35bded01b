//! What an order transition (or an activity change) owes: a console event always, WeChat messages
//! to whoever must act next or loses something. Written in the caller's transaction as outbox rows.

use chrono::{DateTime, Utc};
use entity::order_event::Action;
use entity::outbox::{self, Channel, Status};
use entity::role_grant::{self, Role};
use entity::{activity, service_order};
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

/// What a notice is about: an order or an activity, and the region whose consoles hear of it.
#[derive(Clone, Copy)]
struct Subject {
    order_id: Option<i64>,
    activity_id: Option<i64>,
    wish_id: Option<i64>,
    region_id: i64,
}

impl From<&service_order::Model> for Subject {
    fn from(o: &service_order::Model) -> Subject {
        Subject {
            order_id: Some(o.id),
            activity_id: None,
            wish_id: None,
            region_id: o.region_id,
        }
    }
}

async fn row(
    conn: &impl ConnectionTrait,
    channel: Channel,
    subject: Subject,
    recipient: Option<(i64, String)>,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::ActiveModel {
        channel: Set(channel),
        order_id: Set(subject.order_id),
        activity_id: Set(subject.activity_id),
        wish_id: Set(subject.wish_id),
        region_id: Set(subject.region_id),
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
    row(conn, Channel::Console, o.into(), None, console, at).await?;
    for recipient in wechat_recipients(conn, cfg, &change).await? {
        let mut title: String = o.title.chars().take(20).collect();
        if title.is_empty() {
            title = "服务订单".into();
        }
        let data = template_data(&title, change.status_label, at);
        row(
            conn,
            Channel::Wechat,
            o.into(),
            Some(recipient),
            json!({"page": format!("{}?id={}", cfg.page, o.id), "data": data}),
            at,
        )
        .await?;
    }
    Ok(())
}

/// The fields every template here has: `thing1` (title), `phrase2` (status), `time3` (time).
fn template_data(title: &str, status: &str, at: DateTime<Utc>) -> serde_json::Value {
    let local = at.with_timezone(&crate::calendar::china());
    json!({
        "thing1": {"value": title},
        "phrase2": {"value": status},
        "time3": {"value": local.format("%Y-%m-%d %H:%M").to_string()},
    })
}

/// A change to an activity that its participants must hear of.
pub struct ActivityChange<'a> {
    pub activity: &'a activity::Model,
    /// Who is told by WeChat (when the activity template is configured).
    pub recipients: Vec<i64>,
    /// What happened, as the member reads it (e.g. 候补转正, 活动取消); `phrase2` of the template.
    pub status_label: &'static str,
    /// The console event's `action`.
    pub action: &'static str,
    pub at: DateTime<Utc>,
}

/// Writes what an activity change owes, in the caller's transaction: an event on the consoles of
/// the activity's region, and a WeChat message to each recipient. `time3` is the activity's start.
pub async fn enqueue_activity(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    change: ActivityChange<'_>,
) -> Result<(), DbErr> {
    let (a, at) = (change.activity, change.at);
    let subject = Subject {
        order_id: None,
        activity_id: Some(a.id),
        wish_id: None,
        region_id: a.region_id,
    };
    let console = json!({
        "type": "activity",
        "activity_id": a.id.to_string(),
        "action": change.action,
        "status": a.status,
        "region_id": a.region_id.to_string(),
        "at": at,
    });
    row(conn, Channel::Console, subject, None, console, at).await?;
    let Some(template) = &cfg.template_activity else {
        return Ok(());
    };
    let title: String = a.title.chars().take(20).collect();
    let data = template_data(&title, change.status_label, a.starts_at);
    for who in change.recipients {
        row(
            conn,
            Channel::Wechat,
            subject,
            Some((who, template.clone())),
            json!({"page": format!("{}?id={}", cfg.activity_page, a.id), "data": data}),
            at,
        )
        .await?;
    }
    Ok(())
}

/// A wish's step its resident or claimer must hear of (sent with the progress template, as an
/// order's progress is: the wish's title, its new state, when).
pub struct WishChange<'a> {
    pub wish_id: i64,
    /// The region it was posted in.
    pub region_id: i64,
    pub recipient: i64,
    pub title: &'a str,
    /// The new state as the recipient reads it (e.g. 已被认领); `phrase2` of the template.
    pub status_label: &'static str,
    pub at: DateTime<Utc>,
}

/// Writes the WeChat message a wish's step owes, in the caller's transaction.
pub async fn enqueue_wish(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    change: WishChange<'_>,
) -> Result<(), DbErr> {
    let subject = Subject {
        order_id: None,
        activity_id: None,
        wish_id: Some(change.wish_id),
        region_id: change.region_id,
    };
    let page = format!("{}?id={}", cfg.wish_page, change.wish_id);
    let message = Personal {
        recipient: change.recipient,
        title: change.title,
        status_label: change.status_label,
        page,
        at: change.at,
    };
    personal(conn, cfg, subject, message).await
}

/// A volunteer's star level rose (志愿服务评星): told with the progress template, opening their
/// service record.
pub struct StarChange {
    pub user_id: i64,
    /// The region of the service that raised it.
    pub region_id: i64,
    /// The new level, from 1.
    pub level: u8,
    pub at: DateTime<Utc>,
}

/// Writes the WeChat message a star level owes, in the caller's transaction.
pub async fn enqueue_star(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    change: StarChange,
) -> Result<(), DbErr> {
    const LABELS: [&str; 5] = ["升至一星", "升至二星", "升至三星", "升至四星", "升至五星"];
    let label = LABELS
        .get(usize::from(change.level).saturating_sub(1))
        .copied()
        .unwrap_or("星级提升");
    let subject = Subject {
        order_id: None,
        activity_id: None,
        wish_id: None,
        region_id: change.region_id,
    };
    let message = Personal {
        recipient: change.user_id,
        title: "志愿服务星级",
        status_label: label,
        page: cfg.record_page.clone(),
        at: change.at,
    };
    personal(conn, cfg, subject, message).await
}

/// One person's progress message: a title, its new state, when.
struct Personal<'a> {
    recipient: i64,
    title: &'a str,
    status_label: &'a str,
    page: String,
    at: DateTime<Utc>,
}

/// Writes `message` when the progress template is configured (without one nobody can be told,
/// as for orders).
async fn personal(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    subject: Subject,
    message: Personal<'_>,
) -> Result<(), DbErr> {
    let Some(template) = &cfg.template_progress else {
        return Ok(());
    };
    let title: String = message.title.chars().take(20).collect();
    let data = template_data(&title, message.status_label, message.at);
    row(
        conn,
        Channel::Wechat,
        subject,
        Some((message.recipient, template.clone())),
        json!({"page": message.page, "data": data}),
        message.at,
    )
    .await
}

/// A 问题清单 reminder (a deadline coming), sent with the progress template: what it is about,
/// what is due, when.
pub struct ProblemNotice<'a> {
    /// The community whose list it is about.
    pub region_id: i64,
    pub recipient: i64,
    pub title: &'a str,
    /// What is due, as the recipient reads it (e.g. 明日移交); `phrase2` of the template.
    pub status_label: &'static str,
    /// The query of `WECHAT_PAGE_PROBLEM` the message opens (e.g. `id=12`).
    pub query: String,
    pub at: DateTime<Utc>,
}

/// Writes the WeChat message a problem-list reminder owes, in the caller's transaction.
pub async fn enqueue_problem(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    notice: ProblemNotice<'_>,
) -> Result<(), DbErr> {
    let subject = Subject {
        order_id: None,
        activity_id: None,
        wish_id: None,
        region_id: notice.region_id,
    };
    let message = Personal {
        recipient: notice.recipient,
        title: notice.title,
        status_label: notice.status_label,
        page: format!("{}?{}", cfg.problem_page, notice.query),
        at: notice.at,
    };
    personal(conn, cfg, subject, message).await
}
