//! Loads compose projects end to end through `compose::load`: the fixtures under
//! tests/fixtures/loader, compose-go's own test inputs, and real-world files.

use std::path::{Path, PathBuf};

use berth::compose::{self, LoadOptions, Project};
use berth::error::{Error, Warnings};
use berth::source::Sandbox;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/loader")
}

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        println!("note: {} is missing; corpus test skipped", p.display());
        None
    }
}

fn load_in(root: &Path, opts: LoadOptions) -> Result<(Project, Warnings), Error> {
    let sandbox = Sandbox::new(root).unwrap();
    let mut warnings = Warnings::default();
    compose::load(&sandbox, &opts, &mut warnings).map(|p| (p, warnings))
}

fn opts(files: &[&str]) -> LoadOptions {
    LoadOptions {
        files: files.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    }
}

fn located_input(e: &Error) -> bool {
    matches!(e, Error::Input { origin: Some(_), .. })
}

/// compose-go's inputs that its own tests expect to fail, with a piece of our message.
const COMPOSE_GO_INVALID: &[(&str, &str)] = &[
    ("loader/testdata/compose-depends-on-cycle.yaml", "cycle"),
    ("loader/testdata/compose-depends-on-profile-no-cycle.yaml", "cycle"),
    ("loader/testdata/compose-depends-on-self.yaml", "cycle"),
    ("loader/testdata/compose-include-cycle.yaml", "cycle"),
    ("loader/testdata/empty.yaml", "no service"),
    // `with-port` (and the empty `nil`) have neither image nor build.
    (
        "loader/testdata/extends/base.yaml",
        "has neither an image nor a build context",
    ),
    ("loader/testdata/include/dir/compose.yaml", "extra.env"),
    ("loader/testdata/remote/cycle/compose-cycle.yaml", "remote:"),
    ("loader/testdata/remote/cycle/compose.yaml", "remote:"),
    ("loader/testdata/remote/nested/compose.yaml", "remote:"),
    // Needs TEST, which compose-go's test sets; berth refuses to guess it.
    ("cli/testdata/simple/compose-name.yaml", "variable `TEST` is not set"),
];

fn compose_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            compose_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

