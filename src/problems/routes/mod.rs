//! The 问题清单 HTTP surface: every route of the domain, registered once.

mod meetings;
mod problems;
mod steps;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(problems::file)
        .service(problems::of_region)
        .service(problems::get)
        .service(steps::claim)
        .service(steps::drop_claim)
        .service(steps::resolve)
        .service(steps::place_order)
        .service(meetings::record)
        .service(meetings::of_region)
        .service(meetings::get);
}
