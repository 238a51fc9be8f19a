//! Running child commands: printing what runs, streaming output while keeping a copy.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a finished command produced.
#[derive(Debug)]
pub struct Finished {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Every line it printed, stdout and stderr interleaved as they arrived.
    pub lines: Vec<String>,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Describes a command as a shell would show it.
pub fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `cmd`, echoing its output line by line (prefixed when `quiet` is false, hidden when
/// true) and keeping every line.
pub fn run_streaming(mut cmd: Command, quiet: bool) -> Result<Finished, String> {
    let shown = describe(&cmd);
    println!("$ {shown}");
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let (tx, rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(forward(out, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(forward(err, tx.clone()));
    }
    drop(tx);
    let mut lines = Vec::new();
    for line in rx {
        if !quiet {
            println!("{line}");
        }
        lines.push(line);
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for `{shown}`: {e}"))?;
    Ok(Finished {
        success: status.success(),
        lines,
        elapsed: start.elapsed(),
    })
}

fn forward(
    stream: impl std::io::Read + Send + 'static,
    tx: mpsc::Sender<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            match line {
                Ok(line) => {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    })
}

/// Runs `cmd` with inherited output; an error names the command when it fails.
pub fn run_checked(mut cmd: Command) -> Result<(), String> {
    let shown = describe(&cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs `cmd` quietly and returns its stdout when it succeeds.
pub fn output_of(mut cmd: Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
