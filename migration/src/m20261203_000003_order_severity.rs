use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 微事 / 小事 / 大事 on an order: the level expected to solve it (unset until someone says).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrder::Table)
                    .add_column(string_len_null(ServiceOrder::Severity, 8))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceOrder::Table)
                    .drop_column(ServiceOrder::Severity)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    Severity,
}
