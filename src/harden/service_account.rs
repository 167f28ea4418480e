//! Pod-level defaults that are not security contexts: a dedicated ServiceAccount without
//! a mounted token, no Service environment links, a pinned pull policy and a bounded
//! termination grace period.

use serde_json::{Map, Value, json};

use super::record::{Recorder, for_each_container, is_set};

const OWN_SA: &str = "SEC-SA-TOKEN: a dedicated ServiceAccount, not the namespace default";
const NO_TOKEN: &str = "SEC-SA-TOKEN: no API token mounted; opt in where the app calls the API";
const NO_LINKS: &str = "no Service environment variables (compose has none; they leak other services' addresses)";
const GRACE: &str = "bounded termination grace period";
const PULL: &str = "IMG-PULL: always pull, so a moved tag is noticed";

/// Fills the pod spec at `base` of workload `name`. Returns the name of the
/// ServiceAccount it pointed the pod at, when it chose one (the caller creates it).
pub(crate) fn harden_pod(spec: &mut Map<String, Value>, base: &str, name: &str, rec: &mut Recorder) -> Option<String> {
    for_each_container(spec, base, |at, c| {
        rec.fill(c, at, "imagePullPolicy", json!("Always"), PULL);
    });
    rec.fill(spec, base, "automountServiceAccountToken", json!(false), NO_TOKEN);
    rec.fill(spec, base, "enableServiceLinks", json!(false), NO_LINKS);
    rec.fill(spec, base, "terminationGracePeriodSeconds", json!(30), GRACE);
    // `serviceAccount` is the deprecated alias; either one means the input chose.
    if is_set(spec.get("serviceAccount")) || name.is_empty() {
        return None;
    }
    rec.fill(spec, base, "serviceAccountName", json!(name), OWN_SA)
        .then(|| name.to_string())
}

/// The ServiceAccount made for a workload: same namespace and labels, no token.
pub(crate) fn service_account(name: &str, namespace: &str, labels: Option<&Value>) -> Value {
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if !namespace.is_empty() {
        meta.insert("namespace".into(), json!(namespace));
    }
    if let Some(labels) = labels.filter(|l| l.as_object().is_some_and(|m| !m.is_empty())) {
        meta.insert("labels".into(), labels.clone());
    }
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta,
        "automountServiceAccountToken": false,
    })
}
