//! Image specifications: the declarative description that every writer and the oracle read.

/// Where the bytes of a regular file come from. Every variant is a pure function of its
/// parameters, so an image regenerates byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Incompressible pseudo-random bytes from a seed.
    Random(u64),
    /// Compressible, text-like pseudo-random words from a seed.
    Text(u64),
    /// All zero bytes.
    Zeros,
    /// Exactly these bytes; padded with zeros or cut to the entry's size.
    Bytes(Vec<u8>),
}

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    Plain,
    Gzip,
    Zstd,
}

/// How names longer than 100 bytes are written into a layer tar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LongNameFormat {
    /// A PAX extended header with a `path` (and `linkpath`) record, ustar headers.
    #[default]
    Pax,
    /// A GNU `././@LongLink` entry (type `L` or `K`), GNU headers.
    Gnu,
}

/// One step of a layer. Paths are absolute byte strings (`b"/app/x"`); they are cleaned
/// before use, so `//app/./x` is the same path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Dir {
        path: Vec<u8>,
        mode: u32,
        uid: u64,
        gid: u64,
    },
    File {
        path: Vec<u8>,
        size: u64,
        mode: u32,
        uid: u64,
        gid: u64,
        content: Content,
    },
    Symlink {
        path: Vec<u8>,
        target: Vec<u8>,
    },
    /// A hard link to `target`, an absolute path earlier in the same layer or below.
    Hardlink {
        path: Vec<u8>,
        target: Vec<u8>,
    },
    /// Writes `dir/.wh.name`, deleting `path` from the layers below.
    Whiteout {
        path: Vec<u8>,
    },
    /// Writes `dir/.wh..wh..opq`, hiding everything below `dir` in the layers below.
    Opaque {
        dir: Vec<u8>,
    },
}

impl Op {
    pub fn dir(path: impl AsRef<[u8]>) -> Op {
        Op::Dir {
            path: path.as_ref().to_vec(),
            mode: 0o755,
            uid: 0,
            gid: 0,
        }
    }

    pub fn file(path: impl AsRef<[u8]>, size: u64, content: Content) -> Op {
        Op::File {
            path: path.as_ref().to_vec(),
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            content,
        }
    }

    /// A file of `size` random bytes; the seed is derived from the path so that
    /// two files of the same size still differ.
    pub fn random(path: impl AsRef<[u8]>, size: u64) -> Op {
        let seed = seed_of(path.as_ref());
        Op::file(path, size, Content::Random(seed))
    }

    /// A file of `size` text-like bytes, seeded from the path.
    pub fn text(path: impl AsRef<[u8]>, size: u64) -> Op {
        let seed = seed_of(path.as_ref());
        Op::file(path, size, Content::Text(seed))
    }

    /// A file holding exactly `bytes`.
    pub fn bytes(path: impl AsRef<[u8]>, bytes: impl AsRef<[u8]>) -> Op {
        let bytes = bytes.as_ref().to_vec();
        Op::file(path, bytes.len() as u64, Content::Bytes(bytes))
    }

