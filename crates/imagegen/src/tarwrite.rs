//! Byte-exact tar writing: layer tars (PAX or GNU long names, optional trailer) and the
//! headers of outer archives. Headers are built by hand so every byte is under our control.

use std::io::{self, Write};

use tar::{EntryType, Header};

use crate::content::write_content;
use crate::entries::{Entry, EntryKind, layer_entries};
use crate::spec::{LayerSpec, LongNameFormat};

const BLOCK: u64 = 512;
const NAME_LEN: usize = 100;

/// Writes the tar of `layer` to `w`, streaming file contents.
pub(crate) fn write_layer_tar(layer: &LayerSpec, w: &mut dyn Write) -> io::Result<()> {
    for entry in layer_entries(layer) {
        write_entry(&entry, layer.long_name_format, w)?;
    }
    if layer.trailer {
        write_trailer(w)?;
    }
    Ok(())
}

/// The two zero blocks that end an archive.
pub(crate) fn write_trailer(w: &mut dyn Write) -> io::Result<()> {
    w.write_all(&[0u8; 2 * BLOCK as usize])
}

/// Zero bytes that pad `size` bytes of data to a whole block.
pub(crate) fn write_padding(size: u64, w: &mut dyn Write) -> io::Result<()> {
    let pad = (BLOCK - size % BLOCK) % BLOCK;
    w.write_all(&[0u8; BLOCK as usize][..pad as usize])
}

fn write_entry(entry: &Entry<'_>, format: LongNameFormat, w: &mut dyn Write) -> io::Result<()> {
    let mut name = entry.path[1..].to_vec();
    if entry.kind == EntryKind::Dir {
        name.push(b'/');
    }
    let link: &[u8] = match entry.kind {
        EntryKind::Hardlink => &entry.link[1..],
        _ => &entry.link,
    };
    let long_name = name.len() > NAME_LEN;
    let long_link = link.len() > NAME_LEN;
    match format {
        LongNameFormat::Gnu => {
            if long_link {
                write_gnu_long(EntryType::GNULongLink, link, w)?;
            }
            if long_name {
                write_gnu_long(EntryType::GNULongName, &name, w)?;
            }
        }
        LongNameFormat::Pax if long_name || long_link => {
            let mut records = Vec::new();
            if long_link {
                records.extend(pax_record(b"linkpath", link));
            }
            if long_name {
                records.extend(pax_record(b"path", &name));
            }
            let mut pax_name = b"PaxHeaders.0/".to_vec();
            pax_name.extend_from_slice(crate::entries::split_parent(&entry.path).1);
            let header = header(
                format,
                &pax_name,
                b"",
                EntryType::XHeader,
                records.len() as u64,
                0o644,
            );
            w.write_all(header.as_bytes())?;
            w.write_all(&records)?;
            write_padding(records.len() as u64, w)?;
        }
        LongNameFormat::Pax => {}
    }
    let kind = match entry.kind {
        EntryKind::Dir => EntryType::Directory,
        EntryKind::File => EntryType::Regular,
        EntryKind::Symlink => EntryType::Symlink,
        EntryKind::Hardlink => EntryType::Link,
    };
    let mut h = header(format, &name, link, kind, entry.size, entry.mode);
    h.set_uid(entry.uid);
    h.set_gid(entry.gid);
    h.set_cksum();
    w.write_all(h.as_bytes())?;
    if let Some(content) = entry.content {
        write_content(content, entry.size, w)?;
        write_padding(entry.size, w)?;
    }
    Ok(())
}

fn write_gnu_long(kind: EntryType, value: &[u8], w: &mut dyn Write) -> io::Result<()> {
    let mut data = value.to_vec();
    data.push(0);
    let header = header(
        LongNameFormat::Gnu,
        b"././@LongLink",
        b"",
        kind,
        data.len() as u64,
        0o644,
    );
    w.write_all(header.as_bytes())?;
    w.write_all(&data)?;
    write_padding(data.len() as u64, w)
}

/// One PAX record: `"<len> <key>=<value>\n"`, where `len` counts the whole record.
fn pax_record(key: &[u8], value: &[u8]) -> Vec<u8> {
    let rest = 1 + key.len() + 1 + value.len() + 1;
    let mut len = rest + 1;
    while len != rest + len.to_string().len() {
        len = rest + len.to_string().len();
    }
    let mut out = format!("{len} ").into_bytes();
    out.extend_from_slice(key);
    out.push(b'=');
    out.extend_from_slice(value);
    out.push(b'\n');
    out
}

/// A header with fixed mtime and owner; names longer than a field are cut, as the long-name
/// entry before it carries the full value.
pub(crate) fn header(
    format: LongNameFormat,
    name: &[u8],
    link: &[u8],
    kind: EntryType,
    size: u64,
    mode: u32,
) -> Header {
    let mut h = match format {
        LongNameFormat::Pax => Header::new_ustar(),
        LongNameFormat::Gnu => Header::new_gnu(),
    };
    let old = h.as_old_mut();
    let n = name.len().min(NAME_LEN);
    old.name[..n].copy_from_slice(&name[..n]);
    let n = link.len().min(NAME_LEN);
    old.linkname[..n].copy_from_slice(&link[..n]);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_cksum();
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_itself() {
        let r = pax_record(b"path", b"x");
        assert_eq!(r, b"9 path=x\n");
        let long = vec![b'a'; 95];
        let r = pax_record(b"path", &long);
        assert_eq!(r.len().to_string(), String::from_utf8_lossy(&r[..3]));
    }
}
