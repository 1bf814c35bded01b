use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoleGrant::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RoleGrant::Id))
                    .col(big_integer(RoleGrant::UserId))
                    .col(big_integer(RoleGrant::RegionId))
                    .col(string_len(RoleGrant::Role, 16))
                    .col(big_integer_null(RoleGrant::UnitId))
                    .col(big_integer_null(RoleGrant::GrantedBy))
                    .col(timestamp_with_time_zone(RoleGrant::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoleGrant::Table, RoleGrant::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoleGrant::Table, RoleGrant::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoleGrant::Table, RoleGrant::UnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .check(Expr::col(RoleGrant::Role).is_in([
                        "admin",
                        "staff",
                        "member",
                        "resident",
                        "clerk",
                        "unit_admin",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_role_grant_user_region_role")
                    .table(RoleGrant::Table)
                    .col(RoleGrant::UserId)
                    .col(RoleGrant::RegionId)
                    .col(RoleGrant::Role)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_role_grant_region")
                    .table(RoleGrant::Table)
                    .col(RoleGrant::RegionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoleGrant::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RoleGrant {
    Table,
    Id,
    UserId,
    RegionId,
    Role,
    UnitId,
    GrantedBy,
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
