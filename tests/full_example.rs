//! Every key of kompose's "full example" compose file shows up in berth's output or in a
//! warning that names it: nothing is dropped silently (DESIGN.md promise 6).
//!
//! The fixture is kompose's `docker-compose-full-example.yaml` (Apache-2.0, attributed in
//! its header, two host paths edited) plus `db.yaml`, which defines what the example names
//! but never declares.

use std::path::PathBuf;

use berth::Sandbox;
use berth::compose::LoadOptions;
use berth::harden::Profile;
use berth::pipeline::{ComposeRender, render_compose};
use serde_json::Value;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full-example")
}

/// Converted keys and the text their conversion puts in the output. Every other key must
/// be named (in backticks) by a warning.
const EVIDENCE: &[(&str, &str)] = &[
    ("cap_add", "capabilities:"),
    ("cap_drop", "drop:"),
    ("command", "args:"),
    ("depends_on", "berth.dev/depends-on: db,redis"),
    ("deploy", "backoffLimit: 3"),
    ("dns", "nameservers:"),
    ("dns_search", "searches:"),
    ("entrypoint", "command:"),
    ("expose", "containerPort: 8000"),
    ("extra_hosts", "hostAliases:"),
    ("hostname", "hostname: foo"),
    ("healthcheck", "readinessProbe:"),
    ("image", "image: redis"),
    ("ipc", "hostIPC: true"),
    ("labels", "com.example.description: Accounting webapp"),
    ("links", "name: database"),
    ("networks", "service `foo` network `other-network`"),
    ("pid", "hostPID: true"),
    ("ports", "containerPort: 5000"),
    ("privileged", "privileged: true"),
    ("read_only", "readOnlyRootFilesystem: true"),
    ("restart", "restartPolicy: OnFailure"),
    ("security_opt", "seLinuxOptions:"),
    ("stdin_open", "stdin: true"),
    ("stop_grace_period", "terminationGracePeriodSeconds: 20"),
    ("tmpfs", "medium: Memory"),
    ("tty", "tty: true"),
    ("user", "user-name"),
    ("volumes", "claimName:"),
    ("working_dir", "workingDir: /code"),
];

#[test]
fn every_key_of_the_full_example_is_in_the_output_or_a_warning() {
    let root = fixture();
    let sandbox = Sandbox::new(&root).unwrap();
    let req = ComposeRender {
        load: LoadOptions {
            files: vec!["docker-compose-full-example.yaml".into(), "db.yaml".into()],
            ..Default::default()
        },
        namespace: None,
        kube_version: "1.35".into(),
        profile: Profile::Restricted,
        strict: false,
    };
    let rendered = render_compose(&sandbox, &req).unwrap();
    let objects: Vec<&Value> = rendered.objects.iter().map(|o| &o.value).collect();
    let output = berth::yaml::emit_stream(&objects).unwrap();
    let warnings: Vec<String> = rendered.warnings.iter().map(ToString::to_string).collect();
    // A warning names the key in backticks, alone (`ulimits`) or with its value
    // (`network_mode: container:...`).
    let warned = |key: &str| {
        warnings
            .iter()
            .any(|w| w.contains(&format!("`{key}`")) || w.contains(&format!("`{key}:")))
    };

    let text = std::fs::read_to_string(root.join("docker-compose-full-example.yaml")).unwrap();
    let doc = berth::yaml::parse_one(&"full.yaml".into(), &text, berth::yaml::Flavor::Compose).unwrap();
    let Some(Value::Object(foo)) = doc.value.pointer("/services/foo") else {
        panic!("the fixture has service foo");
    };
    let mut missing = Vec::new();
    for key in foo.keys() {
        let shown = match EVIDENCE.iter().find(|(k, _)| k == key) {
            Some((_, evidence)) => output.contains(evidence) || warnings.iter().any(|w| w.contains(evidence)),
            None => warned(key),
        };
        if !shown {
            missing.push(key.clone());
        }
    }
    // Top-level entries: each volume becomes a claim or is named in a warning; each
    // network is named in a warning or shapes a NetworkPolicy.
    for (section, entries) in [("volumes", "/volumes"), ("networks", "/networks")] {
        let Some(Value::Object(map)) = doc.value.pointer(entries) else {
            continue;
        };
        for (name, body) in map {
            let external = body.get("external").is_some();
            let in_output = output.contains(name.as_str());
            if !(in_output || warned(name) || (section == "networks" && !external)) {
                missing.push(format!("{section}.{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys neither in the output nor in a warning: {missing:?}\n{}",
        warnings.join("\n")
    );
}
