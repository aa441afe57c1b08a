//! The connection supervisor: every `connect` of a sandboxed process is checked against a
//! [`NetPolicy`] by a supervisor process before it happens.
//!
//! [`confine`] forks. The child installs a seccomp filter that sends each `connect(2)` to
//! the parent (seccomp user notification) and returns, to `exec` the run's program or to go
//! on as the DuckDB engine. The parent becomes the supervisor: for each `connect` it copies the
//! socket (`pidfd_getfd`) and the address (`process_vm_readv`) out of the child, checks the
//! copied address, and either refuses (`EACCES`, with a line on stderr saying why) or
//! performs the `connect` itself on the copied socket with the copied address and returns its
//! result. Because the supervisor connects with its own copies, the child cannot change the
//! address or the socket after the check (the race that makes seccomp's "continue" unsafe),
//! and because the check is on the address being connected to, a host name that resolves
//! differently later (DNS rebinding) or a URL built at run time is judged the same way.
//!
//! The filter also refuses what would connect without `connect`: TCP Fast Open
//! (`MSG_FASTOPEN` on `sendto`/`sendmsg`/`sendmmsg`), SCTP sockets (whose `connectx` is a
//! socket option) and `io_uring` (whose operations bypass seccomp); other architectures'
//! system calls kill the process. UDP datagrams sent with `sendto` are not checked (cloud
//! metadata services answer HTTP over TCP only).
//!
//! Once the supervisor holds a call, only a fatal signal interrupts the caller's wait (Linux
//! 5.19's `WAIT_KILLABLE_RECV`, used where the kernel has it), so a blocking `connect` is not
//! cut short by a signal while the supervisor connects the socket.
//!
//! The supervisor runs with the child's user and Landlock domain ([`confine`] is called
//! after [`crate::apply`]), is non-dumpable (the child cannot ptrace it) and, if it dies, the
//! child is killed (`PR_SET_PDEATHSIG`). It exits with the child's exit status, or dies of
//! the signal that killed the child; it ignores the terminal and termination signals meant
//! for the process group (the child gets them and decides).
//!
//! # Why `unsafe`
//!
//! The workspace forbids `unsafe`; this module is the one exception. Installing a seccomp
//! filter with a listener, the three seccomp-notify `ioctl`s, `fork` and a `connect` with an
//! address held as raw bytes have no safe wrapper in a maintained pure-Rust crate (the
//! `libseccomp` bindings need libseccomp's C development package at build time, which would
//! break coffer's one-command install). Each `unsafe` block says why it is sound.

#![allow(unsafe_code)]

use crate::error::{setup, Result, SandboxError};
use crate::threads::thread_count;
use coffer_model::net::NetPolicy;
use nix::errno::Errno;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::socket::{AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType};
use nix::unistd::{ForkResult, Pid};
use std::io::{IoSlice, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

/// x86_64's x32 ABI marks its system call numbers with this bit.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
const MSG_FASTOPEN: u32 = 0x2000_0000;
const IPPROTO_SCTP: u32 = 132;

/// Offsets in `struct seccomp_data`.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const fn off_arg_low(i: u32) -> u32 {
    16 + 8 * i
}

