//! Process upkeep, every [`EVERY`]: latency samples folded into the histograms, and memory freed
//! after a burst given back to the system.

use std::time::Duration;

pub const EVERY: Duration = Duration::from_secs(5);

/// One pass. Cheap: the recorder drains what the requests recorded since the last pass; the heap
/// trim walks the allocator's free lists.
pub fn run() {
    // Without this, histogram samples pile up until the next scrape of /metrics (forever when
    // nothing scrapes).
    crate::metrics::upkeep();
    trim_heap();
}

/// glibc keeps memory freed by a burst (say a thousand requests at once) in its arenas; this
/// returns the free pages to the system, so the resident size follows what is in use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_heap() {
    // SAFETY: malloc_trim only releases free memory of the allocator; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}