#[test]
fn compose_go_corpus() {
    let Some(corpus) = corpus() else { return };
    let root = corpus.join("compose-go");
    let mut files = Vec::new();
    compose_files(&root, &mut files);
    assert!(files.len() > 30);
    let mut failures = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let result = load_in(&root, opts(&[&rel]));
        let expected = COMPOSE_GO_INVALID.iter().find(|(p, _)| *p == rel);
        match (expected, &result) {
            (None, Ok(_)) => {}
            (Some((_, want)), Err(e)) if located_input(e) && e.to_string().contains(want) => {
                println!(
                    "{rel}: refused as expected: {e} ({:?})",
                    e.origin().map(|o| o.to_string())
                );
            }
            (None, Err(e)) => failures.push(format!("{rel}: should load, got {e} at {:?}", e.origin())),
            (Some((_, want)), other) => failures.push(format!(
                "{rel}: should fail with `{want}` (located), got {:?}",
                other.as_ref().err()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn real_world_corpus_mostly_loads() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    for set in ["awesome-compose", "kompose", "realworld"] {
        compose_files(&corpus.join(set), &mut files);
    }
    let (mut ok, mut failed) = (0, Vec::new());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        if !text.lines().any(|l| l.starts_with("services:")) {
            continue;
        }
        let root = f.parent().unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        match load_in(root, opts(&[&name])) {
            Ok(_) => ok += 1,
            Err(e) => failed.push(format!(
                "{}: {e} [{:?}]",
                f.strip_prefix(&corpus).unwrap().display(),
                e.origin().map(|o| o.to_string())
            )),
        }
    }
    println!("real-world corpus: {ok} loaded, {} refused", failed.len());
    for f in &failed {
        println!("  {f}");
    }
    assert!(ok >= 3 * failed.len(), "too many refusals");
}

fn full(extra: impl FnOnce(&mut LoadOptions)) -> Result<(Project, Warnings), Error> {
    let mut o = opts(&[""]);
    extra(&mut o);
    load_in(&fixtures().join("full"), o)
}

#[test]
fn folder_with_override_include_extends_and_dotenv() {
    let (p, w) = full(|_| {}).unwrap();
    assert_eq!(p.name, "shopapp");
    assert!(
        w.iter().any(|w| w.code == "project-name-sanitised"),
        "an explicit name is not changed silently"
    );
    assert_eq!(
        p.services.keys().collect::<Vec<_>>(),
        ["web", "api", "cache"],
        "debug is behind a profile"
    );
    let web = &p.services["web"];
    assert_eq!(web.image.as_deref(), Some("nginx:1.27-alpine"));
    assert_eq!(web.command.as_deref(), Some(&["nginx-debug".to_string()][..]));
    assert_eq!(web.restart.as_deref(), Some("unless-stopped"));
    assert_eq!(web.labels["team"], "shop");
    let ports: Vec<(u16, Option<&str>, &str)> = web
        .ports
        .iter()
        .map(|p| (p.target, p.published.as_deref(), p.protocol.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        ports,
        [
            (80, Some("8080"), "tcp"),
            (9000, Some("9000"), "udp"),
            (9001, Some("9001"), "udp"),
            (443, Some("8443"), "tcp")
        ]
    );
    assert_eq!(web.ports[1].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(web.expose, ["3000"]);
    assert_eq!(web.environment["MODE"].as_deref(), Some("dev"));
    assert_eq!(web.environment["FROM_DOTENV"].as_deref(), Some("hello"));
    assert_eq!(web.environment["UNSET_PASSTHROUGH"], None);
    assert_eq!(web.env_file[0].path, "app.env");
    assert_eq!(
        web.env_file[0].values["APP"], "1",
        "env files are read in compose's dialect"
    );
    assert!(web.env_file[0].required);
    let vols: Vec<(&str, Option<&str>, &str, bool)> = web
        .volumes
        .iter()
        .map(|v| (v.kind.as_str(), v.source.as_deref(), v.target.as_str(), v.read_only))
        .collect();
    assert_eq!(
        vols,
        [
            ("bind", Some("conf/nginx.conf"), "/etc/nginx/nginx.conf", true),
            ("volume", Some("data"), "/data", false),
            ("volume", None, "/cache", false)
        ]
    );
    let hc = web.healthcheck.as_ref().unwrap();
    assert_eq!(hc.test, ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]);
    assert_eq!((hc.interval.as_deref(), hc.retries), (Some("10s"), Some(3)));
    assert_eq!(web.depends_on["api"].condition, "service_started");
    assert!(web.networks.contains_key("front") && !web.networks.contains_key("default"));
    assert!(
        p.services["api"].networks.contains_key("default"),
        "no networks → default, as compose"
    );
    assert!(p.networks.contains_key("default"));
    assert_eq!(web.extra_hosts["db.local"], ["10.0.0.5"]);
    assert_eq!(web.secrets[0].source, "db_pass");
    assert_eq!(
        (web.cpus.as_deref(), web.mem_limit.as_deref()),
        (Some("0.5"), Some("512m"))
    );

    let api = &p.services["api"];
    assert_eq!(api.image.as_deref(), Some("api:1"));
    assert_eq!(api.command.as_ref().unwrap(), &["serve", "--port", "80"]);
    assert_eq!(api.environment["LOG"].as_deref(), Some("info"));
    assert_eq!(
        api.volumes[0].source.as_deref(),
        Some("base/state"),
        "extends paths resolve from the base's file"
    );
    assert_eq!(api.depends_on["cache"].condition, "service_healthy");
    assert_eq!(p.services["cache"].volumes[0].source.as_deref(), Some("inc/redis.conf"));
    assert_eq!(p.secrets["db_pass"].file.as_deref(), Some("secrets/db.txt"));
    assert!(p.volumes.contains_key("data") && p.networks.contains_key("front"));
    assert_eq!(p.base_dir, "");

    let file_of = |ptr: &str| p.origin(ptr).map(|o| o.file.to_string());
    assert_eq!(file_of("/services/web/image").as_deref(), Some("compose.override.yaml"));
    assert_eq!(file_of("/services/web/volumes").as_deref(), Some("compose.yaml"));
    assert_eq!(file_of("/services/api/command").as_deref(), Some("base/common.yaml"));
    assert_eq!(file_of("/services/api/image").as_deref(), Some("compose.yaml"));
    assert_eq!(file_of("/services/cache").as_deref(), Some("inc/compose.yaml"));
    assert_eq!(file_of("/volumes/data").as_deref(), Some("compose.yaml"));
    assert_eq!(file_of("/secrets/db_pass").as_deref(), Some("compose.yaml"));
}

#[test]
fn profiles_and_variables_from_options() {
    let (p, _) = full(|o| {
        o.profiles = vec!["debug".into()];
        o.variables = vec![("PROJECT".into(), "Other".into()), ("FROM_DOTENV".into(), "cli".into())];
    })
    .unwrap();
    assert_eq!(p.name, "other");
    assert!(p.services.contains_key("debug"));
    assert_eq!(p.services["web"].environment["FROM_DOTENV"].as_deref(), Some("cli"));
}

/// Writes files into a scratch root and loads `compose.yaml`.
fn scratch(files: &[(&str, &str)], o: impl FnOnce(&mut LoadOptions)) -> Result<(Project, Warnings), Error> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut lo = opts(&["compose.yaml"]);
    o(&mut lo);
    load_in(dir.path(), lo)
}

fn error_of(files: &[(&str, &str)]) -> Error {
    scratch(files, |_| {}).unwrap_err()
}

#[test]
fn missing_variable_is_a_located_error_with_help() {
    let e = error_of(&[(
        "compose.yaml",
        "services:\n  db:\n    image: pg\n    environment:\n      P: ${DB_PASS}\n",
    )]);
    assert_eq!(e.to_string(), "variable `DB_PASS` is not set");
    assert_eq!(e.origin().unwrap().file.as_ref(), "compose.yaml");
    let help = e.help().unwrap();
    assert!(
        help.contains(".env beside compose.yaml") && help.contains("--env-var DB_PASS"),
        "{help}"
    );
    let e = error_of(&[(
        "compose.yaml",
        "services:\n  db:\n    image: \"${TAG:?set the image tag}\"\n",
    )]);
    assert_eq!(e.to_string(), "variable `TAG` is required: set the image tag");
}

#[test]
fn env_files_replace_dotenv_in_order() {
    let files = [
        ("compose.yaml", "services:\n  db:\n    image: \"pg:${TAG}\"\n"),
        (".env", "TAG=dotenv\n"),
        ("a.env", "TAG=a\n"),
        ("b.env", "TAG=b\n"),
    ];
    let (p, _) = scratch(&files, |o| o.env_files = vec!["a.env".into(), "b.env".into()]).unwrap();
    assert_eq!(p.services["db"].image.as_deref(), Some("pg:b"));
    let (p, _) = scratch(&files, |_| {}).unwrap();
    assert_eq!(p.services["db"].image.as_deref(), Some("pg:dotenv"));
}

#[test]
fn input_errors_are_located_and_explained() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("compose.yaml", "services:\n  db:\n    image: pg\n    restrat: always\n")],
            "unknown key `restrat` in service `db`",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  db:\n    image: pg\n    ports: \"80:80\"\n",
            )],
            "`ports` in service `db` must be a list, found a string",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    profiles: [dev]\n",
            )],
            "service `a` depends on `b`, which is only enabled by profile dev",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
            )],
            "`depends_on` forms a cycle: a → b → a",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
            )],
            "`extends` forms a cycle: a → b → a",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    volumes: [data:/d]\n",
            )],
            "named volume `data`",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    env_file: [missing.env]\n",
            )],
            "env file `missing.env` does not exist",
        ),
        (
            &[
                ("compose.yaml", "include: [other.yaml]\nservices:\n  a:\n    image: x\n"),
                ("other.yaml", "services:\n  a:\n    image: y\n"),
            ],
            "defines service `a`, which is already defined differently",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    ports: [\"99999:80\"]\n",
            )],
            "invalid port",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    secrets: [pw]\nsecrets:\n  pw:\n    environment: PW\n",
            )],
            "reads the variable `PW`, which was not given",
        ),
    ];
    for (files, want) in cases {
        let e = error_of(files);
        assert!(e.to_string().contains(want), "want `{want}`, got `{e}`");
        assert!(located_input(&e), "{e} is not located");
        assert!(e.help().is_some());
    }
}

