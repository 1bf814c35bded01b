//! Photos: upload (type by bytes, size cap, metadata stripped, thumbnail), who may read them,
//! attaching them to orders, wishes, problems, projects and goods, and the sweep of unattached
//! uploads.

use crate::helpers::{
    Session, TestApp, ok_json, problem, spawn_app_with, test_media_s3_bucket, test_media_s3_endpoint,
};
use crate::orders::completed;
use crate::world::{self, World};
use chrono::{Duration, Utc};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use object_store::ObjectStoreExt;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::io::Cursor;

/// A test server storing uploads in its own directory (kept as long as the server), or under its
/// own prefix of the test bucket when `TEST_MEDIA_S3_ENDPOINT` is set (see the helpers).
pub async fn media_app(overrides: &[(&str, &str)]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_owned();
    let mut vars = vec![("MEDIA_DIR", path.as_str())];
    vars.extend_from_slice(overrides);
    (spawn_app_with(&vars, |_| {}).await, dir)
}

fn encode(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A `width`×`height` picture with a gradient (so encoders have something to encode).
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let rgb = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let picture = match format {
        ImageFormat::Png => DynamicImage::ImageRgba8(RgbaImage::from_fn(width, height, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 7, 200])
        })),
        _ => DynamicImage::ImageRgb8(rgb),
    };
    encode(picture, format)
}

/// A multipart body with one field; the boundary is fixed.
fn multipart(name: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--XyZb0undary\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--XyZb0undary--\r\n");
    body
}

async fn send(app: &TestApp, token: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/media"))
        .header("content-type", "multipart/form-data; boundary=XyZb0undary")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Uploads `bytes` as `who` (the client claims JPEG whatever it is) and answers the response.
async fn upload_raw(app: &TestApp, who: &Session, bytes: &[u8]) -> reqwest::Response {
    send(
        app,
        Some(&who.token),
        multipart("file", "a.jpg", "image/jpeg", bytes),
    )
    .await
}

pub async fn upload(app: &TestApp, who: &Session, bytes: &[u8]) -> Value {
    ok_json(upload_raw(app, who, bytes).await, 201).await
}

/// Reads a picture (or thumbnail) as `who` (anonymous when `None`): status, content type, bytes.
async fn read(app: &TestApp, path: &str, who: Option<&Session>) -> (u16, String, Vec<u8>) {
    let res = app.call("GET", path, who.map(|s| s.token.as_str()), None).await;
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let p = image::load_from_memory(bytes).unwrap();
    (p.width(), p.height())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The storage keys of upload `id` (picture, thumbnail).
async fn keys_of(app: &TestApp, id: &Value) -> [String; 2] {
    let id: i64 = id.as_str().unwrap().parse().unwrap();
    let row = entity::media::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the upload's row");
    [row.original_key, row.thumbnail_key]
}

/// The bytes of every picture and thumbnail on record, read through the storage backend (local
/// directory or bucket): each must be there.
async fn stored(app: &TestApp) -> Vec<Vec<u8>> {
    let rows = entity::media::Entity::find().all(&app.state.db).await.unwrap();
    let mut out = Vec::new();
    for key in rows.into_iter().flat_map(|r| [r.original_key, r.thumbnail_key]) {
        let bytes = app.state.media.get(&key).await.unwrap();
        out.push(bytes.unwrap_or_else(|| panic!("{key} is on record but not stored")));
    }
    out
}

#[tokio::test]
async fn each_accepted_type_is_stored_with_a_thumbnail() {
    let (app, _dir) = media_app(&[]).await;
    let me = app.login("13800000031", "上传者").await;
    for (format, ct, (w, h), thumb) in [
        (ImageFormat::Png, "image/png", (400, 200), (320, 160)),
        (ImageFormat::Jpeg, "image/jpeg", (50, 40), (50, 40)),
        (ImageFormat::WebP, "image/webp", (300, 640), (150, 320)),
    ] {
        let out = upload(&app, &me, &picture(w, h, format)).await;
        let id = out["id"].as_str().unwrap();
        assert_eq!(out["reference"], format!("media:{id}"));
        assert_eq!(out["url"], format!("/api/v1/media/{id}"));
        assert_eq!(out["thumbnail_url"], format!("/api/v1/media/{id}/thumbnail"));
        assert_eq!(out["content_type"], ct, "{out}");
        assert_eq!(
            (out["width"].as_u64(), out["height"].as_u64()),
            (Some(w.into()), Some(h.into()))
        );
        let (status, got_ct, bytes) = read(&app, &format!("/api/v1/media/{id}"), Some(&me)).await;
        assert_eq!((status, got_ct.as_str()), (200, ct));
        assert_eq!(bytes.len() as u64, out["bytes"].as_u64().unwrap());
        assert_eq!(image::guess_format(&bytes).unwrap(), format);
        assert_eq!(dimensions(&bytes), (w, h));
        let (status, got_ct, bytes) = read(&app, &format!("/api/v1/media/{id}/thumbnail"), Some(&me)).await;
        assert_eq!((status, got_ct.as_str()), (200, ct));
        assert_eq!(dimensions(&bytes), thumb, "{ct}");
    }
}

/// An APP1 segment holding EXIF: orientation 6 (turn 90° clockwise) and a GPS IFD whose area
/// information carries `marker`.
fn exif_segment(marker: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    // IFD0 at 8: two entries (Orientation, GPSInfo pointer), next IFD 0.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    let gps_at: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&gps_at.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD: GPSAreaInformation (UNDEFINED) pointing right after it.
    let data_at = gps_at + 2 + 12 + 4;
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x1C, 0x00, 7, 0]);
    tiff.extend_from_slice(&(marker.len() as u32).to_le_bytes());
    tiff.extend_from_slice(&data_at.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(marker);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&payload);
    segment
}

