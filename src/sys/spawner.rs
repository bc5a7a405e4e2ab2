//! Every child is created by one long-lived thread of the process.
//!
//! The kernel's parent-death signal (`PR_SET_PDEATHSIG`) fires when the
//! *thread* that created the child ends, not the process. Creating children
//! from a thread that lives as long as the process means the signal fires
//! only when the process dies, whichever thread asked for the spawn (a
//! `spawn_blocking` pool thread, a short-lived `std::thread`). The thread is
//! made on first use and again in a forked child process (threads do not
//! survive `fork`). Spawns are serialized through it; each takes a fraction
//! of a millisecond.

use std::sync::mpsc::{self, Sender, SyncSender};
use std::sync::Mutex;

use super::clone::{spawn_here, SpawnFailure, Spawned};
use super::spec::ChildSpec;

/// A spawn request. The spec lives on the requester's stack.
struct Job {
    spec: *const ChildSpec<'static>,
    reply: SyncSender<Result<Spawned, SpawnFailure>>,
}

// SAFETY: the requester blocks in `run` until the spawner thread has
// replied, so the `ChildSpec` (and every buffer it points to) outlives
// its use on the spawner thread, and nothing mutates it meanwhile.
unsafe impl Send for Job {}

/// The spawner of this process: (pid it was made in, its queue).
static SPAWNER: Mutex<Option<(u32, Sender<Job>)>> = Mutex::new(None);

fn queue() -> std::io::Result<Sender<Job>> {
    let mut guard = SPAWNER.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if let Some((owner, tx)) = guard.as_ref() {
        if *owner == pid {
            return Ok(tx.clone());
        }
    }
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("execward-spawner".into())
        .stack_size(256 * 1024)
        .spawn(move || {
            for job in rx {
                // SAFETY: see `impl Send for Job`: the spec is alive and
                // unchanged until we reply.
                let spec = unsafe { &*job.spec };
                let _ = job.reply.send(spawn_here(spec));
            }
        })?;
    *guard = Some((pid, tx.clone()));
    Ok(tx)
}

/// Creates the child and runs the post-fork sequence in it.
///
/// Returns once the child has called `execve` successfully, or has failed
/// (then it has been reaped and the failure is returned).
/// Any thread may call it; the clone itself happens on the spawner thread.
pub(crate) fn spawn(spec: &ChildSpec<'_>) -> Result<Spawned, SpawnFailure> {
    let (reply, answer) = mpsc::sync_channel(1);
    let job = Job {
        spec: std::ptr::from_ref(spec).cast::<ChildSpec<'static>>(),
        reply,
    };
    queue()
        .map_err(SpawnFailure::Clone)?
        .send(job)
        .map_err(|_| SpawnFailure::Clone(std::io::Error::other("the spawner thread is gone")))?;
    answer.recv().unwrap_or_else(|_| {
        Err(SpawnFailure::Clone(std::io::Error::other(
            "the spawner thread is gone",
        )))
    })
}