/// One instruction of the filter, with jumps to labels resolved by [`assemble`].
enum Ins {
    /// Load the 32-bit word at this offset of `struct seccomp_data`.
    Load(u32),
    /// If the accumulator equals the constant, go to the label.
    JumpIfEq(u32, &'static str),
    /// If the accumulator is at least the constant (unsigned), go to the label.
    JumpIfGe(u32, &'static str),
    /// If the accumulator has a bit of the constant, go to the label.
    JumpIfAny(u32, &'static str),
    /// Return this action.
    Ret(u32),
    /// A label for the next instruction.
    Label(&'static str),
}

/// Classic BPF from [`Ins`]: every label must exist and follow its jumps (BPF jumps forward
/// only), at most 255 instructions away.
fn assemble(ins: &[Ins]) -> Vec<libc::sock_filter> {
    use libc::{BPF_ABS, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let mut labels = std::collections::HashMap::new();
    let mut n = 0usize;
    for i in ins {
        match i {
            Ins::Label(l) => {
                labels.insert(*l, n);
            }
            _ => n += 1,
        }
    }
    let mut out = Vec::with_capacity(n);
    for i in ins {
        let here = out.len();
        let offset = |l: &str| -> u8 {
            let target = labels.get(l).copied().unwrap_or(here + 1);
            u8::try_from(target.saturating_sub(here + 1)).unwrap_or(0)
        };
        let (code, k, jt) = match i {
            Ins::Label(_) => continue,
            Ins::Load(off) => (BPF_LD | BPF_W | BPF_ABS, *off, 0),
            Ins::JumpIfEq(k, l) => (BPF_JMP | BPF_JEQ | BPF_K, *k, offset(l)),
            Ins::JumpIfGe(k, l) => (BPF_JMP | BPF_JGE | BPF_K, *k, offset(l)),
            Ins::JumpIfAny(k, l) => (BPF_JMP | BPF_JSET | BPF_K, *k, offset(l)),
            Ins::Ret(v) => (BPF_RET | BPF_K, *v, 0),
        };
        out.push(libc::sock_filter {
            code: code as u16,
            jt,
            jf: 0,
            k,
        });
    }
    out
}

/// The filter program (classic BPF over `struct seccomp_data`).
fn program() -> Vec<libc::sock_filter> {
    use Ins::*;
    let errno = |e: i32| libc::SECCOMP_RET_ERRNO | (e as u32 & libc::SECCOMP_RET_DATA);
    let nr = |n: libc::c_long| n as u32;
    let mut p = vec![
        Load(OFF_ARCH),
        JumpIfEq(AUDIT_ARCH, "native"),
        Ret(libc::SECCOMP_RET_KILL_PROCESS),
        Label("native"),
        Load(OFF_NR),
    ];
    if cfg!(target_arch = "x86_64") {
        p.push(JumpIfGe(X32_SYSCALL_BIT, "enosys"));
    }
    p.extend([
        JumpIfEq(nr(libc::SYS_connect), "notify"),
        JumpIfEq(nr(libc::SYS_io_uring_setup), "enosys"),
        // The flags are argument 3 of sendto and sendmmsg, argument 2 of sendmsg.
        JumpIfEq(nr(libc::SYS_sendto), "flags3"),
        JumpIfEq(nr(libc::SYS_sendmmsg), "flags3"),
        JumpIfEq(nr(libc::SYS_sendmsg), "flags2"),
        JumpIfEq(nr(libc::SYS_socket), "protocol"),
        Ret(libc::SECCOMP_RET_ALLOW),
        Label("flags3"),
        Load(off_arg_low(3)),
        JumpIfAny(MSG_FASTOPEN, "eacces"),
        Ret(libc::SECCOMP_RET_ALLOW),
        Label("flags2"),
        Load(off_arg_low(2)),
        JumpIfAny(MSG_FASTOPEN, "eacces"),
        Ret(libc::SECCOMP_RET_ALLOW),
        Label("protocol"),
        Load(off_arg_low(2)),
        JumpIfEq(IPPROTO_SCTP, "eprotonosupport"),
        Ret(libc::SECCOMP_RET_ALLOW),
        Label("notify"),
        Ret(libc::SECCOMP_RET_USER_NOTIF),
        Label("enosys"),
        Ret(errno(libc::ENOSYS)),
        Label("eacces"),
        Ret(errno(libc::EACCES)),
        Label("eprotonosupport"),
        Ret(errno(libc::EPROTONOSUPPORT)),
    ]);
    assemble(&p)
}

/// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (Linux 5.19): once the supervisor has a call, only
/// a fatal signal interrupts the caller's wait, so a signal cannot make a blocking `connect`
/// return `EINTR` (and restart) while the supervisor is connecting the socket.
const WAIT_KILLABLE_RECV: libc::c_ulong = 1 << 5;

/// Installs the filter on this thread; returns the listener.
fn install() -> std::result::Result<OwnedFd, Errno> {
    let prog = program();
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    let mut flags = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER | WAIT_KILLABLE_RECV;
    loop {
        // SAFETY: `fprog` points at `prog`, which outlives the call; the kernel copies the
        // program. The flags ask for a listener file descriptor, returned as the result.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &fprog as *const libc::sock_fprog,
            )
        };
        if fd >= 0 {
            // SAFETY: the kernel just returned this new descriptor, owned by nobody else.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) });
        }
        let e = Errno::last();
        if e == Errno::EINVAL && flags & WAIT_KILLABLE_RECV != 0 {
            // A kernel before 5.19: without the flag.
            flags &= !WAIT_KILLABLE_RECV;
            continue;
        }
        return Err(e);
    }
}

fn recv(listener: RawFd) -> std::result::Result<libc::seccomp_notif, Errno> {
    // SAFETY: an all-zero `seccomp_notif` is valid (plain integers), and the kernel wants it
    // zeroed before it fills it in.
    let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: `req` is a live, writable `seccomp_notif`, the type this ioctl writes.
    let r = unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            &mut req as *mut libc::seccomp_notif,
        )
    };
    if r < 0 {
        return Err(Errno::last());
    }
    Ok(req)
}

fn respond(listener: RawFd, id: u64, result: std::result::Result<(), Errno>) {
    let mut resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: match result {
            Ok(()) => 0,
            Err(e) => -(e as i32),
        },
        flags: 0,
    };
    // SAFETY: `resp` is a live `seccomp_notif_resp`, the type this ioctl reads. A failure
    // (the call was interrupted, the process died) leaves nothing to do.
    let _ = unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &mut resp as *mut libc::seccomp_notif_resp,
        )
    };
}

