//! The region tree: county → street → community → grid → building.

use chrono::Utc;
use entity::region::{self, RegionKind};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// The only kind a child of `parent` may have: kinds nest strictly in order.
pub fn child_kind(parent: RegionKind) -> Option<RegionKind> {
    match parent {
        RegionKind::County => Some(RegionKind::Street),
        RegionKind::Street => Some(RegionKind::Community),
        RegionKind::Community => Some(RegionKind::Grid),
        RegionKind::Grid => Some(RegionKind::Building),
        RegionKind::Building => None,
    }
}

pub struct NewRegion<'a> {
    pub kind: RegionKind,
    pub name: &'a str,
    pub party_org: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("a {child:?} cannot be placed under a {parent:?}")]
    BadNesting { parent: RegionKind, child: RegionKind },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Finds the child of `parent` with this name, or creates it. Returns the node and whether it is new.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    parent: Option<&region::Model>,
    new: NewRegion<'_>,
) -> Result<(region::Model, bool), RegionError> {
    if let Some(p) = parent
        && child_kind(p.kind) != Some(new.kind)
    {
        return Err(RegionError::BadNesting {
            parent: p.kind,
            child: new.kind,
        });
    }
    let parent_filter = match parent {
        Some(p) => region::Column::ParentId.eq(p.id),
        None => region::Column::ParentId.is_null(),
    };
    if let Some(found) = region::Entity::find()
        .filter(parent_filter)
        .filter(region::Column::Name.eq(new.name))
        .one(conn)
        .await?
    {
        return Ok((found, false));
    }
    let now = Utc::now();
    let inserted = region::ActiveModel {
        parent_id: Set(parent.map(|p| p.id)),
        kind: Set(new.kind),
        name: Set(new.name.to_owned()),
        party_org: Set(new.party_org.map(str::to_owned)),
        path: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    // The path holds the node's own id, known only after the insert.
    let path = format!("{}{}/", parent.map_or("/", |p| p.path.as_str()), inserted.id);
    let mut active: region::ActiveModel = inserted.into();
    active.path = Set(path);
    Ok((active.update(conn).await?, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_nest_strictly_in_order() {
        let chain = [
            RegionKind::County,
            RegionKind::Street,
            RegionKind::Community,
            RegionKind::Grid,
            RegionKind::Building,
        ];
        for pair in chain.windows(2) {
            assert_eq!(child_kind(pair[0]), Some(pair[1]));
        }
        assert_eq!(child_kind(RegionKind::Building), None);
        assert_ne!(child_kind(RegionKind::County), Some(RegionKind::Community));
    }
}
