//! The region tree: county → street → community → grid → building.
//! Each node keeps a materialised path (`/1/4/9/`) so a subtree is a prefix match.

//!
//! `tree` is the core other domains use (through the re-exports below); `manage` and `grants`
//! hold the rules of the `/regions` routes: who may create, move, grant and revoke.

pub mod cache;
pub mod deadlines;
pub mod grants;
pub mod manage;
pub mod routes;
pub mod tree;

pub use cache::RegionCache;
pub use tree::{NewRegion, RegionOut, child_kind, community_of, ensure, ensure_grant, find, subtree};
