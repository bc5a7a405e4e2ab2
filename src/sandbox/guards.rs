//! The fixed guards of the seccomp filter: hand-written classic BPF that
//! runs after the prologue and before the profile's rules, the same for
//! `default` and `strict`, and that `allow=` never lifts.
//!
//! | guard | refused with `EPERM` | closes |
//! | --- | --- | --- |
//! | set-id files | `chmod`, `fchmod`, `fchmodat`, `fchmodat2` with a mode holding `S_ISUID` or `S_ISGID`; `open`, `openat` with `O_CREAT` or `O_TMPFILE` and such a mode; `creat`, `mknod`, `mknodat` with such a mode | planting a set-user-ID or set-group-ID program (a root child restoring a hostile archive, or code that runs `chown 0 0` then `chmod 4755`). `openat2`, whose mode is behind a pointer, gets `ENOSYS` in the prologue (glibc falls back to `openat`); file capabilities need `CAP_SETFCAP`, which no child keeps |
//! | exec once (the default) | `execveat`; `execve` unless its path argument is the address of the plan's program path | any second program: `find -exec`, `env`, `xargs`, `awk`'s `system()`, `tar --to-command`, and the ELF interpreter run as a program (`ld.so /bin/sh`) |
//! | freeze | `ioctl` `FIFREEZE`, `FITHAW` | freezing a mounted file system host-wide (needs `CAP_SYS_ADMIN`, which an action may be given for quotas) |
//! | TCP Fast Open (unless `net any`) | `sendto`, `sendmmsg` (flags argument 3) and `sendmsg` (argument 2) with `MSG_FASTOPEN`; `setsockopt(IPPROTO_TCP, TCP_FASTOPEN_CONNECT)` | connecting inside `sendto`, where Landlock's connect rule never looks |
//! | listen (unless `net any`, `net bind`, or Unix sockets only) | `listen` | a TCP listener on a port the kernel picks (`listen` without `bind`), which Landlock's bind rule never sees |
//!
//! Each guard compares the low 32 bits of an argument, as the kernel reads
//! these arguments (`int`, `unsigned int`, `umode_t`). The one exception is
//! the exec guard, which compares the whole 64-bit pointer as two halves.
//!
//! # Why the pointer works
//!
//! The child is made with `CLONE_VM` and shares the parent's memory until
//! its `execve`, so the address of the program path it passes is known
//! when the filter is compiled (the plan keeps that C string, whose heap
//! buffer never moves). After the `execve`, the new program has an address
//! space of its own, built from scratch: a data-only abuse of it
//! (arguments, configuration) cannot put a path at that exact address, so
//! every further `execve` fails. Code that already runs arbitrary machine
//! code can (`mmap` at that address): that residual is written down in the
//! threat model, and Landlock still limits what it may execute.

use super::syscalls;

// Classic BPF opcodes (linux/bpf_common.h).
/// `BPF_LD | BPF_W | BPF_ABS`.
const LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K`.
const JEQ_K: u16 = 0x15;
/// `BPF_JMP | BPF_JSET | BPF_K`.
const JSET_K: u16 = 0x45;
/// `BPF_JMP | BPF_JA`.
const JA: u16 = 0x05;
/// `BPF_RET | BPF_K`.
const RET_K: u16 = 0x06;

/// `offsetof(struct seccomp_data, nr)`.
const DATA_NR: u32 = 0;

/// The offset of the low (`hi == false`) or high 32 bits of argument `i`
/// in `struct seccomp_data` (little-endian: x86_64 and aarch64).
const fn arg(i: u32, hi: bool) -> u32 {
    16 + 8 * i + if hi { 4 } else { 0 }
}

#[allow(clippy::unnecessary_cast)] // mode_t is u32 on glibc, may differ elsewhere
const SETID: u32 = (libc::S_ISUID | libc::S_ISGID) as u32;
const O_CREAT: u32 = libc::O_CREAT as u32;
/// `__O_TMPFILE` (`O_TMPFILE` without `O_DIRECTORY`).
const O_TMPFILE_BIT: u32 = (libc::O_TMPFILE & !libc::O_DIRECTORY) as u32;
const MSG_FASTOPEN: u32 = libc::MSG_FASTOPEN as u32;
const IPPROTO_TCP: u32 = libc::IPPROTO_TCP as u32;
const TCP_FASTOPEN_CONNECT: u32 = libc::TCP_FASTOPEN_CONNECT as u32;
/// `_IOWR('X', 119, int)` and `_IOWR('X', 120, int)`.
const FIFREEZE: u32 = 0xc004_5877;
const FITHAW: u32 = 0xc004_5878;

/// What the guards of one filter refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Guards {
    /// Exec once: the address of the only path `execve` accepts.
    pub exec_once_at: Option<u64>,
    /// TCP Fast Open is refused (every network policy but `net any`).
    pub no_fastopen: bool,
    /// `listen` is refused.
    pub no_listen: bool,
}

impl Guards {
    /// The guards for a network policy: Fast Open refused unless `net
    /// any`; `listen` refused unless `net any`, a `net bind` port, or Unix
    /// sockets without TCP (a Unix listener).
    pub(crate) fn for_net(net: &super::NetAccess) -> Guards {
        Guards {
            exec_once_at: None,
            no_fastopen: !net.any,
            no_listen: !net.any && net.bind.is_empty() && (net.wants_tcp() || !net.unix),
        }
    }
}

