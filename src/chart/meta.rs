//! `Chart.yaml`: read, checked against `schemas/chart.schema.json` (the file editors use
//! too), and its constraints enforced: `version` is SemVer 2, `kubeVersion` admits the
//! target Kubernetes version, and dependencies are local folders (berth is offline).

use std::sync::OnceLock;

use jsonschema::Validator;
use serde::Deserialize;
use serde_json::Value;

use super::semver::{Constraint, Version};
use crate::error::Error;
use crate::schema_check::{self, Schema};
use crate::source::{Origin, Sandbox};
use crate::yaml::{self, Flavor, Spans};

const SCHEMA_TEXT: &str = include_str!("../../schemas/chart.schema.json");

/// A chart's metadata, as written (`raw` is what templates see as `chart`).
#[derive(Debug, Clone)]
pub struct Meta {
    /// Root-relative folder of the chart.
    pub dir: String,
    pub name: String,
    pub version: Version,
    pub library: bool,
    pub dependencies: Vec<Dependency>,
    pub raw: Value,
    pub spans: Spans,
}

/// One entry of `dependencies`, with where it was written.
#[derive(Debug, Clone, Deserialize)]
pub struct Dependency {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl Dependency {
    /// The key its values and templates go under: the alias, else the name.
    pub fn key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    name: String,
    version: String,
    #[serde(default, rename = "type")]
    chart_type: Option<String>,
    #[serde(default)]
    kube_version: Option<String>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
}

fn schema() -> Result<&'static (Value, Validator), Error> {
    static BUILT: OnceLock<Result<(Value, Validator), String>> = OnceLock::new();
    schema_check::cached(&BUILT, SCHEMA_TEXT, "Chart.yaml")
}

/// `/dependencies/0/name` as "`name` in dependency 1".
fn place_of(pointer: &str) -> String {
    let segs: Vec<&str> = pointer.split('/').skip(1).collect();
    match segs.as_slice() {
        [] => "Chart.yaml".into(),
        ["dependencies", i, rest @ ..] => {
            let n = i
                .parse::<usize>()
                .map_or_else(|_| (*i).to_string(), |n| (n + 1).to_string());
            if rest.is_empty() {
                format!("dependency {n}")
            } else {
                format!("`{}` in dependency {n}", rest.join("."))
            }
        }
        segs => format!("`{}`", segs.join(".")),
    }
}

/// Reads and checks `<dir>/Chart.yaml`.
pub fn load(sandbox: &Sandbox, dir: &str) -> Result<Meta, Error> {
    let file = join(dir, "Chart.yaml");
    let src = sandbox.read(&file, None)?;
    let doc = yaml::parse_one(&src.name, src.text()?, Flavor::Manifest)?;
    let (schema, validator) = schema()?;
    if doc.value.is_null() {
        return Err(Error::input(
            Some(Origin::new(src.name.clone(), 1, 1)),
            "Chart.yaml is empty",
            "give the chart at least `name:` and `version:`",
        ));
    }
    Schema {
        root: schema,
        validator,
        place_of,
        unknown_key_hint: "",
        default_help: "see the Chart.yaml reference in the book (chart authoring)",
    }
    .check(&doc.value, &doc.spans)?;
    let fields: Fields = serde_json::from_value(doc.value.clone()).map_err(|e| {
        Error::input(
            Some(doc.spans.origin("")),
            format!("Chart.yaml cannot be read: {e}"),
            "check the fields against the Chart.yaml reference",
        )
    })?;
    let version = Version::parse(&fields.version).map_err(|e| {
        Error::input(
            Some(doc.spans.origin("/version")),
            format!("`version` must be SemVer 2: {e}"),
            "write MAJOR.MINOR.PATCH, for example `version: 1.4.0`",
        )
    })?;
    let mut dependencies = fields.dependencies;
    for (i, d) in dependencies.iter_mut().enumerate() {
        d.origin = Some(doc.spans.origin(&format!("/dependencies/{i}")));
    }
    Ok(Meta {
        dir: dir.to_string(),
        name: fields.name,
        version,
        library: fields.chart_type.as_deref() == Some("library"),
        dependencies,
        raw: doc.value,
        spans: doc.spans,
    })
    .and_then(|m| {
        if let Some(c) = &fields.kube_version {
            constraint(&m, "/kubeVersion", c)?;
        }
        Ok(m)
    })
}

fn constraint(meta: &Meta, pointer: &str, text: &str) -> Result<Constraint, Error> {
    Constraint::parse(text).map_err(|e| {
        Error::input(
            Some(meta.spans.origin(pointer)),
            format!("cannot read the version constraint: {e}"),
            "write a SemVer constraint such as `>=1.33.0-0`, `~1.35` or `>= 1.30, < 1.38`",
        )
    })
}

impl Meta {
    /// Fails unless `kubeVersion` (if any) admits `kube_version` (`"1.35"`).
    pub fn check_kube_version(&self, kube_version: &str) -> Result<(), Error> {
        let Some(text) = self.raw.get("kubeVersion").and_then(Value::as_str) else {
            return Ok(());
        };
        let c = constraint(self, "/kubeVersion", text)?;
        let target = Version::parse(&format!("{kube_version}.0")).map_err(|e| Error::Usage {
            message: format!("cannot read the Kubernetes version {kube_version}: {e}"),
            help: None,
        })?;
        if c.allows(&target) {
            return Ok(());
        }
        Err(Error::input(
            Some(self.spans.origin("/kubeVersion")),
            format!(
                "chart `{}` requires Kubernetes {text}, but the target is {kube_version}",
                self.name
            ),
            "pick a target the chart supports with --kube-version (or the overlay's kubeVersion), or widen the chart's kubeVersion",
        ))
    }

