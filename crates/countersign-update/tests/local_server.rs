//! The real check against a real server on loopback (wiremock): a `latest.json` and a bundle
//! signed at run time with a throwaway minisign key (the format `tauri signer` writes). A
//! correctly signed bundle is accepted; an altered signature, altered bytes or another key's
//! signature are refused with `update_signature_invalid`.

use std::io::Cursor;
use std::time::Duration;

use base64::Engine as _;
use countersign_update::{Available, Checker, CheckerConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TARGET: &str = "linux-x86_64-deb";

struct Key {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

impl Key {
    fn new() -> Key {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().expect("generate key");
        Key {
            pk: kp.pk,
            sk: kp.sk,
        }
    }
    /// `plugins.updater.pubkey`: base64 of the public key file.
    fn pubkey(&self) -> String {
        b64(&self.pk.to_box().expect("pk box").to_string())
    }
    /// `platforms.*.signature`: base64 of the `.sig` file.
    fn sign(&self, bytes: &[u8]) -> String {
        let sig = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(bytes),
            Some("file:countersign_0.2.0_amd64.deb"),
            Some("signature from tauri secret key"),
        )
        .expect("sign");
        b64(&sig.to_string())
    }
}

fn bundle() -> Vec<u8> {
    (0..64 * 1024).map(|i| (i % 251) as u8).collect()
}

async fn serve(version: &str, bundle: Vec<u8>, signature: &str) -> MockServer {
    let server = MockServer::start().await;
    let manifest = serde_json::json!({
        "version": version,
        "notes": "Faster queue.\nSigned updates.",
        "pub_date": "2026-11-29T12:00:00Z",
        "platforms": {
            TARGET: { "url": format!("{}/countersign_0.2.0_amd64.deb", server.uri()), "signature": signature },
            "linux-x86_64": { "url": format!("{}/other.AppImage", server.uri()), "signature": signature },
        }
    });
    Mock::given(method("GET"))
        .and(path("/latest.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(manifest))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/countersign_0.2.0_amd64.deb"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bundle))
        .mount(&server)
        .await;
    server
}

fn checker(server: &MockServer, key: &Key) -> Checker {
    Checker::new(CheckerConfig {
        endpoints: vec![format!("{}/latest.json", server.uri())],
        pubkey: key.pubkey(),
        current_version: "0.1.0".into(),
        targets: vec![TARGET.into(), "linux-x86_64".into()],
        timeout: Duration::from_secs(10),
    })
    .expect("checker")
}

async fn check(c: &Checker) -> Available {
    c.check()
        .await
        .expect("check")
        .expect("an update is available")
}

#[tokio::test]
async fn a_correctly_signed_bundle_is_accepted() {
    let key = Key::new();
    let bytes = bundle();
    let server = serve("0.2.0", bytes.clone(), &key.sign(&bytes)).await;
    let c = checker(&server, &key);
    let update = check(&c).await;
    assert_eq!(update.version, "0.2.0");
    assert_eq!(update.current_version, "0.1.0");
    assert_eq!(update.target, TARGET);
    assert_eq!(
        update.notes.as_deref(),
        Some("Faster queue.\nSigned updates.")
    );
    let got = c.download(&update).await.expect("accepted");
    assert_eq!(got, bytes);
}

#[tokio::test]
async fn an_altered_signature_is_refused() {
    let key = Key::new();
    let bytes = bundle();
    // Change one character of the signature line inside the .sig text, keep it valid base64.
    let sig_text = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(key.sign(&bytes))
            .expect("b64"),
    )
    .expect("utf8");
    let mut lines: Vec<String> = sig_text.lines().map(str::to_owned).collect();
    let line = &mut lines[1];
    let i = line.len() / 2;
    let flipped = if &line[i..=i] == "A" { "B" } else { "A" };
    line.replace_range(i..=i, flipped);
    let altered = b64(&(lines.join("\n") + "\n"));
    let server = serve("0.2.0", bytes, &altered).await;
    let c = checker(&server, &key);
    let update = check(&c).await;
    let err = c.download(&update).await.expect_err("refused");
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
    assert!(
        err.to_string().starts_with("the update was refused"),
        "{err}"
    );
}

#[tokio::test]
async fn a_signature_that_is_not_minisign_is_refused() {
    let key = Key::new();
    let bytes = bundle();
    let server = serve("0.2.0", bytes, &b64("not a signature")).await;
    let c = checker(&server, &key);
    let update = check(&c).await;
    let err = c.download(&update).await.expect_err("refused");
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
}

#[tokio::test]
async fn altered_bytes_are_refused() {
    let key = Key::new();
    let bytes = bundle();
    let signature = key.sign(&bytes);
    let mut tampered = bytes.clone();
    tampered[1000] ^= 0x01;
    let server = serve("0.2.0", tampered, &signature).await;
    let c = checker(&server, &key);
    let update = check(&c).await;
    let err = c.download(&update).await.expect_err("refused");
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
}

#[tokio::test]
async fn a_bundle_signed_by_another_key_is_refused() {
    let trusted = Key::new();
    let attacker = Key::new();
    let bytes = bundle();
    let server = serve("0.2.0", bytes.clone(), &attacker.sign(&bytes)).await;
    let c = checker(&server, &trusted);
    let update = check(&c).await;
    let err = c.download(&update).await.expect_err("refused");
    assert_eq!(err.code(), "update_signature_invalid", "{err}");
}

#[tokio::test]
async fn the_same_or_an_older_version_is_no_update() {
    let key = Key::new();
    let bytes = bundle();
    for v in ["0.1.0", "0.0.9"] {
        let server = serve(v, bytes.clone(), &key.sign(&bytes)).await;
        assert_eq!(checker(&server, &key).check().await.expect("check"), None);
    }
}

#[tokio::test]
async fn a_server_error_or_a_bad_manifest_has_its_code() {
    let key = Key::new();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/latest.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;
    let err = checker(&server, &key)
        .check()
        .await
        .expect_err("bad manifest");
    assert_eq!(err.code(), "update_manifest_invalid");

    let empty = MockServer::start().await; // answers 404 to everything
    let err = checker(&empty, &key).check().await.expect_err("404");
    assert_eq!(err.code(), "update_unreachable");
}
