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
    let version = format!("v{}", kube_version.trim_start_matches('v'));
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
