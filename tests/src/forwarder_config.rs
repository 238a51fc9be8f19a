//! The forwarder's configuration for a stack: everything pointed at the emulators, SQLite in the
//! stack's folder, and the refund hold the stack asks for. Pure. The emulators' key and token
//! are written in the file so that `clicktrail jobs --config FILE` works as it is in the demo:
//! they are the emulators' public defaults, not secrets (real ones belong in `CLICKTRAIL_*`
//! environment variables).

use clicktrail_test_support::ForwarderConfig;

use crate::StackConfig;

/// The TOML text of `clicktrail.toml` for `config`.
pub fn forwarder_config(config: &StackConfig) -> String {
    let ports = &config.ports;
    ForwarderConfig::new()
        .header("Written by the clicktrail demo stack (`cargo xtask demo`, the end-to-end test).")
        .header("The key and the token are the emulators' public defaults. With a real account, pass secrets")
        .header("as CLICKTRAIL_STRIPE__API_KEY and CLICKTRAIL_IMPACT__AUTH_TOKEN instead.")
        .listen(format!("127.0.0.1:{}", ports.forwarder))
        .admin_listen(format!("127.0.0.1:{}", ports.console))
        .sqlite_file(&config.work_dir.join("clicktrail.db"))
        .impact_account_sid(crate::IMPACT_ACCOUNT_SID)
        .impact_auth_token(crate::IMPACT_AUTH_TOKEN)
        .one_time_event_type_id("2002")
        .impact_api_base(&format!("http://127.0.0.1:{}", ports.impact))
        .comment("Shortened for the demo: the default is \"1h\".")
        .refund_delay(&config.refund_delay)
        .trial(&config.trial)
        .comment("The sample shop never uses subscription-mode Checkout, so no click id arrives later: decide")
        .comment("at once.")
        .click_id_wait("0s")
        .stripe_api_key(crate::STRIPE_SECRET_KEY)
        .stripe_api_base(&format!("http://127.0.0.1:{}", ports.stripe))
        .poll_interval("250ms")
        .comment("The operator console's token; with a real deployment pass it as CLICKTRAIL_ADMIN__TOKEN.")
        .admin_token(&config.console_token)
        .to_toml()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ports;

    #[test]
    fn the_config_points_every_part_at_the_stack() {
        let mut config = StackConfig::on_fixed_ports("/tmp/demo".into());
        config.ports = Ports {
            stripe: 1,
            impact: 2,
            forwarder: 3,
            console: 5,
            shop: 4,
        };
        config.refund_delay = "2s".into();
        config.trial = "first-payment".into();
        let text = forwarder_config(&config);
        for line in [
            "listen = \"127.0.0.1:3\"",
            "admin_listen = \"127.0.0.1:5\"",
            "database_url = \"sqlite:///tmp/demo/clicktrail.db\"",
            "api_base = \"http://127.0.0.1:2\"",
            "api_base = \"http://127.0.0.1:1\"",
            "refund_delay = \"2s\"",
            "trial = \"first-payment\"",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(text.contains("api_key = \"sk_test_sandbox\""), "{text}");
        assert!(text.contains("auth_token = \"sandbox-token\""), "{text}");
    }
}
