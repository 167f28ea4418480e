//! Output: a YAML stream, a JSON `v1` `List`, or one file per object written atomically.
//!
//! `--output-dir` must never leave a half-written folder (promise 3, all or nothing): the
//! files go into a temporary folder beside the target, and only when all of them are
//! written does that folder take the target's place. The previous folder is kept until
//! the swap succeeds and restored if it fails. Because the target is replaced entirely,
//! berth refuses to replace a folder holding anything it did not write.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::manifest::Object;
use crate::manifest::parallel::{self, Threads};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// The whole output as text, objects in the order given.
pub fn to_text(objects: &[Object], format: Format) -> Result<String, Error> {
    to_text_parallel(objects, format, Threads::ONE)
}

/// `to_text`, the objects' YAML written on `threads` threads (the text is the same).
pub fn to_text_parallel(objects: &[Object], format: Format, threads: Threads) -> Result<String, Error> {
    match format {
        Format::Yaml => {
            // The stream `yaml::emit_stream` writes, one document per object, so each
            // object's text can be written on its own.
            let docs = parallel::map(threads, objects, |o| crate::yaml::emit(&o.value))
                .into_iter()
                .collect::<Result<Vec<String>, _>>()?;
            // Sized once: growing a render of megabytes step by step copies it again and again.
            const SEPARATOR: &str = "---\n";
            let size = docs.iter().map(|d| d.len() + SEPARATOR.len()).sum();
            let mut out = String::with_capacity(size);
            for (i, doc) in docs.iter().enumerate() {
                if i > 0 {
                    out.push_str(SEPARATOR);
                }
                out.push_str(doc);
            }
            Ok(out)
        }
        Format::Json => pretty_json(&List {
            api_version: "v1",
            kind: "List",
            items: objects.iter().map(|o| &o.value).collect(),
        }),
    }
}

/// A `v1` `List` of borrowed objects, so writing JSON copies none of them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct List<'a> {
    api_version: &'static str,
    kind: &'static str,
    items: Vec<&'a Value>,
}

/// One object as the text of its own file.
fn object_text(o: &Object, format: Format) -> Result<String, Error> {
    match format {
        Format::Yaml => crate::yaml::emit(&o.value),
        Format::Json => pretty_json(&o.value),
    }
}

fn pretty_json(v: &impl Serialize) -> Result<String, Error> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| Error::Output {
        message: format!("cannot write JSON: {e}"),
    })?;
    s.push('\n');
    Ok(s)
}

/// Longest object name kept in a file name, so that the whole name stays well under the
/// 255-byte limit of common file systems even for a 253-character object name.
const MAX_NAME_IN_FILE: usize = 200;

/// File name of one object in `--output-dir`: `NNN-kind-name.yaml`, numbered from 001 in
/// the order given (install order), so `ls` and `kubectl apply -f DIR` follow it.
pub fn file_name(i: usize, o: &Object, format: Format) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'a'..='z' | '0'..='9' | '.' | '-' => c,
                'A'..='Z' => c.to_ascii_lowercase(),
                _ => '-',
            })
            .collect()
    };
    let mut name = clean(o.name());
    name.truncate(MAX_NAME_IN_FILE);
    if name.is_empty() {
        name = "unnamed".into();
    }
    format!("{:03}-{}-{name}.{}", i + 1, clean(o.kind()), format.extension())
}

/// Whether `name` looks like a file `write_dir` writes, so replacing it loses nothing.
fn is_ours(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 4
        && b.iter().take(3).all(u8::is_ascii_digit)
        && b.get(3) == Some(&b'-')
        && (name.ends_with(".yaml") || name.ends_with(".json"))
}

fn io_error(what: String, e: std::io::Error) -> Error {
    Error::Output {
        message: format!("{what}: {e}"),
    }
}

