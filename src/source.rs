//! Sandboxed file access under the project root, and the `Origin` of every value.
//!
//! This is the only module that reads files. Every path an input names is resolved
//! against the file that named it and must stay under the project root: `..` that
//! climbs out, absolute paths outside the root and symlinks that leave it are errors
//! (DESIGN.md promise 1). Every text read is kept, so diagnostics can show snippets.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::limits;

/// Where a value came from: a file (relative to the project root, `/` separated),
/// a 1-based line and a 1-based column. `line == 0` means "the file as a whole".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: usize,
    pub column: usize,
}

impl Origin {
    pub fn new(file: impl Into<Arc<str>>, line: usize, column: usize) -> Self {
        Origin {
            file: file.into(),
            line,
            column,
        }
    }

    /// An origin for a whole file, or for a value given on the command line (`--set x=1`).
    pub fn file(file: impl Into<Arc<str>>) -> Self {
        Origin {
            file: file.into(),
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// Reads `from` to its end, or `None` once it holds more than [`limits::INPUT_BYTES`]: a
/// 100 MB file (or an endless pipe) stops there, before it is parsed into far more.
///
/// `size` is what the file's metadata says it holds (0 when unknown): reading into a buffer
/// of that size at once saves growing and copying it step by step.
fn read_capped(from: impl std::io::Read, size: u64) -> std::io::Result<Option<Vec<u8>>> {
    let cap = limits::INPUT_BYTES.value;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(cap).min(cap));
    std::io::Read::read_to_end(&mut std::io::Read::take(from, cap as u64 + 1), &mut bytes)?;
    Ok((bytes.len() <= cap).then_some(bytes))
}

/// The error for an input larger than [`limits::INPUT_BYTES`]; a usage error when it has
/// no place in the project (`at` is `None`).
fn too_large(name: &str, at: Option<Origin>) -> Error {
    limits::INPUT_BYTES.exceeded(at, format!("`{name}` is too large to read"))
}

/// A file read through the sandbox.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the project root, `/` separated; what diagnostics print.
    pub name: Arc<str>,
    /// Absolute, canonical path on disk.
    pub path: PathBuf,
    pub bytes: Arc<[u8]>,
}

impl SourceFile {
    /// The text of the file, or an error located at the file if it is not UTF-8.
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.bytes).map_err(|e| {
            // The bytes before the bad one are valid, so they give its line and column.
            let good = self.bytes.get(..e.valid_up_to()).unwrap_or_default();
            let good = String::from_utf8_lossy(good);
            let line = good.matches('\n').count() + 1;
            let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let byte = self.bytes.get(e.valid_up_to()).copied().unwrap_or_default();
            Error::Input {
                origin: Some(Origin::new(self.name.clone(), line, column)),
                message: format!("file is not valid UTF-8: byte 0x{byte:02X} here starts no UTF-8 character"),
                help: Some(
                    "save the file as UTF-8 (an editor's \"encoding\" setting, or `iconv -f latin1 -t utf-8`); \
                     a binary file cannot be read as text"
                        .into(),
                ),
            }
        })
    }
}

/// Every file read so far, by root-relative name, for diagnostics.
type ReadFiles = Arc<Mutex<BTreeMap<Arc<str>, Arc<[u8]>>>>;

/// The project root and every file read under it.
#[derive(Debug)]
pub struct Sandbox {
    root: PathBuf,
    /// Files read from disk, shared by every view of the same root (see
    /// [`Sandbox::with_substitute`]).
    read: ReadFiles,
    /// Rendered text that stands in for a file, kept for diagnostics only: reads never see
    /// it through here, so parallel renders cannot read each other's text.
    shown: ReadFiles,
    /// Files whose content is replaced, in this view only, by text berth made from them (a
    /// chart's `compose.yaml` after template rendering), so later stages read what was
    /// rendered. A view per render keeps parallel renders from seeing each other's text.
    substitutes: BTreeMap<Arc<str>, Arc<[u8]>>,
    /// Files read whole as secret content: their text is never shown in a diagnostic.
    secret: Arc<Mutex<BTreeSet<Arc<str>>>>,
    /// Renders through this sandbox record provenance for `berth explain`
    /// (`crate::explain`); off for every other command.
    tracing: bool,
}

