use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AppUser::Id))
                    .col(string_len(AppUser::Name, 64))
                    .col(string_len_null(AppUser::Openid, 64).unique_key())
                    .col(string_len_null(AppUser::Unionid, 64))
                    .col(string_len_null(AppUser::PhoneEnc, 128))
                    .col(string_len_null(AppUser::PhoneHash, 64).unique_key())
                    .col(string_len_null(AppUser::PasswordHash, 255))
                    .col(boolean(AppUser::IsSystemAdmin).default(false))
                    .col(big_integer_null(AppUser::ResidenceRegionId))
                    .col(string_len_null(AppUser::ResidenceAddress, 200))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppUser::Table, AppUser::ResidenceRegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AppUser::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Name,
    Openid,
    Unionid,
    PhoneEnc,
    PhoneHash,
    PasswordHash,
    IsSystemAdmin,
    ResidenceRegionId,
    ResidenceAddress,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
}
