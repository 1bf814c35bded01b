//! Error policy: every failure leaves the service as one [`AppError`], answered as
//! RFC 9457 `application/problem+json` with a stable machine `code` and a Chinese
//! `title`. Expected failures (4xx) carry a detail for the caller; unexpected ones
//! (5xx) are opaque to the caller while the log keeps the whole cause chain.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

pub const PROBLEM_JSON: &str = "application/problem+json";

macro_rules! error_codes {
    ($($variant:ident = $code:literal => $status:ident, $title:literal;)*) => {
        /// Stable machine-readable error codes. Clients branch on these, never on titles.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),* }
            }

            /// Chinese title a resident can read.
            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),* }
            }
        }
    };
}

error_codes! {
    BadRequest = "BAD_REQUEST" => BAD_REQUEST, "请求格式不正确";
    MalformedJson = "MALFORMED_JSON" => BAD_REQUEST, "请求体不是有效的 JSON";
    ValidationFailed = "VALIDATION_FAILED" => BAD_REQUEST, "提交的内容有误，请检查后重试";
    InvalidQuery = "INVALID_QUERY" => BAD_REQUEST, "查询参数有误";
    ScopeTargetRequired = "SCOPE_TARGET_REQUIRED" => UNPROCESSABLE_ENTITY, "请指定要查看的区域或单位";
    Unauthorized = "UNAUTHORIZED" => UNAUTHORIZED, "请先登录";
    TokenExpired = "TOKEN_EXPIRED" => UNAUTHORIZED, "登录已过期，请刷新";
    FreshLoginRequired = "FRESH_LOGIN_REQUIRED" => FORBIDDEN, "为了账号安全，请重新登录后再设置密码";
    Forbidden = "FORBIDDEN" => FORBIDDEN, "没有权限执行此操作";
    NotFound = "NOT_FOUND" => NOT_FOUND, "要找的内容不存在";
    RouteNotFound = "ROUTE_NOT_FOUND" => NOT_FOUND, "接口不存在";
    MethodNotAllowed = "METHOD_NOT_ALLOWED" => METHOD_NOT_ALLOWED, "接口不支持该请求方法";
    Conflict = "CONFLICT" => CONFLICT, "操作冲突，请刷新后重试";
    PayloadTooLarge = "PAYLOAD_TOO_LARGE" => PAYLOAD_TOO_LARGE, "请求内容过大";
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" => UNSUPPORTED_MEDIA_TYPE, "请求内容类型不受支持，请使用 application/json";
    RateLimited = "RATE_LIMITED" => TOO_MANY_REQUESTS, "操作太频繁，请稍后再试";
    TooManyStreams = "TOO_MANY_STREAMS" => TOO_MANY_REQUESTS, "打开的实时推送太多，请先关闭其他调度台页面";
    Internal = "INTERNAL" => INTERNAL_SERVER_ERROR, "服务器开小差了，请稍后再试";
    NotReady = "NOT_READY" => SERVICE_UNAVAILABLE, "服务暂时不可用";
    LoginFailed = "LOGIN_FAILED" => UNAUTHORIZED, "手机号或密码不正确";
    RefreshTokenInvalid = "REFRESH_TOKEN_INVALID" => UNAUTHORIZED, "登录已失效，请重新登录";
    RefreshTokenReused = "REFRESH_TOKEN_REUSED" => UNAUTHORIZED, "登录凭证已被使用，为安全起见请重新登录";
    WechatCodeInvalid = "WECHAT_CODE_INVALID" => BAD_REQUEST, "微信登录凭证无效，请重新进入小程序";
    WechatCodeUsed = "WECHAT_CODE_USED" => BAD_REQUEST, "微信登录凭证已使用，请重试";
    WechatRateLimited = "WECHAT_RATE_LIMITED" => TOO_MANY_REQUESTS, "微信登录过于频繁，请稍后再试";
    WechatUnavailable = "WECHAT_UNAVAILABLE" => SERVICE_UNAVAILABLE, "微信服务繁忙，请稍后再试";
    WechatNotConfigured = "WECHAT_NOT_CONFIGURED" => SERVICE_UNAVAILABLE, "未配置微信小程序，暂不能使用微信登录";
    RegionKindInvalid = "REGION_KIND_INVALID" => UNPROCESSABLE_ENTITY, "区域层级不符合 县→街道→社区→网格→楼栋 的顺序";
    RegionNameTaken = "REGION_NAME_TAKEN" => CONFLICT, "同一上级下已有同名区域";
    RegionMoveInvalid = "REGION_MOVE_INVALID" => UNPROCESSABLE_ENTITY, "不能这样移动区域";
    RoleAlreadyGranted = "ROLE_ALREADY_GRANTED" => CONFLICT, "该用户在此区域已有这个角色";
    UserNotFound = "USER_NOT_FOUND" => NOT_FOUND, "用户不存在";
    UnitRequired = "UNIT_REQUIRED" => UNPROCESSABLE_ENTITY, "单位管理员必须指定所属驻区单位";
    UnitNotApplicable = "UNIT_NOT_APPLICABLE" => UNPROCESSABLE_ENTITY, "只有单位管理员需要指定驻区单位";
    UnitNameTaken = "UNIT_NAME_TAKEN" => CONFLICT, "该社区已有同名驻区单位";
    NotResidentHere = "NOT_RESIDENT_HERE" => UNPROCESSABLE_ENTITY, "请先把居住地设置在该社区内并经社区确认，再进行党员报到";
    ReportExists = "REPORT_EXISTS" => CONFLICT, "你已在该社区报到，请勿重复提交";
    ReportNotPending = "REPORT_NOT_PENDING" => CONFLICT, "该报到已审核过";
    ResidenceNotPending = "RESIDENCE_NOT_PENDING" => CONFLICT, "该居住地申报已审核过";
    OrderInvalidTransition = "ORDER_INVALID_TRANSITION" => CONFLICT, "订单当前状态不允许此操作";
    OrderAlreadyClaimed = "ORDER_ALREADY_CLAIMED" => CONFLICT, "手慢了，订单已被接走";
    TooManyOpenOrders = "TOO_MANY_OPEN_ORDERS" => CONFLICT, "你手上未完成的订单已达上限，请先完成再接单";
    OrderRegionInvalid = "ORDER_REGION_INVALID" => UNPROCESSABLE_ENTITY, "只能在自己居住的社区或网格下单，请先设置居住地";
    ServiceItemUnavailable = "SERVICE_ITEM_UNAVAILABLE" => UNPROCESSABLE_ENTITY, "该服务项目不存在或已停用";
    ServiceItemNameTaken = "SERVICE_ITEM_NAME_TAKEN" => CONFLICT, "本社区已有同名服务项目";
    EscalationTop = "ESCALATION_TOP" => UNPROCESSABLE_ENTITY, "已是最高一级，无法继续上报";
    AssigneeInvalid = "ASSIGNEE_INVALID" => UNPROCESSABLE_ENTITY, "指派对象不是该区域的党员或驻区单位";
    OrderChanged = "ORDER_CHANGED" => CONFLICT, "订单刚被他人更新，请刷新后重试";
    OwnOrder = "OWN_ORDER" => UNPROCESSABLE_ENTITY, "不能为自己下的订单服务";
    ReviewMinutesRaised = "REVIEW_MINUTES_RAISED" => UNPROCESSABLE_ENTITY, "回访结单只能调低计入的分钟数，不能调高";
    InsufficientBalance = "INSUFFICIENT_BALANCE" => CONFLICT, "余额不足";
    IdempotencyKeyRequired = "IDEMPOTENCY_KEY_REQUIRED" => BAD_REQUEST, "请在请求头 Idempotency-Key 中提供幂等键";
    IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED" => UNPROCESSABLE_ENTITY, "该幂等键已用于另一个请求";
    IdempotencyKeyInFlight = "IDEMPOTENCY_KEY_IN_FLIGHT" => CONFLICT, "相同的请求正在处理中，请稍后查看结果";
    TransferAlreadyReversed = "TRANSFER_ALREADY_REVERSED" => CONFLICT, "该笔转账已冲正过";
    GrantLimitExceeded = "GRANT_LIMIT_EXCEEDED" => UNPROCESSABLE_ENTITY, "超过发放上限";
    RecipientInvalid = "RECIPIENT_INVALID" => UNPROCESSABLE_ENTITY, "收款人无效";
    SelfGrant = "SELF_GRANT" => UNPROCESSABLE_ENTITY, "不能给自己发放积分，请由其他工作人员发放";
    HoldNotPending = "HOLD_NOT_PENDING" => CONFLICT, "该笔冻结已入账或已解冻";
    StoreNameTaken = "STORE_NAME_TAKEN" => CONFLICT, "本社区已有同名爱心超市";
    GoodsNameTaken = "GOODS_NAME_TAKEN" => CONFLICT, "本超市已有同名商品";
    StoreUnavailable = "STORE_UNAVAILABLE" => UNPROCESSABLE_ENTITY, "该爱心超市暂停兑换";
    GoodsUnavailable = "GOODS_UNAVAILABLE" => UNPROCESSABLE_ENTITY, "商品不存在或已下架";
    OutOfStock = "OUT_OF_STOCK" => CONFLICT, "商品库存不足";
    GoodsRepeated = "GOODS_REPEATED" => UNPROCESSABLE_ENTITY, "同一商品请合并为一项";
    GoodsChanged = "GOODS_CHANGED" => CONFLICT, "商品信息刚刚更新，请刷新后重试";
    LimitExceeded = "LIMIT_EXCEEDED" => UNPROCESSABLE_ENTITY, "超过每人每月限兑数量";
    PickupCodeInvalid = "PICKUP_CODE_INVALID" => UNPROCESSABLE_ENTITY, "取货码不正确";
    RedemptionNotPending = "REDEMPTION_NOT_PENDING" => CONFLICT, "该兑换已取货、已取消或已过期";
    ActivityCancelled = "ACTIVITY_CANCELLED" => CONFLICT, "该活动已取消";
    ActivityStarted = "ACTIVITY_STARTED" => CONFLICT, "活动已开始，不能再修改或取消";
    ActivityEnded = "ACTIVITY_ENDED" => CONFLICT, "活动已结束";
    ActivityRegionInvalid = "ACTIVITY_REGION_INVALID" => UNPROCESSABLE_ENTITY, "活动只能发布在社区或网格下";
    CapacityBelowConfirmed = "CAPACITY_BELOW_CONFIRMED" => CONFLICT, "名额不能少于已确认报名的人数";
    SignupClosed = "SIGNUP_CLOSED" => CONFLICT, "报名已截止";
    NotEligible = "NOT_ELIGIBLE" => UNPROCESSABLE_ENTITY, "你不符合该活动的报名条件";
    AlreadySignedUp = "ALREADY_SIGNED_UP" => CONFLICT, "你已报名该活动";
    NotSignedUp = "NOT_SIGNED_UP" => CONFLICT, "没有确认的报名（未报名或仍在候补）";
    CheckinNotOpen = "CHECKIN_NOT_OPEN" => CONFLICT, "签到尚未开始（活动开始前 1 小时开放）";
    CheckinCodeInvalid = "CHECKIN_CODE_INVALID" => UNPROCESSABLE_ENTITY, "签到码无效，请扫描本活动现场的签到码";
    CheckinCodeExpired = "CHECKIN_CODE_EXPIRED" => UNPROCESSABLE_ENTITY, "签到码已过期，请扫描最新的签到码";
    CheckinCodeReplayed = "CHECKIN_CODE_REPLAYED" => CONFLICT, "这个签到码你已经用过了";
    AlreadyCheckedIn = "ALREADY_CHECKED_IN" => CONFLICT, "已经签到过了";
    NotCheckedIn = "NOT_CHECKED_IN" => CONFLICT, "尚未签到，不能签退";
    AlreadyCheckedOut = "ALREADY_CHECKED_OUT" => CONFLICT, "已经签退过了";
    ActivityTimesInvalid = "ACTIVITY_TIMES_INVALID" => UNPROCESSABLE_ENTITY, "活动时间不合理：结束须晚于开始和现在，报名截止不能晚于结束";
    UnitNotInCommunity = "UNIT_NOT_IN_COMMUNITY" => UNPROCESSABLE_ENTITY, "该单位未在本社区报到";
    TeamInvalid = "TEAM_INVALID" => UNPROCESSABLE_ENTITY, "志愿服务队无效：限定服务队时须指定本社区的服务队，其他情况不能指定";
    ActivityFull = "ACTIVITY_FULL" => CONFLICT, "活动名额已满，无法现场加入";
    RecordNotCorrectable = "RECORD_NOT_CORRECTABLE" => UNPROCESSABLE_ENTITY, "更正记录不能再更正，请更正原记录";
    CorrectionEmpty = "CORRECTION_EMPTY" => UNPROCESSABLE_ENTITY, "更正的时长和绿币至少一项大于 0";
    CorrectionExceedsRecord = "CORRECTION_EXCEEDS_RECORD" => UNPROCESSABLE_ENTITY, "更正不能超过这条记录尚未冲减的时长或绿币";
    AttendanceTimeInvalid = "ATTENDANCE_TIME_INVALID" => UNPROCESSABLE_ENTITY, "签到签退时间不能晚于现在";
    TeamNameTaken = "TEAM_NAME_TAKEN" => CONFLICT, "本社区已有同名志愿服务队";
    AlreadyInTeam = "ALREADY_IN_TEAM" => CONFLICT, "你已在该志愿服务队中";
    NotInTeam = "NOT_IN_TEAM" => CONFLICT, "你不在该志愿服务队中";
    WishNotFound = "WISH_NOT_FOUND" => NOT_FOUND, "心愿不存在";
    NotAResident = "NOT_A_RESIDENT" => FORBIDDEN, "只有经社区确认居住在这里的居民才能发布心愿";
    WishNotOpen = "WISH_NOT_OPEN" => CONFLICT, "该心愿当前不可认领";
    WishAlreadyClaimed = "WISH_ALREADY_CLAIMED" => CONFLICT, "手慢了，心愿已被认领";
    WishInvalidTransition = "WISH_INVALID_TRANSITION" => CONFLICT, "心愿当前状态不允许此操作";
    OwnWish = "OWN_WISH" => UNPROCESSABLE_ENTITY, "不能认领自己发布的心愿";
    CertificatePeriodInvalid = "CERTIFICATE_PERIOD_INVALID" => UNPROCESSABLE_ENTITY, "证明期间不合理：起始日不早于 2000-01-01、不晚于截止日，截止日不晚于今天，最长 5 年";
    NothingToCertify = "NOTHING_TO_CERTIFY" => UNPROCESSABLE_ENTITY, "该期间没有计入的志愿服务时长，无法开具证明";
    NoIssuingCommunity = "NO_ISSUING_COMMUNITY" => UNPROCESSABLE_ENTITY, "你还没有所属社区（党员报到或居住地确认后才能开具证明）";
    CertificateNotFound = "CERTIFICATE_NOT_FOUND" => NOT_FOUND, "证明不存在，请核对证明编号";
    DepartmentInvalid = "DEPARTMENT_INVALID" => UNPROCESSABLE_ENTITY, "只能向本区域或上级街道、县的职能部门吹哨";
    WhistleAlreadyOpen = "WHISTLE_ALREADY_OPEN" => CONFLICT, "已向该部门吹哨，部门尚未办结";
    WhistleNotOpen = "WHISTLE_NOT_OPEN" => CONFLICT, "该吹哨已办结";
    ResidentNotInRegion = "RESIDENT_NOT_IN_REGION" => UNPROCESSABLE_ENTITY, "代办下单的居民须居住在你负责的区域内";
    DatesInvalid = "DATES_INVALID" => UNPROCESSABLE_ENTITY, "日期不合理：须在 2000 到 2100 年之间，截止不能早于起始，计划完成不能早于今天";
    NotWhistled = "NOT_WHISTLED" => FORBIDDEN, "只有被吹哨的职能部门可以报到或办结";
    ProblemNotFound = "PROBLEM_NOT_FOUND" => NOT_FOUND, "问题不存在";
    ProblemAlreadyClaimed = "PROBLEM_ALREADY_CLAIMED" => CONFLICT, "手慢了，该问题已被其他单位认领";
    ProblemInvalidState = "PROBLEM_INVALID_STATE" => CONFLICT, "问题当前状态不允许此操作";
    ProblemDeadlinePassed = "PROBLEM_DEADLINE_PASSED" => UNPROCESSABLE_ENTITY, "已到移交街道的日期，不能再认领或放弃认领";
    MeetingDecisionInvalid = "MEETING_DECISION_INVALID" => UNPROCESSABLE_ENTITY, "会议决定有误：每项须为本社区该月清单中待审议的问题，合并须并入同一清单中已采纳的问题";
    MeetingNotFound = "MEETING_NOT_FOUND" => NOT_FOUND, "联席会议记录不存在";
    ResourceNotFound = "RESOURCE_NOT_FOUND" => NOT_FOUND, "资源不存在";
    ResourceInvalidState = "RESOURCE_INVALID_STATE" => CONFLICT, "该资源已撤回";
    NeedNotFound = "NEED_NOT_FOUND" => NOT_FOUND, "需求不存在";
    NeedInvalidState = "NEED_INVALID_STATE" => CONFLICT, "该需求已关闭";
    ProjectNotFound = "PROJECT_NOT_FOUND" => NOT_FOUND, "共建项目不存在";
    ProjectAlreadyTaken = "PROJECT_ALREADY_TAKEN" => CONFLICT, "手慢了，该项目已由其他单位承接";
    ProjectInvalidState = "PROJECT_INVALID_STATE" => CONFLICT, "项目当前状态不允许此操作";
    ProjectNeedInvalid = "PROJECT_NEED_INVALID" => UNPROCESSABLE_ENTITY, "关联的需求不存在、不属于本社区或已关闭";
    MediaNotFound = "MEDIA_NOT_FOUND" => NOT_FOUND, "图片不存在";
    PictureUnsupported = "PICTURE_UNSUPPORTED" => UNSUPPORTED_MEDIA_TYPE, "图片格式不支持，请上传 JPEG、PNG 或 WebP 图片";
    MediaInvalid = "MEDIA_INVALID" => UNPROCESSABLE_ENTITY, "图片引用无效：须是本人上传、尚未用于其他对象且未过期的图片";
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl ErrorCode {
    /// Whether a call made with an `Idempotency-Key` and refused with this code answers the same
    /// refusal when retried with that key. A refusal because something changed at the same moment
    /// is not kept, nor one for calling too often: the retry runs afresh.
    pub fn replayed(self) -> bool {
        self.status().is_client_error() && !matches!(self, ErrorCode::GoodsChanged | ErrorCode::RateLimited)
    }

    /// Best code for a bare status produced outside our handlers.
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::NotReady,
            s if s.is_client_error() => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// The spec lists every code with its status and title, generated from the table above.
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        let list: Vec<String> = ErrorCode::ALL
            .iter()
            .map(|c| format!("- `{}` ({}): {}", c, c.status().as_u16(), c.title()))
            .collect();
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(format!(
                "稳定的错误代码，前端据此判断错误类型（不要依据 title 文案）：\n{}",
                list.join("\n")
            )))
            .into()
    }
}
impl ToSchema for ErrorCode {}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// 出错的字段路径，如 `items[0].quantity`
    pub field: String,
    /// 中文错误说明
    pub message: String,
}

