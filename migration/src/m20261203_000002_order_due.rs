use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An order's urgency, and when its current step is due (set at each step from the deadlines
/// that hold where it is owned); the clocks act on `due_at`.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrder::Table)
                    .add_column(string_len(ServiceOrder::Urgency, 8).default("normal"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrder::Table)
                    .add_column(timestamp_with_time_zone_null(ServiceOrder::DueAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_order_status_due_at")
                    .table(ServiceOrder::Table)
                    .col(ServiceOrder::Status)
                    .col(ServiceOrder::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_service_order_status_due_at")
                    .table(ServiceOrder::Table)
                    .to_owned(),
            )
            .await?;
        for col in [ServiceOrder::DueAt, ServiceOrder::Urgency] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ServiceOrder::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceOrder {
    Table,
    Status,
    Urgency,
    DueAt,
}
