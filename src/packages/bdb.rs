//! A read-only reader of a Berkeley DB hash database held in memory: just enough of the on-disk
//! format (Berkeley DB 4.x/5.x, `dbinc/db_page.h`) to read rpm's `Packages` file, where each
//! value is one package's header blob. The file is a metadata page, then pages of one size:
//! hash pages hold key/value items, and a value larger than a quarter page lives on a chain of
//! overflow pages. The bytes are hostile: every offset is checked, every chain is bounded by the
//! page count, the bytes read are bounded by the file's size, and a malformed file is an error,
//! never a panic.

use super::sqlite::Malformed;

type Result<T> = std::result::Result<T, Malformed>;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const QUEUE_MAGIC: u32 = 0x0004_2253;

/// Page types (`P_*` in db_page.h).
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

/// Hash item types (`H_*`): a value stored in the page, or on overflow pages.
const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;

/// The page header every page starts with; a checksummed database (`DBMETA_CHKSUM`) follows it
/// with 2 bytes of padding and a 4-byte checksum before the item offsets.
const PAGE_HEADER: usize = 26;
const CHKSUM_HEADER: usize = 32;
const DBMETA_CHKSUM: u8 = 0x01;

/// One database file and its byte order (the writer's: rpm wrote in the machine's own).
struct Database<'a> {
    file: &'a [u8],
    page_size: usize,
    /// Where a page's item offsets (or an overflow page's data) begin.
    overhead: usize,
    big_endian: bool,
    /// Pages 0..=last exist.
    last: u32,
}

impl<'a> Database<'a> {
    fn open(file: &'a [u8]) -> Result<Database<'a>> {
        let meta = file
            .get(..512)
            .ok_or(Malformed("shorter than a Berkeley DB metadata page"))?;
        let magic = |b: [u8; 4]| (u32::from_le_bytes(b), u32::from_be_bytes(b));
        let (le, be) = magic([meta[12], meta[13], meta[14], meta[15]]);
        let big_endian = match (le, be) {
            (HASH_MAGIC, _) => false,
            (_, HASH_MAGIC) => true,
            (BTREE_MAGIC | QUEUE_MAGIC, _) | (_, BTREE_MAGIC | QUEUE_MAGIC) => {
                return Err(Malformed("a Berkeley DB database but not a hash one"));
            }
            _ => return Err(Malformed("not a Berkeley DB hash database")),
        };
        let mut db = Database {
            file,
            page_size: 512,
            overhead: PAGE_HEADER,
            big_endian,
            last: 0,
        };
        db.page_size = match db.u32(meta, 20)? {
            n @ 512..=65536 if n.is_power_of_two() => n as usize,
            _ => return Err(Malformed("bad page size")),
        };
        if meta[24] != 0 {
            return Err(Malformed("encrypted Berkeley DB database"));
        }
        if meta[25] != P_HASHMETA {
            return Err(Malformed("bad metadata page type"));
        }
        if meta[26] & DBMETA_CHKSUM != 0 {
            db.overhead = CHKSUM_HEADER;
        }
        db.last = db.u32(meta, 32)?;
        let pages = file.len() / db.page_size;
        if db.last as usize >= pages {
            return Err(Malformed("truncated: the file ends before its last page"));
        }
        Ok(db)
    }

    fn u16(&self, b: &[u8], at: usize) -> Result<usize> {
        let s = b.get(at..at + 2).ok_or(Malformed("truncated page"))?;
        let v = [s[0], s[1]];
        Ok(usize::from(if self.big_endian {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        }))
    }

    fn u32(&self, b: &[u8], at: usize) -> Result<u32> {
        let s = b.get(at..at + 4).ok_or(Malformed("truncated page"))?;
        let v = [s[0], s[1], s[2], s[3]];
        Ok(if self.big_endian {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        })
    }

    /// Page `n`, which [`Database::open`] checked exists when `n <= last`.
    fn page(&self, n: u32) -> Result<&'a [u8]> {
        if n == 0 || n > self.last {
            return Err(Malformed("page number out of range"));
        }
        let start = n as usize * self.page_size;
        self.file
            .get(start..start + self.page_size)
            .ok_or(Malformed("page beyond the end of the file"))
    }

    /// Calls `each` with every value of every hash page, in page order. Pages of other kinds
    /// (overflow, free) are skipped: a freed page is retyped, so no deleted value is seen.
    fn values(&self, mut each: impl FnMut(&[u8])) -> Result<()> {
        // Overflow chains could be shared by hostile items: the bytes assembled are bounded by
        // twice the file's size, so the work is too.
        let mut budget = 2 * self.file.len() + (1 << 20);
        let mut buf = Vec::new();
        for n in 1..=self.last {
            let page = self.page(n)?;
            if !matches!(page[25], P_HASH | P_HASH_UNSORTED) {
                continue;
            }
            let entries = self.u16(page, 20)?;
            if entries % 2 != 0 {
                return Err(Malformed("hash page with an unpaired key"));
            }
            let first_item = self.overhead + 2 * entries;
            if first_item > self.page_size {
                return Err(Malformed("hash page with more items than fit"));
            }
            // Items are stored from the end of the page down: item i ends where item i-1 begins.
            let mut end = self.page_size;
            for i in 0..entries {
                let at = self.u16(page, self.overhead + 2 * i)?;
                if at < first_item || at >= end {
                    return Err(Malformed("hash item outside its page"));
                }
                let item = &page[at..end];
                end = at;
                if i % 2 == 1 {
                    let value = self.item(item, &mut buf, &mut budget)?;
                    each(value);
                }
            }
        }
        Ok(())
    }

    /// A value item's bytes: in the page, or gathered from its overflow chain into `buf`.
    fn item<'b>(&self, item: &'b [u8], buf: &'b mut Vec<u8>, budget: &mut usize) -> Result<&'b [u8]>
    where
        'a: 'b,
    {
        match item[0] {
            H_KEYDATA => Ok(&item[1..]),
            H_OFFPAGE => {
                let first = self.u32(item, 4)?;
                let len = self.u32(item, 8)? as usize;
                *budget = budget
                    .checked_sub(len)
                    .ok_or(Malformed("values larger than the database"))?;
                self.overflow(first, len, buf)?;
                Ok(buf.as_slice())
            }
            H_DUPLICATE | H_OFFDUP => {
                Err(Malformed("duplicate values (not an rpm Packages database)"))
            }
            _ => Err(Malformed("unknown hash item type")),
        }
    }

    /// Reads `len` bytes from the overflow chain starting at page `first` into `buf`.
    fn overflow(&self, first: u32, len: usize, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        buf.reserve(len);
        let mut next = first;
        let mut hops = 0u32;
        while buf.len() < len {
            hops += 1;
            if next == 0 || hops > self.last {
                return Err(Malformed("broken overflow chain"));
            }
            let page = self.page(next)?;
            if page[25] != P_OVERFLOW {
                return Err(Malformed("overflow chain through a page of another type"));
            }
            // An overflow page's `hf_offset` field holds how many bytes it carries.
            let here = self.u16(page, 22)?;
            let data = page
                .get(self.overhead..self.overhead + here)
                .ok_or(Malformed("overflow page longer than a page"))?;
            if buf.len() + here > len {
                return Err(Malformed("overflow chain longer than its value"));
            }
            buf.extend_from_slice(data);
            next = self.u32(page, 16)?;
        }
        Ok(())
    }
}

/// Calls `each` with every value of a Berkeley DB hash database.
pub fn values(file: &[u8], each: impl FnMut(&[u8])) -> Result<()> {
    Database::open(file)?.values(each)
}
