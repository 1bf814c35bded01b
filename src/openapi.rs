//! The OpenAPI document, collected from the route registration in [`crate::routes`].

use crate::error::{ErrorCode, FieldError, Problem};
use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Schema};
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
    tags(
        (name = "登录", description = "微信登录、密码登录、令牌刷新与退出"),
        (name = "我的", description = "当前用户、居住地、密码"),
        (name = "区域", description = "县→街道→社区→网格→楼栋 区域树"),
        (name = "角色", description = "在区域上授予的角色，对其全部下级有效"),
        (name = "双报到", description = "单位报到与党员报到"),
        (name = "居住地", description = "居民申报的居住地，由该处的社区工作者确认或驳回"),
        (name = "服务项目", description = "社区的服务项目（服务岗位）目录"),
        (name = "订单", description = "群众点单 → 社区派单 → 党员接单 → 服务 → 评单，及吹哨报到"),
        (name = "通知", description = "小程序订阅消息次数，调度台的实时事件流（SSE）"),
        (name = "积分", description = "时间银行（服务时长，分钟）与绿币：余额、流水、对账"),
        (name = "爱心超市", description = "爱心超市：商品与库存、绿币兑换（冻结→取货入账/取消或过期解冻）、取货码核销、月度结算"),
        (name = "志愿活动", description = "志愿活动与志愿服务队：发布、报名与候补、扫码（或手工）签到签退、服务时长按次计入时间银行；志愿服务记录、更正与星级"),
        (name = "统计", description = "区域统计：日期区间内的订单数、响应率、解决率、满意率、办结率与用时，按下级区域分项"),
        (name = "吹哨报到", description = "街乡吹哨、部门报到：工作人员向职能部门吹哨 → 部门在时限内报到、办结 → 无人服务的订单待居民评价；超时计入黑榜并自动上报一级。时限按区域与紧急程度设定"),
        (name = "微心愿", description = "居民发布微心愿 → 社区审核 → 党员或驻区单位认领（一人成功）→ 圆梦 → 居民确认（逾期自动确认）"),
        (name = "晒单", description = "公开的已完成服务、已圆梦心愿与评单统计（无需登录，已脱敏）"),
        (name = "问题清单", description = "每月问题清单：网格、社区摸底排查（默认 10 日前进当月清单）→ 联席会议采纳、合并或不予采纳并发布（默认 15 日前）→ 驻区单位认领（揭榜挂帅，一家成功）→ 解决；到期（默认 25 日）未解决的移交街道"),
        (name = "共建清单", description = "共建：驻区单位向社区提供资源（场地、志愿者、资金、技能，含可用时间）→ 社区发布需求与共建项目 → 在社区报到的单位承接项目（一家承接）→ 报告进展 → 完成；完成前社区可取消"),
        (name = "图片", description = "上传图片（multipart）得到引用 media:{id}，用于订单、完成照片、心愿、问题清单与商品；按内容判断类型，去除 EXIF/GPS 元数据，生成缩略图；读取权限随所属对象"),
        (name = "运维", description = "健康检查、就绪检查与监控指标（不在 /api/v1 下）"),
    ),
    // Enums met only in query parameters: `IntoParams` refers to their schemas without adding
    // them, so they are declared here (a test fails on any `$ref` that resolves to nothing).
    components(schemas(
        Problem,
        FieldError,
        ErrorCode,
        crate::orders::listing::Scope,
        crate::orders::showcase::RatedBy,
        crate::wishes::listing::MineRole,
        entity::transfer::TransferKind,
        crate::export::stream::ExportFormat
    )),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Access tokens go in `Authorization: Bearer …`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "登录接口返回的 access_token。过期时返回 401 `TOKEN_EXPIRED`：\
用 refresh_token 调用 /api/v1/auth/refresh 换新后重试；其他无效令牌返回 401 `UNAUTHORIZED`：需重新登录",
                    ))
                    .build(),
            ),
        );
    }
}

/// Builds the document from the same registration the server uses.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    add_default_problem(&mut doc);
    state_edge_rules(&mut doc);
    doc
}