fn id_valid(listener: RawFd, id: u64) -> bool {
    let mut id = id;
    // SAFETY: `id` is a live u64, the type this ioctl reads.
    unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &mut id as *mut u64) == 0 }
}

fn raw_connect(sock: &OwnedFd, addr: &[u8]) -> std::result::Result<(), Errno> {
    // SAFETY: `addr` is a live buffer of `addr.len()` bytes (at most a `sockaddr_storage`);
    // the kernel reads a socket address of that length from it and validates it itself.
    let r = unsafe {
        libc::connect(
            sock.as_raw_fd(),
            addr.as_ptr() as *const libc::sockaddr,
            addr.len() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

fn fork() -> std::result::Result<ForkResult, Errno> {
    // SAFETY: called only while the process has a single thread (checked by `confine`), so
    // the child inherits no lock held by another thread.
    unsafe { nix::unistd::fork() }
}

/// The address a `sockaddr` of `bytes` names, for the families the policy judges.
fn inet_address(bytes: &[u8]) -> Option<SocketAddr> {
    let port = u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    match family(bytes)? {
        libc::AF_INET => {
            let o: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(o)), port))
        }
        libc::AF_INET6 => {
            let o: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(o)), port))
        }
        _ => None,
    }
}

fn family(bytes: &[u8]) -> Option<i32> {
    Some(i32::from(u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?])))
}