/// A program under construction: jumps to the shared `EPERM` return are
/// recorded and resolved at the end.
struct Builder {
    code: Vec<libc::sock_filter>,
    /// (instruction, true: its `jt`, false: its `jf`) jumping to `EPERM`.
    to_eperm: Vec<(usize, bool)>,
}

/// A jump target of a conditional jump.
#[derive(Clone, Copy)]
enum To {
    /// The next instruction plus this many.
    Skip(u8),
    /// The shared `EPERM` return.
    Eperm,
}

impl Builder {
    fn stmt(&mut self, code: u16, k: u32) {
        self.code.push(libc::sock_filter {
            code,
            jt: 0,
            jf: 0,
            k,
        });
    }

    fn jump(&mut self, code: u16, k: u32, jt: To, jf: To) {
        let at = self.code.len();
        let mut off = |t: To, is_jt: bool| match t {
            To::Skip(n) => n,
            To::Eperm => {
                self.to_eperm.push((at, is_jt));
                0
            }
        };
        let (jt, jf) = (off(jt, true), off(jf, false));
        self.code.push(libc::sock_filter { code, jt, jf, k });
    }

    fn load_nr(&mut self) {
        self.stmt(LD_W_ABS, DATA_NR);
    }

    /// `nr == n` → `EPERM`.
    fn refuse(&mut self, n: i64) {
        self.jump(JEQ_K, n as u32, To::Eperm, To::Skip(0));
    }

    /// `nr == n && (arg_i & mask) != 0` → `EPERM`.
    fn refuse_bits(&mut self, n: i64, i: u32, mask: u32) {
        self.jump(JEQ_K, n as u32, To::Skip(0), To::Skip(3));
        self.stmt(LD_W_ABS, arg(i, false));
        self.jump(JSET_K, mask, To::Eperm, To::Skip(0));
        self.load_nr();
    }

    /// `nr == n && (arg_a & ma) != 0 && (arg_b & mb) != 0` → `EPERM`.
    fn refuse_both_bits(&mut self, n: i64, a: u32, ma: u32, b: u32, mb: u32) {
        self.jump(JEQ_K, n as u32, To::Skip(0), To::Skip(5));
        self.stmt(LD_W_ABS, arg(a, false));
        self.jump(JSET_K, ma, To::Skip(0), To::Skip(2));
        self.stmt(LD_W_ABS, arg(b, false));
        self.jump(JSET_K, mb, To::Eperm, To::Skip(0));
        self.load_nr();
    }

    /// `nr == n && arg_a == va && arg_b == vb` (low 32 bits) → `EPERM`.
    fn refuse_both_equal(&mut self, n: i64, a: u32, va: u32, b: u32, vb: u32) {
        self.jump(JEQ_K, n as u32, To::Skip(0), To::Skip(5));
        self.stmt(LD_W_ABS, arg(a, false));
        self.jump(JEQ_K, va, To::Skip(0), To::Skip(2));
        self.stmt(LD_W_ABS, arg(b, false));
        self.jump(JEQ_K, vb, To::Eperm, To::Skip(0));
        self.load_nr();
    }

    /// `nr == n && arg_i` (low 32 bits) is one of `values` → `EPERM`.
    fn refuse_values(&mut self, n: i64, i: u32, values: &[u32]) {
        let len = values.len() as u8;
        self.jump(JEQ_K, n as u32, To::Skip(0), To::Skip(len + 1));
        self.stmt(LD_W_ABS, arg(i, false));
        for &v in values {
            self.jump(JEQ_K, v, To::Eperm, To::Skip(0));
        }
        self.load_nr();
    }

    /// `nr == n` and the 64-bit `arg_i` is not `value` → `EPERM`.
    fn refuse_unless_pointer(&mut self, n: i64, i: u32, value: u64) {
        self.jump(JEQ_K, n as u32, To::Skip(0), To::Skip(5));
        self.stmt(LD_W_ABS, arg(i, false));
        self.jump(JEQ_K, value as u32, To::Skip(0), To::Eperm);
        self.stmt(LD_W_ABS, arg(i, true));
        self.jump(JEQ_K, (value >> 32) as u32, To::Skip(0), To::Eperm);
        self.load_nr();
    }
}