#[test]
fn environment_secret_reads_only_explicit_variables() {
    let files = [(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    secrets: [pw]\nsecrets:\n  pw:\n    environment: PW\n",
    )];
    let (p, _) = scratch(&files, |o| o.variables = vec![("PW".into(), "s3cret".into())]).unwrap();
    assert_eq!(p.secrets["pw"].environment.as_deref(), Some("PW"));
    assert_eq!(p.secrets["pw"].content.as_deref(), Some("s3cret"));
}

#[test]
fn optional_dependency_on_inactive_profile_is_dropped_with_a_warning() {
    let files = [(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_started, required: false}\n  b:\n    image: x\n    profiles: [dev]\n",
    )];
    let (p, w) = scratch(&files, |_| {}).unwrap();
    assert!(p.services["a"].depends_on.is_empty());
    assert!(w.iter().any(|w| w.code == "inactive-dependency"));
}

#[test]
fn project_name_falls_back_to_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("My_Stack");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("docker-compose.yml"), "services:\n  a:\n    image: x\n").unwrap();
    let (p, _) = load_in(dir.path(), opts(&["My_Stack"])).unwrap();
    assert_eq!(p.name, "my_stack");
    assert_eq!(p.base_dir, "My_Stack");
    let (p, _) = load_in(
        dir.path(),
        LoadOptions {
            project_name: Some("Given".into()),
            ..opts(&["My_Stack"])
        },
    )
    .unwrap();
    assert_eq!(p.name, "given");
}

