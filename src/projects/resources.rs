//! 资源清单: a unit reported to a community offers it a venue, volunteers, funds, skills… with
//! when it is available; the unit (or staff over the community) withdraws it. People of the
//! community see what is offered (without the contact phone); staff and the offering unit see
//! everything, withdrawn offers included.

use super::view::{UnitNames, day_problems};
use super::visibility::{Standing, admin_of, community_for, community_of, list_scope, require, units_here};
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::project_resource::{self as resource, ResourceKind, ResourceState};
use entity::{region, unit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 提供资源
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceIn {
    /// 以哪个单位提供：你任管理员、且在该社区报到的单位；只有一个时可省略。社区工作者代单位登记时必填
    pub unit_id: Option<Id>,
    /// venue 场地 / volunteers 志愿者 / funds 资金 / skills 技能 / other 其他
    pub kind: ResourceKind,
    /// 资源名称
    #[validate(length(min = 1, max = 60, message = "名称为 1 到 60 个字"))]
    #[schema(example = "单位多功能厅", min_length = 1, max_length = 60)]
    pub title: String,
    /// 资源说明
    #[validate(length(min = 1, max = 1000, message = "说明为 1 到 1000 个字"))]
    #[schema(
        example = "可容纳 80 人，带投影，周末可借用",
        min_length = 1,
        max_length = 1000
    )]
    pub description: String,
    /// 数量（文字），如“50 平方米”“10 人”“2 万元”
    #[validate(length(min = 1, max = 60, message = "数量为 1 到 60 个字"))]
    #[schema(example = "120 平方米", min_length = 1, max_length = 60)]
    pub quantity: Option<String>,
    /// 可提供的起始日期（YYYY-MM-DD）
    pub available_from: Option<NaiveDate>,
    /// 可提供的截止日期（YYYY-MM-DD），不早于起始日期
    pub available_to: Option<NaiveDate>,
    /// 联系人
    #[validate(length(min = 1, max = 30, message = "联系人为 1 到 30 个字"))]
    #[schema(example = "王主任", min_length = 1, max_length = 30)]
    pub contact_name: Option<String>,
    /// 联系电话（仅社区工作者和本单位可见）
    #[validate(custom(function = "crate::api::valid_phone"))]
    #[schema(example = "13811112222", pattern = "^1[3-9][0-9]{9}$")]
    pub contact_phone: Option<String>,
}

/// 资源清单中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceOut {
    pub id: Id,
    /// 提供给的社区
    pub community_id: Id,
    /// 提供资源的单位
    pub unit_id: Id,
    pub unit_name: Option<String>,
    /// venue 场地 / volunteers 志愿者 / funds 资金 / skills 技能 / other 其他
    pub kind: ResourceKind,
    /// 场地 / 志愿者 / 资金 / 技能 / 其他
    pub kind_label: &'static str,
    pub title: String,
    pub description: String,
    /// 数量（文字）
    pub quantity: Option<String>,
    /// 可提供的起始日期
    pub available_from: Option<NaiveDate>,
    /// 可提供的截止日期
    pub available_to: Option<NaiveDate>,
    /// 联系人
    pub contact_name: Option<String>,
    /// 联系电话（仅社区工作者和本单位可见，其他人为 null）
    pub contact_phone: Option<String>,
    /// offered 可提供 / withdrawn 已撤回
    pub state: ResourceState,
    /// 登记人（仅工作者和本单位可见）
    pub offered_by: Option<Id>,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// 资源清单的查询条件
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ResourcesQuery {
    /// 按类别筛选
    pub kind: Option<ResourceKind>,
    /// 按提供单位筛选
    pub unit_id: Option<Id>,
    /// 按状态筛选（撤回的只有工作者和本单位看得到）
    pub state: Option<ResourceState>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

pub fn kind_label(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::Venue => "场地",
        ResourceKind::Volunteers => "志愿者",
        ResourceKind::Funds => "资金",
        ResourceKind::Skills => "技能",
        ResourceKind::Other => "其他",
    }
}

