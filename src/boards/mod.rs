//! 红黑榜: a region's monthly red and black lists — communities, departments, units and members
//! that resolved most, served most and were rated best; and those with overdue reports and
//! resolutions, problems passed up unresolved, and poor ratings. Computed from the record (rows
//! that are never edited, counted by when they happened), so a past month's board is the same
//! whenever it is asked for. Public view masks people; staff over the region see it whole.
//! 红榜 (`leaderboard`) ranks the region's members and reported units by one figure of a month.
//! Rules in docs/boards.md.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod board;
pub mod figures;
pub mod leaderboard;
pub mod routes;
pub mod table;
