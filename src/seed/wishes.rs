//! The demo 微心愿: one approved wish of the demo resident, open for members to claim.

use super::report::SeedReport;
use chrono::Utc;
use entity::region;
use entity::wish::{self, WishStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

const TITLE: &str = "想给孙子买个新书包";

/// An open wish posted in `grid` (of `community`) by `resident`, approved by `staff`.
pub async fn demo_wish(
    conn: &impl ConnectionTrait,
    report: &mut SeedReport,
    community: &region::Model,
    grid: &region::Model,
    staff: i64,
    resident: i64,
) -> anyhow::Result<()> {
    let found = wish::Entity::find()
        .filter(wish::Column::ResidentId.eq(resident))
        .filter(wish::Column::Title.eq(TITLE))
        .one(conn)
        .await?;
    let w = match found {
        Some(w) => w,
        None => {
            report.created += 1;
            let now = Utc::now();
            wish::ActiveModel {
                region_id: Set(grid.id),
                community_id: Set(community.id),
                resident_id: Set(resident),
                title: Set(TITLE.into()),
                description: Set("孙子今年上三年级，旧书包背带断了。".into()),
                photos: Set("[]".into()),
                status: Set(WishStatus::Open),
                reviewed_by: Set(Some(staff)),
                reviewed_at: Set(Some(now)),
                auto_confirmed: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?
        }
    };
    report.lines.push(String::new());
    report.lines.push(format!(
        "== 微心愿 wish: {} id={} (open, claim as a member) ==",
        w.title, w.id
    ));
    Ok(())
}
