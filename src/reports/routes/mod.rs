//! The HTTP surface of 双报到: units, and members' reports.

mod members;
mod units;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(units::create)
        .service(units::list)
        .service(units::get)
        .service(units::reports)
        .service(units::unit_rollup)
        .service(members::submit)
        .service(members::list)
        .service(members::mine)
        .service(members::approve)
        .service(members::reject)
        .service(members::stats);
}
