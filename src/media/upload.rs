//! `POST /media`: one picture in, checked, cleaned and stored, with its thumbnail.

use super::process::{Refusal, process, sniff};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::Utc;
use entity::media;
use sea_orm::{ActiveModelTrait, Set};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// 上传的图片
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaOut {
    pub id: Id,
    /// 在订单、心愿、问题清单、共建项目、商品等图片字段中使用的引用
    #[schema(example = "media:42", pattern = "^media:[1-9][0-9]{0,17}$")]
    pub reference: String,
    /// 读取原图的地址（相对本服务）
    #[schema(example = "/api/v1/media/42")]
    pub url: String,
    /// 读取缩略图（长边不超过 320 像素）的地址
    #[schema(example = "/api/v1/media/42/thumbnail")]
    pub thumbnail_url: String,
    /// image/jpeg、image/png 或 image/webp（按文件内容判断，不看客户端声明）
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    /// 宽（像素，已按拍摄方向摆正）
    pub width: i32,
    /// 高（像素）
    pub height: i32,
    /// 去除元数据后保存的字节数
    pub bytes: i64,
}

impl MediaOut {
    pub fn of(m: &media::Model) -> MediaOut {
        MediaOut {
            id: Id(m.id),
            reference: format!("media:{}", m.id),
            url: format!("/api/v1/media/{}", m.id),
            thumbnail_url: format!("/api/v1/media/{}/thumbnail", m.id),
            content_type: m.content_type.clone(),
            width: m.width,
            height: m.height,
            bytes: m.bytes,
        }
    }
}

fn refused(why: Refusal) -> AppError {
    let detail = match why {
        Refusal::NotAPicture => "只支持 JPEG、PNG、WebP 图片",
        Refusal::Unreadable => "图片已损坏或尺寸过大，无法读取",
    };
    AppError::new(ErrorCode::PictureUnsupported).with_detail(detail)
}

/// Stores one upload of `p`: the type from its bytes (415 otherwise), within the hourly limit
/// (429), re-encoded without metadata, with a thumbnail; unattached until a write names it.
pub async fn accept(state: &AppState, p: &Principal, bytes: Vec<u8>) -> AppResult<MediaOut> {
    if sniff(&bytes).is_none() {
        return Err(refused(Refusal::NotAPicture));
    }
    crate::ratelimit::hit(
        &state.kv,
        &format!("media:upload:{}", p.id()),
        state.config.media.uploads_per_hour,
        Duration::from_secs(3600),
    )
    .await?;
    let done = tokio::task::spawn_blocking(move || process(&bytes))
        .await
        .map_err(AppError::internal)?
        .map_err(refused)?;
    let name = format!("{:032x}", rand::random::<u128>());
    let original_key = format!("o/{name}.{}", done.kind.extension());
    let thumbnail_key = format!("t/{name}.{}", done.kind.extension());
    let size = done.original.len() as i64;
    state
        .media
        .put(&original_key, done.original)
        .await
        .map_err(AppError::internal)?;
    state
        .media
        .put(&thumbnail_key, done.thumbnail)
        .await
        .map_err(AppError::internal)?;
    let row = media::ActiveModel {
        owner_id: Set(p.id()),
        content_type: Set(done.kind.content_type().into()),
        bytes: Set(size),
        width: Set(done.width as i32),
        height: Set(done.height as i32),
        original_key: Set(original_key.clone()),
        thumbnail_key: Set(thumbnail_key.clone()),
        attached_kind: Set(None),
        attached_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    match row.insert(&state.db).await {
        Ok(m) => Ok(MediaOut::of(&m)),
        Err(e) => {
            super::sweep::drop_files(state, &[original_key, thumbnail_key]).await;
            Err(e.into())
        }
    }
}
