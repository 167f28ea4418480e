//! Pod Security Admission labels on Namespaces: the profile in force is enforced, warned
//! and audited by the cluster itself, pinned to the target version so a cluster upgrade
//! cannot change which pods are admitted.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Profile;
use super::record::{Recorder, child};
use crate::error::Warnings;
use crate::manifest::{Object, WAIVE_ANNOTATION, waivers};

const PSA: &str = "SEC-NAMESPACE: the cluster enforces the profile in force";
const PSA_VERSION: &str = "SEC-NAMESPACE: Pod Security rules pinned to the target version";

/// Pod Security levels from strictest to most permissive, and the waiver that needs each.
const LEVELS: &[(&str, Option<&str>)] = &[
    ("restricted", None),
    ("baseline", Some("PSS-RESTRICTED")),
    ("privileged", Some("PSS-BASELINE")),
];

fn rank(level: &str) -> usize {
    LEVELS.iter().position(|(l, _)| *l == level).unwrap_or(0)
}

/// The level each namespace must enforce so that its own pods are admitted: a workload
/// that waives a Pod Security rule would be rejected by a namespace enforcing it, and the
/// `berth.dev/waive` annotation means nothing to the API server. So the namespace drops
/// to the strictest level every waived workload meets, and a warning names the workload
/// that lowered it.
pub(crate) fn levels_needed(
    objects: &[Object],
    profile: Profile,
    warnings: &mut Warnings,
) -> BTreeMap<String, &'static str> {
    let mut needed: BTreeMap<String, (&'static str, String, Option<crate::source::Origin>)> = BTreeMap::new();
    for o in objects {
        let Some(annotation) = o
            .value
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(WAIVE_ANNOTATION))
        else {
            continue;
        };
        let rules: Vec<&str> = waivers(annotation.as_str().unwrap_or(""))
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let Some((level, _)) = LEVELS
            .iter()
            .rev()
            .find(|(_, rule)| rule.is_some_and(|r| rules.contains(&r)))
        else {
            continue;
        };
        let current = needed
            .get(o.namespace())
            .map_or(rank(profile.pss_level()), |(l, _, _)| rank(l));
        if rank(level) > current {
            needed.insert(o.namespace().to_string(), (level, o.id(), o.origin.clone()));
        }
    }
    needed
        .into_iter()
        .map(|(ns, (level, by, origin))| {
            warnings.push(
                origin,
                "namespace-level",
                format!(
                    "namespace `{ns}` enforces Pod Security `{level}`, not `{}`, so that {by} is admitted",
                    profile.pss_level()
                ),
                Some("remove the relaxation from that workload, or deploy it in a namespace of its own".into()),
            );
            (ns, level)
        })
        .collect()
}

/// Fills the PSA labels of a Namespace object with `level` (`restricted`, ...).
pub(crate) fn harden(value: &mut Value, level: &'static str, kube_version: &str, rec: &mut Recorder) {
    let Some(obj) = value.as_object_mut() else { return };
    let Some(meta) = child(obj, "metadata") else { return };
    let Some(labels) = child(meta, "labels") else { return };
    let at = "/metadata/labels";
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
