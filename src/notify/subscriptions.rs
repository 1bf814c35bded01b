//! Subscribe-message credits: each consent the mini-program reports allows one message.

use chrono::Utc;
use entity::subscription_credit;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// Adds `count` credits for the user's `template_id`.
pub async fn add_credits(
    conn: &impl ConnectionTrait,
    user_id: i64,
    template_id: String,
    count: i32,
) -> Result<(), DbErr> {
    let row = subscription_credit::ActiveModel {
        user_id: Set(user_id),
        template_id: Set(template_id),
        credits: Set(count),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    subscription_credit::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                subscription_credit::Column::UserId,
                subscription_credit::Column::TemplateId,
            ])
            // Qualified: inside ON CONFLICT a bare `credits` is ambiguous on PostgreSQL.
            .value(
                subscription_credit::Column::Credits,
                Expr::col((subscription_credit::Entity, subscription_credit::Column::Credits)).add(count),
            )
            .value(subscription_credit::Column::UpdatedAt, Expr::value(Utc::now()))
            .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}
