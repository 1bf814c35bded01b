//! 微事不出格、小事不出村、大事不出乡: how serious a problem or an order is, and the level of the
//! region tree expected to solve it. One rule for problems and orders.

use entity::problem::Severity;
use entity::region::RegionKind;

/// The Chinese name of a severity.
pub fn label(s: Severity) -> &'static str {
    match s {
        Severity::Micro => "微事",
        Severity::Small => "小事",
        Severity::Major => "大事",
    }
}

/// The level expected to solve it: grid, community or street.
pub fn expected_level(s: Severity) -> RegionKind {
    match s {
        Severity::Micro => RegionKind::Grid,
        Severity::Small => RegionKind::Community,
        Severity::Major => RegionKind::Street,
    }
}

/// The Chinese name of the level expected to solve it.
pub fn level_label(s: Severity) -> &'static str {
    match expected_level(s) {
        RegionKind::Grid => "网格",
        RegionKind::Community => "社区",
        _ => "街道",
    }
}

/// Whether a region of kind `solved` lies above the expected level (county above street above
/// community above grid above building).
pub fn above_expected(s: Severity, solved: RegionKind) -> bool {
    depth(solved) < depth(expected_level(s))
}

fn depth(k: RegionKind) -> u8 {
    match k {
        RegionKind::County => 0,
        RegionKind::Street => 1,
        RegionKind::Community => 2,
        RegionKind::Grid => 3,
        RegionKind::Building => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_severity_has_its_level_and_only_higher_levels_are_above_it() {
        assert_eq!(expected_level(Severity::Micro), RegionKind::Grid);
        assert_eq!(expected_level(Severity::Small), RegionKind::Community);
        assert_eq!(expected_level(Severity::Major), RegionKind::Street);
        assert!(above_expected(Severity::Micro, RegionKind::Community));
        assert!(!above_expected(Severity::Micro, RegionKind::Grid));
        assert!(!above_expected(Severity::Small, RegionKind::Grid));
        assert!(above_expected(Severity::Small, RegionKind::Street));
        assert!(above_expected(Severity::Major, RegionKind::County));
        assert!(!above_expected(Severity::Major, RegionKind::Street));
    }
}
