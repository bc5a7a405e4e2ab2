//! The policy parser's memory stays proportional to the policy's size.
//!
//! The setuid helper parses a file that may be hostile, so a small policy
//! must not make the parser allocate gigabytes (the policy branch once
//! took 11.8 GB for a 1 MB policy whose placeholders all named one large
//! `enum`). libFuzzer grows inputs slowly, so this target builds the large
//! policy itself:
//!
//! Input: `HEADER` `\n%%\n` `UNIT` (or just `UNIT`), UTF-8. The policy is
//! the header once, then the unit repeated until the text reaches
//! [`TARGET_LEN`] bytes, with every `@N` in the unit replaced by the
//! repetition's number (so `action a@N = ...` gives distinct names).
//!
//! Properties:
//! - parsing never panics and finishes (run with `-timeout=10`);
//! - the peak of live heap bytes while parsing (counted by a wrapping
//!   global allocator) is at most [`BYTES_PER_BYTE`] times the policy's
//!   size plus [`SLACK`].
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use execward::policy::{Policy, MAX_POLICY_SIZE};
use libfuzzer_sys::fuzz_target;

/// The size the policy is grown to.
const TARGET_LEN: usize = 256 << 10;
/// The most heap bytes a policy byte may cost at the peak.
const BYTES_PER_BYTE: usize = 400;
/// Fixed allowance on top (tables, buffers, the first diagnostics).
const SLACK: usize = 16 << 20;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are
// updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (header, unit) = text.split_once("\n%%\n").unwrap_or(("", text));
    if unit.is_empty() {
        return;
    }
    let mut policy = String::with_capacity(TARGET_LEN + unit.len() + 32);
    policy.push_str(header);
    policy.push('\n');
    let mut i = 0usize;
    while policy.len() < TARGET_LEN {
        policy.push_str(&unit.replace("@N", &i.to_string()));
        policy.push('\n');
        i += 1;
    }
    let len = policy.len().min(MAX_POLICY_SIZE);
    policy.truncate(policy.floor_char_boundary(len));

    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let result = Policy::parse(&policy);
    let peak = PEAK.load(Relaxed).saturating_sub(before);
    drop(result);

    let bound = BYTES_PER_BYTE * policy.len() + SLACK;
    if std::env::var_os("EXECWARD_FUZZ_SHOW_PEAK").is_some() {
        eprintln!("policy {} bytes, {i} units, peak {} bytes ({}x)", policy.len(), peak, peak / policy.len());
    }
    assert!(
        peak <= bound,
        "parsing {} bytes ({i} copies of a {}-byte unit) peaked at {} MiB of heap (bound {} MiB)",
        policy.len(),
        unit.len(),
        peak >> 20,
        bound >> 20
    );
});
