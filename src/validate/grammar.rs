//! The string grammars the API server enforces but the JSON schemas do not carry: object
//! names, label keys and values, port names, quantities. Each check returns why a string
//! fails, so a problem can say how to fix it.

use std::sync::LazyLock;

use regex::Regex;

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
    /// Resource quantity (`100m`, `256Mi`, `1e3`).
    Quantity,
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, covered by its tests.
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("bad built-in pattern {pattern}: {e}"))
}

static LABEL: LazyLock<Regex> = LazyLock::new(|| re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"));
static SUBDOMAIN: LazyLock<Regex> =
    LazyLock::new(|| re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"));
static DNS1035: LazyLock<Regex> = LazyLock::new(|| re("^[a-z]([-a-z0-9]*[a-z0-9])?$"));
static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| re("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"));
static QUANTITY: LazyLock<Regex> =
    LazyLock::new(|| re("^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$"));

fn limited(s: &str, max: usize, re: &Regex, shape: &str) -> Option<String> {
    if s.len() > max {
        Some(format!("is {} characters long; the limit is {max}", s.len()))
    } else if !re.is_match(s) {
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
                &SUBDOMAIN,
                "lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit",
            ),
            Grammar::Dns1123Label => limited(s, 63, &LABEL, LABEL_SHAPE),
            Grammar::Dns1035Label => limited(
                s,
                63,
                &DNS1035,
                "lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
            ),
            Grammar::LabelKey => label_key(s),
            Grammar::LabelValue if s.is_empty() => None,
            Grammar::LabelValue => limited(
                s,
                63,
                &QUALIFIED,
                "letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            ),
            Grammar::PortName => port_name(s),
            Grammar::Quantity => (!QUANTITY.is_match(s))
                .then(|| "is not a quantity (a number with an optional suffix such as m, Mi, Gi or k)".to_string()),
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
        &QUALIFIED,
        "at most 63 of letters, digits, '-', '_' and '.' after an optional 'prefix/', starting and ending with a letter or digit",
    )
}

fn port_name(s: &str) -> Option<String> {
    if s.len() > 15 {
        Some(format!("is {} characters long; port names are limited to 15", s.len()))
    } else if !LABEL.is_match(s) {
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
    }

    #[test]
    fn labels() {
        assert_eq!(LabelKey.check("app.kubernetes.io/name"), None);
        assert_eq!(LabelKey.check("Tier_1"), None);
        assert!(LabelKey.check("Bad.Prefix/x").is_some());
        assert!(LabelKey.check("a/b/c").is_some());
        assert_eq!(LabelValue.check(""), None);
        assert!(LabelValue.check("front end!").is_some());
        assert!(LabelValue.check(&"a".repeat(64)).is_some());
    }

    #[test]
    fn ports_and_quantities() {
        assert_eq!(PortName.check("http"), None);
        assert!(PortName.check("http-remote-write").is_some());
        assert!(PortName.check("8080").is_some());
        assert!(PortName.check("a--b").is_some());
        for ok in ["100m", "256Mi", "1", "0.5", "1e3", ".5", "+1Gi"] {
            assert_eq!(Quantity.check(ok), None, "{ok}");
        }
        for bad in ["100 megs", "1MB", "", "Mi", "1.2.3"] {
            assert!(Quantity.check(bad).is_some(), "{bad}");
        }
    }
}