impl Sandbox {
    /// A sandbox rooted at `root` (which must exist; it is canonicalised).
    pub fn new(root: &Path) -> Result<Self, Error> {
        let root = root.canonicalize().map_err(|e| Error::Usage {
            message: format!("project root {} cannot be opened: {e}", root.display()),
            help: Some("pass an existing folder with --root".into()),
        })?;
        Ok(Sandbox {
            root,
            read: Arc::new(Mutex::new(BTreeMap::new())),
            shown: Arc::new(Mutex::new(BTreeMap::new())),
            substitutes: BTreeMap::new(),
            secret: Arc::new(Mutex::new(BTreeSet::new())),
            tracing: false,
        })
    }

    /// This sandbox, with renders through it recording where each object and field came
    /// from (`crate::explain`).
    pub fn traced(mut self) -> Self {
        self.tracing = true;
        self
    }

    /// Whether renders through this sandbox record provenance.
    pub fn tracing(&self) -> bool {
        self.tracing
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves `requested` (as written in an input) relative to the folder `base`
    /// (a root-relative name such as `""` or `"sub"`), checks that it stays inside the
    /// root, and returns the root-relative name. `at` locates the reference for errors.
    pub fn resolve(&self, base: &str, requested: &str, at: Option<&Origin>) -> Result<Arc<str>, Error> {
        let outside = |why: &str| Error::Input {
            origin: at.cloned(),
            message: format!("`{requested}` {why}"),
            help: Some(format!(
                "berth reads only files under the project root {}; move the file inside it or pass a wider --root",
                self.root.display()
            )),
        };
        let req = Path::new(requested);
        let mut parts: Vec<String> = Vec::new();
        if req.is_absolute() {
            let rel = req
                .strip_prefix(&self.root)
                .map_err(|_| outside("is an absolute path outside the project root"))?;
            return self.resolve("", &rel.to_string_lossy(), at);
        }
        for c in Path::new(base).join(req).components() {
            match c {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    if parts.pop().is_none() {
                        return Err(outside("leaves the project root"));
                    }
                }
                Component::RootDir | Component::Prefix(_) => return Err(outside("is not a relative path")),
            }
        }
        let name = parts.join("/");
        if self.leaves_root(&name) {
            return Err(outside("goes through a symlink that leaves the project root"));
        }
        Ok(name.into())
    }

    /// Whether `name` (root-relative, without `..`) reaches outside the root through a
    /// symlink. Checked on the longest part of the path that exists, so a missing file
    /// below a linked folder is refused as well, and a file that does not exist yet is
    /// reported as missing by whoever reads it, not here.
    fn leaves_root(&self, name: &str) -> bool {
        let mut path = self.root.join(name);
        loop {
            if let Ok(real) = path.canonicalize() {
                return !real.starts_with(&self.root);
            }
            if !path.pop() || !path.starts_with(&self.root) {
                return false;
            }
        }
    }

    /// Reads a root-relative file. Symlinks are followed only while they stay in the root.
    pub fn read(&self, name: &str, at: Option<&Origin>) -> Result<SourceFile, Error> {
        let joined = self.root.join(name);
        if let Some(bytes) = self.substitutes.get(name).cloned() {
            return Ok(SourceFile {
                name: name.into(),
                path: joined,
                bytes,
            });
        }
        // A file is read from disk once per run, whichever render (or environment, when
        // several render in parallel) asks first; the others share its bytes. A file read
        // earlier was checked to stay inside the root then.
        let cached = self.read.lock().ok().and_then(|r| r.get(name).cloned());
        if let Some(bytes) = cached {
            return Ok(SourceFile {
                name: name.into(),
                path: joined,
                bytes,
            });
        }
        let missing = |e: std::io::Error| Error::Input {
            origin: at.cloned(),
            message: format!("cannot read `{name}`: {e}"),
            help: Some("check the path; it is resolved against the folder of the file that names it".into()),
        };
        let path = joined.canonicalize().map_err(missing)?;
        if !path.starts_with(&self.root) {
            return Err(Error::Input {
                // A file no input names (a chart's template, say) is located at itself.
                origin: at.cloned().or_else(|| Some(Origin::file(name))),
                message: format!("`{name}` is a symlink that leaves the project root"),
                help: Some("berth follows symlinks only while they stay under the project root".into()),
            });
        }
        let file = std::fs::File::open(&path).map_err(missing)?;
        let size = file.metadata().map_or(0, |m| m.len());
        let bytes: Arc<[u8]> = match read_capped(file, size) {
            Ok(Some(bytes)) => bytes.into(),
            Ok(None) => return Err(too_large(name, at.cloned().or_else(|| Some(Origin::file(name))))),
            Err(e) => return Err(missing(e)),
        };
        let name: Arc<str> = name.into();
        if let Ok(mut read) = self.read.lock() {
            read.insert(name.clone(), bytes.clone());
        }
        Ok(SourceFile { name, path, bytes })
    }