/// A resource with how the caller stands to its community.
pub struct SeenResource {
    pub resource: resource::Model,
    pub standing: Standing,
}

impl SeenResource {
    /// Staff over the community or an admin of the offering unit.
    fn full(&self, p: &Principal) -> bool {
        self.standing.staff || admin_of(p, Some(self.resource.unit_id))
    }
}

fn out(r: resource::Model, full: bool, names: &UnitNames, state: &AppState) -> ResourceOut {
    let phone = r
        .contact_phone_enc
        .as_deref()
        .filter(|_| full)
        .and_then(|enc| state.pii.decrypt(enc).ok());
    ResourceOut {
        id: Id(r.id),
        community_id: Id(r.community_id),
        unit_id: Id(r.unit_id),
        unit_name: names.get(r.unit_id),
        kind: r.kind,
        kind_label: kind_label(r.kind),
        title: r.title,
        description: r.description,
        quantity: r.quantity,
        available_from: r.available_from,
        available_to: r.available_to,
        contact_name: r.contact_name,
        contact_phone: phone,
        state: r.state,
        offered_by: full.then_some(Id(r.offered_by)),
        created_at: r.created_at,
        withdrawn_at: r.withdrawn_at,
    }
}

async fn one(state: &AppState, r: resource::Model, full: bool) -> AppResult<ResourceOut> {
    let names = UnitNames::of(&state.db, [r.unit_id]).await?;
    Ok(out(r, full, &names, state))
}

/// The unit the caller offers for: as a unit admin, the one named or their only unit reported
/// to the community; as staff over it, the unit named, which must report to it.
async fn offering_unit(
    state: &AppState,
    p: &Principal,
    community: &region::Model,
    standing: &Standing,
    named: Option<Id>,
) -> AppResult<i64> {
    let units = units_here(p, community.id);
    let named = named.map(|u| u.0);
    if !units.is_empty() {
        return match (named, units.as_slice()) {
            (Some(u), _) if units.contains(&u) => Ok(u),
            (Some(_), _) if !standing.staff => Err(AppError::new(ErrorCode::UnitNotInCommunity)
                .with_detail("只能以你任管理员、且在本社区报到的单位名义提供")),
            (None, [only]) => Ok(*only),
            (None, _) => {
                Err(AppError::new(ErrorCode::UnitRequired).with_detail("你管理多个单位，请指定 unit_id"))
            }
            (Some(u), _) => reported_unit(state, community, u).await,
        };
    }
    require(
        standing.staff,
        "只有在本社区报到的单位的管理员或社区工作者可以登记资源",
    )?;
    let u = named.ok_or_else(|| {
        AppError::new(ErrorCode::UnitRequired).with_detail("代单位登记资源时请指定 unit_id")
    })?;
    reported_unit(state, community, u).await
}

/// `unit_id` if it is a unit (not a department) reported to `community`; 422 otherwise.
async fn reported_unit(state: &AppState, community: &region::Model, unit_id: i64) -> AppResult<i64> {
    let found = unit::Entity::find_by_id(unit_id).one(&state.db).await?;
    match found {
        Some(u) if u.community_id == community.id && !u.department => Ok(u.id),
        _ => Err(AppError::new(ErrorCode::UnitNotInCommunity)),
    }
}

