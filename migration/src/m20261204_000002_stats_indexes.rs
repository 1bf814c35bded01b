use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Dashboards, boards and the leaderboard read one range of each table under a region: these let
/// each read touch only the range's rows (of the region, where the key starts with it), however
/// long the history grows. Transfers get one index only (pool debits by time): every index on
/// that table costs each point movement a write.
const INDEXES: [(&str, &str); 8] = [
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
    ("ix_service_record_created", "service_record (created_at)"),
    ("ix_order_status_closed", "service_order (status, closed_at)"),
    ("ix_member_report_unit", "member_report (unit_id, status)"),
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
