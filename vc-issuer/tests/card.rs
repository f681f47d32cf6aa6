//! The credential card picture: served by the admin API for an issued credential, and the
//! sample in docs/images/employee-card.svg (shown in the README) is exactly what the code draws
//! for the sample employee (`DOJANG_UPDATE_CARD=1` rewrites it after a deliberate change).

use serde_json::{Value, json};
use vc_issuer::card::card_svg;
use vc_issuer::config::{Config, DidMethod};
use vc_issuer::store::{CredentialRecord, RecordStatus};
use vc_issuer::templates::Templates;

fn employee() -> Value {
    json!({
        "employee_number": "E-1001",
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gyeonggi Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main", "lab"]
    })
}

/// Reads the card's QR code: the dark modules of its one path (`M{x} {y}h1v1h-1z` each, in
/// module units) drawn 4 px per module, decoded with rqrr.
fn read_qr(svg: &str) -> String {
    const SCALE: usize = 4;
    let path = svg
        .split("<path d=\"M")
        .nth(2)
        .expect("the QR path follows the header band's");
    let path = &path[..path.find('"').unwrap()];
    let dark: std::collections::HashSet<(usize, usize)> = path
        .split("h1v1h-1zM")
        .map(|m| m.trim_end_matches("h1v1h-1z"))
        .map(|m| {
            let (x, y) = m.split_once(' ').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    let side = dark.iter().map(|&(x, y)| x.max(y)).max().unwrap() + 5;
    let size = side * SCALE;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        if dark.contains(&(x / SCALE, y / SCALE)) { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the card");
    grids[0].decode().unwrap().1
}

/// The sample employee's record with `claims`.
fn record(template: &str, claims: Value) -> CredentialRecord {
    CredentialRecord {
        id: "urn:uuid:01937a52-6c1e-7c4b-9d2e-5f3a8b1c0d42".into(),
        template: template.into(),
        record_key: "E-1001".into(),
        format: "sd-jwt".into(),
        status: RecordStatus::Active,
        status_list: 1,
        status_index: 4_242,
        claims: claims.as_object().unwrap().clone(),
        holder: None,
        valid_from: 1_795_305_600,
        valid_until: 1_889_913_600,
        issued_at: 1_795_305_600,
        updated_at: 1_795_305_600,
        replaces: None,
    }
}

/// The text of every `<text>` element of `svg`, which must be well-formed XML 1.0.
fn texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("the card is not well-formed XML: {e}"));
    document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_readme_card_is_what_the_code_draws() {
    let templates = Templates::built_in().unwrap();
    let template = templates.get("EmployeeIdCredential").unwrap();
    let record = record(&template.name, employee());
    let svg = card_svg(&record, template, "did:dojang:zQmSampleIssuerOfGyeonggiProvince").unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/images/employee-card.svg");
    if std::env::var_os("DOJANG_UPDATE_CARD").is_some() {
        std::fs::write(&path, &svg).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        svg,
        "docs/images/employee-card.svg is stale: rerun with DOJANG_UPDATE_CARD=1"
    );
    assert_eq!(read_qr(&svg), record.id, "the QR code holds the credential's ID");
    for shown in [
        "공무원증",
        "Employee ID",
        "김민준",
        "Digital Policy",
        "hq-main, lab",
        "유효",
        "2026-11-22",
    ] {
        assert!(svg.contains(shown), "the card lacks {shown}");
    }
}

/// Issue 28, finding 9: a claim holding U+FFFE or U+FFFF (or a C0 control) made `card.svg`
/// ill-formed XML, which a strict reader (a browser showing an `image/svg+xml` answer) refuses
/// whole. They cannot be escaped (a character reference must name a legal character too):
/// the card shows U+FFFD, or a space for a control, and stays well-formed.
#[test]
fn a_claim_with_characters_xml_cannot_carry_still_makes_a_well_formed_card() {
    let templates = Templates::built_in().unwrap();
    let template = templates.get("EmployeeIdCredential").unwrap();
    let mut claims = employee();
    claims["name_latin"] = json!("Kim\u{FFFE}Min\u{FFFF}jun");
    claims["department"] = json!("Digital\u{1}Policy\u{1F}\u{0}");
    claims["position"] = json!("<Deputy> & \"Director\" \u{FDD0}\u{10FFFF}");
    claims["\u{FFFF}odd\u{B}"] = json!("\u{FFFE}");
    let record = record(&template.name, claims);
    let svg = card_svg(&record, template, "did:dojang:zQm\u{FFFF}").unwrap();
    let texts = texts(&svg);
    for shown in [
        "Kim\u{FFFD}Min\u{FFFD}jun",
        "Digital Policy  ",
        "<Deputy> & \"Director\" \u{FFFD}\u{FFFD}",
        "\u{FFFD}odd ",
        "발급자 did:dojang:zQm\u{FFFD}",
    ] {
        assert!(texts.iter().any(|t| t == shown), "the card lacks {shown:?}: {texts:?}");
    }
    assert_eq!(read_qr(&svg), record.id, "the QR code is unchanged");
}

#[tokio::test]
async fn the_admin_api_serves_an_issued_credentials_card() {
    let dir = std::env::temp_dir().join(format!("dojang-card-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        ..Default::default()
    };
    config.did.method = DidMethod::Key;
    let running = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
    let (url, admin) = (running.url(), running.admin_token.as_ref().unwrap().to_string());
    let http = reqwest::Client::new();
    let mut claims = employee();
    claims["name_ko"] = json!("<script>김</script>");
    let issued: Value = http
        .post(format!("{url}/admin/credentials"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(json!({"type": "EmployeeIdCredential", "claims": claims}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = issued["record"]["id"].as_str().unwrap();
    let card = |id: String| {
        http.get(format!("{url}/admin/credentials/{id}/card.svg"))
            .bearer_auth(&admin)
            .send()
    };
    let response = card(id.to_owned()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml; charset=utf-8");
    let svg = response.text().await.unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("&lt;script&gt;김&lt;/script&gt;"), "claim text is escaped");
    assert!(
        texts(&svg).iter().any(|t| t == "<script>김</script>"),
        "and reads back as given"
    );
    assert!(!svg.contains("<script>"));
    assert!(svg.contains(&running.state.issuer.did));
    // Revoked: the card says so.
    http.post(format!("{url}/admin/credentials/{id}/revoke"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let svg = card(id.to_owned()).await.unwrap().text().await.unwrap();
    assert!(svg.contains("폐기 · revoked"));
    // Without a token, or for an unknown ID: refused.
    let anonymous = http
        .get(format!("{url}/admin/credentials/{id}/card.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(card("urn:uuid:nope".into()).await.unwrap().status().as_u16(), 404);
    running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
