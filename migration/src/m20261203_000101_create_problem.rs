use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 问题清单: the items of each community's monthly list, their append-only event log, the joint
/// meetings that decide and publish a list, and the list reminders sent (once each).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProblemMeeting::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ProblemMeeting::Id))
                    .col(big_integer(ProblemMeeting::CommunityId))
                    .col(string_len(ProblemMeeting::Month, 7))
                    .col(timestamp_with_time_zone(ProblemMeeting::HeldAt))
                    .col(text(ProblemMeeting::Attendees))
                    .col(text(ProblemMeeting::UnitsPresent))
                    .col(text(ProblemMeeting::Minutes))
                    .col(text(ProblemMeeting::Decisions))
                    .col(boolean(ProblemMeeting::Late).default(false))
                    .col(big_integer(ProblemMeeting::RecordedBy))
                    .col(timestamp_with_time_zone(ProblemMeeting::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemMeeting::Table, ProblemMeeting::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Problem::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Problem::Id))
                    .col(big_integer(Problem::RegionId))
                    .col(big_integer(Problem::CommunityId))
                    .col(string_len(Problem::Month, 7))
                    .col(string_len(Problem::Title, 60))
                    .col(text(Problem::Description))
                    .col(string_len(Problem::Severity, 8))
                    .col(string_len_null(Problem::Location, 200))
                    .col(text(Problem::Photos))
                    .col(string_len(Problem::State, 16))
                    .col(big_integer(Problem::FiledBy))
                    .col(big_integer(Problem::OwnerRegionId))
                    .col(big_integer_null(Problem::OwnerUnitId))
                    .col(big_integer_null(Problem::ClaimedBy))
                    .col(timestamp_with_time_zone_null(Problem::ClaimedAt))
                    .col(big_integer_null(Problem::MergedIntoId))
                    .col(big_integer_null(Problem::MeetingId))
                    .col(boolean(Problem::Late).default(false))
                    .col(text_null(Problem::Result))
                    .col(text(Problem::ResultPhotos))
                    .col(big_integer_null(Problem::ResolvedBy))
                    .col(timestamp_with_time_zone_null(Problem::ResolvedAt))
                    .col(timestamp_with_time_zone_null(Problem::StreetRemindedAt))
                    .col(timestamp_with_time_zone(Problem::CreatedAt))
                    .col(timestamp_with_time_zone(Problem::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Problem::Table, Problem::RegionId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Problem::Table, Problem::FiledBy)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Problem::Table, Problem::MeetingId)
                            .to(ProblemMeeting::Table, ProblemMeeting::Id),
                    )
                    .check(Expr::col(Problem::Severity).is_in(["micro", "small", "major"]))
                    .check(Expr::col(Problem::State).is_in([
                        "filed",
                        "accepted",
                        "merged",
                        "rejected",
                        "published",
                        "claimed",
                        "escalated",
                        "resolved",
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemEvent::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ProblemEvent::Id))
                    .col(big_integer(ProblemEvent::ProblemId))
                    .col(string_len(ProblemEvent::Action, 16))
                    .col(big_integer_null(ProblemEvent::ActorId))
                    .col(text_null(ProblemEvent::Note))
                    .col(timestamp_with_time_zone(ProblemEvent::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProblemEvent::Table, ProblemEvent::ProblemId)
                            .to(Problem::Table, Problem::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, Problem, Problem, Problem); 2] = [
            (
                "ix_problem_community_month",
                Problem::CommunityId,
                Problem::Month,
                Problem::Id,
            ),
            (
                "ix_problem_state_month",
                Problem::State,
                Problem::Month,
                Problem::Id,
            ),
        ];
        for (name, a, b, c) in indexes {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Problem::Table)
                        .col(a)
                        .col(b)
                        .col(c)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_problem_event_problem")
                    .table(ProblemEvent::Table)
                    .col(ProblemEvent::ProblemId)
                    .col(ProblemEvent::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemReminder::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ProblemReminder::Id))
                    .col(big_integer(ProblemReminder::CommunityId))
                    .col(string_len(ProblemReminder::Month, 7))
                    .col(string_len(ProblemReminder::Kind, 16))
                    .col(timestamp_with_time_zone(ProblemReminder::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_problem_reminder_once")
                    .table(ProblemReminder::Table)
                    .col(ProblemReminder::CommunityId)
                    .col(ProblemReminder::Month)
                    .col(ProblemReminder::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_problem_meeting_community")
                    .table(ProblemMeeting::Table)
                    .col(ProblemMeeting::CommunityId)
                    .col(ProblemMeeting::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ProblemReminder::Table.into_iden(),
            ProblemEvent::Table.into_iden(),
            Problem::Table.into_iden(),
            ProblemMeeting::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Problem {
    Table,
    Id,
    RegionId,
    CommunityId,
    Month,
    Title,
    Description,
    Severity,
    Location,
    Photos,
    State,
    FiledBy,
    OwnerRegionId,
    OwnerUnitId,
    ClaimedBy,
    ClaimedAt,
    MergedIntoId,
    MeetingId,
    Late,
    Result,
    ResultPhotos,
    ResolvedBy,
    ResolvedAt,
    StreetRemindedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProblemEvent {
    Table,
    Id,
    ProblemId,
    Action,
    ActorId,
    Note,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProblemMeeting {
    Table,
    Id,
    CommunityId,
    Month,
    HeldAt,
    Attendees,
    UnitsPresent,
    Minutes,
    Decisions,
    Late,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProblemReminder {
    Table,
    Id,
    CommunityId,
    Month,
    Kind,
    SentAt,
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