/// The sibling paths the write goes through: (parent, temporary folder, aside folder).
fn siblings(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf), Error> {
    let base = match dir.file_name() {
        Some(n) if n != ".." => n.to_string_lossy().into_owned(),
        _ => {
            return Err(Error::Output {
                message: format!(
                    "--output-dir {} names no folder of its own; pass a path such as out/manifests",
                    dir.display()
                ),
            });
        }
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = parent.join(format!(".{base}.berth-tmp"));
    let old = parent.join(format!(".{base}.berth-old"));
    Ok((parent, tmp, old))
}

/// Refuses to replace anything but a folder of files berth wrote (or nothing at all).
fn check_replaceable(dir: &Path) -> Result<(), Error> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(format!("cannot inspect {}", dir.display()), e)),
    };
    if !meta.is_dir() {
        let what = if meta.file_type().is_symlink() {
            "a symbolic link"
        } else {
            "not a folder"
        };
        return Err(Error::Output {
            message: format!(
                "--output-dir {} is {what}; berth only replaces folders it wrote, so pick another path",
                dir.display()
            ),
        });
    }
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(format!("cannot list {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(format!("cannot list {}", dir.display()), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !is_ours(&name) {
            return Err(Error::Output {
                message: format!(
                    "refusing to replace {}: it holds {name}, which berth did not write; \
                     pass a new or empty folder to --output-dir",
                    dir.display()
                ),
            });
        }
    }
    Ok(())
}

/// Writes one file per object into `dir`, atomically: everything goes into a sibling
/// temporary folder first, which then replaces `dir` (promise 3: all or nothing). On any
/// failure `dir` is left as it was.
pub fn write_dir(dir: &Path, objects: &[Object], format: Format) -> Result<(), Error> {
    write_dir_parallel(dir, objects, format, Threads::ONE)
}

/// `write_dir`, the files written on `threads` threads (the files are the same).
pub fn write_dir_parallel(dir: &Path, objects: &[Object], format: Format, threads: Threads) -> Result<(), Error> {
    write_dirs_parallel(&[(dir, objects)], format, threads)
}

/// Several outputs (one per environment) written as one: every folder is checked and
/// every temporary folder written before the first one takes its target's place, and a
/// failure while swapping puts back the folders already swapped. So on any failure every
/// target is left as it was.
pub fn write_dirs_parallel(outputs: &[(&Path, &[Object])], format: Format, threads: Threads) -> Result<(), Error> {
    write_dirs_with(outputs, format, threads, &Io::REAL)
}

/// The two file-system operations that change what is on disk, as parameters so tests
/// can make one fail part-way through (a full disk, a rename refused).
#[doc(hidden)]
pub struct Io<'a> {
    pub write: &'a (dyn Fn(&Path, &[u8]) -> std::io::Result<()> + Sync),
    pub rename: &'a (dyn Fn(&Path, &Path) -> std::io::Result<()> + Sync),
}

impl Io<'static> {
    pub const REAL: Io<'static> = Io {
        write: &|path, bytes| std::fs::write(path, bytes),
        rename: &|from, to| std::fs::rename(from, to),
    };
}

/// One output on its way: the target and the sibling folders the write goes through.
struct Plan<'a> {
    dir: &'a Path,
    parent: PathBuf,
    tmp: PathBuf,
    old: PathBuf,
    objects: &'a [Object],
}

/// [`write_dirs_parallel`] with the file-system operations given.
#[doc(hidden)]
pub fn write_dirs_with(outputs: &[(&Path, &[Object])], format: Format, threads: Threads, io: &Io) -> Result<(), Error> {
    // Everything that can be checked is checked before anything is written.
    let mut plans = Vec::with_capacity(outputs.len());
    for &(dir, objects) in outputs {
        let (parent, tmp, old) = siblings(dir)?;
        check_replaceable(dir)?;
        for leftover in [&tmp, &old] {
            if std::fs::symlink_metadata(leftover).is_ok() {
                return Err(Error::Output {
                    message: format!(
                        "{} is in the way: an interrupted or concurrent berth run left it; \
                         check nothing else is writing there, then remove it",
                        leftover.display()
                    ),
                });
            }
        }
        plans.push(Plan {
            dir,
            parent,
            tmp,
            old,
            objects,
        });
    }
    let mut made: Vec<&Path> = Vec::new();
    let written = plans
        .iter()
        .try_for_each(|p| {
            std::fs::create_dir_all(&p.parent)
                .map_err(|e| io_error(format!("cannot create {}", p.parent.display()), e))?;
            std::fs::create_dir(&p.tmp).map_err(|e| io_error(format!("cannot create {}", p.tmp.display()), e))?;
            made.push(&p.tmp);
            fill(&p.tmp, p.objects, format, threads, io)
        })
        .and_then(|()| swap_all(&plans, io.rename));
    if written.is_err() {
        // Best effort: the error being returned matters more than a failed cleanup.
        for tmp in made {
            let _ = std::fs::remove_dir_all(tmp);
        }
    }
    written
}

