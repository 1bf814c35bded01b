//! Where picture bytes live: a storage trait (put, get, delete by key) and the local backend
//! under `MEDIA_DIR`; the S3-compatible one is [`crate::media::s3`]. Keys are made by
//! [`crate::media::upload`] only (`o/…`, `t/…`) and checked by [`check_key`] in every backend.

use futures_util::future::BoxFuture;
use std::path::{Path, PathBuf};

/// Bytes by key: the local directory or an S3-compatible bucket.
pub trait Storage: Send + Sync {
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, anyhow::Result<()>>;
    /// `None` when nothing is stored under `key`.
    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Option<Vec<u8>>>>;
    /// Deleting what is not there succeeds.
    fn delete(&self, key: &str) -> BoxFuture<'_, anyhow::Result<()>>;
    /// Whether the store answers (for `/readyz`).
    fn ping(&self) -> BoxFuture<'_, anyhow::Result<()>>;
    /// `local` or `s3`.
    fn backend(&self) -> &'static str;
}

/// A key is `/`-separated non-empty parts, none `.`, `..` or holding a backslash: it cannot
/// leave the directory or the bucket prefix it is stored under.
pub fn check_key(key: &str) -> anyhow::Result<()> {
    let safe = !key.is_empty()
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
    anyhow::ensure!(safe, "bad storage key {key:?}");
    Ok(())
}

/// Files under one directory, created when first written to.
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        LocalDir { root: root.into() }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await?
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

impl Storage for LocalDir {
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, anyhow::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            blocking(move || write_atomically(&path, &bytes)).await
        })
    }

    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Option<Vec<u8>>>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            blocking(move || match std::fs::read(&path) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            })
            .await
        })
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, anyhow::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            blocking(move || match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            })
            .await
        })
    }

    /// The directory is made on the first upload: nothing to reach.
    fn ping(&self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn backend(&self) -> &'static str {
        "local"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn puts_gets_and_deletes_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDir::new(dir.path());
        store.put("o/a.jpg", b"abc".to_vec()).await.unwrap();
        assert_eq!(store.get("o/a.jpg").await.unwrap().as_deref(), Some(&b"abc"[..]));
        store.delete("o/a.jpg").await.unwrap();
        assert_eq!(store.get("o/a.jpg").await.unwrap(), None);
        store.delete("o/a.jpg").await.unwrap();
        for bad in ["", "../x", "o/../../x", "/etc/passwd", "o//a"] {
            assert!(store.put(bad, vec![]).await.is_err(), "{bad}");
        }
    }
}
