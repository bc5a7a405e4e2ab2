/*
 * attack: one forbidden thing per subcommand, for execward's sandbox attack
 * tests (tests/sandbox_attacks.rs, tests/lifetime.rs).
 *
 * Compiled by the tests at run time:
 *     cc -O1 -o $CARGO_TARGET_TMPDIR/attack tests/attack/attack.c
 *
 * Exit status:
 *     0  the attack SUCCEEDED (the forbidden thing happened)
 *     1  the attack FAILED; stderr says "attack: SUB: failed: ... errno=N"
 *     2  usage error
 *     3  harness error (something the attack needs but is not the attack)
 * A sandboxed run may also die of a signal (seccomp kill: SIGSYS).
 *
 * Every subcommand cleans up what it made when it succeeded (a mount is
 * unmounted, a device node unlinked, a key lives in the process keyring).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/quota.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

static const char *sub = "?";

/* The attack failed: report errno and exit 1. */
static int failed(const char *what)
{
    int e = errno;
    fprintf(stderr, "attack: %s: failed: %s: %s errno=%d\n", sub, what,
            strerror(e), e);
    return 1;
}

/* Something the attack needs (not the attack itself) went wrong. */
static int harness(const char *what)
{
    int e = errno;
    fprintf(stderr, "attack: %s: harness error: %s: %s errno=%d\n", sub, what,
            strerror(e), e);
    return 3;
}

static int succeeded(void)
{
    fprintf(stderr, "attack: %s: SUCCEEDED\n", sub);
    return 0;
}

static int parse_int(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* The pid of the calling process as the caller's PID namespace sees it:
 * /proc is the caller's procfs (the sandbox has no mount namespace), so
 * /proc/self names the process by its pid there. */
static long outer_pid(void)
{
    char buf[64];
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    long v;
    return parse_int(buf, &v) == 0 ? v : -1;
}

static int cmd_exec(int argc, char **argv)
{
    if (argc < 1)
        return 2;
    execv(argv[0], argv);
    return failed("execve");
}

/* Writes CONTENT (default "pwned") and a newline to PATH. */
static int cmd_write(const char *path, const char *content)
{
    char buf[256];
    int len = snprintf(buf, sizeof buf, "%s\n", content ? content : "pwned");
    if (len < 0 || (size_t)len >= sizeof buf)
        return 2;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return failed("open for writing");
    if (write(fd, buf, (size_t)len) != len)
        return failed("write");
    close(fd);
    return succeeded();
}

static int cmd_read(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return failed("open for reading");
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0)
        return failed("read");
    /* Proof of the read: the stolen bytes on stdout. */
    fwrite(buf, 1, (size_t)n, stdout);
    fflush(stdout);
    close(fd);
    return succeeded();
}

