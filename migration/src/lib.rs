pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_region;
mod m20261123_000002_create_app_user;
mod m20261123_000003_create_refresh_token;
mod m20261123_000004_create_unit;
mod m20261123_000005_create_role_grant;
mod m20261123_000006_create_member_report;
mod m20261123_000007_create_service_item;
mod m20261123_000008_create_service_order;
mod m20261123_000009_create_order_event;
mod m20261123_000010_create_award_claim;
mod m20261123_000011_unique_open_report;
mod m20261123_000012_create_outbox;
mod m20261123_000013_create_ledger;
mod m20261123_000014_create_idempotency_key;
mod m20261123_000015_create_store;
mod m20261129_000701_create_residence;
mod m20261129_220000_order_under_review;
mod m20261130_200000_order_list_indexes;
mod m20261201_000010_create_activity;
mod m20261201_000011_outbox_without_order;
mod m20261201_000101_create_wish;
mod m20261201_000102_outbox_wish;
mod m20261202_000001_create_service_record;
mod m20261202_000002_signup_walk_in;
mod m20261202_000101_region_contact;
mod m20261202_000102_create_certificate;
mod m20261203_000001_create_whistle;
mod m20261203_000002_order_due;
mod m20261203_000003_order_severity;
mod m20261203_000004_order_problem;
mod m20261203_000101_create_problem;
mod m20261203_000131_create_projects;
mod m20261204_000002_stats_indexes;
mod m20261204_000101_create_media;
mod m20261205_000001_whistle_result_photos;
mod m20261206_000001_hold_due_index;
mod m20261207_000001_redemption_store_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_region::Migration),
            Box::new(m20261123_000002_create_app_user::Migration),
            Box::new(m20261123_000003_create_refresh_token::Migration),
            Box::new(m20261123_000004_create_unit::Migration),
            Box::new(m20261123_000005_create_role_grant::Migration),
            Box::new(m20261123_000006_create_member_report::Migration),
            Box::new(m20261123_000007_create_service_item::Migration),
            Box::new(m20261123_000008_create_service_order::Migration),
            Box::new(m20261123_000009_create_order_event::Migration),
            Box::new(m20261123_000010_create_award_claim::Migration),
            Box::new(m20261123_000011_unique_open_report::Migration),
            Box::new(m20261123_000012_create_outbox::Migration),
            Box::new(m20261123_000013_create_ledger::Migration),
            Box::new(m20261123_000014_create_idempotency_key::Migration),
            Box::new(m20261123_000015_create_store::Migration),
            Box::new(m20261129_000701_create_residence::Migration),
            Box::new(m20261129_220000_order_under_review::Migration),
            Box::new(m20261130_200000_order_list_indexes::Migration),
            Box::new(m20261201_000010_create_activity::Migration),
            Box::new(m20261201_000011_outbox_without_order::Migration),
            Box::new(m20261201_000101_create_wish::Migration),
            Box::new(m20261201_000102_outbox_wish::Migration),
            Box::new(m20261202_000001_create_service_record::Migration),
            Box::new(m20261202_000002_signup_walk_in::Migration),
            Box::new(m20261202_000101_region_contact::Migration),
            Box::new(m20261202_000102_create_certificate::Migration),
            Box::new(m20261203_000001_create_whistle::Migration),
            Box::new(m20261203_000002_order_due::Migration),
            Box::new(m20261203_000003_order_severity::Migration),
            Box::new(m20261203_000004_order_problem::Migration),
            Box::new(m20261203_000101_create_problem::Migration),
            Box::new(m20261203_000131_create_projects::Migration),
            Box::new(m20261204_000002_stats_indexes::Migration),
            Box::new(m20261204_000101_create_media::Migration),
            Box::new(m20261205_000001_whistle_result_photos::Migration),
            Box::new(m20261206_000001_hold_due_index::Migration),
            Box::new(m20261207_000001_redemption_store_index::Migration),
        ]
    }
}
