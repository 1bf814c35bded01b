//! An uploaded picture: re-encoded without metadata, with a thumbnail, owned by its uploader
//! until something it is attached to (an order, a wish, …) decides who may see it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who uploaded it.
    pub owner_id: i64,
    /// `image/jpeg`, `image/png` or `image/webp` (of both the picture and its thumbnail).
    pub content_type: String,
    /// Size of the stored (re-encoded) picture.
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
    /// Storage keys of the picture and its thumbnail.
    pub original_key: String,
    pub thumbnail_key: String,
    /// What it is attached to; `None` while unattached (swept after a day).
    pub attached_kind: Option<Attachment>,
    pub attached_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

/// Which photo field of which kind of object holds the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(24))",
    rename_all = "snake_case"
)]
pub enum Attachment {
    /// An order's photos (placed with it).
    Order,
    /// An order's completion photos.
    OrderCompletion,
    /// A department's resolve photos on its whistle (the order's completion photos instead when
    /// that resolve completes the order).
    Whistle,
    /// A wish's photos.
    Wish,
    /// The photo of a wish's fulfilment.
    WishFulfilment,
    /// A problem-list item's photos.
    Problem,
    /// A problem-list item's result photos.
    ProblemResult,
    /// A project's progress and completion photos.
    ProjectStep,
    /// A store's goods picture.
    Goods,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