#[tokio::test]
async fn exif_and_gps_are_gone_from_what_is_stored() {
    let (app, _dir) = media_app(&[]).await;
    let me = app.login("13800000031", "上传者").await;
    let marker = b"LINLI-GPS-39.9042N-116.4074E";
    let plain = picture(60, 40, ImageFormat::Jpeg);
    let mut sent = plain[..2].to_vec();
    sent.extend_from_slice(&exif_segment(marker));
    sent.extend_from_slice(&plain[2..]);
    assert!(contains(&sent, b"Exif") && contains(&sent, marker));

    let out = upload(&app, &me, &sent).await;
    // Turned upright by the orientation it carried.
    assert_eq!(
        (out["width"].as_u64(), out["height"].as_u64()),
        (Some(40), Some(60)),
        "{out}"
    );
    let files = stored(&app).await;
    assert_eq!(files.len(), 2, "the picture and its thumbnail");
    for file in &files {
        assert!(!contains(file, b"Exif"), "EXIF left in a stored file");
        assert!(!contains(file, marker), "GPS left in a stored file");
    }
    let id = out["id"].as_str().unwrap();
    let (_, _, served) = read(&app, &format!("/api/v1/media/{id}"), Some(&me)).await;
    assert!(!contains(&served, b"Exif") && !contains(&served, marker));
    assert_eq!(dimensions(&served), (40, 60));
}

#[tokio::test]
async fn in_a_bucket_each_picture_is_an_object_under_the_prefix() {
    let Some(endpoint) = test_media_s3_endpoint() else {
        eprintln!("skipped: TEST_MEDIA_S3_ENDPOINT is not set (this check runs in CI's S3 step)");
        return;
    };
    let (app, _dir) = media_app(&[]).await;
    let me = app.login("13800000031", "上传者").await;
    let out = upload(&app, &me, &picture(20, 10, ImageFormat::Png)).await;
    let keys = keys_of(&app, &out["id"]).await;
    assert!(keys[0].starts_with("o/") && keys[1].starts_with("t/"), "{keys:?}");
    let prefix = app
        .state
        .config
        .media
        .s3
        .as_ref()
        .expect("the S3 backend")
        .prefix
        .clone();
    // Read straight from the bucket by another client: `{prefix}/{key}`.
    let direct = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_bucket_name(test_media_s3_bucket())
        .with_region("us-east-1")
        .with_access_key_id("direct")
        .with_secret_access_key("direct")
        .build()
        .unwrap();
    for key in &keys {
        let at = format!("{}/{key}", prefix.as_deref().unwrap());
        let object = direct.get(&object_store::path::Path::parse(&at).unwrap()).await;
        let bytes = object
            .unwrap_or_else(|e| panic!("{at}: {e}"))
            .bytes()
            .await
            .unwrap();
        assert_eq!(bytes.to_vec(), app.state.media.get(key).await.unwrap().unwrap());
    }
}