/// RFC 9457 problem details, the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// 问题类型 URI（`urn:linli:problem:<code>`）
    #[serde(rename = "type")]
    pub type_uri: String,
    /// 中文标题，可直接展示给用户
    pub title: String,
    /// HTTP 状态码
    pub status: u16,
    pub code: ErrorCode,
    /// 具体说明（可选）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// 校验失败时的字段错误列表
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// The one error type of the service.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    /// Seconds, sent as `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
    /// Methods, sent as `Allow` (405).
    pub allow: Option<String>,
    source: Option<anyhow::Error>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        AppError {
            code,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
            allow: None,
            source: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        AppError {
            errors,
            ..AppError::new(ErrorCode::ValidationFailed)
        }
    }

    /// An unexpected failure: the caller sees an opaque 500, the log sees `err`. When `err` says
    /// a store is out of reach ([`unavailable`]) the answer is 503 `NOT_READY` with `Retry-After`.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        match unavailable(&err) {
            Some(store) => AppError {
                detail: Some(store.detail().to_owned()),
                retry_after: Some(UNAVAILABLE_RETRY_SECS),
                source: Some(err),
                ..AppError::new(ErrorCode::NotReady)
            },
            None => AppError {
                source: Some(err),
                ..AppError::new(ErrorCode::Internal)
            },
        }
    }

    /// The database error behind an unexpected failure, if that is what it was.
    pub fn db_err(&self) -> Option<&sea_orm::DbErr> {
        self.source.as_ref()?.downcast_ref::<sea_orm::DbErr>()
    }

    pub fn problem(&self) -> Problem {
        let opaque = self.code.status().is_server_error();
        Problem {
            type_uri: format!("urn:linli:problem:{}", self.code.as_str().to_lowercase()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            code: self.code,
            detail: if opaque && self.code == ErrorCode::Internal {
                None
            } else {
                self.detail.clone()
            },
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        if let Some(s) = &self.source {
            write!(f, ": {s:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e.as_ref() as _)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.code.status().is_server_error() {
            match &self.source {
                // An outage is reported by /readyz and logged once per request, not as a defect.
                Some(src) if self.code == ErrorCode::NotReady => {
                    tracing::warn!(code = %self.code, error = %format!("{src:#}"), "request failed: store unavailable")
                }
                Some(src) => tracing::error!(code = %self.code, error = ?src, "request failed"),
                None => tracing::warn!(code = %self.code, detail = ?self.detail, "request failed"),
            }
        } else {
            tracing::debug!(code = %self.code, detail = ?self.detail, "request rejected");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::internal(err)
    }
}

impl From<crate::kv::KvError> for AppError {
    fn from(err: crate::kv::KvError) -> Self {
        AppError::internal(err)
    }
}

/// Seconds a client is asked to wait (`Retry-After`) when a store is out of reach.
pub const UNAVAILABLE_RETRY_SECS: u64 = 1;

/// Which store an error says is out of reach (down, restarting, every connection busy), as
/// opposed to a defect: the answer is then 503 `NOT_READY` with `Retry-After`, never 500.
pub fn unavailable(err: &anyhow::Error) -> Option<Unavailable> {
    err.chain().find_map(|e| {
        if let Some(db) = e.downcast_ref::<sea_orm::DbErr>() {
            return db_unavailable(db).then_some(Unavailable::Database);
        }
        if let Some(kv) = e.downcast_ref::<crate::kv::KvError>() {
            return kv_unavailable(kv).then_some(Unavailable::Kv);
        }
        None
    })
}

/// The store behind a 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    Database,
    Kv,
}

impl Unavailable {
    fn detail(self) -> &'static str {
        match self {
            Unavailable::Database => "数据库暂时不可用或繁忙，请稍后重试",
            Unavailable::Kv => "缓存服务暂时不可用，请稍后重试",
        }
    }
}

fn db_unavailable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        // The pool's wait ran out (all busy, or the database refusing connections) or it is closed.
        DbErr::ConnectionAcquire(_) => true,
        // Opening a connection failed, however it failed.
        DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_unavailable(e),
        _ => false,
    }
}

