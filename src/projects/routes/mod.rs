//! The 共建清单 HTTP surface: every route of the domain, registered once.

mod needs;
mod projects;
mod resources;
mod steps;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(resources::offer)
        .service(resources::of_region)
        .service(resources::withdraw)
        .service(needs::post)
        .service(needs::of_region)
        .service(needs::close)
        .service(projects::post)
        .service(projects::of_region)
        .service(projects::get)
        .service(steps::take)
        .service(steps::progress)
        .service(steps::complete)
        .service(steps::cancel);
}
