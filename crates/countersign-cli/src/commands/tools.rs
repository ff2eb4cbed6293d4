//! `tools add-server` and `tools list`: the team's MCP servers and their classified tools.
//!
//! Until the store keeps them, the servers, the catalogue and the policy are files in the
//! workspace directory (`countersign_mcp::WorkspaceFiles`). An HTTP server's bearer token comes
//! from `COUNTERSIGN_MCP_TOKEN_<NAME>` (the app uses the OS keychain).

use countersign_core::{Role, Secret};
use countersign_mcp::{
    classify, connect, tool_summaries, Catalogue, CatalogueChange, HintTrust, ServerName,
    ServerSpec, Timeouts, ToolClass, ToolHash, ToolServer, ToolSummary, TransportSpec,
    WorkspaceFiles, WorkspaceFilesError,
};
use serde::Serialize;

use countersign_store::ToolSettingsChange;

use crate::error::bad;
use crate::invocation::Invocation;
use crate::output::{json_out, out};

/// The environment variable a server's bearer token is read from.
pub fn token_env(name: &ServerName) -> String {
    let upper: String = name
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("COUNTERSIGN_MCP_TOKEN_{upper}")
}

/// The workspace's tool files.
pub(crate) fn files(ctx: &Invocation) -> WorkspaceFiles {
    WorkspaceFiles::new(&ctx.data_dir)
}

pub(crate) fn files_error(e: WorkspaceFilesError) -> anyhow::Error {
    bad(e.code(), e)
}

/// [`Desk::change_tool_settings`](countersign_store::Desk::change_tool_settings)'s error in
/// the CLI's terms: the desk's own (not permitted, storage) keeps its code, as everywhere.
struct SettingsError(anyhow::Error);

impl From<countersign_store::DeskError> for SettingsError {
    fn from(e: countersign_store::DeskError) -> Self {
        SettingsError(crate::error::desk(e))
    }
}

impl From<WorkspaceFilesError> for SettingsError {
    fn from(e: WorkspaceFilesError) -> Self {
        SettingsError(files_error(e))
    }
}

impl From<anyhow::Error> for SettingsError {
    fn from(e: anyhow::Error) -> Self {
        SettingsError(e)
    }
}

fn settings_error(e: SettingsError) -> anyhow::Error {
    e.0
}

/// The configured server named `name`, connected with its token (if any).
pub(crate) async fn connect_named(
    ctx: &Invocation,
    name: &ServerName,
) -> anyhow::Result<countersign_mcp::RmcpServer> {
    let servers = files(ctx).servers().map_err(files_error)?;
    let spec = servers
        .iter()
        .find(|s| &s.name == name)
        .ok_or_else(|| bad("not_found", format!("no tool server named {name}")))?;
    let token = std::env::var(token_env(name)).ok().map(Secret::new);
    connect(spec, token.as_ref(), Timeouts::default())
        .await
        .map_err(|e| bad(e.code(), e))
}

/// `tools classify SERVER TOOL CLASS --hash HASH`: a supervisor's classification of the
/// definition they reviewed (the hash `tools list --json` shows).
pub fn classify_tool(
    ctx: &Invocation,
    server: &str,
    tool: &str,
    class: ToolClass,
    hash: &str,
) -> anyhow::Result<()> {
    let server = ServerName::new(server).map_err(|e| bad(e.code(), e))?;
    let hash = ToolHash(hash.to_owned());
    let mut d = ctx.open()?;
    let change = ToolSettingsChange::ToolClass {
        server: &server,
        tool,
        class,
        hash: &hash,
    };
    d.change_tool_settings(&ctx.actor, change, || -> Result<(), SettingsError> {
        files(ctx).update_catalogue(|catalogue| {
            let classified = classify(
                &catalogue,
                &server,
                tool,
                &hash,
                class,
                Role::Supervisor,
                &ctx.actor,
            )
            .map_err(|e| bad(e.code(), e))?;
            Ok::<_, SettingsError>((classified, ()))
        })
    })
    .map_err(settings_error)?;
    out(format!("{server}/{tool} is now {}", class.as_str()))
}

/// `tools add-server NAME (--command "..." | --url URL) [--trust-read-only-hints]`.
pub fn add_server(
    ctx: &Invocation,
    name: &str,
    command: Option<&str>,
    url: Option<&str>,
    trust_read_only_hints: bool,
) -> anyhow::Result<()> {
    let name = ServerName::new(name).map_err(|e| bad(e.code(), e))?;
    let transport =
        TransportSpec::from_command_or_url(command, url).map_err(|e| bad(e.code(), e))?;
    let spec = ServerSpec {
        name: name.clone(),
        transport,
        trust_read_only_hints,
    };
    let mut d = ctx.open()?;
    let replaced = d
        .change_tool_settings(
            &ctx.actor,
            ToolSettingsChange::Server(&spec),
            || -> Result<bool, SettingsError> {
                Ok(files(ctx).put_server(spec.clone()).map_err(files_error)?)
            },
        )
        .map_err(settings_error)?;
    let verb = if replaced { "updated" } else { "added" };
    out(format!(
        "server {name} {verb}; an HTTP server's token comes from {}",
        token_env(&name)
    ))
}

#[derive(Debug, Serialize)]
struct ServerView {
    name: String,
    /// `connected`, or the error's code.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    tools: Vec<ToolSummary>,
    changes: Vec<CatalogueChange>,
}

/// `tools list [--json]`: connects to every server, merges its listing into the catalogue,
/// saves the catalogue and shows every tool with its class.
pub fn list(ctx: &Invocation, json: bool) -> anyhow::Result<()> {
    let servers = files(ctx).servers().map_err(files_error)?;
    let mut catalogue = files(ctx).catalogue().map_err(files_error)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut views = Vec::new();
    for spec in &servers {
        let token = std::env::var(token_env(&spec.name)).ok().map(Secret::new);
        let listing = runtime.block_on(async {
            let server = connect(spec, token.as_ref(), Timeouts::default()).await?;
            let tools = server.list_tools().await;
            server.close().await;
            tools
        });
        let trust = if spec.trust_read_only_hints {
            HintTrust::TrustReadOnly
        } else {
            HintTrust::Untrusted
        };
        let (status, error, changes) = match listing {
            Ok(tools) => {
                // Merged into the catalogue as it is now, under its lock.
                let refreshed = files(ctx)
                    .merge_listing(&spec.name, &tools, trust)
                    .map_err(files_error)?;
                catalogue = refreshed.catalogue;
                ("connected".to_owned(), None, refreshed.changes)
            }
            Err(e) => (e.code().to_owned(), Some(e.to_string()), Vec::new()),
        };
        views.push(server_view(&catalogue, spec, status, error, changes));
    }
    if json {
        return json_out(&views);
    }
    if views.is_empty() {
        return out("No tool servers: add one with `tools add-server`.");
    }
    for v in &views {
        out(format!("── {} · {}", v.name, v.status))?;
        if let Some(e) = &v.error {
            out(format!("   {e}"))?;
        }
        for t in &v.tools {
            let review = if t.awaits_review {
                " (awaits review)"
            } else {
                ""
            };
            out(format!("   {:<13} {}{review}", t.class, t.name))?;
        }
    }
    Ok(())
}

fn server_view(
    catalogue: &Catalogue,
    spec: &ServerSpec,
    status: String,
    error: Option<String>,
    changes: Vec<CatalogueChange>,
) -> ServerView {
    let tools = tool_summaries(catalogue, &spec.name);
    ServerView {
        name: spec.name.to_string(),
        status,
        error,
        tools,
        changes,
    }
}
