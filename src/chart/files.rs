//! The `files` object of the template context: a chart's `files/` folder, read once
//! through the sandbox when the chart loads, and nothing else. Templates reach it with
//! `files.get`, `files.get_base64`, `files.lines`, `files.glob`, `files.as_config` and
//! `files.as_secrets` (Helm's `.Files.Get`, `.Glob`, `.Lines`, `.AsConfig`,
//! `.AsSecrets`). Paths are relative to `files/`; a path that tries to leave it is an
//! error, as is a missing file (Helm returns an empty string, which hides typos).
//!
//! Everything is read up front, so a render never touches the disk and a file outside
//! the project root (through a symlink) fails the load, not a template.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use minijinja::value::{Object, ObjectRepr, Value, from_args};
use minijinja::{ErrorKind, State};

use crate::error::Error;
use crate::source::{Origin, Sandbox};

/// The folder under a chart that `files` reads.
const FOLDER: &str = "files";
/// How many file names an error lists before "and N more".
const LISTED: usize = 10;
/// The methods, for the error about an unknown one.
const METHODS: &str = "get, get_base64, lines, glob, as_config, as_secrets";

/// Every file under `<chart>/files/`, by path relative to that folder (`/` separated).
#[derive(Debug, Clone, Default)]
pub struct Files {
    entries: BTreeMap<String, Arc<[u8]>>,
}

impl Files {
    /// Reads `<chart_dir>/files/**` (root-relative `chart_dir`); no folder, no files.
    /// Every file is read through the sandbox, so a symlink that leaves the project root
    /// is an error; a symlink to a folder is an error too (berth does not walk into it).
    pub fn load(sandbox: &Sandbox, chart_dir: &str) -> Result<Files, Error> {
        let folder = if chart_dir.is_empty() {
            FOLDER.to_string()
        } else {
            format!("{}/{FOLDER}", chart_dir.trim_end_matches('/'))
        };
        let mut files = Files::default();
        if !sandbox.exists(&folder) {
            return Ok(files);
        }
        if !sandbox.is_dir(&folder) {
            return Err(Error::input(
                Some(Origin::file(folder.as_str())),
                format!("`{folder}` is a file, but a chart's `{FOLDER}` must be a folder"),
                format!("move the file into a folder named `{FOLDER}/`, or rename it"),
            ));
        }
        let base = sandbox.root().join(&folder);
        for entry in walkdir::WalkDir::new(&base).follow_links(false).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                Error::input(
                    Some(Origin::file(folder.as_str())),
                    format!("cannot list `{folder}`: {e}"),
                    "check the folder's permissions",
                )
            })?;
            if entry.file_type().is_dir() {
                continue;
            }
            let relative = relative_name(&base, entry.path(), &folder)?;
            let name = format!("{folder}/{relative}");
            if entry.path_is_symlink() && sandbox.is_dir(&name) {
                return Err(Error::input(
                    Some(Origin::file(name.as_str())),
                    format!("`{name}` is a symlink to a folder, and berth does not follow those under `{FOLDER}/`"),
                    "put the folder itself there, or link single files",
                ));
            }
            let file = sandbox.read(&name, None)?;
            files.entries.insert(relative, file.bytes);
        }
        Ok(files)
    }

    /// This object as a template value.
    pub fn into_value(self) -> minijinja::Value {
        minijinja::Value::from_object(self)
    }

    /// The file names, relative to `files/`, in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    fn bytes(&self, method: &str, path: &str) -> Result<(&str, &[u8]), minijinja::Error> {
        let wanted = checked_path(method, path)?;
        match self.entries.get_key_value(&wanted) {
            Some((name, bytes)) => Ok((name.as_str(), bytes)),
            None => Err(self.missing(method, path, &wanted)),
        }
    }

    fn text(&self, method: &str, path: &str) -> Result<&str, minijinja::Error> {
        let (name, bytes) = self.bytes(method, path)?;
        as_text(method, name, bytes)
    }

    /// The files matching `pattern`, in sorted order. `*` stays inside one folder, `**`
    /// crosses folders, `{a,b}` and `[ab]` as usual.
    fn matching(&self, method: &str, pattern: &str) -> Result<Vec<(&str, &[u8])>, minijinja::Error> {
        checked_path(method, pattern)?;
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                fail(format!(
                    "files.{method}: `{pattern}` is not a valid pattern: {}",
                    e.kind()
                ))
            })?
            .compile_matcher();
        Ok(self
            .entries
            .iter()
            .filter(|(name, _)| glob.is_match(name.as_str()))
            .map(|(name, bytes)| (name.as_str(), &bytes[..]))
            .collect())
    }

    /// Helm's AsConfig/AsSecrets: the matching files by base name, each value made by
    /// `value`; two matches with the same base name would overwrite each other, so that
    /// is an error.
    fn by_base_name(
        &self,
        method: &str,
        pattern: &str,
        value: impl Fn(&str, &[u8]) -> Result<Value, minijinja::Error>,
    ) -> Result<Value, minijinja::Error> {
        let mut out: BTreeMap<&str, (&str, Value)> = BTreeMap::new();
        for (name, bytes) in self.matching(method, pattern)? {
            let base = name.rsplit('/').next().unwrap_or(name);
            if let Some((first, _)) = out.get(base) {
                return Err(fail(format!(
                    "files.{method}: `{first}` and `{name}` both give the key `{base}`; \
                     narrow the pattern so each file name appears once"
                )));
            }
            out.insert(base, (name, value(name, bytes)?));
        }
        let map: BTreeMap<&str, Value> = out.into_iter().map(|(k, (_, v))| (k, v)).collect();
        Ok(Value::from(map))
    }

    fn missing(&self, method: &str, path: &str, wanted: &str) -> minijinja::Error {
        if self.entries.is_empty() {
            return fail(format!(
                "files.{method}: there is no `{path}`: the chart has no files under `{FOLDER}/`; \
                 put the file in the chart's `{FOLDER}/` folder"
            ));
        }
        let names: Vec<String> = self.entries.keys().cloned().collect();
        let hint = match wanted
            .strip_prefix("files/")
            .filter(|rest| self.entries.contains_key(*rest))
        {
            Some(rest) => format!("paths are relative to `{FOLDER}/`: write `{rest}`"),
            None => match crate::schema_check::closest(wanted, &names) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("it holds {}", listing(&names)),
            },
        };
        fail(format!(
            "files.{method}: there is no `{path}` in the chart's `{FOLDER}/` folder; {hint}"
        ))
    }
}