#[tokio::test]
async fn anything_but_jpeg_png_webp_is_refused_with_415() {
    let (app, _dir) = media_app(&[]).await;
    let me = app.login("13800000031", "上传者").await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let truncated = &picture(50, 50, ImageFormat::Png)[..40];
    for bad in [&gif[..], b"just some text", truncated, b""] {
        let res = upload_raw(&app, &me, bad).await;
        assert_eq!(res.status(), 415);
        let refusal = problem(res).await;
        assert_eq!(refusal["code"], "PICTURE_UNSUPPORTED");
        assert_eq!(refusal["title"], "图片格式不支持，请上传 JPEG、PNG 或 WebP 图片");
    }
    // Not multipart at all.
    let res = app
        .post_as("/api/v1/media", &me.token, json!({"file": "x"}))
        .await;
    assert_eq!(res.status(), 415);
    assert_eq!(problem(res).await["code"], "UNSUPPORTED_MEDIA_TYPE");
    // Multipart without the file field.
    let body = multipart("photo", "a.png", "image/png", &picture(5, 5, ImageFormat::Png));
    let res = send(&app, Some(&me.token), body).await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["errors"][0]["field"], "file");
    // Without a login.
    let body = multipart("file", "a.png", "image/png", &picture(5, 5, ImageFormat::Png));
    assert_eq!(send(&app, None, body).await.status(), 401);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn an_upload_over_the_cap_is_refused_with_413() {
    let (app, _dir) = media_app(&[("MEDIA_MAX_BYTES", "4096")]).await;
    let me = app.login("13800000031", "上传者").await;
    // Noise does not compress.
    let noise = RgbImage::from_fn(100, 100, |x, y| {
        let h = (x * 7919 + y * 104_729).wrapping_mul(2_654_435_761);
        Rgb([h as u8, (h >> 8) as u8, (h >> 16) as u8])
    });
    let big = encode(DynamicImage::ImageRgb8(noise), ImageFormat::Png);
    assert!(big.len() > 4096, "{}", big.len());
    let res = upload_raw(&app, &me, &big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(problem(res).await["code"], "PAYLOAD_TOO_LARGE");
    assert!(stored(&app).await.is_empty());
    // Under the cap passes.
    upload(&app, &me, &picture(8, 8, ImageFormat::Png)).await;
}

#[tokio::test]
async fn uploads_are_rate_limited_per_user() {
    let (app, _dir) = media_app(&[("MEDIA_UPLOADS_PER_HOUR", "2")]).await;
    let me = app.login("13800000031", "上传者").await;
    let other = app.login("13800000032", "邻居").await;
    let small = picture(4, 4, ImageFormat::Png);
    upload(&app, &me, &small).await;
    upload(&app, &me, &small).await;
    let res = upload_raw(&app, &me, &small).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(problem(res).await["code"], "RATE_LIMITED");
    upload(&app, &other, &small).await;
}

async fn place_with(app: &TestApp, w: &World, who: &Session, photos: Value) -> reqwest::Response {
    app.post_as(
        "/api/v1/orders",
        &who.token,
        json!({"region_id": w.grid_a, "title": "窗户坏了", "address": "1 单元 101", "photos": photos}),
    )
    .await
}

#[tokio::test]
async fn a_private_photo_is_seen_by_its_uploader_and_then_by_who_sees_the_order() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let photo = upload(&app, &w.resident_a, &picture(30, 20, ImageFormat::Png)).await;
    let path = format!("/api/v1/media/{}", photo["id"].as_str().unwrap());
    let thumb = format!("{path}/thumbnail");
    for (who, status) in [
        (Some(&w.resident_a), 200),
        (Some(&w.staff_a), 404),
        (Some(&w.staff_b), 404),
        (Some(&w.resident_b), 404),
        (None, 404),
    ] {
        assert_eq!(read(&app, &path, who).await.0, status);
        assert_eq!(read(&app, &thumb, who).await.0, status);
    }
    let res = app.get_as(&path, &w.staff_b.token).await;
    assert_eq!(problem(res).await["code"], "MEDIA_NOT_FOUND");

    let reference = photo["reference"].as_str().unwrap();
    let order = ok_json(
        place_with(
            &app,
            &w,
            &w.resident_a,
            json!([reference, "https://img.example.cn/a.jpg"]),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        order["photos"],
        json!([reference, "https://img.example.cn/a.jpg"])
    );
    // Attached: the order's staff see it; another community's staff and the public do not.
    for (who, status) in [
        (Some(&w.resident_a), 200),
        (Some(&w.staff_a), 200),
        (Some(&w.staff_b), 404),
        (Some(&w.resident_b), 404),
        (None, 404),
    ] {
        assert_eq!(read(&app, &path, who).await.0, status);
    }
    // A photo used once cannot be used on another order.
    let res = place_with(&app, &w, &w.resident_a, json!([reference])).await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "MEDIA_INVALID");
}

