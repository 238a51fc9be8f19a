//! The middleware numbers: criterion's `estimates.json` files of the `clicktrail-tower` capture
//! bench, turned into a table (time added by the layer per path).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::Error;

/// The paths the bench measures, in table order.
pub const PATHS: [&str; 3] = ["cookie", "header", "form 2 KiB"];

/// Goal: at most 1 µs added on the cookie path.
pub const COOKIE_GOAL_NS: f64 = 1_000.0;

/// The median (ns) of `<dir>/<group>/<function>/new/estimates.json`.
pub fn median_ns(dir: &Path, group: &str, function: &str) -> Result<f64, Error> {
    let path = dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    parse_median(&text).ok_or_else(|| Error::Io(format!("{}: no median", path.display())))
}

/// The pure part: `median.point_estimate` of an `estimates.json` text.
pub fn parse_median(text: &str) -> Option<f64> {
    let value: Value = serde_json::from_str(text).ok()?;
    value["median"]["point_estimate"].as_f64()
}

/// The Markdown section from criterion's folder.
pub fn section(dir: &Path) -> Result<String, Error> {
    let mut out = String::from(
        "## Middleware (`clicktrail-tower`)\n\nCommand: `cargo bench -p clicktrail-tower --bench capture` (criterion, \
         medians). Each path is measured through a `ServiceBuilder` stack with and without `CaptureClickIdLayer`.\n\n\
         | Path | Without layer ns | With layer ns | Added ns |\n|---|---:|---:|---:|\n",
    );
    let mut cookie_added = None;
    for path in PATHS {
        let without = median_ns(dir, path, "without layer")?;
        let with = median_ns(dir, path, "with layer")?;
        let added = with - without;
        if path == "cookie" {
            cookie_added = Some(added);
        }
        let _ = writeln!(out, "| {path} | {without:.0} | {with:.0} | {added:.0} |");
    }
    if let Some(added) = cookie_added {
        let _ = writeln!(
            out,
            "\nGoal: at most 1 µs added on the cookie path: {added:.0} ns: {}",
            if added <= COOKIE_GOAL_NS {
                "**met**"
            } else {
                "**not met**"
            }
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_median() {
        let text = r#"{"mean":{"point_estimate":611.5},"median":{"point_estimate":539.87}}"#;
        assert_eq!(parse_median(text), Some(539.87));
        assert_eq!(parse_median("{}"), None);
        assert_eq!(parse_median("not json"), None);
    }
}
