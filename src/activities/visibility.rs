//! Who may see and run an activity. An activity is seen by whoever belongs to its community or
//! oversees it (404 otherwise); it is run (edited, cancelled, check-in codes, attendance) by the
//! staff over its region, or, for a unit's activity, also by that unit's admins (403 for others
//! who see it). The HTTP extractors in `crate::access::activity` apply these rules.

use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::regions::cache::RegionCache;
use entity::role_grant::Role;
use entity::{activity, region};
use sea_orm::{ConnectionTrait, EntityTrait};

/// An activity with its region and community.
pub struct Located {
    pub activity: activity::Model,
    pub region: region::Model,
    pub community: region::Model,
}

/// The activity named by `id`, or 404.
pub async fn locate(conn: &impl ConnectionTrait, regions: &RegionCache, id: i64) -> AppResult<Located> {
    let activity = activity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let region = regions.find(conn, activity.region_id).await?;
    let community = regions.find(conn, activity.community_id).await?;
    Ok(Located {
        activity,
        region,
        community,
    })
}

/// Runs activities of `region` (for `unit`, when a unit organises them).
pub fn runs(p: &Principal, region: &region::Model, unit: Option<i64>) -> bool {
    p.covers(&region.path, &[Role::Staff]) || unit.is_some_and(|u| p.unit_ids().any(|own| own == u))
}

impl Located {
    /// Sees the activity: belongs to its community, oversees it, or organises it.
    pub fn viewer(&self, p: &Principal) -> AppResult<()> {
        if runs(p, &self.region, self.activity.unit_id) {
            return Ok(());
        }
        p.see_community(&self.community)
    }

    /// Runs the activity: 404 to whoever cannot see it, 403 to whoever sees it only.
    pub fn organiser(&self, p: &Principal) -> AppResult<()> {
        self.viewer(p)?;
        if runs(p, &self.region, self.activity.unit_id) {
            Ok(())
        } else {
            Err(AppError::new(ErrorCode::Forbidden)
                .with_detail("需要活动所在区域的社区工作者或组织单位管理员"))
        }
    }
}
