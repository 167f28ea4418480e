//! Snapshot tests of whole renders: every `tests/fixtures/render/<case>/compose.yaml` goes
//! through the library pipeline (load → convert → harden → validate) and the emitted YAML,
//! followed by the warnings and the relaxations, is compared with `tests/snapshots/`.
//!
//! Why snapshots: a render is hundreds of lines whose every field matters (a probe, a
//! securityContext, a label); a snapshot shows a reviewer the whole effect of a change, and
//! each case folder exercises one area of DESIGN.md section 4.1, so a diff points at it.
//!
//! A case folder may hold `berth-test.args`, one `key=value` per line, for what the command
//! line would say: `file=NAME` (another `-f` file, in order), `compose-profile=NAME`,
//! `env-file=NAME`, `namespace=NAME`. The project root is the case folder.

use std::path::Path;

use berth::compose::LoadOptions;
use berth::emit::{self, Format};
use berth::harden::Profile;
use berth::pipeline::{self, ComposeRender};
use berth::source::Sandbox;
use berth::validate::DEFAULT_KUBE_VERSION;

/// The command-line options a case asks for in `berth-test.args`.
struct CaseArgs {
    files: Vec<String>,
    env_files: Vec<String>,
    profiles: Vec<String>,
    /// `--namespace`; without it the project name is the namespace, as for users.
    namespace: Option<String>,
}

fn case_args(dir: &Path) -> CaseArgs {
    let mut args = CaseArgs {
        files: vec!["compose.yaml".to_string()],
        env_files: Vec::new(),
        profiles: Vec::new(),
        namespace: None,
    };
    let Ok(text) = std::fs::read_to_string(dir.join("berth-test.args")) else {
        return args;
    };
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}: `{line}` is not key=value", dir.display()));
        let value = value.trim().to_string();
        match key.trim() {
            "file" => args.files.push(value),
            "env-file" => args.env_files.push(value),
            "compose-profile" => args.profiles.push(value),
            "namespace" => args.namespace = Some(value),
            other => panic!("{}: unknown key `{other}` in berth-test.args", dir.display()),
        }
    }
    args
}

/// Renders one case folder to the snapshot text: the YAML stream, then `# warnings` and
/// one warning per line (origins are root-relative, so the text is machine-independent).
fn render_case(dir: &Path) -> String {
    let args = case_args(dir);
    render_files(dir, args.files, args.env_files, args.profiles, args.namespace)
}

fn render_files(
    root: &Path,
    files: Vec<String>,
    env_files: Vec<String>,
    profiles: Vec<String>,
    namespace: Option<String>,
) -> String {
    let dir = root;
    let sandbox = Sandbox::new(root).unwrap();
    let req = ComposeRender {
        load: LoadOptions {
            files,
            env_files,
            profiles,
            variables: Vec::new(),
            project_name: None,
        },
        namespace,
        kube_version: DEFAULT_KUBE_VERSION.to_string(),
        profile: Profile::Restricted,
        strict: false,
    };
    let rendered = match pipeline::render_compose(&sandbox, &req) {
        Ok(r) => r,
        Err(e) => panic!(
            "{}: render failed: {e} (at {:?}; help: {:?})",
            dir.display(),
            e.origin(),
            e.help()
        ),
    };
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

#[test]
fn render() {
    insta::glob!("fixtures/render/*/compose.yaml", |path| {
        let dir = path.parent().unwrap();
        insta::assert_snapshot!(render_case(dir));
    });
}

/// The same inputs must give byte-identical output on every run (DESIGN.md promise 2);
/// a second render of one rich case catches iteration-order leaks that one snapshot cannot.
#[test]
fn render_is_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/render/depends-on");
    assert_eq!(render_case(&dir), render_case(&dir));
}

/// At least 32 cases, each in its own folder with a compose.yaml: the set of areas the
/// snapshot test covers is part of the contract, so it cannot shrink unnoticed.
#[test]
fn render_fixtures_cover_the_areas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/render");
    let cases = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("compose.yaml").is_file())
        .count();
    assert!(cases >= 32, "only {cases} render cases under {}", root.display());
}