/// Writes the object files into the (new, empty) temporary folder; the first error in
/// install order is the one reported.
fn fill(tmp: &Path, objects: &[Object], format: Format, threads: Threads, io: &Io) -> Result<(), Error> {
    let numbered: Vec<(usize, &Object)> = objects.iter().enumerate().collect();
    let written = parallel::map(threads, &numbered, |&(i, o)| {
        let path = tmp.join(file_name(i, o, format));
        let text = object_text(o, format)?;
        (io.write)(&path, text.as_bytes()).map_err(|e| io_error(format!("cannot write {}", path.display()), e))
    });
    written.into_iter().collect()
}

/// Puts every temporary folder in the place of its target. If one move fails, the
/// outputs already moved are put back, so either all targets are new or all are as they
/// were; the old folders are removed only once every new one is in place.
fn swap_all(plans: &[Plan], rename: &dyn Fn(&Path, &Path) -> std::io::Result<()>) -> Result<(), Error> {
    let mut done: Vec<(&Plan, bool)> = Vec::with_capacity(plans.len());
    for p in plans {
        match swap(p.dir, &p.tmp, &p.old, rename) {
            Ok(had_old) => done.push((p, had_old)),
            Err(e) => {
                let mut kept = Vec::new();
                for &(q, had_old) in done.iter().rev() {
                    let back =
                        rename(q.dir, &q.tmp).and_then(|()| if had_old { rename(&q.old, q.dir) } else { Ok(()) });
                    if back.is_err() && had_old {
                        kept.push(q.old.display().to_string());
                    }
                }
                if kept.is_empty() {
                    return Err(e);
                }
                return Err(Error::Output {
                    message: format!("{e}; the previous output is kept in {}", kept.join(", ")),
                });
            }
        }
    }
    for (p, had_old) in done {
        if had_old {
            // The new output is in place; a leftover aside folder is only clutter.
            let _ = std::fs::remove_dir_all(&p.old);
        }
    }
    Ok(())
}

