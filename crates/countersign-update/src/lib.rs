//! Update checks for the desktop app, without Tauri.
//!
//! A release publishes a `latest.json` in the format of Tauri's updater (`version`, `notes`,
//! `pub_date`, `platforms.<os>-<arch>[-<installer>].{url, signature}`); each `signature` is the
//! base64 of the `.sig` file that `tauri signer sign` writes (minisign), and the app carries the
//! base64 of the matching public key (`plugins.updater.pubkey` in `tauri.conf.json`).
//!
//! [`Checker::check`] fetches the manifest and says whether it is newer than the running
//! version; [`Checker::download`] fetches the bundle and returns its bytes only when the
//! signature verifies against the app's key ([`verify_signature`]). Anything else is an
//! [`UpdateError`] with a stable code. The app installs only bytes that came out of `download`.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// What went wrong, with a stable code (`code()`) the UI keys its message on.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The app's own updater settings (public key, endpoints) are not usable.
    #[error("the app's update settings are not valid: {0}")]
    Config(String),
    /// No endpoint answered, or one answered with an HTTP error.
    #[error("the update server could not be reached: {0}")]
    Unreachable(String),
    /// The server answered with something that is not a valid `latest.json`.
    #[error("the update server's answer is not a valid update manifest: {0}")]
    Manifest(String),
    /// The release has no bundle for this platform.
    #[error("the release has no bundle for this platform ({0})")]
    NoPlatform(String),
    /// The bundle is not signed by the key this app trusts, the signature is malformed, or the
    /// bytes were changed after signing. Never installed.
    #[error("the update was refused: {0}")]
    Signature(String),
}

impl UpdateError {
    /// Every code, for the UI's catalog.
    pub const CODES: [&'static str; 5] = [
        "update_config_invalid",
        "update_unreachable",
        "update_manifest_invalid",
        "update_no_platform",
        "update_signature_invalid",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            UpdateError::Config(_) => "update_config_invalid",
            UpdateError::Unreachable(_) => "update_unreachable",
            UpdateError::Manifest(_) => "update_manifest_invalid",
            UpdateError::NoPlatform(_) => "update_no_platform",
            UpdateError::Signature(_) => "update_signature_invalid",
        }
    }
}

pub type Result<T> = std::result::Result<T, UpdateError>;

/// One platform's bundle in `latest.json`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct PlatformRelease {
    pub url: String,
    /// Base64 of the minisign `.sig` file.
    pub signature: String,
}

/// `latest.json`, as Tauri's updater reads it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Manifest {
    pub version: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub pub_date: Option<String>,
    pub platforms: BTreeMap<String, PlatformRelease>,
}

impl Manifest {
    pub fn parse(json: &[u8]) -> Result<Manifest> {
        let m: Manifest =
            serde_json::from_slice(json).map_err(|e| UpdateError::Manifest(e.to_string()))?;
        parse_version(&m.version)?;
        Ok(m)
    }

    /// The first of `targets` the release has a bundle for (most specific first, as Tauri's
    /// updater does: `linux-x86_64-deb`, then `linux-x86_64`).
    pub fn release_for(&self, targets: &[String]) -> Result<(&str, &PlatformRelease)> {
        targets
            .iter()
            .find_map(|t| self.platforms.get_key_value(t.as_str()))
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| UpdateError::NoPlatform(targets.join(", ")))
    }
}

/// A version as a release writes it: semver, with or without a leading `v`.
pub fn parse_version(v: &str) -> Result<semver::Version> {
    semver::Version::parse(v.trim().trim_start_matches('v'))
        .map_err(|e| UpdateError::Manifest(format!("version {v:?}: {e}")))
}

/// Whether `candidate` is a newer version than `current` (semver order; equal is not newer,
/// so a downgrade is never offered).
pub fn is_newer(current: &semver::Version, candidate: &str) -> Result<bool> {
    Ok(parse_version(candidate)? > *current)
}

/// The updater keys for the platform this was compiled for: `<os>-<arch>-<installer>` first
/// (when the installer is known), then `<os>-<arch>`, the names Tauri's updater uses.
pub fn current_targets(installer: Option<&str>) -> Vec<String> {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let base = format!("{os}-{}", std::env::consts::ARCH);
    let mut out = Vec::new();
    if let Some(i) = installer {
        out.push(format!("{base}-{i}"));
    }
    out.push(base);
    out
}

