//! Writing a `.tar.gz` as it is produced, to a file or to an HTTP body,
//! holding at most one chunk of compressed output in memory.
//!
//! A tar header carries the size of its file, which a table read in pages
//! does not know until the last page: each JSON Lines file is therefore
//! spooled to an anonymous temporary file first (disk, not memory), with
//! its size and checksum counted on the way, then copied into the archive.

use std::io::{self, Write as _};

use axum::body::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;

/// Compressed bytes are passed on in chunks of about this size.
const CHUNK: usize = 64 * 1024;
const BLOCK: usize = 512;

/// Where the archive goes.
pub enum Output {
    File(tokio::fs::File),
    /// An HTTP response body; a dropped receiver (the download was
    /// cancelled) ends the export with an error.
    Channel(mpsc::Sender<io::Result<Bytes>>),
}

impl Output {
    async fn send(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        match self {
            Output::File(file) => file.write_all(&bytes).await,
            Output::Channel(sender) => sender.send(Ok(Bytes::from(bytes))).await.map_err(|_| {
                io::Error::new(io::ErrorKind::BrokenPipe, "the download was cancelled")
            }),
        }
    }

    async fn finish(&mut self) -> io::Result<()> {
        match self {
            Output::File(file) => {
                file.flush().await?;
                file.sync_all().await
            }
            Output::Channel(_) => Ok(()),
        }
    }
}

pub struct TarGz {
    gz: GzEncoder<Vec<u8>>,
    out: Output,
}

impl TarGz {
    pub fn new(out: Output) -> Self {
        TarGz {
            gz: GzEncoder::new(Vec::with_capacity(2 * CHUNK), Compression::default()),
            out,
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.gz.write_all(bytes)?;
        if self.gz.get_ref().len() >= CHUNK {
            let ready = std::mem::take(self.gz.get_mut());
            self.out.send(ready).await?;
        }
        Ok(())
    }

    async fn header(&mut self, path: &str, size: u64) -> io::Result<()> {
        let mut header = tar::Header::new_ustar();
        header.set_path(path)?;
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        self.write(header.as_bytes()).await
    }

    async fn pad(&mut self, size: u64) -> io::Result<()> {
        let rest = (BLOCK - (size % BLOCK as u64) as usize) % BLOCK;
        self.write(&[0; BLOCK][..rest]).await
    }

    /// A small file held in memory (an attachment, the manifest).
    pub async fn append(&mut self, path: &str, content: &[u8]) -> io::Result<()> {
        self.header(path, content.len() as u64).await?;
        self.write(content).await?;
        self.pad(content.len() as u64).await
    }

    /// A spooled file, copied in chunks.
    pub async fn append_spooled(&mut self, path: &str, spool: Spool) -> io::Result<()> {
        let size = spool.bytes;
        let mut file = spool.file.into_inner();
        file.seek(io::SeekFrom::Start(0)).await?;
        self.header(path, size).await?;
        let mut buffer = vec![0; CHUNK];
        let mut left = size;
        while left > 0 {
            let n = file.read(&mut buffer).await?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the spooled {path} is shorter than written"),
                ));
            }
            let n = n.min(left as usize);
            self.write(&buffer[..n]).await?;
            left -= n as u64;
        }
        self.pad(size).await
    }

    /// The end-of-archive blocks, the gzip trailer, and everything sent.
    pub async fn finish(mut self) -> io::Result<()> {
        self.write(&[0; 2 * BLOCK]).await?;
        let rest = self.gz.finish()?;
        self.out.send(rest).await?;
        self.out.finish().await
    }
}

/// A JSON Lines file being written to a temporary file.
pub struct Spool {
    file: BufWriter<tokio::fs::File>,
    hasher: Sha256,
    pub bytes: u64,
    pub rows: u64,
}

impl Spool {
    pub fn new() -> io::Result<Self> {
        let file = tokio::fs::File::from_std(tempfile::tempfile()?);
        Ok(Spool {
            file: BufWriter::new(file),
            hasher: Sha256::new(),
            bytes: 0,
            rows: 0,
        })
    }

    /// One line: `line` is a JSON object without its newline.
    pub async fn line(&mut self, line: &[u8]) -> io::Result<()> {
        self.put(line).await?;
        self.put(b"\n").await?;
        self.rows += 1;
        Ok(())
    }

    async fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        self.file.write_all(bytes).await
    }

    /// The content's hex SHA-256; the spool is ready to be appended.
    pub async fn seal(&mut self) -> io::Result<String> {
        self.file.flush().await?;
        Ok(hex(&std::mem::take(&mut self.hasher).finalize()))
    }
}

pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
