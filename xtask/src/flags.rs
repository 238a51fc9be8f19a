//! One parser for every command's flags: a flag a command does not know, a misspelt one, a
//! missing value or a stray word is refused with the list of what the command takes, so that
//! `cargo xtask bench --sizes 10 --qiuck` never quietly runs the full benchmark.

/// A flag a command takes.
#[derive(Debug, Clone, Copy)]
pub enum Spec {
    /// `--name`, on or off.
    Switch(&'static str),
    /// `--name VALUE`.
    Value(&'static str),
}

impl Spec {
    fn name(self) -> &'static str {
        match self {
            Self::Switch(name) | Self::Value(name) => name,
        }
    }
}

/// The flags given to one command, checked against what it takes.
#[derive(Debug)]
pub struct Flags {
    given: Vec<(&'static str, Option<String>)>,
}

impl Flags {
    /// Parses `args` for `command` (`"bench"`), which takes `specs`.
    pub fn parse(command: &str, args: &[String], specs: &[Spec]) -> Result<Self, String> {
        let mut given = Vec::new();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let Some(spec) = specs.iter().find(|s| s.name() == arg) else {
                return Err(refusal(command, arg, specs));
            };
            let value = match spec {
                Spec::Switch(_) => None,
                Spec::Value(name) => Some(
                    rest.next()
                        .ok_or_else(|| format!("`cargo xtask {command}`: {name} needs a value"))?
                        .clone(),
                ),
            };
            given.push((spec.name(), value));
        }
        Ok(Self { given })
    }

    /// Whether the switch `name` was given.
    pub fn on(&self, name: &str) -> bool {
        self.given.iter().any(|(n, _)| *n == name)
    }

    /// The value of `name`, the last one when given twice.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.given
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// The error for `arg`, naming the closest known flag when it looks misspelt.
fn refusal(command: &str, arg: &str, specs: &[Spec]) -> String {
    let takes = if specs.is_empty() {
        "takes no arguments".to_owned()
    } else {
        let names: Vec<_> = specs.iter().map(|s| s.name()).collect();
        format!("takes {}", names.join(", "))
    };
    let closest = specs
        .iter()
        .map(|s| (distance(arg, s.name()), s.name()))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d);
    match closest {
        Some((_, name)) => {
            format!(
                "`cargo xtask {command}`: unknown argument `{arg}` (did you mean `{name}`?); it {takes}"
            )
        }
        None => format!("`cargo xtask {command}`: unknown argument `{arg}`; it {takes}"),
    }
}

/// Levenshtein distance, for the "did you mean" hint.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const BENCH: &[Spec] = &[Spec::Switch("--quick"), Spec::Value("--events")];

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn known_flags_and_values_are_read() {
        let flags = Flags::parse("bench", &args(&["--events", "10", "--quick"]), BENCH).unwrap();
        assert!(flags.on("--quick"));
        assert_eq!(flags.value("--events"), Some("10"));
        assert_eq!(flags.value("--seconds"), None);
    }

    #[test]
    fn a_misspelt_flag_is_refused_with_the_one_it_resembles() {
        let err = Flags::parse("bench", &args(&["--qiuck"]), BENCH).unwrap_err();
        assert!(err.contains("unknown argument `--qiuck`"), "{err}");
        assert!(err.contains("did you mean `--quick`?"), "{err}");
        assert!(err.contains("takes --quick, --events"), "{err}");
    }

    #[test]
    fn an_unrelated_word_is_refused_without_a_guess() {
        let err = Flags::parse("bench", &args(&["fast"]), BENCH).unwrap_err();
        assert!(err.contains("unknown argument `fast`"), "{err}");
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn a_value_flag_without_its_value_is_refused() {
        let err = Flags::parse("bench", &args(&["--events"]), BENCH).unwrap_err();
        assert_eq!(err, "`cargo xtask bench`: --events needs a value");
    }

    #[test]
    fn a_command_without_flags_refuses_any() {
        let err = Flags::parse("setup", &args(&["--force"]), &[]).unwrap_err();
        assert_eq!(
            err,
            "`cargo xtask setup`: unknown argument `--force`; it takes no arguments"
        );
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(distance("--quick", "--quick"), 0);
        assert_eq!(distance("--qiuck", "--quick"), 2);
        assert_eq!(distance("--quik", "--quick"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
