use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MemberReport::Table)
                    .if_not_exists()
                    .col(big_pk_auto(MemberReport::Id))
                    .col(big_integer(MemberReport::UserId))
                    .col(big_integer(MemberReport::CommunityId))
                    .col(string_len(MemberReport::PartyBranch, 100))
                    .col(big_integer_null(MemberReport::UnitId))
                    .col(string_len_null(MemberReport::WorkUnit, 100))
                    .col(text(MemberReport::Skills))
                    .col(boolean(MemberReport::InService))
                    .col(string_len(MemberReport::Status, 16))
                    .col(string_len_null(MemberReport::ReviewNote, 200))
                    .col(big_integer_null(MemberReport::ReviewedBy))
                    .col(timestamp_with_time_zone_null(MemberReport::ReviewedAt))
                    .col(timestamp_with_time_zone(MemberReport::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberReport::Table, MemberReport::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberReport::Table, MemberReport::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberReport::Table, MemberReport::UnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .check(Expr::col(MemberReport::Status).is_in(["pending", "approved", "rejected"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_member_report_community_status")
                    .table(MemberReport::Table)
                    .col(MemberReport::CommunityId)
                    .col(MemberReport::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MemberReport::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MemberReport {
    Table,
    Id,
    UserId,
    CommunityId,
    PartyBranch,
    UnitId,
    WorkUnit,
    Skills,
    InService,
    Status,
    ReviewNote,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}
