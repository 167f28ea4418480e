//! Which objects a patch applies to: Kustomize's `target`. Group, version, kind, name and
//! namespace are regular expressions anchored at both ends, as Kustomize compiles them
//! (`^(?:web|api)$`), so `kind: Deployment|StatefulSet` and `name: web-.*` mean what they
//! mean there; an empty field selects everything, as it does there.

use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::PatchError;
use super::selector::{self, Selector};
use crate::manifest::{CLUSTER_SCOPED, Object};

/// Which objects a patch applies to (Kustomize's `target`). Every given field must match;
/// `group`, `version`, `kind`, `name` and `namespace` are anchored regular expressions,
/// the selectors use Kubernetes' label selector syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Target {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

/// A target ready to test many objects: regular expressions compiled and selectors
/// parsed once.
#[derive(Debug, Clone)]
pub struct Matcher {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<Selector>,
    annotations: Option<Selector>,
}

/// `field` as an anchored regex; `None` when unset or empty (Kustomize's "any").
fn pattern(field: &Option<String>, at: &str) -> Result<Option<Regex>, PatchError> {
    let Some(text) = field.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    Regex::new(&format!("^(?:{text})$")).map(Some).map_err(|e| {
        let why = e.to_string();
        let why = why.lines().last().unwrap_or("").trim();
        let why = why.strip_prefix("error: ").unwrap_or(why);
        PatchError::new(
            at,
            format!("the target's {} {text:?} is not a valid regular expression: {why}", &at[1..]),
            "target fields are regular expressions matched against the whole value (as in Kustomize): escape special characters such as `(`, `[`, `.` or `*` with `\\`",
        )
    })
}

fn parsed(field: &Option<String>, at: &str) -> Result<Option<Selector>, PatchError> {
    let Some(text) = field.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    selector::parse(text).map(Some).map_err(|why| {
        PatchError::new(
            at,
            format!("the target's {} {text:?} cannot be read: {why}", &at[1..]),
            "write requirements separated by commas: `key=value`, `key!=value`, `key in (a,b)`, `key notin (a)`, `key` (has it), `!key` (has it not)",
        )
    })
}

impl Target {
    /// Whether `obj` is selected; an unreadable selector or regex is an error. To test
    /// many objects, `compile` once and call `Matcher::matches`.
    pub fn matches(&self, obj: &Object) -> Result<bool, PatchError> {
        Ok(self.compile()?.matches(obj))
    }

    /// Compiles the regular expressions and parses the selectors; the error's `at` names
    /// the field (`/name`, `/labelSelector`).
    pub fn compile(&self) -> Result<Matcher, PatchError> {
        Ok(Matcher {
            group: pattern(&self.group, "/group")?,
            version: pattern(&self.version, "/version")?,
            kind: pattern(&self.kind, "/kind")?,
            name: pattern(&self.name, "/name")?,
            namespace: pattern(&self.namespace, "/namespace")?,
            labels: parsed(&self.label_selector, "/labelSelector")?,
            annotations: parsed(&self.annotation_selector, "/annotationSelector")?,
        })
    }
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
fn group_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// The namespace Kustomize compares with: the object's, or `default` for a namespaced
/// object that names none (it will land there), or none for a cluster-scoped kind.
fn effective_namespace(obj: &Object) -> &str {
    match obj.namespace() {
        "" if CLUSTER_SCOPED.contains(&obj.kind()) => "",
        "" => "default",
        ns => ns,
    }
}

fn metadata_map<'a>(obj: &'a Object, field: &str) -> Option<&'a Map<String, Value>> {
    obj.value.get("metadata")?.get(field)?.as_object()
}

impl Matcher {
    /// Whether every given field of the target matches `obj`.
    pub fn matches(&self, obj: &Object) -> bool {
        let (group, version) = group_version(obj.api_version());
        let fits = |re: &Option<Regex>, value: &str| re.as_ref().is_none_or(|re| re.is_match(value));
        let selects = |sel: &Option<Selector>, field| sel.as_ref().is_none_or(|s| s.matches(metadata_map(obj, field)));
        fits(&self.group, group)
            && fits(&self.version, version)
            && fits(&self.kind, obj.kind())
            && fits(&self.name, obj.name())
            && fits(&self.namespace, effective_namespace(obj))
            && selects(&self.labels, "labels")
            && selects(&self.annotations, "annotations")
    }
}
