//! Raw system calls that return `-errno` instead of touching `errno`
//! (the libc wrappers write the calling thread's `errno`, which in a
//! `CLONE_VM` child is the parent thread's).

/// Makes system call `nr` with up to six arguments.
///
/// # Safety
/// The caller must pass arguments valid for that system call.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn syscall6(
    nr: i64,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
    a6: usize,
) -> isize {
    let ret: isize;
    // SAFETY: the x86_64 Linux system-call convention: number in rax,
    // arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 are clobbered
    // by `syscall`. Validity of the arguments is the caller's contract.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a1, in("rsi") a2, in("rdx") a3,
            in("r10") a4, in("r8") a5, in("r9") a6,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// Makes system call `nr` with up to six arguments.
///
/// # Safety
/// The caller must pass arguments valid for that system call.
#[cfg(target_arch = "aarch64")]
#[inline(always)]
pub(super) unsafe fn syscall6(
    nr: i64,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
    a6: usize,
) -> isize {
    let ret: isize;
    // SAFETY: the aarch64 Linux convention: number in x8, arguments in
    // x0..x5, result in x0. Validity is the caller's contract.
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr,
            inlateout("x0") a1 as isize => ret,
            in("x1") a2, in("x2") a3, in("x3") a4, in("x4") a5, in("x5") a6,
            options(nostack),
        );
    }
    ret
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("execward's post-fork core supports x86_64 and aarch64 only");
