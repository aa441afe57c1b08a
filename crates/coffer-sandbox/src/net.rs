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

use crate::{setup, Result, SandboxError};
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

fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// The filter program (classic BPF over `struct seccomp_data`).
fn program() -> Vec<libc::sock_filter> {
    use libc::{BPF_ABS, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let ld = |off| stmt(BPF_LD | BPF_W | BPF_ABS, off);
    let ret = |v| stmt(BPF_RET | BPF_K, v);
    let errno = |e: i32| libc::SECCOMP_RET_ERRNO | (e as u32 & libc::SECCOMP_RET_DATA);
    let nr = |n: libc::c_long| n as u32;
    // The returns at the end, addressed from the jumps below by their distance.
    let tail = [
        ret(libc::SECCOMP_RET_USER_NOTIF), // END-4: connect
        ret(errno(libc::ENOSYS)),          // END-3
        ret(errno(libc::EACCES)),          // END-2
        ret(errno(libc::EPROTONOSUPPORT)), // END-1
        ret(libc::SECCOMP_RET_ALLOW),      // END
    ];
    let mut p = vec![
        ld(OFF_ARCH),
        jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH, 1, 0),
        ret(libc::SECCOMP_RET_KILL_PROCESS),
        ld(OFF_NR),
    ];
    // Each entry: (syscall, what to do): 0 notify, 1 ENOSYS, 2 check flags, 3 check protocol.
    let checks: [(u32, u8); 6] = [
        (nr(libc::SYS_connect), 0),
        (nr(libc::SYS_io_uring_setup), 1),
        (nr(libc::SYS_sendto), 2),
        (nr(libc::SYS_sendmsg), 2),
        (nr(libc::SYS_sendmmsg), 2),
        (nr(libc::SYS_socket), 3),
    ];
    // Layout after the dispatch: [x32 check] [6 jeq] [ret allow] [flags: ld, jset, ret allow]
    // [proto: ld, jeq, ret allow] [tail].
    let dispatch_len = checks.len() + 1; // the jeqs and the fall-through ret allow
    let flags_len = 3;
    let proto_len = 3;
    if cfg!(target_arch = "x86_64") {
        // nr >= X32 bit: ENOSYS. Distance to END-3 from the next instruction.
        let to_enosys = dispatch_len + flags_len + proto_len + 1;
        p.push(jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, to_enosys as u8, 0));
    }
    for (i, (sys, action)) in checks.iter().enumerate() {
        let after = checks.len() - i - 1 + 1; // remaining jeqs + the ret allow
        let target = match action {
            0 => after + flags_len + proto_len,     // END-4
            1 => after + flags_len + proto_len + 1, // END-3
            2 => after,                             // flags block
            _ => after + flags_len,                 // proto block
        };
        p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, *sys, target as u8, 0));
    }
    p.push(ret(libc::SECCOMP_RET_ALLOW));
    // flags block: MSG_FASTOPEN in the flags (argument 3) → EACCES (END-2).
    p.push(ld(off_arg_low(3)));
    p.push(jump(
        BPF_JMP | BPF_JSET | BPF_K,
        MSG_FASTOPEN,
        (1 + proto_len + 2) as u8,
        0,
    ));
    p.push(ret(libc::SECCOMP_RET_ALLOW));
    // proto block: protocol (argument 2) SCTP → EPROTONOSUPPORT (END-1).
    p.push(ld(off_arg_low(2)));
    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_SCTP, (1 + 3) as u8, 0));
    p.push(ret(libc::SECCOMP_RET_ALLOW));
    p.extend(tail);
    p
}

/// Installs the filter on this thread; returns the listener.
fn install() -> std::result::Result<OwnedFd, Errno> {
    let prog = program();
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `fprog` points at `prog`, which outlives the call; the kernel copies the program.
    // The flags ask for a listener file descriptor, returned as the result.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &fprog as *const libc::sock_fprog,
        )
    };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the kernel just returned this new descriptor, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
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
    let family = u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?]);
    let port = u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    match i32::from(family) {
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
        Err(Errno::EBADF) => return Some(Err(Errno::EBADF)),
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
                        "coffer: refused a connection to {addr}: {why}; the machine's owner can allow a range with `coffer serve --allow-network CIDR`\n"
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
    // Exit with the child: its status, or the signal that killed it.
    std::thread::spawn(move || {
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
    });
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
    let threads = crate::thread_count()?;
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
                    supervise_nothing(child)
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

fn supervise_nothing(child: Pid) -> ! {
    match nix::sys::wait::waitpid(child, None) {
        Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => std::process::exit(code),
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

    #[test]
    fn every_jump_lands_inside_the_program() {
        let p = program();
        for (i, ins) in p.iter().enumerate() {
            if ins.code as u32 & 0x07 == libc::BPF_JMP {
                assert!(i + 1 + (ins.jt as usize) < p.len() && i + 1 + (ins.jf as usize) < p.len());
            }
        }
    }
}
