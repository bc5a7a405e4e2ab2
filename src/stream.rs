//! The streams of a running child that the caller reads or writes itself:
//! [`Output::Piped`](crate::Output::Piped) gives a [`ChildOutput`] to read
//! (blocking [`Read`], line by line with [`ChildOutput::lines`], or
//! `AsyncRead` with feature `tokio`), and
//! [`Stdin::Piped`](crate::Stdin::Piped) a [`ChildStdin`] to write.
//!
//! The caller never holds the child's own output pipe: a supervisor
//! thread reads it and relays what it reads, within the `output` limit,
//! into a second pipe whose read end is the [`ChildOutput`]. So the time
//! limit and the output limit hold whether or not, and however slowly, the
//! caller reads: a caller that stops reading only stops the relay (the
//! child then blocks on its full pipe until its time runs out), and the
//! relay closes the caller's pipe (end of file) once the limit is reached,
//! discarding the rest. Memory stays bounded by two pipe buffers and one
//! 64 KiB chunk per stream, however much the child writes.
//!
//! The caller's stdin pipe is the child's own: writes block while the
//! child does not read, and fail (`EPIPE`) once it is gone, for instance
//! killed at its time limit.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// The longest line [`ChildOutput::lines`] (and the async `next_line`)
/// yields; a longer line comes in pieces of this size, so a child that
/// never writes a newline cannot make the caller hold more.
pub const MAX_LINE: usize = 64 << 10;

/// Which output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum StreamKind {
    /// The child's standard output.
    Stdout,
    /// The child's standard error.
    Stderr,
}

/// The write end of a child's standard input
/// ([`Stdin::Piped`](crate::Stdin::Piped)); dropping it closes the child's
/// stdin (end of file).
#[derive(Debug)]
pub struct ChildStdin {
    pub(crate) file: File,
}

impl ChildStdin {
    pub(crate) fn new(fd: OwnedFd) -> ChildStdin {
        ChildStdin {
            file: File::from(fd),
        }
    }

    /// The descriptor, for the async conversion.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn into_fd(self) -> OwnedFd {
        OwnedFd::from(self.file)
    }
}

impl Write for ChildStdin {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for ChildStdin {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// What the caller reads of a child's stdout or stderr
/// ([`Output::Piped`](crate::Output::Piped)): every byte the child wrote,
/// in order, up to the action's `output` limit; then end of file.
#[derive(Debug)]
pub struct ChildOutput {
    pub(crate) file: File,
    pub(crate) kind: StreamKind,
}

impl ChildOutput {
    pub(crate) fn new(fd: OwnedFd, kind: StreamKind) -> ChildOutput {
        ChildOutput {
            file: File::from(fd),
            kind,
        }
    }

    /// Stdout or stderr.
    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// The output line by line (without the newline; invalid UTF-8
    /// replaced by U+FFFD; a line longer than [`MAX_LINE`] in pieces).
    pub fn lines(self) -> Lines {
        Lines {
            out: self,
            split: LineSplitter::default(),
            chunk: vec![0; 16 << 10],
            eof: false,
        }
    }

    /// The descriptor, for the async conversion.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn into_fd(self) -> OwnedFd {
        OwnedFd::from(self.file)
    }
}

impl Read for ChildOutput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl AsFd for ChildOutput {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// [`ChildOutput::lines`].
#[derive(Debug)]
pub struct Lines {
    out: ChildOutput,
    split: LineSplitter,
    chunk: Vec<u8>,
    eof: bool,
}

impl Iterator for Lines {
    type Item = io::Result<String>;