fn base64_text(what: &str, b64: &str) -> std::result::Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("{what} is not base64: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{what} is not text"))
}

/// The app's trusted key: base64 of a minisign public key file, as `tauri signer generate`
/// prints it.
#[derive(Clone)]
pub struct PublicKey(minisign_verify::PublicKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicKey(..)")
    }
}

impl PublicKey {
    pub fn from_tauri_base64(b64: &str) -> Result<PublicKey> {
        let text = base64_text("the public key", b64).map_err(UpdateError::Config)?;
        minisign_verify::PublicKey::decode(&text)
            .map(PublicKey)
            .map_err(|e| UpdateError::Config(format!("the public key is not a minisign key: {e}")))
    }
}

/// Checks `bytes` against `signature` (base64 of a minisign `.sig` file) with `key`. Prehashed
/// and legacy signatures are both accepted, as by Tauri's updater.
pub fn verify_signature(key: &PublicKey, bytes: &[u8], signature: &str) -> Result<()> {
    let text = base64_text("the signature", signature).map_err(UpdateError::Signature)?;
    let sig = minisign_verify::Signature::decode(&text).map_err(|e| {
        UpdateError::Signature(format!("the signature is not a minisign signature: {e}"))
    })?;
    key.0.verify(bytes, &sig, true).map_err(|e| {
        UpdateError::Signature(format!(
            "its signature does not match this app's update key or the downloaded bytes ({e})"
        ))
    })
}

/// A newer release for this platform, before its bundle is downloaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Available {
    pub current_version: String,
    pub version: String,
    pub notes: Option<String>,
    pub pub_date: Option<String>,
    /// The `platforms` key chosen.
    pub target: String,
    pub url: String,
    pub signature: String,
}

/// Where to look and what to trust.
#[derive(Clone, Debug)]
pub struct CheckerConfig {
    /// Tried in order until one answers. `{{current_version}}`, `{{target}}` and `{{arch}}` are
    /// replaced as Tauri's updater does.
    pub endpoints: Vec<String>,
    /// Base64 of the minisign public key (`plugins.updater.pubkey`).
    pub pubkey: String,
    /// The running app's version.
    pub current_version: String,
    /// `platforms` keys to look for, most specific first ([`current_targets`]).
    pub targets: Vec<String>,
    pub timeout: Duration,
}

/// Fetches and judges releases. See the crate docs.
#[derive(Debug)]
pub struct Checker {
    client: reqwest::Client,
    config: CheckerConfig,
    key: PublicKey,
    current: semver::Version,
}

