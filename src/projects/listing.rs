//! A region's 共建项目清单: staff over the region see every community's projects in it; people of
//! a community see its projects (the owner unit reads its own in full). Newest first, by cursor.

use super::view::{ProjectOut, UnitNames, full, out};
use super::visibility::list_scope;
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::state::AppState;
use chrono::Utc;
use entity::project::{self, ProjectState};
use entity::region;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

/// 共建项目清单的查询条件
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ProjectsQuery {
    /// 按状态筛选
    pub state: Option<ProjectState>,
    /// 按承接单位筛选
    pub unit_id: Option<Id>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// The projects of the communities of `root` the caller may see.
pub async fn of_region(
    state: &AppState,
    p: &Principal,
    root: &region::Model,
    q: &ProjectsQuery,
) -> AppResult<Page<ProjectOut>> {
    let (scope, standing) = list_scope(&state.db, &state.regions, p, root, "共建项目清单").await?;
    let mut query = project::Entity::find().filter(scope.filter(project::Column::CommunityId));
    if let Some(s) = q.state {
        query = query.filter(project::Column::State.eq(s));
    }
    if let Some(u) = q.unit_id {
        query = query.filter(project::Column::OwnerUnitId.eq(u.0));
    }
    let paging = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = query.order_by_desc(project::Column::Id).limit(paging.limit() + 1);
    if let Some(before) = paging.before_id()? {
        query = query.filter(project::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, paging.limit(), |it| it.id);
    let names = UnitNames::of(&state.db, rows.iter().filter_map(|it| it.owner_unit_id)).await?;
    let now = Utc::now();
    let items = rows
        .into_iter()
        .map(|it| {
            let f = full(p, &standing, &it);
            out(it, f, &names, now)
        })
        .collect();
    Ok(Page { items, next_cursor })
}