    pub fn symlink(path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Op {
        Op::Symlink {
            path: path.as_ref().to_vec(),
            target: target.as_ref().to_vec(),
        }
    }

    pub fn hardlink(path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Op {
        Op::Hardlink {
            path: path.as_ref().to_vec(),
            target: target.as_ref().to_vec(),
        }
    }

    pub fn whiteout(path: impl AsRef<[u8]>) -> Op {
        Op::Whiteout {
            path: path.as_ref().to_vec(),
        }
    }

    pub fn opaque(dir: impl AsRef<[u8]>) -> Op {
        Op::Opaque {
            dir: dir.as_ref().to_vec(),
        }
    }

    /// Sets the permission bits of a file or directory; other ops are returned unchanged.
    #[must_use]
    pub fn mode(mut self, new: u32) -> Op {
        if let Op::Dir { mode, .. } | Op::File { mode, .. } = &mut self {
            *mode = new;
        }
        self
    }

    /// Sets the owner of a file or directory; other ops are returned unchanged.
    #[must_use]
    pub fn owner(mut self, new_uid: u64, new_gid: u64) -> Op {
        if let Op::Dir { uid, gid, .. } | Op::File { uid, gid, .. } = &mut self {
            *uid = new_uid;
            *gid = new_gid;
        }
        self
    }
}

/// A stable 64-bit seed from a path (FNV-1a), so content depends only on the spec.
pub fn seed_of(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// One layer: its ops and how its tar is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerSpec {
    pub ops: Vec<Op>,
    pub compression: Compression,
    /// False omits the two 512-byte zero blocks at the end, as umoci 0.4.7 does.
    pub trailer: bool,
    pub long_name_format: LongNameFormat,
    /// True writes a directory entry for every parent not yet written in this layer, as
    /// docker and buildkit do; false writes exactly the listed ops.
    pub auto_parents: bool,
}

impl LayerSpec {
    pub fn new(ops: Vec<Op>) -> LayerSpec {
        LayerSpec {
            ops,
            compression: Compression::Plain,
            trailer: true,
            long_name_format: LongNameFormat::Pax,
            auto_parents: true,
        }
    }

    #[must_use]
    pub fn compression(mut self, compression: Compression) -> LayerSpec {
        self.compression = compression;
        self
    }

    #[must_use]
    pub fn without_trailer(mut self) -> LayerSpec {
        self.trailer = false;
        self
    }

    #[must_use]
    pub fn long_names(mut self, format: LongNameFormat) -> LayerSpec {
        self.long_name_format = format;
        self
    }

    #[must_use]
    pub fn without_auto_parents(mut self) -> LayerSpec {
        self.auto_parents = false;
        self
    }
}

/// One entry of the config's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistorySpec {
    pub created_by: String,
    pub empty_layer: bool,
}

/// The parts of the image config that matter to plummet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSpec {
    pub user: Option<String>,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// Each entry that is not `empty_layer` belongs to the next layer, in order. Empty means
    /// one synthesized `COPY` entry per layer.
    pub history: Vec<HistorySpec>,
}

impl Default for ConfigSpec {
    fn default() -> ConfigSpec {
        ConfigSpec {
            user: None,
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
            history: Vec::new(),
        }
    }
}

/// A whole image: reference, config and layers (bottom first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSpec {
    pub name: String,
    pub tag: String,
    pub config: ConfigSpec,
    pub layers: Vec<LayerSpec>,
}

impl ImageSpec {
    pub fn new(name: &str, layers: Vec<LayerSpec>) -> ImageSpec {
        ImageSpec {
            name: name.into(),
            tag: "latest".into(),
            config: ConfigSpec::default(),
            layers,
        }
    }

    #[must_use]
    pub fn user(mut self, user: &str) -> ImageSpec {
        self.config.user = Some(user.into());
        self
    }

    #[must_use]
    pub fn history(mut self, history: &[(&str, bool)]) -> ImageSpec {
        self.config.history = history
            .iter()
            .map(|(created_by, empty_layer)| HistorySpec {
                created_by: (*created_by).into(),
                empty_layer: *empty_layer,
            })
            .collect();
        self
    }

    /// The same image with every layer compressed as `compression`.
    #[must_use]
    pub fn compressed(mut self, compression: Compression) -> ImageSpec {
        self.layers
            .iter_mut()
            .for_each(|l| l.compression = compression);
        self
    }

    /// `name:tag`, as it appears in `RepoTags`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.name, self.tag)
    }

    /// The history as written: the given one, or one entry per layer when none was given.
    pub fn effective_history(&self) -> Vec<HistorySpec> {
        if !self.config.history.is_empty() {
            return self.config.history.clone();
        }
        (0..self.layers.len())
            .map(|i| HistorySpec {
                created_by: format!("COPY layer{i} / # buildkit"),
                empty_layer: false,
            })
            .collect()
    }
}
