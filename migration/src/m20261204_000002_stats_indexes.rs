use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Dashboards read one range of each table under a region: these let each read touch only the
/// region's rows of the range, however long the history grows.
const INDEXES: [(&str, &str); 5] = [
    (
        "ix_order_origin_created",
        "service_order (origin_region_id, created_at)",
    ),
    (
        "ix_transfer_debit_created",
        "transfer (debit_account_id, created_at)",
    ),
    (
        "ix_service_record_region_created",
        "service_record (region_id, created_at)",
    ),
    (
        "ix_redemption_store_resolved",
        "redemption (store_id, resolved_at)",
    ),
    ("ix_activity_region_starts", "activity (region_id, starts_at)"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, on) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
