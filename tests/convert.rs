//! Compose model → Kubernetes objects, end to end through `convert::convert`. Projects
//! are built from long-syntax YAML (what the loader emits), from fixtures under
//! tests/fixtures/convert or inline, with that folder as the project root.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use berth::compose::Project;
use berth::convert::{ConvertOptions, convert};
use berth::manifest::Object;
use berth::yaml::{Flavor, parse_one};
use berth::{Error, Sandbox, Warning, Warnings};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/convert")
}

fn project(yaml: &str) -> Project {
    let file: Arc<str> = "compose.yaml".into();
    let doc = parse_one(&file, yaml, Flavor::Compose).unwrap();
    serde_json::from_value(doc.value).unwrap()
}

fn run_in(dir: &Path, yaml: &str) -> Result<(Vec<Object>, Vec<Warning>), Error> {
    let sandbox = Sandbox::new(dir).unwrap();
    let opts = ConvertOptions {
        namespace: None,
        kube_version: "1.35".into(),
    };
    let mut w = Warnings::default();
    let objects = convert(&project(yaml), &sandbox, &opts, &mut w)?;
    Ok((objects, w.into_sorted()))
}

fn run(yaml: &str) -> (Vec<Object>, Vec<Warning>) {
    run_in(&root(), yaml).unwrap()
}

fn fixture(name: &str) -> (Vec<Object>, Vec<Warning>) {
    run(&std::fs::read_to_string(root().join(name)).unwrap())
}

fn find<'a>(objects: &'a [Object], kind: &str, name: &str) -> &'a Value {
    &objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| {
            panic!(
                "no {kind}/{name} in {:?}",
                objects.iter().map(Object::id).collect::<Vec<_>>()
            )
        })
        .value
}

fn container<'a>(objects: &'a [Object], kind: &str, name: &str) -> &'a Value {
    let w = find(objects, kind, name);
    let spec = if kind == "CronJob" {
        &w["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    } else {
        &w["spec"]["template"]["spec"]
    };
    &spec["containers"][0]
}

fn pod_spec<'a>(objects: &'a [Object], kind: &str, name: &str) -> &'a Value {
    &find(objects, kind, name)["spec"]["template"]["spec"]
}

fn codes(warnings: &[Warning]) -> Vec<(&'static str, String)> {
    warnings.iter().map(|w| (w.code, w.message.clone())).collect()
}

fn has_warning(warnings: &[Warning], code: &str, needle: &str) -> bool {
    warnings.iter().any(|w| w.code == code && w.message.contains(needle))
}