#[tokio::test]
async fn only_your_own_unused_uploads_attach() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let theirs = upload(&app, &w.resident_b, &picture(10, 10, ImageFormat::Png)).await;
    let mine = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    for refs in [
        json!([theirs["reference"]]),
        json!(["media:999999"]),
        json!([mine["reference"], theirs["reference"]]),
    ] {
        let res = place_with(&app, &w, &w.resident_a, refs.clone()).await;
        assert_eq!(res.status(), 422, "{refs}");
        assert_eq!(problem(res).await["code"], "MEDIA_INVALID");
    }
    // The refused orders attached nothing: mine is still free to use.
    ok_json(
        place_with(&app, &w, &w.resident_a, json!([mine["reference"]])).await,
        201,
    )
    .await;
    for bad in ["media:0", "media:x", "media:01"] {
        let res = place_with(&app, &w, &w.resident_a, json!([bad])).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["errors"][0]["field"], "photos[0]");
    }
}

#[tokio::test]
async fn completion_photos_of_a_closed_order_are_public() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let photo = upload(&app, &w.member_a, &picture(40, 30, ImageFormat::Jpeg)).await;
    let path = format!("/api/v1/media/{}", photo["id"].as_str().unwrap());
    let o = completed(
        &app,
        &w,
        None,
        json!({"minutes": 30, "photos": [photo["reference"]]}),
    )
    .await;
    // Completed, not yet closed: the order's people see it, the public does not.
    assert_eq!(read(&app, &path, Some(&w.resident_a)).await.0, 200);
    assert_eq!(read(&app, &path, Some(&w.staff_a)).await.0, 200);
    assert_eq!(read(&app, &path, None).await.0, 404);
    let res = app
        .post_as(
            &format!("/api/v1/orders/{o}/confirm"),
            &w.resident_a.token,
            json!({"rating": 5}),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["status"], "closed");
    // In the showcase now: anyone may read it.
    assert_eq!(read(&app, &path, None).await.0, 200);
    assert_eq!(read(&app, &path, Some(&w.staff_b)).await.0, 200);
}

