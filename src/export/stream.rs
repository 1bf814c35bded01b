//! The format of a list's answer, and the streamed CSV download.
//!
//! `?format=csv` (or `Accept: text/csv` without `format`) asks for CSV; anything else is JSON as
//! before. A CSV list is streamed: the first chunk is the byte order mark, the header and the
//! first page; each next page is fetched by feeding the cursor back into the same domain function
//! the JSON view calls (reading the replica, `AppState::read`), so memory stays one page whatever
//! the length and no connection is held between pages. Errors found before the first byte (login,
//! scope, query, the first page) are the usual problem+json. A failure on a later page is logged
//! and the connection is closed without the chunked body's last chunk, so a client sees a broken
//! transfer instead of a short file; every line sent is whole.

use super::table::{CsvRow, CsvTable, head, row_lines, table_bytes};
use crate::api::{EXPORT_PAGE, Page, Paged};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::stream::{self, StreamExt};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// 返回格式
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// JSON（默认）
    Json,
    /// CSV 文件（UTF-8 带 BOM，Excel 可直接打开）
    Csv,
}

/// The `format` parameter, documented on every route that exports (`params(…, FormatQuery)`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// 返回格式：json（默认）或 csv。csv 为整表下载（分页列表从 cursor 起导出全部行，不受 limit 截断；
    /// 时间为北京时间 `YYYY-MM-DD HH:MM:SS`；手机号与 JSON 一样脱敏）。不传时 `Accept: text/csv` 也返回 CSV
    pub format: Option<ExportFormat>,
}

/// What the request asked for: JSON, or a CSV file.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub format: ExportFormat,
}

impl FromRequest for Want {
    type Error = AppError;
    type Future = std::future::Ready<Result<Want, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(want_of(req))
    }
}

fn want_of(req: &HttpRequest) -> AppResult<Want> {
    let mut asked = None;
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k == "format" {
            asked = Some(match &*v {
                "json" => ExportFormat::Json,
                "csv" => ExportFormat::Csv,
                _ => {
                    let mut e = AppError::new(ErrorCode::InvalidQuery).with_detail("format 须为 json 或 csv");
                    e.errors.push(FieldError {
                        field: "format".into(),
                        message: "须为 json 或 csv".into(),
                    });
                    return Err(e);
                }
            });
        }
    }
    let format = asked.unwrap_or_else(|| {
        let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
        if accept.is_some_and(prefers_csv) {
            ExportFormat::Csv
        } else {
            ExportFormat::Json
        }
    });
    Ok(Want { format })
}

/// `Accept` names `text/csv` with a higher weight than `application/json` (absent counts 0).
fn prefers_csv(accept: &str) -> bool {
    let weight = |wanted: &str| {
        accept
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next()?;
                if !media.eq_ignore_ascii_case(wanted) {
                    return None;
                }
                let q = parts
                    .find_map(|p| p.strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
                Some(q)
            })
            .fold(0.0f32, f32::max)
    };
    let csv = weight("text/csv");
    csv > 0.0 && csv > weight("application/json")
}

impl Want {
    pub fn csv(&self) -> bool {
        self.format == ExportFormat::Csv
    }

    /// Where a table is read: the replica for a CSV export, the primary for JSON (as before).
    pub fn conn<'a>(&self, state: &'a AppState) -> &'a DatabaseConnection {
        if self.csv() { &state.read } else { &state.db }
    }

    /// A paged list. JSON: the one page `q` asks for, read from the primary. CSV: every row from
    /// `q`'s cursor on, `limit` rows (default [`EXPORT_PAGE`]) a fetch, read from the replica;
    /// `name` names the file.
    pub async fn list<Q, T, F>(
        self,
        state: &AppState,
        name: &str,
        mut q: Q,
        fetch: F,
    ) -> AppResult<HttpResponse>
    where
        Q: Paged + 'static,
        T: Serialize + ToSchema + CsvRow + 'static,
        F: AsyncFn(&DatabaseConnection, &Q) -> AppResult<Page<T>> + 'static,
    {
        if !self.csv() {
            return Ok(HttpResponse::Ok().json(fetch(&state.db, &q).await?));
        }
        let limit = q.page_mut().1.get_or_insert(EXPORT_PAGE);
        *limit = (*limit).clamp(1, EXPORT_PAGE);
        let read = state.read.clone();
        let first = fetch(&read, &q).await?;
        let mut bytes = head(&T::headers())?;
        bytes.extend(row_lines(&first.items)?);
        let list = name.to_owned();
        let rest = stream::unfold(first.next_cursor.map(|c| (c, fetch, q, read)), move |left| {
            let list = list.clone();
            async move {
                let (cursor, fetch, mut q, read) = left?;
                *q.page_mut().0 = Some(cursor);
                let page = fetch(&read, &q).await;
                match page.and_then(|p| Ok((row_lines(&p.items)?, p.next_cursor))) {
                    Ok((bytes, next)) => Some((Ok(Bytes::from(bytes)), next.map(|c| (c, fetch, q, read)))),
                    Err(e) => {
                        tracing::error!(list = %list, error = %e, "export stopped mid-stream");
                        Some((Err(e), None))
                    }
                }
            }
        });
        let body = stream::once(async move { Ok::<_, AppError>(Bytes::from(bytes)) }).chain(rest);
        Ok(csv_response(state, name).streaming(body))
    }

    /// A table written from one answer: JSON as it is, or the table as CSV.
    pub fn table<T: Serialize + CsvTable>(
        self,
        state: &AppState,
        name: &str,
        answer: &T,
    ) -> AppResult<HttpResponse> {
        if !self.csv() {
            return Ok(HttpResponse::Ok().json(answer));
        }
        Ok(csv_response(state, name).body(table_bytes(answer)?))
    }
}

/// `200 text/csv`, named `<name>-<yyyymmdd>.csv` by today's date in China.
fn csv_response(state: &AppState, name: &str) -> actix_web::HttpResponseBuilder {
    let day = state
        .clock
        .now()
        .with_timezone(&crate::calendar::china())
        .format("%Y%m%d");
    let mut res = HttpResponse::Ok();
    res.content_type("text/csv; charset=utf-8").insert_header((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}-{day}.csv\""),
    ));
    res
}

#[cfg(test)]
mod tests {
    use super::prefers_csv;

    #[test]
    fn accept_picks_csv_only_when_it_outweighs_json() {
        assert!(prefers_csv("text/csv"));
        assert!(prefers_csv("text/csv, application/json;q=0.5"));
        assert!(prefers_csv("TEXT/CSV;q=0.9, */*;q=0.1"));
        assert!(!prefers_csv("application/json, text/csv"));
        assert!(!prefers_csv("text/csv;q=0"));
        assert!(!prefers_csv("*/*"));
        assert!(!prefers_csv("application/json"));
        assert!(!prefers_csv("text/csv;q=abc"));
    }
}
