use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn unique(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table).unique();
    for c in cols {
        idx.col(Alias::new(*c));
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Store::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Store::Id))
                    .col(big_integer(Store::CommunityId))
                    .col(string_len(Store::Name, 64))
                    .col(string_len(Store::Address, 200).default(""))
                    .col(string_len(Store::OpeningHours, 100).default(""))
                    .col(boolean(Store::Active).default(true))
                    .col(timestamp_with_time_zone(Store::CreatedAt))
                    .col(timestamp_with_time_zone(Store::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Store::Table, Store::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_store_community_name",
                Store::Table,
                &["community_id", "name"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Goods::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Goods::Id))
                    .col(big_integer(Goods::StoreId))
                    .col(string_len(Goods::Name, 64))
                    .col(string_len(Goods::Description, 1000).default(""))
                    .col(string_len_null(Goods::ImageUrl, 500))
                    .col(big_integer(Goods::PriceCoins))
                    .col(big_integer(Goods::Stock))
                    .col(integer_null(Goods::MonthlyLimit))
                    .col(boolean(Goods::Active).default(true))
                    .col(timestamp_with_time_zone(Goods::CreatedAt))
                    .col(timestamp_with_time_zone(Goods::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Goods::Table, Goods::StoreId)
                            .to(Store::Table, Store::Id),
                    )
                    .check(Expr::col(Goods::PriceCoins).gt(0))
                    // Stock is only ever changed by conditional updates; this is the backstop.
                    .check(Expr::col(Goods::Stock).gte(0))
                    .check(
                        Expr::col(Goods::MonthlyLimit)
                            .is_null()
                            .or(Expr::col(Goods::MonthlyLimit).gt(0)),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("ux_goods_store_name", Goods::Table, &["store_id", "name"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Restock::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Restock::Id))
                    .col(big_integer(Restock::GoodsId))
                    .col(big_integer(Restock::Quantity))
                    .col(big_integer(Restock::StockAfter))
                    .col(big_integer(Restock::ActorId))
                    .col(string_len(Restock::Note, 200).default(""))
                    .col(timestamp_with_time_zone(Restock::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Restock::Table, Restock::GoodsId)
                            .to(Goods::Table, Goods::Id),
                    )
                    .check(Expr::col(Restock::Quantity).ne(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_restock_goods")
                    .table(Restock::Table)
                    .col(Restock::GoodsId)
                    .col(Restock::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Redemption::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Redemption::Id))
                    .col(big_integer(Redemption::StoreId))
                    .col(big_integer(Redemption::BuyerId))
                    .col(string_len(Redemption::Status, 16))
                    .col(string_len(Redemption::PickupCode, 6))
                    .col(big_integer(Redemption::TotalCoins))
                    .col(big_integer_null(Redemption::HoldId))
                    .col(string_len(Redemption::Month, 7))
                    .col(timestamp_with_time_zone(Redemption::CreatedAt))
                    .col(timestamp_with_time_zone(Redemption::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Redemption::ResolvedAt))
                    .col(big_integer_null(Redemption::ResolvedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Redemption::Table, Redemption::StoreId)
                            .to(Store::Table, Store::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Redemption::Table, Redemption::BuyerId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .check(Expr::col(Redemption::Status).is_in([
                        "pending",
                        "fulfilled",
                        "cancelled",
                        "expired",
                    ]))
                    .check(Expr::col(Redemption::TotalCoins).gt(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // A pickup code names one open redemption of its store; once resolved it may be reused.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_redemption_open_code ON redemption (store_id, pickup_code)
             WHERE status = 'pending'",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX IF NOT EXISTS ix_redemption_buyer ON redemption (buyer_id, id)")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_redemption_store ON redemption (store_id, status, id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_redemption_due ON redemption (expires_at) WHERE status = 'pending'",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RedemptionLine::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RedemptionLine::Id))
                    .col(big_integer(RedemptionLine::RedemptionId))
                    .col(big_integer(RedemptionLine::GoodsId))
                    .col(big_integer(RedemptionLine::BuyerId))
                    .col(string_len(RedemptionLine::Month, 7))
                    .col(string_len(RedemptionLine::Name, 64))
                    .col(big_integer(RedemptionLine::PriceCoins))
                    .col(integer(RedemptionLine::Quantity))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RedemptionLine::Table, RedemptionLine::RedemptionId)
                            .to(Redemption::Table, Redemption::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RedemptionLine::Table, RedemptionLine::GoodsId)
                            .to(Goods::Table, Goods::Id),
                    )
                    .check(Expr::col(RedemptionLine::Quantity).gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "ux_redemption_line_goods",
                RedemptionLine::Table,
                &["redemption_id", "goods_id"],
            ))
            .await?;
        // Per-person monthly limits count a buyer's lines of one goods in one month.
        manager
            .create_index(
                Index::create()
                    .name("ix_redemption_line_limit")
                    .table(RedemptionLine::Table)
                    .col(RedemptionLine::BuyerId)
                    .col(RedemptionLine::GoodsId)
                    .col(RedemptionLine::Month)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["redemption_line", "redemption", "restock", "goods", "store"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Store {
    Table,
    Id,
    CommunityId,
    Name,
    Address,
    OpeningHours,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Goods {
    Table,
    Id,
    StoreId,
    Name,
    Description,
    ImageUrl,
    PriceCoins,
    Stock,
    MonthlyLimit,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Restock {
    Table,
    Id,
    GoodsId,
    Quantity,
    StockAfter,
    ActorId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Redemption {
    Table,
    Id,
    StoreId,
    BuyerId,
    Status,
    PickupCode,
    TotalCoins,
    HoldId,
    Month,
    CreatedAt,
    ExpiresAt,
    ResolvedAt,
    ResolvedBy,
}

#[derive(DeriveIden)]
enum RedemptionLine {
    Table,
    Id,
    RedemptionId,
    GoodsId,
    BuyerId,
    Month,
    Name,
    PriceCoins,
    Quantity,
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
