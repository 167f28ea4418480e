//! `--output-dir` is all or nothing (DESIGN.md promise 3): a failure part-way through
//! leaves the old folder exactly as it was, whether the failure is in the input, in one
//! of several environments, or in the disk itself (injected through `emit::Io`, since a
//! full disk cannot be made on demand).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use berth::emit::{self, Format, Io};
use berth::manifest::Object;
use berth::manifest::parallel::Threads;
use serde_json::json;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file below `dir`, by relative path, with its bytes; folders listed as such.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            if e.file_type().is_dir() {
                (format!("{rel}/"), Vec::new())
            } else {
                (rel, std::fs::read(e.path()).unwrap())
            }
        })
        .collect();
    out.sort();
    out
}

/// An old output folder as berth would have written it, with a marker to recognise it.
fn old_output(dir: &Path, marker: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("001-namespace-marker.yaml"), marker).unwrap();
    std::fs::write(dir.join("002-configmap-old.yaml"), "kind: ConfigMap\n").unwrap();
}

fn berth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(repo())
        .arg("render")
        .args(args)
        .output()
        .unwrap()
}

fn assert_failed(out: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains(needle), "stderr does not mention `{needle}`:\n{stderr}");
}

#[test]
fn an_input_error_leaves_the_old_folder_as_it_was() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    old_output(&out, "old");
    let before = snapshot(scratch.path());
    let dir = out.display().to_string();
    let run = berth(&["overlays/prod", "--root", ".", "--set", "a[=1", "--output-dir", &dir]);
    assert_failed(&run, "--set");
    assert_eq!(snapshot(scratch.path()), before);
}

/// A template over its memory budget ends the process from inside the allocator
/// (`berth::memory`): that is before anything is written, so the old folder stays.
#[test]
fn a_template_over_its_memory_budget_leaves_the_old_folder_as_it_was() {
    let scratch = tempfile::tempdir().unwrap();
    let chart = scratch.path().join("c");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "name: c\nversion: 1.0.0\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .unwrap();
    let out = scratch.path().join("out");
    old_output(&out, "old");
    let before = snapshot(scratch.path());
    let (root, dir) = (scratch.path().display().to_string(), out.display().to_string());
    let run = berth(&[&chart.display().to_string(), "--root", &root, "--output-dir", &dir]);
    assert_failed(&run, "limit `template-memory-bytes`");
    assert_eq!(snapshot(scratch.path()), before);
}

/// Environments render in parallel and are written last, in name order: with the old
/// one-folder-at-a-time write, `dev` was already replaced when `prod` failed.
#[test]
fn when_one_environment_cannot_be_written_no_environment_is() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    old_output(&out.join("dev"), "old dev");
    old_output(&out.join("staging"), "old staging");
    // prod holds a file berth did not write, so berth refuses to replace it.
    std::fs::create_dir_all(out.join("prod")).unwrap();
    std::fs::write(out.join("prod/notes.txt"), "mine").unwrap();
    let before = snapshot(scratch.path());
    let dir = out.display().to_string();
    let run = berth(&["overlays", "--all-envs", "--root", ".", "--output-dir", &dir]);
    assert_failed(&run, "notes.txt");
    assert_eq!(snapshot(scratch.path()), before);

    // The same when what is in the way is a leftover of an interrupted run.
    std::fs::remove_dir_all(out.join("prod")).unwrap();
    std::fs::create_dir(out.join(".prod.berth-tmp")).unwrap();
    let before = snapshot(scratch.path());
    let run = berth(&["overlays", "--all-envs", "--root", ".", "--output-dir", &dir]);
    assert_failed(&run, ".prod.berth-tmp");
    assert_eq!(snapshot(scratch.path()), before);

    // With nothing in the way, every environment is replaced.
    std::fs::remove_dir(out.join(".prod.berth-tmp")).unwrap();
    let run = berth(&["overlays", "--all-envs", "--root", ".", "--output-dir", &dir]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let after = snapshot(&out);
    assert!(after.iter().all(|(name, _)| !name.contains("marker")), "{after:?}");
    for env in ["dev/", "prod/", "staging/"] {
        assert!(after.iter().any(|(name, _)| name == env), "{env} missing: {after:?}");
    }
    let all = snapshot(scratch.path());
    assert!(
        all.iter()
            .all(|(n, _)| !n.contains("berth-tmp") && !n.contains("berth-old")),
        "{all:?}"
    );
}

