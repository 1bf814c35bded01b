//! The HTTP surface of the store: one file per group of actions.

mod counter;
mod goods;
mod redemptions;
mod settlement;
mod stores;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(stores::create_store)
        .service(stores::list_stores)
        .service(stores::get_store)
        .service(stores::update_store)
        .service(goods::create_goods)
        .service(goods::list_goods)
        .service(goods::update_goods)
        .service(goods::add_stock)
        .service(goods::stock_history)
        .service(redemptions::redeem)
        .service(redemptions::cancel)
        .service(redemptions::my_redemptions)
        .service(redemptions::get_redemption)
        .service(counter::store_redemptions)
        .service(counter::pick_up)
        .service(settlement::settlement);
}
