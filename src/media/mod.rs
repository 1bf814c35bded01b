//! Photos: uploads (`POST /media`, multipart) checked by their bytes, stripped of metadata,
//! thumbnailed and stored (the local directory `MEDIA_DIR`, or an S3-compatible bucket when
//! `MEDIA_S3_BUCKET` is set); referenced as `media:{id}` in the photo fields of orders,
//! completions, wishes and their fulfilments, problem-list items and their results, project
//! steps and goods, which attach them in the same transaction; read under the visibility of what
//! they are attached to; swept when left unattached for a day. `reference` holds the rule for
//! every photo field.

pub mod attach;
pub mod process;
pub mod read;
pub mod reference;
pub mod routes;
pub mod s3;
pub mod storage;
pub mod sweep;
pub mod upload;
