//! Counting test results from the closing lines the test runners print.
//!
//! Both `cargo test` (libtest) and `wasm-bindgen-test-runner` end each test binary with
//! `test result: ok. N passed; N failed; N ignored; ...`, and print `test NAME ... ignored, REASON`
//! for each ignored test.

/// Counts across every test binary of a step or a whole run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests that did not run (`#[ignore]`), with their names and reasons.
    pub skipped: Vec<String>,
}

impl Counts {
    /// Adds another set of counts to this one.
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped.extend(other.skipped);
    }

    /// Reads every `test result:` line and every ignored test in `lines`.
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Self {
        let mut counts = Self::default();
        for line in lines {
            let line = line.as_ref().trim();
            if let Some(rest) = line.strip_prefix("test result: ") {
                counts.passed += number_before(rest, " passed");
                counts.failed += number_before(rest, " failed");
            } else if let Some((name, reason)) = line
                .strip_prefix("test ")
                .and_then(|rest| rest.split_once(" ... ignored"))
            {
                let reason = reason.trim_start_matches(',').trim();
                let reason = if reason.is_empty() {
                    "no reason given"
                } else {
                    reason
                };
                counts.skipped.push(format!("{name}: {reason}"));
            }
        }
        counts
    }

    /// The closing line: `N passed, N failed` and `, N skipped` when any were skipped.
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if !self.skipped.is_empty() {
            line.push_str(&format!(", {} skipped", self.skipped.len()));
        }
        line
    }
}

fn number_before(text: &str, label: &str) -> u64 {
    text.split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok.")
                .trim_start_matches("FAILED.")
                .trim()
                .strip_suffix(label)
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_result_lines_and_lists_ignored_tests() {
        let lines = [
            "running 3 tests",
            "test a::b ... ok",
            "test needs_pg ... ignored, PostgreSQL is not running",
            "test plain ... ignored",
            "test result: ok. 11 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.03s",
            "test result: FAILED. 4 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
        ];
        let counts = Counts::parse(&lines);
        assert_eq!(counts.passed, 15);
        assert_eq!(counts.failed, 2);
        assert_eq!(
            counts.skipped,
            vec![
                "needs_pg: PostgreSQL is not running".to_owned(),
                "plain: no reason given".to_owned()
            ]
        );
        assert_eq!(counts.line(), "15 passed, 2 failed, 2 skipped");
    }

    #[test]
    fn no_skipped_part_when_nothing_was_skipped() {
        let counts = Counts {
            passed: 3,
            failed: 0,
            skipped: vec![],
        };
        assert_eq!(counts.line(), "3 passed, 0 failed");
    }
}
