use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The month's rows the boards, the roll-ups and the leaderboard (红榜) count, each bounded to a
/// month by when it was written: an index on that time makes each a range scan of the month.
const INDEXES: [(&str, &str); 4] = [
    ("ix_service_record_created", "service_record (created_at)"),
    ("ix_order_status_closed", "service_order (status, closed_at)"),
    ("ix_transfer_created", "transfer (created_at)"),
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
