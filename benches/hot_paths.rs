//! Micro-benchmarks of berth's hot paths, through the library's public API: YAML parse
//! and emit (`berth::yaml`), values parse and merge (`berth::chart::values`), strategic
//! merge (`berth::overlay::patch`), the name-reference rewrite (`berth::overlay::refs`),
//! strict schema validation (`berth::validate`) and a template render (`berth::chart`).
//!
//! Why: `scripts/bench-compare` times whole commands; when a figure there moves, these say
//! which stage moved. Each case runs one warm-up iteration, then RUNS timed iterations over
//! a batch of inputs (2,000 objects, the size of DESIGN.md section 8's overlay target),
//! and prints the median time per iteration (with min and max) and the throughput. Input
//! preparation (cloning what an iteration consumes) is outside the timed region.
//!
//!     cargo bench --bench hot_paths -- [FILTER] [RUNS] [objects=N]
//!
//! FILTER is a substring of a case name; `objects=N` changes the batch size, to see how a
//! stage scales (per-object cost should not grow with N).
//!
//! Under `cargo test` (no `--bench` argument) each case runs once on 20 objects, as a
//! smoke test. A benchmark, not a test: nothing here asserts a time.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use berth::chart::values::Values;
use berth::manifest::Object;
use berth::overlay::refs::{self, Rename};
use berth::yaml::{self, Flavor};
use berth::{Sandbox, Warnings};
use serde_json::{Value, json};

const KUBE: &str = "1.35";

/// What to run: cases whose name holds `filter`, `runs` timed iterations, `n` objects.
struct Plan {
    filter: String,
    runs: usize,
    n: usize,
}

impl Plan {
    fn from_args() -> Plan {
        let benching = std::env::args().any(|a| a == "--bench");
        let mut plan = Plan {
            filter: String::new(),
            runs: if benching { 10 } else { 1 },
            n: if benching { 2_000 } else { 20 },
        };
        for a in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
            if let Some(n) = a.strip_prefix("objects=").and_then(|n| n.parse().ok()) {
                plan.n = n;
            } else if let Ok(runs) = a.parse() {
                plan.runs = runs;
            } else {
                plan.filter = a;
            }
        }
        plan
    }

    /// Times `routine` on a fresh `setup()` each iteration and prints one line; returns
    /// the median (`None` when the filter skips the case).
    fn case<T, R>(
        &self,
        name: &str,
        units: usize,
        unit: &str,
        mut setup: impl FnMut() -> T,
        mut routine: impl FnMut(T) -> R,
    ) -> Option<Duration> {
        if !name.contains(&self.filter) {
            return None;
        }
        black_box(routine(setup()));
        let mut times: Vec<Duration> = (0..self.runs.max(1))
            .map(|_| {
                let input = setup();
                let t = Instant::now();
                let out = routine(input);
                let elapsed = t.elapsed();
                black_box(out);
                elapsed
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        let rate = units as f64 / median.as_secs_f64().max(1e-9);
        println!(
            "{name:<24} median {:>9.3} ms/iter (min {:.3}, max {:.3}, {} runs)  {rate:>11.0} {unit}/s  ({units} {unit}/iter)",
            ms(median),
            ms(times[0]),
            ms(times[times.len() - 1]),
            times.len(),
        );
        Some(median)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A hardened Deployment as `scripts/gen-bench` writes it into the overlay base.
fn deployment(i: usize) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels: {{app: app-{i}, tier: backend}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}, tier: backend}}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {{type: RuntimeDefault}}
      containers:
      - name: main
        image: example.org/app:1.0.0
        imagePullPolicy: IfNotPresent
        ports:
        - {{name: http, containerPort: 8080}}
        envFrom:
        - configMapRef: {{name: shared-config}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {{drop: [ALL]}}
        readinessProbe:
          httpGet: {{path: /ready, port: http}}
        livenessProbe:
          httpGet: {{path: /healthz, port: http}}
          periodSeconds: 20
        resources:
          requests: {{cpu: 10m, memory: 16Mi}}
          limits: {{cpu: 100m, memory: 64Mi}}
"
    )
}

