//! The points bank over HTTP: balances, statements, reconciliation, the grants audit, and the
//! point-moving calls (each needs an `Idempotency-Key`).

use super::accounts::{AccountOut, balances};
use super::audit::{GrantRecordOut, GrantsQuery, grants_below};
use super::reconcile::{self, ReconciliationOut};
use super::statement::{self, EntryOut, StatementQuery};
use super::transfers::{self, DonationIn, GrantIn, ReverseIn, TransferOut};
use crate::access::{AdminRole, Principal, RegionAccess, StaffRole, SystemAdmin, TransferAccess};
use crate::api::Page;
use crate::error::{AppError, AppResult};
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::idempotency::{Answer, Key};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(accounts)
        .service(transactions)
        .service(reconciliation)
        .service(pool_transactions)
        .service(grants)
        .service(donate)
        .service(grant)
        .service(reverse);
}

/// 我的余额
///
/// 每种资产一条（未发生过变动时为 0）。
#[utoipa::path(
    tag = "积分",
    security(("bearer" = [])),
    responses((status = 200, description = "服务时长（分钟）与绿币", body = Vec<AccountOut>))
)]
#[get("/me/accounts")]
pub async fn accounts(state: web::Data<AppState>, p: Principal) -> AppResult<web::Json<Vec<AccountOut>>> {
    Ok(web::Json(balances(&state.db, p.id()).await?))
}

/// 我的流水
///
/// 按时间倒序。
#[utoipa::path(
    tag = "积分",
    params(StatementQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "流水", body = Page<EntryOut>),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/me/transactions")]
pub async fn transactions(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<StatementQuery>,
) -> AppResult<web::Json<Page<EntryOut>>> {
    Ok(web::Json(statement::of_user(&state.db, p.id(), &q).await?))
}

/// 社区积分池流水
///
/// 该社区发出的每一笔奖励与发放（限本社区工作者）。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "社区 id"), StatementQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "社区积分池流水（发出为负）。CSV 列：流水编号、时间、资产、变动（收入为正）、类型、状态、对方类别、对方编号、对方、关联对象、备注",
            content((Page<EntryOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/transactions")]
pub async fn pool_transactions(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<StatementQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let pool = access.region.id;
    want.list(&state, "transactions", q.0, async move |db, q| {
        statement::of_pool(db, pool, q).await
    })
    .await
}

/// 积分对账
///
/// 检查账本的不变量并列出每一处违例（限系统管理员）。
#[utoipa::path(
    tag = "积分",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "对账结果：ok 为 false 时 violations 列出每一处", body = ReconciliationOut),
        (status = 403, description = "仅系统管理员"),
    )
)]
#[get("/ledger/reconciliation")]
pub async fn reconciliation(
    state: web::Data<AppState>,
    _admin: SystemAdmin,
) -> AppResult<web::Json<ReconciliationOut>> {
    Ok(web::Json(reconcile::check(&state.db).await?))
}

/// 手工发放审计
///
/// 管理员查看本区域下各社区工作者的每一笔手工发放：谁发的、发给谁、多少、原因、是否已冲正；最新的在前。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "区域 id（街道、县等；其下所有社区）"), GrantsQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "手工发放记录（审计）。CSV 列：发放编号、时间、社区编号、社区、发放人编号、发放人、收款人编号、收款人、资产、数量、原因、冲正转账编号",
            content((Page<GrantRecordOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`VALIDATION_FAILED` 或 `INVALID_QUERY`：查询参数有误（format 须为 json 或 csv）"),
        (status = 403, description = "需要管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/grants")]
pub async fn grants(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    q: ApiQuery<GrantsQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let root = access.region;
    want.list(&state, "grants", q.0, async move |db, q| {
        grants_below(db, &root, q).await
    })
    .await
}

/// The key of `actor` for this request. The input is hashed as a JSON value (fields by name),
/// as it was when the raw body was hashed, so keys recorded before keep matching.
fn bind(key: IdempotencyKey, actor: i64, input: &impl Serialize) -> AppResult<Key> {
    key.bind(actor, &serde_json::to_value(input).map_err(AppError::internal)?)
}

/// 转赠时长或绿币
///
/// 转给其他用户，最多为转出方的可用余额。
#[utoipa::path(
    tag = "积分",
    request_body = DonationIn,
    params(("Idempotency-Key" = String, Header, description = "幂等键（必填）：同一键同一请求只生效一次")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已转赠", body = TransferOut),
        (status = 400, description = "`IDEMPOTENCY_KEY_REQUIRED`"),
        (status = 404, description = "`USER_NOT_FOUND`"),
        (status = 409, description = "`INSUFFICIENT_BALANCE` 或 `IDEMPOTENCY_KEY_IN_FLIGHT`"),
        (status = 422, description = "`RECIPIENT_INVALID`（给自己）、`GRANT_LIMIT_EXCEEDED`（超过单笔上限）或 `IDEMPOTENCY_KEY_REUSED`"),
    )
)]
#[post("/transfers")]
pub async fn donate(
    state: web::Data<AppState>,
    p: Principal,
    key: IdempotencyKey,
    input: ApiJson<DonationIn>,
) -> AppResult<Answer> {
    let key = bind(key, p.id(), &input.0)?;
    transfers::donate(&state, &key, p.id(), input.0).await
}

/// 手动发放时长或绿币
///
/// 社区工作者从本社区积分池手动发放，须写明原因，受上限约束。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "社区 id"), ("Idempotency-Key" = String, Header, description = "幂等键（必填）")),
    request_body = GrantIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已发放", body = TransferOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 422, description = "`GRANT_LIMIT_EXCEEDED`、`RECIPIENT_INVALID`（不是本社区的人）、`SELF_GRANT`（发给自己）或 `REGION_KIND_INVALID`"),
    )
)]
#[post("/regions/{id}/grants")]
pub async fn grant(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    key: IdempotencyKey,
    input: ApiJson<GrantIn>,
) -> AppResult<Answer> {
    let key = bind(key, access.principal.id(), &input.0)?;
    transfers::grant(&state, &key, &access.principal, &access.region, input.0).await
}

/// 冲正转账
///
/// 以一笔引用原转账的反向转账冲正，每笔只能冲正一次（限系统管理员）。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "转账 id"), ("Idempotency-Key" = String, Header, description = "幂等键（必填）")),
    request_body = ReverseIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "冲正转账", body = TransferOut),
        (status = 403, description = "仅系统管理员"),
        (status = 404, description = "转账不存在"),
        (status = 409, description = "`TRANSFER_ALREADY_REVERSED`，或 `INSUFFICIENT_BALANCE`（冲正会使对方余额为负）"),
    )
)]
#[post("/transfers/{id}/reverse")]
pub async fn reverse(
    state: web::Data<AppState>,
    access: TransferAccess,
    key: IdempotencyKey,
    input: ApiJson<ReverseIn>,
) -> AppResult<Answer> {
    let admin = access.principal.id();
    let key = bind(key, admin, &input.0)?;
    transfers::reverse(&state, &key, access.transfer, admin, input.0).await
}
