//! Who is in a team, and which team an activity may be limited to.

use crate::api::Id;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::activity::Eligibility;
use entity::{region, team, team_member};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Whether `user_id` is in the team.
pub async fn is_member(conn: &impl ConnectionTrait, team_id: i64, user_id: i64) -> AppResult<bool> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::UserId.eq(user_id))
        .count(conn)
        .await?
        > 0)
}

fn field(message: &str) -> AppError {
    AppError::new(ErrorCode::TeamInvalid).with_detail(message)
}

/// The team an activity of `community` is limited to: required (and of that community) for
/// `eligibility = team`, refused otherwise.
pub async fn eligible_team(
    conn: &impl ConnectionTrait,
    community: &region::Model,
    eligibility: Eligibility,
    team_id: Option<Id>,
) -> AppResult<Option<i64>> {
    match (eligibility, team_id) {
        (Eligibility::Team, None) => Err(field("限定志愿服务队时须指定 team_id")),
        (Eligibility::Team, Some(id)) => {
            let t = team::Entity::find_by_id(id.0).one(conn).await?;
            match t {
                Some(t) if t.community_id == community.id => Ok(Some(t.id)),
                _ => Err(field("该志愿服务队不在本社区")),
            }
        }
        (_, Some(_)) => Err(field("只有 eligibility=team 时才能指定 team_id")),
        (_, None) => Ok(None),
    }
}
