//! A tar writer that writes exactly the bytes it is told: names with `..` or a leading `/`,
//! sizes that lie, sparse and PAX headers the `tar` crate's builder refuses to produce.
#![allow(dead_code, reason = "each test binary uses a different part")]

/// One layer tar assembled header by header.
#[derive(Default)]
pub struct RawTar {
    out: Vec<u8>,
}

fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
}

/// GNU base-256 number: for values octal cannot hold.
fn base256(field: &mut [u8; 12], value: u64) {
    *field = [0; 12];
    field[0] = 0x80;
    field[4..].copy_from_slice(&value.to_be_bytes());
}

impl RawTar {
    pub fn new() -> RawTar {
        RawTar::default()
    }

    fn header(name: &[u8], kind: u8, size: u64, link: &[u8]) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::new(kind));
        octal(&mut h.as_gnu_mut().unwrap().size, size);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name);
        gnu.linkname[..link.len()].copy_from_slice(link);
        h
    }

    fn push(&mut self, mut h: tar::Header, data: &[u8]) {
        h.set_cksum();
        self.out.extend_from_slice(h.as_bytes());
        self.out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.out.resize(self.out.len() + pad, 0);
    }

    /// A regular file whose name is written verbatim (at most 100 bytes).
    pub fn file(mut self, name: &[u8], data: &[u8]) -> RawTar {
        let h = Self::header(name, b'0', data.len() as u64, b"");
        self.push(h, data);
        self
    }

    pub fn dir(mut self, name: &[u8]) -> RawTar {
        let h = Self::header(name, b'5', 0, b"");
        self.push(h, b"");
        self
    }

    pub fn symlink(mut self, name: &[u8], target: &[u8]) -> RawTar {
        let h = Self::header(name, b'2', 0, target);
        self.push(h, b"");
        self
    }

    pub fn hardlink(mut self, name: &[u8], target: &[u8]) -> RawTar {
        let h = Self::header(name, b'1', 0, target);
        self.push(h, b"");
        self
    }

    /// A file header that claims `size` bytes but is followed by only `data`.
    pub fn lying_file(mut self, name: &[u8], size: u64, data: &[u8]) -> RawTar {
        let mut h = Self::header(name, b'0', size, b"");
        h.set_cksum();
        self.out.extend_from_slice(h.as_bytes());
        self.out.extend_from_slice(data);
        self
    }

    /// A GNU sparse file storing no data but claiming `real_size` bytes.
    pub fn sparse(mut self, name: &[u8], real_size: u64) -> RawTar {
        let mut h = Self::header(name, b'S', 0, b"");
        let gnu = h.as_gnu_mut().unwrap();
        base256(&mut gnu.realsize, real_size);
        // One block at the end of the file, of length 0 (written as octal "0", so not empty).
        base256(&mut gnu.sparse[0].offset, real_size);
        octal(&mut gnu.sparse[0].numbytes, 0);
        self.push(h, b"");
        self
    }

    /// A PAX extended header of `len` bytes (the parser keeps it whole), then a small file.
    pub fn pax_bomb(mut self, len: usize) -> RawTar {
        let h = Self::header(b"PaxHeaders/f", b'x', len as u64, b"");
        self.push(h, &vec![b'x'; len]);
        self.file(b"f", b"data")
    }

    /// A GNU long-name record (`././@LongLink`, type `L`) of `len` bytes, then a small file.
    pub fn long_name(mut self, len: usize) -> RawTar {
        let name = vec![b'n'; len];
        let h = Self::header(b"././@LongLink", b'L', name.len() as u64, b"");
        self.push(h, &name);
        self.file(b"placeholder", b"data")
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&[0; 1024]);
        self.out
    }

    /// The bytes written so far, without the end-of-archive blocks.
    pub fn unterminated(self) -> Vec<u8> {
        self.out
    }
}
