//! Prints the configuration reference as Markdown: `cargo xtask docs` writes it to
//! `docs/config.md`.

fn main() {
    print!("{}", clicktrail_forwarder::config::reference::markdown());
}
