//! The scoping layer: extractors that establish who calls and which object they may act on.
//!
//! A handler that needs a login declares a [`Principal`]; one that acts on a region declares
//! [`RegionAccess<N>`], naming the role it needs; single objects (an order, a store) have
//! extractors of their own here, built the same way. Objects outside everything the caller can
//! see answer 404 (their existence is not disclosed); visible but beyond the caller's role, 403.
//! Domain modules never import this layer: they take the `Principal` and objects it yields.

mod activity;
mod admin;
mod caller;
mod certificate;
mod order;
mod problem;
mod project;
mod record;
mod region;
mod report;
mod request;
mod residence;
mod service_item;
mod store;
mod team;
mod transfer;
mod wish;

pub use crate::auth::principal::Principal;
pub use activity::{ActivityAccess, ActivityNeed, Organiser, Participant};
pub use admin::SystemAdmin;
pub use certificate::CertificateAccess;
pub use order::{ClaimAccess, OrderAccess, OrderReadAccess};
pub use problem::{MeetingAccess, ProblemAccess};
pub use project::{NeedAccess, ProjectAccess, ResourceAccess};
pub use record::RecordAccess;
pub use region::{AdminRole, Browse, CommunityAccess, Need, RegionAccess, StaffRole};
pub use report::{ReportAccess, UnitAccess};
pub use residence::ResidenceAccess;
pub use service_item::ServiceItemAccess;
pub use store::{
    Buyer, BuyerOrCounter, Counter, GoodsAccess, Manager, RedemptionAccess, RedemptionNeed, StoreAccess,
    StoreNeed, Visitor,
};
pub use team::TeamAccess;
pub use transfer::TransferAccess;
pub use wish::{Claiming, Seeing, WishAccess, WishNeed};
