//! Lists of wishes: a region's (staff see every status; people of its community the open ones)
//! and the caller's own (posted and claimed), newest first, by cursor.

use super::view::{Names, WishOut, out};
use super::visibility::Standing;
use crate::api::{Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::region;
use entity::role_grant::Role;
use entity::wish::{self, WishStatus};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 区域心愿列表的查询条件
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RegionWishesQuery {
    /// 按状态筛选（仅对工作者有效；其他人只看到待认领 open 的心愿）
    pub status: Option<WishStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// 我的心愿：发布的或认领的
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MineRole {
    /// 我发布的
    Posted,
    /// 我认领的
    Claimed,
}

/// 我的心愿列表的查询条件
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct MyWishesQuery {
    /// posted 我发布的 / claimed 我认领的；不传为两者
    pub role: Option<MineRole>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// Wishes posted in `root` or below.
pub fn posted_under(root: &region::Model) -> Condition {
    Condition::all().add(
        wish::Column::RegionId.in_subquery(
            Query::select()
                .column(region::Column::Id)
                .from(region::Entity)
                .and_where(region::Column::Path.starts_with(&root.path))
                .to_owned(),
        ),
    )
}

/// One page of `query`, newest first, each wish shown as `standing` says.
async fn page(
    conn: &impl ConnectionTrait,
    query: Select<wish::Entity>,
    q: &PageQuery,
    standing: impl Fn(&wish::Model) -> Standing,
) -> AppResult<Page<WishOut>> {
    let mut query = query.order_by_desc(wish::Column::Id).limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(wish::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, q.limit(), |w| w.id);
    let names = Names::of(conn, &rows).await?;
    let items = rows
        .into_iter()
        .map(|w| {
            let s = standing(&w);
            out(w, &s, &names)
        })
        .collect();
    Ok(Page { items, next_cursor })
}

fn own(p: &Principal, w: &wish::Model) -> Standing {
    Standing {
        poster: w.resident_id == p.id(),
        claimer: w.claimer_id == Some(p.id()),
        ..Default::default()
    }
}

/// The wishes of region `root`: every status (filtered by `status`) for staff over it; the open
/// ones for people of its community; 403 for others who see the region, 404 for the rest.
pub async fn of_region(
    state: &AppState,
    p: &Principal,
    root: &region::Model,
    q: &RegionWishesQuery,
) -> AppResult<Page<WishOut>> {
    let paging = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let query = wish::Entity::find().filter(posted_under(root));
    if p.covers(&root.path, &[Role::Staff]) {
        let query = match q.status {
            Some(s) => query.filter(wish::Column::Status.eq(s)),
            None => query,
        };
        return page(&state.db, query, &paging, |w| Standing {
            staff: true,
            ..own(p, w)
        })
        .await;
    }
    let community = state.regions.community_of(&state.db, root).await?;
    match community {
        Some(c) if p.belongs_to(&c) => {
            let query = query.filter(wish::Column::Status.eq(WishStatus::Open));
            page(&state.db, query, &paging, |w| Standing {
                neighbour: true,
                ..own(p, w)
            })
            .await
        }
        _ if p.sees(&root.path) => {
            Err(AppError::new(ErrorCode::Forbidden).with_detail("只能查看自己所在社区的心愿"))
        }
        _ => Err(AppError::new(ErrorCode::NotFound)),
    }
}

/// The caller's wishes: those they posted, those they claimed, or both.
pub async fn mine(conn: &impl ConnectionTrait, p: &Principal, q: &MyWishesQuery) -> AppResult<Page<WishOut>> {
    let paging = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let posted = wish::Column::ResidentId.eq(p.id());
    let claimed = wish::Column::ClaimerId.eq(p.id());
    let cond = match q.role {
        Some(MineRole::Posted) => Condition::all().add(posted),
        Some(MineRole::Claimed) => Condition::all().add(claimed),
        None => Condition::any().add(posted).add(claimed),
    };
    page(conn, wish::Entity::find().filter(cond), &paging, |w| own(p, w)).await
}
