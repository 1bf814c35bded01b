use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 微心愿: one row per wish, its moderation, claim, fulfilment and confirmation.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Wish::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Wish::Id))
                    .col(big_integer(Wish::RegionId))
                    .col(big_integer(Wish::CommunityId))
                    .col(big_integer(Wish::ResidentId))
                    .col(string_len(Wish::Title, 60))
                    .col(text(Wish::Description))
                    .col(text(Wish::Photos))
                    .col(string_len(Wish::Status, 16))
                    .col(string_len_null(Wish::RejectReason, 200))
                    .col(big_integer_null(Wish::ReviewedBy))
                    .col(timestamp_with_time_zone_null(Wish::ReviewedAt))
                    .col(big_integer_null(Wish::ClaimerId))
                    .col(big_integer_null(Wish::ClaimerUnitId))
                    .col(timestamp_with_time_zone_null(Wish::ClaimedAt))
                    .col(string_len_null(Wish::ReleaseReason, 200))
                    .col(string_len_null(Wish::FulfilNote, 500))
                    .col(string_len_null(Wish::FulfilPhoto, 500))
                    .col(timestamp_with_time_zone_null(Wish::FulfilledAt))
                    .col(timestamp_with_time_zone_null(Wish::ConfirmedAt))
                    .col(boolean(Wish::AutoConfirmed).default(false))
                    .col(timestamp_with_time_zone(Wish::CreatedAt))
                    .col(timestamp_with_time_zone(Wish::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Wish::Table, Wish::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Wish::Table, Wish::ResidentId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Wish::Table, Wish::ClaimerId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .check(Expr::col(Wish::Status).is_in([
                        "pending_review",
                        "open",
                        "rejected",
                        "withdrawn",
                        "claimed",
                        "fulfilled",
                        "confirmed",
                    ]))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_wish_community_status", [Wish::CommunityId, Wish::Status]),
            ("ix_wish_resident_id", [Wish::ResidentId, Wish::Id]),
            ("ix_wish_claimer_id", [Wish::ClaimerId, Wish::Id]),
            ("ix_wish_status_fulfilled", [Wish::Status, Wish::FulfilledAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Wish::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Wish::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Wish {
    Table,
    Id,
    RegionId,
    CommunityId,
    ResidentId,
    Title,
    Description,
    Photos,
    Status,
    RejectReason,
    ReviewedBy,
    ReviewedAt,
    ClaimerId,
    ClaimerUnitId,
    ClaimedAt,
    ReleaseReason,
    FulfilNote,
    FulfilPhoto,
    FulfilledAt,
    ConfirmedAt,
    AutoConfirmed,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}
