//! A one-line description of a binary file's type from its first bytes (as `file` would say it,
//! for the common kinds in images), and the hex dump lines the viewer shows.

use std::fmt::Write as _;

/// What the first bytes say the file is.
pub fn describe(head: &[u8]) -> String {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\x7fELF") {
        return elf(head);
    }
    let name = if starts(&[0x1f, 0x8b]) {
        "gzip compressed data"
    } else if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "zstd compressed data"
    } else if starts(b"\xfd7zXZ\0") {
        "xz compressed data"
    } else if starts(b"BZh") {
        "bzip2 compressed data"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "PNG image"
    } else if starts(&[0xff, 0xd8, 0xff]) {
        "JPEG image"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "GIF image"
    } else if starts(b"PK\x03\x04") {
        "Zip archive (or jar, wheel, apk)"
    } else if starts(b"%PDF-") {
        "PDF document"
    } else if starts(b"SQLite format 3\0") {
        "SQLite 3 database"
    } else if starts(b"\0asm") {
        "WebAssembly module"
    } else if starts(&[0xca, 0xfe, 0xba, 0xbe]) {
        "Java class file (or Mach-O universal binary)"
    } else if starts(b"!<arch>\n") {
        "ar archive (static library or .deb)"
    } else if head.get(257..262) == Some(b"ustar") {
        "tar archive"
    } else if starts(b"#!") {
        "script with a #! line and binary bytes"
    } else {
        "binary data"
    };
    name.to_string()
}

fn elf(head: &[u8]) -> String {
    let class = match head.get(4) {
        Some(1) => "32-bit",
        Some(2) => "64-bit",
        _ => "?-bit",
    };
    let little = head.get(5) == Some(&1);
    let half = |at: usize| {
        let b = head.get(at..at + 2)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let kind = match half(16) {
        Some(1) => "relocatable",
        Some(2) => "executable",
        Some(3) => "shared object or PIE executable",
        Some(4) => "core file",
        _ => "file",
    };
    let machine = match half(18) {
        Some(3) => "x86",
        Some(0x3e) => "x86-64",
        Some(0x28) => "ARM",
        Some(0xb7) => "AArch64",
        Some(0xf3) => "RISC-V",
        Some(0x15) => "PowerPC64",
        Some(0x16) => "S/390",
        _ => "unknown machine",
    };
    let order = if little { "LSB" } else { "MSB" };
    format!("ELF {class} {order} {kind}, {machine}")
}

/// `offset  hex bytes  |ascii|`, 16 bytes a line.
pub fn hex_lines(bytes: &[u8]) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let mut line = format!("{:08x} ", i * 16);
            for j in 0..16 {
                if j == 8 {
                    line.push(' ');
                }
                match chunk.get(j) {
                    Some(b) => {
                        let _ = write!(line, " {b:02x}");
                    }
                    None => line.push_str("   "),
                }
            }
            line.push_str("  |");
            line.extend(chunk.iter().map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            }));
            line.push('|');
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_common_kinds() {
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(20, 0);
        elf[16] = 3;
        elf[18] = 0x3e;
        assert_eq!(
            describe(&elf),
            "ELF 64-bit LSB shared object or PIE executable, x86-64"
        );
        assert_eq!(describe(&[0x1f, 0x8b, 8]), "gzip compressed data");
        assert_eq!(describe(b"\x89PNG\r\n\x1a\n...."), "PNG image");
        assert_eq!(describe(b"\x00\x01"), "binary data");
    }

    #[test]
    fn hex_lines_show_offsets_bytes_and_printable_text() {
        let lines = hex_lines(b"ELF\x00abcdefghijklmnopq");
        assert_eq!(
            lines,
            vec![
                "00000000  45 4c 46 00 61 62 63 64  65 66 67 68 69 6a 6b 6c  |ELF.abcdefghijkl|",
                "00000010  6d 6e 6f 70 71                                    |mnopq|",
            ]
        );
    }
}
