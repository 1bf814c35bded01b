//! The audit view of staff grants: admins over a region see every manual award made from the
//! pools of the communities below it — who granted, to whom, how much, why, and whether it was
//! reversed.

use super::accounts::ids_of;
use crate::api::{Id, Page, PageQuery, cut};
use crate::error::AppResult;
use crate::export::table::{Cells, CsvRow};
use chrono::{DateTime, Utc};
use entity::account::{self, Asset, OwnerKind};
use entity::transfer::{self, TransferKind};
use entity::{region, user};
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

crate::api::paged!(GrantsQuery);

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

impl CsvRow for GrantRecordOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "发放编号",
            "时间",
            "社区编号",
            "社区",
            "发放人编号",
            "发放人",
            "收款人编号",
            "收款人",
            "资产",
            "数量",
            "原因",
            "冲正转账编号",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        let by = self.granted_by.as_ref();
        out.id(self.id)
            .time(self.at)
            .id(self.community.id)
            .text(&self.community.name)
            .opt_id(by.map(|b| b.id))
            .opt_text(by.map(|b| b.name.as_str()))
            .id(self.recipient.id)
            .text(&self.recipient.name)
            .code(&self.asset)
            .value(self.amount)
            .opt_text(self.reason.as_deref())
            .opt_id(self.reversed_by);
    }
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
        .filter(account::Column::OwnerKind.eq(OwnerKind::Pool))
        .filter(account::Column::OwnerId.is_in(communities.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.owner_id))
        .collect();
    let mut query = transfer::Entity::find()
        .filter(transfer::Column::Kind.eq(TransferKind::Grant))
        .filter(transfer::Column::DebitAccountId.is_in(pools.keys().copied()))
        .order_by_desc(transfer::Column::Id)
        .limit(page.limit() + 1);
    if let Some(staff) = q.staff_id {
        query = query.filter(transfer::Column::ActorId.eq(staff.0));
    }
    if let Some(asset) = q.asset {
        query = query.filter(transfer::Column::Asset.eq(asset));
    }
    if let Some(to) = q.user_id {
        let theirs = ids_of(db, OwnerKind::User, to.0).await?;
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
                asset: t.asset,
                amount: t.amount,
                reason: t.memo,
                reversed_by: reversals.get(&t.id).copied().map(Id),
                at: t.created_at,
            }
        })
        .collect();
    Ok(Page { items, next_cursor })
}