#[tokio::test]
async fn unattached_uploads_are_swept_after_a_day() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let kept = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    let orphan = upload(&app, &w.resident_a, &picture(12, 12, ImageFormat::Png)).await;
    ok_json(
        place_with(&app, &w, &w.resident_a, json!([kept["reference"]])).await,
        201,
    )
    .await;
    assert_eq!(stored(&app).await.len(), 4);
    let orphan_keys = keys_of(&app, &orphan["id"]).await;

    let report = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(23))
        .await
        .unwrap();
    assert_eq!(report.swept_media, 0, "not a day old yet");
    let report = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(25))
        .await
        .unwrap();
    assert_eq!(report.swept_media, 1);
    assert_eq!(stored(&app).await.len(), 2, "the kept picture and its thumbnail");
    for key in &orphan_keys {
        assert_eq!(app.state.media.get(key).await.unwrap(), None, "{key} left behind");
    }
    let orphan_path = format!("/api/v1/media/{}", orphan["id"].as_str().unwrap());
    assert_eq!(read(&app, &orphan_path, Some(&w.resident_a)).await.0, 404);
    let kept_path = format!("/api/v1/media/{}", kept["id"].as_str().unwrap());
    assert_eq!(read(&app, &kept_path, Some(&w.resident_a)).await.0, 200);
    // Swept: its reference no longer attaches.
    let res = place_with(&app, &w, &w.resident_a, json!([orphan["reference"]])).await;
    assert_eq!(problem(res).await["code"], "MEDIA_INVALID");
}

/// Asserts who reads `path`: each caller (`None`: anonymous) and the status they get.
async fn readers(app: &TestApp, path: &str, expected: &[(Option<&Session>, u16)]) {
    for (who, status) in expected {
        let got = read(app, path, *who).await.0;
        assert_eq!(got, *status, "{path} as {:?}", who.map(|s| &s.user_id));
    }
}

#[tokio::test]
async fn wish_and_problem_photos_follow_who_sees_them() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let photo = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/wishes", w.grid_a),
            &w.resident_a.token,
            json!({"title": "想要一个新书包", "description": "旧书包坏了", "photos": [photo["reference"]]}),
        )
        .await;
    ok_json(res, 201).await;
    let path = format!("/api/v1/media/{}", photo["id"].as_str().unwrap());
    // Pending review: its poster and the staff reviewing it.
    readers(
        &app,
        &path,
        &[
            (Some(&w.resident_a), 200),
            (Some(&w.staff_a), 200),
            (Some(&w.staff_b), 404),
            (None, 404),
        ],
    )
    .await;

    let photo = upload(&app, &w.staff_a, &picture(10, 10, ImageFormat::Jpeg)).await;
    let body = json!({"title": "楼道灯不亮", "description": "排查发现", "severity": "small",
                      "photos": [photo["reference"], "https://img.example.cn/p.jpg"]});
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/problems", w.grid_a),
            &w.staff_a.token,
            body,
        )
        .await;
    ok_json(res, 201).await;
    let path = format!("/api/v1/media/{}", photo["id"].as_str().unwrap());
    // Filed, not yet on the published list: staff of the community only.
    readers(
        &app,
        &path,
        &[
            (Some(&w.staff_a), 200),
            (Some(&w.resident_a), 404),
            (Some(&w.staff_b), 404),
            (None, 404),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_goods_picture_is_public_once_on_the_shelf() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/stores", w.comm_a),
            &w.staff_a.token,
            json!({"name": "和平爱心超市", "address": "党群服务中心", "opening_hours": "9:00-17:00"}),
        )
        .await;
    let store = ok_json(res, 201).await["id"].as_str().unwrap().to_owned();
    let first = upload(&app, &w.staff_a, &picture(10, 10, ImageFormat::WebP)).await;
    let res = app
        .post_as(
            &format!("/api/v1/stores/{store}/goods"),
            &w.staff_a.token,
            json!({"name": "毛巾", "price_coins": 10, "stock": 5, "image_url": first["reference"]}),
        )
        .await;
    let goods = ok_json(res, 201).await;
    assert_eq!(goods["image_url"], first["reference"]);
    let path = format!("/api/v1/media/{}", first["id"].as_str().unwrap());
    readers(&app, &path, &[(None, 200), (Some(&w.staff_b), 200)]).await;

    // A new picture on the goods attaches in the same change; someone else's does not.
    let goods_path = format!("/api/v1/goods/{}", goods["id"].as_str().unwrap());
    let second = upload(&app, &w.staff_a, &picture(10, 10, ImageFormat::Png)).await;
    let res = app
        .call(
            "PATCH",
            &goods_path,
            Some(&w.staff_a.token),
            Some(json!({"image_url": second["reference"]})),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["image_url"], second["reference"]);
    let path = format!("/api/v1/media/{}", second["id"].as_str().unwrap());
    assert_eq!(read(&app, &path, None).await.0, 200);
    let theirs = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    let res = app
        .call(
            "PATCH",
            &goods_path,
            Some(&w.staff_a.token),
            Some(json!({"image_url": theirs["reference"], "name": "新毛巾"})),
        )
        .await;
    assert_eq!(problem(res).await["code"], "MEDIA_INVALID");
    let shelf = ok_json(
        app.get_as(&format!("/api/v1/stores/{store}/goods"), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        shelf[0]["name"], "毛巾",
        "the refused change changed nothing: {shelf}"
    );
}

/// Posts `body` to `path` as `who`.
async fn post(app: &TestApp, who: &Session, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call("POST", path, Some(&who.token), body).await
}

/// A refusal: 422 `MEDIA_INVALID`.
async fn media_invalid(res: reqwest::Response) {
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "MEDIA_INVALID");
}