/// The system-call number of `name` here, if this architecture has it
/// (`chmod`, `open`, `creat`, `mknod` exist only on x86_64).
fn nr(name: &str) -> Option<i64> {
    syscalls::number(name)
}

/// The guard instructions: they expect the system-call number in the
/// accumulator, leave it there, and end with a jump over their own
/// `EPERM` return to whatever follows.
pub(crate) fn program(g: &Guards) -> Vec<libc::sock_filter> {
    let mut b = Builder {
        code: Vec::new(),
        to_eperm: Vec::new(),
    };
    // Set-id files.
    for (name, mode_arg) in [
        ("chmod", 1),
        ("fchmod", 1),
        ("fchmodat", 2),
        ("fchmodat2", 2),
        ("creat", 1),
        ("mknod", 1),
        ("mknodat", 2),
    ] {
        if let Some(n) = nr(name) {
            b.refuse_bits(n, mode_arg, SETID);
        }
    }
    for (name, flags_arg) in [("open", 1), ("openat", 2)] {
        if let Some(n) = nr(name) {
            b.refuse_both_bits(n, flags_arg, O_CREAT | O_TMPFILE_BIT, flags_arg + 1, SETID);
        }
    }
    // Exec once.
    if let Some(at) = g.exec_once_at {
        b.refuse(libc::SYS_execveat);
        b.refuse_unless_pointer(libc::SYS_execve, 0, at);
    }
    // Freezing a file system.
    b.refuse_values(libc::SYS_ioctl, 1, &[FIFREEZE, FITHAW]);
    // TCP Fast Open and listen.
    if g.no_fastopen {
        b.refuse_bits(libc::SYS_sendto, 3, MSG_FASTOPEN);
        b.refuse_bits(libc::SYS_sendmmsg, 3, MSG_FASTOPEN);
        b.refuse_bits(libc::SYS_sendmsg, 2, MSG_FASTOPEN);
        b.refuse_both_equal(
            libc::SYS_setsockopt,
            1,
            IPPROTO_TCP,
            2,
            TCP_FASTOPEN_CONNECT,
        );
    }
    if g.no_listen {
        b.refuse(libc::SYS_listen);
    }
    // Over the return, then the return every guard jumps to.
    b.stmt(JA, 1);
    let eperm = b.code.len();
    b.stmt(RET_K, 0x0005_0000 | libc::EPERM as u32);
    for &(at, is_jt) in &b.to_eperm {
        // Forward jumps only; the guards are far shorter than 255.
        let off = u8::try_from(eperm - at - 1).expect("guards longer than a BPF jump");
        let insn = &mut b.code[at];
        if is_jt {
            insn.jt = off;
        } else {
            insn.jf = off;
        }
    }
    b.code
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A classic BPF interpreter for the instructions seccomp filters use
    /// here (loads of `seccomp_data`, `AND`, the conditional and
    /// unconditional jumps, returns), run on one system call.
    pub(crate) fn run_filter(
        prog: &[libc::sock_filter],
        nr: i64,
        arch: u32,
        args: [u64; 6],
    ) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&(nr as u32).to_le_bytes());
        data[4..8].copy_from_slice(&arch.to_le_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
        }
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let insn = prog[pc];
            let k = insn.k;
            let jump = |taken: bool| pc + 1 + usize::from(if taken { insn.jt } else { insn.jf });
            pc = match insn.code {
                0x20 => {
                    let o = k as usize;
                    acc = u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
                    pc + 1
                }
                0x54 => {
                    acc &= k;
                    pc + 1
                }
                0x05 => pc + 1 + k as usize,
                0x15 => jump(acc == k),
                0x25 => jump(acc > k),
                0x35 => jump(acc >= k),
                0x45 => jump(acc & k != 0),
                0x06 => return k,
                other => panic!("opcode {other:#x} not interpreted"),
            };
        }
    }

    const ALLOW: u32 = 0x7fff_0000;
    const EPERM: u32 = 0x0005_0001;

    /// The guards followed by an "allow everything" body.
    fn verdict(g: &Guards, name: &str, args: [u64; 6]) -> u32 {
        let mut p = vec![libc::sock_filter {
            code: LD_W_ABS,
            jt: 0,
            jf: 0,
            k: DATA_NR,
        }];
        p.extend(program(g));
        p.push(libc::sock_filter {
            code: RET_K,
            jt: 0,
            jf: 0,
            k: ALLOW,
        });
        run_filter(&p, nr(name).unwrap(), 0, args)
    }

    #[test]
    fn set_id_modes_are_refused_everywhere() {
        let g = Guards::default();
        let m = 0o4755;
        for (name, args) in [
            ("fchmod", [3, m, 0, 0, 0, 0]),
            ("fchmodat", [0, 0, m, 0, 0, 0]),
            ("fchmodat2", [0, 0, 0o2755, 0, 0, 0]),
            ("mknodat", [0, 0, libc::S_IFREG as u64 | m, 0, 0, 0]),
            ("openat", [0, 0, libc::O_CREAT as u64, m, 0, 0]),
            ("openat", [0, 0, libc::O_TMPFILE as u64 | 2, m, 0, 0]),
        ] {
            assert_eq!(verdict(&g, name, args), EPERM, "{name} {args:?}");
        }
        for (name, args) in [
            ("fchmod", [3, 0o755, 0, 0, 0, 0]),
            ("fchmodat", [0, 0, 0o1777, 0, 0, 0]),
            // no O_CREAT: the mode argument means nothing
            ("openat", [0, 0, 0, m, 0, 0]),
            ("openat", [0, 0, libc::O_CREAT as u64, 0o644, 0, 0]),
            ("mkdirat", [0, 0, 0o2775, 0, 0, 0]),
            ("read", [0, m, m, m, 0, 0]),
        ] {
            assert_eq!(verdict(&g, name, args), ALLOW, "{name} {args:?}");
        }
        #[cfg(target_arch = "x86_64")]
        for (name, args) in [
            ("chmod", [0, m, 0, 0, 0, 0]),
            ("creat", [0, 0o6755, 0, 0, 0, 0]),
            ("mknod", [0, libc::S_IFREG as u64 | m, 0, 0, 0, 0]),
            ("open", [0, libc::O_CREAT as u64 | 1, m, 0, 0, 0]),
        ] {
            assert_eq!(verdict(&g, name, args), EPERM, "{name} {args:?}");
        }
    }

    #[test]
    fn exec_once_compares_the_whole_pointer() {
        let at = 0x7f12_3456_789a_u64;
        let g = Guards {
            exec_once_at: Some(at),
            ..Guards::default()
        };
        assert_eq!(verdict(&g, "execve", [at, 0, 0, 0, 0, 0]), ALLOW);
        for other in [at + 1, at ^ (1 << 40), at & 0xffff_ffff, 0] {
            assert_eq!(verdict(&g, "execve", [other, 0, 0, 0, 0, 0]), EPERM);
        }
        assert_eq!(verdict(&g, "execveat", [0, at, 0, 0, 0, 0]), EPERM);
        // Exec many: no exec guard.
        let many = Guards::default();
        assert_eq!(verdict(&many, "execve", [1, 0, 0, 0, 0, 0]), ALLOW);
        assert_eq!(verdict(&many, "execveat", [0, 1, 0, 0, 0, 0]), ALLOW);
    }

    #[test]
    fn network_guards() {
        let net = super::super::NetAccess::none().with_connect([443]);
        let g = Guards::for_net(&net);
        assert!(g.no_fastopen && g.no_listen);
        let fo = u64::from(MSG_FASTOPEN);
        assert_eq!(verdict(&g, "sendto", [3, 0, 1, fo | 0x40, 0, 0]), EPERM);
        assert_eq!(verdict(&g, "sendto", [3, 0, 1, 0x40, 0, 0]), ALLOW);
        assert_eq!(verdict(&g, "sendmsg", [3, 0, fo, 0, 0, 0]), EPERM);
        assert_eq!(verdict(&g, "sendmmsg", [3, 0, 1, fo, 0, 0]), EPERM);
        assert_eq!(verdict(&g, "setsockopt", [3, 6, 30, 0, 0, 0]), EPERM);
        assert_eq!(verdict(&g, "setsockopt", [3, 6, 1, 0, 0, 0]), ALLOW);
        assert_eq!(verdict(&g, "setsockopt", [3, 1, 30, 0, 0, 0]), ALLOW);
        assert_eq!(verdict(&g, "listen", [3, 5, 0, 0, 0, 0]), EPERM);
        // bind allows listen; Unix sockets alone allow a Unix listener.
        for net in [
            super::super::NetAccess::none().with_bind([8080]),
            super::super::NetAccess::none().with_unix(),
            super::super::NetAccess::any(),
        ] {
            assert!(!Guards::for_net(&net).no_listen, "{net}");
        }
        assert!(Guards::for_net(&super::super::NetAccess::none()).no_listen);
        let any = Guards::for_net(&super::super::NetAccess::any());
        assert_eq!(verdict(&any, "sendto", [3, 0, 1, fo, 0, 0]), ALLOW);
    }

    #[test]
    fn freezing_is_refused() {
        let g = Guards::default();
        for req in [FIFREEZE, FITHAW] {
            assert_eq!(verdict(&g, "ioctl", [3, u64::from(req), 0, 0, 0, 0]), EPERM);
        }
        assert_eq!(verdict(&g, "ioctl", [3, 0x5401, 0, 0, 0, 0]), ALLOW);
    }
}