/// The thread group (process) of a thread id.
fn tgid_of(tid: u32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// A relative Unix socket path resolved against the calling thread's working directory.
fn absolute_unix(bytes: &[u8], tid: u32) -> std::result::Result<Vec<u8>, Errno> {
    let path = &bytes[2..];
    if path.is_empty() || path[0] == 0 || path[0] == b'/' {
        return Ok(bytes.to_vec());
    }
    let end = path.iter().position(|b| *b == 0).unwrap_or(path.len());
    let mut full = format!("/proc/{tid}/cwd/").into_bytes();
    full.extend_from_slice(&path[..end]);
    if full.len() >= 108 {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut out = bytes[..2].to_vec();
    out.extend_from_slice(&full);
    out.push(0);
    Ok(out)
}

/// Handles one `connect`: `None` when the notification went stale (no answer is due).
fn handle_connect(
    listener: RawFd,
    req: &libc::seccomp_notif,
    policy: &NetPolicy,
) -> Option<std::result::Result<(), Errno>> {
    let tid = req.pid;
    let fd = req.data.args[0] as RawFd;
    let ptr = req.data.args[1] as usize;
    let len = (req.data.args[2] as usize).min(std::mem::size_of::<libc::sockaddr_storage>());
    let Some(tgid) = tgid_of(tid) else {
        return Some(Err(Errno::ESRCH));
    };
    let mut bytes = vec![0u8; len];
    let copied = nix::sys::uio::process_vm_readv(
        Pid::from_raw(tid as i32),
        &mut [IoSliceMut::new(&mut bytes)],
        &[nix::sys::uio::RemoteIoVec { base: ptr, len }],
    );
    let sock = rustix::process::Pid::from_raw(tgid)
        .ok_or(Errno::ESRCH)
        .and_then(|p| {
            rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty())
                .map_err(|e| Errno::from_raw(e.raw_os_error()))
        })
        .and_then(|pidfd| {
            rustix::process::pidfd_getfd(&pidfd, fd, rustix::process::PidfdGetfdFlags::empty())
                .map_err(|e| Errno::from_raw(e.raw_os_error()))
        });
    // Everything read from the child is only trusted if the call is still the one waiting.
    if !id_valid(listener, req.id) {
        return None;
    }
    let sock = match sock {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    match copied {
        Ok(n) if n == len => {}
        _ => return Some(Err(Errno::EFAULT)),
    }
    let result = match family(&bytes) {
        Some(libc::AF_INET) | Some(libc::AF_INET6) => match inet_address(&bytes) {
            None => Err(Errno::EINVAL),
            Some(addr) => match policy.check(addr) {
                Ok(()) => raw_connect(&sock, &bytes),
                Err(why) => {
                    // One write, so that the line is not interleaved with the child's output.
                    let line = format!(
                        "coffer: refused a connection to {addr}: {why}; the machine's owner can allow a range with `--allow-network CIDR` (on `coffer serve`, or on the command that runs it)\n"
                    );
                    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
                    Err(Errno::EACCES)
                }
            },
        },
        Some(libc::AF_UNIX) => absolute_unix(&bytes, tid).and_then(|b| raw_connect(&sock, &b)),
        Some(libc::AF_UNSPEC) | Some(libc::AF_NETLINK) => raw_connect(&sock, &bytes),
        Some(_) => Err(Errno::EAFNOSUPPORT),
        None => Err(Errno::EINVAL),
    };
    Some(result)
}

fn supervise(listener: OwnedFd, child: Pid, policy: NetPolicy) -> ! {
    let policy = Arc::new(policy);
    let listener = Arc::new(listener);
    std::thread::spawn(move || exit_with_child(child));
    loop {
        let req = match recv(listener.as_raw_fd()) {
            Ok(r) => r,
            Err(Errno::EINTR) | Err(Errno::ENOENT) => continue,
            Err(_) => {
                // Nothing left to supervise; the waiter exits with the child.
                std::thread::park();
                continue;
            }
        };
        let listener = Arc::clone(&listener);
        let policy = Arc::clone(&policy);
        // A connect may block for long: one thread per call keeps the others going.
        std::thread::spawn(move || {
            let answer = if req.data.nr as libc::c_long == libc::SYS_connect {
                handle_connect(listener.as_raw_fd(), &req, &policy)
            } else {
                Some(Err(Errno::ENOSYS))
            };
            if let Some(a) = answer {
                respond(listener.as_raw_fd(), req.id, a);
            }
        });
    }
}

/// Confines this process's connections to `policy`: forks a supervisor (the parent, which
/// never returns) and returns in the child with the filter installed. Call after
/// [`crate::apply`] (the filter needs `no_new_privs`), while the process has one thread.
///
/// # Errors
///
/// [`SandboxError::MultiThreaded`]; [`SandboxError::Setup`] when a step fails (seccomp
/// user notification needs Linux 5.0, `pidfd_getfd` 5.6).
pub fn confine(policy: &NetPolicy) -> Result<()> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(SandboxError::MultiThreaded { threads });
    }
    let (ours, theirs) =
        nix::sys::socket::socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
            .map_err(|e| setup("socketpair", e))?;
    let parent = nix::unistd::getpid();
    match fork().map_err(|e| setup("fork", e))? {
        ForkResult::Child => {
            drop(ours);
            // The supervisor is what keeps connections checked: without it, no process.
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| setup("prctl(PR_SET_PDEATHSIG)", e))?;
            if nix::unistd::getppid() != parent {
                std::process::exit(125);
            }
            // Changing users made this process non-dumpable; the supervisor (same user) must
            // be able to copy its sockets. exec() would reset this anyway.
            nix::sys::prctl::set_dumpable(true).map_err(|e| setup("prctl(PR_SET_DUMPABLE, 1)", e))?;
            let listener = install().map_err(|e| setup("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)", e))?;
            let fds = [listener.as_raw_fd()];
            nix::sys::socket::sendmsg::<()>(
                theirs.as_raw_fd(),
                &[IoSlice::new(b"L")],
                &[ControlMessage::ScmRights(&fds)],
                MsgFlags::empty(),
                None,
            )
            .map_err(|e| setup("sendmsg(listener)", e))?;
            drop(listener);
            // Wait until the supervisor holds the listener.
            let mut ack = [0u8; 1];
            let _ = nix::sys::socket::recv(theirs.as_raw_fd(), &mut ack, MsgFlags::empty());
            Ok(())
        }
        ForkResult::Parent { child } => {
            drop(theirs);
            let _ = nix::sys::prctl::set_dumpable(false);
            // Signals for the process group reach the child, which decides; the supervisor
            // stays until the child is gone.
            let mut blocked = SigSet::empty();
            for s in [
                Signal::SIGTERM,
                Signal::SIGINT,
                Signal::SIGHUP,
                Signal::SIGQUIT,
                Signal::SIGUSR1,
                Signal::SIGUSR2,
                Signal::SIGPIPE,
                Signal::SIGALRM,
                Signal::SIGTSTP,
                Signal::SIGTTIN,
                Signal::SIGTTOU,
            ] {
                blocked.add(s);
            }
            let _ = blocked.thread_block();
            // The child has the standard streams; keep only stderr (for refusals).
            if let Ok(null) = std::fs::File::open("/dev/null") {
                let _ = nix::unistd::dup2(null.as_raw_fd(), 0);
                let _ = nix::unistd::dup2(null.as_raw_fd(), 1);
            }
            let listener = receive_listener(&ours);
            match listener {
                Some(l) => {
                    let _ = nix::sys::socket::send(ours.as_raw_fd(), b"A", MsgFlags::empty());
                    drop(ours);
                    supervise(l, child, policy.clone())
                }
                None => {
                    // The child failed before it had a filter and exits; follow it.
                    drop(ours);
                    exit_with_child(child)
                }
            }
        }
    }
}

