use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // What a closed order owes its member, recorded with the close; the points bank posts it.
        manager
            .create_table(
                Table::create()
                    .table(AwardClaim::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AwardClaim::Id))
                    .col(big_integer_uniq(AwardClaim::OrderId))
                    .col(big_integer(AwardClaim::MemberId))
                    .col(big_integer(AwardClaim::CommunityId))
                    .col(integer(AwardClaim::Minutes))
                    .col(integer(AwardClaim::Coins))
                    .col(timestamp_with_time_zone(AwardClaim::CreatedAt))
                    .col(timestamp_with_time_zone_null(AwardClaim::PostedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AwardClaim::Table, AwardClaim::OrderId)
                            .to(ServiceOrder::Table, ServiceOrder::Id),
                    )
                    .check(Expr::col(AwardClaim::Minutes).gte(0))
                    .check(Expr::col(AwardClaim::Coins).gte(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AwardClaim::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AwardClaim {
    Table,
    Id,
    OrderId,
    MemberId,
    CommunityId,
    Minutes,
    Coins,
    CreatedAt,
    PostedAt,
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    Id,
}
