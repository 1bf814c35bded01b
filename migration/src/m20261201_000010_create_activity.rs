use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activity::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Activity::Id))
                    .col(big_integer(Activity::RegionId))
                    .col(big_integer(Activity::CommunityId))
                    .col(big_integer_null(Activity::UnitId))
                    .col(big_integer(Activity::OrganiserId))
                    .col(string_len(Activity::Title, 100))
                    .col(string_len(Activity::Kind, 16))
                    .col(string_len(Activity::Description, 2000).default(""))
                    .col(string_len(Activity::Place, 200).default(""))
                    .col(timestamp_with_time_zone(Activity::StartsAt))
                    .col(timestamp_with_time_zone(Activity::EndsAt))
                    .col(integer(Activity::Capacity))
                    .col(timestamp_with_time_zone(Activity::SignupDeadline))
                    .col(string_len(Activity::Eligibility, 16))
                    .col(big_integer_null(Activity::TeamId))
                    .col(integer(Activity::MaxMinutes))
                    .col(integer(Activity::Coins).default(0))
                    .col(string_len(Activity::Status, 16))
                    .col(string_len_null(Activity::CancelReason, 200))
                    .col(timestamp_with_time_zone(Activity::CreatedAt))
                    .col(timestamp_with_time_zone(Activity::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activity::Table, Activity::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activity::Table, Activity::OrganiserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .check(Expr::col(Activity::Kind).is_in([
                        "volunteer",
                        "party_day",
                        "service_day",
                        "other",
                    ]))
                    .check(Expr::col(Activity::Eligibility).is_in(["members", "residents", "team"]))
                    .check(Expr::col(Activity::Status).is_in(["published", "cancelled"]))
                    .check(Expr::col(Activity::Capacity).gt(0))
                    .check(Expr::col(Activity::MaxMinutes).gt(0))
                    .check(Expr::col(Activity::Coins).gte(0))
                    .check(Expr::col(Activity::EndsAt).gt(Expr::col(Activity::StartsAt)))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX IF NOT EXISTS ix_activity_region ON activity (region_id, id)")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_activity_community ON activity (community_id, id)",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivitySignup::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ActivitySignup::Id))
                    .col(big_integer(ActivitySignup::ActivityId))
                    .col(big_integer(ActivitySignup::UserId))
                    .col(string_len(ActivitySignup::Status, 16))
                    .col(timestamp_with_time_zone(ActivitySignup::CreatedAt))
                    .col(timestamp_with_time_zone_null(ActivitySignup::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(ActivitySignup::CheckinAt))
                    .col(big_integer_null(ActivitySignup::CheckinBy))
                    .col(big_integer_null(ActivitySignup::CheckinWindow))
                    .col(timestamp_with_time_zone_null(ActivitySignup::CheckoutAt))
                    .col(big_integer_null(ActivitySignup::CheckoutBy))
                    .col(big_integer_null(ActivitySignup::CheckoutWindow))
                    .col(boolean(ActivitySignup::ClosedByClock).default(false))
                    .col(integer_null(ActivitySignup::CreditedMinutes))
                    .col(integer_null(ActivitySignup::CreditedCoins))
                    .col(timestamp_with_time_zone_null(ActivitySignup::CreditedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivitySignup::Table, ActivitySignup::ActivityId)
                            .to(Activity::Table, Activity::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivitySignup::Table, ActivitySignup::UserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .check(Expr::col(ActivitySignup::Status).is_in(["confirmed", "waitlisted"]))
                    .to_owned(),
            )
            .await?;
        // One signup per person per activity.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_activity_signup_user ON activity_signup (activity_id, user_id)",
        )
        .await?;
        // Counting the confirmed, finding the first waitlisted (arrival order = id).
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_activity_signup_status ON activity_signup (activity_id, status, id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_activity_signup_mine ON activity_signup (user_id, id)",
        )
        .await?;
        // The clock's work: checked in, never checked out.
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_activity_signup_open ON activity_signup (activity_id)
             WHERE checkin_at IS NOT NULL AND checkout_at IS NULL",
        )
        .await?;
        // 志愿服务队: named teams under a community (or a unit of it), with a leader.
        manager
            .create_table(
                Table::create()
                    .table(Team::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Team::Id))
                    .col(big_integer(Team::CommunityId))
                    .col(big_integer_null(Team::UnitId))
                    .col(string_len(Team::Name, 64))
                    .col(big_integer(Team::LeaderId))
                    .col(big_integer(Team::CreatedBy))
                    .col(timestamp_with_time_zone(Team::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Team::Table, Team::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Team::Table, Team::LeaderId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_team_community_name ON team (community_id, name)",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(TeamMember::Table)
                    .if_not_exists()
                    .col(big_pk_auto(TeamMember::Id))
                    .col(big_integer(TeamMember::TeamId))
                    .col(big_integer(TeamMember::UserId))
                    .col(timestamp_with_time_zone(TeamMember::JoinedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TeamMember::Table, TeamMember::TeamId)
                            .to(Team::Table, Team::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TeamMember::Table, TeamMember::UserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_team_member ON team_member (team_id, user_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["team_member", "team", "activity_signup", "activity"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    RegionId,
    CommunityId,
    UnitId,
    OrganiserId,
    Title,
    Kind,
    Description,
    Place,
    StartsAt,
    EndsAt,
    Capacity,
    SignupDeadline,
    Eligibility,
    TeamId,
    MaxMinutes,
    Coins,
    Status,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ActivitySignup {
    Table,
    Id,
    ActivityId,
    UserId,
    Status,
    CreatedAt,
    ConfirmedAt,
    CheckinAt,
    CheckinBy,
    CheckinWindow,
    CheckoutAt,
    CheckoutBy,
    CheckoutWindow,
    ClosedByClock,
    CreditedMinutes,
    CreditedCoins,
    CreditedAt,
}

#[derive(DeriveIden)]
enum Team {
    Table,
    Id,
    CommunityId,
    UnitId,
    Name,
    LeaderId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TeamMember {
    Table,
    Id,
    TeamId,
    UserId,
    JoinedAt,
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
