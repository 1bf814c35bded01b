use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A region's person in charge (负责人) and contact (联系电话), printed on certificates it issues.
/// One column per statement: SQLite adds one column per `ALTER TABLE`.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Region::LeaderName, Region::ContactPhone] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Region::Table)
                        .add_column(string_len_null(col, 32))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Region::LeaderName, Region::ContactPhone] {
            manager
                .alter_table(Table::alter().table(Region::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Region {
    Table,
    LeaderName,
    ContactPhone,
}
