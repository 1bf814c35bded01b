use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 现场加入: a signup staff made at check-in for someone who came without one.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ActivitySignup::Table)
                    .add_column(boolean(ActivitySignup::WalkIn).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ActivitySignup::Table)
                    .drop_column(ActivitySignup::WalkIn)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ActivitySignup {
    Table,
    WalkIn,
}
