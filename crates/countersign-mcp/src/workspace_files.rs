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

use crate::catalogue::Catalogue;
use crate::policy::{Policy, PolicyFileError};
use crate::server::ServerSpec;

pub const SERVERS_FILE: &str = "mcp-servers.json";
pub const CATALOGUE_FILE: &str = "mcp-catalogue.json";
pub const POLICY_FILE: &str = "mcp-policy.toml";

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
    pub fn code(&self) -> &'static str {
        match self {
            WorkspaceFilesError::Io { .. } => "io",
            WorkspaceFilesError::Format { .. } => "mcp_config",
            WorkspaceFilesError::Policy { source, .. } => source.code(),
        }
    }
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

    pub fn catalogue(&self) -> Result<Catalogue, WorkspaceFilesError> {
        self.read_json(CATALOGUE_FILE)
    }

    pub fn save_catalogue(&self, catalogue: &Catalogue) -> Result<(), WorkspaceFilesError> {
        self.write_json(CATALOGUE_FILE, catalogue)
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
    use crate::server::{ServerName, TransportSpec};

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
    }

    #[test]
    fn a_broken_policy_file_is_refused_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(POLICY_FILE), "servers = 3").unwrap();
        let err = WorkspaceFiles::new(dir.path()).policy().unwrap_err();
        assert_eq!(err.code(), "policy_parse");
    }
}