static int inet_port(const char *s, struct sockaddr_in *sa)
{
    long port;
    if (parse_int(s, &port) || port < 1 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 0;
}

static int cmd_tcp_connect(const char *port)
{
    struct sockaddr_in sa;
    if (inet_port(port, &sa))
        return 2;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return failed("socket(AF_INET, SOCK_STREAM)");
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
        return failed("connect");
    if (write(s, "exfil", 5) != 5)
        return failed("write");
    close(s);
    return succeeded();
}

static int cmd_udp_send(const char *port)
{
    struct sockaddr_in sa;
    if (inet_port(port, &sa))
        return 2;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return failed("socket(AF_INET, SOCK_DGRAM)");
    if (sendto(s, "exfil", 5, 0, (struct sockaddr *)&sa, sizeof sa) != 5)
        return failed("sendto");
    close(s);
    return succeeded();
}

static int unix_connect(const char *name, int abstract)
{
    struct sockaddr_un sa;
    size_t len = strlen(name);
    if (len + 1 >= sizeof sa.sun_path)
        return 2;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    /* An abstract name starts with a NUL byte and is not terminated. */
    memcpy(sa.sun_path + (abstract ? 1 : 0), name, len);
    /* Path: the name and its NUL; abstract: the leading NUL and the name. */
    socklen_t salen =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return failed("socket(AF_UNIX)");
    if (connect(s, (struct sockaddr *)&sa, salen) < 0)
        return failed("connect");
    if (write(s, "exfil", 5) != 5)
        return failed("write");
    close(s);
    return succeeded();
}

static int cmd_kill(const char *spid)
{
    long pid;
    if (parse_int(spid, &pid) || pid <= 0)
        return 2;
    if (kill((pid_t)pid, SIGKILL) < 0)
        return failed("kill");
    return succeeded();
}

/* PTRACE_SEIZE (no stop; the tracee is detached when we exit). PID 0: a
 * child of our own, so only the system-call filter can be what refuses. */
static int cmd_ptrace(const char *spid)
{
    long pid;
    if (parse_int(spid, &pid) || pid < 0)
        return 2;
    pid_t child = 0;
    if (pid == 0) {
        child = fork();
        if (child < 0)
            return harness("fork");
        if (child == 0) {
            for (;;)
                pause();
        }
        pid = child;
    }
    long r = ptrace(PTRACE_SEIZE, (pid_t)pid, NULL, NULL);
    int e = errno;
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    errno = e;
    if (r < 0)
        return failed("ptrace(PTRACE_SEIZE)");
    return succeeded();
}

static int cmd_io_uring(void)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    long fd = syscall(SYS_io_uring_setup, 4, &p);
    if (fd < 0)
        return failed("io_uring_setup");
    close((int)fd);
    return succeeded();
}

static int cmd_bpf(void)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
    if (fd < 0)
        return failed("bpf(BPF_MAP_CREATE)");
    close((int)fd);
    return succeeded();
}

static int cmd_unshare_user(void)
{
    if (unshare(CLONE_NEWUSER) < 0)
        return failed("unshare(CLONE_NEWUSER)");
    return succeeded();
}

static int cmd_mount(const char *dir)
{
    if (mount("execward-attack", dir, "tmpfs", MS_NOSUID | MS_NODEV,
              "size=64k") < 0)
        return failed("mount(tmpfs)");
    if (umount2(dir, MNT_DETACH) < 0)
        fprintf(stderr, "attack: mount: umount %s: %s\n", dir, strerror(errno));
    return succeeded();
}

static int cmd_keyctl(void)
{
    long id = syscall(SYS_add_key, "user", "execward-attack", "x", (size_t)1,
                      KEY_SPEC_PROCESS_KEYRING);
    if (id < 0)
        return failed("add_key");
    return succeeded();
}

static int cmd_perf(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_SOFTWARE;
    a.size = sizeof a;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
    if (fd < 0)
        return failed("perf_event_open");
    close((int)fd);
    return succeeded();
}

/* Without "user": a userfaultfd that can also catch kernel-mode faults (the
 * exploit tool: it stalls copy_from_user mid-way; needs CAP_SYS_PTRACE
 * unless vm.unprivileged_userfaultfd=1). With "user": UFFD_USER_MODE_ONLY,
 * which any process may create. */
static int cmd_userfaultfd(const char *mode)
{
    int flags = O_CLOEXEC | O_NONBLOCK;
    if (mode && !strcmp(mode, "user"))
        flags |= UFFD_USER_MODE_ONLY;
    long fd = syscall(SYS_userfaultfd, flags);
    if (fd < 0)
        return failed("userfaultfd");
    close((int)fd);
    return succeeded();
}

/* "Shocker": open a file by handle, bypassing path walks. */
static int cmd_open_by_handle(const char *path)
{
    struct {
        struct file_handle fh;
        unsigned char space[MAX_HANDLE_SZ];
    } h;
    int mount_id;
    h.fh.handle_bytes = MAX_HANDLE_SZ;
    if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0)
        return failed("name_to_handle_at");
    /* Any descriptor on the same filesystem will do as the mount fd. */
    int mfd = open(path, O_RDONLY | O_CLOEXEC);
    if (mfd < 0)
        return harness("open (mount fd)");
    int fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return failed("open_by_handle_at");
    char buf[64];
    if (read(fd, buf, sizeof buf) < 0)
        return failed("read");
    close(fd);
    close(mfd);
    return succeeded();
}

