//! 需求清单: community staff post what the community needs from its units; they close a need
//! when it is met or no longer wanted. Everyone of the community reads the list; who posted or
//! closed it only staff.

use super::resources::kind_label;
use super::visibility::{Standing, community_for, community_of, list_scope, require};
use crate::api::{Id, Page, PageQuery};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::project_need::{self as need, NeedState};
use entity::project_resource::ResourceKind;
use entity::region;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 发布需求
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedIn {
    /// 需求标题
    #[validate(length(min = 1, max = 60, message = "标题为 1 到 60 个字"))]
    #[schema(example = "老年食堂需要场地", min_length = 1, max_length = 60)]
    pub title: String,
    /// 需求说明
    #[validate(length(min = 1, max = 1000, message = "说明为 1 到 1000 个字"))]
    #[schema(
        example = "社区老年食堂需 100 平方米左右的场地，午间使用",
        min_length = 1,
        max_length = 1000
    )]
    pub description: String,
    /// 需要的资源类别（可不填）
    pub kind: Option<ResourceKind>,
}

/// 关闭需求
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedCloseIn {
    /// 关闭说明，如“已由供电公司提供场地”
    #[validate(length(min = 1, max = 200, message = "说明为 1 到 200 个字"))]
    #[schema(example = "已由供电公司提供场地", min_length = 1, max_length = 200)]
    pub note: Option<String>,
}

/// 需求清单中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedOut {
    pub id: Id,
    /// 所属社区
    pub community_id: Id,
    /// 需要的资源类别
    pub kind: Option<ResourceKind>,
    /// 场地 / 志愿者 / 资金 / 技能 / 其他
    pub kind_label: Option<&'static str>,
    pub title: String,
    pub description: String,
    /// open 征集中 / closed 已关闭
    pub state: NeedState,
    /// 发布人（仅工作者可见）
    pub posted_by: Option<Id>,
    /// 关闭说明
    pub close_note: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// 需求清单的查询条件
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct NeedsQuery {
    /// 按类别筛选
    pub kind: Option<ResourceKind>,
    /// 按状态筛选
    pub state: Option<NeedState>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// A need with how the caller stands to its community.
pub struct SeenNeed {
    pub need: need::Model,
    pub standing: Standing,
}

pub fn out(n: need::Model, staff: bool) -> NeedOut {
    NeedOut {
        id: Id(n.id),
        community_id: Id(n.community_id),
        kind: n.kind,
        kind_label: n.kind.map(kind_label),
        title: n.title,
        description: n.description,
        state: n.state,
        posted_by: staff.then_some(Id(n.posted_by)),
        close_note: n.close_note,
        closed_at: n.closed_at,
        created_at: n.created_at,
    }
}

/// Posts a need for the community `at` lies in (the caller is staff over `at`).
pub async fn post(state: &AppState, p: &Principal, at: &region::Model, b: NeedIn) -> AppResult<NeedOut> {
    let community = community_of(&state.db, &state.regions, at).await?;
    let now = Utc::now();
    let n = need::ActiveModel {
        community_id: Set(community.id),
        kind: Set(b.kind),
        title: Set(b.title),
        description: Set(b.description),
        state: Set(NeedState::Open),
        posted_by: Set(p.id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(out(n, true))
}

/// The need `id` as the caller stands to it; 404 `NEED_NOT_FOUND` when it does not exist or the
/// caller is not of its community.
pub async fn locate(state: &AppState, p: &Principal, id: i64) -> AppResult<SeenNeed> {
    let need = need::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NeedNotFound))?;
    let (_, standing) = community_for(
        &state.db,
        &state.regions,
        p,
        need.community_id,
        ErrorCode::NeedNotFound,
    )
    .await?;
    Ok(SeenNeed { need, standing })
}

/// 关闭 by staff over the community: an open need closes once.
pub async fn close(state: &AppState, p: &Principal, seen: &SeenNeed, b: NeedCloseIn) -> AppResult<NeedOut> {
    require(seen.standing.staff, "只有社区工作者可以关闭需求")?;
    let now = Utc::now();
    let change = need::Entity::update_many()
        .set(need::ActiveModel {
            state: Set(NeedState::Closed),
            closed_by: Set(Some(p.id())),
            close_note: Set(b.note),
            closed_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(need::Column::Id.eq(seen.need.id))
        .filter(need::Column::State.eq(NeedState::Open));
    let reread = need::Entity::find_by_id(seen.need.id);
    let updated = crate::db::update_returning(&state.db, change, reread).await?;
    let n = updated.ok_or_else(|| AppError::new(ErrorCode::NeedInvalidState))?;
    Ok(out(n, true))
}

/// The needs of the communities of `root` the caller may see, newest first.
pub async fn of_region(
    state: &AppState,
    p: &Principal,
    root: &region::Model,
    q: &NeedsQuery,
) -> AppResult<Page<NeedOut>> {
    let (scope, standing) = list_scope(&state.db, &state.regions, p, root, "需求清单").await?;
    let mut query = need::Entity::find().filter(scope.filter(need::Column::CommunityId));
    if let Some(k) = q.kind {
        query = query.filter(need::Column::Kind.eq(k));
    }
    if let Some(s) = q.state {
        query = query.filter(need::Column::State.eq(s));
    }
    let paging = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = query.order_by_desc(need::Column::Id).limit(paging.limit() + 1);
    if let Some(before) = paging.before_id()? {
        query = query.filter(need::Column::Id.lt(before));
    }
    let rows = query.all(&state.db).await?;
    Ok(Page::from_rows(
        rows,
        paging.limit(),
        |n| n.id,
        |n| out(n, standing.staff),
    ))
}
