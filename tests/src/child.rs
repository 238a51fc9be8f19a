//! [`Child`]: one process of the stack, its output kept in a log file (and echoed with a prefix
//! when asked), stopped gently and then for sure.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use clicktrail_test_support::{TimedOut, wait_until};

/// A running process of the stack. Dropping it stops it (see [`Child::stop`]).
#[derive(Debug)]
pub struct Child {
    name: String,
    process: std::process::Child,
    log: PathBuf,
    readers: Vec<JoinHandle<()>>,
    status: Option<ExitStatus>,
}

impl Child {
    /// Starts `cmd` with no standard input; its standard output and error go, line by line, to
    /// `{log_dir}/{name}.log` and, when `echo` is set, to this process's standard output as
    /// `[name] line`.
    pub fn spawn(name: &str, mut cmd: Command, log_dir: &Path, echo: bool) -> Result<Self, String> {
        let log = log_dir.join(format!("{name}.log"));
        let file = File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let file = Arc::new(Mutex::new(file));
        let mut process = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", cmd.get_program()))?;
        let mut readers = Vec::new();
        if let Some(out) = process.stdout.take() {
            readers.push(copy_lines(name, out, Arc::clone(&file), echo));
        }
        if let Some(err) = process.stderr.take() {
            readers.push(copy_lines(name, err, file, echo));
        }
        Ok(Self {
            name: name.to_owned(),
            process,
            log,
            readers,
            status: None,
        })
    }

    /// The name it was started with (`sandbox`, `forwarder`, `shop`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.process.id()
    }

    /// Its log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The rest of the first log line starting with `prefix`, once the process has written it:
    /// how a part started on port 0 says which port its listener holds. Fails when the process
    /// exits first or `timeout` passes.
    pub fn announced(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let log = self.log.clone();
        let name = self.name.clone();
        wait_until(
            &format!("{name} to print a line starting {prefix:?}"),
            timeout,
            || {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                if let Some(line) = text.lines().find_map(|l| l.strip_prefix(prefix)) {
                    return Ok(Some(line.to_owned()));
                }
                match self.exited() {
                    Some(status) => Err(format!("{name} exited ({status})")),
                    None => Ok(None),
                }
            },
        )
        .map_err(|e| {
            format!(
                "{e}\n--- last lines of {} ---\n{}",
                log.display(),
                self.log_tail(30)
            )
        })
    }

    /// How it ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.process.try_wait().ok().flatten();
        }
        self.status
    }

    /// Asks it to stop with SIGINT (what ctrl-c sends: every part shuts down gracefully on it),
    /// waits up to `grace`, then kills it. Returns how it ended. Calling it again is harmless.
    pub fn stop(&mut self, grace: Duration) -> Option<ExitStatus> {
        if self.exited().is_none() {
            let _ = Command::new("kill")
                .args(["-INT", &self.id().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            // Past the grace, the kill below ends it.
            let _ = wait_until("the process to exit after SIGINT", grace, || {
                Ok::<_, TimedOut>(self.exited().map(|_| ()))
            });
            if self.exited().is_none() {
                let _ = self.process.kill();
                self.status = self.process.wait().ok();
            }
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.status
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

fn copy_lines(
    name: &str,
    stream: impl Read + Send + 'static,
    file: Arc<Mutex<File>>,
    echo: bool,
) -> JoinHandle<()> {
    let prefix = format!("[{name}] ");
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut file) = file.lock() {
                let _ = writeln!(file, "{line}");
            }
            if echo {
                println!("{prefix}{line}");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_returns_the_rest_of_the_line_or_says_the_process_exited() {
        let dir = std::env::temp_dir().join(format!("clicktrail-child3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo starting; echo 'listening on http://127.0.0.1:4242'; sleep 30",
        ]);
        let mut child = Child::spawn("speaker", cmd, &dir, false).unwrap();
        let rest = child
            .announced("listening on ", Duration::from_secs(10))
            .unwrap();
        assert_eq!(rest, "http://127.0.0.1:4242");
        child.stop(Duration::from_secs(5));

        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo nothing to say"]);
        let mut quiet = Child::spawn("quiet", cmd, &dir, false).unwrap();
        let error = quiet
            .announced("listening on ", Duration::from_secs(10))
            .unwrap_err();
        assert!(error.contains("quiet exited"), "{error}");
    }

    #[test]
    fn output_goes_to_the_log_and_stop_ends_a_process_that_ignores_sigint() {
        let dir = std::env::temp_dir().join(format!("clicktrail-child-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "trap '' INT; echo ready; echo oops >&2; exec sleep 30",
        ]);
        let mut child = Child::spawn("stubborn", cmd, &dir, false).unwrap();
        let started = std::time::Instant::now();
        let ready: Result<(), TimedOut> = wait_until("the log", Duration::from_secs(5), || {
            Ok(child.log_tail(5).contains("oops").then_some(()))
        });
        assert_eq!(ready, Ok(()));
        assert!(child.exited().is_none());
        let status = child.stop(Duration::from_millis(300)).unwrap();
        assert!(!status.success(), "killed after the grace period");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(child.log_tail(5).contains("ready"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sigint_stops_a_process_that_honours_it() {
        let dir = std::env::temp_dir().join(format!("clicktrail-child2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "trap 'echo bye; exit 0' INT; echo up; while :; do sleep 0.05; done",
        ]);
        let mut child = Child::spawn("polite", cmd, &dir, false).unwrap();
        wait_until("up", Duration::from_secs(5), || {
            Ok::<_, TimedOut>(child.log_tail(1).contains("up").then_some(()))
        })
        .unwrap();
        let status = child.stop(Duration::from_secs(5)).unwrap();
        assert!(status.success(), "{status:?}");
        assert!(child.log_tail(2).contains("bye"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