/// Progress and completion photos of a project: readable by everyone of its community, attached
/// only from the owner's own unused uploads.
#[tokio::test]
async fn project_step_photos_follow_who_sees_the_project() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let (_, boss) = crate::projects::unit_with_admin(&app, &w, 1).await;
    let project = crate::projects::project(&app, &w, None).await;
    let path = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());
    ok_json(post(&app, &boss, &format!("{path}/take"), None).await, 200).await;

    let progress = format!("{path}/progress");
    let theirs = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    for refs in [json!([theirs["reference"]]), json!(["media:999999"])] {
        let body = json!({"note": "已完成一半", "photos": refs});
        media_invalid(post(&app, &boss, &progress, Some(body)).await).await;
    }
    let first = upload(&app, &boss, &picture(10, 10, ImageFormat::Png)).await;
    let body = json!({"note": "已完成一半", "percent": 50, "photos": [first["reference"], "https://img.example.cn/a.jpg"]});
    let out = ok_json(post(&app, &boss, &progress, Some(body)).await, 200).await;
    let events = out["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "the refused reports logged nothing: {out}");
    assert_eq!(
        events[2]["photos"],
        json!([first["reference"], "https://img.example.cn/a.jpg"])
    );

    let second = upload(&app, &boss, &picture(10, 10, ImageFormat::Jpeg)).await;
    let body = json!({"result": "全部安装完毕", "photos": [second["reference"]]});
    let done = ok_json(
        post(&app, &boss, &format!("{path}/complete"), Some(body)).await,
        200,
    )
    .await;
    assert_eq!(done["result_photos"], json!([second["reference"]]));
    for photo in [&first, &second] {
        let media = format!("/api/v1/media/{}", photo["id"].as_str().unwrap());
        readers(
            &app,
            &media,
            &[
                (Some(&boss), 200),
                (Some(&w.staff_a), 200),
                (Some(&w.resident_a), 200),
                (Some(&w.staff_b), 404),
                (Some(&w.resident_b), 404),
                (None, 404),
            ],
        )
        .await;
    }

    // Attached to this project: not to be used on another.
    let other = crate::projects::project(&app, &w, None).await;
    let other = format!("/api/v1/projects/{}", other["id"].as_str().unwrap());
    ok_json(post(&app, &boss, &format!("{other}/take"), None).await, 200).await;
    let body = json!({"note": "复用照片", "photos": [first["reference"]]});
    media_invalid(post(&app, &boss, &format!("{other}/progress"), Some(body)).await).await;
}

