//! The orders HTTP surface: every route of the domain, registered once.

mod actions;
mod items;
mod orders;
mod showcase;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(items::create)
        .service(items::list)
        .service(items::update)
        .service(orders::place)
        .service(orders::list)
        .service(orders::pool)
        .service(orders::get)
        .service(orders::counts)
        .service(actions::dispatch)
        .service(actions::accept)
        .service(actions::decline)
        .service(actions::claim)
        .service(actions::start)
        .service(actions::complete)
        .service(actions::confirm)
        .service(actions::cancel)
        .service(actions::reject)
        .service(actions::escalate)
        .service(actions::classify)
        .service(actions::review)
        .service(showcase::showcase)
        .service(showcase::ratings);
}
