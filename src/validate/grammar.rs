//! The string grammars the API server enforces but the JSON schemas do not carry: object
//! names, label keys and values, port names, quantities. Each check returns why a string
//! fails, so a problem can say how to fix it.

/// The grammars, by name, so rule tables can refer to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    /// RFC 1123 subdomain: lowercase alphanumerics, `-` and `.`, at most 253 characters.
    Dns1123Subdomain,
    /// RFC 1123 label: lowercase alphanumerics and `-`, at most 63 characters.
    Dns1123Label,
    /// RFC 1035 label: a DNS-1123 label that starts with a letter.
    Dns1035Label,
    /// `[prefix/]name` label or annotation key.
    LabelKey,
    /// Label value: empty, or at most 63 of `[A-Za-z0-9_.-]`, alphanumeric at both ends.
    LabelValue,
    /// IANA service name: at most 15 of `[a-z0-9-]`, a letter among them, no `--`.
    PortName,
    /// A name that is one URL path segment (RBAC objects: `system:auth-delegator` is fine).
    PathSegment,
    /// Resource quantity (`100m`, `256Mi`, `1e3`).
    Quantity,
    /// Standard base64 with padding, line breaks ignored: what the API server decodes a
    /// Secret's `data` and a ConfigMap's `binaryData` with (Go's `base64.StdEncoding`).
    Base64,
}

/// Shapes of the grammars. They are plain scans rather than regexes because they run on
/// every name, label and quantity of every object.
type Shape = fn(&str) -> bool;

/// Non-empty, only bytes `allowed`, and alphanumeric (of the allowed case) at both ends.
fn framed(s: &str, allowed: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let end_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_digit() || (allowed(*c) && c.is_ascii_alphabetic()));
    end_ok(b.first()) && end_ok(b.last()) && b.iter().all(|c| allowed(*c))
}