/// Result photos of a problem-list item: readable by whoever sees the item.
#[tokio::test]
async fn problem_result_photos_follow_who_sees_the_problem() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let (ids, _) = crate::problems::published(&app, &w, 1).await;
    let path = format!("/api/v1/problems/{}", ids[0]);
    let resolve = format!("{path}/resolve");

    let theirs = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    for refs in [json!([theirs["reference"]]), json!(["media:999999"])] {
        let body = json!({"result": "已更换楼道灯", "photos": refs});
        media_invalid(post(&app, &w.staff_a, &resolve, Some(body)).await).await;
    }
    let seen = ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await;
    assert_eq!(seen["state"], "published", "a refused resolution changes nothing");

    let mine = upload(&app, &w.staff_a, &picture(10, 10, ImageFormat::Jpeg)).await;
    let body = json!({"result": "已更换楼道灯", "photos": [mine["reference"]]});
    let done = ok_json(post(&app, &w.staff_a, &resolve, Some(body)).await, 200).await;
    assert_eq!(done["state"], "resolved");
    assert_eq!(done["result_photos"], json!([mine["reference"]]));
    let media = format!("/api/v1/media/{}", mine["id"].as_str().unwrap());
    readers(
        &app,
        &media,
        &[
            (Some(&w.staff_a), 200),
            (Some(&w.resident_a), 200),
            (Some(&w.staff_b), 404),
            (Some(&w.resident_b), 404),
            (None, 404),
        ],
    )
    .await;
}

/// The fulfilment photo of a wish: the claimer's own unused upload, public once fulfilled.
#[tokio::test]
async fn a_wish_fulfilment_photo_attaches_and_is_public_in_the_showcase() {
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let wish = crate::wishes::open_wish(&app, &w).await;
    let path = format!("/api/v1/wishes/{wish}");
    ok_json(post(&app, &w.member_a, &format!("{path}/claim"), None).await, 200).await;
    let fulfil = format!("{path}/fulfil");

    // The wish's own photo is attached to the wish, not to its fulfilment.
    let wish_photo = upload(&app, &w.member_a, &picture(10, 10, ImageFormat::Png)).await;
    let body =
        json!({"title": "想要一个台灯", "description": "晚上写作业", "photos": [wish_photo["reference"]]});
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/wishes", w.grid_a),
            &w.member_a.token,
            body,
        )
        .await;
    ok_json(res, 201).await;
    let theirs = upload(&app, &w.resident_a, &picture(10, 10, ImageFormat::Png)).await;
    for photo in [
        &theirs["reference"],
        &wish_photo["reference"],
        &json!("media:999999"),
    ] {
        let body = json!({"note": "书包已送到", "photo": photo});
        media_invalid(post(&app, &w.member_a, &fulfil, Some(body)).await).await;
    }
    let seen = ok_json(app.get_as(&path, &w.member_a.token).await, 200).await;
    assert_eq!(seen["status"], "claimed", "a refused fulfilment changes nothing");
    let body = json!({"note": "书包已送到", "photo": "media:0"});
    let res = post(&app, &w.member_a, &fulfil, Some(body)).await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["errors"][0]["field"], "photo");

    let mine = upload(&app, &w.member_a, &picture(10, 10, ImageFormat::Jpeg)).await;
    let body = json!({"note": "书包已送到", "photo": mine["reference"]});
    let done = ok_json(post(&app, &w.member_a, &fulfil, Some(body)).await, 200).await;
    assert_eq!(done["fulfil_photo"], mine["reference"]);
    let show = ok_json(
        app.get(&format!("/api/v1/regions/{}/showcase/wishes", w.comm_a))
            .await,
        200,
    )
    .await;
    assert_eq!(show["items"][0]["photos"], json!([mine["reference"]]));
    let media = format!("/api/v1/media/{}", mine["id"].as_str().unwrap());
    readers(&app, &media, &[(None, 200), (Some(&w.staff_b), 200)]).await;
}

