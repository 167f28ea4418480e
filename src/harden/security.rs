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
const FS_GROUP: &str = "SEC-HIGH-UID: volumes owned by the pod's group (10001 unless the input names one)";
const SHARED_USER: &str = "SEC-HIGH-UID: the pod runs as the user every container names";
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

/// Who a pod or container runs as, as the input says (containers: after inheritance).
#[derive(Debug, Clone, Copy, Default)]
struct Identity {
    uid: Option<i64>,
    gid: Option<i64>,
    non_root: Option<bool>,
}

impl Identity {
    fn of(security: Option<&Value>) -> Identity {
        let field = |k: &str| security.and_then(|s| s.get(k));
        Identity {
            uid: field("runAsUser").and_then(Value::as_i64),
            gid: field("runAsGroup").and_then(Value::as_i64),
            non_root: field("runAsNonRoot").and_then(Value::as_bool),
        }
    }

    fn inherit(self, pod: Identity) -> Identity {
        Identity {
            uid: self.uid.or(pod.uid),
            gid: self.gid.or(pod.gid),
            non_root: self.non_root.or(pod.non_root),
        }
    }

    fn wants_root(self) -> bool {
        self.uid == Some(0) || self.non_root == Some(false)
    }
}

/// Applies the restricted security defaults to a pod spec at pointer `base`.
///
/// UID and GID: where the input names a user, its group is left to the image (as
/// compose does); where berth picks the user (10001), it picks the group too.
pub(crate) fn harden_pod(spec: &mut Map<String, Value>, base: &str, rec: &mut Recorder) -> Outcome {
    if get(spec, &["os", "name"]).and_then(Value::as_str) == Some("windows") {
        return Outcome::default();
    }
    let pod = Identity::of(spec.get("securityContext"));
    let mut any_root = pod.wants_root();
    let mut user_without_group = pod.uid.is_some() && pod.gid.is_none();
    let mut users: Vec<Identity> = Vec::new();
    for_each_container(spec, base, |_, c| {
        let own = Identity::of(c.get("securityContext"));
        any_root |= own.inherit(pod).wants_root();
        user_without_group |= own.uid.is_some() && own.gid.is_none();
        users.push(own);
    });
    harden_pod_context(spec, base, any_root, user_without_group, shared_user(&users), rec);
    let pod_context = spec.get("securityContext").cloned().unwrap_or(Value::Null);
    let mut outcome = Outcome::default();
    for_each_container(spec, base, |at, c| {
        outcome.default_uid |= harden_container(c, at, &pod_context, pod, rec);
    });
    add_tmp(spec, base, rec);
    outcome
}

/// The user every container names for itself, when they all name the same one (compose
/// `user: 1000:1000`): the pod's defaults then follow it, so volumes are owned by the
/// group the application runs as, not by berth's 10001.
fn shared_user(containers: &[Identity]) -> Option<Identity> {
    let first = *containers.first()?;
    let same = containers.iter().all(|c| c.uid == first.uid && c.gid == first.gid);
    (same && first.uid.is_some_and(|u| u != 0)).then_some(first)
}

/// Fills the pod-level context. Users are set per container instead when a container
/// asked for root (it would inherit them); the group only when no container names a
/// user of its own without a group (it would inherit ours). When every container names
/// the same user, the pod's user and fsGroup follow it.
fn harden_pod_context(
    spec: &mut Map<String, Value>,
    base: &str,
    any_root: bool,
    user_without_group: bool,
    shared: Option<Identity>,
    rec: &mut Recorder,
) {
    let Some(sc) = child(spec, "securityContext") else {
        return;
    };
    let at = format!("{base}/securityContext");
    if !any_root {
        rec.fill(sc, &at, "runAsNonRoot", json!(true), NON_ROOT);
        match shared {
            Some(user) => {
                rec.fill(sc, &at, "runAsUser", json!(user.uid), SHARED_USER);
                if let Some(gid) = user.gid {
                    rec.fill(sc, &at, "runAsGroup", json!(gid), SHARED_USER);
                }
            }
            None => {
                let defaulted = rec.fill(sc, &at, "runAsUser", json!(DEFAULT_ID), UID);
                if defaulted && !user_without_group {
                    rec.fill(sc, &at, "runAsGroup", json!(DEFAULT_ID), GID);
                }
            }
        }
    }
    let fs_group = shared.and_then(|u| u.gid.or(u.uid)).unwrap_or(DEFAULT_ID);
    rec.fill(sc, &at, "fsGroup", json!(fs_group), FS_GROUP);
    rec.fill(sc, &at, "fsGroupChangePolicy", json!("OnRootMismatch"), FS_GROUP_POLICY);
    rec.fill(sc, &at, "seccompProfile", json!({"type": "RuntimeDefault"}), SECCOMP);
}

