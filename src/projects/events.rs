//! The append-only log of a project: one row per step, in the step's transaction.

use chrono::{DateTime, Utc};
use entity::project_event::{self, ProjectAction};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// One entry: what, by whom, for which unit, with a note, a percent and photos.
pub struct Entry {
    pub action: ProjectAction,
    pub actor: i64,
    pub unit_id: Option<i64>,
    pub note: Option<String>,
    pub percent: Option<i32>,
    pub photos: Vec<String>,
}

/// Appends `e` to project `project_id`'s log.
pub async fn log(
    conn: &impl ConnectionTrait,
    project_id: i64,
    e: Entry,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    project_event::ActiveModel {
        project_id: Set(project_id),
        action: Set(e.action),
        actor_id: Set(e.actor),
        unit_id: Set(e.unit_id),
        note: Set(e.note),
        percent: Set(e.percent),
        photos: Set(serde_json::to_string(&e.photos).unwrap_or_else(|_| "[]".into())),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
