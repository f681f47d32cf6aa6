//! A credential as a card picture: the SVG behind `GET /admin/credentials/{id}/card.svg`, for
//! the HR office's screen or a printed card.
//!
//! The card shows the template's display name (Korean and English), the claims with their
//! Korean labels (derived claims and digests left out), the validity and the record's status,
//! the issuer DID, and a QR code of the credential's ID (`urn:uuid:…`), which the issuer's
//! admin API looks up. Text is XML-escaped, and characters XML 1.0 cannot carry (controls,
//! U+FFFE, U+FFFF) are replaced, so the card is well-formed whatever the claims hold. The
//! picture is drawn here (rectangles and text, the QR code as one path), so no font or image
//! file is needed.

use std::fmt::Write as _;

use qrcode::Color;
use serde_json::Value;
use time::OffsetDateTime;

use crate::Error;
use crate::store::{CredentialRecord, RecordStatus};
use crate::templates::Template;

/// Card size in SVG units: the ID-1 card ratio (85.6 × 54 mm).
const WIDTH: u32 = 856;
const HEIGHT: u32 = 540;
/// The most claims listed (the rest are left off, said so on the card).
const MAX_ROWS: usize = 8;
/// The longest value shown, in characters.
const MAX_VALUE_CHARS: usize = 34;

