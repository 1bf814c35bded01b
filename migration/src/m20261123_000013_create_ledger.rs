use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Accounts keep posted and pending totals (TigerBeetle style); the balance is derived.
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Account::Id))
                    .col(string_len(Account::OwnerKind, 8))
                    .col(big_integer(Account::OwnerId))
                    .col(string_len(Account::Asset, 8))
                    .col(big_integer(Account::DebitsPosted).default(0))
                    .col(big_integer(Account::CreditsPosted).default(0))
                    .col(big_integer(Account::DebitsPending).default(0))
                    .col(big_integer(Account::CreditsPending).default(0))
                    .col(boolean(Account::MayGoNegative).default(false))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .check(Expr::col(Account::OwnerKind).is_in(["user", "pool", "store"]))
                    .check(Expr::col(Account::Asset).is_in(["time", "coin"]))
                    .check(
                        Expr::col(Account::DebitsPosted)
                            .gte(0)
                            .and(Expr::col(Account::CreditsPosted).gte(0))
                            .and(Expr::col(Account::DebitsPending).gte(0))
                            .and(Expr::col(Account::CreditsPending).gte(0)),
                    )
                    // Only issuing pools may go below zero: available = credits − debits − held.
                    .check(
                        Expr::col(Account::MayGoNegative)
                            .eq(true)
                            .or(Expr::col(Account::CreditsPosted)
                                .sub(Expr::col(Account::DebitsPosted))
                                .sub(Expr::col(Account::DebitsPending))
                                .gte(0)),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_account_owner_asset")
                    .table(Account::Table)
                    .col(Account::OwnerKind)
                    .col(Account::OwnerId)
                    .col(Account::Asset)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Transfer::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Transfer::Id))
                    .col(big_integer(Transfer::DebitAccountId))
                    .col(big_integer(Transfer::CreditAccountId))
                    .col(string_len(Transfer::Asset, 8))
                    .col(big_integer(Transfer::Amount))
                    .col(string_len(Transfer::Kind, 16))
                    .col(string_len(Transfer::Phase, 8))
                    .col(big_integer_null(Transfer::PendingId).unique_key())
                    .col(big_integer_null(Transfer::ReversalOf).unique_key())
                    .col(string_len_null(Transfer::Reference, 64))
                    .col(big_integer_null(Transfer::ActorId))
                    .col(string_len_null(Transfer::Memo, 200))
                    .col(timestamp_with_time_zone(Transfer::CreatedAt))
                    .col(timestamp_with_time_zone_null(Transfer::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transfer::Table, Transfer::DebitAccountId)
                            .to(Account::Table, Account::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transfer::Table, Transfer::CreditAccountId)
                            .to(Account::Table, Account::Id),
                    )
                    .check(Expr::col(Transfer::Amount).gt(0))
                    .check(Expr::col(Transfer::Asset).is_in(["time", "coin"]))
                    .check(Expr::col(Transfer::Phase).is_in(["posted", "pending", "post", "void"]))
                    .check(
                        Expr::col(Transfer::Kind)
                            .is_in(["award", "grant", "donation", "redeem", "reversal", "expiry"]),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // An award (or any referenced movement) happens once per reference, kind and asset.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_transfer_reference ON transfer (reference, kind, asset)
             WHERE reference IS NOT NULL AND phase IN ('posted', 'pending')",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_transfer_debit ON transfer (debit_account_id, id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_transfer_credit ON transfer (credit_account_id, id)",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TRIGGER transfer_immutable BEFORE UPDATE OR DELETE ON transfer
                     FOR EACH ROW EXECUTE FUNCTION linli_refuse_change()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER transfer_no_{} BEFORE {op} ON transfer
                         BEGIN SELECT RAISE(ABORT, 'transfer rows are immutable'); END",
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
            .drop_table(Table::drop().table(Transfer::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Account::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    OwnerKind,
    OwnerId,
    Asset,
    DebitsPosted,
    CreditsPosted,
    DebitsPending,
    CreditsPending,
    MayGoNegative,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Transfer {
    Table,
    Id,
    DebitAccountId,
    CreditAccountId,
    Asset,
    Amount,
    Kind,
    Phase,
    PendingId,
    ReversalOf,
    Reference,
    ActorId,
    Memo,
    CreatedAt,
    ExpiresAt,
}
