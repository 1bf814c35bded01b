use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATUSES: [&str; 9] = [
    "submitted",
    "assigned",
    "published",
    "claimed",
    "in_service",
    "completed",
    "closed",
    "cancelled",
    "rejected",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceOrder::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ServiceOrder::Id))
                    .col(big_integer(ServiceOrder::RegionId))
                    .col(big_integer(ServiceOrder::OriginRegionId))
                    .col(big_integer(ServiceOrder::ResidentId))
                    .col(big_integer_null(ServiceOrder::ServiceItemId))
                    .col(string_len(ServiceOrder::Title, 60))
                    .col(string_len(ServiceOrder::Description, 1000))
                    .col(string_len(ServiceOrder::Address, 200))
                    .col(string_len_null(ServiceOrder::ContactPhoneEnc, 128))
                    .col(timestamp_with_time_zone_null(ServiceOrder::PreferredTime))
                    .col(text(ServiceOrder::Photos))
                    .col(string_len(ServiceOrder::Status, 16))
                    .col(big_integer_null(ServiceOrder::AssigneeId))
                    .col(big_integer_null(ServiceOrder::UnitId))
                    .col(big_integer_null(ServiceOrder::DispatcherId))
                    .col(string_len_null(ServiceOrder::DispatchMode, 8))
                    .col(big_integer_null(ServiceOrder::PoolRegionId))
                    .col(string_len_null(ServiceOrder::PoolSkill, 20))
                    .col(integer_null(ServiceOrder::Minutes))
                    .col(string_len_null(ServiceOrder::CompletionNote, 500))
                    .col(text(ServiceOrder::CompletionPhotos).default("[]"))
                    .col(small_integer_null(ServiceOrder::Rating))
                    .col(string_len_null(ServiceOrder::Comment, 500))
                    .col(string_len_null(ServiceOrder::ClientKey, 64))
                    .col(timestamp_with_time_zone(ServiceOrder::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceOrder::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ServiceOrder::DispatchedAt))
                    .col(timestamp_with_time_zone_null(ServiceOrder::ClaimedAt))
                    .col(timestamp_with_time_zone_null(ServiceOrder::StartedAt))
                    .col(timestamp_with_time_zone_null(ServiceOrder::CompletedAt))
                    .col(timestamp_with_time_zone_null(ServiceOrder::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrder::Table, ServiceOrder::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrder::Table, ServiceOrder::OriginRegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrder::Table, ServiceOrder::ResidentId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrder::Table, ServiceOrder::AssigneeId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrder::Table, ServiceOrder::ServiceItemId)
                            .to(ServiceItem::Table, ServiceItem::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceOrder::Table, ServiceOrder::UnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .check(Expr::col(ServiceOrder::Status).is_in(STATUSES))
                    .check(
                        Expr::col(ServiceOrder::Rating)
                            .is_null()
                            .or(Expr::col(ServiceOrder::Rating).between(1, 5)),
                    )
                    .check(
                        Expr::col(ServiceOrder::Minutes)
                            .is_null()
                            .or(Expr::col(ServiceOrder::Minutes).gt(0)),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "ux_order_resident_client_key",
                vec![ServiceOrder::ResidentId, ServiceOrder::ClientKey],
                true,
            ),
            (
                "ix_order_region_status",
                vec![ServiceOrder::RegionId, ServiceOrder::Status],
                false,
            ),
            (
                "ix_order_assignee_status",
                vec![ServiceOrder::AssigneeId, ServiceOrder::Status],
                false,
            ),
            (
                "ix_order_status_updated",
                vec![ServiceOrder::Status, ServiceOrder::UpdatedAt],
                false,
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(ServiceOrder::Table);
            for c in cols {
                idx.col(c);
            }
            if unique {
                idx.unique();
            }
            manager.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceOrder::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    Id,
    RegionId,
    OriginRegionId,
    ResidentId,
    ServiceItemId,
    Title,
    Description,
    Address,
    ContactPhoneEnc,
    PreferredTime,
    Photos,
    Status,
    AssigneeId,
    UnitId,
    DispatcherId,
    DispatchMode,
    PoolRegionId,
    PoolSkill,
    Minutes,
    CompletionNote,
    CompletionPhotos,
    Rating,
    Comment,
    ClientKey,
    CreatedAt,
    UpdatedAt,
    DispatchedAt,
    ClaimedAt,
    StartedAt,
    CompletedAt,
    ClosedAt,
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

#[derive(DeriveIden)]
enum ServiceItem {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}
