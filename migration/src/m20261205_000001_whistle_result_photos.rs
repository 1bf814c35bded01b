use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A department's resolve photos (办结照片) kept on its whistle, as a JSON array of photo
/// references like the other photo columns; `[]` for whistles resolved before.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Whistle::Table)
                    .add_column(text(Whistle::ResultPhotos).default("[]"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Whistle::Table)
                    .drop_column(Whistle::ResultPhotos)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Whistle {
    Table,
    ResultPhotos,
}