#[test]
fn multiple_files_resolve_paths_from_the_first_files_folder() {
    let files = [
        ("compose.yaml", "services:\n  a:\n    image: x\n"),
        ("over/extra.yaml", "services:\n  a:\n    volumes: [./data:/d]\n"),
    ];
    let (p, _) = scratch(&files, |o| o.files.push("over/extra.yaml".into())).unwrap();
    assert_eq!(p.services["a"].volumes[0].source.as_deref(), Some("data"));
    assert_eq!(
        p.origin("/services/a/volumes").unwrap().file.as_ref(),
        "over/extra.yaml"
    );
}

#[test]
fn override_file_may_extend_a_service_of_the_main_file() {
    let files = [
        (
            "compose.yaml",
            "services:\n  base:\n    image: x\n    environment: {A: \"1\"}\n",
        ),
        (
            "sub/over.yaml",
            "services:\n  child:\n    extends: base\n    environment: {B: \"2\"}\n  other:\n    extends: {file: more.yaml, service: m}\n",
        ),
        (
            "sub/more.yaml",
            "services:\n  m:\n    image: m\n    volumes: [./m:/m]\n",
        ),
    ];
    let (p, _) = scratch(&files, |o| o.files.push("sub/over.yaml".into())).unwrap();
    let child = &p.services["child"];
    assert_eq!(child.image.as_deref(), Some("x"));
    assert_eq!(child.environment.len(), 2);
    assert_eq!(p.services["other"].volumes[0].source.as_deref(), Some("sub/m"));
}

#[test]
fn origins_point_at_lines_once_spans_are_filled() {
    // Lines are checked only when the yaml module fills spans (line 0 = whole file).
    let e = error_of(&[("compose.yaml", "services:\n  db:\n    image: pg\n    restrat: always\n")]);
    let o = e.origin().unwrap();
    assert!(o.line == 0 || (o.line, o.column) == (4, 5), "{o}");
    let (p, _) = full(|_| {}).unwrap();
    let o = p.origin("/services/api/command").unwrap();
    assert_eq!(o.file.as_ref(), "base/common.yaml");
    assert!(o.line == 0 || o.line == 8, "{o}");
}

