//! apk's database, `lib/apk/db/installed`: one block per package separated by a blank line,
//! single-letter fields (`P:` name, `V:` version, `F:` a directory, `R:` a file in the last
//! `F:` directory), as documented in the apk-tools "Apk spec" (wiki.alpinelinux.org/wiki/Apk_spec).

use super::Record;

pub fn parse_installed(text: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    for block in text
        .split(|&b| b == b'\n')
        .collect::<Vec<_>>()
        .split(|l| l.is_empty())
    {
        let mut record = Record::default();
        let mut dir: &[u8] = b"";
        for line in block {
            let (Some(&key), Some(b':')) = (line.first(), line.get(1).copied()) else {
                continue;
            };
            let value = &line[2..];
            match key {
                b'P' => record.name = String::from_utf8_lossy(value).into_owned(),
                b'V' => record.version = String::from_utf8_lossy(value).into_owned(),
                b'F' => dir = value,
                b'D' => record.depends.extend(names(value)),
                b'p' => record.provides.extend(names(value)),
                b'R' => record
                    .files
                    .push(super::join(b"/", &[dir, b"/", value].concat())),
                _ => {}
            }
        }
        if !record.name.is_empty() {
            out.push(record);
        }
    }
    out
}

/// The names of a `D:` or `p:` line: space-separated, each maybe with a version constraint
/// (`so:libc.musl-x86_64.so.1`, `cmd:gcc=13.2.1-r0`, `python3>=3.11`); conflicts (`!name`)
/// are not needs.
fn names(value: &[u8]) -> impl Iterator<Item = String> + '_ {
    value
        .split(|&b| b == b' ')
        .filter(|n| !n.is_empty() && !n.starts_with(b"!"))
        .map(|n| {
            let end = n
                .iter()
                .position(|b| matches!(b, b'<' | b'>' | b'=' | b'~'))
                .unwrap_or(n.len());
            String::from_utf8_lossy(&n[..end]).into_owned()
        })
}
