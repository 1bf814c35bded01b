//! Lists of certificates, newest first, by cursor: the caller's own, and those issued by the
//! communities of a region (for its staff).

use super::facts::{self, CertificateSummary};
use super::lookup::facts_of;
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use entity::{certificate, region};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

async fn page(
    conn: &impl ConnectionTrait,
    mut query: Select<certificate::Entity>,
    q: &PageQuery,
) -> AppResult<Page<CertificateSummary>> {
    if let Some(before) = q.before_id()? {
        query = query.filter(certificate::Column::Id.lt(before));
    }
    let limit = q.limit();
    let rows = query
        .order_by_desc(certificate::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let mut summaries = Vec::with_capacity(rows.len());
    for row in rows {
        summaries.push((row.id, facts::summary(facts_of(&row)?)));
    }
    Ok(Page::from_rows(summaries, limit, |(id, _)| *id, |(_, s)| s))
}

/// The certificates issued to `user_id`.
pub async fn mine(
    conn: &impl ConnectionTrait,
    user_id: i64,
    q: &PageQuery,
) -> AppResult<Page<CertificateSummary>> {
    let query = certificate::Entity::find().filter(certificate::Column::UserId.eq(user_id));
    page(conn, query, q).await
}

/// The certificates issued by communities in `root`'s subtree (the caller is staff over `root`).
pub async fn of_region(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    q: &PageQuery,
) -> AppResult<Page<CertificateSummary>> {
    let query = certificate::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&root.path));
    page(conn, query, q).await
}