fn service(i: usize) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  labels: {{app: app-{i}}}
spec:
  selector: {{app: app-{i}}}
  ports:
  - {{name: http, port: 80, targetPort: http}}
"
    )
}

/// n objects: n/2 Deployments, then n/2 Services, as one `---` stream.
fn stream(n: usize) -> String {
    let half = (n / 2).max(1);
    let docs: Vec<String> = (0..half).map(deployment).chain((0..half).map(service)).collect();
    docs.join("---\n")
}

fn parse(text: &str) -> Vec<Value> {
    let file: Arc<str> = Arc::from("bench.yaml");
    yaml::parse_stream(&file, text, Flavor::Manifest)
        .expect("the generated stream parses")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

/// The chart defaults: one map entry per app, so a merge walks maps (lists replace whole).
fn values_defaults(apps: usize) -> String {
    let mut s = String::from("global: {registry: example.org, pullPolicy: IfNotPresent}\napps:\n");
    for i in 0..apps {
        s.push_str(&format!(
            "  app-{i}:\n    image: {{repository: app-{i}, tag: 1.0.0}}\n    replicas: 2\n    \
             resources: {{requests: {{cpu: 10m, memory: 16Mi}}, limits: {{cpu: 100m, memory: 64Mi}}}}\n    \
             env: {{LOG_LEVEL: info, FEATURE_X: 'off'}}\n    ports: [8080]\n"
        ));
    }
    s
}

/// An environment's values over the defaults: a new tag everywhere, a changed limit, a
/// key deleted (`null`), a list replaced.
fn values_overlay(apps: usize) -> String {
    let mut s = String::from("global: {registry: registry.example.org}\napps:\n");
    for i in 0..apps {
        s.push_str(&format!(
            "  app-{i}:\n    image: {{tag: 1.2.3}}\n    resources: {{limits: {{memory: 256Mi}}}}\n    \
             env: {{FEATURE_X: null, ENVIRONMENT: prod}}\n    ports: [8080, 9090]\n"
        ));
    }
    s
}

fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.values().map(leaves).sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

const PATCH: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-used
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
";

/// The objects after the prod overlay's prefix and generator steps (each carries its new
/// name) and the renames of those steps, whose references `refs::apply` must rewrite.
fn renamed(n: usize) -> (Vec<Object>, Vec<Rename>) {
    let mut objects = Vec::new();
    let mut renames = Vec::new();
    let cm = "prod-shared-config-5h6k2m9t4b";
    objects.push(Object::new(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": cm, "namespace": "prod"},
               "data": {"LOG_LEVEL": "warn"}}),
        None,
    ));
    renames.push(Rename {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: "prod".into(),
        old: "shared-config".into(),
        new: cm.into(),
    });
    for mut value in parse(&stream(n)) {
        let old = value["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let new = format!("prod-{old}");
        value["metadata"]["name"] = json!(new);
        value["metadata"]["namespace"] = json!("prod");
        let kind = value["kind"].as_str().unwrap_or_default().to_string();
        let group = if kind == "Deployment" { "apps" } else { "" };
        renames.push(Rename {
            group: group.into(),
            kind,
            namespace: "prod".into(),
            old,
            new,
        });
        objects.push(Object::new(value, None));
    }
    (objects, renames)
}

