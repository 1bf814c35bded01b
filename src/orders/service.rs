//! Order rules that touch storage: placing, transitions with their timeline, awards owed.

use super::state::{self, Action};
use crate::auth::Principal;
use crate::config::{Config, OrderRules};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::OrderChange;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::region::RegionKind;
use entity::service_order::DispatchMode;
use entity::service_order::{self, OrderStatus};
use entity::{award_claim, order_event, service_item};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Set,
};

/// One step of an order's life: what happens, who does it, and the fields it sets.
pub struct Step {
    pub action: Action,
    pub actor: Option<i64>,
    pub note: Option<String>,
    pub set: service_order::ActiveModel,
    pub at: DateTime<Utc>,
    /// Escalation moves the owning region: (from, to).
    pub region_move: Option<(i64, i64)>,
    /// A claim also checks the member's open orders (member id, limit).
    pub open_limit: Option<(i64, u64)>,
    /// Minutes reported and minutes to be credited, shown in the timeline.
    pub minutes: Option<i32>,
    pub credited: Option<i32>,
}

impl Step {
    pub fn new(action: Action, actor: Option<i64>, at: DateTime<Utc>) -> Step {
        Step {
            action,
            actor,
            note: None,
            set: Default::default(),
            at,
            region_move: None,
            open_limit: None,
            minutes: None,
            credited: None,
        }
    }

    pub fn note(mut self, note: Option<String>) -> Step {
        self.note = note;
        self
    }

    /// 派单 by `dispatcher`: `mode` is `assign`, `publish` or `unit`; the target is set by the caller.
    pub fn dispatch(mode: DispatchMode, dispatcher: i64, at: DateTime<Utc>) -> Step {
        let action = if mode == DispatchMode::Publish {
            Action::Publish
        } else {
            Action::Assign
        };
        let mut step = Step::new(action, Some(dispatcher), at);
        step.set.dispatcher_id = Set(Some(dispatcher));
        step.set.dispatched_at = Set(Some(at));
        step.set.dispatch_mode = Set(Some(mode));
        step
    }

    pub fn accept(actor: i64, at: DateTime<Utc>) -> Step {
        let mut step = Step::new(Action::Accept, Some(actor), at);
        step.set.claimed_at = Set(Some(at));
        step
    }

    pub fn start(actor: i64, at: DateTime<Utc>) -> Step {
        let mut step = Step::new(Action::Start, Some(actor), at);
        step.set.started_at = Set(Some(at));
        step
    }

    /// The resident's 评单. A low rating or `satisfied: false` sends the order to review (回访)
    /// instead of closing it; the rating is kept in the timeline either way.
    pub fn confirm(
        actor: i64,
        rating: i16,
        satisfied: Option<bool>,
        comment: Option<String>,
        at: DateTime<Utc>,
    ) -> Step {
        let mut step = if state::dissatisfied(rating, satisfied) {
            let mut note = format!("{rating} 星，不满意");
            if let Some(c) = &comment {
                note.push('：');
                note.extend(c.chars().take(480));
            }
            Step::new(Action::Dispute, Some(actor), at).note(Some(note))
        } else {
            let mut step = Step::new(Action::Confirm, Some(actor), at).note(comment.clone());
            step.set.closed_at = Set(Some(at));
            step
        };
        step.set.rating = Set(Some(rating));
        step.set.comment = Set(comment);
        step
    }

    /// Undoes a completion: its minutes, rating and timestamps go, so nothing of it is paid.
    pub fn forget_completion(&mut self) {
        self.set.started_at = Set(None);
        self.set.completed_at = Set(None);
        self.set.minutes = Set(None);
        self.set.credited_minutes = Set(None);
        self.set.completion_note = Set(None);
        self.set.completion_photos = Set("[]".into());
        self.set.rating = Set(None);
        self.set.comment = Set(None);
    }
}

/// The completion step: the member's reported minutes, and the minutes the close will credit
/// (bounded by the item and by the time since `start`, see [`super::minutes::credited`]).
/// `photos` is the JSON array of photo references.
#[allow(clippy::too_many_arguments)]
pub async fn completion(
    conn: &impl ConnectionTrait,
    rules: &OrderRules,
    order: &service_order::Model,
    actor: i64,
    minutes: i32,
    note: Option<String>,
    photos: String,
    at: DateTime<Utc>,
) -> AppResult<Step> {
    let item = item_of(conn, order).await?;
    let credited = super::minutes::credited(
        minutes,
        cap(rules, item.as_ref()),
        order.started_at,
        at,
        rules.minutes_slack,
    );
    let mut step = Step::new(Action::Complete, Some(actor), at).note(note.clone());
    step.set.minutes = Set(Some(minutes));
    step.set.credited_minutes = Set(Some(credited));
    step.set.completion_note = Set(note);
    step.set.completion_photos = Set(photos);
    step.set.completed_at = Set(Some(at));
    step.minutes = Some(minutes);
    step.credited = Some(credited);
    Ok(step)
}

