//! Snapshot tests of chart renders: every `tests/fixtures/charts/<case>/Chart.yaml` is a
//! chart (and the project root) rendered through the library pipeline (values → templates
//! → objects → harden → validate); the emitted YAML, then the warnings and relaxations,
//! is compared with `tests/snapshots/`.
//!
//! A case folder may hold `berth-test.args`, one `key=value` per line, for what the
//! command line would say: `values=FILE` (`-f`, in order), `set=`, `set-string=`,
//! `set-json=`, `set-file=`, `set-literal=` (each one flag), `release=NAME`, `namespace=NAME`,
//! `kube-version=1.35`, `profile=restricted|baseline|none`.

use std::path::Path;

use berth::chart::Request;
use berth::chart::values::{SetArg, SetKind};
use berth::emit::{self, Format};
use berth::harden::Profile;
use berth::pipeline::{self, ChartRender, Rendered};
use berth::source::Sandbox;
use berth::validate::DEFAULT_KUBE_VERSION;

fn request(dir: &Path, chart: &str) -> ChartRender {
    let mut req = ChartRender {
        dir: chart.to_string(),
        values_files: Vec::new(),
        sets: Vec::new(),
        chart: Request {
            kube_version: DEFAULT_KUBE_VERSION.to_string(),
            ..Request::default()
        },
        profile: Profile::Restricted,
        strict: false,
    };
    let text = std::fs::read_to_string(dir.join("berth-test.args")).unwrap_or_default();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}: `{line}` is not key=value", dir.display()));
        let value = value.to_string();
        let set = |kind| SetArg {
            kind,
            text: value.clone(),
        };
        match key.trim() {
            "values" => req.values_files.push(value),
            "set" => req.sets.push(set(SetKind::Set)),
            "set-string" => req.sets.push(set(SetKind::String)),
            "set-json" => req.sets.push(set(SetKind::Json)),
            "set-file" => req.sets.push(set(SetKind::File)),
            "set-literal" => req.sets.push(set(SetKind::Literal)),
            "release" => req.chart.release_name = Some(value),
            "namespace" => req.chart.namespace = Some(value),
            "kube-version" => req.chart.kube_version = value,
            "profile" => {
                req.profile = match value.as_str() {
                    "baseline" => Profile::Baseline,
                    "none" => Profile::None,
                    _ => Profile::Restricted,
                }
            }
            other => panic!("{}: unknown key `{other}` in berth-test.args", dir.display()),
        }
    }
    // The pipeline takes flags in family order, as the CLI gives them.
    req.sets.sort_by_key(|s| s.kind);
    req
}

fn snapshot_text(rendered: &Rendered) -> String {
    let mut text = emit::to_text(&rendered.objects, Format::Yaml).unwrap();
    text.push_str("# warnings\n");
    for w in &rendered.warnings {
        text.push_str(&format!("{w}\n"));
    }
    text.push_str("# relaxations\n");
    for r in &rendered.relaxations {
        text.push_str(&format!("{r}\n"));
    }
    text
}

fn render(root: &Path, chart: &str) -> String {
    let sandbox = Sandbox::new(root).unwrap();
    let req = request(root, chart);
    match pipeline::render_chart(&sandbox, &req) {
        Ok(r) => snapshot_text(&r),
        Err(e) => panic!(
            "{}: render failed: {e} (at {:?}; help: {:?})",
            root.display(),
            e.origin(),
            e.help()
        ),
    }
}

#[test]
fn charts() {
    insta::glob!("fixtures/charts/*/Chart.yaml", |path| {
        let dir = path.parent().unwrap();
        insta::assert_snapshot!(render(dir, ""));
    });
}

/// The README's example: the shop, a compose application as a chart. Its default values
/// reproduce the compose file it came from, so this snapshot equals the plain compose
/// render's.
#[test]
fn shop_chart() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    insta::assert_snapshot!("shop", render(root, "charts/shop"));
}

/// The template example: a library chart's macros, a subchart, files/ and a schema.
#[test]
fn status_chart() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    insta::assert_snapshot!("status", render(root, "charts/status"));
}

/// Same inputs, same bytes (DESIGN.md promise 2), through templates too.
#[test]
fn chart_render_is_deterministic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(render(root, "charts/status"), render(root, "charts/status"));
}