/// The spec's pattern for free text: the extractors refuse NUL in every string (see
/// [`crate::extract`]); strings with a stricter pattern, a format or an enum already exclude it.
pub const NO_NUL_PATTERN: &str = "^[^\\x00]*$";

/// Rules the extractors apply to every request, stated where the spec can carry them:
/// path ids as [`crate::extract::PathId`] reads them, and no NUL in any free string.
fn state_edge_rules(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
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
            for param in op.parameters.iter_mut().flatten() {
                let RefOr::T(param) = param else { continue };
                let in_path = matches!(param.parameter_in, ParameterIn::Path);
                if in_path && param.name == "number" {
                    // A certificate number: its routes declare the pattern.
                    continue;
                }
                if in_path {
                    param.schema = Some(crate::api::id_schema().into());
                } else if param.name == crate::idempotency::HEADER {
                    // What `extract::idempotency::header_key` accepts.
                    param.schema = Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::Type::String)
                            .pattern(Some("^[!-~]{1,64}$"))
                            .into(),
                    );
                } else if let Some(schema) = param.schema.as_mut() {
                    forbid_nul(schema);
                }
            }
        }
    }
    if let Some(components) = doc.components.as_mut() {
        for schema in components.schemas.values_mut() {
            forbid_nul(schema);
        }
    }
}

fn forbid_nul(schema: &mut RefOr<Schema>) {
    use utoipa::openapi::schema::{ArrayItems, SchemaType, Type};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            let is_string = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
                o.pattern = Some(NO_NUL_PATTERN.to_owned());
            }
            for prop in o.properties.values_mut() {
                forbid_nul(prop);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                forbid_nul(items);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(forbid_nul),
        Schema::AllOf(all) => all.items.iter_mut().for_each(forbid_nul),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

/// Every operation can fail with a problem+json answer; say so once, for all of them.
fn add_default_problem(doc: &mut utoipa::openapi::OpenApi) {
    let problem = ResponseBuilder::new()
        .description(
            "错误：`application/problem+json`，按 `code` 区分（见 ErrorCode）。\
常见：400 VALIDATION_FAILED / MALFORMED_JSON，401 UNAUTHORIZED / TOKEN_EXPIRED（令牌过期，刷新后重试），\
403，404，405，413，415，429（带 Retry-After），500。",
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
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ]
        .into_iter()
        .filter_map(|(m, op)| op.as_mut().map(|op| (m, op)))
        {
            // Handler names repeat across modules (`create`, `list`): client generators need
            // unique ids, so derive them from the method and path.
            op.operation_id = Some(operation_id(method, path));
            op.responses
                .responses
                .entry("default".into())
                .or_insert_with(|| RefOr::Ref(Ref::new("#/components/responses/Problem")));
            problem_bodies(&mut op.responses);
        }
    }
}

/// Operations declare their errors as `(status = 4xx, description = "`CODE`：…")` only; every
/// 4xx/5xx answer is a problem+json body, stated here once instead of on each line.
fn problem_bodies(responses: &mut utoipa::openapi::Responses) {
    for (status, response) in responses.responses.iter_mut() {
        let is_error = status.parse::<u16>().is_ok_and(|s| s >= 400);
        if let (true, RefOr::T(response)) = (is_error, response)
            && response.content.is_empty()
        {
            response.content.insert(
                crate::error::PROBLEM_JSON.into(),
                RefOr::T(
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                ),
            );
        }
    }
}

/// `POST /api/v1/orders/{id}/claim` → `post_orders_by_id_claim`.
fn operation_id(method: &str, path: &str) -> String {
    let parts = path
        .trim_start_matches("/api/v1")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') {
                format!("by_{}", s.trim_matches(['{', '}']))
            } else {
                s.replace('-', "_")
            }
        });
    std::iter::once(method.to_owned())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("_")
}

/// Pretty JSON with a trailing newline, the committed form.
pub fn to_json() -> String {
    let mut s = document().to_pretty_json().expect("the document serialises");
    s.push('\n');
    s
}
