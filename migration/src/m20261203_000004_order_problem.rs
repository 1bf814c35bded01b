use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The problem-list item an order was placed for (问题清单 → 派单), if any.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrder::Table)
                    .add_column(big_integer_null(ServiceOrder::ProblemId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_order_problem_id")
                    .table(ServiceOrder::Table)
                    .col(ServiceOrder::ProblemId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_service_order_problem_id")
                    .table(ServiceOrder::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrder::Table)
                    .drop_column(ServiceOrder::ProblemId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    ProblemId,
}
