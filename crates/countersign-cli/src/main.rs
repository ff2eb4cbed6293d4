//! `countersign`: the desk, headless. Same core as the desktop app, same workspace files.
//!
//! This file is the dispatch: the command line is in `args.rs`, each command a function in
//! `commands/`.
//! Exit codes (see `error.rs`): 0 ok, 2 bad input (one line on stderr), 1 internal error.

mod args;
mod commands;
mod error;
mod invocation;
mod output;
mod values;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{
    AuditCommand, Cli, Command, CsatCommand, EvalsCommand, GuardCommand, MailboxCommand,
    McpCommand, PolicyCommand, RepliesCommand, StaffCommand, SyncCommand, ToolsCommand,
    WebhookCommand,
};
use crate::commands::{
    csat, eval_export, evals, external, guard, history, lookup, mailbox, mcp, metrics, pipeline,
    policy, proposals, replies, staff, sync, tools,
};
use crate::invocation::{Invocation, PlannerFlags};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("COUNTERSIGN_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return error::exit_for_usage(&e),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => error::exit_for(&e),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let flags = PlannerFlags {
        provider: cli.provider.map(Into::into),
        base_url: cli.base_url,
        model: cli.model,
        mode: cli.planner.map(Into::into),
    };
    let ctx = Invocation::new(cli.data_dir, cli.shop, cli.actor, flags)?;
    match cli.command {
        Command::Propose {
            customer,
            conversation,
            tool,
            args,
        } => proposals::propose(&ctx, &customer, conversation, tool.0, &args),
        Command::Queue { json } => proposals::queue(&ctx, json),
        Command::Show { id, json } => proposals::show(&ctx, id, json),
        Command::Approve {
            id,
            args,
            text,
            confirm,
        } => proposals::approve(&ctx, id, args.as_deref(), text.as_deref(), confirm),
        Command::Reply { id, text } => replies::revise(&ctx, id, &text),
        Command::WriteReply { conversation, text } => replies::write(&ctx, conversation, &text),
        Command::Replies {
            command: RepliesCommand::Send { json },
        } => replies::send(&ctx, json),
        Command::Replies {
            command: RepliesCommand::Resolve { id, went_out, .. },
        } => replies::resolve(&ctx, id, went_out),
        Command::Inbox { json } => replies::inbox(&ctx, json),
        Command::Close {
            conversation,
            reason,
        } => replies::close(&ctx, conversation, &reason),
        Command::Webhook {
            command: WebhookCommand::Set { url },
        } => replies::set_webhook(&ctx, &url),
        Command::Csat {
            command:
                CsatCommand::Set {
                    conversation,
                    score,
                    comment,
                },
        } => csat::set(&ctx, conversation, score, comment.as_deref()),
        Command::Csat {
            command: CsatCommand::Import { file, json },
        } => csat::import(&ctx, &file, json),
        Command::Policy {
            command: PolicyCommand::Show { json },
        } => policy::show(&ctx, json),
        Command::Policy {
            command:
                PolicyCommand::Limit {
                    tool,
                    amount,
                    supervisor_only,
                },
        } => policy::limit(&ctx, tool.0, amount.as_deref(), supervisor_only),
        Command::Evals {
            command: EvalsCommand::Replay { since, jobs, json },
        } => evals::replay(&ctx, since.as_deref(), jobs, json),
        Command::Staff {
            command: StaffCommand::Set { name, role },
        } => staff::set(&ctx, &name, role.into()),
        Command::Staff {
            command: StaffCommand::List { json },
        } => staff::list(&ctx, json),
        Command::Reject { id, reason } => proposals::reject(&ctx, id, &reason),
        Command::ResolveCall { id, ran, note, .. } => external::resolve(&ctx, id, ran, &note),
        Command::Escalate { id, note } => proposals::escalate(&ctx, id, note.as_deref()),
        Command::Lookup { tool, args } => lookup::lookup(&ctx, tool.0, &args),
        Command::History { json } => history::history(&ctx, json),
        Command::Audit {
            command: AuditCommand::Verify,
        } => history::audit_verify(&ctx),
        Command::Mailbox {
            command:
                MailboxCommand::Set {
                    imap_host,
                    imap_port,
                    smtp_host,
                    smtp_port,
                    user,
                    from,
                    security,
                    folder,
                },
        } => mailbox::set(
            &ctx,
            &imap_host,
            imap_port,
            &smtp_host,
            smtp_port,
            &user,
            &from,
            security.into(),
            &folder,
        ),
        Command::Mailbox {
            command:
                MailboxCommand::Poll {
                    once,
                    interval,
                    json,
                },
        } => mailbox::poll(
            &ctx,
            once,
            std::time::Duration::from_secs(interval.max(1)),
            json,
        ),
        Command::Mailbox {
            command: MailboxCommand::Status { json },
        } => mailbox::status(&ctx, json),
        Command::Ingest {
            file,
            channel,
            queue,
            json,
        } => pipeline::ingest(&ctx, &file, channel.into(), queue, json),
        Command::Demo { json } => pipeline::demo(&ctx, json),
        Command::Eval { cases, json, jobs } => evals::eval(&ctx, &cases, json, jobs),
        Command::TauReplay { db, tasks, json } => evals::tau_replay(&db, &tasks, json),
        Command::ExportShop => evals::export_shop(&ctx),
        Command::Metrics { since, until, json } => {
            metrics::metrics(&ctx, since.as_deref(), until.as_deref(), json)
        }
        Command::Evals {
            command: EvalsCommand::Export { since, redact },
        } => eval_export::export(&ctx, since.as_deref(), redact),
        Command::Sync {
            command: Some(SyncCommand::Status { json }),
            ..
        } => sync::status(&ctx, json),
        Command::Sync {
            command:
                Some(SyncCommand::Set {
                    endpoint,
                    no_redact,
                    off: _,
                }),
            ..
        } => sync::set(&ctx, endpoint.as_deref().unwrap_or_default(), !no_redact),
        Command::Sync {
            command: Some(SyncCommand::Requeue { batch }),
            ..
        } => sync::requeue(&ctx, &batch),
        Command::Sync {
            command: None,
            once,
            endpoint,
            batch_size,
            no_redact,
            min_delay_ms,
            json,
        } => sync::run(
            &ctx,
            &sync::SyncFlags {
                once,
                endpoint,
                batch_size,
                no_redact,
                min_delay_ms,
                json,
            },
        ),
        Command::Tools {
            command:
                ToolsCommand::AddServer {
                    name,
                    command,
                    url,
                    trust_read_only_hints,
                },
        } => tools::add_server(
            &ctx,
            &name,
            command.as_deref(),
            url.as_deref(),
            trust_read_only_hints,
        ),
        Command::Tools {
            command: ToolsCommand::List { json },
        } => tools::list(&ctx, json),
        Command::Tools {
            command:
                ToolsCommand::Classify {
                    server,
                    tool,
                    class,
                    hash,
                },
        } => tools::classify_tool(&ctx, &server, &tool, class.into(), &hash),
        Command::Mcp {
            command: McpCommand::Serve { http },
        } => mcp::serve(&ctx, http),
        Command::Guard {
            command:
                GuardCommand::Eval {
                    file,
                    by_source,
                    json,
                },
        } => guard::eval(&file, by_source, json),
        Command::Guard {
            command: GuardCommand::Train { out, json },
        } => guard::train(out, json),
    }
}