/// A real file-system failure: the output's parent is read-only. Skipped where the test
/// runs as root, for whom nothing is read-only.
#[cfg(unix)]
#[test]
fn an_unwritable_parent_leaves_the_old_folder_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = tempfile::tempdir().unwrap();
    let parent = scratch.path().join("locked");
    let out = parent.join("out");
    old_output(&out, "old");
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = parent.join("probe");
    if std::fs::create_dir(&probe).is_ok() {
        // Running as root: permissions are not enforced.
        std::fs::remove_dir(&probe).unwrap();
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    let before = snapshot(scratch.path());
    let dir = out.display().to_string();
    let run = berth(&["overlays/dev", "--root", ".", "--output-dir", &dir]);
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_failed(&run, "cannot create");
    assert_eq!(snapshot(scratch.path()), before);
}

fn objects(n: usize) -> Vec<Object> {
    (0..n)
        .map(|i| {
            Object::new(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("c{i}")}, "data": {"i": i.to_string()}}),
                None,
            )
        })
        .collect()
}

/// The disk fills up after N files, for every N, on one thread and on several: both
/// targets stay as they were and no temporary folder is left.
#[test]
fn a_disk_that_fills_up_part_way_changes_nothing() {
    let (a_objects, b_objects) = (objects(6), objects(4));
    for threads in [1, 4] {
        let threads = Threads::new(threads).unwrap();
        for fail_at in 0..10 {
            let scratch = tempfile::tempdir().unwrap();
            let a = scratch.path().join("dev");
            let b = scratch.path().join("prod");
            old_output(&a, "old dev");
            old_output(&b, "old prod");
            let before = snapshot(scratch.path());
            let count = std::sync::atomic::AtomicUsize::new(0);
            let write = |path: &Path, bytes: &[u8]| {
                if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == fail_at {
                    return Err(std::io::Error::other("no space left on device (injected)"));
                }
                std::fs::write(path, bytes)
            };
            let io = Io {
                write: &write,
                rename: Io::REAL.rename,
            };
            let e =
                emit::write_dirs_with(&[(&a, &a_objects), (&b, &b_objects)], Format::Yaml, threads, &io).unwrap_err();
            assert!(e.to_string().contains("injected"), "{e}");
            assert_eq!(e.exit_code(), 2);
            assert_eq!(snapshot(scratch.path()), before, "failing at file {fail_at}");
        }
    }
}

/// Every rename of the swap fails in turn, including those that put the first target
/// back: the targets end as they were, or (when even putting back fails) the error says
/// where the old output is kept.
#[test]
fn a_rename_refused_part_way_changes_nothing_or_says_where_the_old_output_is() {
    let (a_objects, b_objects) = (objects(3), objects(2));
    for fail_at in 0..8 {
        let scratch = tempfile::tempdir().unwrap();
        let a = scratch.path().join("dev");
        let b = scratch.path().join("prod");
        old_output(&a, "old dev");
        old_output(&b, "old prod");
        let before = snapshot(scratch.path());
        let count = std::sync::atomic::AtomicUsize::new(0);
        let rename = |from: &Path, to: &Path| {
            if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == fail_at {
                return Err(std::io::Error::other("rename refused (injected)"));
            }
            std::fs::rename(from, to)
        };
        let io = Io {
            write: Io::REAL.write,
            rename: &rename,
        };
        let result = emit::write_dirs_with(&[(&a, &a_objects), (&b, &b_objects)], Format::Yaml, Threads::ONE, &io);
        let calls = count.load(std::sync::atomic::Ordering::SeqCst);
        match result {
            // Four renames succeed: dev aside, dev in, prod aside, prod in.
            Ok(()) => assert!(fail_at >= calls, "fail_at {fail_at}, calls {calls}"),
            Err(e) if e.to_string().contains("kept in") => {
                // Putting back failed too: the old output is where the message says.
                assert!(fail_at >= 4, "{e}");
            }
            Err(e) => {
                assert!(e.to_string().contains("injected"), "{e}");
                assert_eq!(snapshot(scratch.path()), before, "failing at rename {fail_at}: {e}");
            }
        }
    }
}