/* The i386 system-call entry from this 64-bit binary: getpid is 20 there
 * (39 natively). A filter that checks numbers without the architecture
 * would see "20" and let it through. */
static int cmd_int80(void)
{
#if defined(__x86_64__)
    long ret = 20;
    __asm__ volatile("int $0x80"
                     : "+a"(ret)
                     :
                     : "memory", "rbx", "rcx", "rdx", "rsi", "rdi", "r8",
                       "r9", "r10", "r11");
    if (ret < 0) {
        errno = (int)-ret;
        return failed("int $0x80 getpid");
    }
    printf("%ld\n", ret);
    fflush(stdout);
    return succeeded();
#else
    fprintf(stderr, "attack: int80: x86_64 only\n");
    return 2;
#endif
}

static int cmd_tiocsti(const char *text)
{
    for (const char *c = text; *c; c++) {
        if (ioctl(0, TIOCSTI, c) < 0)
            return failed("ioctl(0, TIOCSTI)");
    }
    return succeeded();
}

/* Make the terminal on stdin our controlling terminal. With argument 1
 * (the default) steal it from the session that has it (needs
 * CAP_SYS_ADMIN): that session (the caller's shell) loses its terminal for
 * good. Argument 0 only takes a terminal that nobody has. */
static int cmd_tiocsctty(const char *sarg)
{
    long arg = 1;
    if (sarg && (parse_int(sarg, &arg) || (arg != 0 && arg != 1)))
        return 2;
    if (ioctl(0, TIOCSCTTY, (int)arg) < 0)
        return failed("ioctl(0, TIOCSCTTY)");
    return succeeded();
}

/* Hang up the terminal on stdin (needs CAP_SYS_ADMIN): its session leader
 * (the caller's shell) gets SIGHUP. */
static int cmd_vhangup(void)
{
    if (ioctl(0, TIOCVHANGUP, 0) < 0)
        return failed("ioctl(0, TIOCVHANGUP)");
    return succeeded();
}

__attribute__((noreturn)) static void cmd_forkbomb(void)
{
    for (;;)
        fork();
}

/* Try to hold N processes at once (this one and N-1 children). Prints how
 * many existed; succeeds when all N did. The children are killed. With
 * CHURN, first make and reap CHURN short-lived children one after the
 * other (a long-running action's history: the bound must not shrink). */
static int cmd_nproc(const char *sn, const char *schurn)
{
    long n, churn = 0;
    if (parse_int(sn, &n) || n < 1 || n > 100000)
        return 2;
    if (schurn && (parse_int(schurn, &churn) || churn < 0 || churn > 1000000))
        return 2;
    for (long i = 0; i < churn; i++) {
        pid_t p = fork();
        if (p < 0)
            return failed("fork (churn)");
        if (p == 0)
            _exit(0);
        waitpid(p, NULL, 0);
    }
    pid_t *kids = calloc((size_t)n, sizeof *kids);
    if (!kids)
        return harness("calloc");
    long made = 1;
    int err = 0;
    while (made < n) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            for (;;)
                pause();
        }
        kids[made++] = p;
    }
    for (long i = 1; i < made; i++)
        kill(kids[i], SIGKILL);
    for (long i = 1; i < made; i++)
        waitpid(kids[i], NULL, 0);
    printf("%ld\n", made);
    fflush(stdout);
    if (made < n) {
        errno = err;
        return failed("fork");
    }
    return succeeded();
}

/* With "raise": first lift RLIMIT_AS to unlimited (soft and hard), as a
 * root child holding CAP_SYS_RESOURCE could. */
