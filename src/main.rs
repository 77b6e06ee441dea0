//! The thin binary: parse the command line, run, map the outcome to an exit code
//! (0 pass, 1 a rule failed, 2 error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = plummet::cli::Cli::parse();
    plummet::init_logging(&cli);
    match plummet::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            eprintln!("plummet: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