/// A department's resolve photos stay on its whistle even when another department still works on
/// the order: readable by who sees the order, never swept; the resolve that completes the order
/// makes its photos the order's completion photos, public once closed, as before.
#[tokio::test]
async fn a_departments_resolve_photos_stay_on_its_whistle() {
    use crate::whistles::{department, whistle};
    let (app, _dir) = media_app(&[]).await;
    let w = world::build(&app).await;
    let police = department(&app, &w, &w.street, "幸福街道派出所", "13700000201").await;
    let fire = department(&app, &w, &w.street, "幸福街道消防站", "13700000202").await;
    let order = crate::orders::place(&app, &w.resident_a, &w.grid_a, None).await;
    let oid = order["id"].as_str().unwrap();
    for dept in [&police, &fire] {
        let body = json!({"unit_id": dept.id, "reason": "需要联合处置"});
        ok_json(whistle(&app, &w.staff_a, oid, body).await, 200).await;
    }
    let resolve = format!("/api/v1/orders/{oid}/resolve");
    let of = |out: &Value, dept: &crate::whistles::Dept| {
        let items = out["items"].as_array().unwrap();
        items
            .iter()
            .find(|i| i["unit_id"] == dept.id.as_str())
            .unwrap()
            .clone()
    };

    // The first department resolves with its own upload: kept on its whistle, order still open.
    let first = upload(&app, &police.staff, &picture(10, 10, ImageFormat::Png)).await;
    let photos = json!([first["reference"], "https://img.example.cn/p.jpg"]);
    let body = json!({"result": "已到场调解", "photos": photos});
    let out = ok_json(post(&app, &police.staff, &resolve, Some(body)).await, 200).await;
    assert_eq!(of(&out, &police)["status"], "resolved");
    assert_eq!(of(&out, &police)["result_photos"], photos);
    assert_eq!(of(&out, &fire)["result_photos"], json!([]));
    let seen = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}"), &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "submitted");
    assert_eq!(seen["completion_photos"], json!([]));
    let listed = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}/whistles"), &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(of(&listed, &police)["result_photos"], photos);
    let first_path = format!("/api/v1/media/{}", first["id"].as_str().unwrap());
    let order_people = [
        (Some(&police.staff), 200),
        (Some(&fire.staff), 200),
        (Some(&w.resident_a), 200),
        (Some(&w.staff_a), 200),
        (Some(&w.staff_b), 404),
        (Some(&w.resident_b), 404),
        (None, 404),
    ];
    readers(&app, &first_path, &order_people).await;
    // Attached: the orphan sweep leaves it alone.
    let report = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(25))
        .await
        .unwrap();
    assert_eq!(report.swept_media, 0);
    readers(&app, &first_path, &order_people[..3]).await;

    // Another's upload (the first department's) or an unknown one is refused; nothing changes.
    let second = upload(&app, &fire.staff, &picture(12, 12, ImageFormat::Jpeg)).await;
    for refs in [
        json!([first["reference"]]),
        json!([second["reference"], "media:999999"]),
    ] {
        let body = json!({"result": "已排除隐患", "photos": refs});
        media_invalid(post(&app, &fire.staff, &resolve, Some(body)).await).await;
    }
    // The second department resolves: the order is completed with its photos, as before.
    let body = json!({"result": "已排除隐患", "photos": [second["reference"]]});
    let out = ok_json(post(&app, &fire.staff, &resolve, Some(body)).await, 200).await;
    assert_eq!(of(&out, &fire)["result_photos"], json!([second["reference"]]));
    assert_eq!(of(&out, &police)["result_photos"], photos);
    let seen = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}"), &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "completed");
    assert_eq!(seen["completion_photos"], json!([second["reference"]]));
    let second_path = format!("/api/v1/media/{}", second["id"].as_str().unwrap());
    readers(&app, &second_path, &order_people).await;

    // Closed: the completion photos are public in the showcase; the first department's stay the
    // order's people's.
    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/confirm"),
            &w.resident_a.token,
            json!({"rating": 5}),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["status"], "closed");
    readers(&app, &second_path, &[(None, 200), (Some(&w.staff_b), 200)]).await;
    readers(&app, &first_path, &order_people).await;
}
