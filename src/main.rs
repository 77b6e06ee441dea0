//! The thin binary: parse the command line, run, map the outcome to an exit code
//! (0 pass, 1 a rule failed, 2 error).

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use plummet::escape;

fn main() -> ExitCode {
    let cli = match plummet::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `plummet dif a b` fails to parse as an image with extra words: name the typo.
            let first = std::env::args().nth(1).unwrap_or_default();
            if let Some(command) = plummet::suggestion::mistyped_command(&first) {
                let message = plummet::suggestion::message(&first, command);
                plummet::say!("plummet: error: {}", escape::text(&message));
                return ExitCode::from(2);
            }
            return usage_error(&e);
        }
    };
    plummet::init_logging(&cli);
    match plummet::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            // Errors quote image strings, registry answers and tags: escaped, so that one error
            // is one line and cannot drive the terminal.
            plummet::say!("plummet: error: {}", escape::text(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

/// Help and version go out as clap writes them. A usage error becomes one line, like every other
/// error (a CI log or a `2>&1 | grep error` shows all of it): clap's message, its tip and the
/// usage of the command, instead of clap's five lines with blank ones between.
fn usage_error(e: &clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    plummet::say!(
        "plummet: error: {}",
        escape::text(&one_line(&e.to_string()))
    );
    ExitCode::from(2)
}

/// `error: X\n\n  tip: Y\n\nUsage: Z\n       Z2\n\nFor more information, try '--help'.` as
/// `X (tip: Y; usage: Z or Z2; see --help)`. The message itself may span lines (a list of
/// possible values); those are joined with spaces.
fn one_line(rendered: &str) -> String {
    let mut message = Vec::new();
    let mut usage: Vec<&str> = Vec::new();
    let mut notes = Vec::new();
    let mut in_usage = false;
    for line in rendered.lines() {
        let indented = line.starts_with(' ');
        let line = line.trim();
        if line.is_empty() {
            in_usage = false;
        } else if let Some(first) = line.strip_prefix("Usage: ") {
            usage.push(first);
            in_usage = true;
        } else if in_usage && indented {
            usage.push(line);
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            notes.push(format!("tip: {tip}"));
        } else if line.starts_with("For more information") {
            // Said once at the end, after the usage.
        } else {
            message.push(line.strip_prefix("error: ").unwrap_or(line));
        }
    }
    if !usage.is_empty() {
        notes.push(format!("usage: {}", usage.join(" or ")));
    }
    notes.push("see --help".to_string());
    format!("{} ({})", message.join(" "), notes.join("; "))
}
