//! The command line as clap parses it: global flags, every command and its subcommands, with
//! the help text users read. Dispatch is in `main.rs`; each command's work in `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::values::{
    ChannelArg, ClosedParser, PlannerArg, ProviderArg, RoleArg, SecurityArg, ToolArg,
};

#[derive(Parser, Debug)]
#[command(
    name = "countersign",
    version,
    about = "Countersign: a guarded support desk, headless"
)]
pub(crate) struct Cli {
    /// Workspace directory [default: the app's data dir]
    #[arg(long, global = true, value_name = "DIR", visible_alias = "workspace")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Seed a new workspace's shop from a τ-format db.json instead of the generated demo shop
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) shop: Option<PathBuf>,
    /// Who is acting, as recorded in the audit log [default: $USER]
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) actor: Option<String>,
    /// The LLM provider for this run [default: the workspace's setting]; the key is read from
    /// COUNTERSIGN_API_KEY
    #[arg(long, global = true, value_name = "PROVIDER", value_parser = ClosedParser::<ProviderArg>::new())]
    pub(crate) provider: Option<ProviderArg>,
    /// The provider's base URL (an OpenAI-compatible server: OpenAI, Ollama, vLLM, ...)
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// The model to ask
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) model: Option<String>,
    /// Which planner plans: auto (rules when sure, else the LLM), rules or llm
    #[arg(long, global = true, value_name = "MODE", value_parser = ClosedParser::<PlannerArg>::new())]
    pub(crate) planner: Option<PlannerArg>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Propose a write action by hand; prints the new proposal's id
    Propose {
        #[arg(long, value_name = "USER_ID")]
        customer: String,
        /// Add to an existing conversation with that customer
        #[arg(long)]
        conversation: Option<i64>,
        #[arg(value_parser = ClosedParser::<ToolArg>::new())]
        tool: ToolArg,
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
    /// Approve (and execute, once) a proposal, optionally with edited arguments. The acting
    /// person's role is the one assigned with `staff set`. A reply is sent at once (mail needs
    /// COUNTERSIGN_MAIL_PASSWORD, the webhook COUNTERSIGN_WEBHOOK_SECRET; otherwise it waits in
    /// the outbox)
    Approve {
        id: i64,
        #[arg(long, value_name = "JSON")]
        args: Option<String>,
        /// A reply's text, saved as a new revision before approving
        #[arg(long)]
        text: Option<String>,
        /// Send a reply even though it mentions an action that did not happen
        #[arg(long)]
        confirm: bool,
    },
    /// Save a new text for an open reply (a revision)
    Reply {
        id: i64,
        #[arg(long)]
        text: String,
    },
    /// Write your own reply in a conversation (after rejecting the draft, or when there was
    /// none); it is approved like any other
    WriteReply {
        conversation: i64,
        #[arg(long)]
        text: String,
    },
    /// Approved replies: deliver what is due, or settle a failed or uncertain send
    Replies {
        #[command(subcommand)]
        command: RepliesCommand,
    },
    /// Conversations waiting for a person, most urgent first
    Inbox {
        #[arg(long)]
        json: bool,
    },
    /// Close a conversation with nothing (more) to send
    Close {
        conversation: i64,
        #[arg(long)]
        reason: String,
    },
    /// Where chat and widget replies are POSTed (a supervisor's)
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Reject a proposal; a reason is required
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Settle a call to a team's system whose outcome is unknown (sent, no answer): after
    /// checking that system, say whether it ran
    ResolveCall {
        id: i64,
        #[arg(long, conflicts_with = "not_run", required_unless_present = "not_run")]
        ran: bool,
        #[arg(long)]
        not_run: bool,
        #[arg(long)]
        note: String,
    },
    /// Hand a proposal to a supervisor
    Escalate {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Run a read tool and print its JSON result
    Lookup {
        #[arg(value_parser = ClosedParser::<ToolArg>::new())]
        tool: ToolArg,
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
        #[arg(long, value_parser = ClosedParser::<ChannelArg>::new())]
        channel: ChannelArg,
        /// Record the request and leave planning to the desktop app (which holds the key)
        #[arg(long)]
        queue: bool,
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
        /// Cases run at once [default: one per core]
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
    },
    /// Print the workspace's shop as a τ-format db.json
    ExportShop,
    /// Figures over real work: action precision, edit, rejection, escalation and resolution
    /// rates, guard blocks and flags, steps, tokens and cost, by planner
    Metrics {
        /// Conversations created since this date (YYYY-MM-DD, UTC) or RFC 3339 time
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// ... up to and including this date
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The eval cases captured from people's decisions
    Evals {
        #[command(subcommand)]
        command: EvalsCommand,
    },
    /// Send the captured eval cases to the team's eval store (token from
    /// COUNTERSIGN_SYNC_TOKEN); without --once, until the outbox is empty
    Sync {
        #[command(subcommand)]
        command: Option<SyncCommand>,
        /// One attempt per pending batch, then stop
        #[arg(long)]
        once: bool,
        /// The receiver: HTTPS, or plain HTTP to a loopback address [default:
        /// $COUNTERSIGN_SYNC_ENDPOINT]
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        /// Cases per request
        #[arg(long, value_name = "N", default_value_t = 100)]
        batch_size: usize,
        /// Send customers' emails, phones and card numbers as they are
        #[arg(long)]
        no_redact: bool,
        /// The first retry's delay; later ones grow exponentially, with jitter
        #[arg(long, value_name = "MS", default_value_t = 500, hide = true)]
        min_delay_ms: u64,
        #[arg(long)]
        json: bool,
    },
    /// The input guard: measure it on a labelled set, or retrain its classifier
    Guard {
        #[command(subcommand)]
        command: GuardCommand,
    },
    /// Customer satisfaction per conversation: give a score, or import a survey's CSV
    Csat {
        #[command(subcommand)]
        command: CsatCommand,
    },
    /// Who may approve how much: agents' approval limits per action (a supervisor changes them)
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Who may approve what: roles assigned by an administrator (unassigned people are agents)
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The team's mailbox: requests in over IMAP (each message once; unreadable ones
    /// quarantined with a reason)
    Mailbox {
        #[command(subcommand)]
        command: MailboxCommand,
    },
    /// The team's own systems as MCP tool servers: add them, list their classified tools
    Tools {
        #[command(subcommand)]
        command: ToolsCommand,
    },
    /// The demo shop as an MCP server
    Mcp {
        #[command(subcommand)]
        command: McpCommand,
    },
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
pub(crate) enum EvalsCommand {
    /// Write the captured cases as JSONL that `countersign eval` accepts
    Export {
        /// Only cases captured since this date (YYYY-MM-DD, UTC) or RFC 3339 time
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Replace emails, phones and card numbers with placeholders (stable within the export)
        #[arg(long)]
        redact: bool,
    },
    /// Run the captured decisions through today's planner, policy and approval limits and
    /// list the ones that would go differently
    Replay {
        /// Only decisions captured since this date (YYYY-MM-DD, UTC) or RFC 3339 time
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Conversations planned at once [default: one per core]
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum CsatCommand {
    /// Record a conversation's score (1-5); a later score replaces it
    Set {
        conversation: i64,
        score: i64,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Import scores from CSV: a header naming `score` and `conversation_id` or `message_id`,
    /// optionally `comment` (other columns are ignored); all rows or none
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum PolicyCommand {
    /// The approval limits and how long proposals stay open
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Set how much an agent may approve for one action, or leave it to supervisors
    Limit {
        #[arg(value_parser = ClosedParser::<ToolArg>::new())]
        tool: ToolArg,
        /// In dollars, like 250 or 99.50
        #[arg(required_unless_present = "supervisor_only")]
        amount: Option<String>,
        /// No agent may approve it, whatever the amount
        #[arg(long, conflicts_with = "amount")]
        supervisor_only: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum SyncCommand {
    /// Pending and parked cases, and the last error
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Where cases go (a supervisor's setting): HTTPS, or plain HTTP to this machine;
    /// --off stops syncing
    Set {
        #[arg(required_unless_present = "off")]
        endpoint: Option<String>,
        /// Send customers' emails, phones, cards, names and addresses as they are
        #[arg(long)]
        no_redact: bool,
        #[arg(long, conflicts_with = "endpoint")]
        off: bool,
    },
    /// Send a parked batch again once the receiver is fixed (same id, same cases)
    Requeue { batch: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum StaffCommand {
    /// Assign a person's role (recorded in the audit log, acting as --actor)
    Set {
        name: String,
        #[arg(long, value_name = "ROLE", value_parser = ClosedParser::<RoleArg>::new())]
        role: RoleArg,
    },
    /// Everyone with an assigned role
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum MailboxCommand {
    /// Where mail comes in and goes out (a supervisor's); the password comes from
    /// COUNTERSIGN_MAIL_PASSWORD
    Set {
        #[arg(long, value_name = "HOST")]
        imap_host: String,
        #[arg(long, value_name = "PORT")]
        imap_port: u16,
        #[arg(long, value_name = "HOST")]
        smtp_host: String,
        #[arg(long, value_name = "PORT")]
        smtp_port: u16,
        #[arg(long)]
        user: String,
        /// The address replies are sent from
        #[arg(long, value_name = "ADDRESS")]
        from: String,
        /// tls (993/465), starttls (143/587), or none (only for a server on this machine)
        #[arg(long, default_value = "tls", value_parser = ClosedParser::<SecurityArg>::new())]
        security: SecurityArg,
        #[arg(long, default_value = "INBOX")]
        folder: String,
    },
    /// Take in what arrived and plan it; with --once a single pass, else until interrupted
    Poll {
        #[arg(long)]
        once: bool,
        /// Seconds between polls
        #[arg(long, default_value_t = 60)]
        interval: u64,
        #[arg(long)]
        json: bool,
    },
    /// How the last poll went, what the desk holds, what is quarantined
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum RepliesCommand {
    /// Deliver every approved reply that is due
    Send {
        #[arg(long)]
        json: bool,
    },
    /// Settle a failed or uncertain send: it went out, or send it again
    Resolve {
        id: i64,
        #[arg(
            long,
            conflicts_with = "send_again",
            required_unless_present = "send_again"
        )]
        went_out: bool,
        #[arg(long)]
        send_again: bool,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum ClassArg {
    Read,
    Write,
    Forbidden,
}

impl From<ClassArg> for countersign_mcp::ToolClass {
    fn from(c: ClassArg) -> Self {
        match c {
            ClassArg::Read => countersign_mcp::ToolClass::Read,
            ClassArg::Write => countersign_mcp::ToolClass::Write,
            ClassArg::Forbidden => countersign_mcp::ToolClass::Forbidden,
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum ToolsCommand {
    /// Add (or replace) a tool server: a command started over stdio, or a streamable HTTP URL
    /// whose bearer token comes from COUNTERSIGN_MCP_TOKEN_<NAME>
    AddServer {
        name: String,
        #[arg(long, value_name = "COMMAND LINE", conflicts_with = "url")]
        command: Option<String>,
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Let this server's readOnlyHint classify its new tools as reads
        #[arg(long)]
        trust_read_only_hints: bool,
    },
    /// Classify a tool, as a supervisor: the hash is the definition you reviewed (from
    /// `tools list --json`); a tool whose definition changed since must be reviewed again
    Classify {
        server: String,
        tool: String,
        #[arg(value_enum)]
        class: ClassArg,
        #[arg(long)]
        hash: String,
    },
    /// Connect to every server and list its tools with their classes
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum McpCommand {
    /// Serve the demo shop's tools over stdio, or streamable HTTP with --http (a bearer token
    /// is required when COUNTERSIGN_MCP_SERVE_TOKEN is set)
    Serve {
        #[arg(long, value_name = "ADDR:PORT")]
        http: Option<std::net::SocketAddr>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum WebhookCommand {
    /// Set the URL (https://, or http:// to this machine)
    Set { url: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum GuardCommand {
    /// Screen every row of a JSONL file ({"id","text","label"}); catch and false-positive rates
    Eval {
        file: PathBuf,
        /// Rates per `source` field as well
        #[arg(long)]
        by_source: bool,
        #[arg(long)]
        json: bool,
    },
    /// Retrain the classifier on the S-Labs train split and our own examples
    Train {
        /// Where model.bin and training_report.json go [default: the pipeline crate's guard/]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum AuditCommand {
    /// Check the hash chain; names the first altered record
    Verify,
}
