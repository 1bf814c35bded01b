//! 居住地: a person declares where they live (pending) and staff of that place confirm it.
//! A confirmed residence is a `resident` role grant, so staff granting `resident` directly and
//! staff confirming a declaration are one and the same. A pending declaration lets its owner
//! place orders there and widens nothing else (catalogue, stores, pools, member reports).

//!
//! `declaration` is the core other domains use; `review` is staff's side (listing, confirming,
//! rejecting) and is used by the routes and the scoping layer.

pub mod declaration;
pub mod review;
pub mod routes;

pub use declaration::may_order_at;