impl Checker {
    pub fn new(config: CheckerConfig) -> Result<Checker> {
        if config.endpoints.is_empty() {
            return Err(UpdateError::Config(
                "no update endpoint is configured".into(),
            ));
        }
        let key = PublicKey::from_tauri_base64(&config.pubkey)?;
        let current = parse_version(&config.current_version)
            .map_err(|e| UpdateError::Config(e.to_string()))?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("countersign-update/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| UpdateError::Config(e.to_string()))?;
        Ok(Checker {
            client,
            config,
            key,
            current,
        })
    }

    fn endpoint_url(&self, template: &str) -> String {
        let target = self
            .config
            .targets
            .last()
            .map(|t| t.split('-').next().unwrap_or(t))
            .unwrap_or(std::env::consts::OS);
        template
            .replace("{{current_version}}", &self.config.current_version)
            .replace("{{target}}", target)
            .replace("{{arch}}", std::env::consts::ARCH)
    }

    async fn get(&self, url: &str, timeout: Duration) -> Result<Vec<u8>> {
        let resp = self
            .client
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| UpdateError::Unreachable(format!("{url}: {e}")))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(UpdateError::Unreachable(format!("{url}: HTTP {status}")));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| UpdateError::Unreachable(format!("{url}: {e}")))?;
        Ok(body.to_vec())
    }

    /// The newer release for this platform, or `None` when the app is up to date. Endpoints are
    /// tried in order; the first that answers decides.
    pub async fn check(&self) -> Result<Option<Available>> {
        let mut last = None;
        for template in &self.config.endpoints {
            let url = self.endpoint_url(template);
            match self.get(&url, self.config.timeout).await {
                Ok(body) => return self.judge(&body),
                Err(e) => {
                    tracing::warn!(code = e.code(), "update endpoint did not answer");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| UpdateError::Config("no update endpoint".into())))
    }

    /// Decides on a fetched manifest (public for tests and tools).
    pub fn judge(&self, manifest: &[u8]) -> Result<Option<Available>> {
        let m = Manifest::parse(manifest)?;
        if !is_newer(&self.current, &m.version)? {
            return Ok(None);
        }
        let (target, release) = m.release_for(&self.config.targets)?;
        Ok(Some(Available {
            current_version: self.current.to_string(),
            version: parse_version(&m.version)?.to_string(),
            notes: m.notes.clone(),
            pub_date: m.pub_date.clone(),
            target: target.to_owned(),
            url: release.url.clone(),
            signature: release.signature.clone(),
        }))
    }

    /// The bundle's bytes, only if their signature verifies against the app's key.
    pub async fn download(&self, update: &Available) -> Result<Vec<u8>> {
        let bytes = self
            .get(
                &update.url,
                self.config.timeout.max(Duration::from_secs(600)),
            )
            .await?;
        verify_signature(&self.key, &bytes, &update.signature)?;
        tracing::info!(version = %update.version, bytes = bytes.len(), "update signature verified");
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_semver_and_accept_a_leading_v() {
        let cur = parse_version("0.1.0").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(is_newer(&cur, "0.2.0"), Ok(true)));
        assert!(matches!(is_newer(&cur, "v0.1.1"), Ok(true)));
        assert!(matches!(is_newer(&cur, "0.1.0"), Ok(false)));
        assert!(matches!(is_newer(&cur, "0.0.9"), Ok(false)));
        assert!(matches!(is_newer(&cur, "0.1.0-rc.1"), Ok(false)));
        assert!(matches!(is_newer(&cur, "0.10.0"), Ok(true)));
        let err = is_newer(&cur, "latest").err().map(|e| e.code());
        assert_eq!(err, Some("update_manifest_invalid"));
    }

    #[test]
    fn the_most_specific_platform_key_wins() {
        let json = br#"{"version":"1.0.0","platforms":{
            "linux-x86_64":{"url":"http://x/a.AppImage","signature":"s1"},
            "linux-x86_64-deb":{"url":"http://x/a.deb","signature":"s2"}}}"#;
        let m = Manifest::parse(json).unwrap_or_else(|e| panic!("{e}"));
        let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let got = m.release_for(&t(&["linux-x86_64-deb", "linux-x86_64"]));
        assert_eq!(got.ok().map(|(k, _)| k), Some("linux-x86_64-deb"));
        let got = m.release_for(&t(&["linux-x86_64-rpm", "linux-x86_64"]));
        assert_eq!(got.ok().map(|(k, _)| k), Some("linux-x86_64"));
        let err = m
            .release_for(&t(&["darwin-aarch64"]))
            .err()
            .map(|e| e.code());
        assert_eq!(err, Some("update_no_platform"));
    }

    #[test]
    fn a_manifest_without_platforms_or_version_is_invalid() {
        for bad in [
            &b"{}"[..],
            br#"{"version":"1.0.0"}"#,
            b"<html>",
            br#"{"version":"x","platforms":{}}"#,
        ] {
            let code = Manifest::parse(bad).err().map(|e| e.code());
            assert_eq!(code, Some("update_manifest_invalid"));
        }
    }

    #[test]
    fn current_targets_put_the_installer_first() {
        let t = current_targets(Some("deb"));
        assert_eq!(t.len(), 2);
        assert!(t[0].ends_with("-deb"));
        assert!(t[0].starts_with(&t[1]));
    }

    #[test]
    fn a_key_that_is_not_a_minisign_key_is_a_config_error() {
        let code = PublicKey::from_tauri_base64("bm90IGEga2V5")
            .err()
            .map(|e| e.code());
        assert_eq!(code, Some("update_config_invalid"));
        let code = PublicKey::from_tauri_base64("%%%").err().map(|e| e.code());
        assert_eq!(code, Some("update_config_invalid"));
    }
}