/// Puts `tmp` in the place of `dir`, moving the old `dir` aside (to `old`) first and back
/// if the second move fails. True when there was an old `dir`, now in `old`.
fn swap(
    dir: &Path,
    tmp: &Path,
    old: &Path,
    rename: &dyn Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<bool, Error> {
    let had_old = std::fs::symlink_metadata(dir).is_ok();
    if had_old {
        rename(dir, old).map_err(|e| io_error(format!("cannot move {} aside", dir.display()), e))?;
    }
    if let Err(e) = rename(tmp, dir) {
        let restored = !had_old || rename(old, dir).is_ok();
        let note = if restored {
            String::new()
        } else {
            format!("; the previous output is kept in {}", old.display())
        };
        return Err(io_error(
            format!("cannot move the output into {}{note}", dir.display()),
            e,
        ));
    }
    Ok(had_old)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::Cell;

    #[test]
    fn file_names_are_numbered_lowercase_and_short() {
        let o = Object::new(json!({"kind": "ConfigMap", "metadata": {"name": "Web_Conf"}}), None);
        assert_eq!(file_name(0, &o, Format::Yaml), "001-configmap-web-conf.yaml");
        let long = Object::new(
            json!({"kind": "ConfigMap", "metadata": {"name": "a".repeat(253)}}),
            None,
        );
        assert!(file_name(41, &long, Format::Json).len() < 255);
        assert!(is_ours(&file_name(41, &long, Format::Json)));
        let unnamed = Object::new(json!({"kind": "Secret"}), None);
        assert_eq!(file_name(9, &unnamed, Format::Json), "010-secret-unnamed.json");
        assert!(!is_ours("main.rs") && !is_ours("12-x.yaml") && !is_ours("001-x.txt"));
    }

    #[test]
    fn a_failed_swap_puts_the_old_folder_back() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().join("out");
        let (_, tmp, old) = siblings(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("001-old.yaml"), "old").unwrap();
        std::fs::create_dir(&tmp).unwrap();
        let calls = Cell::new(0);
        let flaky = |a: &Path, b: &Path| {
            calls.set(calls.get() + 1);
            if calls.get() == 2 {
                Err(std::io::Error::other("injected"))
            } else {
                std::fs::rename(a, b)
            }
        };
        let e = swap(&dir, &tmp, &old, &flaky).unwrap_err();
        assert!(e.to_string().contains("injected"), "{e}");
        assert_eq!(std::fs::read_to_string(dir.join("001-old.yaml")).unwrap(), "old");
        assert!(!old.exists());
    }

    fn objects(n: usize) -> Vec<Object> {
        (0..n)
            .map(|i| {
                Object::new(
                    json!({"kind": "ConfigMap", "metadata": {"name": format!("c{i}")}}),
                    None,
                )
            })
            .collect()
    }

    /// Every file below `dir`, by name, with its text.
    fn tree(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// A disk that fills up after `n` files, on one thread and on four.
    #[test]
    fn a_write_failing_part_way_leaves_every_target_as_it_was() {
        for threads in [Threads::ONE, Threads::new(4).unwrap()] {
            for fail_at in [0, 1, 5, 12] {
                let scratch = tempfile::tempdir().unwrap();
                let a = scratch.path().join("a");
                let b = scratch.path().join("b");
                std::fs::create_dir(&a).unwrap();
                std::fs::write(a.join("001-marker.yaml"), "old a").unwrap();
                let written = std::sync::atomic::AtomicUsize::new(0);
                let full = |p: &Path, bytes: &[u8]| {
                    if written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= fail_at {
                        Err(std::io::Error::other("no space left (injected)"))
                    } else {
                        std::fs::write(p, bytes)
                    }
                };
                let io = Io {
                    write: &full,
                    rename: Io::REAL.rename,
                };
                let (oa, ob) = (objects(7), objects(7));
                let e = write_dirs_with(&[(&a, &oa), (&b, &ob)], Format::Yaml, threads, &io).unwrap_err();
                assert!(e.to_string().contains("injected"), "{e}");
                assert_eq!(tree(&a), [("001-marker.yaml".to_string(), "old a".to_string())]);
                assert!(!b.exists());
                let mut left: Vec<String> = std::fs::read_dir(scratch.path())
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                left.sort();
                assert_eq!(left, ["a"], "no temporary folder is left behind");
            }
        }
    }

    /// The second target's move fails after the first is in place: the first is put back.
    #[test]
    fn a_rename_failing_after_the_first_output_is_in_place_puts_it_back() {
        for fail_at in 1..=3 {
            let scratch = tempfile::tempdir().unwrap();
            let a = scratch.path().join("a");
            let b = scratch.path().join("b");
            for (dir, text) in [(&a, "old a"), (&b, "old b")] {
                std::fs::create_dir(dir).unwrap();
                std::fs::write(dir.join("001-marker.yaml"), text).unwrap();
            }
            let calls = std::sync::atomic::AtomicUsize::new(0);
            let flaky = |from: &Path, to: &Path| {
                // Renames: a aside (0), tmp a in (1), b aside (2), tmp b in (3), then back.
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == fail_at {
                    Err(std::io::Error::other("rename refused (injected)"))
                } else {
                    std::fs::rename(from, to)
                }
            };
            let io = Io {
                write: Io::REAL.write,
                rename: &flaky,
            };
            let (oa, ob) = (objects(3), objects(2));
            let e = write_dirs_with(&[(&a, &oa), (&b, &ob)], Format::Yaml, Threads::ONE, &io).unwrap_err();
            assert!(e.to_string().contains("injected"), "{e}");
            assert_eq!(
                tree(&a),
                [("001-marker.yaml".to_string(), "old a".to_string())],
                "fail at {fail_at}"
            );
            assert_eq!(
                tree(&b),
                [("001-marker.yaml".to_string(), "old b".to_string())],
                "fail at {fail_at}"
            );
            let mut left: Vec<String> = std::fs::read_dir(scratch.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            assert_eq!(left, ["a", "b"], "fail at {fail_at}: nothing is left behind");
        }
    }
}
