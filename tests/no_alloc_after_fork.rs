//! Nothing allocates between creating the child and `execve`.
//!
//! The child shares the parent's memory (`CLONE_VM`), so a global
//! allocator that counts calls made by any process other than the test
//! process sees every allocation the child would make. The control proves
//! the detector works: a `CLONE_VM` child that allocates is counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

struct Counting;

static PARENT: AtomicI32 = AtomicI32::new(0);
static FOREIGN_ALLOCS: AtomicUsize = AtomicUsize::new(0);

fn raw_getpid() -> i32 {
    // SAFETY: getpid takes no arguments; the raw syscall (not glibc's
    // wrapper) returns the caller's real pid even in a CLONE_VM child.
    unsafe { libc::syscall(libc::SYS_getpid) as i32 }
}

fn note() {
    let parent = PARENT.load(Ordering::Relaxed);
    if parent != 0 && raw_getpid() != parent {
        FOREIGN_ALLOCS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

extern "C" fn allocating_child(_: *mut libc::c_void) -> libc::c_int {
    let v: Vec<u8> = Vec::with_capacity(64);
    std::hint::black_box(&v);
    std::mem::forget(v);
    // SAFETY: ends this child immediately.
    unsafe { libc::syscall(libc::SYS_exit_group, 0) };
    0
}

fn clone_vm_child_that_allocates() {
    let mut stack = vec![0u8; 256 * 1024];
    let top = stack.as_mut_ptr_range().end;
    // SAFETY: the child runs on `stack`, which outlives it (CLONE_VFORK
    // suspends us until it exits); it only allocates and exits.
    let pid = unsafe {
        libc::clone(
            allocating_child,
            top as *mut libc::c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            std::ptr::null_mut(),
        )
    };
    assert!(pid > 0);
    let mut status = 0;
    // SAFETY: reaping our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
}

// One test function, so no other test thread allocates concurrently
// from another process's point of view (threads share our pid anyway).
#[test]
fn the_child_never_allocates_before_exec() {
    PARENT.store(raw_getpid(), Ordering::SeqCst);

    // Control: the detector sees a CLONE_VM child's allocation.
    let before = FOREIGN_ALLOCS.load(Ordering::SeqCst);
    clone_vm_child_that_allocates();
    assert!(
        FOREIGN_ALLOCS.load(Ordering::SeqCst) > before,
        "the detector missed a child allocation"
    );

    // The real thing: full sandbox, run-as, stdin bytes, captured output.
    let mut cmd = execward::Command::new("/usr/bin/printf");
    cmd.args(["%s", "x"])
        .stdin(execward::Stdin::Bytes(b"in".to_vec()));
    if nix::unistd::geteuid().is_root() {
        cmd.run_as("nobody", None);
    }
    let plan = cmd.plan().unwrap();
    let before = FOREIGN_ALLOCS.load(Ordering::SeqCst);
    for _ in 0..20 {
        let out = plan.run().unwrap();
        assert_eq!(out.stdout, b"x");
    }
    assert_eq!(
        FOREIGN_ALLOCS.load(Ordering::SeqCst),
        before,
        "the child allocated between clone and execve"
    );
}
