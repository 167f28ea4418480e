//! Pod Security Admission labels on Namespaces: the profile in force is enforced, warned
//! and audited by the cluster itself, pinned to the target version so a cluster upgrade
//! cannot change which pods are admitted.

use serde_json::{Value, json};

use super::Profile;
use super::record::{Recorder, child};

const PSA: &str = "SEC-NAMESPACE: the cluster enforces the profile in force";
const PSA_VERSION: &str = "SEC-NAMESPACE: Pod Security rules pinned to the target version";

/// Fills the PSA labels of a Namespace object.
pub(crate) fn harden(value: &mut Value, profile: Profile, kube_version: &str, rec: &mut Recorder) {
    let Some(obj) = value.as_object_mut() else { return };
    let Some(meta) = child(obj, "metadata") else { return };
    let Some(labels) = child(meta, "labels") else { return };
    let at = "/metadata/labels";
    let level = profile.pss_level();
    rec.fill(labels, at, "pod-security.kubernetes.io/enforce", json!(level), PSA);
    let version = format!("v{}", minor_version(kube_version));
    rec.fill(
        labels,
        at,
        "pod-security.kubernetes.io/enforce-version",
        json!(version),
        PSA_VERSION,
    );
    rec.fill(labels, at, "pod-security.kubernetes.io/warn", json!(level), PSA);
    rec.fill(labels, at, "pod-security.kubernetes.io/audit", json!(level), PSA);
}

/// `1.35` from `1.35`, `v1.35` or `1.35.2`: PSA versions name a minor release.
fn minor_version(kube_version: &str) -> String {
    let parts: Vec<&str> = kube_version.trim_start_matches('v').split('.').take(2).collect();
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_pinned_to_the_minor_release() {
        assert_eq!(minor_version("1.35"), "1.35");
        assert_eq!(minor_version("v1.33.4"), "1.33");
    }
}
