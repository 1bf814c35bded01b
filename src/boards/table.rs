//! The leaderboard as a table (CSV export of `/regions/{id}/leaderboard`): members first, then
//! units, each row with its rank. A public board's rows carry masked names and no ids, exactly
//! as its JSON does.

use super::leaderboard::LeaderboardOut;
use crate::export::table::{Cells, CsvTable};

impl CsvTable for LeaderboardOut {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "榜单",
            "名次",
            "编号",
            "姓名/名称",
            "数值",
            "分钟",
            "评价数",
            "报到党员数",
        ]
    }

    fn rows(&self) -> Vec<Cells> {
        let members = self.members.iter().map(|m| {
            let mut out = Cells::default();
            out.text("党员")
                .value(m.rank)
                .opt_id(m.member_id)
                .text(&m.name)
                .value(m.value);
            out.opt(m.minutes).opt(m.ratings).opt(None::<i64>);
            out
        });
        let units = self.units.iter().map(|u| {
            let mut out = Cells::default();
            out.text("单位")
                .value(u.rank)
                .opt_id(u.unit_id)
                .text(&u.name)
                .value(u.value);
            out.opt(u.minutes).opt(u.ratings).value(u.members);
            out
        });
        members.chain(units).collect()
    }
}
