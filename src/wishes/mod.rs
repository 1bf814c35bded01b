//! 微心愿 (small wishes): a resident posts a wish where they live; staff over that place approve
//! or reject it; one member (or a unit, through its admin) claims it under a race; the claimer
//! fulfils it with a note and a photo; the resident confirms receipt, or the clock does after
//! `WISH_CONFIRM_DAYS`. Fulfilled wishes appear, redacted, in the public showcase.
//!
//! Every step is one conditional update on the status read (`state::advance`), so two steps
//! racing on one wish leave one winner; each step owes its notices (`notices`) in the same
//! transaction. Rules in docs/wishes.md.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod claims;
pub mod fulfilment;
pub mod listing;
pub mod machine;
pub mod moderation;
mod notices;
pub mod posting;
pub mod routes;
pub mod showcase;
pub mod state;
pub mod view;
pub mod visibility;
