//! Encodings and hashes: `b64encode`, `b64decode` (Secret data) and `sha256` (the
//! checksum annotation that rolls pods when their config changes).

use base64::engine::general_purpose::STANDARD;
use base64::{DecodeError, Engine};
use minijinja::{State, Value};
use sha2::{Digest, Sha256};

use super::{failure, scalar_text};

/// `value | b64encode`: standard base64 (with padding) of the text, or of the bytes.
pub fn b64encode(state: &State<'_, '_>, value: &Value) -> Result<String, minijinja::Error> {
    match value.as_bytes() {
        Some(bytes) => Ok(STANDARD.encode(bytes)),
        None => Ok(STANDARD.encode(scalar_text(state, value)?)),
    }
}

/// `text | b64decode`: the text that standard base64 encodes. Line breaks and spaces
/// in the input are ignored (wrapped base64). The input is never echoed in an error:
/// it is often a secret.
pub fn b64decode(text: String) -> Result<String, minijinja::Error> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD.decode(compact.as_bytes()).map_err(|e| {
        failure(format!(
            "b64decode: the text is not standard base64 ({}); it must use A-Z, a-z, 0-9, + and / with = padding",
            why_not_base64(&e)
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        failure("b64decode: the decoded bytes are not UTF-8 text; keep binary data base64-encoded (Secret `data`)")
    })
}

/// What is wrong, by position only: the offending character may be part of a secret.
fn why_not_base64(e: &DecodeError) -> String {
    match e {
        DecodeError::InvalidByte(at, _) => format!("an invalid character at offset {at}"),
        DecodeError::InvalidLength(n) => format!("{n} characters, which no base64 text has"),
        DecodeError::InvalidLastSymbol(at, _) => format!("the last character, at offset {at}, is not valid there"),
        DecodeError::InvalidPadding => "the `=` padding is wrong".to_string(),
    }
}

/// `text | sha256`: the lowercase hex SHA-256 of the text (Helm's `sha256sum`).
pub fn sha256(state: &State<'_, '_>, value: &Value) -> Result<String, minijinja::Error> {
    let text = scalar_text(state, value)?;
    Ok(Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};

    #[test]
    fn b64_round_trips() {
        assert_eq!(ok("{{ 'admin:s3cret' | b64encode }}"), "YWRtaW46czNjcmV0");
        assert_eq!(ok("{{ b64encode(values.replicas) }}"), "Mw==");
        assert_eq!(ok("{{ 'YWRtaW46czNjcmV0' | b64decode }}"), "admin:s3cret");
        assert_eq!(ok("{{ 'YWRt\\naW46\\nczNjcmV0\\n' | b64decode }}"), "admin:s3cret");
        assert_eq!(ok("{{ values.name | b64encode | b64decode }}"), "web");
    }

    #[test]
    fn b64decode_refuses_garbage_without_echoing_it() {
        let e = err("{{ 'not*base64' | b64decode }}");
        let msg = e.to_string();
        assert!(msg.contains("b64decode: the text is not standard base64"), "{msg}");
        assert!(!msg.contains("not*base64"), "{msg}");
        assert_eq!(e.line(), Some(1));
        assert!(msg.contains("an invalid character at offset 3"), "{msg}");
        let e = err("{{ 'YWRtaW4' | b64decode }}");
        assert!(e.to_string().contains("padding"), "{e}");
        let e = err("{{ '/w==' | b64decode }}");
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }

    #[test]
    fn sha256_is_the_hex_digest() {
        assert_eq!(
            ok("{{ 'abc' | sha256 }}"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            ok("{{ sha256('') }}"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let e = err("{{ values.missing | sha256 }}");
        assert!(e.to_string().contains("undefined"), "{e}");
    }
}
