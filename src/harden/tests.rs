//! Whole-object tests of `harden`: which defaults apply to which kinds, and that the
//! input's own values always win.

use serde_json::{Value, json};

use super::*;

fn opts() -> HardenOptions {
    HardenOptions {
        profile: Profile::Restricted,
        kube_version: "1.35".into(),
    }
}

fn workload(kind: &str, name: &str, spec_extra: Value) -> Object {
    let api = if matches!(kind, "Job" | "CronJob") {
        "batch/v1"
    } else {
        "apps/v1"
    };
    let template = json!({
        "metadata": {"labels": {"app.kubernetes.io/name": name, "tier": "x"}},
        "spec": {"containers": [{"name": name, "image": "a:1"}]},
    });
    let mut spec = if kind == "CronJob" {
        json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}})
    } else {
        json!({"selector": {"matchLabels": {"app.kubernetes.io/name": name}}, "template": template})
    };
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        for (k, v) in extra {
            s.insert(k.clone(), v.clone());
        }
    }
    Object::new(
        json!({"apiVersion": api, "kind": kind,
               "metadata": {"name": name, "namespace": "ns", "labels": {"app.kubernetes.io/name": name}},
               "spec": spec}),
        None,
    )
}

fn run(mut objects: Vec<Object>) -> (Vec<Object>, Vec<Change>, Warnings) {
    let mut w = Warnings::default();
    let changes = harden_with_record(&mut objects, &opts(), &mut w);
    (objects, changes, w)
}

fn find<'a>(objects: &'a [Object], id: &str) -> &'a Value {
    &objects.iter().find(|o| o.id() == id).unwrap().value
}

#[test]
fn deployment_gets_replicas_strategy_spread_sa_and_pdb() {
    let (objs, _, _) = run(vec![workload("Deployment", "web", json!({}))]);
    let d = find(&objs, "Deployment/ns/web");
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["revisionHistoryLimit"], 5);
    assert_eq!(
        d["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    );
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "web");
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["enableServiceLinks"], false);
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    assert_eq!(pod["containers"][0]["imagePullPolicy"], "Always");
    let selector = json!({"matchLabels": {"app.kubernetes.io/name": "web"}});
    let term = &pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(term["podAffinityTerm"]["labelSelector"], selector);
    assert_eq!(term["podAffinityTerm"]["topologyKey"], "kubernetes.io/hostname");
    let spread = &pod["topologySpreadConstraints"][0];
    assert_eq!(spread["labelSelector"], selector);
    assert_eq!(spread["matchLabelKeys"], json!(["pod-template-hash"]));
    let sa = find(&objs, "ServiceAccount/ns/web");
    assert_eq!(sa["automountServiceAccountToken"], false);
    assert_eq!(sa["metadata"]["labels"], json!({"app.kubernetes.io/name": "web"}));
    let pdb = find(&objs, "PodDisruptionBudget/ns/web");
    assert_eq!(
        pdb["spec"],
        json!({"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow", "selector": selector})
    );
    assert_eq!(pdb["apiVersion"], "policy/v1");
}

#[test]
fn user_choices_win() {
    let mut d = workload(
        "Deployment",
        "web",
        json!({"replicas": 1, "revisionHistoryLimit": 1, "strategy": {"type": "Recreate"}}),
    );
    if let Some(pod) = d.value.pointer_mut("/spec/template/spec") {
        *pod = json!({
            "serviceAccountName": "custom", "automountServiceAccountToken": true, "enableServiceLinks": true,
            "terminationGracePeriodSeconds": 5, "affinity": {"podAntiAffinity": {}}, "topologySpreadConstraints": [],
            "containers": [{"name": "web", "image": "a:1", "imagePullPolicy": "IfNotPresent"}],
        });
    }
    let (objs, _, _) = run(vec![d]);
    assert_eq!(objs.len(), 1, "no SA (the pod names one), no PDB (one replica)");
    let d = find(&objs, "Deployment/ns/web");
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["spec"]["revisionHistoryLimit"], 1);
    assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "custom");
    assert_eq!(pod["automountServiceAccountToken"], true);
    assert_eq!(pod["enableServiceLinks"], true);
    assert_eq!(pod["terminationGracePeriodSeconds"], 5);
    assert_eq!(pod["affinity"], json!({"podAntiAffinity": {}}));
    assert_eq!(pod["topologySpreadConstraints"], json!([]));
    assert_eq!(pod["containers"][0]["imagePullPolicy"], "IfNotPresent");
}

