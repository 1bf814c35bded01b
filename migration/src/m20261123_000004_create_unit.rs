use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Unit::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Unit::Id))
                    .col(big_integer(Unit::CommunityId))
                    .col(string_len(Unit::Name, 100))
                    .col(string_len(Unit::Kind, 32))
                    .col(string_len(Unit::ContactName, 64))
                    .col(string_len(Unit::ContactPhoneEnc, 128))
                    .col(big_integer(Unit::CreatedBy))
                    .col(timestamp_with_time_zone(Unit::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Unit::Table, Unit::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Unit::Table, Unit::CreatedBy)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_unit_community_name")
                    .table(Unit::Table)
                    .col(Unit::CommunityId)
                    .col(Unit::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Unit::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    CommunityId,
    Name,
    Kind,
    ContactName,
    ContactPhoneEnc,
    CreatedBy,
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
