//! Running a renderer: found on PATH (or named by an environment variable),
//! its output captured, stopped when it takes too long.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a run ended, when it did not end well.
#[derive(Debug)]
pub(crate) enum RunError {
    /// The program does not exist.
    NotFound,
    /// It could not be started (permissions, not an executable, …).
    Spawn(std::io::Error),
    /// It ran past the timeout and was killed.
    TimedOut,
    /// It wrote more than the limit to stdout and was killed.
    TooLarge,
    /// It exited with a failure; its stderr (or stdout when stderr is empty).
    Failed(String),
}

/// What a successful run printed.
pub(crate) struct Ran {
    pub stdout: String,
}

/// The executable `name` on PATH, as a shell would find it.
pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A program named by the environment variable `var` (non-empty), if any.
pub(crate) fn from_env(var: &str) -> Option<OsString> {
    std::env::var_os(var).filter(|v| !v.is_empty())
}

/// Runs `program args` with stdin closed; stdout and stderr are captured
/// (stdout up to `max_output` bytes). Past `timeout` the program and every
/// process it started (its process group) are killed.
pub(crate) fn run(
    program: &OsStr,
    args: &[OsString],
    timeout: Duration,
    max_output: u64,
) -> Result<Ran, RunError> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // its own process group, so that a timeout stops its children too
        cmd.process_group(0);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RunError::NotFound),
        Err(e) => return Err(RunError::Spawn(e)),
    };
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = (&mut out).take(max_output + 1).read_to_end(&mut buf);
        // past the limit the pipe is closed: the writer gets EPIPE
        drop(out);
        r.map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        // keep the last 64 KiB: the message is at the end
        let mut chunk = [0u8; 8192];
        while let Ok(n) = err.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.len() > 128 * 1024 {
                buf.drain(..buf.len() - 64 * 1024);
            }
        }
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(RunError::Spawn(e)),
        }
    };
    let Some(status) = status else {
        kill_group(&mut child);
        let _ = child.wait();
        // the readers end when the killed processes' pipes close; they are
        // not waited for (a process that left the group may hold them)
        return Err(RunError::TimedOut);
    };
    // a process the program left running may still hold the pipes: it
    // goes with the group when it does not let go in time (the group still
    // exists then, so its id is still the child's)
    let grace = Instant::now()
        + deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
    while !(out_reader.is_finished() && err_reader.is_finished()) {
        if Instant::now() >= grace {
            kill_group(&mut child);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let stdout = out_reader
        .join()
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if stdout.len() as u64 > max_output {
        return Err(RunError::TooLarge);
    }
    if !status.success() {
        let mut msg = String::from_utf8_lossy(&stderr).trim().to_string();
        if msg.is_empty() {
            msg = String::from_utf8_lossy(&stdout).trim().to_string();
        }
        if msg.is_empty() {
            msg = format!("exited with {status}");
        }
        return Err(RunError::Failed(msg));
    }
    Ok(Ran {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
    })
}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    let Ok(pid) = libc::pid_t::try_from(child.id()) else {
        let _ = child.kill();
        return;
    };
    // SAFETY: kill(2) with a negative pid signals the process group the
    // child leads (process_group(0) made it the leader); no memory is shared.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
}