impl Object for Files {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !self.entries.is_empty()
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, minijinja::Error> {
        match method {
            "get" => {
                let (path,): (&str,) = from_args(args)?;
                Ok(Value::from(self.text(method, path)?))
            }
            "get_base64" => {
                let (path,): (&str,) = from_args(args)?;
                Ok(Value::from(STANDARD.encode(self.bytes(method, path)?.1)))
            }
            "lines" => {
                let (path,): (&str,) = from_args(args)?;
                Ok(Value::from_iter(self.text(method, path)?.lines().map(Value::from)))
            }
            "glob" => {
                let (pattern,): (&str,) = from_args(args)?;
                let mut out = BTreeMap::new();
                for (name, bytes) in self.matching(method, pattern)? {
                    out.insert(name, Value::from(as_text(method, name, bytes)?));
                }
                Ok(Value::from(out))
            }
            "as_config" => {
                let (pattern,): (&str,) = from_args(args)?;
                self.by_base_name(method, pattern, |name, bytes| {
                    as_text(method, name, bytes).map(Value::from)
                })
            }
            "as_secrets" => {
                let (pattern,): (&str,) = from_args(args)?;
                self.by_base_name(method, pattern, |_, bytes| Ok(Value::from(STANDARD.encode(bytes))))
            }
            _ => Err(fail(format!("files has no method `{method}`; it has {METHODS}"))),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.names().collect();
        write!(f, "<files: {}>", names.join(", "))
    }
}

/// `path` as a key of `entries`: relative, without `.` segments; `..` and absolute
/// paths are refused (the folder is all a template may read).
fn checked_path(method: &str, path: &str) -> Result<String, minijinja::Error> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    if path.starts_with('/') || segments.contains(&"..") || Path::new(path).has_root() {
        return Err(fail(format!(
            "files.{method} reads only the chart's `{FOLDER}/` folder, and `{path}` leaves it; \
             write a path relative to `{FOLDER}/` without `..`"
        )));
    }
    Ok(segments.join("/"))
}

fn as_text<'a>(method: &str, name: &str, bytes: &'a [u8]) -> Result<&'a str, minijinja::Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        fail(format!(
            "files.{method}: `{name}` is not UTF-8 text; read binary files with \
             files.get_base64(\"{name}\") or files.as_secrets (for a Secret's or ConfigMap's binaryData)"
        ))
    })
}

