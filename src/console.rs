//! The staff console (`/console/`): static pages embedded in the binary, so `cargo run` serves
//! them with nothing else installed. They call the same `/api/v1` as every other client; no
//! route here reads or writes data.

use crate::error::{AppError, ErrorCode};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use actix_web::{HttpResponse, web};

#[derive(rust_embed::Embed)]
#[folder = "console/"]
struct Assets;

/// What the pages may load: their own files only; ECharts draws with inline styles.
const POLICY: &str = "default-src 'self'; img-src 'self' https: data: blob:; style-src 'self' 'unsafe-inline'; \
                      script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "text/plain; charset=utf-8",
    }
}

/// `GET /console/{path}`: the file, or the page itself for the folder.
pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = match path.as_str() {
        "" => "index.html",
        p => p,
    };
    match Assets::get(path) {
        Some(file) => Ok(HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, content_type(path)))
            .insert_header((CONTENT_SECURITY_POLICY, POLICY))
            .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((CACHE_CONTROL, "no-cache"))
            .body(file.data.into_owned())),
        None => Err(AppError::new(ErrorCode::NotFound)),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/console", "/console/"))
        .route("/console/{path:.*}", web::get().to(serve));
}