    fn next(&mut self) -> Option<io::Result<String>> {
        loop {
            if let Some(line) = self.split.next_line() {
                return Some(Ok(line));
            }
            if self.eof {
                return self.split.finish().map(Ok);
            }
            match self.out.read(&mut self.chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.split.feed(&self.chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Splits bytes into lines of at most [`MAX_LINE`] bytes (shared by the
/// blocking and async line readers). It never holds more than
/// [`MAX_LINE`] bytes plus the last chunk fed.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    buf: Vec<u8>,
}

impl LineSplitter {
    /// Appends bytes read.
    pub(crate) fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete line (or a [`MAX_LINE`] piece of a longer one).
    pub(crate) fn next_line(&mut self) -> Option<String> {
        let end = match self.buf.iter().take(MAX_LINE + 1).position(|&b| b == b'\n') {
            Some(i) => i,
            None if self.buf.len() >= MAX_LINE => MAX_LINE,
            None => return None,
        };
        let line = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let skip = if self.buf.get(end) == Some(&b'\n') {
            end + 1
        } else {
            end
        };
        self.buf.drain(..skip);
        Some(line)
    }

    /// At end of input: the last line if it had no newline.
    pub(crate) fn finish(&mut self) -> Option<String> {
        if self.buf.is_empty() {
            return None;
        }
        let line = String::from_utf8_lossy(&self.buf).into_owned();
        self.buf.clear();
        Some(line)
    }
}

/// The supervisor's side of a [`ChildOutput`]: the non-blocking write end
/// of the caller's pipe, and what it could not take yet.
#[derive(Debug)]
pub(crate) struct Relay {
    fd: OwnedFd,
    pending: Vec<u8>,
}

/// The caller closed its [`ChildOutput`]: nothing more can reach it.
#[derive(Debug)]
pub(crate) struct Gone;

impl Relay {
    /// A relay into `fd`, which is made non-blocking.
    pub(crate) fn new(fd: OwnedFd) -> io::Result<Relay> {
        use nix::fcntl::{fcntl, FcntlArg, OFlag};
        let flags = fcntl(&fd, FcntlArg::F_GETFL).map_err(io::Error::from)?;
        fcntl(
            &fd,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        )
        .map_err(io::Error::from)?;
        Ok(Relay {
            fd,
            pending: Vec::new(),
        })
    }

    /// The descriptor to poll for room (while [`Relay::is_flushed`] is
    /// false).
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// True when everything sent has reached the pipe.
    pub(crate) fn is_flushed(&self) -> bool {
        self.pending.is_empty()
    }

    /// Bytes accepted but not yet in the pipe.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Sends `data` after what is pending; what the pipe cannot take now
    /// is kept (at most one chunk: the supervisor reads no more from the
    /// child until it is flushed).
    pub(crate) fn send(&mut self, data: &[u8]) -> Result<(), Gone> {
        self.pending.extend_from_slice(data);
        self.flush()
    }

    /// Writes what is pending, as far as the pipe takes it.
    pub(crate) fn flush(&mut self) -> Result<(), Gone> {
        let mut done = 0;
        while done < self.pending.len() {
            match nix::unistd::write(&self.fd, &self.pending[done..]) {
                Ok(n) => done += n,
                Err(nix::errno::Errno::EINTR) => {}
                Err(nix::errno::Errno::EAGAIN) => break,
                Err(_) => return Err(Gone),
            }
        }
        self.pending.drain(..done);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_and_bounded() {
        let mut s = LineSplitter::default();
        s.feed(b"a\nbc");
        assert_eq!(s.next_line().as_deref(), Some("a"));
        assert_eq!(s.next_line(), None);
        s.feed(b"d\n\n");
        assert_eq!(s.next_line().as_deref(), Some("bcd"));
        assert_eq!(s.next_line().as_deref(), Some(""));
        s.feed(&vec![b'x'; MAX_LINE + 3]);
        assert_eq!(s.next_line().map(|l| l.len()), Some(MAX_LINE));
        assert_eq!(s.next_line(), None);
        assert_eq!(s.finish().as_deref(), Some("xxx"));
        assert_eq!(s.finish(), None);
        let mut exact = vec![b'y'; MAX_LINE];
        exact.push(b'\n');
        s.feed(&exact);
        assert_eq!(s.next_line().map(|l| l.len()), Some(MAX_LINE));
        assert_eq!(s.next_line(), None);
        s.feed(b"\xff\n");
        assert_eq!(s.next_line().as_deref(), Some("\u{fffd}"));
    }
}
