//! The locales an image uses: the ones its config's environment selects (`LC_ALL`,
//! `LC_MESSAGES`, `LANG`, `LANGUAGE`), plus C.UTF-8, which is always kept. Compiled locales under
//! `/usr/lib/locale` and translations under `/usr/share/locale` for those are not trimmable.

use crate::image::ImageConfig;
use crate::tree::{NodeId, Paths, ROOT};

#[derive(Debug, Default)]
pub(super) struct InUse {
    /// Normalised locale names (`de_DE.utf8`): language and territory as written, the codeset
    /// lowercased without `-` or `_`, as glibc finds the directory.
    locales: Vec<String>,
    /// Message catalogue directories (`de_DE`, `de`).
    languages: Vec<String>,
    /// As written in the config, for the finding's reason.
    pub names: Vec<String>,
    lib_locale: Option<NodeId>,
    share_locale: Option<NodeId>,
}

/// `de_DE.UTF-8@euro` -> `de_DE.utf8@euro`.
fn normalise(name: &str) -> String {
    let (main, modifier) = name
        .split_once('@')
        .map_or((name, None), |(m, x)| (m, Some(x)));
    let mut out = match main.split_once('.') {
        Some((lang, codeset)) => {
            let codeset: String = codeset
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            format!("{lang}.{codeset}")
        }
        None => main.to_string(),
    };
    if let Some(m) = modifier {
        out.push('@');
        out.push_str(m);
    }
    out
}

fn is_c(name: &str) -> bool {
    let lang = name.split(['.', '@']).next().unwrap_or(name);
    lang == "C" || lang == "POSIX"
}

impl InUse {
    pub fn new(config: &ImageConfig, paths: &Paths) -> InUse {
        let mut in_use = InUse {
            lib_locale: paths.find(b"usr/lib/locale"),
            share_locale: paths.find(b"usr/share/locale"),
            ..InUse::default()
        };
        for var in &config.env {
            let Some((key, value)) = var.split_once('=') else {
                continue;
            };
            let values: Vec<&str> = match key {
                "LC_ALL" | "LC_MESSAGES" | "LANG" => vec![value],
                "LANGUAGE" => value.split(':').collect(),
                _ => continue,
            };
            for v in values.into_iter().filter(|v| !v.is_empty() && !is_c(v)) {
                in_use.names.push(v.to_string());
                in_use.locales.push(normalise(v));
                let lang = v.split(['.', '@']).next().unwrap_or(v);
                in_use.languages.push(lang.to_string());
                if let Some((language, _)) = lang.split_once('_') {
                    in_use.languages.push(language.to_string());
                }
            }
        }
        in_use.names.sort();
        in_use.names.dedup();
        in_use
    }

    /// Whether the locale data at `node` is in use: C.UTF-8, the compiled locale selected, the
    /// archive that may hold it, the translations of its language, and glibc's `locale.alias`.
    pub fn keeps(&self, paths: &Paths, node: NodeId) -> bool {
        let (base, child) = match self.child_of_locale_dir(paths, node) {
            Some(found) => found,
            None => return false,
        };
        let name = String::from_utf8_lossy(paths.name(child));
        if Some(base) == self.lib_locale {
            if name == "locale-archive" {
                return !self.locales.is_empty();
            }
            return is_c(&name) || self.locales.contains(&normalise(&name));
        }
        name == "locale.alias" || self.languages.iter().any(|l| *l == name)
    }

    /// The locale directory (`/usr/lib/locale` or `/usr/share/locale`) above `node`, and the
    /// entry directly in it that `node` is or is under.
    fn child_of_locale_dir(&self, paths: &Paths, node: NodeId) -> Option<(NodeId, NodeId)> {
        let mut cur = node;
        loop {
            let parent = paths.parent(cur)?;
            if Some(parent) == self.lib_locale || Some(parent) == self.share_locale {
                return Some((parent, cur));
            }
            if parent == ROOT {
                return None;
            }
            cur = parent;
        }
    }
}
