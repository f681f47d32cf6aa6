//! The official multibase test vectors (multiformats/multibase `tests/*.csv`).

use did_core::multibase::{self, Base, MultibaseError};

fn vectors(name: &str) -> String {
    let path = format!("{}/tests/vectors/multibase/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Interprets the `\xNN` escapes the CSV files use in their input row.
fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            out.push(u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap());
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Rows of `name, "value"`; the first row is the input.
fn rows(csv: &str) -> (Vec<u8>, Vec<(String, String)>) {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let parse = |line: &str| {
        let (name, value) = line.split_once(", ").unwrap();
        (name.trim().to_owned(), value.trim().trim_matches('"').to_owned())
    };
    let (_, input) = parse(lines.next().unwrap());
    (unescape(&input), lines.map(parse).collect())
}

fn base(name: &str) -> Base {
    match name {
        "identity" => Base::Identity,
        "base2" => Base::Base2,
        "base8" => Base::Base8,
        "base10" => Base::Base10,
        "base16" => Base::Base16Lower,
        "base16upper" => Base::Base16Upper,
        "base32" => Base::Base32Lower,
        "base32upper" => Base::Base32Upper,
        "base32pad" => Base::Base32PadLower,
        "base32padupper" => Base::Base32PadUpper,
        "base32hex" => Base::Base32HexLower,
        "base32hexupper" => Base::Base32HexUpper,
        "base32hexpad" => Base::Base32HexPadLower,
        "base32hexpadupper" => Base::Base32HexPadUpper,
        "base32z" => Base::Base32Z,
        "base36" => Base::Base36Lower,
        "base36upper" => Base::Base36Upper,
        "base45" => Base::Base45,
        "base58flickr" => Base::Base58Flickr,
        "base58btc" => Base::Base58Btc,
        "base64" => Base::Base64,
        "base64pad" => Base::Base64Pad,
        "base64url" => Base::Base64Url,
        "base64urlpad" => Base::Base64UrlPad,
        "base256emoji" => Base::Base256Emoji,
        other => panic!("unknown base name {other}"),
    }
}

#[test]
fn encode_and_decode_every_vector() {
    let mut checked = 0;
    for file in ["basic.csv", "leading_zero.csv", "two_leading_zeros.csv"] {
        let (input, rows) = rows(&vectors(file));
        assert!(rows.len() >= 20, "{file} has {} rows", rows.len());
        for (name, encoded) in rows {
            let b = base(&name);
            assert_eq!(multibase::encode(b, &input), encoded, "{file}: encode {name}");
            assert_eq!(
                multibase::decode(&encoded).unwrap(),
                (b, input.clone()),
                "{file}: decode {name}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} vectors checked");
}

#[test]
fn case_insensitive_bases_decode_mixed_case() {
    let csv = vectors("case_insensitivity.csv");
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap();
    assert!(header.contains("hello world"));
    let mut checked = 0;
    for line in lines {
        let (name, value) = line.split_once(", ").unwrap();
        let value = value.trim().trim_matches('"');
        let (b, bytes) = multibase::decode(value).unwrap_or_else(|e| panic!("{name}: {value}: {e}"));
        assert_eq!(b, base(name.trim()), "{name}");
        assert_eq!(bytes, b"hello world", "{name}");
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn hostile_input_is_a_typed_error() {
    assert_eq!(multibase::decode(""), Err(MultibaseError::Empty));
    assert_eq!(multibase::decode("*abc"), Err(MultibaseError::UnknownBase('*')));
    assert_eq!(
        multibase::decode("z0OIl"),
        Err(MultibaseError::InvalidData(Base::Base58Btc))
    );
    assert_eq!(
        multibase::decode("u@@@"),
        Err(MultibaseError::InvalidData(Base::Base64Url))
    );
    let long = format!("z{}", "1".repeat(multibase::MAX_BASE58_LEN));
    assert_eq!(
        multibase::decode(&long),
        Err(MultibaseError::TooLong(multibase::MAX_BASE58_LEN))
    );
    let huge = format!("f{}", "00".repeat(multibase::MAX_ENCODED_LEN));
    assert_eq!(
        multibase::decode(&huge),
        Err(MultibaseError::TooLong(multibase::MAX_ENCODED_LEN))
    );
    // Every prefix of a valid string either decodes or fails cleanly.
    let valid = "z7paNL19xttacUY";
    for end in 0..=valid.len() {
        let _ = multibase::decode(&valid[..end]);
    }
}
