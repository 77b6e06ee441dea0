//! Shell completions and the man page, generated from the clap definition in [`crate::cli`], so
//! that they list exactly the commands and flags the binary reads.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell};

/// Writes the completion script for `shell`.
pub fn completions(shell: CompletionShell, out: &mut dyn Write) -> io::Result<()> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
        CompletionShell::Elvish => Shell::Elvish,
    };
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "plummet", out);
    out.flush()
}

/// Writes `plummet(1)` in roff: the top-level page, then one section per subcommand.
pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let title = format!("plummet-{}", sub.get_name());
        clap_mangen::Man::new(sub.clone())
            .title(title)
            .render(out)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::EXAMPLES;
    use crate::settings::{Environment, Settings, for_command};

    /// Every example at the end of `--help` parses, and its values pass the settings step.
    #[test]
    fn every_example_in_the_help_parses() {
        let mut count = 0;
        for line in EXAMPLES
            .lines()
            .filter_map(|l| l.trim().strip_prefix("plummet "))
        {
            let command = line.split(" > ").next().unwrap_or(line);
            let argv = std::iter::once("plummet").chain(command.split_whitespace());
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{line}: {e}"));
            let settings = for_command(cli, &Environment::default());
            match settings {
                Ok(Some(
                    Settings::Ci(_)
                    | Settings::Explore(_)
                    | Settings::Diff(_)
                    | Settings::Fix(_)
                    | Settings::Scan(_)
                    | Settings::Cat(_)
                    | Settings::Extract(_),
                )) => {}
                Ok(None) => assert!(line.starts_with("completions") || line.starts_with("man")),
                Err(e) => panic!("{line}: {e}"),
            }
            count += 1;
        }
        assert!(count >= 6, "{count} examples");
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("plummet diff myapp:1.0 myapp:1.1"), "{help}");
    }

    /// `ci --help` lists the rule options before how images are read and where reports go.
    #[test]
    fn ci_help_puts_the_rules_first() {
        let mut command = Cli::command();
        let ci = command.find_subcommand_mut("ci").unwrap();
        let help = ci.render_help().to_string();
        let at = |text: &str| {
            help.find(text)
                .unwrap_or_else(|| panic!("no {text}: {help}"))
        };
        assert!(at("--lowest-efficiency") < at("Reading images:"));
        assert!(at("--no-secrets") < at("Reading images:"));
        assert!(at("Reading images:") < at("Reports:"));
    }

    /// `scan` takes `ci`'s rule flags (one `RuleArgs`) under the same names, aliases and value
    /// names, its help worded for a fleet of images.
    #[test]
    fn scan_takes_cis_rule_flags_worded_for_a_fleet() {
        let command = Cli::command();
        let sub = |name: &str| command.find_subcommand(name).unwrap().clone();
        let (ci, scan) = (sub("ci"), sub("scan"));
        let rule_ids = [
            "ci_config",
            "lowest_efficiency",
            "highest_wasted_bytes",
            "highest_user_wasted_percent",
            "max_reclaimable_bytes",
            "no_secrets",
            "non_root",
            "max_kind_bytes",
            "user_layers_only",
        ];
        for id in rule_ids {
            let arg = |c: &clap::Command| {
                c.get_arguments()
                    .find(|a| a.get_id() == id)
                    .unwrap_or_else(|| panic!("{} has no {id}", c.get_name()))
                    .clone()
            };
            let (a, b) = (arg(&ci), arg(&scan));
            assert_eq!(a.get_long(), b.get_long(), "{id}");
            assert_eq!(a.get_visible_aliases(), b.get_visible_aliases(), "{id}");
            assert_eq!(a.get_all_aliases(), b.get_all_aliases(), "{id}");
            assert_eq!(a.get_value_names(), b.get_value_names(), "{id}");
            assert_eq!(a.get_default_values(), b.get_default_values(), "{id}");
            let help = b.get_help().map(ToString::to_string).unwrap_or_default();
            if id == "ci_config" {
                assert_eq!(a.get_help().map(ToString::to_string), Some(help));
            } else {
                assert!(
                    help.starts_with("Fail an image") || help.contains("an image's own"),
                    "{id}: {help}"
                );
            }
        }
    }

    #[test]
    fn every_shell_gets_a_script_naming_every_subcommand() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
            CompletionShell::Powershell,
            CompletionShell::Elvish,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            for word in ["ci", "diff", "explore", "completions", "lowest-efficiency"] {
                assert!(text.contains(word), "{shell:?} lacks {word}");
            }
        }
    }

    #[test]
    fn the_man_page_is_roff_with_every_command() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "{}", &text[..80]);
        for word in [
            ".TH plummet 1",
            ".TH plummet-ci 1",
            ".TH plummet-diff 1",
            "lowest\\-efficiency",
        ] {
            assert!(text.contains(word), "no {word}");
        }
    }
}