async fn item_of(
    conn: &impl ConnectionTrait,
    order: &service_order::Model,
) -> AppResult<Option<service_item::Model>> {
    Ok(match order.service_item_id {
        Some(id) => service_item::Entity::find_by_id(id).one(conn).await?,
        None => None,
    })
}

fn cap(rules: &OrderRules, item: Option<&service_item::Model>) -> i32 {
    item.map_or(rules.default_max_minutes, |i| i.max_minutes)
}

/// The minutes a close of `order` credits unless staff lower them on review. Orders completed
/// before credits were kept get the same rule from their timestamps.
pub async fn to_credit(
    conn: &impl ConnectionTrait,
    rules: &OrderRules,
    order: &service_order::Model,
) -> AppResult<i32> {
    if let Some(c) = order.credited_minutes {
        return Ok(c);
    }
    let item = item_of(conn, order).await?;
    Ok(super::minutes::credited(
        order.minutes.unwrap_or(0),
        cap(rules, item.as_ref()),
        order.started_at,
        order.completed_at.unwrap_or(order.updated_at),
        rules.minutes_slack,
    ))
}

/// The answer when an order is no longer where `action` needs it.
pub fn refused(current: OrderStatus, action: Action) -> AppError {
    if action == Action::Claim && current != OrderStatus::Published {
        return AppError::new(ErrorCode::OrderAlreadyClaimed).with_detail(format!(
            "订单当前状态为 {}（{}）",
            status_name(current),
            state::label(current)
        ));
    }
    AppError::new(ErrorCode::OrderInvalidTransition).with_detail(format!(
        "订单当前状态为 {}（{}）",
        status_name(current),
        state::label(current)
    ))
}

