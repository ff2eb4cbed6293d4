//! The app's update check from the command line, for the package test and for checking a
//! release before publishing it: fetches `latest.json`, and with `--download` fetches the
//! bundle and verifies its signature exactly as the app does before installing.
//!
//! ```sh
//! cargo run -p countersign-update --example check -- --endpoint URL --pubkey BASE64 \
//!     [--current 0.1.0] [--target linux-x86_64-deb] [--download]
//! ```
//! Exit status: 0 accepted (or no update), 2 usage, 3 refused or failed (the code is printed).

use std::io::Write as _;
use std::time::Duration;

use countersign_update::{Checker, CheckerConfig};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(endpoint), Some(pubkey)) = (arg(&args, "--endpoint"), arg(&args, "--pubkey")) else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: check --endpoint URL --pubkey BASE64 [--current V] [--target KEY] [--download]"
        );
        std::process::exit(2);
    };
    let mut targets = countersign_update::current_targets(None);
    if let Some(t) = arg(&args, "--target") {
        targets.insert(0, t);
    }
    let outcome = async {
        let checker = Checker::new(CheckerConfig {
            endpoints: vec![endpoint],
            pubkey,
            current_version: arg(&args, "--current").unwrap_or_else(|| "0.1.0".into()),
            targets,
            timeout: Duration::from_secs(20),
        })?;
        let Some(update) = checker.check().await? else {
            return Ok("up to date".to_owned());
        };
        if !args.iter().any(|a| a == "--download") {
            return Ok(format!("available {} ({})", update.version, update.target));
        }
        let bytes = checker.download(&update).await?;
        Ok(format!(
            "accepted {} ({} bytes)",
            update.version,
            bytes.len()
        ))
    }
    .await;
    match outcome {
        Ok(line) => {
            let _ = writeln!(std::io::stdout(), "{line}");
        }
        Err(e) => {
            let e: countersign_update::UpdateError = e;
            let _ = writeln!(std::io::stdout(), "refused {}: {e}", e.code());
            std::process::exit(3);
        }
    }
}
