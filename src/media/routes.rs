//! The photo HTTP surface: upload one picture, read it or its thumbnail.

use crate::access::Principal;
use crate::error::AppResult;
use crate::extract::{PathId, Upload};
use crate::media::read::{self, Picture, Variant};
use crate::media::upload::{self, MediaOut};
use crate::state::AppState;
use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, get, post, web};
use utoipa::ToSchema;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create).service(original).service(thumbnail);
}

/// 上传图片的表单（multipart/form-data）
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// 图片文件：JPEG、PNG 或 WebP（按内容判断），不超过 `MEDIA_MAX_BYTES`（默认 10 MB）
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// 图片文件
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PictureFile(pub Vec<u8>);

/// 上传图片
///
/// 小程序用 `wx.uploadFile`（`name: "file"`）上传一张图片，得到引用 `media:{id}`，再把它填入任一图片字段（订单照片、完成照片、心愿照片、圆梦照片、问题清单照片与解决结果照片、共建项目的进展与完成照片、商品图片）。类型按文件内容判断（JPEG、PNG、WebP）；保存前重新编码，去掉 EXIF（含 GPS 位置）等全部元数据并按拍摄方向摆正，另存一张长边不超过 320 像素的缩略图。图片须在一天内用到某个对象上，否则被删除。每人每小时最多上传 `MEDIA_UPLOADS_PER_HOUR` 张（默认 60）。
#[utoipa::path(
    tag = "图片",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已保存", body = MediaOut),
        (status = 400, description = "`VALIDATION_FAILED`：缺少 file 字段；`BAD_REQUEST`：multipart 格式错误"),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`：图片超过 `MEDIA_MAX_BYTES`"),
        (status = 415, description = "`PICTURE_UNSUPPORTED`：不是 JPEG、PNG、WebP 图片，或图片已损坏；`UNSUPPORTED_MEDIA_TYPE`：请求不是 multipart/form-data"),
        (status = 429, description = "`RATE_LIMITED`：上传太频繁"),
    )
)]
#[post("/media")]
pub async fn create(state: web::Data<AppState>, p: Principal, file: Upload) -> AppResult<HttpResponse> {
    let out = upload::accept(&state, &p, file.0).await?;
    Ok(HttpResponse::Created().json(out))
}

/// 读取图片
///
/// 上传者本人可读；图片用到某个对象上之后，能看到该对象的人可读（订单、心愿、问题清单、共建项目按各自的可见范围）；公开展示的图片任何人可读（晒单中已完成订单的完成照片、已圆梦心愿的圆梦照片、商品图片），无需登录。其他情况按不存在处理（404）。
#[utoipa::path(
    tag = "图片",
    params(("id" = String, Path, description = "图片 id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "图片", content(
            (PictureFile = "image/jpeg"), (PictureFile = "image/png"), (PictureFile = "image/webp")
        )),
        (status = 404, description = "`MEDIA_NOT_FOUND`：图片不存在，或你无权查看"),
    )
)]
#[get("/media/{id}")]
pub async fn original(
    state: web::Data<AppState>,
    p: Option<Principal>,
    id: PathId,
) -> AppResult<HttpResponse> {
    let pic = read::open(&state, p.as_ref(), id.into_inner(), Variant::Original).await?;
    Ok(picture(pic))
}

/// 读取缩略图
///
/// 长边不超过 320 像素、保持比例的缩略图（原图更小时与原图同尺寸），格式同原图。谁可读同原图。
#[utoipa::path(
    tag = "图片",
    params(("id" = String, Path, description = "图片 id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "缩略图", content(
            (PictureFile = "image/jpeg"), (PictureFile = "image/png"), (PictureFile = "image/webp")
        )),
        (status = 404, description = "`MEDIA_NOT_FOUND`：图片不存在，或你无权查看"),
    )
)]
#[get("/media/{id}/thumbnail")]
pub async fn thumbnail(
    state: web::Data<AppState>,
    p: Option<Principal>,
    id: PathId,
) -> AppResult<HttpResponse> {
    let pic = read::open(&state, p.as_ref(), id.into_inner(), Variant::Thumbnail).await?;
    Ok(picture(pic))
}

fn picture(pic: Picture) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(pic.content_type)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(CacheControl(vec![
            CacheDirective::Private,
            CacheDirective::MaxAge(3600),
        ]))
        .body(pic.bytes)
}
