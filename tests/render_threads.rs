//! `berth render --threads N` and `berth validate --threads N` give the same bytes whatever
//! N (DESIGN.md promise 2): the example overlays, and a tree of a few hundred objects, large
//! enough that the per-object stages really run on several threads.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `berth render ARGS --threads N` from `dir`; stdout, after checking the exit code.
fn render(dir: &Path, args: &[&str], threads: &str) -> Vec<u8> {
    render_both(dir, args, threads).0
}

/// `render`'s stdout and its stderr, the stderr without the summary line (it says how
/// long the render took).
fn render_both(dir: &Path, args: &[&str], threads: &str) -> (Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .arg("render")
        .args(args)
        .args(["--threads", threads])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "berth render {args:?} --threads {threads}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("rendered "))
        .collect::<Vec<_>>()
        .join("\n");
    (out.stdout, stderr)
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn assert_same_stdout(dir: &Path, args: &[&str]) {
    let one = render(dir, args, "1");
    assert!(!one.is_empty(), "{args:?} rendered nothing");
    for threads in ["2", "4"] {
        let many = render(dir, args, threads);
        assert!(one == many, "{args:?}: --threads {threads} differs from --threads 1");
    }
}

#[test]
fn example_overlays_render_the_same_with_one_and_four_threads() {
    for env in ["dev", "staging", "prod"] {
        let path = format!("overlays/{env}");
        assert_same_stdout(&repo(), &[&path, "--root", "."]);
        assert_same_stdout(&repo(), &[&path, "--root", ".", "-o", "json"]);
    }
    let scratch = tempfile::tempdir().unwrap();
    let written = |threads: &str| {
        let out = scratch.path().join(format!("t{threads}"));
        let out_arg = out.to_string_lossy().into_owned();
        render(
            &repo(),
            &["overlays", "--all-envs", "--root", ".", "--output-dir", &out_arg],
            threads,
        );
        files(&out)
    };
    let one = written("1");
    assert!(one.len() > 3, "{one:?}");
    assert!(one == written("4"), "--all-envs --output-dir differs with --threads 4");
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-N
  labels:
    app: app-N
    tier: backend
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-N
  template:
    metadata:
      labels:
        app: app-N
        tier: backend
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: main
        image: example.org/app:1.0.0
        imagePullPolicy: IfNotPresent
        ports:
        - name: http
          containerPort: 8080
        envFrom:
        - configMapRef:
            name: shared-config
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: [ALL]
        readinessProbe:
          httpGet:
            path: /ready
            port: http
        livenessProbe:
          httpGet:
            path: /healthz
            port: http
          periodSeconds: 20
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
          limits:
            cpu: 100m
            memory: 64Mi
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: app-N
  labels:
    app: app-N
spec:
  selector:
    app: app-N
  ports:
  - name: http
    port: 80
    targetPort: http
";

const DEFAULT_DENY: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
";

const BASE_OVERLAY: &str = "base: ../../base
labels:
- pairs:
    team: bench
annotations:
  bench/owner: research
configMapGenerator:
- name: shared-config
  literals:
  - LOG_LEVEL=info
";

const PROD_OVERLAY: &str = "base: ../base
namespace: prod
namePrefix: prod-
images:
- name: example.org/app
  newName: registry.example.org/prod/app
  newTag: \"1.2.3\"
- name: example.org/unused
  newTag: \"9\"
replicas:
- name: app-3
  count: 5
- name: app-none
  count: 2
labels:
- pairs:
    env: prod
configMapGenerator:
- name: shared-config
  behavior: merge
  literals:
  - LOG_LEVEL=warn
secretGenerator:
- name: db-creds
  literals:
  - password=not-a-real-secret
patches:
- path: patch.yaml
  target:
    kind: Deployment
    labelSelector: tier=backend
- target:
    kind: Service
  type: json6902
  patch:
  - op: add
    path: /metadata/annotations/patched
    value: \"yes\"
";

const PATCH: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: any
spec:
  template:
    spec:
      containers:
      - name: main
        resources:
          limits:
            memory: 256Mi
        env:
        - name: ENVIRONMENT
          value: prod
      volumes:
      - name: extra
        secret:
          secretName: missing-secret
";

/// `n` Deployments and `n` Services, one file each, under two overlays (the shape of
/// `scripts/gen-bench`).
fn tree(root: &Path, n: usize) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    for i in 0..n {
        let name = format!("app-{i}\n");
        write(&format!("base/deploy-{i}.yaml"), &DEPLOYMENT.replace("app-N\n", &name));
        write(&format!("base/svc-{i}.yaml"), &SERVICE.replace("app-N\n", &name));
    }
    write("base/default-deny.yaml", DEFAULT_DENY);
    write("berth/base/overlay.yaml", BASE_OVERLAY);
    write("berth/prod/overlay.yaml", PROD_OVERLAY);
    write("berth/prod/patch.yaml", PATCH);
}

#[test]
fn a_few_hundred_objects_render_the_same_whatever_the_thread_count() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    tree(root, 100);
    let args = ["berth/prod", "--root", "."];
    let one = render(root, &args, "1");
    let text = String::from_utf8(one).unwrap();
    // 100 Deployments, their ServiceAccounts and PDBs, 100 Services, and the rest.
    assert!(text.matches("\nkind: Deployment\n").count() == 100, "{text}");
    assert!(
        text.contains("name: prod-shared-config-"),
        "the generated name is hashed"
    );
    assert_same_stdout(root, &args);
    assert_same_stdout(root, &["berth/prod", "--root", ".", "-o", "json"]);
    // The warnings of the transformers and the reference check, made on the threads too:
    // the same ones, in the same order.
    let (_, warned) = render_both(root, &args, "1");
    for expected in ["example.org/unused", "app-none", "missing-secret"] {
        assert!(warned.contains(expected), "no warning names {expected}:\n{warned}");
    }
    for used in ["`example.org/app`", "`app-3`"] {
        assert!(!warned.contains(used), "a rule that matched is warned about: {used}");
    }
    for threads in ["2", "4"] {
        assert_eq!(render_both(root, &args, threads).1, warned, "--threads {threads}");
    }
    let written = |threads: &str| {
        let out = root.join(format!("out-{threads}"));
        let out_arg = out.to_string_lossy().into_owned();
        render(root, &["berth/prod", "--root", ".", "--output-dir", &out_arg], threads);
        files(&out)
    };
    let one = written("1");
    assert!(one.len() > 300, "{}", one.len());
    assert!(one == written("4"), "--output-dir differs with --threads 4");
}

/// `berth validate` of the rendered tree (its IfNotPresent pulls give a finding on every
/// Deployment): the same report in every format with 1 and with 4 threads.
#[test]
fn validate_reports_the_same_whatever_the_thread_count() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    tree(root, 100);
    std::fs::write(root.join("all.yaml"), render(root, &["berth/prod", "--root", "."], "1")).unwrap();
    let validate = |format: &str, threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(root)
            .args(["validate", "all.yaml", "--format", format, "--threads", threads])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    for format in ["text", "json", "junit", "sarif"] {
        let one = validate(format, "1");
        assert!(
            String::from_utf8_lossy(&one).contains("IMG-PULL"),
            "{format}: the findings are there"
        );
        assert!(one == validate(format, "4"), "{format} differs with --threads 4");
    }
}

#[test]
fn zero_threads_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(repo())
        .args(["render", "overlays/dev", "--root", ".", "--threads", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