    /// Fails unless the dependency's `version` constraint (if any) admits `found`.
    pub fn check_dependency_version(&self, index: usize, dep: &Dependency, found: &Version) -> Result<(), Error> {
        let Some(text) = &dep.version else { return Ok(()) };
        let pointer = format!("/dependencies/{index}/version");
        let c = constraint(self, &pointer, text)?;
        if c.allows(found) {
            return Ok(());
        }
        Err(Error::input(
            Some(self.spans.origin(&pointer)),
            format!(
                "dependency `{}` requires version {text}, but the chart found is {found}",
                dep.name
            ),
            "update the subchart, or change the version constraint",
        ))
    }

    /// The root-relative folder of dependency `dep`: `file://PATH` relative to this
    /// chart, else `charts/<name>` inside it. Remote repositories are refused: berth is
    /// offline, so the chart must be vendored.
    pub fn dependency_dir(&self, sandbox: &Sandbox, dep: &Dependency) -> Result<String, Error> {
        let requested = match dep.repository.as_deref() {
            None | Some("") => format!("charts/{}", dep.name),
            Some(r) => match r.strip_prefix("file://") {
                Some(path) => path.to_string(),
                None => {
                    return Err(Error::input(
                        dep.origin.clone(),
                        format!("dependency `{}` comes from `{r}`, which berth cannot fetch", dep.name),
                        format!(
                            "berth is offline: vendor the chart into {} (drop `repository`) or point `repository` at file://PATH",
                            join(&self.dir, &format!("charts/{}", dep.name))
                        ),
                    ));
                }
            },
        };
        let dir = sandbox.resolve(&self.dir, &requested, dep.origin.as_ref())?.to_string();
        if !sandbox.exists(&join(&dir, "Chart.yaml")) {
            return Err(Error::input(
                dep.origin.clone(),
                format!("dependency `{}`: no Chart.yaml in `{dir}`", dep.name),
                "check the path, or vendor the subchart there",
            ));
        }
        Ok(dir)
    }
}

/// `dir/name` for root-relative names (`""` is the root).
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::scratch;

    fn load_one(text: &str) -> Result<Meta, Error> {
        let (_t, sb) = scratch(&[("c/Chart.yaml", text)]);
        load(&sb, "c")
    }

    #[test]
    fn a_full_chart_yaml_loads() {
        let m = load_one(
            "apiVersion: v2\nname: shop\nversion: 1.2.0\nappVersion: \"2.0\"\nkubeVersion: \">=1.33.0-0\"\n\
             dependencies:\n  - name: redis\n    repository: file://../redis\n    condition: redis.enabled\n",
        )
        .unwrap();
        assert_eq!(m.name, "shop");
        assert_eq!(m.version, Version::new(1, 2, 0));
        assert_eq!(m.dependencies.len(), 1);
        assert_eq!(m.dependencies[0].origin.as_ref().unwrap().line, 7);
        m.check_kube_version("1.35").unwrap();
    }

    #[test]
    fn mistakes_are_located() {
        let e = load_one("name: shop\nversion: 1.2.0\nappVersion: 1.10\n").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 3);
        assert_eq!(e.to_string(), "`appVersion` must be a string, found a number");
        let e = load_one("name: shop\nversoin: 1.2.0\n").unwrap_err();
        assert!(
            e.to_string().contains("missing the required key \"version\"")
                || e.to_string().contains("unknown key `versoin`"),
            "{e}"
        );
        let e = load_one("name: shop\nversion: \"1.2\"\n").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 2);
        assert!(e.to_string().starts_with("`version` must be SemVer 2"));
        let e = load_one("name: Shop_1\nversion: 1.0.0\n").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 1);
        let e = load_one("name: shop\nversion: 1.0.0\nkubeVersion: \">= banana\"\n").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 3);
        let e = load_one("").unwrap_err();
        assert_eq!(e.to_string(), "Chart.yaml is empty");
        let e = load_one("name: shop\nversion: 1.0.0\ndependencies:\n  - name: x\n    repositry: y\n").unwrap_err();
        assert_eq!(e.to_string(), "unknown key `repositry` in dependency 1");
        assert_eq!(e.help(), Some("did you mean `repository`?"));
        let e = load_one("name: shop\nversion: 1.0.0\nlogo: y\n").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 3);
        assert!(
            e.help().unwrap().starts_with("remove it; known keys: apiVersion, name"),
            "{:?}",
            e.help()
        );
    }

    #[test]
    fn kube_version_outside_the_constraint_fails_at_the_constraint() {
        let m = load_one("name: shop\nversion: 1.0.0\nkubeVersion: \"~1.36\"\n").unwrap();
        let e = m.check_kube_version("1.35").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 3);
        assert_eq!(
            e.to_string(),
            "chart `shop` requires Kubernetes ~1.36, but the target is 1.35"
        );
        m.check_kube_version("1.36").unwrap();
    }

    #[test]
    fn remote_dependencies_are_refused() {
        let (_t, sb) = scratch(&[(
            "c/Chart.yaml",
            "name: shop\nversion: 1.0.0\ndependencies:\n  - name: redis\n    repository: oci://registry/redis\n",
        )]);
        let m = load(&sb, "c").unwrap();
        let e = m.dependency_dir(&sb, &m.dependencies[0]).unwrap_err();
        assert!(e.to_string().contains("which berth cannot fetch"));
        assert!(e.help().unwrap().contains("c/charts/redis"));
        assert_eq!(e.origin().unwrap().line, 4);
    }
}