/// Overlay sets as their projects use them (`-f base -f overlay ...`), root = project folder.
const OVERLAY_SETS: &[(&str, &[&str], &[&str])] = &[
    ("kompose/multiple-files", &["first.yaml", "second.yaml"], &[]),
    (
        "realworld/opentelemetry-demo",
        &[
            "compose.yaml",
            "compose.full.yaml",
            "compose.observability.yaml",
            "compose.extras.yaml",
        ],
        &[".env", ".env.override"],
    ),
    (
        "realworld/docker-elk",
        &["docker-compose.yml", "extensions/filebeat/filebeat-compose.yml"],
        &[],
    ),
    (
        "realworld/docker-elk",
        &[
            "docker-compose.yml",
            "extensions/fleet/fleet-compose.yml",
            "extensions/fleet/agent-apmserver-compose.yml",
        ],
        &[],
    ),
    (
        "realworld/docker-elk",
        &["docker-compose.yml", "extensions/heartbeat/heartbeat-compose.yml"],
        &[],
    ),
    (
        "realworld/docker-elk",
        &["docker-compose.yml", "extensions/metricbeat/metricbeat-compose.yml"],
        &[],
    ),
    (
        "realworld/docker-elk",
        &["docker-compose.yml", "extensions/curator/curator-compose.yml"],
        &[],
    ),
    (
        "realworld/docker-jitsi-meet",
        &["docker-compose.yml", "etherpad.yml"],
        &[],
    ),
    (
        "realworld/docker-jitsi-meet",
        &[
            "docker-compose.yml",
            "grafana.yml",
            "prometheus.yml",
            "log-analyser.yml",
        ],
        &[],
    ),
    (
        "realworld/docker-jitsi-meet",
        &["docker-compose.yml", "jibri.yml", "jigasi.yml", "transcriber.yml"],
        &[],
    ),
    (
        "realworld/docker-jitsi-meet",
        &["docker-compose.yml", "rtcstats.yml", "whiteboard.yml"],
        &[],
    ),
];