fn listing(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(LISTED).map(|n| format!("`{n}`")).collect();
    match names.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The path of `path` under `base`, `/` separated; names must be UTF-8 so that
/// templates can spell them.
fn relative_name(base: &Path, path: &Path, folder: &str) -> Result<String, Error> {
    let relative = path.strip_prefix(base).unwrap_or(path);
    let mut parts = Vec::new();
    for part in relative.components() {
        let part = part.as_os_str().to_str().ok_or_else(|| {
            Error::input(
                Some(Origin::file(folder)),
                format!(
                    "`{folder}` holds a file whose name is not UTF-8 ({})",
                    relative.display()
                ),
                "rename the file so templates can name it",
            )
        })?;
        parts.push(part);
    }
    Ok(parts.join("/"))
}

fn fail(detail: String) -> minijinja::Error {
    minijinja::Error::new(ErrorKind::InvalidOperation, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::helpers::testing;
    use crate::source::scratch;

    const CHART: &[(&str, &str)] = &[
        ("charts/app/Chart.yaml", "name: app\n"),
        ("charts/app/files/nginx.conf", "server {\n  listen 8080;\n}\n"),
        ("charts/app/files/conf/a.ini", "a=1\n"),
        ("charts/app/files/conf/b.ini", "b=2\n"),
        ("charts/app/files/conf/deep/c.ini", "c=3\n"),
        ("charts/app/files/.hidden", "h\n"),
    ];

    fn load(files: &[(&str, &str)]) -> Files {
        let (_dir, sandbox) = scratch(files);
        Files::load(&sandbox, "charts/app").unwrap()
    }

    fn render(files: Files, source: &str) -> Result<String, minijinja::Error> {
        let env = testing::env(&[("t.yaml", source)]);
        let context = minijinja::context! { files => files.into_value() };
        env.get_template("t.yaml")?.render(context)
    }

    fn ok(source: &str) -> String {
        render(load(CHART), source).unwrap()
    }

    fn err(source: &str) -> String {
        render(load(CHART), source).unwrap_err().to_string()
    }

    #[test]
    fn load_reads_every_file_in_sorted_order() {
        let files = load(CHART);
        let names: Vec<&str> = files.names().collect();
        assert_eq!(
            names,
            [".hidden", "conf/a.ini", "conf/b.ini", "conf/deep/c.ini", "nginx.conf"]
        );
    }

    #[test]
    fn no_folder_no_files_and_a_file_named_files_is_an_error() {
        assert_eq!(load(&[("charts/app/Chart.yaml", "")]).names().count(), 0);
        let (_dir, sandbox) = scratch(&[("charts/app/files", "oops")]);
        let e = Files::load(&sandbox, "charts/app").unwrap_err();
        assert!(e.to_string().contains("must be a folder"), "{e}");
        assert_eq!(e.origin().map(|o| &*o.file), Some("charts/app/files"));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_that_leaves_the_root_fails_the_load() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        let (dir, sandbox) = scratch(CHART);
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("charts/app/files/link")).unwrap();
        let e = Files::load(&sandbox, "charts/app").unwrap_err();
        assert!(e.to_string().contains("leaves the project root"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_inside_the_root_are_read_but_folder_links_are_refused() {
        let (dir, sandbox) = scratch(CHART);
        let files_dir = dir.path().join("charts/app/files");
        std::os::unix::fs::symlink(dir.path().join("charts/app/Chart.yaml"), files_dir.join("chart.yaml")).unwrap();
        let files = Files::load(&sandbox, "charts/app").unwrap();
        assert!(files.names().any(|n| n == "chart.yaml"));
        std::os::unix::fs::symlink(files_dir.join("conf"), files_dir.join("conf2")).unwrap();
        let e = Files::load(&sandbox, "charts/app").unwrap_err();
        assert!(e.to_string().contains("symlink to a folder"), "{e}");
    }

    #[test]
    fn get_returns_text() {
        assert_eq!(ok("{{ files.get('conf/a.ini') }}"), "a=1\n");
        assert_eq!(ok("{{ files.get('./conf//b.ini') }}"), "b=2\n");
        assert_eq!(
            ok("data:\n  nginx.conf: |\n    {{- files.get('nginx.conf') | nindent(4) }}\n"),
            "data:\n  nginx.conf: |\n    server {\n      listen 8080;\n    }\n"
        );
    }

    #[test]
    fn get_refuses_paths_that_leave_the_folder() {
        for path in ["../Chart.yaml", "conf/../../Chart.yaml", "/etc/passwd"] {
            let e = err(&format!("{{{{ files.get('{path}') }}}}"));
            assert!(e.contains("files.get reads only the chart's `files/` folder"), "{e}");
        }
    }

    #[test]
    fn get_of_a_missing_file_names_what_exists() {
        let e = render(load(CHART), "a: 1\nb: {{ files.get('missing.txt') }}").unwrap_err();
        assert!(e.to_string().contains("there is no `missing.txt`"), "{e}");
        assert!(e.to_string().contains("`conf/a.ini`"), "{e}");
        assert_eq!((e.name(), e.line()), (Some("t.yaml"), Some(2)));
        assert!(err("{{ files.get('nginx.cnf') }}").contains("did you mean `nginx.conf`?"));
        assert!(
            err("{{ files.get('files/nginx.conf') }}").contains("paths are relative to `files/`: write `nginx.conf`")
        );
        let empty = render(Files::default(), "{{ files.get('x') }}").unwrap_err();
        assert!(empty.to_string().contains("the chart has no files"), "{empty}");
    }

    #[test]
    fn binary_files_need_base64() {
        let (dir, sandbox) = scratch(CHART);
        std::fs::write(dir.path().join("charts/app/files/logo.png"), [0x89, b'P', 0xff, 0]).unwrap();
        let files = Files::load(&sandbox, "charts/app").unwrap();
        let e = render(files.clone(), "{{ files.get('logo.png') }}").unwrap_err();
        assert!(e.to_string().contains("is not UTF-8 text"), "{e}");
        assert!(e.to_string().contains("files.get_base64(\"logo.png\")"), "{e}");
        assert_eq!(
            render(files.clone(), "{{ files.get_base64('logo.png') }}").unwrap(),
            "iVD/AA=="
        );
        assert_eq!(
            render(files.clone(), "{{ files.as_secrets('*.png') | toyaml }}").unwrap(),
            "logo.png: iVD/AA=="
        );
        let e = render(files, "{{ files.glob('*') }}").unwrap_err();
        assert!(e.to_string().contains("files.glob: `logo.png` is not UTF-8"), "{e}");
    }

    #[test]
    fn lines_splits_text() {
        assert_eq!(
            ok("{% for l in files.lines('nginx.conf') %}[{{ l }}]{% endfor %}"),
            "[server {][  listen 8080;][}]"
        );
        assert!(err("{{ files.lines('nope') }}").contains("files.lines: there is no `nope`"));
    }

    #[test]
    fn glob_matches_in_sorted_order() {
        assert_eq!(
            ok("{{ files.glob('conf/*.ini') | toyaml }}"),
            "conf/a.ini: |\n  a=1\nconf/b.ini: |\n  b=2"
        );
        assert_eq!(ok("{{ files.glob('conf/**') | length }}"), "3");
        assert_eq!(ok("{{ files.glob('*.yaml') | length }}"), "0");
        assert_eq!(
            ok("{% for name, text in files.glob('conf/*') | items %}{{ name }} {% endfor %}"),
            "conf/a.ini conf/b.ini "
        );
        assert!(err("{{ files.glob('conf/[a') }}").contains("files.glob: `conf/[a` is not a valid pattern"));
        assert!(err("{{ files.glob('../*') }}").contains("files.glob reads only"));
    }

    #[test]
    fn as_config_and_as_secrets_key_by_base_name() {
        assert_eq!(
            ok("{{ files.as_config('conf/*.ini') | toyaml }}"),
            "a.ini: |\n  a=1\nb.ini: |\n  b=2"
        );
        assert_eq!(ok("{{ files.as_secrets('conf/a.ini') | toyaml }}"), "a.ini: YT0xCg==");
        let e = render(
            load(&[("charts/app/files/x/a.ini", "1"), ("charts/app/files/y/a.ini", "2")]),
            "{{ files.as_config('**/*.ini') }}",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("`x/a.ini` and `y/a.ini` both give the key `a.ini`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_methods_list_the_real_ones() {
        assert!(err("{{ files.Get('x') }}").contains("files has no method `Get`; it has get, get_base64"));
        assert!(err("{{ files.get() }}").contains("missing argument"));
        assert_eq!(ok("{% if files %}yes{% endif %}"), "yes");
    }
}