#[test]
fn no_surge_keeps_max_unavailable_default() {
    let d = workload(
        "Deployment",
        "web",
        json!({"strategy": {"rollingUpdate": {"maxSurge": 0}}}),
    );
    let (objs, _, _) = run(vec![d]);
    let strategy = &find(&objs, "Deployment/ns/web")["spec"]["strategy"];
    assert_eq!(
        strategy,
        &json!({"rollingUpdate": {"maxSurge": 0}, "type": "RollingUpdate"})
    );
}

#[test]
fn an_hpa_target_gets_no_replicas_but_a_pdb() {
    let hpa = Object::new(
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "web", "namespace": "ns"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                        "minReplicas": 2, "maxReplicas": 4}}),
        None,
    );
    let (objs, _, _) = run(vec![workload("Deployment", "web", json!({})), hpa]);
    assert!(find(&objs, "Deployment/ns/web")["spec"].get("replicas").is_none());
    assert!(objs.iter().any(|o| o.id() == "PodDisruptionBudget/ns/web"));
}

#[test]
fn a_statefulset_with_volumes_keeps_one_replica_and_no_pdb() {
    let claims = json!({"volumeClaimTemplates": [{"metadata": {"name": "data"}}]});
    let (objs, _, _) = run(vec![workload("StatefulSet", "db", claims)]);
    let s = find(&objs, "StatefulSet/ns/db");
    assert!(s["spec"].get("replicas").is_none());
    assert!(
        s["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
            .get("matchLabelKeys")
            .is_none()
    );
    assert!(!objs.iter().any(|o| o.kind() == "PodDisruptionBudget"));
    let (objs, _, _) = run(vec![workload("StatefulSet", "cache", json!({}))]);
    assert_eq!(find(&objs, "StatefulSet/ns/cache")["spec"]["replicas"], 2);
    assert!(objs.iter().any(|o| o.id() == "PodDisruptionBudget/ns/cache"));
}

#[test]
fn jobs_cronjobs_and_daemonsets_are_not_replicated_or_spread() {
    let (objs, _, _) = run(vec![
        workload("Job", "migrate", json!({})),
        workload("CronJob", "report", json!({})),
        workload("DaemonSet", "agent", json!({})),
    ]);
    let kinds: Vec<String> = objs.iter().map(Object::id).collect();
    assert_eq!(
        kinds,
        [
            "Job/ns/migrate",
            "CronJob/ns/report",
            "DaemonSet/ns/agent",
            "ServiceAccount/ns/migrate",
            "ServiceAccount/ns/report",
            "ServiceAccount/ns/agent"
        ]
    );
    let cron = find(&objs, "CronJob/ns/report");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert!(pod.get("affinity").is_none());
    assert!(cron["spec"].get("concurrencyPolicy").is_none());
    let ds = find(&objs, "DaemonSet/ns/agent");
    assert!(ds["spec"].get("replicas").is_none());
    assert_eq!(ds["spec"]["revisionHistoryLimit"], 5);
}

#[test]
fn existing_service_accounts_and_pdbs_are_not_duplicated() {
    let sa = Object::new(
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "ns"}}),
        None,
    );
    let pdb = Object::new(
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "other", "namespace": "ns"},
               "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}}),
        None,
    );
    let (objs, _, _) = run(vec![sa.clone(), pdb.clone(), workload("Deployment", "web", json!({}))]);
    assert_eq!(objs.len(), 3);
    assert_eq!(objs[0], sa);
    assert_eq!(objs[1], pdb);
    assert_eq!(
        find(&objs, "Deployment/ns/web")["spec"]["template"]["spec"]["serviceAccountName"],
        "web"
    );
}

