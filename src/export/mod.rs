//! CSV exports of the staff lists and dashboard tables (`?format=csv` or `Accept: text/csv`).
//!
//! `table` (ground floor) says what a row of a table is and writes it as CSV; `stream` (HTTP
//! floor) picks the format of a request and streams a list page by page through the same domain
//! function its JSON view calls, so an export is scoped and masked exactly like that view.

pub mod stream;
pub mod table;
