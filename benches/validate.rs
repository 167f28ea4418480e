//! Throughput of `berth validate`'s library path on one core: N generated Deployments
//! (the template of reference/validation-bench/gen_deployments.py), timed per stage
//! (YAML parse with spans, schema + semantic + policy checks, JSON report), median of
//! several runs, printed as objects per second. A benchmark, not a test: DESIGN.md
//! section 8 sets the target (20,000 objects/s), `scripts/bench-validate` compares the
//! whole command with kubernetes-validate in the same run.
//!
//!     cargo bench --bench validate -- [N] [RUNS]      # default 10000 objects, 5 runs
//!
//! Under `cargo test` (no `--bench` argument) it runs once on 20 objects, as a smoke test.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use berth::harden::Profile;
use berth::validate::Options;
use berth::validate::input::Manifests;
use berth::validate::report::{Format, Run};

/// One hardened Deployment, as gen_deployments.py writes it.
fn deployment(i: usize) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: bench
  labels: {{app.kubernetes.io/name: web-{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app.kubernetes.io/name: web-{i}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: web-{i}}}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: web
          image: registry.example.com/web:1.{i}.0
          imagePullPolicy: IfNotPresent
          ports: [{{name: http, containerPort: 8080}}]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          readinessProbe: {{httpGet: {{path: /ready, port: http}}}}
          livenessProbe: {{httpGet: {{path: /healthz, port: http}}}}
          volumeMounts: [{{name: tmp, mountPath: /tmp}}]
      volumes: [{{name: tmp, emptyDir: {{}}}}]
"
    )
}

/// Deployments in one file: a stream of 10,000 in one file would go over the `yaml-nodes`
/// limit (500,000 nodes in one file, about 8,600 of these Deployments), so the objects
/// come in files of this many, as `scripts/bench-validate` writes them.
const PER_FILE: usize = 1_000;

/// The texts of the files of `n` Deployments.
fn stream(n: usize) -> Vec<String> {
    (0..n)
        .step_by(PER_FILE)
        .map(|start| {
            (start..n.min(start + PER_FILE))
                .map(deployment)
                .collect::<Vec<_>>()
                .join("---\n")
        })
        .collect()
}

/// The time of each stage of one run.
struct Times {
    parse: Duration,
    check: Duration,
    report: Duration,
}

fn run(texts: &[String], profile: Profile) -> (Times, usize) {
    let t = Instant::now();
    let mut m = Manifests::default();
    for (i, text) in texts.iter().enumerate() {
        let file: Arc<str> = Arc::from(format!("deployments-{i}.yaml"));
        m.add_text(&file, text);
    }
    let parse = t.elapsed();
    let t = Instant::now();
    let report = m.check(&Options::new("1.35", profile)).expect("version is embedded");
    let check = t.elapsed();
    let t = Instant::now();
    let sources = HashMap::new();
    let out = Run {
        report: &report,
        objects: &m.objects,
        files: &m.files,
        sources: &sources,
        strict: false,
        verbose: false,
    }
    .write(Format::Json);
    let report_time = t.elapsed();
    std::hint::black_box(out);
    (
        Times {
            parse,
            check,
            report: report_time,
        },
        m.objects.len(),
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(if benching { 10_000 } else { 20 });
    let runs: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(if benching { 5 } else { 1 });
    let texts = stream(n);
    for profile in [Profile::None, Profile::Restricted] {
        let mut times = Vec::new();
        let mut objects = 0;
        for _ in 0..runs {
            let (t, count) = run(&texts, profile);
            objects = count;
            times.push(t);
        }
        assert_eq!(objects, n, "every generated Deployment is read");
        let parse = median(times.iter().map(|t| t.parse).collect());
        let check = median(times.iter().map(|t| t.check).collect());
        let report = median(times.iter().map(|t| t.report).collect());
        let total = median(times.iter().map(|t| t.parse + t.check + t.report).collect());
        println!(
            "profile {profile:?}: {n} Deployments, median of {runs}: parse {:.0} objects/s ({parse:.2?}), \
             checks {:.0} objects/s ({check:.2?}), JSON report {:.0} objects/s ({report:.2?}); \
             all stages {:.0} objects/s ({total:.2?})",
            rate(n, parse),
            rate(n, check),
            rate(n, report),
            rate(n, total),
        );
    }
}
