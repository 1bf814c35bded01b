//! A `multipart/form-data` body with one file in the field `file` (what `wx.uploadFile` sends),
//! read up to `MEDIA_MAX_BYTES` (413 beyond: the rest is never read).

use crate::error::{AppError, ErrorCode, FieldError};
use crate::state::AppState;
use actix_multipart::{Multipart, MultipartError};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

/// The name of the file field.
pub const FILE_FIELD: &str = "file";

/// The bytes of the uploaded file; other fields are read (within the same cap) and ignored.
pub struct Upload(pub Vec<u8>);

fn bad_form(e: MultipartError) -> AppError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => AppError::new(ErrorCode::UnsupportedMediaType)
            .with_detail("请以 multipart/form-data 上传，文件放在 file 字段"),
        _ => AppError::new(ErrorCode::BadRequest).with_detail("multipart 请求体格式错误"),
    }
}

fn too_large(cap: usize) -> AppError {
    AppError::new(ErrorCode::PayloadTooLarge).with_detail(format!("图片不能超过 {} KB", cap / 1024))
}

async fn read(mut form: Multipart, cap: usize) -> Result<Upload, AppError> {
    let mut file = None;
    let mut read = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad_form)?;
        let is_file = field.name() == Some(FILE_FIELD) && file.is_none();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad_form)?;
            read += chunk.len();
            if read > cap {
                return Err(too_large(cap));
            }
            if is_file {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            file = Some(bytes);
        }
    }
    file.map(Upload).ok_or_else(|| {
        AppError::validation(vec![FieldError {
            field: FILE_FIELD.into(),
            message: "缺少图片文件（file 字段）".into(),
        }])
    })
}

impl FromRequest for Upload {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let cap = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.config.media.max_bytes);
        let form = Multipart::new(req.headers(), payload.take());
        Box::pin(async move {
            let cap = cap.ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))?;
            read(form, cap).await
        })
    }
}
