use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 资源清单、需求清单、共建项目清单: resources units offer to a community, needs a community
/// posts, co-building projects (one owner unit) and each project's append-only log.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProjectResource::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ProjectResource::Id))
                    .col(big_integer(ProjectResource::CommunityId))
                    .col(big_integer(ProjectResource::UnitId))
                    .col(string_len(ProjectResource::Kind, 16))
                    .col(string_len(ProjectResource::Title, 60))
                    .col(text(ProjectResource::Description))
                    .col(string_len_null(ProjectResource::Quantity, 60))
                    .col(date_null(ProjectResource::AvailableFrom))
                    .col(date_null(ProjectResource::AvailableTo))
                    .col(string_len_null(ProjectResource::ContactName, 30))
                    .col(text_null(ProjectResource::ContactPhoneEnc))
                    .col(string_len(ProjectResource::State, 16))
                    .col(big_integer(ProjectResource::OfferedBy))
                    .col(big_integer_null(ProjectResource::WithdrawnBy))
                    .col(timestamp_with_time_zone_null(ProjectResource::WithdrawnAt))
                    .col(timestamp_with_time_zone(ProjectResource::CreatedAt))
                    .col(timestamp_with_time_zone(ProjectResource::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectResource::Table, ProjectResource::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectResource::Table, ProjectResource::UnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .check(Expr::col(ProjectResource::Kind).is_in([
                        "venue",
                        "volunteers",
                        "funds",
                        "skills",
                        "other",
                    ]))
                    .check(Expr::col(ProjectResource::State).is_in(["offered", "withdrawn"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectNeed::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ProjectNeed::Id))
                    .col(big_integer(ProjectNeed::CommunityId))
                    .col(string_len_null(ProjectNeed::Kind, 16))
                    .col(string_len(ProjectNeed::Title, 60))
                    .col(text(ProjectNeed::Description))
                    .col(string_len(ProjectNeed::State, 16))
                    .col(big_integer(ProjectNeed::PostedBy))
                    .col(big_integer_null(ProjectNeed::ClosedBy))
                    .col(text_null(ProjectNeed::CloseNote))
                    .col(timestamp_with_time_zone_null(ProjectNeed::ClosedAt))
                    .col(timestamp_with_time_zone(ProjectNeed::CreatedAt))
                    .col(timestamp_with_time_zone(ProjectNeed::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectNeed::Table, ProjectNeed::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .check(Expr::col(ProjectNeed::State).is_in(["open", "closed"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Project::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Project::Id))
                    .col(big_integer(Project::CommunityId))
                    .col(big_integer_null(Project::NeedId))
                    .col(string_len(Project::Title, 60))
                    .col(text(Project::Description))
                    .col(date_null(Project::DueOn))
                    .col(string_len(Project::State, 16))
                    .col(big_integer(Project::PostedBy))
                    .col(big_integer_null(Project::OwnerUnitId))
                    .col(big_integer_null(Project::TakenBy))
                    .col(timestamp_with_time_zone_null(Project::TakenAt))
                    .col(integer(Project::Percent).default(0))
                    .col(text_null(Project::Result))
                    .col(text(Project::ResultPhotos))
                    .col(timestamp_with_time_zone_null(Project::DoneAt))
                    .col(text_null(Project::CancelReason))
                    .col(timestamp_with_time_zone_null(Project::CancelledAt))
                    .col(timestamp_with_time_zone(Project::CreatedAt))
                    .col(timestamp_with_time_zone(Project::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Project::Table, Project::CommunityId)
                            .to(Region::Table, Region::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Project::Table, Project::NeedId)
                            .to(ProjectNeed::Table, ProjectNeed::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Project::Table, Project::OwnerUnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .check(Expr::col(Project::State).is_in(["open", "taken", "done", "cancelled"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectEvent::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ProjectEvent::Id))
                    .col(big_integer(ProjectEvent::ProjectId))
                    .col(string_len(ProjectEvent::Action, 16))
                    .col(big_integer(ProjectEvent::ActorId))
                    .col(big_integer_null(ProjectEvent::UnitId))
                    .col(text_null(ProjectEvent::Note))
                    .col(integer_null(ProjectEvent::Percent))
                    .col(text(ProjectEvent::Photos))
                    .col(timestamp_with_time_zone(ProjectEvent::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectEvent::Table, ProjectEvent::ProjectId)
                            .to(Project::Table, Project::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            (
                "ix_project_resource_community",
                ProjectResource::Table.into_iden(),
                ProjectResource::CommunityId.into_iden(),
                ProjectResource::Id.into_iden(),
            ),
            (
                "ix_project_need_community",
                ProjectNeed::Table.into_iden(),
                ProjectNeed::CommunityId.into_iden(),
                ProjectNeed::Id.into_iden(),
            ),
            (
                "ix_project_community",
                Project::Table.into_iden(),
                Project::CommunityId.into_iden(),
                Project::Id.into_iden(),
            ),
            (
                "ix_project_event_project",
                ProjectEvent::Table.into_iden(),
                ProjectEvent::ProjectId.into_iden(),
                ProjectEvent::Id.into_iden(),
            ),
        ];
        for (name, table, a, b) in indexes {
            manager
                .create_index(Index::create().name(name).table(table).col(a).col(b).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ProjectEvent::Table.into_iden(),
            Project::Table.into_iden(),
            ProjectNeed::Table.into_iden(),
            ProjectResource::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
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

#[derive(DeriveIden)]
enum ProjectResource {
    Table,
    Id,
    CommunityId,
    UnitId,
    Kind,
    Title,
    Description,
    Quantity,
    AvailableFrom,
    AvailableTo,
    ContactName,
    ContactPhoneEnc,
    State,
    OfferedBy,
    WithdrawnBy,
    WithdrawnAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectNeed {
    Table,
    Id,
    CommunityId,
    Kind,
    Title,
    Description,
    State,
    PostedBy,
    ClosedBy,
    CloseNote,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Project {
    Table,
    Id,
    CommunityId,
    NeedId,
    Title,
    Description,
    DueOn,
    State,
    PostedBy,
    OwnerUnitId,
    TakenBy,
    TakenAt,
    Percent,
    Result,
    ResultPhotos,
    DoneAt,
    CancelReason,
    CancelledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectEvent {
    Table,
    Id,
    ProjectId,
    Action,
    ActorId,
    UnitId,
    Note,
    Percent,
    Photos,
    At,
}
