//! `linli seed-demo`: a demo county, idempotent. Each feature extends it with its own data.

use crate::regions::{self, NewRegion};
use entity::region::{self, RegionKind};
use sea_orm::DatabaseConnection;

pub struct SeedReport {
    pub created: usize,
    pub lines: Vec<String>,
}

struct Community {
    name: &'static str,
    party_org: &'static str,
    grids: &'static [(&'static str, &'static str, &'static [&'static str])],
}

const COMMUNITIES: [Community; 2] = [
    Community {
        name: "和平社区",
        party_org: "中共和平社区委员会",
        grids: &[
            ("第一网格", "和平社区第一网格党支部", &["1号楼", "2号楼"]),
            ("第二网格", "和平社区第二网格党支部", &["3号楼"]),
        ],
    },
    Community {
        name: "团结社区",
        party_org: "中共团结社区委员会",
        grids: &[("第一网格", "团结社区第一网格党支部", &["1号楼"])],
    },
];

pub async fn seed_demo(db: &DatabaseConnection) -> anyhow::Result<SeedReport> {
    let txn = crate::db::begin_write(db).await?;
    let mut report = SeedReport {
        created: 0,
        lines: Vec::new(),
    };
    let add = |report: &mut SeedReport, (node, new): (region::Model, bool), depth: usize| {
        report.created += usize::from(new);
        let party = node
            .party_org
            .as_deref()
            .map(|p| format!("（{p}）"))
            .unwrap_or_default();
        report.lines.push(format!(
            "{}{} {}{} id={}",
            "  ".repeat(depth),
            kind_zh(node.kind),
            node.name,
            party,
            node.id
        ));
        node
    };

    let county = regions::ensure(
        &txn,
        None,
        NewRegion {
            kind: RegionKind::County,
            name: "示范县",
            party_org: Some("中共示范县委员会"),
        },
    )
    .await?;
    let county = add(&mut report, county, 0);
    let street = regions::ensure(
        &txn,
        Some(&county),
        NewRegion {
            kind: RegionKind::Street,
            name: "幸福街道",
            party_org: Some("中共幸福街道工作委员会"),
        },
    )
    .await?;
    let street = add(&mut report, street, 1);
    for c in &COMMUNITIES {
        let community = regions::ensure(
            &txn,
            Some(&street),
            NewRegion {
                kind: RegionKind::Community,
                name: c.name,
                party_org: Some(c.party_org),
            },
        )
        .await?;
        let community = add(&mut report, community, 2);
        for (grid, party, buildings) in c.grids {
            let grid = regions::ensure(
                &txn,
                Some(&community),
                NewRegion {
                    kind: RegionKind::Grid,
                    name: grid,
                    party_org: Some(party),
                },
            )
            .await?;
            let grid = add(&mut report, grid, 3);
            for b in *buildings {
                let building = regions::ensure(
                    &txn,
                    Some(&grid),
                    NewRegion {
                        kind: RegionKind::Building,
                        name: b,
                        party_org: None,
                    },
                )
                .await?;
                add(&mut report, building, 4);
            }
        }
    }
    txn.commit().await?;
    Ok(report)
}

fn kind_zh(kind: RegionKind) -> &'static str {
    match kind {
        RegionKind::County => "县",
        RegionKind::Street => "街道",
        RegionKind::Community => "社区",
        RegionKind::Grid => "网格",
        RegionKind::Building => "楼栋",
    }
}
