use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Uploaded pictures (`POST /api/v1/media`): who uploaded them, where the picture and its
/// thumbnail are stored, and what they are attached to (unattached ones are swept after a day).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Media::Id))
                    .col(big_integer(Media::OwnerId))
                    .col(string_len(Media::ContentType, 16))
                    .col(big_integer(Media::Bytes))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(string_len(Media::OriginalKey, 100))
                    .col(string_len(Media::ThumbnailKey, 100))
                    .col(string_len_null(Media::AttachedKind, 24))
                    .col(big_integer_null(Media::AttachedId))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Media::Table, Media::OwnerId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The orphan sweep reads unattached rows by age.
        manager
            .create_index(
                Index::create()
                    .name("ix_media_attached_kind_created_at")
                    .table(Media::Table)
                    .col(Media::AttachedKind)
                    .col(Media::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    OwnerId,
    ContentType,
    Bytes,
    Width,
    Height,
    OriginalKey,
    ThumbnailKey,
    AttachedKind,
    AttachedId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}
