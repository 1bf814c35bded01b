//! 共建 (co-building between a community and the units reported to it): the 资源清单 units
//! offer (`resources`), the 需求清单 communities post (`needs`) and the 共建项目清单
//! (`posting`, `steps`): a project posted by staff, taken by one unit (race-safe), its progress
//! logged (append-only, `events`), completed or cancelled.
//!
//! Every state change is one conditional update on the state read, so a lost race or a wrong
//! state answers 409 with a stable code. Who sees what is `visibility`. Rules in docs/projects.md.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

mod events;
pub mod listing;
pub mod needs;
pub mod posting;
pub mod resources;
pub mod routes;
pub mod steps;
pub mod view;
pub mod visibility;