    /// Reads a root-relative file whose whole content is secret (a compose secret's
    /// `file`, a `secretGenerator` file or env file): as [`Sandbox::read`], and its text is
    /// withheld from diagnostics from then on.
    pub fn read_secret(&self, name: &str, at: Option<&Origin>) -> Result<SourceFile, Error> {
        if let Ok(mut secret) = self.secret.lock() {
            secret.insert(name.into());
        }
        self.read(name, at)
    }

    /// True when the root-relative path exists (file or folder), without reading it.
    pub fn exists(&self, name: &str) -> bool {
        self.root.join(name).exists()
    }

    /// True when the root-relative path is a folder.
    pub fn is_dir(&self, name: &str) -> bool {
        self.root.join(name).is_dir()
    }

    /// A view of the same root in which reading `name` gives `text` (what berth rendered
    /// from that file); diagnostics about it show `text`.
    pub fn with_substitute(&self, name: &str, text: String) -> Sandbox {
        let bytes: Arc<[u8]> = text.into_bytes().into();
        if let Ok(mut shown) = self.shown.lock() {
            shown.insert(name.into(), bytes.clone());
        }
        let mut substitutes = self.substitutes.clone();
        substitutes.insert(name.into(), bytes);
        Sandbox {
            root: self.root.clone(),
            read: self.read.clone(),
            shown: self.shown.clone(),
            substitutes,
            secret: self.secret.clone(),
            tracing: self.tracing,
        }
    }

    /// Root-relative names of the files read from disk so far, sorted: what the renders
    /// of this sandbox depended on (`berth init` copies them into the chart it writes).
    pub fn files_read(&self) -> Vec<Arc<str>> {
        self.read
            .lock()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The text of a file read earlier, for diagnostics: secret values masked
    /// ([`crate::redact`]), and nothing at all of a file read as a secret.
    pub fn text_of(&self, name: &str) -> Option<String> {
        // A poisoned lock withholds the text: a snippet is not worth a leak.
        let withheld = self.secret.lock().map_or(true, |s| s.contains(name));
        if withheld {
            return None;
        }
        let from = |files: &ReadFiles| files.lock().ok().and_then(|f| f.get(name).cloned());
        let bytes = from(&self.shown).or_else(|| from(&self.read))?;
        let text = String::from_utf8(bytes.to_vec()).ok()?;
        Some(crate::redact::text(&text).into_owned())
    }
}

/// Files the user names on the command line of `berth validate` (and its `--crd` and
/// `--schema-dir`). They are not confined to a project root: validate has no project, and
/// reads what its caller can read, as any linter does. Each file keeps the name the user
/// gave (joined with the path below a named folder), so reports point where they expect.
pub mod named {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::SourceFile;
    use crate::error::Error;

    fn unreadable(path: &Path, e: &dyn std::fmt::Display) -> Error {
        Error::Usage {
            message: format!("cannot read {}: {e}", path.display()),
            help: Some("check the path; `-` reads standard input".into()),
        }
    }

    /// The display name of a path: as given, with `/` separators.
    pub fn display(path: &Path) -> Arc<str> {
        let s = path.to_string_lossy().replace('\\', "/");
        let s = s.strip_prefix("./").unwrap_or(&s);
        Arc::from(s)
    }

    /// Reads one named file.
    pub fn read(path: &Path) -> Result<SourceFile, Error> {
        let file = std::fs::File::open(path).map_err(|e| unreadable(path, &e))?;
        let size = file.metadata().map_or(0, |m| m.len());
        let bytes: Arc<[u8]> = match super::read_capped(file, size) {
            Ok(Some(bytes)) => bytes.into(),
            Ok(None) => {
                return Err(super::too_large(
                    &display(path),
                    Some(super::Origin::file(display(path))),
                ));
            }
            Err(e) => return Err(unreadable(path, &e)),
        };
        Ok(SourceFile {
            name: display(path),
            path: path.to_path_buf(),
            bytes,
        })
    }