fn sqlx_unavailable(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        // A connection cut mid-conversation reads as I/O or protocol garbage.
        Error::Io(_)
        | Error::Protocol(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(d) => d.code().is_some_and(|c| {
            // PostgreSQL: connection exceptions (08…), shutdown or start-up (57P01–57P03),
            // too many connections (53300). SQLite: busy or locked past the busy timeout.
            c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03" | "53300" | "5" | "6" | "517")
        }),
        _ => false,
    }
}

fn kv_unavailable(err: &crate::kv::KvError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    match err {
        crate::kv::KvError::Redis(e) => {
            e.is_io_error()
                || e.is_timeout()
                || e.is_connection_dropped()
                || e.is_unrecoverable_error()
                || e.is_cluster_error()
                || matches!(
                    e.kind(),
                    ErrorKind::Server(
                        ServerErrorKind::BusyLoading
                            | ServerErrorKind::MasterDown
                            | ServerErrorKind::ReadOnly
                    )
                )
        }
        crate::kv::KvError::NotAnInteger(_) => false,
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        flatten_validation("", &errs, &mut out);
        AppError::validation(out)
    }
}

fn flatten_validation(prefix: &str, errs: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in errs.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(list) => out.extend(list.iter().map(|e| {
                FieldError {
                    field: path.clone(),
                    message: e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "格式不正确".to_owned()),
                }
            })),
            K::Struct(inner) => flatten_validation(&path, inner, out),
            K::List(items) => {
                for (i, inner) in items {
                    flatten_validation(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_screaming_snake_and_titles_chinese() {
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{s}");
            assert!(
                code.title()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{s}"
            );
        }
        assert_eq!(ErrorCode::MalformedJson.as_str(), "MALFORMED_JSON");
    }

    /// Lemmy's habit: a code nobody can receive is a promise the contract breaks. Every code is
    /// named outside this file, or is what a bare status or a constructor here produces.
    #[test]
    fn every_code_is_produced_somewhere() {
        fn sources(dir: &std::path::Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("src/error.rs") {
                    out.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut code = String::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut code,
        );
        let named = |variant: &str| {
            let needle = format!("ErrorCode::{variant}");
            code.match_indices(&needle).any(|(at, _)| {
                !code[at + needle.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        let by_status: Vec<ErrorCode> = (100..600)
            .filter_map(|s| StatusCode::from_u16(s).ok())
            .map(ErrorCode::for_status)
            .collect();
        let by_constructor = [
            ErrorCode::Internal,
            ErrorCode::ValidationFailed,
            ErrorCode::NotReady,
        ];
        let never: Vec<&str> = ErrorCode::ALL
            .iter()
            .filter(|c| !by_status.contains(c) && !by_constructor.contains(c) && !named(&format!("{c:?}")))
            .map(|c| c.as_str())
            .collect();
        assert!(
            never.is_empty(),
            "error codes no path produces (raise them or remove them): {never:?}"
        );
    }

    #[test]
    fn internal_detail_is_opaque() {
        let err = AppError::internal(anyhow::anyhow!("password=secret")).with_detail("leak");
        let p = err.problem();
        assert_eq!(p.status, 500);
        assert!(p.detail.is_none());
        assert!(
            err.to_string().contains("password=secret"),
            "the log keeps the cause"
        );
    }

    #[test]
    fn stores_out_of_reach_answer_503_with_retry_after() {
        use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
        use std::sync::Arc;
        let refused = || std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let outages: Vec<AppError> = vec![
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout).into(),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed).into(),
            DbErr::Query(RuntimeErr::SqlxError(Arc::new(sea_orm::sqlx::Error::Io(
                refused(),
            ))))
            .into(),
            DbErr::Exec(RuntimeErr::SqlxError(Arc::new(
                sea_orm::sqlx::Error::PoolTimedOut,
            )))
            .into(),
            crate::kv::KvError::Redis(redis::RedisError::from(refused())).into(),
            AppError::internal(
                anyhow::Error::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)).context("listing"),
            ),
        ];
        for e in outages {
            assert_eq!(e.code, ErrorCode::NotReady, "{e}");
            assert_eq!(e.code.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(e.retry_after, Some(UNAVAILABLE_RETRY_SECS), "{e}");
            assert!(e.problem().detail.is_some(), "{e}: says which store");
            assert!(
                e.db_err().is_some() || e.source.is_some(),
                "the log keeps the cause"
            );
        }
        let defects: Vec<AppError> = vec![
            DbErr::RecordNotFound("x".into()).into(),
            DbErr::Custom("bug".into()).into(),
            crate::kv::KvError::NotAnInteger("k".into()).into(),
        ];
        for e in defects {
            assert_eq!(e.code, ErrorCode::Internal, "{e}");
        }
    }
}
