//! A tiny OCI image built by hand, so the tests need neither network nor an engine.
//!
//! The layout is what `skopeo copy oci:DIR:TAG …` reads: `oci-layout`, `index.json`
//! (with the `org.opencontainers.image.ref.name` annotation), and content-addressed blobs:
//! one gzip-compressed tar layer, a config whose `rootfs.diff_ids` is the digest of the
//! uncompressed tar, and an OCI image manifest.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// An OCI image layout on disk holding one tagged image.
#[derive(Debug, Clone)]
pub struct OciImage {
    /// The layout directory.
    pub dir: PathBuf,
    /// The tag inside the layout.
    pub tag: String,
    /// `sha256:<hex>` of the manifest: what a registry reports after a faithful push.
    pub manifest_digest: String,
}

impl OciImage {
    /// Writes a layout under `dir` whose single layer holds `/payload.txt`.
    ///
    /// The payload carries a per-process counter and the clock, so no two images share
    /// blobs: a registry or a client cache never short-cuts an upload between tests.
    pub fn build(dir: &Path, tag: &str) -> OciImage {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        let payload = format!(
            "regauth end-to-end test image {} {} {nanos}\n",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let tar = tar_with_one_file("payload.txt", payload.as_bytes());
        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(&tar).expect("gzip in memory");
        let layer = gzip.finish().expect("gzip in memory");

        std::fs::create_dir_all(dir.join("blobs/sha256")).expect("create layout");
        let layer_digest = write_blob(dir, &layer);
        let config = json!({
            "architecture": "amd64",
            "os": "linux",
            "config": { "Cmd": ["/payload.txt"] },
            "rootfs": { "type": "layers", "diff_ids": [sha256(&tar)] },
        });
        let config = serde_json::to_vec(&config).expect("config JSON");
        let config_digest = write_blob(dir, &config);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": { "mediaType": CONFIG_TYPE, "digest": config_digest, "size": config.len() },
            "layers": [{ "mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer.len() }],
        });
        let manifest = serde_json::to_vec(&manifest).expect("manifest JSON");
        let manifest_digest = write_blob(dir, &manifest);
        let index = json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": MANIFEST_TYPE,
                "digest": manifest_digest,
                "size": manifest.len(),
                "annotations": { "org.opencontainers.image.ref.name": tag },
            }],
        });
        std::fs::write(dir.join("index.json"), index.to_string()).expect("write index.json");
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
            .expect("write oci-layout");
        OciImage {
            dir: dir.to_path_buf(),
            tag: tag.to_owned(),
            manifest_digest,
        }
    }

    /// The `oci:DIR:TAG` reference skopeo understands.
    pub fn reference(&self) -> String {
        format!("oci:{}:{}", self.dir.display(), self.tag)
    }
}

/// The manifest digest recorded for `tag` in the `index.json` of an OCI layout that a
/// client wrote (for example `skopeo copy docker://… oci:DIR:TAG`).
pub fn layout_manifest_digest(dir: &Path, tag: &str) -> Option<String> {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).ok()?).ok()?;
    index["manifests"]
        .as_array()?
        .iter()
        .find(|entry| entry["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .and_then(|entry| entry["digest"].as_str())
        .map(str::to_owned)
}

/// `sha256:<lowercase hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Stores `bytes` under `blobs/sha256/<hex>` and returns its digest.
fn write_blob(dir: &Path, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let hex = digest.trim_start_matches("sha256:");
    std::fs::write(dir.join("blobs/sha256").join(hex), bytes).expect("write blob");
    digest
}

/// A POSIX ustar archive holding one regular file (mode 0644, owned by root, mtime 0).
fn tar_with_one_file(name: &str, contents: &[u8]) -> Vec<u8> {
    assert!(name.len() < 100, "tar names here are short");
    let mut header = [0u8; 512];
    let mut put = |offset: usize, value: &[u8]| {
        header[offset..offset + value.len()].copy_from_slice(value);
    };
    put(0, name.as_bytes());
    put(100, b"0000644\0");
    put(108, b"0000000\0");
    put(116, b"0000000\0");
    put(124, format!("{:011o}\0", contents.len()).as_bytes());
    put(136, b"00000000000\0");
    put(148, b"        ");
    put(156, b"0");
    put(257, b"ustar\0");
    put(263, b"00");
    put(265, b"root");
    put(297, b"root");
    let checksum: u32 = header.iter().map(|&byte| u32::from(byte)).sum();
    header[148..156].copy_from_slice(format!("{checksum:06o}\0 ").as_bytes());

    let mut tar = header.to_vec();
    tar.extend_from_slice(contents);
    tar.resize(tar.len().next_multiple_of(512), 0);
    tar.resize(tar.len() + 1024, 0);
    tar
}
