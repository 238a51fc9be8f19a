//! Memory of a process, read from `/proc/<pid>/status` (Linux).

/// Reads a `kB` field (`VmHWM`: peak resident set; `VmRSS`: current) of `pid`, in KiB.
pub fn read_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_kib(&text, field)
}

/// The pure part: finds `field:` in a `/proc/<pid>/status` text and parses its value in KiB.
pub fn parse_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// KiB as MiB, for tables.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let status =
            "Name:\tclicktrail\nVmPeak:\t  123456 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(parse_kib(status, "VmHWM"), Some(20480));
        assert_eq!(parse_kib(status, "VmRSS"), Some(10240));
        assert_eq!(parse_kib(status, "VmSwap"), None);
        assert_eq!(parse_kib("VmHWM: lots", "VmHWM"), None);
    }

    #[test]
    fn reads_this_process() {
        let kib = read_kib(std::process::id(), "VmHWM").expect("Linux /proc");
        assert!(kib > 0);
    }
}
