//! Names and labels: compose names to Kubernetes names, and the one label set every
//! selector derives from (so selectors, Services, PDBs and NetworkPolicies always agree).

use serde_json::{Map, Value, json};

/// The label key every selector uses.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

/// A DNS-1123 label (lowercase alphanumerics and `-`, starting and ending alphanumeric,
/// at most `max` characters). Too-long names are cut and given a stable hash suffix so two
/// long names never collide. Empty input gives `"x"`.
pub fn dns_label(name: &str, max: usize) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    let mut out = if trimmed.is_empty() {
        "x".to_string()
    } else {
        trimmed.to_string()
    };
    if out.len() > max {
        let hash = short_hash(name);
        let keep = max.saturating_sub(hash.len() + 1);
        out.truncate(keep);
        let out_trim = out.trim_end_matches('-').to_string();
        out = format!("{out_trim}-{hash}");
    }
    out
}

/// A DNS-1035 label (as `dns_label`, and starting with a letter): Service names.
pub fn dns1035_label(name: &str, max: usize) -> String {
    let l = dns_label(name, max);
    if l.starts_with(|c: char| c.is_ascii_lowercase()) {
        l
    } else {
        dns_label(&format!("s-{l}"), max)
    }
}

/// Name of every object made for a compose service (Deployment, Service, SA, PDB, ...).
/// It is a valid Service name (DNS-1035), so one name serves every kind.
pub fn object_name(service: &str) -> String {
    dns1035_label(service, 63)
}

/// An IANA service port name: at most 15 characters, lowercase alphanumerics and `-`,
/// at least one letter.
pub fn port_name(hint: &str) -> String {
    let l = dns_label(hint, 15);
    if l.chars().any(|c| c.is_ascii_lowercase()) {
        l
    } else {
        dns_label(&format!("p-{l}"), 15)
    }
}

/// The selector labels of a service's pods.
pub fn selector_labels(service: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(NAME_LABEL.into(), json!(object_name(service)));
    m
}

/// The `app.kubernetes.io/*` labels stamped on every object made for a service.
pub fn common_labels(project: &str, service: &str) -> Map<String, Value> {
    let mut m = selector_labels(service);
    m.insert("app.kubernetes.io/instance".into(), json!(dns_label(project, 63)));
    m.insert("app.kubernetes.io/part-of".into(), json!(dns_label(project, 63)));
    m.insert("app.kubernetes.io/managed-by".into(), json!("berth"));
    m
}

/// First 8 hex digits of the SHA-256 of `s`: stable across machines and runs.
pub fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(s.as_bytes());
    d.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitises_compose_names() {
        assert_eq!(dns_label("My_App", 63), "my-app");
        assert_eq!(dns_label("__", 63), "x");
        assert_eq!(object_name("1web"), "s-1web");
        assert_eq!(port_name("8080"), "p-8080");
        let p = port_name("http-alternative-port");
        assert!(p.len() <= 15 && p.starts_with("http-"), "{p}");
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "a".repeat(80);
        let n = dns_label(&long, 63);
        assert_eq!(n.len(), 63);
        assert!(n.ends_with(&short_hash(&long)));
        assert_ne!(dns_label(&format!("{long}b"), 63), n);
    }
}
