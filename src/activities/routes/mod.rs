//! The HTTP surface of activities: one file per group of actions.

mod activities;
mod attendance;
mod lists;
mod signup;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // Fixed paths before `/activities/{id}`.
    cfg.service(lists::upcoming)
        .service(lists::mine)
        .service(lists::in_region)
        .service(activities::create_activity)
        .service(activities::get_activity)
        .service(activities::amend)
        .service(activities::cancel)
        .service(signup::sign_up)
        .service(signup::withdraw)
        .service(attendance::checkin_code)
        .service(attendance::checkin)
        .service(attendance::checkout)
        .service(attendance::manual_checkin)
        .service(attendance::manual_checkout)
        .service(attendance::roster);
}
