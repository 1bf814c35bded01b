use crate::helpers::spawn_app;
use entity::region;
use sea_orm::{EntityTrait, PaginatorTrait};

#[tokio::test]
async fn seed_demo_builds_a_county_once() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let first = linli::seed::seed_demo(db).await.unwrap();
    let count = region::Entity::find().count(db).await.unwrap();
    assert!(
        count >= 10,
        "a county, a street, two communities, grids and buildings: {count}"
    );
    assert_eq!(first.created as u64, count);

    let second = linli::seed::seed_demo(db).await.unwrap();
    assert_eq!(second.created, 0, "the second run created rows");
    assert_eq!(region::Entity::find().count(db).await.unwrap(), count);
    assert_eq!(first.lines, second.lines, "the same tree is reported");

    let all = region::Entity::find().all(db).await.unwrap();
    for node in &all {
        match node.parent_id {
            None => assert_eq!(node.path, format!("/{}/", node.id)),
            Some(pid) => {
                let parent = all.iter().find(|p| p.id == pid).unwrap();
                assert_eq!(node.path, format!("{}{}/", parent.path, node.id));
                assert_eq!(linli::regions::child_kind(parent.kind), Some(node.kind));
            }
        }
    }
}
