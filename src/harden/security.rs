//! Pod and container security contexts for the `restricted` Pod Security Standard, and
//! the writable `/tmp` a read-only root filesystem needs.
//!
//! Only unset fields are filled. A pod or container the input asked to run as root
//! (`runAsUser: 0` or `runAsNonRoot: false`, at its own level or inherited) keeps that:
//! berth never overrides a relaxation, it only leaves it for policy to report against the
//! waiver the converter (or the user) wrote. Container-level values repeat the pod's, so
//! tools that look at one level only agree, and repeating never changes behaviour.

use serde_json::{Map, Value, json};

use super::record::{Recorder, child, for_each_container, get};

/// The UID and GID used when the input names none (the image's user is unknown offline).
pub const DEFAULT_ID: i64 = 10001;
/// Size of the `/tmp` emptyDir added for read-only root filesystems.
pub const TMP_SIZE: &str = "64Mi";

const NON_ROOT: &str = "PSS-RESTRICTED: run as a non-root user";
const UID: &str = "SEC-HIGH-UID: numeric UID 10001, since the image's user is unknown offline";
const GID: &str = "SEC-HIGH-UID: numeric GID 10001";
const FS_GROUP: &str = "SEC-HIGH-UID: volumes owned by group 10001";
const FS_GROUP_POLICY: &str = "fsGroup applied only when a volume's root has the wrong owner";
const SECCOMP: &str = "PSS-RESTRICTED: RuntimeDefault seccomp profile";
const NO_PRIVILEGED: &str = "PSS-BASELINE: not privileged";
const NO_ESCALATION: &str = "PSS-RESTRICTED: no privilege escalation";
const READ_ONLY: &str = "SEC-READONLY-FS: read-only root filesystem";
const DROP_ALL: &str = "PSS-RESTRICTED: drop all capabilities";
const TMP: &str = "SEC-READONLY-FS: writable /tmp on an emptyDir";

/// What `harden_pod` did that the user should hear about.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Some container now runs as UID 10001 because nothing named a user.
    pub default_uid: bool,
}

/// Who a pod or container runs as, after inheritance.
#[derive(Debug, Clone, Copy, Default)]
struct Identity {
    uid: Option<i64>,
    non_root: Option<bool>,
}

impl Identity {
    fn of(security: Option<&Value>) -> Identity {
        Identity {
            uid: security.and_then(|s| s.get("runAsUser")).and_then(Value::as_i64),
            non_root: security.and_then(|s| s.get("runAsNonRoot")).and_then(Value::as_bool),
        }
    }

    fn inherit(self, pod: Identity) -> Identity {
        Identity {
            uid: self.uid.or(pod.uid),
            non_root: self.non_root.or(pod.non_root),
        }
    }

    fn wants_root(self) -> bool {
        self.uid == Some(0) || self.non_root == Some(false)
    }
}

/// Applies the restricted security defaults to a pod spec at pointer `base`.
pub(crate) fn harden_pod(spec: &mut Map<String, Value>, base: &str, rec: &mut Recorder) -> Outcome {
    if get(spec, &["os", "name"]).and_then(Value::as_str) == Some("windows") {
        return Outcome::default();
    }
    let pod = Identity::of(spec.get("securityContext"));
    let mut any_root = pod.wants_root();
    for_each_container(spec, base, |_, c| {
        any_root |= Identity::of(c.get("securityContext")).inherit(pod).wants_root();
    });
    let mut outcome = Outcome::default();
    let pod_uid_defaulted = harden_pod_context(spec, base, any_root, rec);
    let pod_context = spec.get("securityContext").cloned().unwrap_or(Value::Null);
    for_each_container(spec, base, |at, c| {
        let had_uid = Identity::of(c.get("securityContext")).inherit(pod).uid.is_some();
        let defaulted = harden_container(c, at, &pod_context, rec);
        outcome.default_uid |= defaulted || (pod_uid_defaulted && !had_uid);
    });
    add_tmp(spec, base, rec);
    outcome
}

/// Fills the pod-level context; returns whether it defaulted the pod's UID.
fn harden_pod_context(spec: &mut Map<String, Value>, base: &str, any_root: bool, rec: &mut Recorder) -> bool {
    let Some(sc) = child(spec, "securityContext") else {
        return false;
    };
    let at = format!("{base}/securityContext");
    let mut defaulted = false;
    // A container that asked for root would inherit a pod-level user: set users per
    // container instead.
    if !any_root {
        rec.fill(sc, &at, "runAsNonRoot", json!(true), NON_ROOT);
        defaulted = rec.fill(sc, &at, "runAsUser", json!(DEFAULT_ID), UID);
        rec.fill(sc, &at, "runAsGroup", json!(DEFAULT_ID), GID);
    }
    rec.fill(sc, &at, "fsGroup", json!(DEFAULT_ID), FS_GROUP);
    rec.fill(sc, &at, "fsGroupChangePolicy", json!("OnRootMismatch"), FS_GROUP_POLICY);
    rec.fill(sc, &at, "seccompProfile", json!({"type": "RuntimeDefault"}), SECCOMP);
    defaulted
}

