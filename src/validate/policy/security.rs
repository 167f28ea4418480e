//! Hardening beyond the Pod Security Standards: read-only root filesystems, high numeric
//! user and group ids, ServiceAccount tokens, and Secrets kept out of the environment.

use serde_json::Value;

use super::{Container, Facts, Pod, RUNNING, Sink, Subject};
use crate::validate::ident;

/// The lowest user and group id that cannot collide with a system user of the node.
const HIGH_ID: i64 = 10000;

/// SEC-READONLY-FS: every container and init container has a read-only root filesystem.
pub fn read_only_root(_: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    let field = "/securityContext/readOnlyRootFilesystem";
    for c in pod.containers(RUNNING) {
        if c.get(field).and_then(Value::as_bool) != Some(true) {
            sink.push(
                c.at(field),
                format!("{} must set readOnlyRootFilesystem: true", c.describe()),
            );
        }
    }
}

/// SEC-HIGH-UID: every container runs as a numeric user and group of 10000 or more.
pub fn high_uid(_: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    if pod.spec.get("hostUsers").and_then(Value::as_bool) == Some(false) {
        return;
    }
    for field in ["runAsUser", "runAsGroup"] {
        let at = format!("/securityContext/{field}");
        let pod_level = pod.get(&at).and_then(Value::as_i64);
        let mut inherited = false;
        for c in pod.containers(RUNNING) {
            match c.get(&at).and_then(Value::as_i64) {
                Some(id) if id < HIGH_ID => sink.push(
                    c.at(&at),
                    format!("{} sets {field} {id}; use {HIGH_ID} or more", c.describe()),
                ),
                Some(_) => {}
                None if pod_level.is_some() => inherited = true,
                None => sink.push(
                    c.at(&at),
                    format!(
                        "{} sets no numeric {field} (nor does the pod); use {HIGH_ID} or more",
                        c.describe()
                    ),
                ),
            }
        }
        if inherited && let Some(id) = pod_level.filter(|id| *id < HIGH_ID) {
            sink.push(pod.at(&at), format!("the pod sets {field} {id}; use {HIGH_ID} or more"));
        }
    }
}

/// SEC-SA-TOKEN: a ServiceAccount of its own and no API token mounted.
pub fn service_account(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    let name = pod
        .spec
        .get("serviceAccountName")
        .or_else(|| pod.spec.get("serviceAccount"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() || name == "default" {
        sink.push(
            pod.at("/serviceAccountName"),
            "the pod runs as the namespace's default ServiceAccount; give it one of its own",
        );
    }
    let account = (!name.is_empty())
        .then(|| facts.named("ServiceAccount", ident::namespace(s.object), name))
        .flatten();
    let pod_level = pod.spec.get("automountServiceAccountToken").and_then(Value::as_bool);
    let account_level = account
        .and_then(|a| a.value.get("automountServiceAccountToken"))
        .and_then(Value::as_bool);
    match (pod_level, account_level) {
        (Some(false), _) | (None, Some(false)) => {}
        (Some(true), _) => sink.push(
            pod.at("/automountServiceAccountToken"),
            "the pod mounts a Kubernetes API token (automountServiceAccountToken: true)",
        ),
        _ => sink.push(
            pod.at("/automountServiceAccountToken"),
            "the pod mounts a Kubernetes API token: set automountServiceAccountToken: false",
        ),
    }
}

/// SEC-SECRET-ENV: no Secret read into environment variables.
pub fn secret_env(_: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    for c in pod.containers(RUNNING) {
        secret_env_of(pod, &c, sink);
    }
}

fn secret_env_of(_: &Pod, c: &Container, sink: &mut Sink) {
    let env = c.value.get("env").and_then(Value::as_array);
    for (i, e) in env.into_iter().flatten().enumerate() {
        if let Some(secret) = ident::at(e, "/valueFrom/secretKeyRef") {
            sink.push(
                c.at(&format!("/env/{i}/valueFrom/secretKeyRef")),
                format!(
                    "{} reads Secret {:?} into the environment variable {:?}; mount it as a file",
                    c.describe(),
                    secret.get("name").and_then(Value::as_str).unwrap_or(""),
                    e.get("name").and_then(Value::as_str).unwrap_or("")
                ),
            );
        }
    }
    let env_from = c.value.get("envFrom").and_then(Value::as_array);
    for (i, e) in env_from.into_iter().flatten().enumerate() {
        if let Some(secret) = e.get("secretRef") {
            sink.push(
                c.at(&format!("/envFrom/{i}/secretRef")),
                format!(
                    "{} reads every key of Secret {:?} into its environment; mount it as a file",
                    c.describe(),
                    secret.get("name").and_then(Value::as_str).unwrap_or("")
                ),
            );
        }
    }
}