/// Escapes `text` for SVG character data and attribute values, so that the card is
/// well-formed XML 1.0 whatever a claim holds.
///
/// The markup characters become entity references. What XML 1.0 cannot carry at all (its
/// `Char` production, §2.2) cannot be escaped either, since a character reference must name
/// a legal character too (`&#xFFFF;` is as ill-formed as U+FFFF itself), so it is replaced:
/// - control characters (C0 other than tab, line feed and carriage return, which XML forbids;
///   those three and the C1 controls and DEL, which it allows but which draw nothing useful
///   on a one-line card value) become a space, as before;
/// - the noncharacters U+FFFE and U+FFFF, which XML forbids, and the other 64 Unicode
///   noncharacters (U+FDD0–U+FDEF, the last two code points of every plane), which XML 1.0
///   tells documents to avoid, become U+FFFD, the replacement character, so the reader of the
///   card sees that something was there that cannot be shown. (Surrogates cannot occur in a
///   Rust string.)
///
/// The record keeps the claim as issued; only the picture differs.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c if is_noncharacter(c) => out.push(char::REPLACEMENT_CHARACTER),
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` is one of Unicode's 66 noncharacters.
fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// A claim value as one short line.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        Value::Bool(true) => "예 / yes".into(),
        Value::Bool(false) => "아니요 / no".into(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn date(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_default()
}

fn display_name(template: &Template, locale: &str) -> String {
    template
        .display
        .iter()
        .find(|d| d.locale == locale)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| template.name.clone())
}

/// The QR code of `text` as one SVG path of unit squares, `size` units wide, at (`x`, `y`).
fn qr_path(text: &str, x: u32, y: u32, size: u32) -> Result<String, Error> {
    let code = crate::offer_qr::code(text)?;
    let modules = code.width();
    let quiet = crate::offer_qr::QUIET_ZONE;
    let side = u32::try_from(modules + 2 * quiet).unwrap_or(u32::MAX).max(1);
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let _ = write!(path, "M{} {}h1v1h-1z", i % modules + quiet, i / modules + quiet);
        }
    }
    Ok(format!(
        r##"<g transform="translate({x} {y}) scale({scale})"><rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#111"/></g>"##,
        scale = f64::from(size) / f64::from(side),
    ))
}

/// The card of `record` (made from `template`, signed by `issuer_did`), as an SVG document.
pub fn card_svg(record: &CredentialRecord, template: &Template, issuer_did: &str) -> Result<String, Error> {
    let (status_ko, status_en, status_color) = match record.status {
        RecordStatus::Active => ("유효", "valid", "#1b7f3b"),
        RecordStatus::Suspended => ("정지", "suspended", "#b26a00"),
        RecordStatus::Revoked => ("폐기", "revoked", "#b3261e"),
    };
    let derived: Vec<&str> = template.derived.iter().map(|d| d.claim.as_str()).collect();
    // Names first (a card is read by its holder's name), then the other claims by name.
    let mut claims: Vec<(&String, &Value)> = record.claims.iter().collect();
    claims.sort_by_key(|(name, _)| (!name.starts_with("name"), name.as_str()));
    let rows: Vec<(String, String)> = claims
        .into_iter()
        .filter(|(name, _)| !derived.contains(&name.as_str()) && !name.ends_with("_digest"))
        .map(|(name, value)| {
            let label = template
                .claims_display
                .get(name)
                .and_then(|labels| labels.get("ko-KR"))
                .cloned()
                .unwrap_or_else(|| name.clone());
            (label, shown(value))
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="'Noto Sans KR','NanumGothic','Apple SD Gothic Neo',sans-serif">
<rect x="1" y="1" width="{w}" height="{h}" rx="28" fill="#f7f9fc" stroke="#c9d3e0" stroke-width="2"/>
<path d="M1 29a28 28 0 0 1 28-28h{top}a28 28 0 0 1 28 28v67H1z" fill="#0b3d91"/>
<text x="40" y="62" font-size="34" font-weight="700" fill="#fff">{ko}</text>
<text x="{right}" y="62" font-size="22" fill="#dce6f7" text-anchor="end">{en}</text>
"##,
        w = WIDTH - 2,
        h = HEIGHT - 2,
        top = WIDTH - 58,
        ko = xml(&display_name(template, "ko-KR")),
        en = xml(&display_name(template, "en-US")),
        right = WIDTH - 40,
    );
    for (i, (label, value)) in rows.iter().take(MAX_ROWS).enumerate() {
        let y = 140 + 40 * u32::try_from(i).unwrap_or(0);
        let _ = writeln!(
            svg,
            r##"<text x="40" y="{y}" font-size="18" fill="#5b6b82">{label}</text><text x="190" y="{y}" font-size="22" fill="#13233a">{value}</text>"##,
            label = xml(label),
            value = xml(value),
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            svg,
            r##"<text x="40" y="{y}" font-size="16" fill="#5b6b82">+{more}</text>"##,
            y = 140 + 40 * u32::try_from(MAX_ROWS).unwrap_or(0),
            more = rows.len() - MAX_ROWS,
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="40" y="{y1}" font-size="16" fill="#5b6b82">유효기간 {from} – {until}</text>
<rect x="{bx}" y="{by}" width="150" height="36" rx="18" fill="{status_color}"/><text x="{tx}" y="{ty}" font-size="18" font-weight="700" fill="#fff" text-anchor="middle">{status_ko} · {status_en}</text>
<text x="40" y="{y2}" font-size="13" fill="#5b6b82">{issuer}</text>
{qr}
</svg>"##,
        y1 = HEIGHT - 60,
        from = date(record.valid_from),
        until = date(record.valid_until),
        bx = WIDTH - 230,
        by = 112,
        tx = WIDTH - 155,
        ty = 136,
        issuer = xml(&format!("발급자 {issuer_did}")),
        y2 = HEIGHT - 30,
        qr = qr_path(&record.id, WIDTH - 250, 170, 200)?,
    );
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_values_are_cut() {
        assert_eq!(xml("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
        assert_eq!(xml("a\u{7}b"), "a b");
        assert_eq!(
            xml("a\u{FFFE}b\u{FFFF}c\u{FDD0}d\u{10FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}"
        );
        assert_eq!(
            xml("\u{FFFD}\u{FFFC}\u{E000}\u{10000}"),
            "\u{FFFD}\u{FFFC}\u{E000}\u{10000}"
        );
        let long = Value::String("가".repeat(50));
        assert_eq!(shown(&long).chars().count(), MAX_VALUE_CHARS);
        assert_eq!(shown(&serde_json::json!(["hq", "lab"])), "hq, lab");
    }
}