static int cmd_alloc(const char *smib, int raise)
{
    long mib;
    if (parse_int(smib, &mib) || mib < 1)
        return 2;
    if (raise) {
        struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
        if (setrlimit(RLIMIT_AS, &r) < 0)
            return failed("setrlimit(RLIMIT_AS, unlimited)");
    }
    size_t len = (size_t)mib << 20;
    char *p = malloc(len);
    if (!p)
        return failed("malloc");
    memset(p, 0x5a, len);
    /* Keep the compiler from dropping the memset. */
    volatile char sink = p[len - 1];
    (void)sink;
    free(p);
    return succeeded();
}

static int write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * A classic daemon: fork, setsid, fork again; the grandchild ignores
 * SIGTERM (and SIGHUP), reports its pid and sleeps for a minute. The
 * original waits only until the daemon is ready, then writes
 * "ORIGINAL_PID DAEMON_PID\n" (pids as the caller's namespace sees them)
 * to PIDFILE (atomically: a temporary file renamed) and exits 0 at once,
 * or with "stay" sleeps instead of exiting.
 */
static int cmd_daemon(const char *pidfile, int stay)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return harness("pipe");
    pid_t c = fork();
    if (c < 0)
        return harness("fork");
    if (c == 0) {
        close(p[0]);
        if (setsid() < 0)
            _exit(3);
        pid_t g = fork();
        if (g < 0)
            _exit(3);
        if (g > 0)
            _exit(0);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        char buf[32];
        snprintf(buf, sizeof buf, "%ld\n", outer_pid());
        write_all(p[1], buf);
        close(p[1]);
        close(0);
        close(1);
        close(2);
        for (int i = 0; i < 60; i++)
            sleep(1);
        _exit(0);
    }
    close(p[1]);
    waitpid(c, NULL, 0);
    char dpid[32] = {0};
    ssize_t n = read(p[0], dpid, sizeof dpid - 1);
    if (n <= 0)
        return harness("reading the daemon's pid");
    close(p[0]);
    char line[80];
    snprintf(line, sizeof line, "%ld %s", outer_pid(), dpid);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return harness("open pidfile");
    if (write_all(fd, line) < 0 || close(fd) < 0)
        return harness("write pidfile");
    if (rename(tmp, pidfile) < 0)
        return harness("rename pidfile");
    if (stay) {
        for (;;)
            pause();
    }
    return 0;
}

static void status_lines(void)
{
    static const char *keys[] = {"Uid:",    "Gid:",    "Groups:", "CapInh:",
                                 "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:",
                                 "NoNewPrivs:", "Seccomp:", NULL};
    FILE *f = fopen("/proc/self/status", "re");
    if (!f) {
        fprintf(stderr, "attack: caps: /proc/self/status: %s\n",
                strerror(errno));
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        for (int i = 0; keys[i]; i++) {
            if (strncmp(line, keys[i], strlen(keys[i])) == 0)
                fputs(line, stdout);
        }
    }
    fclose(f);
    fflush(stdout);
}

static int cmd_caps(void)
{
    status_lines();
    /* Raw system call: glibc's wrapper would broadcast to other threads,
     * and we want the kernel's answer only. */
    if (syscall(SYS_setresuid, 0, 0, 0) < 0)
        return failed("setresuid(0, 0, 0)");
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) < 0)
        return harness("getresuid");
    if (r != 0 || e != 0 || s != 0) {
        errno = EPERM;
        return failed("getresuid after setresuid(0, 0, 0)");
    }
    return succeeded();
}

static int cmd_mknod(const char *path)
{
    /* loop0: the node only has to be creatable, not usable. */
    if (mknod(path, S_IFBLK | 0600, makedev(7, 0)) < 0)
        return failed("mknod(S_IFBLK)");
    unlink(path);
    return succeeded();
}


