use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Region::Id))
                    .col(big_integer_null(Region::ParentId))
                    .col(string_len(Region::Kind, 16))
                    .col(string_len(Region::Name, 64))
                    .col(string_len_null(Region::PartyOrg, 128))
                    .col(string_len(Region::Path, 512))
                    .col(timestamp_with_time_zone(Region::CreatedAt))
                    .col(timestamp_with_time_zone(Region::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Region::Table, Region::ParentId)
                            .to(Region::Table, Region::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(Expr::col(Region::Kind).is_in([
                        "county",
                        "street",
                        "community",
                        "grid",
                        "building",
                    ]))
                    .to_owned(),
            )
            .await?;
        // Siblings never share a name; subtree queries scan the materialised path.
        manager
            .create_index(
                Index::create()
                    .name("ux_region_parent_name")
                    .table(Region::Table)
                    .col(Region::ParentId)
                    .col(Region::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_region_path")
                    .table(Region::Table)
                    .col(Region::Path)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Region::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
    ParentId,
    Kind,
    Name,
    PartyOrg,
    Path,
    CreatedAt,
    UpdatedAt,
}
