//! Reading the record: a volunteer's own (with their stars), the services organised in a region
//! for its staff, and one person's services in a period (certificates).

use super::credit::total_minutes;
use super::stars::{StarsOut, stars};
use crate::api::{Id, Page, PageQuery, cut};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::export::table::{Cells, CsvRow};
use chrono::{DateTime, NaiveDate, Utc};
use entity::service_record::{self, RecordKind};
use entity::{region, user};
use sea_orm::sea_query::LockType;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One row of the record as stored.
pub type Item = service_record::Model;

/// 志愿服务记录条目（只增不改；更正以一条负数记录表示，并写明原因）
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    pub id: Id,
    /// order：服务订单；activity：志愿活动；correction：对某条记录的更正（冲减）
    pub kind: RecordKind,
    /// 志愿者 id
    pub user_id: Id,
    /// 志愿者姓名（仅工作人员查看辖区记录时返回）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volunteer_name: Option<String>,
    /// 来源订单
    pub order_id: Option<Id>,
    /// 来源活动
    pub activity_id: Option<Id>,
    /// 更正所针对的记录 id
    pub corrects_id: Option<Id>,
    /// 组织方（社区、网格或驻区单位名称）
    pub organiser: String,
    /// 服务内容
    pub content: String,
    /// 服务时间
    pub served_at: DateTime<Utc>,
    /// 认定时长（分钟；更正为负数）
    pub minutes: i32,
    /// 绿币（更正为负数）
    pub coins: i32,
    /// 更正原因
    pub reason: Option<String>,
    /// 记入时间
    pub recorded_at: DateTime<Utc>,
}

impl CsvRow for ItemOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "记录编号",
            "服务时间",
            "类别",
            "志愿者编号",
            "志愿者",
            "来源订单编号",
            "来源活动编号",
            "更正的记录编号",
            "组织方",
            "服务内容",
            "时长（分钟）",
            "绿币",
            "更正原因",
            "记入时间",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        out.id(self.id)
            .time(self.served_at)
            .code(&self.kind)
            .id(self.user_id)
            .opt_text(self.volunteer_name.as_deref())
            .opt_id(self.order_id)
            .opt_id(self.activity_id)
            .opt_id(self.corrects_id)
            .text(&self.organiser)
            .text(&self.content)
            .value(self.minutes)
            .value(self.coins)
            .opt_text(self.reason.as_deref())
            .time(self.recorded_at);
    }
}

impl ItemOut {
    pub fn new(r: Item, volunteer_name: Option<String>) -> ItemOut {
        ItemOut {
            id: Id(r.id),
            kind: r.kind,
            user_id: Id(r.user_id),
            volunteer_name,
            order_id: r.order_id.map(Id),
            activity_id: r.activity_id.map(Id),
            corrects_id: r.corrects_id.map(Id),
            organiser: r.organiser,
            content: r.content,
            served_at: r.served_at,
            minutes: r.minutes,
            coins: r.coins,
            reason: r.reason,
            recorded_at: r.created_at,
        }
    }
}

/// 我的志愿服务记录
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordOut {
    /// 累计认定时长（分钟，已扣除更正）
    pub total_minutes: i64,
    pub stars: StarsOut,
    /// 最新的在前
    pub items: Vec<ItemOut>,
    /// 下一页游标；为 null 表示没有更多
    pub next_cursor: Option<String>,
}

/// A row by id, or 404.
pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<Item> {
    service_record::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// A row locked for the rest of the transaction (PostgreSQL `FOR UPDATE`; SQLite's write
/// transaction already holds the one write lock).
pub async fn lock(conn: &impl ConnectionTrait, id: i64) -> AppResult<Item> {
    let mut q = service_record::Entity::find_by_id(id);
    if conn.get_database_backend() == DbBackend::Postgres {
        q = q.lock(LockType::Update);
    }
    q.one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// The corrections of row `id`, oldest first.
pub async fn corrections_of(conn: &impl ConnectionTrait, id: i64) -> AppResult<Vec<Item>> {
    Ok(service_record::Entity::find()
        .filter(service_record::Column::CorrectsId.eq(id))
        .order_by_asc(service_record::Column::Id)
        .all(conn)
        .await?)
}

/// The volunteer's record, newest first, with their total and stars.
pub async fn mine(
    conn: &impl ConnectionTrait,
    hours: &[i64],
    user_id: i64,
    q: &PageQuery,
) -> AppResult<RecordOut> {
    let limit = q.limit();
    let query = crate::db::newest_of(
        service_record::Entity::find(),
        service_record::Column::UserId,
        user_id,
        service_record::Column::Id,
        q.before_id()?,
    )
    .limit(limit + 1);
    let page = Page::from_rows(query.all(conn).await?, limit, |r| r.id, |r| ItemOut::new(r, None));
    let total_minutes = total_minutes(conn, user_id).await?;
    Ok(RecordOut {
        total_minutes,
        stars: stars(hours, total_minutes),
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// The volunteer's cumulative minutes and stars.
pub async fn standing(conn: &impl ConnectionTrait, hours: &[i64], user_id: i64) -> AppResult<StarsOut> {
    Ok(stars(hours, total_minutes(conn, user_id).await?))
}

/// Services organised under `root` (its whole subtree), of one volunteer when `user` is given,
/// newest first, with the volunteers' names.
pub async fn in_region(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    user: Option<i64>,
    q: &PageQuery,
) -> AppResult<Page<ItemOut>> {
    let limit = q.limit();
    let mut query = service_record::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&root.path))
        .order_by_desc(service_record::Column::Id)
        .limit(limit + 1);
    if let Some(u) = user {
        query = query.filter(service_record::Column::UserId.eq(u));
    }
    if let Some(before) = q.before_id()? {
        query = query.filter(service_record::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, limit, |r| r.id);
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let name = names.get(&r.user_id).cloned();
            ItemOut::new(r, name)
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// The volunteer's rows served in the China days `from` through `to`, oldest first
/// (corrections with the rows they correct, dated as those are).
pub async fn in_period(
    conn: &impl ConnectionTrait,
    user_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Item>> {
    let (start, end) = crate::calendar::days_bounds(from, to);
    Ok(service_record::Entity::find()
        .filter(service_record::Column::UserId.eq(user_id))
        .filter(service_record::Column::ServedAt.gte(start))
        .filter(service_record::Column::ServedAt.lt(end))
        .order_by_asc(service_record::Column::ServedAt)
        .order_by_asc(service_record::Column::Id)
        .all(conn)
        .await?)
}