/// Fills one container's context; returns whether it gave the container the default UID
/// directly (the pod level had none to repeat).
fn harden_container(c: &mut Map<String, Value>, base: &str, pod: &Value, rec: &mut Recorder) -> bool {
    let Some(sc) = child(c, "securityContext") else {
        return false;
    };
    let at = format!("{base}/securityContext");
    let own = Identity::of(Some(&Value::Object(sc.clone())));
    let inherited = own.inherit(Identity::of(Some(pod)));
    rec.fill(sc, &at, "privileged", json!(false), NO_PRIVILEGED);
    if !escalation_required(sc) {
        rec.fill(sc, &at, "allowPrivilegeEscalation", json!(false), NO_ESCALATION);
    }
    rec.fill(sc, &at, "readOnlyRootFilesystem", json!(true), READ_ONLY);
    let mut defaulted = false;
    if !inherited.wants_root() {
        rec.fill(sc, &at, "runAsNonRoot", json!(true), NON_ROOT);
        let uid = pod.get("runAsUser").cloned();
        defaulted = uid.is_none() && own.uid.is_none();
        rec.fill(sc, &at, "runAsUser", uid.unwrap_or(json!(DEFAULT_ID)), UID);
        let gid = pod.get("runAsGroup").cloned().unwrap_or(json!(DEFAULT_ID));
        rec.fill(sc, &at, "runAsGroup", gid, GID);
    }
    drop_all(sc, &at, rec);
    let seccomp = pod
        .get("seccompProfile")
        .cloned()
        .unwrap_or(json!({"type": "RuntimeDefault"}));
    rec.fill(sc, &at, "seccompProfile", seccomp, SECCOMP);
    defaulted
}

/// The API server rejects `allowPrivilegeEscalation: false` beside `privileged: true` or
/// an added `SYS_ADMIN`: those imply escalation.
fn escalation_required(sc: &Map<String, Value>) -> bool {
    let privileged = sc.get("privileged").and_then(Value::as_bool) == Some(true);
    let sys_admin = get(sc, &["capabilities", "add"])
        .and_then(Value::as_array)
        .is_some_and(|add| {
            add.iter()
                .filter_map(Value::as_str)
                .any(|c| c.trim_start_matches("CAP_").eq_ignore_ascii_case("SYS_ADMIN"))
        });
    privileged || sys_admin
}

/// `capabilities.drop` gets `ALL` (added ones are kept: they are the input's choice).
fn drop_all(sc: &mut Map<String, Value>, base: &str, rec: &mut Recorder) {
    let Some(caps) = child(sc, "capabilities") else { return };
    let at = format!("{base}/capabilities");
    if rec.fill(caps, &at, "drop", json!(["ALL"]), DROP_ALL) {
        return;
    }
    let Some(drop) = caps.get_mut("drop").and_then(Value::as_array_mut) else {
        return;
    };
    if !drop.iter().any(|d| d.as_str().is_some_and(|d| d.eq_ignore_ascii_case("ALL"))) {
        drop.push(json!("ALL"));
        rec.note(format!("{at}/drop/{}", drop.len() - 1), DROP_ALL);
    }
}

/// Mounts an emptyDir at `/tmp` in every container with a read-only root filesystem that
/// has no mount there yet.
fn add_tmp(spec: &mut Map<String, Value>, base: &str, rec: &mut Recorder) {
    let volume = tmp_volume_name(spec);
    let mut needed = false;
    for_each_container(spec, base, |at, c| {
        let read_only = get(c, &["securityContext", "readOnlyRootFilesystem"]).and_then(Value::as_bool) == Some(true);
        let mounted = c
            .get("volumeMounts")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|m| is_tmp(m.get("mountPath"))));
        if !read_only || mounted {
            return;
        }
        let mounts = c.entry("volumeMounts").or_insert(Value::Null);
        if mounts.is_null() {
            *mounts = json!([]);
        }
        if let Some(list) = mounts.as_array_mut() {
            list.push(json!({"name": volume, "mountPath": "/tmp"}));
            rec.note(format!("{at}/volumeMounts/{}", list.len() - 1), TMP);
            needed = true;
        }
    });
    let exists = spec
        .get("volumes")
        .and_then(Value::as_array)
        .is_some_and(|v| v.iter().any(|v| v.get("name").and_then(Value::as_str) == Some(volume.as_str())));
    if !needed || exists {
        return;
    }
    let volumes = spec.entry("volumes").or_insert(Value::Null);
    if volumes.is_null() {
        *volumes = json!([]);
    }
    if let Some(list) = volumes.as_array_mut() {
        list.push(json!({"name": volume, "emptyDir": {"sizeLimit": TMP_SIZE}}));
        rec.note(format!("{base}/volumes/{}", list.len() - 1), TMP);
    }
}

fn is_tmp(path: Option<&Value>) -> bool {
    path.and_then(Value::as_str)
        .is_some_and(|p| p.trim_end_matches('/') == "/tmp")
}

/// `tmp`, unless the pod already has a volume of that name for something else.
fn tmp_volume_name(spec: &Map<String, Value>) -> String {
    let names: Vec<&str> = spec
        .get("volumes")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(|v| v.get("name")?.as_str()).collect())
        .unwrap_or_default();
    ["tmp", "berth-tmp"]
        .iter()
        .find(|n| !names.contains(n))
        .map_or_else(|| "berth-tmp-1".to_string(), |n| n.to_string())
}
