//! The S3-compatible backend (`MEDIA_S3_BUCKET`): AWS S3, MinIO, Aliyun OSS, Tencent COS, …
//! Each key is stored as `{MEDIA_S3_PREFIX}/{key}` in the bucket.

use super::storage::{Storage, check_key};
use crate::config::S3Config;
use futures_util::future::BoxFuture;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStoreExt, RetryConfig};
use secrecy::ExposeSecret;
use std::time::Duration;

/// Pictures in one bucket, under an optional prefix.
pub struct ObjectStoreBucket {
    store: AmazonS3,
    prefix: Option<String>,
}

impl ObjectStoreBucket {
    /// Builds the client; nothing is sent until the first call. The TLS crypto provider must be
    /// installed before that call ([`crate::init_tls`]).
    pub fn new(config: &S3Config) -> anyhow::Result<ObjectStoreBucket> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret())
            // A request is the user's upload or read: a few quick retries, not minutes of them.
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: Duration::from_secs(10),
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(Duration::from_secs(30))
                    .with_connect_timeout(Duration::from_secs(5)),
            );
        builder = match &config.endpoint {
            // MinIO and most S3-compatible services: `{endpoint}/{bucket}/{key}`.
            Some(endpoint) => builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://")),
            None => builder.with_virtual_hosted_style_request(true),
        };
        Ok(ObjectStoreBucket {
            store: builder.build()?,
            prefix: config.prefix.clone(),
        })
    }

    fn path(&self, key: &str) -> anyhow::Result<Path> {
        check_key(key)?;
        let full = match &self.prefix {
            Some(prefix) => format!("{prefix}/{key}"),
            None => key.to_owned(),
        };
        Ok(Path::parse(full)?)
    }
}

impl Storage for ObjectStoreBucket {
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, anyhow::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            self.store.put(&path?, bytes.into()).await?;
            Ok(())
        })
    }

    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Option<Vec<u8>>>> {
        let path = self.path(key);
        Box::pin(async move {
            match self.store.get(&path?).await {
                Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, anyhow::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            match self.store.delete(&path?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Lists at most one key: the bucket exists and the credentials may read it.
    fn ping(&self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            let opts = PaginatedListOptions {
                max_keys: Some(1),
                ..PaginatedListOptions::default()
            };
            self.store.list_paginated(self.prefix.as_deref(), opts).await?;
            Ok(())
        })
    }

    fn backend(&self) -> &'static str {
        "s3"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn bucket(prefix: Option<&str>) -> ObjectStoreBucket {
        crate::init_tls();
        ObjectStoreBucket::new(&S3Config {
            bucket: "photos".into(),
            endpoint: Some("http://127.0.0.1:9".into()),
            region: "us-east-1".into(),
            access_key_id: "id".into(),
            secret_access_key: SecretString::from("secret"),
            prefix: prefix.map(str::to_owned),
        })
        .unwrap()
    }

    #[test]
    fn keys_go_under_the_prefix_and_bad_keys_are_refused() {
        let under = bucket(Some("prod/pictures"));
        assert_eq!(under.path("o/a.jpg").unwrap().as_ref(), "prod/pictures/o/a.jpg");
        assert_eq!(bucket(None).path("t/a.png").unwrap().as_ref(), "t/a.png");
        for bad in ["", "../x", "o/../../x", "/etc/passwd", "o//a"] {
            assert!(under.path(bad).is_err(), "{bad}");
        }
    }
}
