//! A mistyped subcommand (`plummet dif a b`, `plummet cii img`) is caught and named, instead of
//! being taken for an image and looked up on Docker Hub.
//!
//! The rule: the first word is not a subcommand but within one edit of one (two for names of
//! five letters or more), it is a bare name (no tag, digest, registry, path separator or dot,
//! which a reference or a file would have), and no file of that name exists. An image whose name
//! is that close to a subcommand is still read when written with its tag (`cli:latest`).

use std::path::Path;

/// The subcommands a word is compared with.
const COMMANDS: &[&str] = &["ci", "diff", "explore", "completions", "man"];

/// The subcommand `word` is most likely a typo of, if the rule above says it is one.
pub fn mistyped_command(word: &str) -> Option<&'static str> {
    if word.is_empty()
        || COMMANDS.contains(&word)
        || word.contains(['/', ':', '@', '.', '\\'])
        || !word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || Path::new(word).exists()
    {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    COMMANDS
        .iter()
        .map(|c| (distance(&lower, c), *c))
        .filter(|(d, c)| *d <= if c.len() >= 5 { 2 } else { 1 })
        .min()
        .map(|(_, c)| c)
}

/// The error for a mistyped subcommand.
pub fn message(word: &str, command: &str) -> String {
    format!(
        "`{word}` is not a command: did you mean `plummet {command}`? (to read an image named {word}, give its tag: {word}:latest)"
    )
}

/// Levenshtein distance over bytes (the words compared are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_of_commands_are_caught() {
        assert_eq!(mistyped_command("dif"), Some("diff"));
        assert_eq!(
            mistyped_command("dfif"),
            None,
            "two edits from a short name"
        );
        assert_eq!(mistyped_command("cii"), Some("ci"));
        assert_eq!(mistyped_command("CI"), Some("ci"));
        assert_eq!(mistyped_command("explroe"), Some("explore"));
        assert_eq!(mistyped_command("completion"), Some("completions"));
        assert_eq!(mistyped_command("mna"), None);
        assert_eq!(mistyped_command("mann"), Some("man"));
    }

    #[test]
    fn references_files_and_far_words_are_images() {
        for word in [
            "alpine",
            "nginx",
            "diff:latest",
            "library/diff",
            "ci.tar",
            "docker://dif",
            "diff",
            "",
        ] {
            assert_eq!(mistyped_command(word), None, "{word}");
        }
    }

    #[test]
    fn the_message_says_how_to_read_an_image_of_that_name() {
        assert_eq!(
            message("dif", "diff"),
            "`dif` is not a command: did you mean `plummet diff`? (to read an image named dif, give its tag: dif:latest)"
        );
    }
}
