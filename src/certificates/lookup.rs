//! Finding one certificate by its number: publicly (masked), or to download its PDF (the holder,
//! and staff over the issuing community; anyone else is answered as for an unknown number).

use super::facts::{self, CertificateOut, Facts, Reader};
use super::number;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::role_grant::Role;
use entity::{certificate, region};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

fn not_found() -> AppError {
    AppError::new(ErrorCode::CertificateNotFound)
}

/// The frozen facts of a stored certificate.
pub fn facts_of(row: &certificate::Model) -> AppResult<Facts> {
    serde_json::from_str(&row.facts).map_err(AppError::internal)
}

/// The certificate numbered `number` with its issuing community; a malformed number (its check
/// character does not fit) is not looked up.
async fn find(
    conn: &impl ConnectionTrait,
    number: &str,
) -> AppResult<(certificate::Model, Option<region::Model>)> {
    if !number::is_well_formed(number) {
        return Err(not_found());
    }
    certificate::Entity::find()
        .filter(certificate::Column::Number.eq(number))
        .find_also_related(region::Entity)
        .one(conn)
        .await?
        .ok_or_else(not_found)
}

/// What anyone may check by number: the same facts, masked.
pub async fn verify(conn: &impl ConnectionTrait, number: &str) -> AppResult<CertificateOut> {
    let (row, _) = find(conn, number).await?;
    Ok(facts::out(facts_of(&row)?, Reader::Public))
}

/// The facts of a certificate `p` may download: their own, or one issued by a community they are
/// staff over. Anyone else gets `CERTIFICATE_NOT_FOUND`, as for an unknown number.
pub async fn entitled(conn: &impl ConnectionTrait, p: &Principal, number: &str) -> AppResult<Facts> {
    let (row, community) = find(conn, number).await?;
    let staff = community.is_some_and(|c| p.covers(&c.path, &[Role::Staff]));
    if row.user_id != p.id() && !staff {
        return Err(not_found());
    }
    facts_of(&row)
}

/// The PDF of a certificate, rendered off the async threads.
pub async fn pdf(facts: Facts) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || super::pdf::render(&facts))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(anyhow::anyhow!("pdf rendering failed: {e:?}")))
}
