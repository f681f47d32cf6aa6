//! Issuer configuration: arbitrary bytes as `dojang.toml`, then the same checks `serve`
//! runs at start. Must never panic; a configuration that validates has the derived
//! settings filled in.
use vc_issuer::config::Config;

/// Runs one input; the `issuer_config` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::from_toml(text) else {
        return;
    };
    if let Ok(valid) = config.validated() {
        assert!(valid.public_url().starts_with("http"));
        assert!(valid.listen_addr().is_ok());
    }
}
