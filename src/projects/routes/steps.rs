//! The steps on `/projects/{id}/…`: take, progress, complete and cancel.

use crate::access::ProjectAccess;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::projects::steps::{self, ProgressIn, ProjectCancelIn, ProjectCompleteIn, TakeIn};
use crate::projects::view::ProjectOut;
use crate::state::AppState;
use actix_web::{post, web};

type Json = AppResult<web::Json<ProjectOut>>;

/// 承接共建项目
///
/// 在该社区报到的单位的管理员承接待承接的项目；一个项目只有一家承接单位，同时承接时只有一家成功，其余返回 409 `PROJECT_ALREADY_TAKEN`。可不带请求体。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "项目 id")),
    request_body(content = Option<TakeIn>, description = "可省略请求体（管理多个单位时须指定 unit_id）"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "承接成功：taken", body = ProjectOut),
        (status = 403, description = "不是在该社区报到的单位的管理员"),
        (status = 404, description = "`PROJECT_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROJECT_ALREADY_TAKEN`：已由其他单位承接；`PROJECT_INVALID_STATE`：项目已取消"),
        (status = 422, description = "`UNIT_REQUIRED`：须指定单位；`UNIT_NOT_IN_COMMUNITY`：该单位未在本社区报到或不归你管理"),
    )
)]
#[post("/projects/{id}/take")]
pub async fn take(state: web::Data<AppState>, a: ProjectAccess, body: ApiJson<TakeIn>) -> Json {
    Ok(web::Json(
        steps::take(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 报告项目进展
///
/// 承接单位的管理员报告进展（说明、进度百分比、照片），逐条记入进展记录，不可修改。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "项目 id")),
    request_body = ProgressIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已记录", body = ProjectOut),
        (status = 400, description = "`VALIDATION_FAILED`：说明、进度或照片无效"),
        (status = 403, description = "不是承接单位的管理员"),
        (status = 404, description = "`PROJECT_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROJECT_INVALID_STATE`：项目已完成或已取消"),
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/projects/{id}/progress")]
pub async fn progress(state: web::Data<AppState>, a: ProjectAccess, body: ApiJson<ProgressIn>) -> Json {
    Ok(web::Json(
        steps::progress(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 完成共建项目
///
/// 承接单位的管理员填写完成情况与照片，项目完成（进度 100）。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "项目 id")),
    request_body = ProjectCompleteIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已完成：done", body = ProjectOut),
        (status = 400, description = "`VALIDATION_FAILED`：完成情况或照片无效"),
        (status = 403, description = "不是承接单位的管理员"),
        (status = 404, description = "`PROJECT_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROJECT_INVALID_STATE`：项目已完成或已取消"),
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/projects/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    a: ProjectAccess,
    body: ApiJson<ProjectCompleteIn>,
) -> Json {
    Ok(web::Json(
        steps::complete(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 取消共建项目
///
/// 社区工作者在项目完成之前附原因取消（待承接或已承接均可）。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "项目 id")),
    request_body = ProjectCancelIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消：cancelled", body = ProjectOut),
        (status = 400, description = "`VALIDATION_FAILED`：缺少原因"),
        (status = 403, description = "不是该社区的工作者"),
        (status = 404, description = "`PROJECT_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`PROJECT_INVALID_STATE`：项目已完成或已取消"),
    )
)]
#[post("/projects/{id}/cancel")]
pub async fn cancel(state: web::Data<AppState>, a: ProjectAccess, body: ApiJson<ProjectCancelIn>) -> Json {
    Ok(web::Json(
        steps::cancel(&state, &a.principal, &a.seen, body.0).await?,
    ))
}
