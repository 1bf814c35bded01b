//! What the seed tells the person who ran it.

/// Password of every demo account that logs in with one (staff console).
pub const DEMO_PASSWORD: &str = "linli-demo-2026";

/// How many rows the run created, and the lines it prints (ids to try the API with).
pub struct SeedReport {
    pub created: usize,
    pub lines: Vec<String>,
}

pub fn anyhow_of(e: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}
