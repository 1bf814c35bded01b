use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 志愿服务记录: one append-only row per credited service (an order's award, an activity's
/// attendance) and per correction (a negative row with a reason). Filled from the credits posted
/// before the table existed.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceRecord::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ServiceRecord::Id))
                    .col(big_integer(ServiceRecord::UserId))
                    .col(string_len(ServiceRecord::Kind, 16))
                    .col(string_len_uniq(ServiceRecord::Reference, 80))
                    .col(big_integer_null(ServiceRecord::OrderId))
                    .col(big_integer_null(ServiceRecord::ActivityId))
                    .col(big_integer_null(ServiceRecord::CorrectsId))
                    .col(big_integer(ServiceRecord::RegionId))
                    .col(big_integer(ServiceRecord::CommunityId))
                    .col(string_len(ServiceRecord::Organiser, 100))
                    .col(string_len(ServiceRecord::Content, 200))
                    .col(timestamp_with_time_zone(ServiceRecord::ServedAt))
                    .col(integer(ServiceRecord::Minutes))
                    .col(integer(ServiceRecord::Coins))
                    .col(string_len_null(ServiceRecord::Reason, 200))
                    .col(big_integer_null(ServiceRecord::ActorId))
                    .col(timestamp_with_time_zone(ServiceRecord::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceRecord::Table, ServiceRecord::UserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceRecord::Table, ServiceRecord::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ServiceRecord::Table, ServiceRecord::CorrectsId)
                            .to(ServiceRecord::Table, ServiceRecord::Id),
                    )
                    .check(Expr::col(ServiceRecord::Kind).is_in(["order", "activity", "correction"]))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_service_record_user",
                [ServiceRecord::UserId, ServiceRecord::Id],
            ),
            (
                "ix_service_record_user_served",
                [ServiceRecord::UserId, ServiceRecord::ServedAt],
            ),
            (
                "ix_service_record_region",
                [ServiceRecord::RegionId, ServiceRecord::Id],
            ),
            (
                "ix_service_record_corrects",
                [ServiceRecord::CorrectsId, ServiceRecord::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(ServiceRecord::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(BACKFILL_ORDERS).await?;
        db.execute_unprepared(BACKFILL_ACTIVITIES).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceRecord::Table).to_owned())
            .await
    }
}

/// Orders whose award was posted: served when completed, organised by the paying community.
const BACKFILL_ORDERS: &str = "
INSERT INTO service_record (user_id, kind, reference, order_id, region_id, community_id,
    organiser, content, served_at, minutes, coins, created_at)
SELECT c.member_id, 'order', 'order:' || c.order_id, c.order_id, o.region_id, c.community_id,
    r.name, o.title, COALESCE(o.completed_at, c.created_at), c.minutes, c.coins, c.posted_at
FROM award_claim c
JOIN service_order o ON o.id = c.order_id
JOIN region r ON r.id = c.community_id
WHERE c.posted_at IS NOT NULL";

/// Activities whose attendance was credited: served when checked in, organised by the unit or
/// the region that published it.
const BACKFILL_ACTIVITIES: &str = "
INSERT INTO service_record (user_id, kind, reference, activity_id, region_id, community_id,
    organiser, content, served_at, minutes, coins, created_at)
SELECT s.user_id, 'activity', 'activity:' || a.id || ':' || s.user_id, a.id, a.region_id,
    a.community_id, COALESCE(u.name, r.name), a.title, COALESCE(s.checkin_at, a.starts_at),
    s.credited_minutes, COALESCE(s.credited_coins, 0), s.credited_at
FROM activity_signup s
JOIN activity a ON a.id = s.activity_id
JOIN region r ON r.id = a.region_id
LEFT JOIN unit u ON u.id = a.unit_id
WHERE s.credited_at IS NOT NULL AND s.credited_minutes IS NOT NULL";

#[derive(DeriveIden, Clone, Copy)]
enum ServiceRecord {
    Table,
    Id,
    UserId,
    Kind,
    Reference,
    OrderId,
    ActivityId,
    CorrectsId,
    RegionId,
    CommunityId,
    Organiser,
    Content,
    ServedAt,
    Minutes,
    Coins,
    Reason,
    ActorId,
    CreatedAt,
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
