use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Residence becomes a declaration that staff confirm. Existing self-declared residences move
/// here as pending (confirmed when staff had granted `resident` there); the `resident` roles
/// people once granted themselves by declaring are removed: only staff confirm a residence.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Residence::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Residence::Id))
                    .col(big_integer(Residence::UserId))
                    .col(big_integer(Residence::RegionId))
                    .col(string_len(Residence::Address, 200))
                    .col(string_len(Residence::Status, 16))
                    .col(string_len_null(Residence::ReviewNote, 200))
                    .col(big_integer_null(Residence::ReviewedBy))
                    .col(timestamp_with_time_zone_null(Residence::ReviewedAt))
                    .col(timestamp_with_time_zone(Residence::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Residence::Table, Residence::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Residence::Table, Residence::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .check(Expr::col(Residence::Status).is_in(["pending", "confirmed", "rejected"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_residence_region_status")
                    .table(Residence::Table)
                    .col(Residence::RegionId)
                    .col(Residence::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_residence_user")
                    .table(Residence::Table)
                    .col(Residence::UserId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // One pending declaration per person, even under races.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_residence_pending ON residence (user_id)
             WHERE status = 'pending'",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO residence (user_id, region_id, address, status, created_at)
             SELECT u.id, u.residence_region_id, COALESCE(u.residence_address, ''),
                    CASE WHEN EXISTS (
                        SELECT 1 FROM role_grant g
                        WHERE g.user_id = u.id AND g.region_id = u.residence_region_id
                          AND g.role = 'resident' AND g.granted_by IS NOT NULL AND g.granted_by <> u.id
                    ) THEN 'confirmed' ELSE 'pending' END,
                    u.updated_at
             FROM app_user u WHERE u.residence_region_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared("DELETE FROM role_grant WHERE role = 'resident' AND granted_by = user_id")
            .await?;
        db.execute_unprepared("UPDATE app_user SET residence_region_id = NULL, residence_address = NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The latest declaration that was not rejected goes back onto the person.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE app_user SET
                   residence_region_id = (SELECT r.region_id FROM residence r WHERE r.user_id = app_user.id
                                          AND r.status <> 'rejected' ORDER BY r.id DESC LIMIT 1),
                   residence_address = (SELECT r.address FROM residence r WHERE r.user_id = app_user.id
                                        AND r.status <> 'rejected' ORDER BY r.id DESC LIMIT 1)",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Residence::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Residence {
    Table,
    Id,
    UserId,
    RegionId,
    Address,
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
