//! The steps on `/problems/{id}/…`: claim, drop and resolve.

use crate::access::ProblemAccess;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::orders::view::OrderOut;
use crate::problems::claims::{self, DropIn, ProblemClaimIn, ProblemResolveIn};
use crate::problems::orders::{self as problem_orders, ProblemOrderIn};
use crate::problems::view::ProblemOut;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};

type Json = AppResult<web::Json<ProblemOut>>;

/// 认领问题（揭榜挂帅）
///
/// 在该社区报到的单位的管理员认领已发布的问题；同时认领时只有一个单位成功，其余返回 409 `PROBLEM_ALREADY_CLAIMED`。可不带请求体。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "问题 id")),
    request_body(content = Option<ProblemClaimIn>, description = "可省略请求体（管理多个单位时须指定 unit_id）"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "认领成功：claimed", body = ProblemOut),
        (status = 403, description = "不是在该社区报到的单位的管理员"),
        (status = 404, description = "`PROBLEM_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROBLEM_ALREADY_CLAIMED`：已被其他单位认领；`PROBLEM_INVALID_STATE`：尚未发布或已结束"),
        (status = 422, description = "`PROBLEM_DEADLINE_PASSED`：已到移交街道的日期；`UNIT_REQUIRED`：须指定单位；`UNIT_NOT_IN_COMMUNITY`：该单位未在本社区报到或不归你管理"),
    )
)]
#[post("/problems/{id}/claim")]
pub async fn claim(state: web::Data<AppState>, a: ProblemAccess, body: ApiJson<ProblemClaimIn>) -> Json {
    Ok(web::Json(
        claims::claim(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 放弃认领
///
/// 认领单位的管理员在移交街道的日期之前附原因放弃，问题回到已发布，可由其他单位认领。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "问题 id")),
    request_body = DropIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已放弃：published", body = ProblemOut),
        (status = 400, description = "`VALIDATION_FAILED`：缺少原因"),
        (status = 403, description = "不是认领单位的管理员"),
        (status = 404, description = "`PROBLEM_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROBLEM_INVALID_STATE`：认领已变化"),
        (status = 422, description = "`PROBLEM_DEADLINE_PASSED`：已到移交街道的日期"),
    )
)]
#[post("/problems/{id}/drop")]
pub async fn drop_claim(state: web::Data<AppState>, a: ProblemAccess, body: ApiJson<DropIn>) -> Json {
    Ok(web::Json(
        claims::drop_claim(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 办结问题
///
/// 认领单位的管理员，或负责区域（社区，移交后为街道）的工作者，填写解决结果与照片。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "问题 id")),
    request_body = ProblemResolveIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已解决：resolved", body = ProblemOut),
        (status = 400, description = "`VALIDATION_FAILED`：结果或照片无效"),
        (status = 403, description = "不是认领单位的管理员，也不是负责区域的工作者"),
        (status = 404, description = "`PROBLEM_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROBLEM_INVALID_STATE`：尚未发布或已解决"),
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/problems/{id}/resolve")]
pub async fn resolve(state: web::Data<AppState>, a: ProblemAccess, body: ApiJson<ProblemResolveIn>) -> Json {
    Ok(web::Json(
        claims::resolve(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 由问题派生服务订单
///
/// 负责该问题的工作人员为已采纳、尚未解决的问题下一张服务订单（派给党员、发布抢单或向部门吹哨），订单记下
/// `problem_id`，问题的记录中记一笔；问题自身状态不变。调用者为订单的下单人，完成后由其评价。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "问题 id")),
    request_body = ProblemOrderIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已下单：submitted", body = OrderOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要负责该问题的工作人员"),
        (status = 404, description = "`PROBLEM_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROBLEM_INVALID_STATE`：问题尚未采纳或已结束"),
    )
)]
#[post("/problems/{id}/orders")]
pub async fn place_order(
    state: web::Data<AppState>,
    a: ProblemAccess,
    body: ApiJson<ProblemOrderIn>,
) -> AppResult<HttpResponse> {
    let order = problem_orders::place_order(&state, &a.principal, &a.seen, body.0).await?;
    Ok(HttpResponse::Created().json(order))
}