/// Fills one container's context, repeating the pod's values (`pod`: the pod context
/// after defaults; `pod_input`: as the input gave it). Returns whether the container
/// runs as the default UID because the input named no user for it.
fn harden_container(
    c: &mut Map<String, Value>,
    base: &str,
    pod: &Value,
    pod_input: Identity,
    rec: &mut Recorder,
) -> bool {
    let Some(sc) = child(c, "securityContext") else {
        return false;
    };
    let at = format!("{base}/securityContext");
    let input = Identity::of(Some(&Value::Object(sc.clone()))).inherit(pod_input);
    rec.fill(sc, &at, "privileged", json!(false), NO_PRIVILEGED);
    if !escalation_required(sc) {
        rec.fill(sc, &at, "allowPrivilegeEscalation", json!(false), NO_ESCALATION);
    }
    rec.fill(sc, &at, "readOnlyRootFilesystem", json!(true), READ_ONLY);
    let defaulted = !input.wants_root() && input.uid.is_none();
    if !input.wants_root() {
        rec.fill(sc, &at, "runAsNonRoot", json!(true), NON_ROOT);
        let uid = pod.get("runAsUser").cloned().unwrap_or(json!(DEFAULT_ID));
        rec.fill(sc, &at, "runAsUser", uid, UID);
        let gid = pod
            .get("runAsGroup")
            .cloned()
            .or_else(|| defaulted.then(|| json!(DEFAULT_ID)));
        if let Some(gid) = gid {
            rec.fill(sc, &at, "runAsGroup", gid, GID);
        }
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
    if !drop
        .iter()
        .any(|d| d.as_str().is_some_and(|d| d.eq_ignore_ascii_case("ALL")))
    {
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
    let exists = spec.get("volumes").and_then(Value::as_array).is_some_and(|v| {
        v.iter()
            .any(|v| v.get("name").and_then(Value::as_str) == Some(volume.as_str()))
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harden::record::Change;

    fn run(spec: Value) -> (Value, Outcome, Vec<Change>) {
        let mut spec = spec.as_object().cloned().unwrap();
        let mut changes = Vec::new();
        let mut rec = Recorder::new("Pod/x".into(), Some(&mut changes));
        let out = harden_pod(&mut spec, "/spec", &mut rec);
        (Value::Object(spec), out, changes)
    }

    fn container(spec: &Value) -> &Value {
        &spec["containers"][0]["securityContext"]
    }

    #[test]
    fn fills_the_reference_contexts() {
        let (spec, out, _) = run(json!({"containers": [{"name": "a", "image": "a:1"}]}));
        assert_eq!(
            spec["securityContext"],
            json!({"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                   "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"}})
        );
        assert_eq!(
            *container(&spec),
            json!({"privileged": false, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                   "runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001,
                   "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}})
        );
        assert!(out.default_uid);
    }

    #[test]
    fn user_values_win_and_are_repeated() {
        let (spec, out, _) = run(json!({
            "securityContext": {"runAsUser": 1000, "seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
            "containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": false,
                                                              "capabilities": {"add": ["NET_BIND_SERVICE"]}}}],
        }));
        let c = container(&spec);
        assert_eq!(spec["securityContext"]["runAsUser"], 1000);
        assert!(
            spec["securityContext"].get("runAsGroup").is_none(),
            "the image's group stays"
        );
        assert_eq!(c["runAsUser"], 1000);
        assert!(c.get("runAsGroup").is_none());
        assert_eq!(c["readOnlyRootFilesystem"], false);
        assert_eq!(c["capabilities"], json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}));
        assert_eq!(c["seccompProfile"]["type"], "Localhost");
        assert!(spec.get("volumes").is_none(), "no /tmp for a writable root filesystem");
        assert!(!out.default_uid);
    }

    #[test]
    fn a_container_user_without_group_keeps_the_image_group() {
        let (spec, out, _) = run(json!({"containers": [
            {"name": "a", "securityContext": {"runAsUser": 70}},
            {"name": "b"},
        ]}));
        assert!(spec["securityContext"].get("runAsGroup").is_none());
        assert_eq!(spec["containers"][0]["securityContext"]["runAsUser"], 70);
        assert!(spec["containers"][0]["securityContext"].get("runAsGroup").is_none());
        assert_eq!(spec["containers"][1]["securityContext"]["runAsUser"], 10001);
        assert_eq!(spec["containers"][1]["securityContext"]["runAsGroup"], 10001);
        assert!(out.default_uid, "container b runs as the default user");
    }

    #[test]
    fn root_requests_are_never_overridden() {
        let (spec, out, _) = run(json!({"containers": [
            {"name": "root", "securityContext": {"runAsUser": 0}},
            {"name": "image-user", "securityContext": {"runAsNonRoot": false}},
            {"name": "plain"},
        ]}));
        let pod = &spec["securityContext"];
        assert!(pod.get("runAsNonRoot").is_none() && pod.get("runAsUser").is_none());
        let root = &spec["containers"][0]["securityContext"];
        assert!(root.get("runAsNonRoot").is_none());
        assert_eq!(root["runAsUser"], 0);
        let image_user = &spec["containers"][1]["securityContext"];
        assert!(image_user.get("runAsUser").is_none());
        assert_eq!(image_user["runAsNonRoot"], false);
        let plain = &spec["containers"][2]["securityContext"];
        assert_eq!(
            (plain["runAsUser"].clone(), plain["runAsNonRoot"].clone()),
            (json!(10001), json!(true))
        );
        assert!(out.default_uid);
    }

    #[test]
    fn privileged_or_sys_admin_keeps_escalation_unset() {
        let (spec, _, _) = run(json!({"containers": [
            {"name": "p", "securityContext": {"privileged": true}},
            {"name": "s", "securityContext": {"capabilities": {"add": ["CAP_SYS_ADMIN"]}}},
        ]}));
        for i in 0..2 {
            let c = &spec["containers"][i]["securityContext"];
            assert!(c.get("allowPrivilegeEscalation").is_none(), "{c}");
            assert_eq!(c["capabilities"]["drop"], json!(["ALL"]));
        }
        assert_eq!(spec["containers"][0]["securityContext"]["privileged"], true);
    }

    #[test]
    fn drop_list_gains_all() {
        let (spec, _, changes) = run(json!({"containers": [
            {"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}},
        ]}));
        assert_eq!(container(&spec)["capabilities"]["drop"], json!(["NET_RAW", "ALL"]));
        assert!(
            changes
                .iter()
                .any(|c| c.pointer == "/spec/containers/0/securityContext/capabilities/drop/1")
        );
    }

    #[test]
    fn tmp_is_added_once_and_respects_existing_mounts() {
        let (spec, _, _) = run(json!({
            "initContainers": [{"name": "i"}],
            "containers": [{"name": "a", "volumeMounts": [{"name": "scratch", "mountPath": "/tmp/"}]}, {"name": "b"}],
            "volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "tmp", "configMap": {"name": "x"}}],
        }));
        assert_eq!(
            spec["containers"][0]["volumeMounts"],
            json!([{"name": "scratch", "mountPath": "/tmp/"}])
        );
        assert_eq!(
            spec["containers"][1]["volumeMounts"],
            json!([{"name": "berth-tmp", "mountPath": "/tmp"}])
        );
        assert_eq!(
            spec["initContainers"][0]["volumeMounts"],
            json!([{"name": "berth-tmp", "mountPath": "/tmp"}])
        );
        let volumes = spec["volumes"].as_array().unwrap();
        assert_eq!(volumes.len(), 3);
        assert_eq!(
            volumes[2],
            json!({"name": "berth-tmp", "emptyDir": {"sizeLimit": "64Mi"}})
        );
    }

    #[test]
    fn windows_pods_are_left_alone() {
        let (spec, _, changes) = run(json!({"os": {"name": "windows"}, "containers": [{"name": "a"}]}));
        assert!(changes.is_empty());
        assert!(spec.get("securityContext").is_none());
    }
}