/* SysV IPC of the host: a segment, queue or semaphore set with key KEY. */
static int cmd_sysv(const char *kind, const char *keytext)
{
    long key;
    if (parse_int(keytext, &key) < 0)
        return 2;
    if (!strcmp(kind, "shm")) {
        int id = shmget((key_t)key, 0, 0);
        if (id < 0)
            return failed("shmget");
        char *p = shmat(id, NULL, 0);
        if (p == (void *)-1)
            return failed("shmat");
        /* Proof: the bytes read, then overwritten. */
        printf("%.16s\n", p);
        fflush(stdout);
        p[0] = 'X';
        shmdt(p);
        return succeeded();
    }
    if (!strcmp(kind, "msg")) {
        int id = msgget((key_t)key, 0);
        if (id < 0)
            return failed("msgget");
        struct {
            long mtype;
            char text[64];
        } m;
        ssize_t n = msgrcv(id, &m, sizeof m.text, 0, IPC_NOWAIT);
        if (n < 0)
            return failed("msgrcv");
        printf("%.*s\n", (int)n, m.text);
        fflush(stdout);
        return succeeded();
    }
    if (!strcmp(kind, "sem")) {
        int id = semget((key_t)key, 0, 0);
        if (id < 0)
            return failed("semget");
        if (semctl(id, 0, IPC_RMID) < 0)
            return failed("semctl(IPC_RMID)");
        return succeeded();
    }
    return 2;
}

/* Real-time scheduling, locked memory, a higher priority. */
static int cmd_rt(void)
{
    struct sched_param sp = {.sched_priority = 99};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
        return failed("sched_setscheduler(SCHED_FIFO, 99)");
    return succeeded();
}

static int cmd_mlockall(void)
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
        return failed("mlockall");
    munlockall();
    return succeeded();
}

static int cmd_nice(void)
{
    if (setpriority(PRIO_PROCESS, 0, -20) < 0)
        return failed("setpriority(-20)");
    return succeeded();
}

/* FIFREEZE on the file system of PATH (thawed at once if it worked). */
static int cmd_freeze(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return harness("open");
    if (ioctl(fd, FIFREEZE, 0) < 0)
        return failed("ioctl(FIFREEZE)");
    ioctl(fd, FITHAW, 0);
    return succeeded();
}

/* quotactl_fd(Q_GETQUOTA) of another user's quota on PATH's file system. */
static int cmd_quotactl(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return harness("open");
    struct dqblk d;
    if (syscall(443 /* quotactl_fd */, fd, QCMD(Q_GETQUOTA, USRQUOTA), 12345,
                &d) < 0)
        return failed("quotactl_fd(Q_GETQUOTA)");
    return succeeded();
}

/* Makes PATH set-user-ID (mode 04755) by one route; succeeded only if the
 * file ends up with the bit. */
static int cmd_setid(const char *how, const char *path)
{
    int r = -1, fd;
    mode_t mode = S_ISUID | 0755;
    if (!strcmp(how, "chmod")) {
        r = chmod(path, mode);
    } else if (!strcmp(how, "fchmod")) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return harness("open");
        r = fchmod(fd, mode);
    } else if (!strcmp(how, "fchmodat")) {
        r = syscall(SYS_fchmodat, AT_FDCWD, path, mode);
    } else if (!strcmp(how, "fchmodat2")) {
        r = syscall(452 /* fchmodat2 */, AT_FDCWD, path, mode, 0);
    } else if (!strcmp(how, "setgid")) {
        r = chmod(path, S_ISGID | 0755);
    } else if (!strcmp(how, "chown-chmod")) {
        /* What a root child with code execution would do. */
        if (chown(path, 0, 0) < 0)
            return failed("chown(0, 0)");
        r = chmod(path, mode);
    } else if (!strcmp(how, "open")) {
        r = syscall(SYS_open, path, O_WRONLY | O_CREAT | O_EXCL, mode);
    } else if (!strcmp(how, "openat")) {
        r = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL,
                    mode);
    } else if (!strcmp(how, "creat")) {
        r = syscall(SYS_creat, path, mode);
    } else if (!strcmp(how, "tmpfile")) {
        /* An unnamed file made with the bits, then linked in. */
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (!slash)
            return 2;
        *slash = '\0';
        fd = syscall(SYS_openat, AT_FDCWD, dir, O_TMPFILE | O_WRONLY, mode);
        if (fd < 0)
            return failed("open(O_TMPFILE)");
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        r = linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
        if (r < 0)
            r = linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
    } else if (!strcmp(how, "openat2")) {
        struct open_how oh = {.flags = O_WRONLY | O_CREAT | O_EXCL,
                              .mode = mode};
        r = syscall(SYS_openat2, AT_FDCWD, path, &oh, sizeof oh);
    } else if (!strcmp(how, "mknod")) {
        r = mknod(path, S_IFREG | mode, 0);
    } else if (!strcmp(how, "mknodat")) {
        r = syscall(SYS_mknodat, AT_FDCWD, path, S_IFREG | mode, 0);
    } else {
        return 2;
    }
    if (r < 0)
        return failed(how);
    struct stat st;
    if (stat(path, &st) < 0)
        return harness("stat");
    if (!(st.st_mode & (S_ISUID | S_ISGID))) {
        errno = 0;
        return failed("the file has no set-id bit");
    }
    return succeeded();
}