#[test]
fn real_world_overlay_sets_load() {
    let Some(corpus) = corpus() else { return };
    let mut failures = Vec::new();
    for (dir, files, env_files) in OVERLAY_SETS {
        let o = LoadOptions {
            env_files: env_files.iter().map(|s| s.to_string()).collect(),
            ..opts(files)
        };
        match load_in(&corpus.join(dir), o) {
            Ok((p, _)) => println!("{dir} {files:?}: {} services", p.services.len()),
            Err(e) => failures.push(format!(
                "{dir} {files:?}: {e} at {:?}",
                e.origin().map(|o| o.to_string())
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reset_tags_clear_attributes_of_earlier_files() {
    let files = [
        (
            "compose.yaml",
            "services:\n  a:\n    image: x\n    command: [run]\n    ports: [\"80:80\"]\n    user: \"1000\"\n",
        ),
        (
            "over.yaml",
            "services:\n  a:\n    command: !reset\n    ports: !reset []\n    user: !reset null\n",
        ),
    ];
    let (p, _) = scratch(&files, |o| o.files.push("over.yaml".into())).unwrap();
    let a = &p.services["a"];
    assert!(a.command.is_none() && a.ports.is_empty() && a.user.is_none());
}

#[test]
fn null_attributes_mean_unset() {
    let (p, _) = scratch(
        &[(
            "compose.yaml",
            "services:\n  a:\n    image: x\n    ports:\n    command: !reset\n",
        )],
        |_| {},
    )
    .unwrap();
    assert!(p.services["a"].ports.is_empty() && p.services["a"].command.is_none());
}

#[test]
fn compose_go_paths_follow_the_file_that_wrote_them() {
    let Some(corpus) = corpus() else { return };
    let root = corpus.join("compose-go");
    let (p, _) = load_in(&root, opts(&["loader/testdata/compose-test-extends.yaml"])).unwrap();
    let importer = &p.services["importer"];
    assert_eq!(importer.env_file[0].path, "loader/testdata/subdir/extra.env");
    assert_eq!(importer.container_name.as_deref(), Some("imported"));
    assert_eq!(
        importer.volumes[0].source.as_deref(),
        Some("/opt/data"),
        "outside the root: kept as written"
    );
    let (p, _) = load_in(&root, opts(&["loader/testdata/include/project-directory.yaml"])).unwrap();
    let svc = &p.services["service"];
    assert_eq!(svc.env_file[0].path, "loader/testdata/subdir/extra.env");
    assert_eq!(
        svc.volumes[0].source.as_deref(),
        Some("loader/testdata/subdir/compose-test-extends-imported.yaml")
    );
    let (p, _) = load_in(&root, opts(&["loader/testdata/extends/reset.yaml"])).unwrap();
    assert!(
        p.services["base"].command.is_none(),
        "`command: !reset` clears the inherited command"
    );
    assert_eq!(p.services["init"].command.as_ref().unwrap(), &["sleep", "infinity"]);
    let (p, _) = load_in(&root, opts(&["cli/testdata/env-file/compose-with-env-files.yaml"])).unwrap();
    assert_eq!(p.services["simple"].ports[0].published.as_deref(), Some("8000"));
    assert_eq!(p.name, "my_project_from_dot_env", "COMPOSE_PROJECT_NAME from .env");
}

#[test]
fn remote_includes_are_refused_offline() {
    let e = error_of(&[(
        "compose.yaml",
        "include: [\"oci://registry/app:1\"]\nservices: {a: {image: x}}\n",
    )]);
    assert!(e.to_string().contains("is a remote resource"), "{e}");
}

#[test]
fn optional_dependency_on_an_undefined_service_is_dropped_with_a_warning() {
    let files = [(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    depends_on:\n      ghost: {condition: service_started, required: false}\n",
    )];
    let (p, w) = scratch(&files, |_| {}).unwrap();
    assert!(p.services["a"].depends_on.is_empty());
    assert!(
        w.iter()
            .any(|w| w.code == "inactive-dependency" && w.message.contains("ghost"))
    );
}

#[test]
fn compose_file_and_profiles_from_dotenv_for_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "COMPOSE_FILE=a.yaml:b.yaml\nCOMPOSE_PROFILES=extra\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.yaml"), "services:\n  a:\n    image: a\n").unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        "services:\n  b:\n    image: b\n    profiles: [extra]\n",
    )
    .unwrap();
    let (p, _) = load_in(dir.path(), opts(&["."])).unwrap();
    assert_eq!(p.services.keys().collect::<Vec<_>>(), ["a", "b"]);
    let e = error_of(&[("compose.yaml", "services:\n  a:\n    image: a\n    profiles: [x]\n")]);
    assert!(e.to_string().contains("behind a profile"), "{e}");
}

#[test]
fn env_file_values_are_interpolated_and_bare_names_reported() {
    let files = [
        (
            "compose.yaml",
            "services:\n  a:\n    image: x\n    env_file: [app.env]\n",
        ),
        (".env", "HOST=db.local\n"),
        ("app.env", "URL=postgres://${HOST}/app\nRAW='$HOST'\nFROM_HOST\n"),
    ];
    let (p, w) = scratch(&files, |_| {}).unwrap();
    let values = &p.services["a"].env_file[0].values;
    assert_eq!(values["URL"], "postgres://db.local/app");
    assert_eq!(values["RAW"], "$HOST");
    assert!(!values.contains_key("FROM_HOST"));
    let warning = w.iter().find(|w| w.code == "env-unset").unwrap();
    assert_eq!(warning.origin.as_ref().unwrap().to_string(), "app.env:3:1");
}

/// Lists normalised into maps (`depends_on`, `environment`) keep each item's own line, so
/// an error or warning about an entry points at that entry, not at the list's first item.
#[test]
fn entries_made_from_list_items_keep_their_own_lines() {
    let e = error_of(&[(
        "compose.yaml",
        "services:\n  web:\n    image: a:1\n    depends_on:\n      - db\n      - redis\n  db:\n    image: b:1\n",
    )]);
    assert!(e.to_string().contains("`redis`"), "{e}");
    let o = e.origin().unwrap();
    assert_eq!((o.line, o.column), (6, 9));
    let (project, _) = scratch(
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: a:1\n    environment:\n      - MODE=list\n      - OTHER=x\n",
        )],
        |_| {},
    )
    .unwrap();
    let o = project.origin("/services/web/environment/OTHER").unwrap();
    assert_eq!(o.line, 6);
}