/// Offers a resource to the community `at` lies in.
pub async fn offer(
    state: &AppState,
    p: &Principal,
    at: &region::Model,
    b: ResourceIn,
) -> AppResult<ResourceOut> {
    let problems = day_problems(&[
        ("available_from", b.available_from),
        ("available_to", b.available_to),
    ]);
    if !problems.is_empty() {
        return Err(super::view::dates_refused(problems));
    }
    if let (Some(from), Some(to)) = (b.available_from, b.available_to)
        && to < from
    {
        return Err(super::view::dates_refused(vec![crate::error::FieldError {
            field: "available_to".into(),
            message: "截止日期不能早于起始日期".into(),
        }]));
    }
    let community = community_of(&state.db, &state.regions, at).await?;
    let standing = Standing::of(p, &community);
    if !standing.sees() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let unit_id = offering_unit(state, p, &community, &standing, b.unit_id).await?;
    let now = Utc::now();
    let r = resource::ActiveModel {
        community_id: Set(community.id),
        unit_id: Set(unit_id),
        kind: Set(b.kind),
        title: Set(b.title),
        description: Set(b.description),
        quantity: Set(b.quantity),
        available_from: Set(b.available_from),
        available_to: Set(b.available_to),
        contact_name: Set(b.contact_name),
        contact_phone_enc: Set(b.contact_phone.map(|ph| state.pii.encrypt(&ph))),
        state: Set(ResourceState::Offered),
        offered_by: Set(p.id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    one(state, r, true).await
}

/// The resource `id` as the caller stands to it; 404 `RESOURCE_NOT_FOUND` when it does not
/// exist or the caller may not see it (a withdrawn offer: only staff and the unit).
pub async fn locate(state: &AppState, p: &Principal, id: i64) -> AppResult<SeenResource> {
    let not_found = || AppError::new(ErrorCode::ResourceNotFound);
    let resource = resource::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    let (_, standing) = community_for(
        &state.db,
        &state.regions,
        p,
        resource.community_id,
        ErrorCode::ResourceNotFound,
    )
    .await?;
    let seen = SeenResource { resource, standing };
    if seen.resource.state == ResourceState::Withdrawn && !seen.full(p) {
        return Err(not_found());
    }
    Ok(seen)
}

/// 撤回 by an admin of the offering unit or staff over the community.
pub async fn withdraw(state: &AppState, p: &Principal, seen: &SeenResource) -> AppResult<ResourceOut> {
    require(seen.full(p), "只有提供资源的单位或社区工作者可以撤回")?;
    let now = Utc::now();
    let change = resource::Entity::update_many()
        .set(resource::ActiveModel {
            state: Set(ResourceState::Withdrawn),
            withdrawn_by: Set(Some(p.id())),
            withdrawn_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(resource::Column::Id.eq(seen.resource.id))
        .filter(resource::Column::State.eq(ResourceState::Offered));
    let reread = resource::Entity::find_by_id(seen.resource.id);
    let updated = crate::db::update_returning(&state.db, change, reread).await?;
    let r = updated.ok_or_else(|| AppError::new(ErrorCode::ResourceInvalidState))?;
    one(state, r, true).await
}

/// The resources offered to the communities of `root` the caller may see, newest first.
pub async fn of_region(
    state: &AppState,
    p: &Principal,
    root: &region::Model,
    q: &ResourcesQuery,
) -> AppResult<Page<ResourceOut>> {
    let (scope, standing) = list_scope(&state.db, &state.regions, p, root, "资源清单").await?;
    let mut query = resource::Entity::find().filter(scope.filter(resource::Column::CommunityId));
    if !standing.staff {
        let mine: Vec<i64> = p.unit_ids().collect();
        query = query.filter(
            Condition::any()
                .add(resource::Column::State.eq(ResourceState::Offered))
                .add(resource::Column::UnitId.is_in(mine)),
        );
    }
    if let Some(k) = q.kind {
        query = query.filter(resource::Column::Kind.eq(k));
    }
    if let Some(u) = q.unit_id {
        query = query.filter(resource::Column::UnitId.eq(u.0));
    }
    if let Some(s) = q.state {
        query = query.filter(resource::Column::State.eq(s));
    }
    let paging = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = query
        .order_by_desc(resource::Column::Id)
        .limit(paging.limit() + 1);
    if let Some(before) = paging.before_id()? {
        query = query.filter(resource::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, paging.limit(), |r| r.id);
    let names = UnitNames::of(&state.db, rows.iter().map(|r| r.unit_id)).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let full = standing.staff || admin_of(p, Some(r.unit_id));
            out(r, full, &names, state)
        })
        .collect();
    Ok(Page { items, next_cursor })
}
