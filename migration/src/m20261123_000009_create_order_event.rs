use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderEvent::Table)
                    .if_not_exists()
                    .col(big_pk_auto(OrderEvent::Id))
                    .col(big_integer(OrderEvent::OrderId))
                    .col(big_integer_null(OrderEvent::ActorId))
                    .col(string_len(OrderEvent::Action, 24))
                    .col(string_len_null(OrderEvent::FromStatus, 16))
                    .col(string_len(OrderEvent::ToStatus, 16))
                    .col(big_integer_null(OrderEvent::FromRegionId))
                    .col(big_integer_null(OrderEvent::ToRegionId))
                    .col(string_len_null(OrderEvent::Note, 500))
                    .col(timestamp_with_time_zone(OrderEvent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderEvent::Table, OrderEvent::OrderId)
                            .to(ServiceOrder::Table, ServiceOrder::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_order_event_order")
                    .table(OrderEvent::Table)
                    .col(OrderEvent::OrderId)
                    .to_owned(),
            )
            .await?;
        // The timeline is an audit trail: the database itself refuses to edit or delete it.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION linli_refuse_change() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME; END $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER order_event_immutable BEFORE UPDATE OR DELETE ON order_event
                     FOR EACH ROW EXECUTE FUNCTION linli_refuse_change()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER order_event_no_{} BEFORE {op} ON order_event
                         BEGIN SELECT RAISE(ABORT, 'order_event rows are immutable'); END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrderEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OrderEvent {
    Table,
    Id,
    OrderId,
    ActorId,
    Action,
    FromStatus,
    ToStatus,
    FromRegionId,
    ToRegionId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    Id,
}
