use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Notifications owed by order transitions, written in the same transaction; a relay sends them.
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Channel, 16))
                    .col(big_integer(Outbox::OrderId))
                    .col(big_integer(Outbox::RegionId))
                    .col(big_integer_null(Outbox::RecipientId))
                    .col(string_len_null(Outbox::TemplateId, 64))
                    .col(text(Outbox::Payload))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(string_len_null(Outbox::LastError, 200))
                    .col(timestamp_with_time_zone(Outbox::AvailableAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .check(
                        Expr::col(Outbox::Status).is_in(["pending", "sending", "sent", "skipped", "failed"]),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_status_available")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::AvailableAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SubscriptionCredit::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SubscriptionCredit::Id))
                    .col(big_integer(SubscriptionCredit::UserId))
                    .col(string_len(SubscriptionCredit::TemplateId, 64))
                    .col(integer(SubscriptionCredit::Credits))
                    .col(timestamp_with_time_zone(SubscriptionCredit::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SubscriptionCredit::Table, SubscriptionCredit::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(Expr::col(SubscriptionCredit::Credits).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_subscription_credit_user_template")
                    .table(SubscriptionCredit::Table)
                    .col(SubscriptionCredit::UserId)
                    .col(SubscriptionCredit::TemplateId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SubscriptionCredit::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Channel,
    OrderId,
    RegionId,
    RecipientId,
    TemplateId,
    Payload,
    Status,
    Attempts,
    LastError,
    AvailableAt,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum SubscriptionCredit {
    Table,
    Id,
    UserId,
    TemplateId,
    Credits,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}
