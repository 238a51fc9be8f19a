//! `cargo xtask bench` and `cargo xtask soak`: build the release binaries, run the scenarios of
//! `clicktrail-bench` (each prints a Markdown section), the middleware's criterion bench and the
//! browser kit's size, and write `BENCHMARKS.md` at the repository root.
//!
//! The soak section is kept from the existing file by `bench`, and replaced by `soak`, so that
//! one command never erases the other's result.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::flags::{Flags, Spec};
use crate::process::{describe, output_of, run_checked};
use crate::test::WEB_BUDGET_BYTES;
use crate::{web, workspace};

const FILE: &str = "BENCHMARKS.md";
const SOAK_HEADING: &str = "## Soak";

/// What `cargo xtask bench` measures, in the file's order: the name `--only` takes, and the
/// heading of the section it writes.
const PARTS: [(&str, &str); 6] = [
    ("intake", "## Intake"),
    ("delivery", "## Delivery"),
    ("growth", "## Growth"),
    ("console", "## Console paging"),
    ("criterion", "## Middleware (`clicktrail-tower`)"),
    ("web", "## Browser kit size (`clicktrail-web`)"),
];

/// `cargo xtask bench [--quick] [--seconds N] [--sizes A,B,C] [--events N] [--console-sizes A,B]
/// [--postgres URL] [--only PART,PART]`.
///
/// `--quick` runs smaller sizes for a few seconds each (under five minutes in all): a check
/// that everything still runs and roughly where it stands, not figures to publish. An empty
/// `--postgres ""` skips the PostgreSQL runs, and the file says so. `--only` runs the named
/// parts ([`PARTS`]) and replaces just their sections, each then saying when, where and by which
/// command it was measured; the rest of the file is kept.
pub fn run(args: &[String]) -> Result<(), String> {
    let flags = Flags::parse(
        "bench",
        args,
        &[
            Spec::Switch("--quick"),
            Spec::Value("--seconds"),
            Spec::Value("--sizes"),
            Spec::Value("--events"),
            Spec::Value("--console-sizes"),
            Spec::Value("--postgres"),
            Spec::Value("--only"),
        ],
    )?;
    let quick = flags.on("--quick");
    let (seconds, sizes, events, console_sizes) = if quick {
        ("2", "1000,20000", "3000", "20000")
    } else {
        ("5", "1000,100000,1000000", "10000", "100000,1000000")
    };
    let seconds = flags.value("--seconds").unwrap_or(seconds);
    let sizes = flags.value("--sizes").unwrap_or(sizes);
    let events = flags.value("--events").unwrap_or(events);
    let console_sizes = flags.value("--console-sizes").unwrap_or(console_sizes);
    let postgres = flags
        .value("--postgres")
        .unwrap_or("postgres://postgres@127.0.0.1:5432/test");
    let only = match flags.value("--only") {
        Some(list) => Some(parts(list)?),
        None => None,
    };
    let wants = |part: &str| only.as_ref().is_none_or(|o| o.contains(&part));
    let command = std::iter::once("cargo xtask bench".to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let load_before = load_average();
    build()?;
    let bench = bench_binary();

    let mut sections = Vec::new();
    if wants("intake") {
        sections.push(scenario(
            &bench,
            &["intake", "--seconds", seconds, "--postgres", postgres],
        )?);
    }
    if wants("delivery") {
        sections.push(scenario(
            &bench,
            &["delivery", "--events", events, "--postgres", postgres],
        )?);
    }
    if wants("growth") {
        sections.push(scenario(
            &bench,
            &[
                "growth",
                "--sizes",
                sizes,
                "--seconds",
                seconds,
                "--postgres",
                postgres,
            ],
        )?);
    }
    if wants("console") {
        sections.push(scenario(&bench, &["console", "--sizes", console_sizes])?);
    }

    if wants("criterion") {
        let mut criterion = Command::new("cargo");
        criterion.args(["bench", "-p", "clicktrail-tower", "--bench", "capture"]);
        run_checked(criterion)?;
        let criterion_dir = workspace::target_dir().join("criterion");
        sections.push(scenario(
            &bench,
            &["criterion", &criterion_dir.to_string_lossy()],
        )?);
    }

    if wants("web") {
        let size = web::run()?;
        sections.push(format!(
            "## Browser kit size (`clicktrail-web`)\n\nCommand: `cargo xtask web` (wasm-bindgen `--target web`, \
             `wasm-opt -Oz`, gzip -9).\n\n| File | Raw B | gzip B |\n|---|---:|---:|\n| `.wasm` | {} | {} |\n\
             | JS glue | {} | {} |\n| **Total** | | **{}** |\n\nGoal: at most {WEB_BUDGET_BYTES} B gzipped: {}\n",
            size.wasm_raw,
            size.wasm_gzip,
            size.js_raw,
            size.js_gzip,
            size.total_gzip(),
            if size.total_gzip() <= WEB_BUDGET_BYTES { "**met**" } else { "**not met**" },
        ));
    }

    let path = workspace::root().join(FILE);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let text = if only.is_some() && !old.is_empty() {
        let note = format!(
            "Measured on its own by `{command}`: commit {}, {}, {}; load average before / after {load_before} / {}.",
            commit(),
            date(),
            machine(),
            load_average()
        );
        sections.iter().fold(old, |text, section| {
            let heading = section.lines().next().unwrap_or_default();
            let body = section
                .strip_prefix(heading)
                .unwrap_or_default()
                .trim_start();
            let new = format!("{heading}\n\n{note}\n\n{body}");
            place_section(&text, heading, &new)
        })
    } else {
        let soak = section(&old, SOAK_HEADING).unwrap_or_else(|| {
            format!("{SOAK_HEADING}\n\nNot run yet: `cargo xtask soak` writes this section.\n")
        });
        sections.push(soak);
        document(&command, load_before, load_average(), &sections)
    };
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The parts `--only` names, checked against [`PARTS`].
fn parts(list: &str) -> Result<Vec<&str>, String> {
    list.split(',')
        .map(str::trim)
        .map(|part| {
            PARTS
                .iter()
                .find(|(name, _)| *name == part)
                .map(|(name, _)| *name)
                .ok_or_else(|| {
                    let names: Vec<&str> = PARTS.iter().map(|(name, _)| *name).collect();
                    format!(
                        "`cargo xtask bench`: --only takes {}, not `{part}`",
                        names.join(", ")
                    )
                })
        })
        .collect()
}

/// `text` with its `heading` section replaced by `new`; a section not there yet goes before
/// the first section that follows it in [`PARTS`]'s order (then before the soak's), else at the
/// end.
fn place_section(text: &str, heading: &str, new: &str) -> String {
    if section(text, heading).is_some() {
        return replace_section(text, heading, new);
    }
    let later = PARTS
        .iter()
        .map(|(_, h)| *h)
        .skip_while(|h| *h != heading)
        .skip(1)
        .chain([SOAK_HEADING]);
    for next in later {
        if let Some(at) = text.find(&format!("\n{next}\n")) {
            return format!(
                "{}\n\n{}\n{}",
                text[..at].trim_end(),
                new.trim_end(),
                &text[at..]
            );
        }
    }
    replace_section(text, heading, new)
}

/// `cargo xtask soak [--minutes N] [--rate N]`.
pub fn soak(args: &[String]) -> Result<(), String> {
    let flags = Flags::parse(
        "soak",
        args,
        &[Spec::Value("--minutes"), Spec::Value("--rate")],
    )?;
    let minutes = flags.value("--minutes").unwrap_or("10");
    let rate = flags.value("--rate").unwrap_or("20");
    let command = std::iter::once("cargo xtask soak".to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    build()?;
    let mut cmd = Command::new(bench_binary());
    cmd.args([
        "soak",
        "--minutes",
        minutes,
        "--rate",
        rate,
        "--command",
        &command,
    ]);
    println!("$ {}", describe(&cmd));
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the soak: {e}"))?;
    let found = String::from_utf8_lossy(&out.stdout).into_owned();
    if !found.starts_with(SOAK_HEADING) {
        return Err(format!(
            "the soak did not finish ({}):\n{found}",
            out.status
        ));
    }
    print!("{found}");
    let path = workspace::root().join(FILE);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let text = if old.is_empty() {
        document(&command, load_average(), load_average(), &[found])
    } else {
        replace_section(&old, SOAK_HEADING, &found)
    };
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote the soak section of {}", path.display());
    if out.status.success() {
        Ok(())
    } else {
        Err("the soak found lost events, duplicate sends, dead letters or growing memory".into())
    }
}

fn build() -> Result<(), String> {
    let mut cmd = Command::new("cargo");
    cmd.args([
        "build",
        "--release",
        "-p",
        "clicktrail-bench",
        "-p",
        "clicktrail-forwarder",
        "--bins",
    ]);
    run_checked(cmd)
}

fn bench_binary() -> PathBuf {
    workspace::target_dir()
        .join("release")
        .join("clicktrail-bench")
}

/// Runs one scenario; its stdout is the section, its stderr (progress) is shown.
fn scenario(bench: &Path, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new(bench);
    cmd.args(args);
    println!("$ {}", describe(&cmd));
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bench.display()))?;
    if !out.status.success() {
        return Err(format!("`{}` failed ({})", describe(&cmd), out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    Ok(text)
}

/// The value after `name` in `args`.
/// The whole file: header, then the sections.
fn document(command: &str, load_before: String, load_after: String, sections: &[String]) -> String {
    let mut text = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (the soak section by `cargo xtask soak`); do not edit by hand.\n\n\
         | | |\n|---|---|\n| Machine | {} |\n| Commit | {} |\n| Date | {} |\n| Command | `{command}` |\n\
         | Load average (1, 5, 15 min) before / after | {load_before} / {load_after} |\n\n\
         Everything runs on this one machine: the load generator, the emulators and the server share its cores, so \
         absolute numbers are lower than on a dedicated server; a load average above the core count means other \
         work (builds) was running and the numbers are pessimistic.\n\n",
        machine(),
        commit(),
        date(),
    );
    for s in sections {
        text.push_str(s.trim_end());
        text.push_str("\n\n");
    }
    text
}

/// The short commit in backticks, and whether tracked files had uncommitted changes.
fn commit() -> String {
    let commit = output_of(git(&["rev-parse", "--short", "HEAD"])).unwrap_or_default();
    let dirty = output_of(git(&["status", "--porcelain", "--untracked-files=no"]))
        .is_some_and(|s| !s.trim().is_empty());
    format!(
        "`{}`{}",
        commit.trim(),
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        }
    )
}

/// Now, UTC, to the minute.
fn date() -> String {
    let mut date = Command::new("date");
    date.args(["-u", "+%Y-%m-%d %H:%M UTC"]);
    output_of(date).unwrap_or_default().trim().to_owned()
}

fn git(args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(workspace::root()).args(args);
    cmd
}

/// CPU model, logical cores, memory.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown CPU")
        .to_owned();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "{model}, {cores} logical cores, {:.1} GiB memory, Linux",
        mem_kib as f64 / 1_048_576.0
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// The section starting at `heading` up to the next `## ` heading (or the end).
fn section(text: &str, heading: &str) -> Option<String> {
    let start = text
        .find(&format!("\n{heading}\n"))
        .map(|i| i + 1)
        .or_else(|| text.starts_with(&format!("{heading}\n")).then_some(0))?;
    let rest = &text[start..];
    let end = rest[heading.len()..]
        .find("\n## ")
        .map_or(rest.len(), |i| i + heading.len() + 1);
    Some(rest[..end].to_owned())
}

/// `text` with its `heading` section replaced by `new` (appended when absent).
fn replace_section(text: &str, heading: &str, new: &str) -> String {
    match section(text, heading) {
        Some(old) => text.replacen(&old, &format!("{}\n\n", new.trim_end()), 1),
        None => format!("{}\n\n{}\n", text.trim_end(), new.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Benchmarks\n\n## Intake\n\nx\n\n## Soak\n\nold soak\n\n## After\n\ny\n";

    #[test]
    fn finds_and_replaces_a_section() {
        assert_eq!(
            section(DOC, "## Soak").as_deref(),
            Some("## Soak\n\nold soak\n\n")
        );
        assert_eq!(section(DOC, "## Missing"), None);
        let new = replace_section(DOC, "## Soak", "## Soak\n\nnew soak\n");
        assert_eq!(
            new,
            "# Benchmarks\n\n## Intake\n\nx\n\n## Soak\n\nnew soak\n\n## After\n\ny\n"
        );
        let appended = replace_section("# B\n", "## Soak", "## Soak\n\ns\n");
        assert_eq!(appended, "# B\n\n## Soak\n\ns\n");
    }

    #[test]
    fn a_partial_run_replaces_or_places_its_sections() {
        let doc = "# Benchmarks\n\n## Intake\n\nx\n\n## Growth\n\ng\n\n## Middleware (`clicktrail-tower`)\n\nm\n\n## Soak\n\ns\n";
        // Not there yet: before the first later part that is.
        let placed = place_section(doc, "## Console paging", "## Console paging\n\nc\n");
        assert_eq!(
            placed,
            "# Benchmarks\n\n## Intake\n\nx\n\n## Growth\n\ng\n\n## Console paging\n\nc\n\n## Middleware (`clicktrail-tower`)\n\nm\n\n## Soak\n\ns\n"
        );
        // There: replaced in place.
        let again = place_section(&placed, "## Console paging", "## Console paging\n\nd\n");
        assert_eq!(again, placed.replace("\nc\n", "\nd\n"));
        // The last part goes before the soak.
        let web = place_section(
            doc,
            "## Browser kit size (`clicktrail-web`)",
            "## Browser kit size (`clicktrail-web`)\n\nw\n",
        );
        assert!(
            web.contains("m\n\n## Browser kit size (`clicktrail-web`)\n\nw\n\n## Soak"),
            "{web}"
        );
        assert_eq!(parts("console, growth"), Ok(vec!["console", "growth"]));
        let err = parts("console,consle").unwrap_err();
        assert!(
            err.contains("not `consle`") && err.contains("intake, delivery"),
            "{err}"
        );
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn soak_and_bench_refuse_bad_flags_before_building_anything() {
        // Each of these returns before the release build starts: a refusal costs nothing.
        let err = soak(&strings(&["--minutes", "2", "--rate"])).unwrap_err();
        assert_eq!(err, "`cargo xtask soak`: --rate needs a value");
        let err = soak(&strings(&["--minute", "2"])).unwrap_err();
        assert!(err.contains("did you mean `--minutes`?"), "{err}");
        let err = run(&strings(&["--quick", "--event", "10"])).unwrap_err();
        assert!(err.contains("did you mean `--events`?"), "{err}");
        let err = run(&strings(&["--seconds", "2", "quick"])).unwrap_err();
        assert!(err.contains("unknown argument `quick`"), "{err}");
        let err = run(&strings(&["--only", "paging"])).unwrap_err();
        assert!(err.contains("--only takes"), "{err}");
    }
}
