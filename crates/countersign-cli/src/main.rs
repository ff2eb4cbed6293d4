//! `countersign`: the desk, headless. Same core as the desktop app, same workspace files.
//!
//! Exit codes: 0 ok, 2 bad input (one line on stderr), 1 internal error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use countersign_core::{Role, SystemClock};
use countersign_shop::{Scope, ToolName};
use countersign_store::{Actor, Desk, DeskError, ProposeRequest, ShopSeed};
use serde_json::Value;

/// The workspace directory the desktop app uses too (`$XDG_DATA_HOME/<app identifier>`).
const APP_IDENTIFIER: &str = "app.countersign.desk";

#[derive(Parser, Debug)]
#[command(
    name = "countersign",
    version,
    about = "Countersign: a guarded support desk, headless"
)]
struct Cli {
    /// Workspace directory [default: the app's data dir]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Seed a new workspace's shop from a τ-format db.json instead of the generated demo shop
    #[arg(long, global = true, value_name = "PATH")]
    shop: Option<PathBuf>,
    /// Who is acting, as recorded in the audit log [default: $USER]
    #[arg(long, global = true, value_name = "NAME")]
    actor: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Propose a write action by hand; prints the new proposal's id
    Propose {
        #[arg(long, value_name = "USER_ID")]
        customer: String,
        /// Add to an existing conversation with that customer
        #[arg(long)]
        conversation: Option<i64>,
        tool: String,
        #[arg(long, value_name = "JSON")]
        args: String,
    },
    /// Open proposals, escalated first, then by amount at stake
    Queue {
        #[arg(long)]
        json: bool,
    },
    /// One proposal with its preview, decisions and audit records
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Approve (and execute, once) a proposal, optionally with edited arguments
    Approve {
        id: i64,
        #[arg(long = "as", value_name = "ROLE", default_value = "agent")]
        role: String,
        #[arg(long, value_name = "JSON")]
        args: Option<String>,
    },
    /// Reject a proposal; a reason is required
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Hand a proposal to a supervisor
    Escalate {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Run a read tool and print its JSON result
    Lookup {
        tool: String,
        #[arg(long, value_name = "JSON", default_value = "{}")]
        args: String,
    },
    /// Every decision, oldest first
    History {
        #[arg(long)]
        json: bool,
    },
    /// Process one incoming request (email file, chat or widget JSON) into a draft and proposals
    Ingest {
        file: PathBuf,
        #[arg(long)]
        channel: String,
        #[arg(long)]
        json: bool,
    },
    /// Seed the demo workspace and process its sample inbox
    Demo {
        #[arg(long)]
        json: bool,
    },
    /// Run eval cases, each in a fresh workspace; nothing executes
    Eval {
        cases: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print the workspace's shop as a τ-format db.json
    ExportShop,
    /// The audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Replay τ-bench tasks' write actions (and policy-violating mutations) through the gate
    TauReplay {
        #[arg(long, value_name = "DB.json")]
        db: PathBuf,
        #[arg(long, value_name = "TASKS.jsonl")]
        tasks: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the hash chain; names the first altered record
    Verify,
}

/// A failure the user can fix by changing the input.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput(msg.into()).into()
}

/// Turns desk errors into bad input or internal errors, keeping the stable code in the message.
fn desk(e: DeskError) -> anyhow::Error {
    if e.is_bad_input() {
        bad(format!("{}: {e}", e.code()))
    } else {
        anyhow::Error::new(e)
    }
}

/// A harness error: the user's fault (bad file, bad line) or the machine's.
fn harness_error<E: std::error::Error + Send + Sync + 'static>(
    e: E,
    bad_input: bool,
) -> anyhow::Error {
    if bad_input {
        bad(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

fn parse_json(text: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| bad(format!("invalid_json: --args is not valid JSON: {e}")))
}

fn parse_tool(name: &str) -> anyhow::Result<ToolName> {
    name.parse()
        .map_err(|e: countersign_shop::UnknownTool| bad(format!("unknown_tool: {e}")))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("COUNTERSIGN_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let stderr = &mut std::io::stderr();
            if let Some(b) = e.downcast_ref::<BadInput>() {
                let _ = writeln!(stderr, "error: {b}");
                ExitCode::from(2)
            } else {
                let _ = writeln!(stderr, "internal error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

struct Invocation {
    data_dir: PathBuf,
    seed: ShopSeed,
    actor: String,
}

impl Invocation {
    fn open(&self) -> anyhow::Result<Desk> {
        Desk::open(&self.data_dir, &self.seed, Arc::new(SystemClock)).map_err(desk)
    }
}

fn out(text: impl AsRef<str>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", text.as_ref()).context("writing to stdout")
}

fn json_out<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    out(serde_json::to_string_pretty(v)?)
}

fn print_queue(queue: &[countersign_store::Proposal]) -> anyhow::Result<()> {
    if queue.is_empty() {
        return out("No open proposals.");
    }
    out(format!(
        "{:>5}  {:<9}  {:<30}  {:<24}  {:>10}  summary",
        "id", "state", "tool", "customer", "amount"
    ))?;
    for p in queue {
        out(format!(
            "{:>5}  {:<9}  {:<30}  {:<24}  {:>10}  {}",
            p.id,
            p.state.as_str(),
            p.tool.as_str(),
            p.customer_id,
            p.amount.to_string(),
            p.preview.summary
        ))?;
    }
    Ok(())
}

fn print_ingested(i: &countersign_store::Ingested) -> anyhow::Result<()> {
    out(format!(
        "── conversation {} · {} · guard {} · {}",
        i.conversation_id,
        i.customer_id.as_deref().unwrap_or("unverified customer"),
        i.verdict.as_str(),
        i.outcome.as_str()
    ))?;
    for p in &i.proposals {
        out(format!("   proposal #{}: {} {}", p.id, p.tool, p.args))?;
    }
    if let Some(reply) = &i.reply {
        for line in reply.lines() {
            out(format!("   │ {line}"))?;
        }
    }
    if let Some(h) = &i.handoff {
        out(format!(
            "   handoff: {} — next: {}",
            h.reason, h.suggested_next_step
        ))?;
    }
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => dirs::data_dir()
            .context("no data directory on this system; pass --data-dir")?
            .join(APP_IDENTIFIER),
    };
    let ctx = Invocation {
        data_dir,
        seed: cli.shop.map(ShopSeed::TauFile).unwrap_or(ShopSeed::Demo),
        actor: cli
            .actor
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "operator".into()),
    };
    match cli.command {
        Command::Propose {
            customer,
            conversation,
            tool,
            args,
        } => {
            // Parse everything before opening the workspace: bad input stores nothing.
            let tool = parse_tool(&tool)?;
            let args = parse_json(&args)?;
            let mut d = ctx.open()?;
            let id = d
                .propose(&ProposeRequest {
                    customer_id: &customer,
                    conversation_id: conversation,
                    channel: "manual",
                    tool,
                    args: &args,
                    proposed_by: &ctx.actor,
                })
                .map_err(desk)?;
            out(id.to_string())
        }
        Command::Queue { json } => {
            let queue = ctx.open()?.queue().map_err(desk)?;
            if json {
                return json_out(&queue);
            }
            print_queue(&queue)
        }
        Command::Show { id, json } => {
            let detail = ctx.open()?.show(id).map_err(desk)?;
            if json {
                return json_out(&detail);
            }
            let p = &detail.proposal;
            out(format!(
                "Proposal {} — {} ({})",
                p.id,
                p.tool,
                p.state.as_str()
            ))?;
            out(format!(
                "Customer {} · conversation {} · proposed by {}",
                p.customer_id, p.conversation_id, p.proposed_by
            ))?;
            out(format!(
                "{}\nAmount at stake: {}",
                p.preview.summary, p.amount
            ))?;
            out("Changes:")?;
            for c in &p.preview.changes {
                out(format!(
                    "  {} {}: {} → {}",
                    c.entity, c.field, c.before, c.after
                ))?;
            }
            out(format!("Arguments: {}", p.args))?;
            for d in &detail.decisions {
                let reason = d
                    .reason
                    .as_deref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default();
                out(format!(
                    "Decision: {} by {} ({}){reason}",
                    d.kind.as_str(),
                    d.actor,
                    d.role.map(|r| r.as_str()).unwrap_or("-")
                ))?;
            }
            Ok(())
        }
        Command::Approve { id, role, args } => {
            let role: Role = role
                .parse()
                .map_err(|e: String| bad(format!("invalid_role: {e}")))?;
            let edited = args.as_deref().map(parse_json).transpose()?;
            let exec = ctx
                .open()?
                .approve(
                    id,
                    &Actor {
                        name: ctx.actor.clone(),
                        role,
                    },
                    edited.as_ref(),
                )
                .map_err(desk)?;
            out(format!(
                "Executed proposal {}: {}",
                exec.proposal_id, exec.preview.summary
            ))
        }
        Command::Reject { id, reason } => {
            ctx.open()?
                .reject(
                    id,
                    &Actor {
                        name: ctx.actor.clone(),
                        role: Role::Agent,
                    },
                    &reason,
                )
                .map_err(desk)?;
            out(format!("Rejected proposal {id}."))
        }
        Command::Escalate { id, note } => {
            ctx.open()?
                .escalate(
                    id,
                    &Actor {
                        name: ctx.actor.clone(),
                        role: Role::Agent,
                    },
                    note.as_deref(),
                )
                .map_err(desk)?;
            out(format!("Escalated proposal {id} to a supervisor."))
        }
        Command::Lookup { tool, args } => {
            let tool = parse_tool(&tool)?;
            let args = parse_json(&args)?;
            let value = ctx
                .open()?
                .lookup(tool, &args, &Scope::Staff)
                .map_err(desk)?;
            json_out(&value)
        }
        Command::History { json } => {
            let history = ctx.open()?.history().map_err(desk)?;
            if json {
                return json_out(&history);
            }
            if history.is_empty() {
                return out("No decisions yet.");
            }
            for h in history {
                let d = &h.decision;
                let reason = d
                    .reason
                    .as_deref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default();
                out(format!(
                    "{}  proposal {:>4}  {:<11}  {:<12}  {:<30}  {}{reason}",
                    d.at_ms,
                    d.proposal_id,
                    d.kind.as_str(),
                    d.actor,
                    h.tool.as_str(),
                    h.summary
                ))?;
            }
            Ok(())
        }
        Command::Ingest {
            file,
            channel,
            json,
        } => {
            let channel: countersign_pipeline::Channel = channel
                .parse()
                .map_err(|e: String| bad(format!("invalid_channel: {e}")))?;
            let raw = std::fs::read(&file)
                .map_err(|e| bad(format!("unreadable_file: {}: {e}", file.display())))?;
            let request = countersign_pipeline::chat::parse(channel, &raw)
                .map_err(|e| bad(format!("{}: {e}", e.code())))?;
            let ingested = ctx.open()?.ingest(&request).map_err(desk)?;
            if json {
                return json_out(&ingested);
            }
            print_ingested(&ingested)
        }
        Command::Demo { json } => {
            let mut d = ctx.open()?;
            let mut all = Vec::new();
            for sample in countersign_evals::inbox::sample_inbox()? {
                let request =
                    countersign_pipeline::chat::parse(sample.channel, sample.raw.as_bytes())
                        .map_err(|e| anyhow::anyhow!("sample {} does not parse: {e}", sample.id))?;
                all.push(d.ingest(&request).map_err(desk)?);
            }
            if json {
                return json_out(&all);
            }
            for ingested in &all {
                print_ingested(ingested)?;
            }
            out("")?;
            out("Queue:")?;
            print_queue(&d.queue().map_err(desk)?)
        }
        Command::Eval { cases, json } => {
            let shop = match &ctx.seed {
                ShopSeed::TauFile(p) => Some(p.clone()),
                _ => None,
            };
            let report =
                countersign_evals::eval::run_file(&cases, shop.as_deref()).map_err(|e| {
                    if e.is_bad_input() {
                        bad(format!("{}: {e}", e.code()))
                    } else {
                        anyhow::Error::new(e)
                    }
                })?;
            if json {
                return json_out(&report);
            }
            out(format!(
                "{}/{} passed · action precision {:.3} · recall {:.3} · must-not-include violations {} · unapproved side effects {}",
                report.overall.passed, report.overall.cases, report.overall.action_precision, report.overall.action_recall, report.overall.must_not_include_violations, report.overall.unapproved_side_effects
            ))?;
            for r in report.results.iter().filter(|r| !r.pass) {
                out(format!("  FAIL {}: {}", r.id, r.reasons.join("; ")))?;
            }
            Ok(())
        }
        Command::ExportShop => json_out(&ctx.open()?.export_shop().map_err(desk)?),
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let report = ctx.open()?.verify_audit().map_err(desk)?;
            match report.first_break {
                None => out(format!(
                    "ok: {} audit records, chain intact",
                    report.records
                )),
                Some(b) => Err(anyhow::anyhow!(
                    "audit chain broken at record {} ({}); {} records before it verified",
                    b.seq(),
                    serde_json::to_value(&b)?["problem"]
                        .as_str()
                        .unwrap_or("altered"),
                    report.records
                )),
            }
        }
        Command::TauReplay { db, tasks, json } => {
            let report = countersign_evals::tau_replay::replay(&db, &tasks).map_err(|e| {
                let bad_input = e.is_bad_input();
                harness_error(e, bad_input)
            })?;
            if json {
                return json_out(&report);
            }
            out(format!(
                "{} tasks, {} write actions: {} accepted, {} rejected; {} mutations: {} rejected, {} accepted",
                report.tasks,
                report.write_actions,
                report.accepted,
                report.rejected.len(),
                report.mutations,
                report.mutations_rejected,
                report.mutations_accepted.len()
            ))
        }
    }
}