pub fn status_name(s: OrderStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Applies `step` if the order is still where it was read: one conditional update, checked by
/// rows affected, and its timeline event, in the caller's transaction. A lost race answers 409.
pub async fn apply(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    order: &service_order::Model,
    step: Step,
) -> AppResult<service_order::Model> {
    let action = step.action;
    let to = state::next(order.status, step.action).ok_or_else(|| refused(order.status, step.action))?;
    let mut set = step.set;
    set.status = Set(to);
    set.updated_at = Set(step.at);
    if !set.due_at.is_set() {
        // The next step's deadline, where the order is owned after this one.
        let owner = step.region_move.map_or(order.region_id, |m| m.1);
        let due = crate::regions::deadlines::order_due(conn, cfg, owner, to, order.urgency, step.at).await?;
        set.due_at = Set(due);
    }
    if let Some((member, limit)) = step.open_limit {
        // Lock the member first: their claims and accepts then count one after another (SQLite
        // serialises write transactions anyway).
        // `FOR NO KEY UPDATE`: as strong as needed to queue them, without blocking rows that
        // merely refer to the user (foreign keys take `FOR KEY SHARE`).
        let mut lock = entity::user::Entity::find_by_id(member)
            .select_only()
            .column(entity::user::Column::Id);
        if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
            lock = lock.lock(sea_orm::sea_query::LockType::NoKeyUpdate);
        }
        lock.into_tuple::<i64>().one(conn).await?;
        let open = service_order::Entity::find()
            .filter(service_order::Column::AssigneeId.eq(member))
            .filter(service_order::Column::Status.is_in([OrderStatus::Claimed, OrderStatus::InService]))
            .count(conn)
            .await?;
        if open >= limit {
            return Err(AppError::new(ErrorCode::TooManyOpenOrders));
        }
    }
    // Conditioned on the version read, not only the status: a state that went away and came
    // back (declined and re-assigned, escalated and still submitted) is a different order now.
    let change = service_order::Entity::update_many()
        .set(set)
        .filter(service_order::Column::Id.eq(order.id))
        .filter(service_order::Column::Status.eq(order.status))
        .filter(service_order::Column::UpdatedAt.eq(order.updated_at));
    // The order as the update left it (one statement on PostgreSQL): no second read.
    let updated =
        crate::db::update_returning(conn, change, service_order::Entity::find_by_id(order.id)).await?;
    let Some(updated) = updated else {
        let current = find(conn, order.id).await?;
        if current.status == order.status && step.action != Action::Claim {
            return Err(AppError::new(ErrorCode::OrderChanged));
        }
        return Err(refused(current.status, step.action));
    };
    order_event::ActiveModel {
        order_id: Set(order.id),
        actor_id: Set(step.actor),
        action: Set(step.action),
        from_status: Set(Some(order.status)),
        to_status: Set(to),
        from_region_id: Set(step.region_move.map(|m| m.0)),
        to_region_id: Set(step.region_move.map(|m| m.1)),
        note: Set(step.note),
        minutes: Set(step.minutes),
        credited_minutes: Set(step.credited),
        created_at: Set(step.at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if to == OrderStatus::Closed {
        record_award(conn, &cfg.orders, &updated, step.at).await?;
        crate::ledger::awards::post_for_order(conn, cfg, updated.id, step.at).await?;
    }
    let change = OrderChange {
        before: Some(order),
        after: &updated,
        action,
        actor: step.actor,
        status_label: state::label(updated.status),
        at: step.at,
    };
    crate::notify::enqueue(conn, &cfg.notify, change).await?;
    Ok(updated)
}

/// Writes a timeline event that leaves the status as it is (吹哨, 报到, a missed deadline), in the
/// caller's transaction.
pub async fn remark(
    conn: &impl ConnectionTrait,
    order: &service_order::Model,
    action: Action,
    actor: Option<i64>,
    note: String,
    at: DateTime<Utc>,
) -> AppResult<()> {
    order_event::ActiveModel {
        order_id: Set(order.id),
        actor_id: Set(actor),
        action: Set(action),
        from_status: Set(Some(order.status)),
        to_status: Set(order.status),
        note: Set(Some(note)),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The order, read for update in the caller's transaction (PostgreSQL; SQLite has one writer).
pub async fn lock(conn: &impl ConnectionTrait, id: i64) -> AppResult<service_order::Model> {
    service_order::Entity::find_by_id(id)
        .lock(sea_orm::sea_query::LockType::Update)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<service_order::Model> {
    service_order::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// What the member is owed for a closed order: its credited minutes, and the item's coins.
/// Unique per order, so however the order closed it is owed once.
async fn record_award(
    conn: &impl ConnectionTrait,
    rules: &OrderRules,
    order: &service_order::Model,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let Some(member) = order.assignee_id else {
        return Ok(());
    };
    let item = item_of(conn, order).await?;
    let minutes = to_credit(conn, rules, order).await?;
    let origin = crate::regions::find(conn, order.origin_region_id).await?;
    let community = crate::regions::community_of(conn, &origin)
        .await?
        .map_or(order.origin_region_id, |c| c.id);
    let claim = award_claim::ActiveModel {
        order_id: Set(order.id),
        member_id: Set(member),
        community_id: Set(community),
        minutes: Set(minutes.max(0)),
        coins: Set(item.as_ref().map_or(0, |i| i.coins)),
        created_at: Set(at),
        posted_at: Set(None),
        ..Default::default()
    };
    award_claim::Entity::insert(claim)
        .on_conflict_do_nothing_on([award_claim::Column::OrderId])
        .exec(conn)
        .await?;
    Ok(())
}

#[derive(Clone)]
pub struct NewOrder {
    pub region_id: i64,
    pub service_item_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub address: String,
    pub contact_phone: Option<String>,
    pub preferred_time: Option<DateTime<Utc>>,
    pub photos: Vec<String>,
    /// 代办: the staff member who placed it for the resident.
    pub placed_by: Option<i64>,
    pub urgency: entity::whistle::Urgency,
    pub severity: Option<entity::problem::Severity>,
    /// The problem-list item it is placed for.
    pub problem_id: Option<i64>,
    /// The first timeline event's note (代办 has its own).
    pub note: Option<String>,
}

/// Places an order for the caller where they live (or, 代办, by staff for a resident of theirs),
/// in the caller's transaction; retries with
/// a key are [`crate::idempotency`]'s business.
pub async fn place(
    conn: &impl ConnectionTrait,
    state: &AppState,
    p: &Principal,
    mut new: NewOrder,
    on_behalf: Option<&super::proxy::OnBehalfIn>,
) -> AppResult<service_order::Model> {
    let target = crate::regions::find(conn, new.region_id).await?;
    let placeable = matches!(
        target.kind,
        RegionKind::Community | RegionKind::Grid | RegionKind::Building
    );
    if !placeable {
        return Err(AppError::new(ErrorCode::OrderRegionInvalid));
    }
    let resident = match on_behalf {
        // 代办: the staff member answers for the resident; no hourly limit on staff.
        Some(who) => {
            new.placed_by = Some(p.id());
            super::proxy::resident_for(conn, &state.pii, p, &target, who, &new.address).await?
        }
        None if crate::residences::may_order_at(conn, p, &target).await? => p.id(),
        None => return Err(AppError::new(ErrorCode::OrderRegionInvalid)),
    };
    if let Some(item_id) = new.service_item_id {
        let item = service_item::Entity::find_by_id(item_id).one(conn).await?;
        let community = crate::regions::community_of(conn, &target).await?;
        let usable = item.is_some_and(|i| i.active && community.is_some_and(|c| c.id == i.community_id));
        if !usable {
            return Err(AppError::new(ErrorCode::ServiceItemUnavailable));
        }
    }
    // Only orders that would be placed count against the hourly limit.
    if on_behalf.is_none() {
        crate::ratelimit::hit(
            &state.kv,
            &format!("orders:submit:{}", p.id()),
            state.config.orders.submits_per_hour,
            std::time::Duration::from_secs(3600),
        )
        .await?;
    }
    insert(conn, &state.config, &state.pii, resident, new, None, Utc::now()).await
}

/// Writes a submitted order with its first timeline event and notifications (checks done by the caller).
pub async fn insert(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    pii: &crate::pii::Pii,
    resident: i64,
    new: NewOrder,
    key: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<service_order::Model> {
    let due = crate::regions::deadlines::order_due(
        conn,
        cfg,
        new.region_id,
        OrderStatus::Submitted,
        new.urgency,
        now,
    )
    .await?;
    let order = service_order::ActiveModel {
        urgency: Set(new.urgency),
        severity: Set(new.severity),
        problem_id: Set(new.problem_id),
        due_at: Set(due),
        region_id: Set(new.region_id),
        origin_region_id: Set(new.region_id),
        resident_id: Set(resident),
        service_item_id: Set(new.service_item_id),
        title: Set(new.title),
        description: Set(new.description),
        address: Set(new.address),
        contact_phone_enc: Set(new.contact_phone.map(|ph| pii.encrypt(&ph))),
        preferred_time: Set(new.preferred_time),
        photos: Set(serde_json::to_string(&new.photos).unwrap_or_else(|_| "[]".into())),
        status: Set(OrderStatus::Submitted),
        completion_photos: Set("[]".into()),
        client_key: Set(key),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let (action, actor, note) = match new.placed_by {
        Some(staff) => (
            Action::ProxySubmit,
            staff,
            Some("代办：工作人员替居民下单".to_owned()),
        ),
        None => (Action::Submit, resident, new.note.clone()),
    };
    order_event::ActiveModel {
        order_id: Set(order.id),
        actor_id: Set(Some(actor)),
        action: Set(action),
        from_status: Set(None),
        to_status: Set(OrderStatus::Submitted),
        note: Set(note),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let change = OrderChange {
        before: None,
        after: &order,
        action: Action::Submit,
        actor: Some(resident),
        status_label: state::label(order.status),
        at: now,
    };
    crate::notify::enqueue(conn, &cfg.notify, change).await?;
    Ok(order)
}

/// The step that moves an order to its region's parent, clearing any pool it was published to.
pub async fn escalation(
    conn: &impl ConnectionTrait,
    order: &service_order::Model,
    actor: Option<i64>,
    at: DateTime<Utc>,
    note: Option<String>,
) -> AppResult<Step> {
    let owner = crate::regions::find(conn, order.region_id).await?;
    let parent = owner
        .parent_id
        .ok_or_else(|| AppError::new(ErrorCode::EscalationTop))?;
    let mut step = Step::new(Action::Escalate, actor, at).note(note);
    step.set.region_id = Set(parent);
    step.set.pool_region_id = Set(None);
    step.set.pool_skill = Set(None);
    step.set.dispatch_mode = Set(None);
    step.region_move = Some((owner.id, parent));
    Ok(step)
}
