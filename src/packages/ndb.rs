//! A read-only reader of rpm's own "ndb" package database, `Packages.db` (openSUSE, SLE 15),
//! held in memory: the layout of rpm's `lib/backend/ndb/rpmpkg.c`. All integers are
//! little-endian. A 32-byte header (`RpmP`, version 0, generation, slot page count) taking the
//! first two slots of the slot pages, 4 KiB each, of 16-byte slots (`Slot`, package index, block
//! offset, block count), then blobs in 16-byte blocks: a head (`BlbS`, package index,
//! generation, length), the header blob, padding, and a tail (Adler-32 of everything before it,
//! length, `BlbE`). The bytes are hostile: every offset is checked, the bytes checked and handed
//! out are bounded by the file's size, and a malformed file is an error, never a panic.

use super::sqlite::Malformed;

type Result<T> = std::result::Result<T, Malformed>;

const HEADER_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_MAGIC: &[u8; 4] = b"BlbS";
const TAIL_MAGIC: &[u8; 4] = b"BlbE";
const SLOT_PAGE: usize = 4096;
const SLOT: usize = 16;
const BLOCK: usize = 16;
const HEAD: usize = 16;
const TAIL: usize = 12;

fn le32(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or(Malformed("truncated ndb file"))
}

/// Calls `each` with the blob of every used slot, in slot order.
pub fn values(file: &[u8], mut each: impl FnMut(&[u8])) -> Result<()> {
    if file.get(..4) != Some(HEADER_MAGIC) {
        return Err(Malformed("not an rpm ndb database"));
    }
    if le32(file, 4)? != 0 {
        return Err(Malformed("unknown ndb version"));
    }
    let pages = le32(file, 12)? as usize;
    let slots_end = pages
        .checked_mul(SLOT_PAGE)
        .filter(|&end| end != 0 && end <= file.len())
        .ok_or(Malformed("truncated: the file ends before its slot pages"))?;
    // Slots could name one blob many times: the bytes checked are bounded by the file's size.
    let mut budget = 2 * file.len() + (1 << 20);
    for at in (2 * SLOT..slots_end).step_by(SLOT) {
        if &file[at..at + 4] != SLOT_MAGIC {
            return Err(Malformed("bad slot"));
        }
        let index = le32(file, at + 4)?;
        if index == 0 {
            continue;
        }
        let start = le32(file, at + 8)? as usize * BLOCK;
        let len = le32(file, at + 12)? as usize * BLOCK;
        if start < slots_end || len < HEAD + TAIL {
            return Err(Malformed("slot points outside the blob area"));
        }
        let block = file
            .get(start..start.saturating_add(len))
            .ok_or(Malformed("truncated: a blob beyond the end of the file"))?;
        budget = budget
            .checked_sub(block.len())
            .ok_or(Malformed("blobs larger than the database"))?;
        each(blob(block, index)?);
    }
    Ok(())
}

/// The header blob of one package's blocks, after its head, tail and checksum are checked.
fn blob(block: &[u8], index: u32) -> Result<&[u8]> {
    if &block[..4] != BLOB_MAGIC || le32(block, 4)? != index {
        return Err(Malformed("slot and blob disagree"));
    }
    let len = le32(block, 12)? as usize;
    let tail = block.len() - TAIL;
    if HEAD + len > tail {
        return Err(Malformed("blob longer than its blocks"));
    }
    if &block[tail + 8..] != TAIL_MAGIC || le32(block, tail + 4)? as usize != len {
        return Err(Malformed("blob without its tail"));
    }
    if le32(block, tail)? != adler32(&block[..tail]) {
        return Err(Malformed("blob checksum mismatch"));
    }
    Ok(&block[HEAD..HEAD + len])
}

/// Adler-32 (RFC 1950), as rpm checks each blob with.
pub(super) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before b could overflow a u32.
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}
