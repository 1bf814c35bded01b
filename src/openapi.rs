//! The OpenAPI document, collected from the route registration in [`crate::routes`].

use crate::error::{ErrorCode, FieldError, Problem};
use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt;

pub const COMMITTED_PATH: &str = "openapi/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "linli 邻里",
        description = "社区“群众点单、社区派单、党员接单”服务平台的公开接口。\n\n\
所有业务接口位于 `/api/v1`，JSON 格式，时间为 RFC 3339 UTC，id 为字符串。\n\
出错时返回 `application/problem+json`（RFC 9457），其中 `code` 是稳定的错误代码，`title` 为可直接展示的中文说明。\n\
列表接口使用游标分页：`?cursor=&limit=`（limit 最大 100），返回 `{\"items\":[…],\"next_cursor\":null|\"…\"}`。",
        license(name = "MIT")
    ),
    tags((name = "运维", description = "健康检查、就绪检查与监控指标（不在 /api/v1 下）")),
    components(schemas(Problem, FieldError, ErrorCode))
)]
struct ApiDoc;

/// Builds the document from the same registration the server uses.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    add_default_problem(&mut doc);
    doc
}

/// Every operation can fail with a problem+json answer; say so once, for all of them.
fn add_default_problem(doc: &mut utoipa::openapi::OpenApi) {
    let problem = ResponseBuilder::new()
        .description(
            "错误：`application/problem+json`，按 `code` 区分（见 ErrorCode）。\
常见：400 VALIDATION_FAILED / MALFORMED_JSON，401，403，404，405，413，415，429（带 Retry-After），500。",
        )
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert("Problem".into(), RefOr::T(problem));
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            op.responses
                .responses
                .entry("default".into())
                .or_insert_with(|| RefOr::Ref(Ref::new("#/components/responses/Problem")));
        }
    }
}

/// Pretty JSON with a trailing newline, the committed form.
pub fn to_json() -> String {
    let mut s = document().to_pretty_json().expect("the document serialises");
    s.push('\n');
    s
}
