//! The audit view of staff grants: admins over a region see every manual award made from the
//! pools of the communities below it — who granted, to whom, how much, why, and whether it was
//! reversed.

use super::Asset;
use crate::access::{AdminRole, RegionAccess};
use crate::api::{Id, Page, PageQuery, cut};
use crate::error::AppResult;
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use entity::{account, region, transfer, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct GrantsQuery {
    /// 只看某位工作人员发放的
    pub staff_id: Option<Id>,
    /// 只看某人收到的
    pub user_id: Option<Id>,
    pub asset: Option<Asset>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// 人或社区（审计视图显示全名）
#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    pub id: Id,
    pub name: String,
}

/// 一笔手工发放
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantRecordOut {
    /// 转账 id
    pub id: Id,
    /// 发放积分的社区（积分池）
    pub community: Named,
    /// 发放人（社区工作者）
    pub granted_by: Option<Named>,
    /// 收款人
    pub recipient: Named,
    pub asset: Asset,
    /// 数量（分钟或绿币）
    pub amount: i64,
    /// 发放原因
    pub reason: Option<String>,
    /// 冲正这笔发放的转账 id；未冲正为 null
    pub reversed_by: Option<Id>,
    pub at: DateTime<Utc>,
}

/// 手工发放审计
///
/// 管理员查看本区域下各社区工作者的每一笔手工发放：谁发的、发给谁、多少、原因、是否已冲正；最新的在前。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "区域 id（街道、县等；其下所有社区）"), GrantsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "手工发放记录（审计）", body = Page<GrantRecordOut>),
        (status = 400, description = "`VALIDATION_FAILED` 或 `INVALID_QUERY`：查询参数有误"),
        (status = 403, description = "需要管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/grants")]
pub async fn grants(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    q: crate::extract::ApiQuery<GrantsQuery>,
) -> AppResult<web::Json<Page<GrantRecordOut>>> {
    Ok(web::Json(grants_below(&state.db, &access.region, &q).await?))
}

/// Staff grants from the pools of the communities under `root`, newest first, a page at a time.
pub async fn grants_below(
    db: &impl ConnectionTrait,
    root: &region::Model,
    q: &GrantsQuery,
) -> AppResult<Page<GrantRecordOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let communities: HashMap<i64, String> = crate::regions::subtree(db, root)
        .await?
        .into_iter()
        .map(|r: region::Model| (r.id, r.name))
        .collect();
    let pools: HashMap<i64, i64> = account::Entity::find()
        .filter(account::Column::OwnerKind.eq("pool"))
        .filter(account::Column::OwnerId.is_in(communities.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.owner_id))
        .collect();
    let mut query = transfer::Entity::find()
        .filter(transfer::Column::Kind.eq("grant"))
        .filter(transfer::Column::DebitAccountId.is_in(pools.keys().copied()))
        .order_by_desc(transfer::Column::Id)
        .limit(page.limit() + 1);
    if let Some(staff) = q.staff_id {
        query = query.filter(transfer::Column::ActorId.eq(staff.0));
    }
    if let Some(asset) = q.asset {
        query = query.filter(transfer::Column::Asset.eq(asset.as_str()));
    }
    if let Some(to) = q.user_id {
        let theirs = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::OwnerKind.eq("user"))
            .filter(account::Column::OwnerId.eq(to.0))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        query = query.filter(transfer::Column::CreditAccountId.is_in(theirs));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(transfer::Column::Id.lt(before));
    }
    let mut rows = query.all(db).await?;
    let next_cursor = cut(&mut rows, page.limit(), |t| t.id);

    let recipients: HashMap<i64, i64> = account::Entity::find()
        .filter(account::Column::Id.is_in(rows.iter().map(|t| t.credit_account_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.owner_id))
        .collect();
    let people: HashMap<i64, String> = user::Entity::find()
        .filter(
            user::Column::Id.is_in(
                recipients
                    .values()
                    .copied()
                    .chain(rows.iter().filter_map(|t| t.actor_id)),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let reversals: HashMap<i64, i64> = transfer::Entity::find()
        .filter(transfer::Column::ReversalOf.is_in(rows.iter().map(|t| t.id)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| r.reversal_of.map(|of| (of, r.id)))
        .collect();
    let person = |id: i64| Named {
        id: Id(id),
        name: people.get(&id).cloned().unwrap_or_default(),
    };
    let items = rows
        .into_iter()
        .map(|t| {
            let community = pools.get(&t.debit_account_id).copied().unwrap_or_default();
            GrantRecordOut {
                id: Id(t.id),
                community: Named {
                    id: Id(community),
                    name: communities.get(&community).cloned().unwrap_or_default(),
                },
                granted_by: t.actor_id.map(person),
                recipient: person(recipients.get(&t.credit_account_id).copied().unwrap_or_default()),
                asset: Asset::parse(&t.asset).unwrap_or(Asset::Coin),
                amount: t.amount,
                reason: t.memo,
                reversed_by: reversals.get(&t.id).copied().map(Id),
                at: t.created_at,
            }
        })
        .collect();
    Ok(Page { items, next_cursor })
}