fn dns_label(s: &str) -> bool {
    framed(s, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

fn dns_subdomain(s: &str) -> bool {
    s.split('.').all(dns_label)
}

fn dns1035(s: &str) -> bool {
    dns_label(s) && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

fn qualified(s: &str) -> bool {
    framed(s, |c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `[+-]` number `[suffix]`, where the number is `1`, `1.`, `1.5` or `.5` and the suffix a
/// binary (`Ki`..`Ei`) or decimal (`n`, `u`, `m`, `k`, `M`..`E`) multiplier or an exponent.
fn quantity(s: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E",
    ];
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(end);
    let number_ok = match number.split_once('.') {
        None => !number.is_empty(),
        Some((int, frac)) => digits(frac) && !(int.is_empty() && frac.is_empty()),
    };
    let exponent = suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|e| !e.is_empty() && digits(e));
    number_ok && (SUFFIXES.contains(&suffix) || exponent)
}

/// Whether `s` decodes as Go's `base64.StdEncoding` does (`\r` and `\n` are skipped; the
/// bits after the last full byte may be anything).
fn base64(s: &str) -> bool {
    let mut count = 0usize;
    let mut padding = 0usize;
    for c in s.bytes().filter(|c| !matches!(c, b'\r' | b'\n')) {
        let alphabet = c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
        if c == b'=' {
            padding += 1;
        } else if !alphabet || padding > 0 {
            return false;
        }
        count += 1;
    }
    count.is_multiple_of(4) && padding <= 2
}

fn limited(s: &str, max: usize, ok: Shape, shape: &str) -> Option<String> {
    if s.len() > max {
        Some(format!("is {} characters long; the limit is {max}", s.len()))
    } else if !ok(s) {
        Some(format!("must be {shape}"))
    } else {
        None
    }
}

const LABEL_SHAPE: &str = "lowercase letters, digits and '-', starting and ending with a letter or digit";

impl Grammar {
    /// Why `s` does not match the grammar, or `None` when it does.
    pub fn check(self, s: &str) -> Option<String> {
        match self {
            Grammar::Dns1123Subdomain => limited(
                s,
                253,
                dns_subdomain,
                "lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit",
            ),
            Grammar::Dns1123Label => limited(s, 63, dns_label, LABEL_SHAPE),
            Grammar::Dns1035Label => limited(
                s,
                63,
                dns1035,
                "lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
            ),
            Grammar::LabelKey => label_key(s),
            Grammar::LabelValue if s.is_empty() => None,
            Grammar::LabelValue => limited(
                s,
                63,
                qualified,
                "letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            ),
            Grammar::PortName => port_name(s),
            Grammar::PathSegment => path_segment(s),
            Grammar::Quantity => (!quantity(s))
                .then(|| "is not a quantity (a number with an optional suffix such as m, Mi, Gi or k)".to_string()),
            Grammar::Base64 => (!base64(s)).then(|| {
                "is not base64 (the API server rejects it); give the text under `stringData` instead, or encode it with `base64 -w0`".to_string()
            }),
        }
    }
}

fn label_key(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(why) = prefix.and_then(|p| Grammar::Dns1123Subdomain.check(p)) {
        return Some(format!("has a prefix that {why}"));
    }
    limited(
        name,
        63,
        qualified,
        "at most 63 of letters, digits, '-', '_' and '.' after an optional 'prefix/', starting and ending with a letter or digit",
    )
}

fn path_segment(s: &str) -> Option<String> {
    match s {
        "" => Some("must not be empty".into()),
        "." | ".." => Some("must not be '.' or '..'".into()),
        _ if s.contains(['/', '%']) => Some("must not contain '/' or '%'".into()),
        _ => None,
    }
}

fn port_name(s: &str) -> Option<String> {
    if s.len() > 15 {
        Some(format!("is {} characters long; port names are limited to 15", s.len()))
    } else if !dns_label(s) {
        Some(format!("must be {LABEL_SHAPE}"))
    } else if s.contains("--") {
        Some("must not contain '--'".into())
    } else if !s.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("must contain at least one letter".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Grammar::*;

    #[test]
    fn names() {
        assert_eq!(Dns1123Subdomain.check("web.shop-1"), None);
        assert!(Dns1123Subdomain.check("Bad_Name").is_some());
        assert!(Dns1123Subdomain.check(&"a".repeat(254)).is_some());
        assert_eq!(Dns1123Label.check("web-1"), None);
        assert!(Dns1123Label.check("web.1").is_some());
        assert!(Dns1035Label.check("1web").is_some());
        assert_eq!(Dns1035Label.check("web1"), None);
        assert_eq!(PathSegment.check("system:auth-delegator"), None);
        assert!(PathSegment.check("a/b").is_some() && PathSegment.check("..").is_some());
        for bad in ["", "-a", "a-", "A", "a_b", "é"] {
            assert!(Dns1123Label.check(bad).is_some(), "{bad:?}");
        }
        for bad in ["a..b", ".a", "a.", "a.-b"] {
            assert!(Dns1123Subdomain.check(bad).is_some(), "{bad:?}");
        }
        assert_eq!(Dns1123Label.check(&"a".repeat(63)), None);
        assert!(Dns1123Label.check(&"a".repeat(64)).is_some());
    }

    #[test]
    fn base64() {
        for good in ["", "aGVsbG8=", "aGVsbA==", "aGVs", "aGVs\nbG8=", "aGVt"] {
            assert_eq!(Base64.check(good), None, "{good:?}");
        }
        for bad in ["not base64!!", "aGVsbG8", "aGV=sbG8", "a===", "aGVsbG8=\t", "aGVs bG8="] {
            assert!(Base64.check(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(LabelKey.check("app.kubernetes.io/name"), None);
        assert_eq!(LabelKey.check("Tier_1"), None);
        assert!(LabelKey.check("Bad.Prefix/x").is_some());
        assert!(LabelKey.check("a/b/c").is_some());
        assert_eq!(LabelValue.check(""), None);
        assert_eq!(LabelValue.check("v1.2_rc-3"), None);
        for bad in ["_a", "a.", "a b"] {
            assert!(LabelValue.check(bad).is_some(), "{bad:?}");
        }
        assert!(LabelValue.check("front end!").is_some());
        assert!(LabelValue.check(&"a".repeat(64)).is_some());
    }

    #[test]
    fn ports_and_quantities() {
        assert_eq!(PortName.check("http"), None);
        assert!(PortName.check("http-remote-write").is_some());
        assert!(PortName.check("8080").is_some());
        assert!(PortName.check("a--b").is_some());
        for ok in [
            "100m", "256Mi", "1", "0.5", "1e3", ".5", "+1Gi", "1.", "2E", "1e-3", "-5k",
        ] {
            assert_eq!(Quantity.check(ok), None, "{ok}");
        }
        for bad in [
            "100 megs", "1MB", "", "Mi", "1.2.3", ".", "1e", "1e+", "1Ki2", "+", "1 ",
        ] {
            assert!(Quantity.check(bad).is_some(), "{bad}");
        }
    }
}
