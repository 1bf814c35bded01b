//! Operations endpoints, outside `/api/v1`: liveness, readiness, metrics.

use crate::error::{AppError, ErrorCode, FieldError};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// 存活状态
#[derive(Serialize, ToSchema)]
pub struct HealthOut {
    /// 固定为 `ok`
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// 就绪状态：所依赖的存储均可达
#[derive(Serialize, ToSchema)]
pub struct ReadyOut {
    /// 固定为 `ready`
    #[schema(example = "ready")]
    pub status: &'static str,
    /// 数据库类型：`sqlite` 或 `postgres`
    pub database: &'static str,
    /// 键值存储类型：`memory`（进程内）或 `redis`
    pub kv: &'static str,
    /// 图片存储类型：`local`（本地目录 MEDIA_DIR）或 `s3`（S3 兼容的存储桶）
    pub media: &'static str,
}

/// 存活检查
///
/// 进程在运行并能响应。
#[utoipa::path(
    tag = "运维",
    responses((status = 200, description = "进程存活", body = HealthOut))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<HealthOut> {
    web::Json(HealthOut { status: "ok" })
}

/// 就绪检查
///
/// 数据库、键值存储与图片存储（配置了 S3 存储桶时）均可用。
#[utoipa::path(
    tag = "运维",
    responses(
        (status = 200, description = "可以接收流量", body = ReadyOut),
        (status = 503, description = "`NOT_READY`：数据库、Redis 或图片存储桶不可达，errors 列出失败的组件（database、read_replica、kv、media）"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<ReadyOut>, AppError> {
    let failed = unreachable(&state).await;
    if !failed.is_empty() {
        let mut err = AppError::validation(
            failed
                .iter()
                .map(|c| FieldError {
                    field: (*c).to_owned(),
                    message: "不可达".to_owned(),
                })
                .collect(),
        );
        err.code = ErrorCode::NotReady;
        err.retry_after = Some(5);
        return Err(err);
    }
    Ok(web::Json(ReadyOut {
        status: "ready",
        database: crate::db::backend_name(&state.db),
        kv: state.kv.backend(),
        media: state.media.backend(),
    }))
}

/// The stores that do not answer a ping in time (each cause is logged).
async fn unreachable(state: &AppState) -> Vec<&'static str> {
    // The replica is checked only when it is one: otherwise it is the primary's own pool.
    let replica = state.config.database_read_url.is_some();
    let (db, read, kv, media) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()),
        async {
            if replica {
                tokio::time::timeout(CHECK_TIMEOUT, state.read.ping()).await
            } else {
                Ok(Ok(()))
            }
        },
        tokio::time::timeout(CHECK_TIMEOUT, state.kv.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, state.media.ping()),
    );
    let causes = [
        (
            "database",
            db.map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| e.to_string())),
        ),
        (
            "read_replica",
            read.map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| e.to_string())),
        ),
        (
            "kv",
            kv.map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| e.to_string())),
        ),
        (
            "media",
            media
                .map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| format!("{e:#}"))),
        ),
    ];
    causes
        .into_iter()
        .filter_map(|(component, result)| {
            let cause = result.err()?;
            tracing::warn!(component, cause, "readiness check failed");
            Some(component)
        })
        .collect()
}

/// 监控指标
///
/// Prometheus 文本格式。
#[utoipa::path(
    tag = "运维",
    responses((status = 200, description = "Prometheus 文本格式指标：http_requests_total、http_request_duration_seconds、db_pool_connections",
        body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&state.db))
}
