use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 吹哨报到: departments (职能部门) are units attached to a street or the county; a whistle asks
/// one to report (acknowledge) and resolve an order within deadlines, which regions may set for
/// their subtree (`region_deadline`).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Unit::Table)
                    .add_column(boolean(Unit::Department).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Whistle::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Whistle::Id))
                    .col(big_integer(Whistle::OrderId))
                    .col(big_integer(Whistle::UnitId))
                    .col(big_integer(Whistle::RegionId))
                    .col(string_len(Whistle::Urgency, 8))
                    .col(text(Whistle::Reason))
                    .col(string_len(Whistle::Status, 16))
                    .col(big_integer(Whistle::WhistledBy))
                    .col(timestamp_with_time_zone(Whistle::CreatedAt))
                    .col(timestamp_with_time_zone(Whistle::RespondBy))
                    .col(timestamp_with_time_zone(Whistle::ResolveBy))
                    .col(timestamp_with_time_zone_null(Whistle::AcknowledgedAt))
                    .col(big_integer_null(Whistle::AcknowledgedBy))
                    .col(timestamp_with_time_zone_null(Whistle::ResolvedAt))
                    .col(big_integer_null(Whistle::ResolvedBy))
                    .col(text_null(Whistle::Result))
                    .col(boolean(Whistle::RespondOverdue).default(false))
                    .col(boolean(Whistle::ResolveOverdue).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Whistle::Table, Whistle::OrderId)
                            .to(ServiceOrder::Table, ServiceOrder::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Whistle::Table, Whistle::UnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Whistle::Table, Whistle::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_whistle_order_id", vec![Whistle::OrderId, Whistle::Id]),
            ("ix_whistle_unit_id", vec![Whistle::UnitId, Whistle::Id]),
            (
                "ix_whistle_status_respond_by",
                vec![Whistle::Status, Whistle::RespondBy],
            ),
            (
                "ix_whistle_status_resolve_by",
                vec![Whistle::Status, Whistle::ResolveBy],
            ),
        ] {
            let mut index = Index::create().name(name).table(Whistle::Table).to_owned();
            for c in cols {
                index.col(c);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RegionDeadline::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RegionDeadline::Id))
                    .col(big_integer(RegionDeadline::RegionId))
                    .col(string_len(RegionDeadline::Step, 16))
                    .col(string_len(RegionDeadline::Urgency, 8))
                    .col(integer(RegionDeadline::Hours))
                    .col(big_integer(RegionDeadline::UpdatedBy))
                    .col(timestamp_with_time_zone(RegionDeadline::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegionDeadline::Table, RegionDeadline::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_region_deadline")
                    .table(RegionDeadline::Table)
                    .col(RegionDeadline::RegionId)
                    .col(RegionDeadline::Step)
                    .col(RegionDeadline::Urgency)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegionDeadline::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Whistle::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Unit::Table)
                    .drop_column(Unit::Department)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Whistle {
    Table,
    Id,
    OrderId,
    UnitId,
    RegionId,
    Urgency,
    Reason,
    Status,
    WhistledBy,
    CreatedAt,
    RespondBy,
    ResolveBy,
    AcknowledgedAt,
    AcknowledgedBy,
    ResolvedAt,
    ResolvedBy,
    Result,
    RespondOverdue,
    ResolveOverdue,
}

#[derive(DeriveIden)]
enum RegionDeadline {
    Table,
    Id,
    RegionId,
    Step,
    Urgency,
    Hours,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    Department,
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}
