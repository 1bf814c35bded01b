//! The 微心愿 HTTP surface: every route of the domain, registered once.

mod showcase;
mod steps;
mod wishes;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(wishes::post)
        .service(wishes::of_region)
        .service(wishes::mine)
        .service(wishes::get)
        .service(wishes::withdraw)
        .service(steps::approve)
        .service(steps::reject)
        .service(steps::claim)
        .service(steps::release)
        .service(steps::fulfil)
        .service(steps::confirm)
        .service(showcase::showcase);
}
