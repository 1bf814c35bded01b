use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 志愿服务记录证明: one row per issued certificate. `facts` holds everything printed on it
/// (JSON), frozen at issue: later corrections of the record never change an issued certificate.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certificate::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Certificate::Id))
                    .col(string_len_uniq(Certificate::Number, 32))
                    .col(big_integer(Certificate::UserId))
                    .col(big_integer(Certificate::CommunityId))
                    .col(date(Certificate::PeriodFrom))
                    .col(date(Certificate::PeriodTo))
                    .col(big_integer(Certificate::TotalMinutes))
                    .col(text(Certificate::Facts))
                    .col(timestamp_with_time_zone(Certificate::IssuedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certificate::Table, Certificate::UserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certificate::Table, Certificate::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_certificate_user_id", Certificate::UserId),
            ("ix_certificate_community_id", Certificate::CommunityId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Certificate::Table)
                        .col(col)
                        .col(Certificate::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Certificate::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Certificate {
    Table,
    Id,
    Number,
    UserId,
    CommunityId,
    PeriodFrom,
    PeriodTo,
    TotalMinutes,
    Facts,
    IssuedAt,
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
