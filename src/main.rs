//! The thin binary: parse the command line, run, map the outcome to an exit code
//! (0 pass, 1 a rule failed, 2 error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = plummet::cli::Cli::parse();
    // Logs go to stderr (stdout is for reports); the UI redirects them itself.
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLUMMET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match plummet::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            eprintln!("plummet: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
