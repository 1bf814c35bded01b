//! The demo region tree: a county, a street, two communities with grids and buildings.

use super::report::SeedReport;
use crate::regions::{self, NewRegion};
use entity::region::{self, RegionKind};
use sea_orm::ConnectionTrait;

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

/// The county, the street, and each community with its first grid (where the demo people live).
pub struct Tree {
    pub county: region::Model,
    pub street: region::Model,
    pub places: Vec<(region::Model, region::Model)>,
}

impl Tree {
    pub fn place(&self, name: &str) -> anyhow::Result<&(region::Model, region::Model)> {
        self.places
            .iter()
            .find(|(c, _)| c.name == name)
            .ok_or_else(|| anyhow::anyhow!("{name} missing"))
    }
}

pub async fn tree(txn: &impl ConnectionTrait, report: &mut SeedReport) -> anyhow::Result<Tree> {
    report.lines.push("== 区域 regions ==".into());
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
        txn,
        None,
        NewRegion {
            kind: RegionKind::County,
            name: "示范县",
            party_org: Some("中共示范县委员会"),
        },
    )
    .await?;
    let county = add(report, county, 0);
    let street = regions::ensure(
        txn,
        Some(&county),
        NewRegion {
            kind: RegionKind::Street,
            name: "幸福街道",
            party_org: Some("中共幸福街道工作委员会"),
        },
    )
    .await?;
    let street = add(report, street, 1);
    // Each community with its first grid: where the demo people live.
    let mut places: Vec<(region::Model, region::Model)> = Vec::new();
    for c in &COMMUNITIES {
        let community = regions::ensure(
            txn,
            Some(&street),
            NewRegion {
                kind: RegionKind::Community,
                name: c.name,
                party_org: Some(c.party_org),
            },
        )
        .await?;
        let community = add(report, community, 2);
        let mut first_grid = None;
        for (grid, party, buildings) in c.grids {
            let grid = regions::ensure(
                txn,
                Some(&community),
                NewRegion {
                    kind: RegionKind::Grid,
                    name: grid,
                    party_org: Some(party),
                },
            )
            .await?;
            let grid = add(report, grid, 3);
            for b in *buildings {
                let building = regions::ensure(
                    txn,
                    Some(&grid),
                    NewRegion {
                        kind: RegionKind::Building,
                        name: b,
                        party_org: None,
                    },
                )
                .await?;
                add(report, building, 4);
            }
            first_grid.get_or_insert(grid);
        }
        if let Some(grid) = first_grid {
            places.push((community, grid));
        }
    }

    Ok(Tree {
        county,
        street,
        places,
    })
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