/* TCP Fast Open to 127.0.0.1:PORT: with sendto(MSG_FASTOPEN), or with
 * TCP_FASTOPEN_CONNECT then connect(). */
static int cmd_tfo(const char *how, const char *port)
{
    struct sockaddr_in sa;
    if (inet_port(port, &sa) < 0)
        return 2;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed("socket");
    const char msg[] = "fastopen\n";
    if (!strcmp(how, "sendto")) {
        if (sendto(fd, msg, sizeof msg - 1, MSG_FASTOPEN,
                   (struct sockaddr *)&sa, sizeof sa) < 0)
            return failed("sendto(MSG_FASTOPEN)");
    } else if (!strcmp(how, "sockopt")) {
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one,
                       sizeof one) < 0)
            return failed("setsockopt(TCP_FASTOPEN_CONNECT)");
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
            return failed("connect");
        if (write(fd, msg, sizeof msg - 1) < 0)
            return failed("write");
    } else {
        return 2;
    }
    /* Let the handshake finish before the socket is closed. */
    usleep(200 * 1000);
    close(fd);
    return succeeded();
}

/* listen() on a TCP socket that was never bound (the kernel picks a
 * port). */
static int cmd_listen(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed("socket");
    if (listen(fd, 1) < 0)
        return failed("listen");
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        printf("%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    return succeeded();
}

static int usage(void)
{
    fprintf(stderr,
            "usage: attack SUBCOMMAND [ARG...]\n"
            "  exec PATH [ARG...] | write PATH [CONTENT] | read PATH\n"
            "  tcp-connect PORT"
            " | udp-send PORT | unix-abstract NAME | unix-path PATH | kill PID\n"
            "  ptrace PID (0: own child) | io_uring | bpf | unshare-user\n"
            "  mount DIR | keyctl | perf | userfaultfd [user] | open-by-handle PATH\n"
            "  int80 | tiocsti [TEXT] | tiocsctty [0|1] | vhangup | forkbomb | nproc N [CHURN] | alloc MIB [raise]\n"
            "  daemon PIDFILE [stay] | caps | mknod PATH\n"
            "  sysv shm|msg|sem KEY | rt | mlockall | nice | freeze PATH | quotactl PATH\n"
            "  setid chmod|fchmod|fchmodat|fchmodat2|setgid|chown-chmod|open|openat|\n"
            "        creat|tmpfile|openat2|mknod|mknodat PATH\n"
            "  tfo sendto|sockopt PORT | listen\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    sub = argv[1];
    const char *a = argc > 2 ? argv[2] : NULL;
#define NEED_ARG                                                               \
    do {                                                                       \
        if (!a)                                                                \
            return usage();                                                    \
    } while (0)
    if (!strcmp(sub, "exec")) {
        NEED_ARG;
        return cmd_exec(argc - 2, argv + 2);
    }
    if (!strcmp(sub, "write")) {
        NEED_ARG;
        return cmd_write(a, argc > 3 ? argv[3] : NULL);
    }
    if (!strcmp(sub, "read")) {
        NEED_ARG;
        return cmd_read(a);
    }
    if (!strcmp(sub, "tcp-connect")) {
        NEED_ARG;
        return cmd_tcp_connect(a);
    }
    if (!strcmp(sub, "udp-send")) {
        NEED_ARG;
        return cmd_udp_send(a);
    }
    if (!strcmp(sub, "unix-abstract")) {
        NEED_ARG;
        return unix_connect(a, 1);
    }
    if (!strcmp(sub, "unix-path")) {
        NEED_ARG;
        return unix_connect(a, 0);
    }
    if (!strcmp(sub, "kill")) {
        NEED_ARG;
        return cmd_kill(a);
    }
    if (!strcmp(sub, "ptrace")) {
        NEED_ARG;
        return cmd_ptrace(a);
    }
    if (!strcmp(sub, "io_uring"))
        return cmd_io_uring();
    if (!strcmp(sub, "bpf"))
        return cmd_bpf();
    if (!strcmp(sub, "unshare-user"))
        return cmd_unshare_user();
    if (!strcmp(sub, "mount")) {
        NEED_ARG;
        return cmd_mount(a);
    }
    if (!strcmp(sub, "keyctl"))
        return cmd_keyctl();
    if (!strcmp(sub, "perf"))
        return cmd_perf();
    if (!strcmp(sub, "userfaultfd"))
        return cmd_userfaultfd(a);
    if (!strcmp(sub, "open-by-handle")) {
        NEED_ARG;
        return cmd_open_by_handle(a);
    }
    if (!strcmp(sub, "int80"))
        return cmd_int80();
    if (!strcmp(sub, "tiocsti"))
        return cmd_tiocsti(a ? a : "Z");
    if (!strcmp(sub, "tiocsctty"))
        return cmd_tiocsctty(a);
    if (!strcmp(sub, "vhangup"))
        return cmd_vhangup();
    if (!strcmp(sub, "forkbomb"))
        cmd_forkbomb();
    if (!strcmp(sub, "nproc")) {
        NEED_ARG;
        return cmd_nproc(a, argc > 3 ? argv[3] : NULL);
    }
    if (!strcmp(sub, "alloc")) {
        NEED_ARG;
        return cmd_alloc(a, argc > 3 && !strcmp(argv[3], "raise"));
    }
    if (!strcmp(sub, "daemon")) {
        NEED_ARG;
        return cmd_daemon(a, argc > 3 && !strcmp(argv[3], "stay"));
    }
    if (!strcmp(sub, "caps"))
        return cmd_caps();
    if (!strcmp(sub, "mknod")) {
        NEED_ARG;
        return cmd_mknod(a);
    }
    if (!strcmp(sub, "sysv")) {
        if (argc < 4)
            return usage();
        return cmd_sysv(a, argv[3]);
    }
    if (!strcmp(sub, "rt"))
        return cmd_rt();
    if (!strcmp(sub, "mlockall"))
        return cmd_mlockall();
    if (!strcmp(sub, "nice"))
        return cmd_nice();
    if (!strcmp(sub, "freeze")) {
        NEED_ARG;
        return cmd_freeze(a);
    }
    if (!strcmp(sub, "quotactl")) {
        NEED_ARG;
        return cmd_quotactl(a);
    }
    if (!strcmp(sub, "setid")) {
        if (argc < 4)
            return usage();
        return cmd_setid(a, argv[3]);
    }
    if (!strcmp(sub, "tfo")) {
        if (argc < 4)
            return usage();
        return cmd_tfo(a, argv[3]);
    }
    if (!strcmp(sub, "listen"))
        return cmd_listen();
    return usage();
}
