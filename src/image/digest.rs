//! Content digests (`sha256:<hex>`, `sha512:<hex>`): parsing, display and streaming computation.

use std::fmt;

use sha2::{Digest as _, Sha256, Sha512};

/// A hash algorithm that may name an OCI blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// A parsed, validated content digest. Stored as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// Why a digest string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("malformed digest {0:?}: expected ALGORITHM:HEX")]
    Malformed(String),
    #[error("unsupported digest algorithm {0:?} (plummet verifies sha256 and sha512)")]
    UnsupportedAlgorithm(String),
}

impl Digest {
    /// Parses `sha256:<64 hex>` or `sha512:<128 hex>`.
    pub fn parse(text: &str) -> Result<Digest, DigestError> {
        let malformed = || DigestError::Malformed(shorten(text));
        let (algo, hex) = text.split_once(':').ok_or_else(malformed)?;
        let algorithm = match algo {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            other if !other.is_empty() => {
                return Err(DigestError::UnsupportedAlgorithm(shorten(other)));
            }
            _ => return Err(malformed()),
        };
        if hex.len() != algorithm.hex_len() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(malformed());
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_ascii_lowercase(),
        })
    }

    /// Builds a sha256 digest from raw hash bytes.
    pub fn sha256_from_bytes(bytes: &[u8]) -> Digest {
        Digest {
            algorithm: Algorithm::Sha256,
            hex: to_hex(bytes),
        }
    }

    /// Computes the sha256 digest of a byte slice.
    pub fn sha256_of(data: &[u8]) -> Digest {
        Digest::sha256_from_bytes(&Sha256::digest(data))
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// `sha256` or `sha512`, as digest sets (in-toto subjects) key it.
    pub fn algorithm_name(&self) -> &'static str {
        self.algorithm.name()
    }

    /// `sha256:ab12cd34ef56` — enough to tell layers apart in messages.
    pub fn short(&self) -> String {
        format!("{}:{}", self.algorithm.name(), &self.hex[..12])
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl std::str::FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

/// Incremental hasher for either supported algorithm.
#[derive(Clone)]
pub enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest {
                algorithm: Algorithm::Sha256,
                hex: to_hex(&h.finalize()),
            },
            Hasher::Sha512(h) => Digest {
                algorithm: Algorithm::Sha512,
                hex: to_hex(&h.finalize()),
            },
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_sha256() {
        let hex = "a".repeat(64);
        let d = Digest::parse(&format!("sha256:{hex}")).unwrap();
        assert_eq!(d.to_string(), format!("sha256:{hex}"));
        assert_eq!(d.short(), "sha256:aaaaaaaaaaaa");
    }

    #[test]
    fn rejects_bad_digests() {
        assert!(matches!(
            Digest::parse("sha256:zz"),
            Err(DigestError::Malformed(_))
        ));
        assert!(matches!(
            Digest::parse("nocolon"),
            Err(DigestError::Malformed(_))
        ));
        assert!(matches!(
            Digest::parse("md5:abcd"),
            Err(DigestError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn hashes_known_value() {
        assert_eq!(
            Digest::sha256_of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
