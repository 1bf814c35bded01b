use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceItem::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ServiceItem::Id))
                    .col(big_integer(ServiceItem::CommunityId))
                    .col(string_len(ServiceItem::Name, 64))
                    .col(string_len(ServiceItem::Category, 32))
                    .col(string_len(ServiceItem::Description, 1000).default(""))
                    .col(integer(ServiceItem::Coins))
                    .col(integer(ServiceItem::MaxMinutes))
                    .col(boolean(ServiceItem::Active).default(true))
                    .col(timestamp_with_time_zone(ServiceItem::CreatedAt))
                    .col(timestamp_with_time_zone(ServiceItem::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceItem::Table, ServiceItem::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .check(Expr::col(ServiceItem::Coins).gte(0))
                    .check(Expr::col(ServiceItem::MaxMinutes).gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_service_item_community_name")
                    .table(ServiceItem::Table)
                    .col(ServiceItem::CommunityId)
                    .col(ServiceItem::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceItem::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServiceItem {
    Table,
    Id,
    CommunityId,
    Name,
    Category,
    Description,
    Coins,
    MaxMinutes,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}