#[test]
fn namespaces_get_pinned_pod_security_labels_unless_set() {
    let ns = Object::new(
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": "ns", "labels": {"pod-security.kubernetes.io/warn": "baseline"}}}),
        None,
    );
    let (objs, changes, _) = run(vec![ns]);
    assert_eq!(
        objs[0].value["metadata"]["labels"],
        json!({"pod-security.kubernetes.io/warn": "baseline",
               "pod-security.kubernetes.io/enforce": "restricted",
               "pod-security.kubernetes.io/enforce-version": "v1.35",
               "pod-security.kubernetes.io/audit": "restricted"})
    );
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|c| c.object == "Namespace/ns"));
}

#[test]
fn other_kinds_and_groups_are_untouched() {
    let objects = vec![
        Object::new(
            json!({"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "x"}}),
            None,
        ),
        Object::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
            None,
        ),
    ];
    let (objs, changes, w) = run(objects.clone());
    assert_eq!(objs, objects);
    assert!(changes.is_empty() && w.is_empty());
}

#[test]
fn old_targets_get_no_eviction_policy() {
    let mut objects = vec![workload("Deployment", "web", json!({}))];
    let opts = HardenOptions {
        profile: Profile::Restricted,
        kube_version: "1.26".into(),
    };
    harden(&mut objects, &opts, &mut Warnings::default());
    let pdb = find(&objects, "PodDisruptionBudget/ns/web");
    assert!(pdb["spec"].get("unhealthyPodEvictionPolicy").is_none());
}

#[test]
fn warnings_are_one_per_workload_and_kind_of_default() {
    let mut d = workload("Deployment", "web", json!({}));
    if let Some(c) = d.value.pointer_mut("/spec/template/spec/containers") {
        c.as_array_mut().unwrap().push(json!({"name": "side", "image": "b:1"}));
    }
    let (_, _, w) = run(vec![d]);
    let w = w.into_sorted();
    let codes: Vec<&str> = w.iter().map(|w| w.code).collect();
    assert_eq!(codes, ["default-resources", "default-uid"]);
    let (_, _, w) = run(vec![{
        let mut d = workload("Deployment", "web", json!({}));
        if let Some(c) = d.value.pointer_mut("/spec/template/spec/containers/0") {
            c["securityContext"] = json!({"runAsUser": 1000});
            c["resources"] = json!({"limits": {"memory": "1Gi"}});
        }
        d
    }]);
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn selector_falls_back_to_all_template_labels() {
    let mut d = workload("Deployment", "web", json!({"selector": {"matchLabels": {"tier": "x"}}}));
    if let Some(labels) = d.value.pointer_mut("/spec/template/metadata/labels") {
        *labels = json!({"tier": "x"});
    }
    let (objs, _, _) = run(vec![d]);
    let pod = &find(&objs, "Deployment/ns/web")["spec"]["template"]["spec"];
    assert_eq!(
        pod["topologySpreadConstraints"][0]["labelSelector"],
        json!({"matchLabels": {"tier": "x"}})
    );
}

#[test]
fn a_deployment_writing_a_single_writer_claim_keeps_one_replica_with_a_waiver() {
    let claim = |name: &str, mode: &str| {
        Object::new(
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "ns"},
                   "spec": {"accessModes": [mode], "resources": {"requests": {"storage": "1Gi"}}}}),
            None,
        )
    };
    let with_claim = |name: &str, claim: &str| {
        let mut d = workload("Deployment", name, json!({}));
        if let Some(pod) = d.value.pointer_mut("/spec/template/spec") {
            pod["volumes"] = json!([{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]);
        }
        d
    };
    let (objs, changes, _) = run(vec![
        claim("rwo", "ReadWriteOnce"),
        claim("rwx", "ReadWriteMany"),
        with_claim("single", "rwo"),
        with_claim("shared", "rwx"),
        with_claim("external", "not-in-output"),
    ]);
    for name in ["single", "external"] {
        let d = find(&objs, &format!("Deployment/ns/{name}"));
        assert!(d["spec"].get("replicas").is_none(), "{name}");
        assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
        let waiver = d["metadata"]["annotations"]["berth.dev/waive"].as_str().unwrap();
        assert!(waiver.starts_with("REL-REPLICAS="), "{waiver}");
        assert!(!objs.iter().any(|o| o.id() == format!("PodDisruptionBudget/ns/{name}")));
    }
    assert!(
        changes
            .iter()
            .any(|c| c.pointer == "/metadata/annotations/berth.dev~1waive")
    );
    let mut again = objs.clone();
    let second = harden_with_record(&mut again, &opts(), &mut Warnings::default());
    assert_eq!(second, [], "hardening is idempotent");
    let shared = find(&objs, "Deployment/ns/shared");
    assert_eq!(shared["spec"]["replicas"], 2);
    assert_eq!(shared["spec"]["strategy"]["type"], "RollingUpdate");
    assert!(shared["metadata"].get("annotations").is_none());
}