fn receive_listener(sock: &OwnedFd) -> Option<OwnedFd> {
    let mut buf = [0u8; 1];
    let mut cmsg = nix::cmsg_space!([RawFd; 1]);
    let mut iov = [IoSliceMut::new(&mut buf)];
    let msg = nix::sys::socket::recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC)
        .ok()?;
    for c in msg.cmsgs().ok()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            if let Some(fd) = fds.first() {
                // SAFETY: SCM_RIGHTS just installed this descriptor in this process; nothing
                // else owns it.
                return Some(unsafe { OwnedFd::from_raw_fd(*fd) });
            }
        }
    }
    None
}

/// Waits for the child, then exits with its status, or dies of the signal that killed it.
fn exit_with_child(child: Pid) -> ! {
    let status = loop {
        match nix::sys::wait::waitpid(child, None) {
            Err(Errno::EINTR) => continue,
            other => break other,
        }
    };
    match status {
        Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => std::process::exit(code),
        Ok(nix::sys::wait::WaitStatus::Signaled(_, sig, _)) => {
            let _ = SigSet::all().thread_unblock();
            let _ = nix::sys::signal::raise(sig);
            std::process::exit(128 + sig as i32)
        }
        _ => std::process::exit(125),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_bytes_are_read_as_the_kernel_reads_them() {
        let mut v4 = vec![0u8; 16];
        v4[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[2..4].copy_from_slice(&80u16.to_be_bytes());
        v4[4..8].copy_from_slice(&[169, 254, 169, 254]);
        assert_eq!(inet_address(&v4), Some("169.254.169.254:80".parse().expect("addr")));
        let mut v6 = vec![0u8; 28];
        v6[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        v6[2..4].copy_from_slice(&443u16.to_be_bytes());
        v6[8..24].copy_from_slice(&"fd00:ec2::254".parse::<Ipv6Addr>().expect("ip").octets());
        assert_eq!(inet_address(&v6), Some("[fd00:ec2::254]:443".parse().expect("addr")));
        assert_eq!(inet_address(&v4[..6]), None);
    }

    #[test]
    fn relative_unix_paths_resolve_against_the_callers_directory() {
        let mut a = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        a.extend_from_slice(b"sock\0");
        let out = absolute_unix(&a, 42).expect("fits");
        assert_eq!(&out[2..], b"/proc/42/cwd/sock\0");
        let mut abs = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        abs.extend_from_slice(b"/run/x.sock\0");
        assert_eq!(absolute_unix(&abs, 42).expect("as is"), abs);
    }

    /// Runs the filter program over one `seccomp_data` (a classic BPF interpreter for the
    /// instructions the program uses), giving the action.
    fn verdict(nr: i64, args: [u64; 6], arch: u32) -> u32 {
        let p = program();
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&(nr as i32).to_ne_bytes());
        data[4..8].copy_from_slice(&arch.to_ne_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_ne_bytes());
        }
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let ins = &p[pc];
            let code = u32::from(ins.code);
            match code & 0x07 {
                c if c == libc::BPF_LD => {
                    let o = ins.k as usize;
                    acc = u32::from_ne_bytes(data[o..o + 4].try_into().expect("word"));
                    pc += 1;
                }
                c if c == libc::BPF_RET => return ins.k,
                c if c == libc::BPF_JMP => {
                    let taken = match code & 0xf0 {
                        op if op == libc::BPF_JEQ => acc == ins.k,
                        op if op == libc::BPF_JGE => acc >= ins.k,
                        op if op == libc::BPF_JSET => acc & ins.k != 0,
                        op => panic!("unexpected jump {op:#x}"),
                    };
                    pc += 1 + usize::from(if taken { ins.jt } else { ins.jf });
                }
                c => panic!("unexpected class {c:#x}"),
            }
        }
    }

    #[test]
    fn the_filter_sends_connects_and_refuses_what_connects_without_them() {
        let errno = |e: i32| libc::SECCOMP_RET_ERRNO | e as u32;
        let garbage = u64::MAX; // unused arguments hold whatever the registers held
        let fastopen = u64::from(MSG_FASTOPEN);
        assert_eq!(
            verdict(libc::SYS_connect, [3, 0, 16, garbage, garbage, garbage], AUDIT_ARCH),
            libc::SECCOMP_RET_USER_NOTIF
        );
        assert_eq!(
            verdict(libc::SYS_io_uring_setup, [0; 6], AUDIT_ARCH),
            errno(libc::ENOSYS)
        );
        assert_eq!(
            verdict(libc::SYS_sendmsg, [3, 0, 0, garbage, garbage, garbage], AUDIT_ARCH),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            verdict(libc::SYS_sendmsg, [3, 0, fastopen, 0, 0, 0], AUDIT_ARCH),
            errno(libc::EACCES)
        );
        assert_eq!(
            verdict(libc::SYS_sendto, [3, 0, 1, 0, garbage, garbage], AUDIT_ARCH),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            verdict(libc::SYS_sendto, [3, 0, 1, fastopen, 0, 16], AUDIT_ARCH),
            errno(libc::EACCES)
        );
        assert_eq!(
            verdict(libc::SYS_sendmmsg, [3, 0, 1, fastopen, 0, 0], AUDIT_ARCH),
            errno(libc::EACCES)
        );
        assert_eq!(
            verdict(libc::SYS_socket, [2, 1, 132, garbage, 0, 0], AUDIT_ARCH),
            errno(libc::EPROTONOSUPPORT)
        );
        assert_eq!(
            verdict(libc::SYS_socket, [2, 1, 6, garbage, 0, 0], AUDIT_ARCH),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(verdict(libc::SYS_read, [0; 6], AUDIT_ARCH), libc::SECCOMP_RET_ALLOW);
        assert_eq!(
            verdict(libc::SYS_connect, [0; 6], 0x4000_0003),
            libc::SECCOMP_RET_KILL_PROCESS
        );
        if cfg!(target_arch = "x86_64") {
            assert_eq!(verdict(0x4000_0000 + 42, [0; 6], AUDIT_ARCH), errno(libc::ENOSYS));
        }
    }
}
