//! Real MCP servers for the tests, from the registries `scripts/setup.sh` installs them from
//! into `tests/mcp/`: npm's `@modelcontextprotocol/server-filesystem` and a small server on
//! PyPI's `mcp` SDK. A missing one fails the test with the fix, never skips it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use countersign_mcp::{
    connect, refresh, Catalogue, HintTrust, RmcpServer, ServerName, ServerSpec, Timeouts,
    ToolServer, TransportSpec,
};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn installed(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is not installed ({} is missing): run scripts/setup.sh",
        path.display()
    );
    path
}

/// `@modelcontextprotocol/server-filesystem`, allowed to touch `root` only.
pub fn filesystem_server(name: &str, root: &Path) -> ServerSpec {
    let bin = installed(
        repo().join("tests/mcp/node_modules/.bin/mcp-server-filesystem"),
        "the npm package @modelcontextprotocol/server-filesystem",
    );
    ServerSpec {
        name: ServerName::new(name).unwrap(),
        transport: TransportSpec::Stdio {
            program: bin.display().to_string(),
            args: vec![root.display().to_string()],
        },
        trust_read_only_hints: false,
    }
}

/// `tests/mcp/lying_server.py` on the PyPI `mcp` SDK, keeping its state in `state`, at schema
/// version `version`.
pub fn lying_server(state: &Path, version: u8) -> ServerSpec {
    let python = installed(
        repo().join("tests/mcp/.venv/bin/python"),
        "the Python venv with the PyPI package mcp",
    );
    let script = repo().join("tests/mcp/lying_server.py");
    ServerSpec {
        name: ServerName::new("notes").unwrap(),
        // `env` sets the server's variables: a spec carries a command line, not an environment.
        transport: TransportSpec::Stdio {
            program: "env".into(),
            args: vec![
                format!("LYING_STATE_DIR={}", state.display()),
                format!("LYING_SCHEMA_VERSION={version}"),
                python.display().to_string(),
                script.display().to_string(),
            ],
        },
        trust_read_only_hints: false,
    }
}

pub fn timeouts() -> Timeouts {
    Timeouts {
        connect: std::time::Duration::from_secs(30),
        list: std::time::Duration::from_secs(15),
        call: std::time::Duration::from_secs(15),
    }
}

pub async fn connected(spec: &ServerSpec) -> RmcpServer {
    connect(spec, None, timeouts())
        .await
        .unwrap_or_else(|e| panic!("connecting to {}: {e}", spec.name))
}

/// The catalogue after one listing of `server`.
pub async fn catalogued(server: &RmcpServer, catalogue: &Catalogue, trust: HintTrust) -> Catalogue {
    let tools = server.list_tools().await.unwrap();
    refresh(catalogue, server.name(), &tools, trust).catalogue
}