/// A chart whose templates render n objects (n/2 apps, a Deployment and a Service each),
/// as `scripts/gen-bench`'s chart; written to a temporary folder.
fn chart(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("chart");
    std::fs::create_dir_all(root.join("templates")).expect("the chart folder");
    let write = |name: &str, text: &str| std::fs::write(root.join(name), text).expect("a chart file");
    write("Chart.yaml", "apiVersion: v2\nname: bench\nversion: 1.0.0\n");
    let apps: String = (0..(n / 2).max(1))
        .map(|i| format!("  - name: app-{i}\n    tag: 1.{i}.0\n    port: {}\n", 8000 + i % 100))
        .collect();
    write("values.yaml", &format!("replicas: 2\napps:\n{apps}"));
    write(
        "templates/apps.yaml",
        r#"{% for app in values.apps %}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ app.name }}
  labels: {app.kubernetes.io/name: {{ app.name }}}
spec:
  replicas: {{ values.replicas }}
  selector:
    matchLabels: {app.kubernetes.io/name: {{ app.name }}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: {{ app.name }}}
    spec:
      containers:
        - name: main
          image: "ghcr.io/example/{{ app.name }}:{{ app.tag }}"
          ports:
            - name: http
              containerPort: {{ app.port }}
          readinessProbe:
            httpGet: {path: /ready, port: http}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ app.name }}
spec:
  selector: {app.kubernetes.io/name: {{ app.name }}}
  ports:
    - {name: http, port: 80, targetPort: http}
{% endfor %}
"#,
    );
    dir
}

fn main() {
    let plan = Plan::from_args();
    let n = plan.n;
    println!("hot_paths: {n} objects per iteration, median of {} runs", plan.runs);

    let text = stream(n);
    let bytes = text.len();
    let median = plan.case("yaml parse", n, "objects", || (), |_| parse(&text));
    if let Some(m) = median {
        let mb_s = bytes as f64 / 1e6 / m.as_secs_f64().max(1e-9);
        println!("{:<24} {bytes} bytes of input: {mb_s:.1} MB/s", "");
    }

    let values = parse(&text);
    let refs_to: Vec<&Value> = values.iter().collect();
    plan.case(
        "yaml emit",
        n,
        "objects",
        || (),
        |_| yaml::emit_stream(&refs_to).expect("emits"),
    );

    let apps = (n / 2).max(1);
    let file: Arc<str> = Arc::from("values.yaml");
    let (defaults_text, overlay_text) = (values_defaults(apps), values_overlay(apps));
    plan.case(
        "values parse",
        apps,
        "apps",
        || (),
        |_| Values::parse(&file, &defaults_text).expect("parses"),
    );
    let defaults = Values::parse(&file, &defaults_text).expect("parses");
    let over = Values::parse(&file, &overlay_text).expect("parses");
    let over_leaves = leaves(&over.tree);
    plan.case(
        "values merge",
        over_leaves,
        "leaves",
        || (defaults.clone(), over.clone()),
        |(mut base, over)| {
            base.merge(over);
            base
        },
    );

    let patch = parse(PATCH).remove(0);
    let deployments: Vec<Value> = values.iter().filter(|v| v["kind"] == "Deployment").cloned().collect();
    plan.case(
        "strategic merge",
        deployments.len(),
        "objects",
        || deployments.clone(),
        |mut objs| {
            for obj in &mut objs {
                berth::overlay::patch::strategic(obj, &patch, KUBE).expect("patches");
            }
            objs
        },
    );

    let (objects, renames) = renamed(n);
    let table = refs::builtin();
    plan.case(
        "name-reference rewrite",
        objects.len(),
        "objects",
        || objects.clone(),
        |mut objs| {
            refs::apply(&mut objs, &renames, &table);
            objs
        },
    );

    let checked: Vec<Object> = values.iter().map(|v| Object::new(v.clone(), None)).collect();
    plan.case(
        "schema validation",
        checked.len(),
        "objects",
        || (),
        |_| {
            let problems: usize = checked
                .iter()
                .map(|o| berth::validate::schema_problems(o, KUBE).len())
                .sum();
            assert_eq!(problems, 0, "the generated objects are valid");
        },
    );

    let dir = chart(n);
    let req = berth::chart::Request {
        kube_version: KUBE.into(),
        ..Default::default()
    };
    plan.case(
        "template render (chart)",
        n,
        "objects",
        || Sandbox::new(dir.path()).expect("the chart's root"),
        |sandbox| {
            let mut warnings = Warnings::default();
            berth::chart::render(&sandbox, "chart", Values::default(), &req, &mut warnings).expect("renders")
        },
    );
}