/// A namespace enforcing a level its own waived workloads break would reject their pods:
/// it drops to the strictest level they meet, and says so.
#[test]
fn namespace_level_follows_the_waivers_of_its_workloads() {
    let level_for = |waive: Option<&str>| {
        let mut w = workload("Deployment", "app", json!({}));
        if let Some(reason) = waive {
            crate::manifest::add_waiver(&mut w.value, reason, "the input asks for it");
        }
        let ns = Object::new(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}),
            None,
        );
        let mut objects = vec![ns, w];
        let mut warnings = Warnings::default();
        harden(&mut objects, &opts(), &mut warnings);
        let enforce = objects[0]
            .value
            .pointer("/metadata/labels/pod-security.kubernetes.io~1enforce")
            .cloned();
        let warned = warnings.iter().any(|w| w.code == "namespace-level");
        (enforce, warned)
    };
    assert_eq!(level_for(None), (Some(json!("restricted")), false));
    assert_eq!(level_for(Some("REL-LIVENESS")), (Some(json!("restricted")), false));
    assert_eq!(level_for(Some("PSS-RESTRICTED")), (Some(json!("baseline")), true));
    assert_eq!(level_for(Some("PSS-BASELINE")), (Some(json!("privileged")), true));
}

/// When every container names the same user, the pod follows it (so volumes are owned by
/// the application's group); containers that disagree leave the pod at the default.
#[test]
fn pod_user_follows_the_user_every_container_names() {
    let pod_sc = |users: &[(i64, i64)]| {
        let mut w = workload("Deployment", "app", json!({}));
        if let Some(Value::Array(cs)) = w.value.pointer_mut("/spec/template/spec/containers") {
            let first = cs[0].clone();
            cs.clear();
            for (i, (uid, gid)) in users.iter().enumerate() {
                let mut c = first.clone();
                c["name"] = json!(format!("c{i}"));
                c["securityContext"] = json!({"runAsUser": uid, "runAsGroup": gid});
                cs.push(c);
            }
        }
        let mut objects = vec![w];
        harden(&mut objects, &opts(), &mut Warnings::default());
        objects[0].value["spec"]["template"]["spec"]["securityContext"].clone()
    };
    let sc = pod_sc(&[(1000, 2000)]);
    assert_eq!(
        (&sc["runAsUser"], &sc["runAsGroup"], &sc["fsGroup"]),
        (&json!(1000), &json!(2000), &json!(2000))
    );
    let sc = pod_sc(&[(1000, 2000), (1001, 2000)]);
    assert_eq!((&sc["runAsUser"], &sc["fsGroup"]), (&json!(10001), &json!(10001)));
}
