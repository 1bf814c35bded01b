use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .if_not_exists()
                    .col(big_pk_auto(IdempotencyKey::Id))
                    .col(big_integer(IdempotencyKey::ActorId))
                    .col(string_len(IdempotencyKey::Key, 64))
                    .col(string_len(IdempotencyKey::RequestHash, 64))
                    .col(string_len(IdempotencyKey::Status, 16))
                    .col(integer_null(IdempotencyKey::ResponseStatus))
                    .col(text_null(IdempotencyKey::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKey::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_actor_key")
                    .table(IdempotencyKey::Table)
                    .col(IdempotencyKey::ActorId)
                    .col(IdempotencyKey::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKey::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Id,
    ActorId,
    Key,
    RequestHash,
    Status,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
    UpdatedAt,
}
