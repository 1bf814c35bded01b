//! Login (WeChat, password, dev), tokens, and who may do what.

pub mod attempts;
mod handlers;
pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::Principal;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::wechat_login)
        .service(handlers::wechat_phone)
        .service(handlers::password_login)
        .service(handlers::dev_login)
        .service(handlers::refresh)
        .service(handlers::logout);
}