fn waive(v: &Value) -> String {
    v.pointer("/metadata/annotations/berth.dev~1waive")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn svc(body: &str) -> String {
    let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
    format!("name: t\nservices:\n  app:\n{indented}")
}

// ---------------------------------------------------------------- the shop fixture

#[test]
fn shop_emits_namespace_workloads_services_and_storage() {
    let (objects, _) = fixture("shop.yaml");
    let ids: Vec<String> = objects.iter().map(Object::id).collect();
    for id in [
        "Namespace/shop",
        "Deployment/shop/web",
        "StatefulSet/shop/db",
        "Job/shop/migrate",
        "Service/shop/web",
        "Service/shop/db",
        "Ingress/shop/web",
        "Secret/shop/db-password",
        "ConfigMap/shop/app-conf",
        "ConfigMap/shop/app-env",
        "ConfigMap/shop/files-nginx-conf",
        "ConfigMap/shop/files-logo-bin",
    ] {
        assert!(ids.contains(&id.to_string()), "missing {id} in {ids:?}");
    }
    for o in &objects {
        if o.kind() != "Namespace" {
            assert_eq!(o.namespace(), "shop", "{}", o.id());
        }
    }
    // the Secret is emitted once though two services use it
    assert_eq!(ids.iter().filter(|i| *i == "Secret/shop/db-password").count(), 1);
}

#[test]
fn shop_web_container() {
    let (objects, warnings) = fixture("shop.yaml");
    let c = container(&objects, "Deployment", "web");
    assert_eq!(c["name"], "web");
    assert_eq!(c["image"], "registry.example.com/shop/web:1.4.2");
    assert_eq!(c["args"], json!(["sh", "-c", "echo $HOME $$(date) $$$"]));
    assert_eq!(c["env"], json!([{"name": "LOG_LEVEL", "value": "info"}]));
    assert_eq!(c["envFrom"], json!([{"configMapRef": {"name": "app-env"}}]));
    assert!(has_warning(&warnings, "env-unset", "UNSET_ONE"));
    assert_eq!(
        c["ports"],
        json!([
            {"name": "p-8080", "containerPort": 8080, "protocol": "TCP"},
            {"name": "p-9000-udp", "containerPort": 9000, "protocol": "UDP"}
        ])
    );
    assert_eq!(
        c["resources"],
        json!({"requests": {"memory": "512Mi", "cpu": "250m"}, "limits": {"memory": "1536Mi", "cpu": "500m"}})
    );
    let w = find(&objects, "Deployment", "web");
    assert_eq!(w["spec"]["replicas"], 2);
    assert_eq!(w["metadata"]["annotations"]["berth.dev/depends-on"], "db,migrate");
    assert_eq!(
        w["spec"]["template"]["metadata"]["annotations"],
        json!({"com.example.team": "payments"})
    );
    assert_eq!(
        w["spec"]["selector"]["matchLabels"],
        json!({"app.kubernetes.io/name": "web"})
    );
}

#[test]
fn shop_probes_from_healthcheck() {
    let (objects, _) = fixture("shop.yaml");
    let c = container(&objects, "Deployment", "web");
    let cmd = json!(["/bin/sh", "-c", "curl -f http://localhost:8080/healthz || exit 1"]);
    assert_eq!(
        c["readinessProbe"],
        json!({"exec": {"command": cmd}, "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3})
    );
    assert_eq!(
        c["livenessProbe"],
        json!({"exec": {"command": cmd}, "periodSeconds": 20, "timeoutSeconds": 2, "failureThreshold": 6})
    );
    let s = &c["startupProbe"];
    let budget = s["periodSeconds"].as_u64().unwrap() * s["failureThreshold"].as_u64().unwrap();
    assert!(budget >= 90, "{s}");
    let db = container(&objects, "StatefulSet", "db");
    assert_eq!(
        db["readinessProbe"]["exec"]["command"],
        json!(["pg_isready", "-U", "postgres"])
    );
    assert_eq!(db["readinessProbe"]["periodSeconds"], 5);
    assert!(db.get("startupProbe").is_none());
}

#[test]
fn shop_service_and_ingress() {
    let (objects, _) = fixture("shop.yaml");
    let s = find(&objects, "Service", "web");
    assert_eq!(s["spec"]["type"], "ClusterIP");
    assert_eq!(s["spec"]["selector"], json!({"app.kubernetes.io/name": "web"}));
    assert_eq!(
        s["spec"]["ports"],
        json!([
            {"name": "p-8080", "port": 80, "targetPort": "p-8080", "protocol": "TCP"},
            {"name": "p-8080-2", "port": 8080, "targetPort": "p-8080", "protocol": "TCP"},
            {"name": "p-9000-udp", "port": 9000, "targetPort": "p-9000-udp", "protocol": "UDP"}
        ])
    );
    let i = find(&objects, "Ingress", "web");
    assert_eq!(i["apiVersion"], "networking.k8s.io/v1");
    assert_eq!(i["spec"]["ingressClassName"], "nginx");
    assert_eq!(
        i["spec"]["tls"],
        json!([{"hosts": ["shop.example.com"], "secretName": "shop-tls"}])
    );
    assert_eq!(
        i["spec"]["rules"][0],
        json!({"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}})
    );
    let db = find(&objects, "Service", "db");
    assert_eq!(
        db["spec"]["ports"],
        json!([{"name": "p-5432", "port": 5432, "targetPort": "p-5432", "protocol": "TCP"}])
    );
}

#[test]
fn shop_files_configs_and_secrets() {
    let (objects, warnings) = fixture("shop.yaml");
    let nginx = find(&objects, "ConfigMap", "files-nginx-conf");
    assert_eq!(nginx["data"]["nginx.conf"], "server { listen 8080; }\n");
    let logo = find(&objects, "ConfigMap", "files-logo-bin");
    // base64 once: decodes straight back to the PNG magic bytes
    assert_eq!(logo["binaryData"]["logo.bin"], "iVBORw0KGgoA//4B");
    assert!(logo.get("data").is_none());
    let secret = find(&objects, "Secret", "db-password");
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(secret["data"]["db_password"], "czNjcjN0LXZhbHVlCg==");
    let env = find(&objects, "ConfigMap", "app-env");
    assert_eq!(
        env["data"],
        json!({"LOG_LEVEL": "debug", "PORT": "8080", "GREETING": "hello world", "QUOTED": "$literal"})
    );
    let c = container(&objects, "Deployment", "web");
    let mounts = c["volumeMounts"].as_array().unwrap();
    let by_path = |p: &str| mounts.iter().find(|m| m["mountPath"] == p).unwrap().clone();
    assert_eq!(by_path("/etc/nginx/nginx.conf")["subPath"], "nginx.conf");
    assert_eq!(by_path("/etc/nginx/nginx.conf")["readOnly"], true);
    assert_eq!(by_path("/etc/app/app.conf")["subPath"], "app_conf");
    assert_eq!(by_path("/run/secrets/db_password")["subPath"], "db_password");
    for w in &warnings {
        assert!(!w.to_string().contains("s3cr3t"), "secret value leaked: {w}");
    }
}

#[test]
fn shop_statefulset_owns_its_volume() {
    let (objects, _) = fixture("shop.yaml");
    let db = find(&objects, "StatefulSet", "db");
    assert_eq!(db["spec"]["serviceName"], "db");
    assert_eq!(
        db["spec"]["volumeClaimTemplates"],
        json!([{"metadata": {"name": "dbdata"}, "spec": {"accessModes": ["ReadWriteOnce"],
            "storageClassName": "fast", "resources": {"requests": {"storage": "20Gi"}}}}])
    );
    let c = container(&objects, "StatefulSet", "db");
    assert_eq!(
        c["volumeMounts"][1],
        json!({"name": "dbdata", "mountPath": "/var/lib/postgresql/data"})
    );
    assert_eq!(c["securityContext"], json!({"runAsUser": 999, "runAsGroup": 999}));
    assert!(!objects.iter().any(|o| o.kind() == "PersistentVolumeClaim"));
}

#[test]
fn shop_is_deterministic() {
    let a = fixture("shop.yaml");
    let b = fixture("shop.yaml");
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
}

// ---------------------------------------------------------------- kompose's bugs

#[test]
fn kompose_bugs_are_fixed() {
    let (objects, warnings) = fixture("kompose-bugs.yaml");
    // CMD-SHELL runs under a shell
    let c = container(&objects, "Deployment", "shellcheck");
    assert_eq!(c["readinessProbe"]["exec"]["command"][0], "/bin/sh");
    assert_eq!(c["readinessProbe"]["exec"]["command"][1], "-c");
    // environment wins over env_file: env (which Kubernetes ranks above envFrom) keeps it
    let c = container(&objects, "Deployment", "envprec");
    assert_eq!(c["env"], json!([{"name": "LOG_LEVEL", "value": "warn"}]));
    assert_eq!(c["envFrom"][0]["configMapRef"]["name"], "app-env");
    // restart "no" → Job that never retries; on-failure:4 → backoffLimit 4
    let j = find(&objects, "Job", "oneshot");
    assert_eq!(j["spec"]["backoffLimit"], 0);
    assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "Never");
    let j = find(&objects, "Job", "retrying");
    assert_eq!(j["spec"]["backoffLimit"], 4);
    assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "OnFailure");
    // quantities
    let c = container(&objects, "Deployment", "quantities");
    assert_eq!(
        c["resources"],
        json!({"requests": {"memory": "256Mi"}, "limits": {"memory": "1Gi", "cpu": "1500m"}})
    );
    // `$` kept: compose's `$$` already became `$`; `$(` is escaped for Kubernetes
    let c = container(&objects, "Deployment", "dollars");
    assert_eq!(c["command"], json!(["/bin/sh", "-c"]));
    assert_eq!(c["args"], json!(["echo $$$HOME is $HOME and $$(hostname)"]));
    // one Service named after the service, mixed protocols
    let s = find(&objects, "Service", "dns");
    assert_eq!(s["spec"]["ports"].as_array().unwrap().len(), 2);
    assert!(
        !objects
            .iter()
            .any(|o| o.name().ends_with("-udp") || o.name().ends_with("-tcp"))
    );
    // `:ro` is a readOnly mount, the claim stays writable (and shared → RWX)
    let pvc = find(&objects, "PersistentVolumeClaim", "shared");
    assert_eq!(pvc["spec"]["accessModes"], json!(["ReadWriteMany"]));
    let c = container(&objects, "Deployment", "readonlyvol");
    assert_eq!(c["volumeMounts"][0]["readOnly"], true);
    assert!(has_warning(&warnings, "rwx-volume", "shared"));
    // published 53 → container 5353: the Service keeps 53 and no low-port warning is due
    assert_eq!(s["spec"]["ports"][0]["port"], 53);
    assert!(!has_warning(&warnings, "low-port", "`dns`"));
}

#[test]
fn binary_file_is_encoded_once() {
    let (objects, _) = run(&svc(
        "image: a:1\nvolumes:\n  - type: bind\n    source: files/logo.bin\n    target: /x\n    read_only: true",
    ));
    let cm = find(&objects, "ConfigMap", "files-logo-bin");
    let b64 = cm["binaryData"]["logo.bin"].as_str().unwrap();
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    assert_eq!(raw, std::fs::read(root().join("files/logo.bin")).unwrap());
}

#[test]
fn bind_outside_root_or_docker_socket_is_rejected() {
    for source in [
        "/etc/passwd",
        "../outside.txt",
        "/var/run/docker.sock",
        "~/data",
        "'C:\\data'",
    ] {
        let yaml = svc(&format!(
            "image: a:1\nvolumes:\n  - type: bind\n    source: {source}\n    target: /x"
        ));
        let err = run_in(&root(), &yaml).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{source}");
        assert!(err.help().unwrap().contains("named volume"), "{source}: {err}");
    }
}

#[test]
fn file_above_one_mib_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.bin"), vec![b'x'; 1024 * 1024 + 1]).unwrap();
    std::fs::write(dir.path().join("ok.txt"), "x").unwrap();
    let yaml = svc("image: a:1\nvolumes:\n  - type: bind\n    source: big.bin\n    target: /x\n    read_only: true");
    let err = run_in(dir.path(), &yaml).unwrap_err();
    assert!(err.to_string().contains("1 MiB"), "{err}");
    assert!(err.help().is_some());
    let yaml = svc("image: a:1\nvolumes:\n  - type: bind\n    source: ok.txt\n    target: /x\n    read_only: true");
    assert!(run_in(dir.path(), &yaml).is_ok());
}

// ---------------------------------------------------------------- one test per key

/// (service body, pointer into the container, expected value)
const CONTAINER_CASES: &[(&str, &str, &str)] = &[
    (
        "image: a:1\nentrypoint: [\"/bin/app\", \"--x\"]",
        "/command",
        r#"["/bin/app","--x"]"#,
    ),
    ("image: a:1\ncommand: [\"serve\"]", "/args", r#"["serve"]"#),
    ("image: a:1\nworking_dir: /srv", "/workingDir", r#""/srv""#),
    ("image: a:1\ntty: true", "/tty", "true"),
    ("image: a:1\nstdin_open: true", "/stdin", "true"),
    ("image: a:1\npull_policy: always", "/imagePullPolicy", r#""Always""#),
    (
        "image: a:1\npull_policy: missing",
        "/imagePullPolicy",
        r#""IfNotPresent""#,
    ),
    (
        "image: a:1\nx-berth:\n  imagePullPolicy: Never",
        "/imagePullPolicy",
        r#""Never""#,
    ),
    (
        "image: a:1\nlabels:\n  kompose.image-pull-policy: Always",
        "/imagePullPolicy",
        r#""Always""#,
    ),
    (
        "image: a:1\nuser: \"1000\"",
        "/securityContext",
        r#"{"runAsUser":1000}"#,
    ),
    (
        "image: a:1\nuser: \"1000:2000\"",
        "/securityContext",
        r#"{"runAsUser":1000,"runAsGroup":2000}"#,
    ),
    (
        "image: a:1\ncap_drop: [ALL]",
        "/securityContext/capabilities",
        r#"{"drop":["ALL"]}"#,
    ),
    (
        "image: a:1\ncap_add: [CAP_NET_BIND_SERVICE]",
        "/securityContext/capabilities",
        r#"{"add":["NET_BIND_SERVICE"]}"#,
    ),
    (
        "image: a:1\nread_only: true",
        "/securityContext/readOnlyRootFilesystem",
        "true",
    ),
    ("image: a:1\nprivileged: true", "/securityContext/privileged", "true"),
    (
        "image: a:1\nsecurity_opt: [\"no-new-privileges:true\"]",
        "/securityContext/allowPrivilegeEscalation",
        "false",
    ),
    (
        "image: a:1\nsecurity_opt: [\"seccomp=unconfined\"]",
        "/securityContext/seccompProfile",
        r#"{"type":"Unconfined"}"#,
    ),
    (
        "image: a:1\nsecurity_opt: [\"apparmor=my-profile\"]",
        "/securityContext/appArmorProfile",
        r#"{"type":"Localhost","localhostProfile":"my-profile"}"#,
    ),
    (
        "image: a:1\nsecurity_opt: [\"label=level:s0:c100,c200\"]",
        "/securityContext/seLinuxOptions",
        r#"{"level":"s0:c100,c200"}"#,
    ),
    ("image: a:1\nmem_limit: 512m", "/resources/limits/memory", r#""512Mi""#),
    (
        "image: a:1\nmem_reservation: 128MB",
        "/resources/requests/memory",
        r#""128Mi""#,
    ),
    ("image: a:1\ncpus: \"0.5\"", "/resources/limits/cpu", r#""500m""#),
    (
        "image: a:1\ndeploy:\n  resources:\n    reservations:\n      devices:\n        - driver: nvidia\n          count: 2\n          capabilities: [gpu]",
        "/resources/limits/nvidia.com~1gpu",
        r#""2""#,
    ),
    ("image: a:1\ngpus: all", "/resources/limits/nvidia.com~1gpu", r#""1""#),
    (
        "image: a:1\nx-berth:\n  resources:\n    limits:\n      memory: 2Gi\nmem_limit: 1g",
        "/resources/limits/memory",
        r#""2Gi""#,
    ),
    (
        "image: a:1\nenvironment:\n  A: \"x$(y)\"",
        "/env",
        r#"[{"name":"A","value":"x$$(y)"}]"#,
    ),
    (
        "image: a:1\nexpose: [\"8080\"]",
        "/ports",
        r#"[{"name":"p-8080","containerPort":8080,"protocol":"TCP"}]"#,
    ),
    (
        "image: a:1\nports:\n  - target: 8080\n    name: web",
        "/ports",
        r#"[{"name":"web","containerPort":8080,"protocol":"TCP"}]"#,
    ),
    (
        "image: a:1\nports:\n  - target: 8080\n    app_protocol: http",
        "/readinessProbe/tcpSocket/port",
        r#""http""#,
    ),
    (
        "image: a:1\nports:\n  - target: 8080",
        "/livenessProbe",
        r#"{"tcpSocket":{"port":"p-8080"},"periodSeconds":20,"failureThreshold":6}"#,
    ),
    (
        "image: a:1\nhealthcheck:\n  test: [\"CMD\", \"true\"]\n  interval: 1m30s\n  timeout: 500ms\n  retries: 2",
        "/readinessProbe",
        r#"{"exec":{"command":["true"]},"periodSeconds":90,"timeoutSeconds":1,"failureThreshold":2}"#,
    ),
    (
        "image: a:1\nhealthcheck:\n  test: [\"CMD\", \"true\"]\n  start_period: 60s\n  start_interval: 10s",
        "/startupProbe/periodSeconds",
        "10",
    ),
    (
        "image: a:1\nports:\n  - target: 80\nx-berth:\n  probes:\n    readiness:\n      httpGet:\n        path: /ready\n      periodSeconds: 3",
        "/readinessProbe",
        r#"{"httpGet":{"path":"/ready","port":"p-80"},"tcpSocket":null,"periodSeconds":3,"failureThreshold":3}"#,
    ),
];

#[test]
fn container_fields_per_key() {
    for (body, pointer, want) in CONTAINER_CASES {
        let (objects, _) = run(&svc(body));
        let w = objects
            .iter()
            .find(|o| o.name() == "app" && o.value.pointer("/spec/template").is_some());
        let w = w.unwrap_or_else(|| panic!("{body}"));
        let c = &w.value["spec"]["template"]["spec"]["containers"][0];
        let mut want: Value = serde_json::from_str(want).unwrap();
        if let Value::Object(m) = &mut want {
            m.retain(|_, v| !v.is_null());
        }
        assert_eq!(c.pointer(pointer), Some(&want), "{body}\n{c:#}");
    }
}

/// (service body, pointer into the pod spec, expected value)
const POD_CASES: &[(&str, &str, &str)] = &[
    ("image: a:1\nhostname: db", "/hostname", r#""db""#),
    (
        "image: a:1\nextra_hosts:\n  a.local: [\"10.0.0.1\"]\n  b.local: [\"10.0.0.1\", \"::1\"]",
        "/hostAliases",
        r#"[{"ip":"10.0.0.1","hostnames":["a.local","b.local"]},{"ip":"::1","hostnames":["b.local"]}]"#,
    ),
    (
        "image: a:1\nstop_grace_period: 1m30s",
        "/terminationGracePeriodSeconds",
        "90",
    ),
    (
        "image: a:1\nsysctls:\n  net.ipv4.ip_unprivileged_port_start: \"0\"",
        "/securityContext/sysctls",
        r#"[{"name":"net.ipv4.ip_unprivileged_port_start","value":"0"}]"#,
    ),
    ("image: a:1\ninit: true", "/shareProcessNamespace", "true"),
    ("image: a:1\npid: host", "/hostPID", "true"),
    ("image: a:1\nipc: host", "/hostIPC", "true"),
    ("image: a:1\nnetwork_mode: host", "/hostNetwork", "true"),
    (
        "image: a:1\nnetwork_mode: host",
        "/dnsPolicy",
        "\"ClusterFirstWithHostNet\"",
    ),
    ("image: a:1\ninit: true\npid: host", "/shareProcessNamespace", "null"),
    (
        "image: a:1\nplatform: linux/arm64",
        "/nodeSelector",
        r#"{"kubernetes.io/os":"linux","kubernetes.io/arch":"arm64"}"#,
    ),
    (
        "image: a:1\nplatform: linux/x86_64",
        "/nodeSelector",
        r#"{"kubernetes.io/os":"linux","kubernetes.io/arch":"amd64"}"#,
    ),
    (
        "image: a:1\nplatform: linux/arm/v7",
        "/nodeSelector",
        r#"{"kubernetes.io/os":"linux","kubernetes.io/arch":"arm"}"#,
    ),
    (
        "image: a:1\ndeploy:\n  placement:\n    constraints: [\"node.platform.arch == aarch64\"]",
        "/nodeSelector",
        r#"{"kubernetes.io/arch":"arm64"}"#,
    ),
    (
        "image: a:1\ndeploy:\n  placement:\n    constraints: [\"node.labels.disk==ssd\", \"node.platform.os == linux\"]",
        "/nodeSelector",
        r#"{"disk":"ssd","kubernetes.io/os":"linux"}"#,
    ),
    (
        "image: a:1\npost_start: [{command: [\"/bin/warm\"]}]\npre_stop: [{command: \"sleep 5\"}]",
        "/containers/0/lifecycle",
        r#"{"postStart":{"exec":{"command":["/bin/warm"]}},"preStop":{"exec":{"command":["/bin/sh","-c","sleep 5"]}}}"#,
    ),
    (
        "image: a:1\ndns: [\"1.1.1.1\"]\ndns_search: [example.com]\ndns_opt: [\"ndots:2\"]",
        "/dnsConfig",
        r#"{"nameservers":["1.1.1.1"],"searches":["example.com"],"options":[{"name":"ndots","value":"2"}]}"#,
    ),
    (
        "image: a:1\ngroup_add: [\"5000\"]",
        "/securityContext/supplementalGroups",
        "[5000]",
    ),
    (
        "image: a:1\nx-berth:\n  securityContext:\n    fsGroup: 3000",
        "/securityContext/fsGroup",
        "3000",
    ),
    (
        "image: a:1\nlabels:\n  kompose.security-context.fsgroup: \"3000\"",
        "/securityContext/fsGroup",
        "3000",
    ),
    (
        "image: a:1\nshm_size: 256m",
        "/volumes/0",
        r#"{"name":"dshm","emptyDir":{"medium":"Memory","sizeLimit":"256Mi"}}"#,
    ),
    (
        "image: a:1\ntmpfs: [\"/run:size=64m\"]",
        "/volumes/0",
        r#"{"name":"tmpfs-run","emptyDir":{"medium":"Memory","sizeLimit":"64Mi"}}"#,
    ),
    (
        "image: a:1\ntmpfs: [\"/run\"]",
        "/volumes/0",
        r#"{"name":"tmpfs-run","emptyDir":{"medium":"Memory","sizeLimit":"64Mi"}}"#,
    ),
    (
        "image: a:1\ntmpfs: [\"/big:size=1g\"]",
        "/volumes/0",
        r#"{"name":"tmpfs-big","emptyDir":{"medium":"Memory","sizeLimit":"1Gi"}}"#,
    ),
    (
        "image: a:1\nvolumes:\n  - type: tmpfs\n    target: /cache\n    tmpfs:\n      size: 1048576",
        "/volumes/0",
        r#"{"name":"tmpfs-cache","emptyDir":{"medium":"Memory","sizeLimit":"1Mi"}}"#,
    ),
    (
        "image: a:1\nvolumes:\n  - type: volume\n    target: /anon",
        "/volumes/0",
        r#"{"name":"anon","emptyDir":{}}"#,
    ),
    (
        "image: a:1\nvolumes:\n  - type: bind\n    source: files/site\n    target: /srv",
        "/volumes/0",
        r#"{"name":"bind","emptyDir":{}}"#,
    ),
    (
        "image: a:1\nx-berth:\n  serviceAccount:\n    automount: true",
        "/automountServiceAccountToken",
        "true",
    ),
];

#[test]
fn pod_fields_per_key() {
    for (body, pointer, want) in POD_CASES {
        let (objects, _) = run(&svc(body));
        let w = objects
            .iter()
            .find(|o| o.name() == "app" && o.value.pointer("/spec/template").is_some())
            .unwrap_or_else(|| panic!("{body}"));
        let spec = &w.value["spec"]["template"]["spec"];
        // `null` in the table means "the field is absent".
        let want: Value = serde_json::from_str(want).unwrap();
        let want = if want.is_null() { None } else { Some(&want) };
        assert_eq!(spec.pointer(pointer), want, "{body}\n{spec:#}");
    }
}

/// (service body, workload kind)
const KIND_CASES: &[(&str, &str)] = &[
    ("image: a:1", "Deployment"),
    ("image: a:1\ndeploy:\n  mode: global", "DaemonSet"),
    ("image: a:1\ndeploy:\n  mode: replicated-job", "Job"),
    ("image: a:1\nrestart: \"no\"", "Job"),
    ("image: a:1\nrestart: on-failure", "Job"),
    ("image: a:1\nrestart: unless-stopped", "Deployment"),
    (
        "image: a:1\ndeploy:\n  restart_policy:\n    condition: on-failure\n    max_attempts: 3",
        "Job",
    ),
    ("image: a:1\nx-berth:\n  schedule: \"*/5 * * * *\"", "CronJob"),
    (
        "image: a:1\nlabels:\n  kompose.cronjob.schedule: \"@hourly\"",
        "CronJob",
    ),
    ("image: a:1\nx-berth:\n  workload: daemonset", "DaemonSet"),
    (
        "image: a:1\nlabels:\n  kompose.controller.type: statefulset",
        "StatefulSet",
    ),
    (
        "image: a:1\nvolumes:\n  - type: volume\n    source: data\n    target: /data",
        "StatefulSet",
    ),
    (
        "image: a:1\ndeploy:\n  replicas: 3\nvolumes:\n  - type: volume\n    source: data\n    target: /data",
        "Deployment",
    ),
];

#[test]
fn workload_kind_per_key() {
    for (body, kind) in KIND_CASES {
        let (objects, _) = run(&format!("{}volumes:\n  data: {{}}\n", svc(body)));
        assert!(
            objects.iter().any(|o| o.kind() == *kind && o.name() == "app"),
            "{body}: {:?}",
            objects.iter().map(Object::id).collect::<Vec<_>>()
        );
    }
}

#[test]
fn cronjob_schedule_and_restart() {
    let (objects, _) = run(&svc(
        "image: a:1\nrestart: on-failure:2\nx-berth:\n  schedule: \"0 3 * * *\"",
    ));
    let cj = find(&objects, "CronJob", "app");
    assert_eq!(cj["spec"]["schedule"], "0 3 * * *");
    assert_eq!(cj["spec"]["jobTemplate"]["spec"]["backoffLimit"], 2);
    assert_eq!(
        cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"],
        "OnFailure"
    );
}

#[test]
fn service_completed_successfully_makes_a_job() {
    let yaml = "name: t\nservices:\n  init:\n    image: a:1\n  app:\n    image: a:1\n    depends_on:\n      init:\n        condition: service_completed_successfully\n";
    let (objects, _) = run(yaml);
    find(&objects, "Job", "init");
    find(&objects, "Deployment", "app");
}

/// (service body, waiver substring expected on the workload)
const WAIVER_CASES: &[(&str, &str)] = &[
    ("image: a:1\nuser: root", "PSS-RESTRICTED=compose user: root"),
    ("image: a:1\nuser: \"0\"", "PSS-RESTRICTED=compose user: root"),
    ("image: a:1\nprivileged: true", "PSS-BASELINE=compose privileged: true"),
    (
        "image: a:1\ncap_add: [SYS_ADMIN]",
        "PSS-BASELINE=compose cap_add: SYS_ADMIN",
    ),
    ("image: a:1\ncap_add: [CHOWN]", "PSS-RESTRICTED=compose cap_add: CHOWN"),
    (
        "image: a:1\nnetwork_mode: host",
        "PSS-BASELINE=compose network_mode: host",
    ),
    ("image: a:1\npid: host", "PSS-BASELINE=compose pid: host"),
    (
        "image: a:1\nsecurity_opt: [\"seccomp:unconfined\"]",
        "PSS-BASELINE=compose security_opt: seccomp=unconfined",
    ),
    (
        "image: a:1\nsysctls:\n  kernel.msgmax: \"65536\"",
        "PSS-BASELINE=compose sysctls: kernel.msgmax",
    ),
    (
        "image: a:1\nread_only: false",
        "SEC-READONLY-FS=compose read_only: false",
    ),
    ("image: a:1", "REL-READINESS=no healthcheck and no TCP port"),
    ("image: a:1", "REL-LIVENESS=no healthcheck and no TCP port"),
    (
        "image: a:1\nhealthcheck:\n  disable: true\nports:\n  - target: 8080",
        "REL-LIVENESS=compose healthcheck disabled",
    ),
    (
        "image: a:1\nhealthcheck:\n  test: [\"NONE\"]",
        "REL-READINESS=compose healthcheck disabled",
    ),
    ("image: a:1\nx-berth:\n  pdb:\n    enabled: false", "REL-PDB="),
    (
        "image: a:1\npull_policy: missing",
        "IMG-PULL=the input asks for imagePullPolicy IfNotPresent",
    ),
    (
        "image: a:1\nlabels:\n  kompose.image-pull-policy: Never",
        "IMG-PULL=the input asks for imagePullPolicy Never",
    ),
    (
        "image: a:1\nx-berth:\n  serviceAccount:\n    automount: true",
        "SEC-SA-TOKEN=",
    ),
];

#[test]
fn waivers_per_key() {
    for (body, needle) in WAIVER_CASES {
        let (objects, _) = run(&svc(body));
        let w = objects
            .iter()
            .find(|o| o.name() == "app" && o.kind() != "Service")
            .unwrap();
        assert!(waive(&w.value).contains(needle), "{body}: {}", waive(&w.value));
    }
    let (objects, _) = run(&svc(
        "image: a:1\ncap_add: [NET_BIND_SERVICE]\nports:\n  - target: 8080",
    ));
    assert_eq!(waive(find(&objects, "Deployment", "app")), "");
    let (objects, _) = run(&svc("image: a:1\npull_policy: always\nports:\n  - target: 8080"));
    assert_eq!(waive(find(&objects, "Deployment", "app")), "");
}

/// (service body, warning code, message substring)
const WARNING_CASES: &[(&str, &str, &str)] = &[
    (
        "image: a:1\nenvironment:\n  DB_PASSWORD: hunter2",
        "secret-in-env",
        "`DB_PASSWORD` looks like a credential and is stored in plain text in the pod spec",
    ),
    (
        "image: a:1\ninit: true\npid: host",
        "approximated",
        "`init: true` is dropped",
    ),
    (
        "image: a:1\nports:\n  - target: 80\n    published: \"8080\"",
        "cluster-only",
        "published port(s) 8080 are reachable inside the cluster only",
    ),
    (
        "image: a:1\nvolumes:\n  - {type: bind, source: ./missing, target: /m, bind: {propagation: rshared}}",
        "dropped-key",
        "`bind.propagation` on the mount at /m is dropped",
    ),
    (
        "image: a:1\nvolumes:\n  - {type: bind, source: ./missing, target: /m, bind: {selinux: z}}",
        "dropped-key",
        "`bind.selinux` on the mount at /m is dropped",
    ),
    (
        "image: a:1\nvolumes:\n  - {type: bind, source: ./missing, target: /m, bind: {create_host_path: false}}",
        "dropped-key",
        "`bind.create_host_path` on the mount at /m is dropped",
    ),
    (
        "image: a:1\nvolumes:\n  - {type: bind, source: ./missing, target: /m, consistency: cached}",
        "dropped-key",
        "`consistency: cached` on the mount at /m is dropped",
    ),
    (
        "image: a:1\nvolumes:\n  - {type: volume, source: data, target: /d, consistency: delegated}",
        "dropped-key",
        "`consistency: delegated` on the mount at /d is dropped",
    ),
    (
        "image: a:1\ndepends_on:\n  db: {condition: service_started, restart: true, required: true}",
        "dropped-key",
        "depends_on `db.restart` is dropped",
    ),
    ("image: nginx", "image-tag", "has no tag"),
    ("image: nginx:latest", "image-tag", "is tagged `latest`"),
    ("build: {context: .}", "image-tag", "build-only"),
    ("image: a:1\nuser: nginx", "user-name", "is a name"),
    (
        "image: a:1\nulimits:\n  nofile: 1024",
        "dropped-key",
        "`ulimits` is dropped",
    ),
    (
        "image: a:1\nlogging:\n  driver: json-file",
        "dropped-key",
        "`logging` is dropped",
    ),
    (
        "image: a:1\ndevices: [\"/dev/fuse\"]",
        "dropped-key",
        "`devices` is dropped",
    ),
    (
        "image: a:1\nstop_signal: SIGINT",
        "dropped-key",
        "`stop_signal` is dropped",
    ),
    (
        "image: a:1\ncontainer_name: x",
        "dropped-key",
        "`container_name` is dropped",
    ),
    (
        "image: a:1\ncgroup_parent: x",
        "dropped-key",
        "`cgroup_parent` is dropped",
    ),
    (
        "image: a:1\nvolumes_from: [other]",
        "dropped-key",
        "`volumes_from` is dropped",
    ),
    ("image: a:1\ndomainname: x", "dropped-key", "`domainname` is dropped"),
    ("image: a:1\nruntime: runsc", "approximated", "runtimeClassName"),
    ("image: a:1\ndns: [\"1.1.1.1\"]", "approximated", "nameservers"),
    (
        "image: a:1\nnetwork_mode: \"service:db\"",
        "approximated",
        "runs as its own pod",
    ),
    (
        "image: a:1\nnetwork_mode: \"container:abc\"",
        "approximated",
        "runs as its own pod",
    ),
    (
        "image: a:1\ndeploy:\n  placement:\n    constraints: [\"node.role==manager\"]",
        "dropped-key",
        "node.role==manager",
    ),
    (
        "image: a:1\ndeploy:\n  placement:\n    preferences: [{spread: node.labels.zone}]",
        "dropped-key",
        "placement.preferences",
    ),
    (
        "image: a:1\npost_start:\n  - command: [\"a\"]\n    user: root",
        "dropped-key",
        "`post_start` is dropped",
    ),
    (
        "image: a:1\ndeploy:\n  update_config:\n    parallelism: 2",
        "dropped-key",
        "`update_config` is dropped",
    ),
    ("image: a:1\nports:\n  - target: 80", "low-port", "port 80"),
    (
        "image: a:1\nports:\n  - target: 8080\n    published: \"8080\"\n    host_ip: 127.0.0.1",
        "approximated",
        "host IP",
    ),
    (
        "image: a:1\nvolumes:\n  - type: bind\n    source: files/site\n    target: /srv",
        "bind-dir",
        "live-reload",
    ),
    (
        "image: a:1\nvolumes:\n  - type: bind\n    source: files/nginx.conf\n    target: /x",
        "approximated",
        "read-only",
    ),
    (
        "image: a:1\nvolumes:\n  - type: volume\n    target: /x",
        "approximated",
        "anonymous volume",
    ),
    (
        "image: a:1\nsecurity_opt: [\"seccomp=/p.json\"]",
        "dropped-key",
        "seccomp=/p.json",
    ),
    (
        "image: a:1\nhealthcheck:\n  test: [\"CMD\", \"x\"]\n  interval: soon",
        "approximated",
        "not a duration",
    ),
    (
        "image: a:1\nsecrets: [{source: envsecret}]",
        "approximated",
        "berth does not read",
    ),
];

#[test]
fn warnings_per_key() {
    for (body, code, needle) in WARNING_CASES {
        let yaml = format!("{}secrets:\n  envsecret:\n    environment: TOKEN\n", svc(body));
        let (_, warnings) = run(&yaml);
        assert!(has_warning(&warnings, code, needle), "{body}: {:?}", codes(&warnings));
    }
}

/// A named volume mounted twice by one service is one claim with two mounts.
#[test]
fn one_volume_mounted_twice_is_one_claim() {
    let (objects, _) = run(&format!(
        "{}volumes:\n  data: {{}}\n",
        svc(
            "image: a:1\nvolumes:\n  - {type: volume, source: data, target: /data}\n  - {type: volume, source: data, target: /logs, volume: {subpath: logs}}"
        )
    ));
    let sts = find(&objects, "StatefulSet", "app");
    let templates = sts["spec"]["volumeClaimTemplates"].as_array().unwrap();
    assert_eq!(templates.len(), 1, "{sts:#}");
    let mounts = &sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"];
    assert_eq!(
        mounts,
        &json!([
            {"name": "data", "mountPath": "/data"},
            {"name": "data", "mountPath": "/logs", "subPath": "logs"}
        ]),
        "{sts:#}"
    );
    // The same for a Deployment's PVC: one pod volume.
    let (objects, _) = run(&format!(
        "{}volumes:\n  data: {{}}\n",
        svc(
            "image: a:1\nx-berth: {workload: deployment}\nvolumes:\n  - {type: volume, source: data, target: /data}\n  - {type: volume, source: data, target: /logs}"
        )
    ));
    let volumes = &pod_spec(&objects, "Deployment", "app")["volumes"];
    assert_eq!(volumes.as_array().map(Vec::len), Some(1), "{volumes:#}");
}

/// What compose means by default, and what berth does too, warns about nothing.
#[test]
fn default_mount_and_dependency_options_do_not_warn() {
    let (_, warnings) = run(&svc(
        "image: a:1\nvolumes:\n  - {type: bind, source: ./missing, target: /m, consistency: consistent, bind: {create_host_path: true}}\ndepends_on:\n  db: {condition: service_started, restart: false, required: false}",
    ));
    assert!(
        !warnings.iter().any(|w| w.code == "dropped-key"),
        "{:?}",
        codes(&warnings)
    );
}

#[test]
fn root_user_does_not_warn_about_low_ports() {
    let (_, warnings) = run(&svc("image: a:1\nuser: root\nports:\n  - target: 80"));
    assert!(!warnings.iter().any(|w| w.code == "low-port"));
}

#[test]
fn exposure_types() {
    let (objects, _) = run(&svc(
        "image: a:1\nports:\n  - target: 8080\nx-berth:\n  expose:\n    type: loadbalancer",
    ));
    assert_eq!(find(&objects, "Service", "app")["spec"]["type"], "LoadBalancer");
    let (objects, _) = run(&svc(
        "image: a:1\nports:\n  - target: 8080\nlabels:\n  kompose.service.type: nodeport\n  kompose.service.nodeport.port: \"30080\"",
    ));
    let s = find(&objects, "Service", "app");
    assert_eq!(s["spec"]["type"], "NodePort");
    assert_eq!(s["spec"]["ports"][0]["nodePort"], 30080);
    let (objects, _) = run(&svc(
        "image: a:1\nports:\n  - target: 8080\nlabels:\n  kompose.service.expose: app.example.com/api",
    ));
    let i = find(&objects, "Ingress", "app");
    assert_eq!(i["spec"]["rules"][0]["host"], "app.example.com");
    assert_eq!(i["spec"]["rules"][0]["http"]["paths"][0]["path"], "/api");
    // published ports alone give only a ClusterIP Service
    let (objects, _) = run(&svc("image: a:1\nports:\n  - target: 8080\n    published: \"80\""));
    assert_eq!(find(&objects, "Service", "app")["spec"]["type"], "ClusterIP");
    assert!(!objects.iter().any(|o| o.kind() == "Ingress"));
}

#[test]
fn control_labels_are_not_copied() {
    let (objects, _) = run(&svc(
        "image: a:1\nlabels:\n  kompose.service.type: clusterip\n  berth.dev/waive: \"IMG-TAG=pinned by digest elsewhere\"\n  team: x",
    ));
    let w = find(&objects, "Deployment", "app");
    assert_eq!(w["spec"]["template"]["metadata"]["annotations"], json!({"team": "x"}));
    assert!(waive(w).contains("IMG-TAG=pinned by digest elsewhere"));
}

#[test]
fn storage_knobs_and_external_volumes() {
    let yaml = format!(
        "{}volumes:\n  data:\n    external: true\n    name: existing-claim\n  cache:\n    labels:\n      kompose.volume.size: 5Gi\n",
        svc(
            "image: a:1\nx-berth:\n  workload: deployment\nvolumes:\n  - type: volume\n    source: data\n    target: /data\n  - type: volume\n    source: cache\n    target: /cache"
        )
    );
    let (objects, _) = run(&yaml);
    let spec = pod_spec(&objects, "Deployment", "app");
    assert_eq!(
        spec["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "existing-claim"
    );
    let pvc = find(&objects, "PersistentVolumeClaim", "cache");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "5Gi");
    assert_eq!(pvc["spec"]["accessModes"], json!(["ReadWriteOnce"]));
    assert!(
        !objects
            .iter()
            .any(|o| o.name() == "existing-claim" && o.kind() == "PersistentVolumeClaim")
    );
}

#[test]
fn default_pvc_size_is_one_gibibyte() {
    let yaml = format!(
        "{}volumes:\n  data: {{}}\n",
        svc("image: a:1\ndeploy:\n  replicas: 2\nvolumes:\n  - type: volume\n    source: data\n    target: /data")
    );
    let (objects, _) = run(&yaml);
    assert_eq!(
        find(&objects, "PersistentVolumeClaim", "data")["spec"]["resources"]["requests"]["storage"],
        "1Gi"
    );
}

#[test]
fn unknown_x_berth_key_is_a_located_error() {
    let err = run_in(&root(), &svc("image: a:1\nx-berth:\n  replica: 2")).unwrap_err();
    assert!(err.to_string().contains("replica"), "{err}");
    assert!(err.help().unwrap().contains("x-berth.schema.json"));
    let err = run_in(&root(), "name: t\nx-berth:\n  nmespace: x\nservices: {}\n").unwrap_err();
    assert!(err.to_string().contains("nmespace"), "{err}");
}

#[test]
fn namespace_precedence() {
    let yaml = "name: My_Project\nx-berth:\n  namespace: from-knob\nservices:\n  a:\n    image: a:1\n";
    let (objects, _) = run(yaml);
    assert_eq!(find(&objects, "Deployment", "a")["metadata"]["namespace"], "from-knob");
    let (objects, _) = run("name: My_Project\nservices:\n  a:\n    image: a:1\n");
    find(&objects, "Namespace", "my-project");
    let sandbox = Sandbox::new(&root()).unwrap();
    let opts = ConvertOptions {
        namespace: Some("cli".into()),
        kube_version: "1.35".into(),
    };
    let objects = convert(&project(yaml), &sandbox, &opts, &mut Warnings::default()).unwrap();
    find(&objects, "Namespace", "cli");
}

#[test]
fn top_level_keys_are_reported() {
    let yaml = "name: t\nversion: \"3.8\"\nservices:\n  a:\n    image: a:1\nvolumes:\n  v:\n    driver: rexray\nnetworks:\n  n:\n    ipam: {}\n";
    let (_, warnings) = run(yaml);
    assert!(has_warning(&warnings, "dropped-key", "`version` is dropped"));
    assert!(has_warning(&warnings, "dropped-key", "`driver` is dropped"));
    assert!(has_warning(&warnings, "dropped-key", "`ipam` is dropped"));
}

#[test]
fn extension_keys_are_not_reported() {
    let (_, warnings) = run(&svc("image: a:1\nx-notes: hello"));
    assert!(warnings.is_empty(), "{:?}", codes(&warnings));
}

#[test]
fn build_only_service_with_tag() {
    let (objects, warnings) = run(&svc("build: {context: .}\nx-berth:\n  tag: \"2.0\""));
    assert_eq!(container(&objects, "Deployment", "app")["image"], "t-app:2.0");
    assert!(!warnings.iter().any(|w| w.code == "image-tag"));
}

#[test]
fn env_file_optional_missing_is_skipped() {
    let (objects, _) = run(&svc("image: a:1\nenv_file:\n  - path: nope.env\n    required: false"));
    assert!(container(&objects, "Deployment", "app").get("envFrom").is_none());
    let err = run_in(
        &root(),
        &svc("image: a:1\nenv_file:\n  - path: nope.env\n    required: true"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope.env"));
}

#[test]
fn compose_configs_inline_content_and_modes() {
    let yaml = format!(
        "{}configs:\n  inline:\n    content: \"a=1\\n\"\n",
        svc("image: a:1\nconfigs:\n  - source: inline\n    mode: 288")
    );
    let (objects, _) = run(&yaml);
    assert_eq!(find(&objects, "ConfigMap", "inline")["data"]["inline"], "a=1\n");
    let spec = pod_spec(&objects, "Deployment", "app");
    assert_eq!(
        spec["volumes"][0]["configMap"],
        json!({"name": "inline", "defaultMode": 288})
    );
    assert_eq!(spec["containers"][0]["volumeMounts"][0]["mountPath"], "/inline");
}

#[test]
fn external_secret_is_referenced_not_emitted() {
    let yaml = format!(
        "{}secrets:\n  tok:\n    external: true\n    name: prod-token\n",
        svc("image: a:1\nsecrets:\n  - source: tok\n    target: token")
    );
    let (objects, _) = run(&yaml);
    assert!(!objects.iter().any(|o| o.kind() == "Secret"));
    let spec = pod_spec(&objects, "Deployment", "app");
    assert_eq!(spec["volumes"][0]["secret"]["secretName"], "prod-token");
    assert_eq!(
        spec["containers"][0]["volumeMounts"][0]["mountPath"],
        "/run/secrets/token"
    );
}

#[test]
fn names_that_collide_after_sanitising_are_an_error() {
    let err = run_in(
        &root(),
        "name: t\nservices:\n  web_1:\n    image: a:1\n  web-1:\n    image: a:1\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("both become `web-1`"), "{err}");
    assert!(err.help().unwrap().contains("rename"));
    let yaml = "name: t\nservices:\n  a:\n    image: a:1\n    volumes:\n      - {type: volume, source: my_data, target: /a}\n      - {type: volume, source: my-data, target: /b}\n    deploy: {replicas: 2}\nvolumes:\n  my_data: {x-berth: {size: 2Gi}}\n  my-data: {}\n";
    let err = run_in(&root(), yaml).unwrap_err();
    assert!(err.to_string().contains("PersistentVolumeClaim/my-data"), "{err}");
}

#[test]
fn invalid_annotation_keys_are_dropped_with_a_warning() {
    let (objects, warnings) = run(&svc(
        "image: a:1\nlabels:\n  \"has space\": x\n  ok.example.com/fine: y",
    ));
    let w = find(&objects, "Deployment", "app");
    assert_eq!(
        w["spec"]["template"]["metadata"]["annotations"],
        json!({"ok.example.com/fine": "y"})
    );
    assert!(has_warning(&warnings, "dropped-key", "has space"));
}

#[test]
fn deploy_labels_and_compose_annotations() {
    let (objects, _) = run(&svc(
        "image: a:1\nannotations:\n  a.io/x: \"1\"\ndeploy:\n  labels:\n    tier: web",
    ));
    let w = find(&objects, "Deployment", "app");
    assert_eq!(w["metadata"]["annotations"]["tier"], "web");
    assert_eq!(w["spec"]["template"]["metadata"]["annotations"]["a.io/x"], "1");
}

/// Every key the table marks as dropped or approximated warns, naming the key, at the
/// key's origin.
#[test]
fn every_dropped_or_approximated_key_warns_with_its_origin() {
    use berth::convert::keys::{Disposition, SERVICE_KEYS};
    let sample = |key: &str| -> &'static str {
        match key {
            "devices" => "[\"/dev/fuse\"]",
            "logging" => "{driver: syslog}",
            "ulimits" => "{nofile: 1024}",
            "dns" => "[\"1.1.1.1\"]",
            "blkio_config" | "develop" | "credential_spec" => "{}",
            "external_links" | "volumes_from" | "device_cgroup_rules" => "[\"x\"]",
            "attach" | "oom_kill_disable" | "use_api_socket" => "false",
            "cpu_count" | "cpu_percent" | "cpu_shares" | "oom_score_adj" | "pids_limit" | "mem_swappiness" => "10",
            _ => "x",
        }
    };
    for (key, d) in SERVICE_KEYS {
        let code = match d {
            Disposition::Dropped(_) => "dropped-key",
            Disposition::Approximated(_) => "approximated",
            Disposition::Converted(_) => continue,
        };
        let yaml = svc(&format!("image: a:1\n{key}: {}", sample(key)));
        let mut p = project(&yaml);
        let origin = berth::Origin::new("compose.yaml", 7, 5);
        p.origins.insert(format!("/services/app/{key}"), origin.clone());
        let sandbox = Sandbox::new(&root()).unwrap();
        let opts = ConvertOptions {
            namespace: None,
            kube_version: "1.35".into(),
        };
        let mut w = Warnings::default();
        convert(&p, &sandbox, &opts, &mut w).unwrap();
        let warnings = w.into_sorted();
        assert!(
            warnings.iter().any(|w| w.code == code
                && w.message.contains(&format!("`{key}`"))
                && w.origin.as_ref() == Some(&origin)),
            "{key}: {:?}",
            warnings
        );
    }
}

#[test]
fn scale_sets_replicas() {
    let (objects, _) = run(&svc("image: a:1\nscale: 3"));
    assert_eq!(find(&objects, "Deployment", "app")["spec"]["replicas"], 3);
    let (objects, _) = run(&svc("image: a:1\nscale: 3\nx-berth:\n  replicas: 5"));
    assert_eq!(find(&objects, "Deployment", "app")["spec"]["replicas"], 5);
    let (objects, _) = run(&svc("image: a:1"));
    assert!(find(&objects, "Deployment", "app")["spec"].get("replicas").is_none());
}

#[test]
fn volume_knobs_are_checked_even_when_unused() {
    let err = run_in(
        &root(),
        "name: t\nservices: {}\nvolumes:\n  v:\n    x-berth:\n      sise: 1Gi\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("sise"), "{err}");
    let (_, warnings) = run("name: t\nservices: {}\nvolumes:\n  v:\n    labels:\n      kompose.volume.size: 2Gi\n");
    // The only warning is that nothing uses the volume: the knob itself is accepted.
    assert_eq!(warnings.iter().map(|w| w.code).collect::<Vec<_>>(), ["unused"]);
}

#[test]
fn replicated_writers_get_rwx_and_single_writer_deployments_recreate() {
    let vols = "volumes:\n  data: {}\n";
    let (objects, warnings) = run(&format!(
        "{}{vols}",
        svc("image: a:1\ndeploy:\n  replicas: 3\nvolumes:\n  - {type: volume, source: data, target: /d}")
    ));
    let pvc = find(&objects, "PersistentVolumeClaim", "data");
    assert_eq!(pvc["spec"]["accessModes"], json!(["ReadWriteMany"]));
    assert!(has_warning(&warnings, "rwx-volume", "every replica"));
    assert!(find(&objects, "Deployment", "app")["spec"].get("strategy").is_none());
    let (objects, _) = run(&format!(
        "{}{vols}",
        svc("image: a:1\nx-berth:\n  workload: deployment\nvolumes:\n  - {type: volume, source: data, target: /d}")
    ));
    assert_eq!(
        find(&objects, "PersistentVolumeClaim", "data")["spec"]["accessModes"],
        json!(["ReadWriteOnce"])
    );
    assert_eq!(
        find(&objects, "Deployment", "app")["spec"]["strategy"],
        json!({"type": "Recreate"})
    );
}

#[test]
fn a_dependency_without_ports_warns_that_it_cannot_be_reached() {
    let yaml = "name: t\nservices:\n  db:\n    image: postgres:16\n  web:\n    image: a:1\n    depends_on:\n      db:\n        condition: service_started\n";
    let (_, warnings) = run(yaml);
    assert!(
        has_warning(&warnings, "no-service", "`web` cannot reach it"),
        "{:?}",
        codes(&warnings)
    );
    let (_, warnings) = run(&yaml.replace("postgres:16\n", "postgres:16\n    expose: [\"5432\"]\n"));
    assert!(!warnings.iter().any(|w| w.code == "no-service"));
}

/// The book's conversion table is generated from `keys`; book-table.md is its copy for
/// the book, kept current by this test (delete the file and rerun to regenerate it).
#[test]
fn book_table_is_current() {
    let path = root().join("book-table.md");
    let table = berth::convert::keys::book_table();
    match std::fs::read_to_string(&path) {
        Ok(text) => assert!(
            text == table,
            "stale: delete {} and rerun to regenerate",
            path.display()
        ),
        Err(_) => std::fs::write(&path, table).unwrap(),
    }
}

#[test]
fn probe_knobs_disable_with_their_own_reason() {
    let (objects, _) = run(&svc(
        "image: a:1\nports:\n  - target: 8080\nx-berth:\n  probes:\n    liveness:\n      disabled: true",
    ));
    let w = find(&objects, "Deployment", "app");
    assert_eq!(waive(w), "REL-LIVENESS=x-berth.probes disables it");
    let c = container(&objects, "Deployment", "app");
    assert!(c.get("livenessProbe").is_none());
    assert_eq!(c["readinessProbe"]["tcpSocket"]["port"], "p-8080");
}

#[test]
fn invalid_namespace_knob_is_an_error() {
    let err = run_in(&root(), "name: t\nx-berth:\n  namespace: My_NS\nservices: {}\n").unwrap_err();
    assert!(err.help().unwrap().contains("my-ns"), "{err}");
}

#[test]
fn kompose_healthcheck_labels_become_probe_overrides() {
    let (objects, warnings) = run(&svc(
        "image: a:1\nports:\n  - target: 8080\nlabels:\n  kompose.service.healthcheck.readiness.http_get_path: /ready\n  kompose.service.healthcheck.readiness.http_get_port: \"8080\"\n  kompose.service.healthcheck.readiness.interval: 15s\n  kompose.service.healthcheck.liveness.tcp_port: \"8080\"",
    ));
    let c = container(&objects, "Deployment", "app");
    assert_eq!(c["readinessProbe"]["httpGet"], json!({"path": "/ready", "port": 8080}));
    assert_eq!(c["readinessProbe"]["periodSeconds"], 15);
    assert_eq!(c["livenessProbe"]["tcpSocket"], json!({"port": 8080}));
    assert!(warnings.is_empty(), "{:?}", codes(&warnings));
    let (_, warnings) = run(&svc("image: a:1\nlabels:\n  kompose.hpa.cpu: \"50\""));
    assert!(has_warning(&warnings, "dropped-key", "kompose.hpa.cpu"));
}

#[test]
fn link_and_network_aliases_become_services() {
    let yaml = "name: t\nservices:\n  db:\n    image: postgres:16\n    expose: [\"5432\"]\n    networks:\n      back:\n        aliases: [database]\n  web:\n    image: a:1\n    links: [\"db:pg\"]\nnetworks:\n  back: {}\n";
    let (objects, _) = run(yaml);
    for name in ["db", "pg", "database"] {
        let s = find(&objects, "Service", name);
        assert_eq!(s["spec"]["selector"], json!({"app.kubernetes.io/name": "db"}), "{name}");
        assert_eq!(s["spec"]["ports"][0]["port"], 5432);
    }
}

#[test]
fn fixed_addresses_on_networks_are_reported() {
    let yaml = "name: t\nservices:\n  a:\n    image: a:1\n    networks:\n      n:\n        ipv4_address: 10.5.0.5\nnetworks:\n  n: {}\n";
    let (_, warnings) = run(yaml);
    assert!(
        has_warning(&warnings, "dropped-key", "`ipv4_address` is dropped"),
        "{:?}",
        codes(&warnings)
    );
}

#[test]
fn headless_and_empty_entrypoint() {
    let (objects, _) = run(&svc(
        "image: a:1\nexpose: [\"80\"]\nuser: \"0\"\nlabels:\n  kompose.service.type: headless",
    ));
    let s = find(&objects, "Service", "app");
    assert_eq!(s["spec"]["clusterIP"], "None");
    assert_eq!(s["spec"]["type"], "ClusterIP");
    let (objects, warnings) = run(&svc("image: a:1\nentrypoint: []"));
    assert!(container(&objects, "Deployment", "app").get("command").is_none());
    assert!(has_warning(&warnings, "approximated", "empty `entrypoint`"));
}

/// The whole shop conversion, in install order, as pretty JSON: any change to the output
/// shows up here as a reviewable diff (delete the file and rerun to regenerate it).
#[test]
fn shop_golden_output() {
    let (mut objects, warnings) = fixture("shop.yaml");
    berth::manifest::order(&mut objects);
    let values: Vec<&Value> = objects.iter().map(|o| &o.value).collect();
    let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    let text = serde_json::to_string_pretty(&json!({"objects": values, "warnings": warnings})).unwrap() + "\n";
    let path = root().join("shop.expected.json");
    match std::fs::read_to_string(&path) {
        Ok(expected) => assert!(
            expected == text,
            "output changed: delete {} and rerun to review",
            path.display()
        ),
        Err(_) => std::fs::write(&path, text).unwrap(),
    }
}

#[test]
fn environment_sourced_secret_with_content_is_emitted_without_leaking() {
    let yaml = format!(
        "{}secrets:\n  tok:\n    environment: TOKEN\n    content: hunter2\n",
        svc("image: a:1\nsecrets: [{source: tok}]")
    );
    let (objects, warnings) = run(&yaml);
    assert_eq!(find(&objects, "Secret", "tok")["data"]["tok"], "aHVudGVyMg==");
    assert!(warnings.iter().all(|w| !w.to_string().contains("hunter2")));
}

#[test]
fn kitchen_sink_converts() {
    let (objects, warnings) = fixture("kitchen.yaml");
    let kinds: Vec<String> = objects.iter().map(Object::id).collect();
    for id in [
        "Deployment/kitchen/api",
        "DaemonSet/kitchen/agent",
        "CronJob/kitchen/report",
        "StatefulSet/kitchen/cache",
        "Ingress/kitchen/api",
    ] {
        assert!(kinds.contains(&id.to_string()), "{id}: {kinds:?}");
    }
    let c = container(&objects, "Deployment", "api");
    assert_eq!(
        c["readinessProbe"]["httpGet"],
        json!({"path": "/ready", "port": "https"})
    );
    assert_eq!(c["resources"]["limits"]["nvidia.com/gpu"], "1");
    let agent = find(&objects, "DaemonSet", "agent");
    assert!(waive(agent).contains("PSS-BASELINE"));
    assert!(
        warnings.iter().all(|w| w.code != "dropped-key"),
        "{:?}",
        codes(&warnings)
    );
}

#[test]
fn jobs_without_a_restart_key_run_once() {
    let (objects, _) = run(&svc("image: a:1\ndeploy:\n  mode: replicated-job"));
    let j = find(&objects, "Job", "app");
    assert_eq!(j["spec"]["backoffLimit"], 0);
    assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "Never");
    let (objects, _) = run(&svc("image: a:1\nrestart: always\nx-berth:\n  workload: job"));
    let j = find(&objects, "Job", "app");
    assert!(j["spec"].get("backoffLimit").is_none());
    assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "OnFailure");
}

#[test]
fn apparmor_uses_the_annotation_before_kubernetes_1_30() {
    let yaml = svc("image: a:1\nsecurity_opt: [\"apparmor=my-profile\"]");
    let sandbox = Sandbox::new(&root()).unwrap();
    let opts = ConvertOptions {
        namespace: None,
        kube_version: "1.29".into(),
    };
    let objects = convert(&project(&yaml), &sandbox, &opts, &mut Warnings::default()).unwrap();
    let w = find(&objects, "Deployment", "app");
    assert_eq!(
        w["spec"]["template"]["metadata"]["annotations"]["container.apparmor.security.beta.kubernetes.io/app"],
        "localhost/my-profile"
    );
    assert!(
        w["spec"]["template"]["spec"]["containers"][0]
            .get("securityContext")
            .is_none()
    );
}

#[test]
fn privileged_containers_allow_escalation_explicitly() {
    let (objects, warnings) = run(&svc("image: a:1\nprivileged: true\nsecurity_opt: [no-new-privileges]"));
    let c = container(&objects, "Deployment", "app");
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], true);
    assert!(has_warning(&warnings, "dropped-key", "no-new-privileges"));
    let (objects, _) = run(&svc("image: a:1\ncap_add: [SYS_ADMIN]"));
    assert_eq!(
        container(&objects, "Deployment", "app")["securityContext"]["allowPrivilegeEscalation"],
        true
    );
}

#[test]
fn a_baseline_waiver_also_waives_restricted() {
    let (objects, _) = run(&svc("image: a:1\nnetwork_mode: host"));
    let w = waive(find(&objects, "Deployment", "app"));
    assert!(w.contains("PSS-RESTRICTED=compose network_mode: host"), "{w}");
    assert!(w.contains("PSS-BASELINE=compose network_mode: host"), "{w}");
}

/// Declared but unused top-level entries make no object, and each is reported.
#[test]
fn the_clusters_own_namespaces_are_not_emitted() {
    let sandbox = Sandbox::new(&root()).unwrap();
    for (ns, emitted) in [("default", false), ("kube-system", false), ("shop", true)] {
        let opts = ConvertOptions {
            namespace: Some(ns.into()),
            kube_version: "1.35".into(),
        };
        let mut w = Warnings::default();
        let objects = convert(&project(&svc("image: a:1")), &sandbox, &opts, &mut w).unwrap();
        assert_eq!(objects.iter().any(|o| o.kind() == "Namespace"), emitted, "{ns}");
        assert!(
            objects
                .iter()
                .filter(|o| o.kind() != "Namespace")
                .all(|o| o.namespace() == ns)
        );
    }
}

#[test]
fn a_statefulset_names_its_service_only_when_it_has_one() {
    let body = "image: a:1\nvolumes:\n  - {type: volume, source: data, target: /data}";
    let with_volume = |extra: &str| format!("{}volumes: {{data: {{}}}}\n", svc(&format!("{body}{extra}")));
    let (objects, _) = run(&with_volume(""));
    assert!(
        find(&objects, "StatefulSet", "app")["spec"]
            .get("serviceName")
            .is_none()
    );
    let (objects, _) = run(&with_volume("\nports:\n  - target: 5432"));
    assert_eq!(find(&objects, "StatefulSet", "app")["spec"]["serviceName"], "app");
}

#[test]
fn a_node_port_service_with_hosts_also_gets_an_ingress() {
    let (objects, _) = run(&svc(
        "image: a:1\nports:\n  - target: 8080\nlabels:\n  kompose.service.type: nodeport\n  kompose.service.expose: shop.example.com",
    ));
    assert_eq!(find(&objects, "Service", "app")["spec"]["type"], "NodePort");
    assert_eq!(
        find(&objects, "Ingress", "app")["spec"]["rules"][0]["host"],
        "shop.example.com"
    );
}

/// The warning names the variable, never its value; `_FILE` variables and empty values
/// are not credentials.
#[test]
fn secret_looking_env_values_are_reported_without_the_value() {
    let (_, warnings) = run(&svc(
        "image: a:1\nenvironment:\n  API_TOKEN: s3cr3t-value\n  DB_PASSWORD_FILE: /run/secrets/db\n  EMPTY_SECRET: \"\"\n  MODE: prod",
    ));
    let found: Vec<&Warning> = warnings.iter().filter(|w| w.code == "secret-in-env").collect();
    assert_eq!(found.len(), 1, "{warnings:?}");
    assert!(found[0].message.contains("`API_TOKEN`"));
    assert!(warnings.iter().all(|w| !w.to_string().contains("s3cr3t-value")));
}

#[test]
fn app_protocol_reaches_the_service_port() {
    let (objects, _) = run(&svc("image: a:1\nports:\n  - target: 8080\n    app_protocol: http"));
    assert_eq!(
        find(&objects, "Service", "app")["spec"]["ports"][0]["appProtocol"],
        "http"
    );
    let (objects, _) = run(&svc("image: a:1\nports:\n  - target: 8080"));
    assert!(
        find(&objects, "Service", "app")["spec"]["ports"][0]
            .get("appProtocol")
            .is_none()
    );
}

#[test]
fn unused_top_level_entries_are_reported() {
    let yaml = "name: t
services:
  app:
    image: a:1
    volumes: [{type: volume, source: used, target: /data}]
    networks: {front: null}
volumes: {used: {}, spare: {}}
networks: {front: {}, back: {}, default: {}}
secrets: {token: {file: ./tok}}
configs: {conf: {content: x}}
";
    let (objects, warnings) = run(yaml);
    for needle in ["volume `spare`", "network `back`", "secret `token`", "config `conf`"] {
        assert!(has_warning(&warnings, "unused", needle), "{needle}: {warnings:?}");
    }
    for quiet in ["volume `used`", "network `front`", "network `default`"] {
        assert!(!has_warning(&warnings, "unused", quiet), "{quiet}");
    }
    assert!(
        !objects
            .iter()
            .any(|o| o.name().contains("spare") || o.name().contains("token"))
    );
}
