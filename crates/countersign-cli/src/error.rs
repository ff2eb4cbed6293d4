//! Errors and exit codes: 0 ok, 2 bad input (one line on stderr, starting with a stable code),
//! 1 internal error.
//!
//! Whether a failure is the user's is decided from typed errors (`is_bad_input`, the error's
//! type), never from its message text.

use std::io::Write;
use std::process::ExitCode;

use countersign_store::DeskError;

/// A failure the user can fix by changing the input. Printed as `error: <code>: <detail>`.
#[derive(Debug)]
pub struct BadInput {
    code: &'static str,
    detail: String,
}

impl BadInput {
    pub fn new(code: &'static str, detail: impl std::fmt::Display) -> Self {
        BadInput {
            code,
            detail: detail.to_string(),
        }
    }
}

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for BadInput {}

/// Bad input with a stable code, as an `anyhow::Error` for `?`.
pub fn bad(code: &'static str, detail: impl std::fmt::Display) -> anyhow::Error {
    BadInput::new(code, detail).into()
}

/// Turns desk errors into bad input or internal errors, keeping the stable code in the message.
pub fn desk(e: DeskError) -> anyhow::Error {
    if e.is_bad_input() {
        bad(e.code(), &e)
    } else {
        anyhow::Error::new(e)
    }
}

/// The exit code for a failed command, after its one line on stderr.
pub fn exit_for(e: &anyhow::Error) -> ExitCode {
    let stderr = &mut std::io::stderr();
    if let Some(b) = e.downcast_ref::<BadInput>() {
        let _ = writeln!(stderr, "error: {b}");
        ExitCode::from(2)
    } else {
        let _ = writeln!(stderr, "internal error: {e:#}");
        ExitCode::from(1)
    }
}

/// The exit code for a command line clap refused. A value refused by one of our own parsers
/// (see `values.rs`) carries a `BadInput` and gets the same one-line form as any bad input;
/// everything else (usage errors, `--help`, `--version`) is clap's own output.
pub fn exit_for_usage(e: &clap::Error) -> ExitCode {
    if let Some(b) = std::error::Error::source(e).and_then(|s| s.downcast_ref::<BadInput>()) {
        let _ = writeln!(std::io::stderr(), "error: {b}");
        return ExitCode::from(2);
    }
    let code = if e.use_stderr() { 2 } else { 0 };
    let _ = e.print();
    ExitCode::from(code)
}