    /// Reads standard input to its end, named `stdin`.
    pub fn read_stdin() -> Result<SourceFile, Error> {
        let bytes = super::read_capped(std::io::stdin().lock(), 0)
            .map_err(|e| unreadable(Path::new("-"), &e))?
            .ok_or_else(|| super::too_large("standard input", None))?;
        Ok(SourceFile {
            name: Arc::from("stdin"),
            path: PathBuf::from("-"),
            bytes: bytes.into(),
        })
    }

    pub fn is_dir(path: &Path) -> bool {
        path.is_dir()
    }

    /// The files below `dir` whose extension is one of `extensions`, sorted by path, so
    /// reports are in the same order on every machine. Hidden files and folders (`.git`)
    /// are skipped.
    pub fn files_below(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, Error> {
        let mut out = Vec::new();
        let walk = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walk {
            let entry = entry.map_err(|e| unreadable(dir, &e))?;
            let wanted = entry
                .path()
                .extension()
                .is_some_and(|x| extensions.iter().any(|w| x.eq_ignore_ascii_case(w)));
            if entry.file_type().is_file() && wanted {
                out.push(entry.into_path());
            }
        }
        Ok(out)
    }
}

/// The folder part of a root-relative name (`"a/b.yaml"` → `"a"`, `"b.yaml"` → `""`).
pub fn parent_of(name: &str) -> &str {
    name.rfind('/').map_or("", |i| &name[..i])
}

/// A scratch project for tests: `files` (root-relative name, text) written into a fresh
/// temporary folder, and a sandbox rooted there. Keep the folder alive while using it.
#[cfg(test)]
pub(crate) fn scratch(files: &[(&str, &str)]) -> (tempfile::TempDir, Sandbox) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let sandbox = Sandbox::new(dir.path()).unwrap();
    (dir, sandbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_root() {
        let dir = tempfile::tempdir().unwrap();
        let sb = Sandbox::new(dir.path()).unwrap();
        assert_eq!(&*sb.resolve("a", "b/../c.txt", None).unwrap(), "a/c.txt");
        assert_eq!(&*sb.resolve("a", "../c.txt", None).unwrap(), "c.txt");
        assert!(sb.resolve("a", "../../c.txt", None).is_err());
        assert!(sb.resolve("", "/etc/passwd", None).is_err());
    }

    #[test]
    fn substitutes_stay_in_their_view_and_disk_reads_are_shared() {
        let (_t, sb) = scratch(&[("c.yaml", "template {{ x }}")]);
        let a = sb.with_substitute("c.yaml", "rendered a".into());
        let b = sb.with_substitute("c.yaml", "rendered b".into());
        let text = |s: &Sandbox| s.read("c.yaml", None).unwrap().text().unwrap().to_string();
        assert_eq!(text(&a), "rendered a");
        assert_eq!(text(&b), "rendered b");
        assert_eq!(text(&sb), "template {{ x }}");
        std::fs::write(sb.root().join("c.yaml"), "changed on disk").unwrap();
        assert_eq!(text(&sb), "template {{ x }}", "a file is read from disk once per run");
    }

    #[test]
    fn symlink_out_of_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("link")).unwrap();
        let sb = Sandbox::new(&root).unwrap();
        #[cfg(unix)]
        assert!(sb.read("link", None).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn resolve_refuses_a_path_through_a_symlink_that_leaves_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("out"), root.join("away")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("here")).unwrap();
        let sb = Sandbox::new(&root).unwrap();
        let at = Origin::new("c.yaml", 3, 9);
        let e = sb.resolve("", "away", Some(&at)).unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
        assert_eq!(e.origin(), Some(&at));
        // Below the link, whether or not the file exists there.
        assert!(sb.resolve("", "away/missing.txt", None).is_err());
        assert_eq!(&*sb.resolve("", "here/new.txt", None).unwrap(), "here/new.txt");
        assert_eq!(
            &*sb.resolve("", "not/yet/there.txt", None).unwrap(),
            "not/yet/there.txt"
        );
    }
}
