//! Every route is registered once, here; the OpenAPI document is collected from the same calls.

use crate::error::{AppError, ErrorCode, PROBLEM_JSON, Problem};
use crate::ops;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, guard, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, PathItem};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(
            scope("/api/v1")
                .configure(crate::auth::routes::configure)
                .configure(crate::users::routes::configure)
                .configure(crate::regions::routes::configure)
                .configure(crate::reports::routes::configure)
                .configure(crate::residences::routes::configure)
                .configure(crate::orders::routes::configure)
                .configure(crate::notify::routes::configure)
                .configure(crate::ledger::routes::configure)
                .configure(crate::store::routes::configure)
                // `/activities/upcoming` also reads as `/activities/{id}`: other methods on it
                // answer 405 here rather than reach the `{id}` routes (404 for a non-id).
                .route(
                    "/activities/upcoming",
                    web::route().guard(guard::Not(guard::Get())).to(fallback),
                )
                .configure(crate::activities::routes::configure)
                .configure(crate::teams::routes::configure)
                .configure(crate::records::routes::configure)
                .configure(crate::stats::routes::configure)
                .configure(crate::wishes::routes::configure)
                .configure(crate::whistles::routes::configure)
                .configure(crate::certificates::routes::configure)
                .configure(crate::problems::routes::configure)
                .configure(crate::boards::routes::configure)
                .configure(crate::projects::routes::configure)
                .configure(crate::media::routes::configure),
        );
}

/// Path templates and their methods, from the OpenAPI document, to tell 404 from 405.
pub struct RouteTable {
    routes: Vec<(Vec<Option<String>>, Vec<&'static str>)>,
}

const METHODS: [(HttpMethod, &str); 7] = [
    (HttpMethod::Get, "GET"),
    (HttpMethod::Post, "POST"),
    (HttpMethod::Put, "PUT"),
    (HttpMethod::Patch, "PATCH"),
    (HttpMethod::Delete, "DELETE"),
    (HttpMethod::Head, "HEAD"),
    (HttpMethod::Options, "OPTIONS"),
];

fn methods_of(item: &PathItem) -> Vec<&'static str> {
    METHODS
        .iter()
        .filter(|(m, _)| match m {
            HttpMethod::Get => item.get.is_some(),
            HttpMethod::Post => item.post.is_some(),
            HttpMethod::Put => item.put.is_some(),
            HttpMethod::Patch => item.patch.is_some(),
            HttpMethod::Delete => item.delete.is_some(),
            HttpMethod::Head => item.head.is_some(),
            HttpMethod::Options => item.options.is_some(),
            HttpMethod::Trace => item.trace.is_some(),
        })
        .map(|(_, name)| *name)
        .collect()
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

impl RouteTable {
    pub fn new(doc: &OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segs = segments(template)
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                (segs, methods_of(item))
            })
            .collect();
        RouteTable { routes }
    }

    /// Methods the path answers to; empty when no route has this path. A path spelled out in full
    /// (`/activities/upcoming`) shadows the templates it also matches (`/activities/{id}`).
    pub fn allowed(&self, path: &str) -> Vec<&'static str> {
        let segs: Vec<&str> = segments(path).collect();
        let matching: Vec<&(Vec<Option<String>>, Vec<&'static str>)> = self
            .routes
            .iter()
            .filter(|(tpl, _)| {
                tpl.len() == segs.len()
                    && tpl
                        .iter()
                        .zip(&segs)
                        .all(|(t, s)| t.as_deref().is_none_or(|t| t == *s))
            })
            .collect();
        let literal: Vec<_> = matching
            .iter()
            .filter(|(tpl, _)| tpl.iter().all(Option::is_some))
            .copied()
            .collect();
        let chosen = if literal.is_empty() { matching } else { literal };
        let mut out: Vec<&'static str> = chosen.iter().flat_map(|(_, m)| m.iter().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Answers requests no route took: 405 when the path exists under another method, else 404.
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> Result<HttpResponse, AppError> {
    let allowed = table.allowed(req.path());
    if allowed.is_empty() {
        return Err(AppError::new(ErrorCode::RouteNotFound).with_detail(format!(
            "{} {}",
            req.method(),
            req.path()
        )));
    }
    let mut err =
        AppError::new(ErrorCode::MethodNotAllowed).with_detail(format!("该接口支持：{}", allowed.join(", ")));
    err.allow = Some(allowed.join(", "));
    Err(err)
}

/// Safety net: an error response made outside our handlers (a library's plain 404, say)
/// still leaves as problem+json.
pub fn ensure_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = ErrorCode::for_status(status);
    let problem = Problem {
        status: status.as_u16(),
        ..AppError::new(code).problem()
    };
    let (req, _) = res.into_parts();
    let body = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(serde_json::to_vec(&problem).unwrap_or_default());
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, body).map_into_right_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_table_tells_methods_by_template() {
        let table = RouteTable::new(&crate::openapi::document());
        assert_eq!(table.allowed("/healthz"), ["GET"]);
        assert_eq!(table.allowed("/healthz/"), ["GET"]);
        assert!(table.allowed("/nope").is_empty());
        assert!(table.allowed("/").is_empty());
        // Spelled out in full, a path is not also read as a template's `{id}`.
        assert_eq!(table.allowed("/api/v1/activities/upcoming"), ["GET"]);
        assert_eq!(table.allowed("/api/v1/activities/7"), ["GET", "PATCH"]);
    }
}
