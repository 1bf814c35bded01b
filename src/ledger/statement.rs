//! Statements: the transfers touching a user's accounts or a community's pool, newest first,
//! signed from the point of view of those accounts.

use crate::api::{Id, Page, PageQuery, cut};
use crate::db::newest_of;
use crate::error::AppResult;
use crate::export::table::{Cells, CsvRow};
use chrono::{DateTime, Utc};
use entity::account::{self, Asset, OwnerKind};
use entity::transfer::{self, Phase, TransferKind};
use entity::{region, store, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    pub asset: Option<Asset>,
    pub kind: Option<TransferKind>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

crate::api::paged!(StatementQuery);

/// 对方
#[derive(Debug, Serialize, ToSchema)]
pub struct Counterparty {
    /// user / pool（社区积分池）/ store
    #[schema(value_type = String)]
    pub kind: OwnerKind,
    pub id: Id,
    pub name: String,
}

/// 一条流水
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    /// 转账 id
    pub id: Id,
    pub asset: Asset,
    /// 对我而言的变动：收入为正，支出为负
    pub amount: i64,
    #[schema(value_type = String)]
    pub kind: TransferKind,
    /// posted / pending / post / void
    #[schema(value_type = String)]
    pub phase: Phase,
    pub counterparty: Counterparty,
    /// 关联对象，如 `order:42`
    pub reference: Option<String>,
    pub memo: Option<String>,
    pub at: DateTime<Utc>,
}

impl CsvRow for EntryOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "流水编号",
            "时间",
            "资产",
            "变动（收入为正）",
            "类型",
            "状态",
            "对方类别",
            "对方编号",
            "对方",
            "关联对象",
            "备注",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        out.id(self.id)
            .time(self.at)
            .code(&self.asset)
            .value(self.amount)
            .code(&self.kind)
            .code(&self.phase)
            .code(&self.counterparty.kind)
            .id(self.counterparty.id)
            .text(&self.counterparty.name)
            .opt_text(self.reference.as_deref())
            .opt_text(self.memo.as_deref());
    }
}

/// A user's own statement.
pub async fn of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    q: &StatementQuery,
) -> AppResult<Page<EntryOut>> {
    statement(conn, accounts_of(conn, OwnerKind::User, user_id, q).await?, q).await
}

/// A community pool's statement: every award and grant it issued.
pub async fn of_pool(
    conn: &impl ConnectionTrait,
    community_id: i64,
    q: &StatementQuery,
) -> AppResult<Page<EntryOut>> {
    statement(
        conn,
        accounts_of(conn, OwnerKind::Pool, community_id, q).await?,
        q,
    )
    .await
}

/// The owner's accounts the query asks about (each account holds one asset, so an asset filter
/// leaves out the other account instead of scanning it for rows that cannot match).
async fn accounts_of(
    conn: &impl ConnectionTrait,
    kind: OwnerKind,
    owner_id: i64,
    q: &StatementQuery,
) -> AppResult<Vec<i64>> {
    let mut query = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::OwnerKind.eq(kind))
        .filter(account::Column::OwnerId.eq(owner_id));
    if let Some(asset) = q.asset {
        query = query.filter(account::Column::Asset.eq(asset));
    }
    Ok(query.into_tuple().all(conn).await?)
}

/// Transfers touching `ids`, newest first, signed from the point of view of those accounts.
/// One keyset scan per account and side (`ix_transfer_debit`, `ix_transfer_credit`), each at
/// most a page long, merged here: a page costs the same however long the history is (an `OR`
/// over both sides made PostgreSQL gather and sort every matching row).
async fn statement(
    conn: &impl ConnectionTrait,
    ids: Vec<i64>,
    q: &StatementQuery,
) -> AppResult<Page<EntryOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let before = page.before_id()?;
    let mut rows: Vec<transfer::Model> = Vec::new();
    for id in &ids {
        for side in [
            transfer::Column::DebitAccountId,
            transfer::Column::CreditAccountId,
        ] {
            let all = transfer::Entity::find();
            let mut query = newest_of(all, side, *id, transfer::Column::Id, before).limit(page.limit() + 1);
            if let Some(asset) = q.asset {
                query = query.filter(transfer::Column::Asset.eq(asset));
            }
            if let Some(kind) = q.kind {
                query = query.filter(transfer::Column::Kind.eq(kind));
            }
            rows.extend(query.all(conn).await?);
        }
    }
    rows.sort_unstable_by_key(|t| std::cmp::Reverse(t.id));
    rows.dedup_by_key(|t| t.id);
    rows.truncate(page.limit() as usize + 1);
    let next_cursor = cut(&mut rows, page.limit(), |t| t.id);
    let other_of = |t: &transfer::Model| {
        if ids.contains(&t.debit_account_id) {
            t.credit_account_id
        } else {
            t.debit_account_id
        }
    };
    let others = account::Entity::find()
        .filter(account::Column::Id.is_in(rows.iter().map(other_of)))
        .all(conn)
        .await?;
    let names = Names::load(conn, &others).await?;
    let items = rows
        .into_iter()
        .map(|t| {
            let outgoing = ids.contains(&t.debit_account_id);
            let other = others.iter().find(|a| a.id == other_of(&t));
            let (kind, id) = other.map_or((OwnerKind::User, 0), |a| (a.owner_kind, a.owner_id));
            EntryOut {
                id: Id(t.id),
                asset: t.asset,
                amount: if outgoing { -t.amount } else { t.amount },
                kind: t.kind,
                phase: t.phase,
                counterparty: Counterparty {
                    kind,
                    id: Id(id),
                    name: names.of(kind, id),
                },
                reference: t.reference,
                memo: t.memo,
                at: t.created_at,
            }
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// The holders of a page's counterparty accounts, read once per kind.
struct Names {
    users: Vec<user::Model>,
    regions: Vec<region::Model>,
    stores: Vec<store::Model>,
}

impl Names {
    async fn load(conn: &impl ConnectionTrait, accounts: &[account::Model]) -> AppResult<Names> {
        let owned = |kind: OwnerKind| {
            accounts
                .iter()
                .filter(move |a| a.owner_kind == kind)
                .map(|a| a.owner_id)
        };
        Ok(Names {
            users: user::Entity::find()
                .filter(user::Column::Id.is_in(owned(OwnerKind::User)))
                .all(conn)
                .await?,
            regions: region::Entity::find()
                .filter(region::Column::Id.is_in(owned(OwnerKind::Pool)))
                .all(conn)
                .await?,
            stores: store::Entity::find()
                .filter(store::Column::Id.is_in(owned(OwnerKind::Store)))
                .all(conn)
                .await?,
        })
    }

    /// People masked, pools by their community, stores by name.
    fn of(&self, kind: OwnerKind, id: i64) -> String {
        match kind {
            OwnerKind::User => self
                .users
                .iter()
                .find(|u| u.id == id)
                .map(|u| crate::pii::mask_name(&u.name)),
            OwnerKind::Pool => self
                .regions
                .iter()
                .find(|r| r.id == id)
                .map(|r| format!("{}积分池", r.name)),
            OwnerKind::Store => self.stores.iter().find(|s| s.id == id).map(|s| s.name.clone()),
        }
        .unwrap_or_default()
    }
}
