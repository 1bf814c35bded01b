//! A region's problem lists: staff over the region see every item filed in it or below; unit
//! admins of units reported to its community see the published list and their own claims;
//! people of the community see the published list. Newest first, by cursor.

use super::view::{Names, ProblemOut, out};
use super::visibility::{PUBLIC, Standing, units_here};
use crate::api::{Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::problem::{self, ProblemState};
use entity::region;
use entity::role_grant::Role;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

/// 问题清单的查询条件
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ProblemsQuery {
    /// 清单月份（YYYY-MM）；不填为全部月份
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", example = "2026-12")]
    #[validate(custom(function = "crate::calendar::valid_month"))]
    pub month: Option<String>,
    /// 按状态筛选
    pub state: Option<ProblemState>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// Items filed in `root` or below.
fn filed_under(root: &region::Model) -> Condition {
    Condition::all().add(
        problem::Column::RegionId.in_subquery(
            Query::select()
                .column(region::Column::Id)
                .from(region::Entity)
                .and_where(region::Column::Path.starts_with(&root.path))
                .to_owned(),
        ),
    )
}

/// The items of `root`'s lists the caller may see, as they may see them; 403 for a caller who
/// sees the region but is neither staff over it nor of its community, 404 for the rest.
pub async fn of_region(
    state: &AppState,
    p: &Principal,
    root: &region::Model,
    q: &ProblemsQuery,
) -> AppResult<Page<ProblemOut>> {
    let mut query = problem::Entity::find().filter(filed_under(root));
    let standing = if p.covers(&root.path, &[Role::Staff]) {
        Standing {
            staff: true,
            ..Default::default()
        }
    } else {
        let community = state.regions.community_of(&state.db, root).await?;
        let Some(c) = community.filter(|c| p.belongs_to(c)) else {
            return Err(if p.sees(&root.path) {
                AppError::new(ErrorCode::Forbidden).with_detail("只能查看自己所在社区的问题清单")
            } else {
                AppError::new(ErrorCode::NotFound)
            });
        };
        let mine: Vec<i64> = p.unit_ids().collect();
        query = query.filter(
            Condition::any()
                .add(problem::Column::State.is_in(PUBLIC))
                .add(problem::Column::OwnerUnitId.is_in(mine)),
        );
        Standing {
            unit_here: !units_here(p, c.id).is_empty(),
            neighbour: true,
            ..Default::default()
        }
    };
    if let Some(m) = &q.month {
        query = query.filter(problem::Column::Month.eq(m.as_str()));
    }
    if let Some(s) = q.state {
        query = query.filter(problem::Column::State.eq(s));
    }
    let paging = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = query.order_by_desc(problem::Column::Id).limit(paging.limit() + 1);
    if let Some(before) = paging.before_id()? {
        query = query.filter(problem::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, paging.limit(), |it| it.id);
    let names = Names::of(&state.db, &rows).await?;
    let rules = &state.config.problems;
    let items = rows
        .into_iter()
        .map(|it| {
            let s = Standing {
                owner: it.owner_unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u)),
                ..standing
            };
            out(it, &s, &names, rules)
        })
        .collect();
    Ok(Page { items, next_cursor })
}
