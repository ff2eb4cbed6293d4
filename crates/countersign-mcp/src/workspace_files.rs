//! Where a workspace keeps its tool servers, until the store does: three files beside the
//! database, read and written here only, so the CLI and the app see the same configuration.
//!
//! - `mcp-servers.json`: how to reach each server (no credentials: a token comes from the
//!   keychain or the environment).
//! - `mcp-catalogue.json`: our classification of every tool seen, keyed by its hash.
//! - `mcp-policy.toml`: who approves which write, limits, constraints, ownership; an
//!   administrator writes it. None written means none allowed: every write is refused
//!   `no_policy`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalogue::{refresh, Catalogue, HintTrust, Refreshed};
use crate::policy::{Policy, PolicyFile, PolicyFileError};
use crate::server::{ServerName, ServerSpec, TransportSpec};

pub const SERVERS_FILE: &str = "mcp-servers.json";
pub const CATALOGUE_FILE: &str = "mcp-catalogue.json";
pub const POLICY_FILE: &str = "mcp-policy.toml";
/// Held (an OS file lock) while the catalogue is read, changed and saved.
pub const CATALOGUE_LOCK: &str = "mcp-catalogue.lock";
/// How long a change waits for the catalogue lock before giving up with an error: a holder
/// only merges a listing (milliseconds), so a longer wait means a stopped process, and the
/// caller may be holding the workspace's writer meanwhile.
const CATALOGUE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Takes `file`'s exclusive lock, trying again until `patience` runs out.
fn wait_for(file: &std::fs::File, patience: std::time::Duration) -> std::io::Result<()> {
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < patience => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another Countersign process has held the tool catalogue for {} s",
                        patience.as_secs()
                    ),
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The listed tools of `server` with their classes, as the catalogue has them.
pub fn tool_summaries(catalogue: &Catalogue, server: &ServerName) -> Vec<ToolSummary> {
    catalogue
        .servers
        .get(server)
        .map(|tools| {
            tools
                .iter()
                .filter(|(_, e)| e.listed)
                .map(|(name, e)| ToolSummary {
                    name: name.clone(),
                    class: e.class.as_str().to_owned(),
                    basis: e.basis.as_str().to_owned(),
                    awaits_review: e.basis.awaits_review(),
                    hash: e.hash.0.clone(),
                    description: e.tool.description.clone(),
                    read_only_hint: e.tool.hints.read_only,
                    destructive_hint: e.tool.hints.destructive,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Why a workspace's tool files could not be read or written, with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceFilesError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not readable as expected: {detail}")]
    Format { path: PathBuf, detail: String },
    #[error("{path}: {source}")]
    Policy {
        path: PathBuf,
        source: PolicyFileError,
    },
}

impl WorkspaceFilesError {
    /// Every code [`WorkspaceFilesError::code`] can return, for the generated IPC catalogue.
    pub const CODES: [&'static str; 4] = ["io", "mcp_config", "policy_parse", "policy_invalid"];

    pub fn code(&self) -> &'static str {
        match self {
            WorkspaceFilesError::Io { .. } => "io",
            WorkspaceFilesError::Format { .. } => "mcp_config",
            WorkspaceFilesError::Policy { source, .. } => source.code(),
        }
    }
}

/// A configured server and its catalogued tools, as a settings screen shows them (read from
/// the files: nothing is connected).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerSummary {
    pub name: String,
    /// `stdio` (a command) or `http` (a URL).
    pub transport: String,
    /// The command line or the URL.
    pub address: String,
    pub trust_read_only_hints: bool,
    /// Tools in the server's latest listing, by name.
    pub tools: Vec<ToolSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ToolSummary {
    pub name: String,
    /// `read`, `write`, `forbidden` or `unclassified`.
    pub class: String,
    /// Why it has its class: `new_tool`, `trusted_read_only_hint`, `reviewed`, `changed`, …
    pub basis: String,
    pub awaits_review: bool,
    /// The definition a supervisor classifies.
    pub hash: String,
    pub description: Option<String>,
    pub read_only_hint: Option<bool>,
    pub destructive_hint: Option<bool>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ServersFile {
    servers: Vec<ServerSpec>,
}

/// The tool files of the workspace in `dir`.
#[derive(Clone, Debug)]
pub struct WorkspaceFiles {
    dir: PathBuf,
}

impl WorkspaceFiles {
    pub fn new(dir: &Path) -> WorkspaceFiles {
        WorkspaceFiles {
            dir: dir.to_path_buf(),
        }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn servers(&self) -> Result<Vec<ServerSpec>, WorkspaceFilesError> {
        Ok(self.read_json::<ServersFile>(SERVERS_FILE)?.servers)
    }

    pub fn save_servers(&self, servers: &[ServerSpec]) -> Result<(), WorkspaceFilesError> {
        self.write_json(
            SERVERS_FILE,
            &ServersFile {
                servers: servers.to_vec(),
            },
        )
    }

    /// Adds a server, or replaces the one of the same name; `true` when it replaced one.
    pub fn put_server(&self, spec: ServerSpec) -> Result<bool, WorkspaceFilesError> {
        let mut servers = self.servers()?;
        let replaced = servers.iter().any(|s| s.name == spec.name);
        servers.retain(|s| s.name != spec.name);
        servers.push(spec);
        self.save_servers(&servers)?;
        Ok(replaced)
    }

    pub fn catalogue(&self) -> Result<Catalogue, WorkspaceFilesError> {
        self.read_json(CATALOGUE_FILE)
    }

    /// Reads the catalogue, makes the new one from it with `change`, and saves that, holding
    /// the workspace's catalogue lock throughout (an OS file lock: the app, the CLI and their
    /// planners take turns). The catalogue is read-modify-written from several places — a
    /// supervisor classifying, every plan and approval listing the servers again — and without
    /// the lock a listing saved from a copy read before a classification wrote over it. Do
    /// the network before and apply its result here: the lock is held for `change`.
    pub fn update_catalogue<T, E: From<WorkspaceFilesError>>(
        &self,
        change: impl FnOnce(Catalogue) -> Result<(Catalogue, T), E>,
    ) -> Result<T, E> {
        let io = |path: &Path, source| WorkspaceFilesError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, e))?;
        let lock_path = self.path(CATALOGUE_LOCK);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io(&lock_path, e))?;
        wait_for(&lock, CATALOGUE_LOCK_WAIT).map_err(|e| io(&lock_path, e))?;
        let (next, out) = change(self.catalogue()?)?;
        self.write_json(CATALOGUE_FILE, &next)?;
        // Released when `lock` is dropped (closing the file releases it too).
        drop(lock);
        Ok(out)
    }

    /// Merges one server's listing into the catalogue as it is now ([`Self::update_catalogue`]),
    /// and returns the merged catalogue with what changed.
    pub fn merge_listing(
        &self,
        server: &ServerName,
        tools: &[crate::ListedTool],
        trust: HintTrust,
    ) -> Result<Refreshed, WorkspaceFilesError> {
        self.update_catalogue(|current| {
            let refreshed = refresh(&current, server, tools, trust);
            Ok::<_, WorkspaceFilesError>((refreshed.catalogue.clone(), refreshed))
        })
    }

    /// Every configured server with its listed tools and their classes.
    pub fn summaries(&self) -> Result<Vec<ServerSummary>, WorkspaceFilesError> {
        let catalogue = self.catalogue()?;
        Ok(self
            .servers()?
            .into_iter()
            .map(|spec| {
                let (transport, address) = match &spec.transport {
                    TransportSpec::Stdio { program, args } => {
                        let mut words = vec![program.clone()];
                        words.extend(args.iter().cloned());
                        ("stdio", words.join(" "))
                    }
                    TransportSpec::Http { url } => ("http", url.clone()),
                };
                let tools = tool_summaries(&catalogue, &spec.name);
                ServerSummary {
                    name: spec.name.to_string(),
                    transport: transport.to_owned(),
                    address,
                    trust_read_only_hints: spec.trust_read_only_hints,
                    tools,
                }
            })
            .collect())
    }

    pub fn policy(&self) -> Result<Policy, WorkspaceFilesError> {
        let path = self.path(POLICY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(WorkspaceFilesError::Io { path, source }),
        };
        Policy::from_toml(&text).map_err(|source| WorkspaceFilesError::Policy { path, source })
    }

    /// The policy file as the app's form edits it (empty when there is none); a file that no
    /// longer loads (edited by hand) is the error it is, for the text editor to fix.
    pub fn policy_file(&self) -> Result<PolicyFile, WorkspaceFilesError> {
        Ok(self.policy()?.file().clone())
    }

    /// The policy file as written (empty when there is none), for an editor.
    pub fn policy_text(&self) -> Result<String, WorkspaceFilesError> {
        let path = self.path(POLICY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(source) => Err(WorkspaceFilesError::Io { path, source }),
        }
    }

    /// Replaces the policy file with `text` if it parses and validates; otherwise nothing is
    /// written and the error says why (with its line, from the TOML parser).
    pub fn save_policy_text(&self, text: &str) -> Result<Policy, WorkspaceFilesError> {
        let path = self.path(POLICY_FILE);
        let policy = Policy::from_toml(text).map_err(|source| WorkspaceFilesError::Policy {
            path: path.clone(),
            source,
        })?;
        let io = |path: &Path, source| WorkspaceFilesError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, e))?;
        // Written aside and renamed: a crash leaves the old file, never half a new one.
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
        Ok(policy)
    }

    fn read_json<T: for<'de> Deserialize<'de> + Default>(
        &self,
        file: &str,
    ) -> Result<T, WorkspaceFilesError> {
        let path = self.path(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| WorkspaceFilesError::Format {
                path,
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
            Err(source) => Err(WorkspaceFilesError::Io { path, source }),
        }
    }

    fn write_json<T: Serialize>(&self, file: &str, value: &T) -> Result<(), WorkspaceFilesError> {
        let path = self.path(file);
        let io = |path: &Path, source| WorkspaceFilesError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, e))?;
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| WorkspaceFilesError::Format {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        // Written aside and renamed: a crash leaves the old file, never half a new one.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, bytes).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::server::ServerName;

    #[test]
    fn a_policy_that_does_not_parse_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let files = WorkspaceFiles::new(dir.path());
        let good = "[servers.billing]\ncustomer_id = \"email\"\n";
        files.save_policy_text(good).unwrap();
        assert_eq!(files.policy_text().unwrap(), good);
        for bad in [
            "[servers.billing\n",
            "[servers.billing.tools.refund]\napprover = \"boss\"\n",
        ] {
            let e = files.save_policy_text(bad).unwrap_err();
            assert!(matches!(e.code(), "policy_parse" | "policy_invalid"), "{e}");
            assert_eq!(
                files.policy_text().unwrap(),
                good,
                "nothing written for {bad:?}"
            );
        }
    }

    #[test]
    fn missing_files_are_empty_and_saved_files_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = WorkspaceFiles::new(&dir.path().join("ws"));
        assert!(files.servers().unwrap().is_empty());
        assert!(files.catalogue().unwrap().servers.is_empty());
        files.policy().unwrap();
        let spec = ServerSpec {
            name: ServerName::new("fs").unwrap(),
            transport: TransportSpec::from_command_line("mcp-server-filesystem /tmp").unwrap(),
            trust_read_only_hints: false,
        };
        files.save_servers(std::slice::from_ref(&spec)).unwrap();
        assert_eq!(files.servers().unwrap(), vec![spec]);
        let summaries = files.summaries().unwrap();
        assert_eq!(summaries[0].transport, "stdio");
        assert_eq!(summaries[0].address, "mcp-server-filesystem /tmp");
        assert!(summaries[0].tools.is_empty(), "nothing listed yet");
    }

    fn tool(name: &str) -> crate::ListedTool {
        crate::ListedTool {
            name: name.to_owned(),
            title: None,
            description: Some(format!("{name} something")),
            input_schema: serde_json::json!({"type": "object"}),
            hints: Default::default(),
        }
    }

    /// Regression: a plan or an approval read the catalogue, listed the servers (seconds on
    /// the network), then saved its copy — over a classification made meanwhile, which the
    /// audit log had recorded. A listing is now merged into the catalogue as it is when saved.
    #[test]
    fn a_listing_merged_after_a_classification_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = WorkspaceFiles::new(dir.path());
        let billing = ServerName::new("billing").unwrap();
        let listed = [tool("get_charge")];
        // The planner starts: it lists get_charge (a new tool, so a write)...
        let first = files
            .merge_listing(&billing, &listed, HintTrust::Untrusted)
            .unwrap();
        let hash = first.catalogue.servers[&billing]["get_charge"].hash.clone();
        // ...a supervisor classifies it a read while another plan is listing...
        files
            .update_catalogue(|c| {
                let classified = crate::classify(
                    &c,
                    &billing,
                    "get_charge",
                    &hash,
                    crate::ToolClass::Read,
                    countersign_core::Role::Supervisor,
                    "sam",
                )
                .unwrap();
                Ok::<_, WorkspaceFilesError>((classified, ()))
            })
            .unwrap();
        // ...and that plan's listing, read before the classification, is merged after it.
        let merged = files
            .merge_listing(&billing, &listed, HintTrust::Untrusted)
            .unwrap();
        assert_eq!(
            merged.catalogue.servers[&billing]["get_charge"].class,
            crate::ToolClass::Read
        );
        assert_eq!(files.catalogue().unwrap(), merged.catalogue);
    }

    /// Many writers at once (threads, each opening the lock file as another process would):
    /// every server's listing is in the catalogue, none written over.
    #[test]
    fn concurrent_merges_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = WorkspaceFiles::new(dir.path());
        std::thread::scope(|scope| {
            for i in 0..16 {
                let files = files.clone();
                scope.spawn(move || {
                    let name = ServerName::new(&format!("server-{i}")).unwrap();
                    files
                        .merge_listing(&name, &[tool("lookup")], HintTrust::Untrusted)
                        .unwrap();
                });
            }
        });
        assert_eq!(files.catalogue().unwrap().servers.len(), 16);
    }

    #[test]
    fn a_lock_held_too_long_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CATALOGUE_LOCK);
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .unwrap()
        };
        let held = open();
        held.lock().unwrap();
        let err = wait_for(&open(), std::time::Duration::from_millis(100)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        drop(held);
        wait_for(&open(), std::time::Duration::from_millis(100)).unwrap();
    }

    #[test]
    fn a_broken_policy_file_is_refused_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(POLICY_FILE), "servers = 3").unwrap();
        let err = WorkspaceFiles::new(dir.path()).policy().unwrap_err();
        assert_eq!(err.code(), "policy_parse");
    }
}
