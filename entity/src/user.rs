//! A person: resident, member, staff, clerk or admin (roles live in `role_grant`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub openid: Option<String>,
    pub unionid: Option<String>,
    /// Phone encrypted with the PII key; never stored in plain text.
    pub phone_enc: Option<String>,
    /// Keyed hash of the phone, for look-up.
    #[sea_orm(unique)]
    pub phone_hash: Option<String>,
    /// Argon2id PHC string, for staff who log in with a password.
    pub password_hash: Option<String>,
    pub is_system_admin: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
