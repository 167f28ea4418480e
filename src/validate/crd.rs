//! Schemas for kinds the embedded Kubernetes schemas do not know: custom resources, from
//! their CustomResourceDefinitions (`--crd`, or CRDs among the checked objects), and JSON
//! schemas from a folder (`--schema-dir`).
//!
//! A CRD's `openAPIV3Schema` is OpenAPI v3, not JSON Schema. It is translated once, when
//! the CRD is added, as the API server reads it:
//! - `nullable: true` admits `null`;
//! - `x-kubernetes-int-or-string: true` admits an integer or a string;
//! - `x-kubernetes-preserve-unknown-fields: true` keeps unknown fields; every other object
//!   with `properties` rejects them (strict, as kubectl's strict field validation does);
//! - `x-kubernetes-embedded-resource: true` admits `apiVersion`, `kind` and `metadata`;
//! - OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers;
//! - the root admits `apiVersion`, `kind` and `metadata`, which CRDs may leave implicit.
//!
//! `--schema-dir DIR` holds one JSON schema per kind and version, named
//! `GROUP/KIND_VERSION.json` (the layout of the CRDs-catalog and of kubeconform's
//! `openapi2jsonschema`, kind in lower case) or `KIND_VERSION.json` at the top for any
//! group; a schema that declares `x-kubernetes-group-version-kind` is filed under that
//! instead. Files whose name starts with `_` are skipped.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::source::Origin;

/// A custom kind's schema; `None` when its CRD version declares no schema (anything goes).
#[derive(Clone)]
struct Custom {
    validator: Option<Arc<Validator>>,
}

/// What a lookup of a custom kind found.
pub enum Found {
    /// A schema (or an explicit absence of one) for this apiVersion and kind.
    Schema(Option<Arc<Validator>>),
    /// The kind is known, but not under this version: the versions that are.
    OtherVersions(Vec<String>),
    /// Nothing is known about the kind.
    Unknown,
}

/// Schemas of custom kinds, added from CRDs and schema files.
#[derive(Default, Clone)]
pub struct CustomSchemas {
    /// (apiVersion, kind) → schema.
    kinds: HashMap<(String, String), Custom>,
    /// (`kind@group` or `kind` for any group, version) → schema, from schema files; the
    /// kind is lower case, as in the file names.
    by_file: HashMap<(String, String), Custom>,
    /// (group, kind) → the served versions.
    versions: HashMap<(String, String), Vec<String>>,
    /// Kinds whose CRD says `scope: Cluster`.
    cluster: HashSet<String>,
}

impl CustomSchemas {
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.by_file.is_empty()
    }

    /// The schema of `apiVersion`/`kind`.
    pub fn find(&self, api_version: &str, kind: &str) -> Found {
        if let Some(c) = self.kinds.get(&(api_version.to_string(), kind.to_string())) {
            return Found::Schema(c.validator.clone());
        }
        let group = super::schema::group_of(api_version);
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let lower = kind.to_ascii_lowercase();
        for key in [format!("{lower}@{group}"), lower] {
            if let Some(c) = self.by_file.get(&(key, version.to_string())) {
                return Found::Schema(c.validator.clone());
            }
        }
        match self.versions.get(&(group.to_string(), kind.to_string())) {
            Some(v) => Found::OtherVersions(v.clone()),
            None => Found::Unknown,
        }
    }

    /// Kinds whose CRD says `scope: Cluster`.
    pub fn cluster_kinds(&self) -> &HashSet<String> {
        &self.cluster
    }

    /// Adds the kinds a CustomResourceDefinition (apiextensions.k8s.io/v1) defines.
    pub fn add_crd(&mut self, crd: &Value, origin: Option<&Origin>) -> Result<(), Error> {
        let bad = |message: String| {
            Error::input(
                origin.cloned(),
                message,
                "pass CustomResourceDefinitions of apiextensions.k8s.io/v1, as `kubectl get crd NAME -o yaml` prints them",
            )
        };
        let api_version = crd.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if api_version != "apiextensions.k8s.io/v1" {
            return Err(bad(format!(
                "expected a CustomResourceDefinition of apiextensions.k8s.io/v1, found apiVersion {api_version:?}"
            )));
        }
        let field = |p: &str| crd.pointer(p).and_then(Value::as_str).unwrap_or("");
        let (group, kind) = (field("/spec/group"), field("/spec/names/kind"));
        if group.is_empty() || kind.is_empty() {
            return Err(bad(
                "the CustomResourceDefinition has no spec.group or spec.names.kind".into()
            ));
        }
        if field("/spec/scope") == "Cluster" {
            self.cluster.insert(kind.to_string());
        }
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
        for v in versions.into_iter().flatten() {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() || v.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let validator = match v.pointer("/schema/openAPIV3Schema") {
                Some(schema) => Some(Arc::new(compile(&from_openapi(schema)).map_err(|e| {
                    bad(format!(
                        "the openAPIV3Schema of {kind} {group}/{name} cannot be used: {e}"
                    ))
                })?)),
                None => None,
            };
            self.kinds
                .insert((format!("{group}/{name}"), kind.to_string()), Custom { validator });
            let served = self.versions.entry((group.to_string(), kind.to_string())).or_default();
            let full = format!("{group}/{name}");
            if !served.contains(&full) {
                served.push(full);
            }
        }
        Ok(())
    }

    /// Adds one schema file of a `--schema-dir`; `name` is its path relative to the folder.
    pub fn add_schema_file(&mut self, name: &str, text: &str, origin: &Origin) -> Result<(), Error> {
        let file_name = name.rsplit('/').next().unwrap_or(name);
        if file_name.starts_with('_') {
            return Ok(());
        }
        let schema: Value = serde_json::from_str(text).map_err(|e| {
            Error::input(
                Some(Origin::new(origin.file.clone(), e.line(), e.column())),
                format!("schema file is not JSON: {e}"),
                "--schema-dir holds JSON schema files only",
            )
        })?;
        let validator = compile(&schema).map_err(|e| {
            Error::input(
                Some(origin.clone()),
                format!("the schema does not compile: {e}"),
                "use a standalone JSON schema (references resolved inside the file)",
            )
        })?;
        let custom = Custom {
            validator: Some(Arc::new(validator)),
        };
        if let Some(gvks) = declared_kinds(&schema) {
            for (api_version, kind) in gvks {
                self.kinds.insert((api_version, kind), custom.clone());
            }
            return Ok(());
        }
        let stem = file_name.strip_suffix(".json").unwrap_or(file_name);
        let Some((kind, version)) = stem.rsplit_once('_') else {
            return Err(Error::input(
                Some(origin.clone()),
                format!("cannot tell which kind {name:?} is for"),
                "name schema files GROUP/KIND_VERSION.json (for example cert-manager.io/certificate_v1.json), \
                 or declare x-kubernetes-group-version-kind in the schema",
            ));
        };
        match name.rsplit_once('/') {
            Some((dir, _)) => {
                let group = dir.rsplit('/').next().unwrap_or(dir);
                self.file_schema(Some(group), kind, version, custom);
            }
            None => self.file_schema(None, kind, version, custom),
        }
        Ok(())
    }

    /// Files a schema by lowercase kind, under a group or for any group.
    fn file_schema(&mut self, group: Option<&str>, kind: &str, version: &str, custom: Custom) {
        let key = match group {
            Some(g) => format!("{}@{g}", kind.to_ascii_lowercase()),
            None => kind.to_ascii_lowercase(),
        };
        self.by_file.insert((key, version.to_string()), custom);
    }
}

/// The (apiVersion, kind) pairs a schema declares in `x-kubernetes-group-version-kind`.
fn declared_kinds(schema: &Value) -> Option<Vec<(String, String)>> {
    let gvk = schema.get("x-kubernetes-group-version-kind")?;
    let list: Vec<&Value> = match gvk {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let found: Vec<(String, String)> = list
        .into_iter()
        .filter_map(|g| {
            let f = |k: &str| g.get(k).and_then(Value::as_str).unwrap_or("");
            let api_version = match f("group") {
                "" => f("version").to_string(),
                group => format!("{group}/{}", f("version")),
            };
            (!f("kind").is_empty()).then(|| (api_version, f("kind").to_string()))
        })
        .collect();
    (!found.is_empty()).then_some(found)
}

fn compile(schema: &Value) -> Result<Validator, String> {
    jsonschema::options().offline().build(schema).map_err(|e| e.to_string())
}

/// A CRD's `openAPIV3Schema` as a Draft 2020-12 JSON schema (see the module documentation).
pub fn from_openapi(schema: &Value) -> Value {
    let mut root = translate(schema, true);
    if let Some(map) = root.as_object_mut() {
        let props = map.entry("properties").or_insert_with(|| json!({}));
        if let Some(props) = props.as_object_mut() {
            props.entry("apiVersion").or_insert_with(|| json!({"type": "string"}));
            props.entry("kind").or_insert_with(|| json!({"type": "string"}));
            props.entry("metadata").or_insert_with(|| json!({"type": "object"}));
        }
        if !map.contains_key("additionalProperties") && !preserves(map) {
            map.insert("additionalProperties".into(), json!(false));
        }
        map.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    }
    root
}

fn preserves(map: &Map<String, Value>) -> bool {
    map.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true)
}

/// Translates one schema node; `structural` is false inside `allOf`/`anyOf`/`oneOf`/`not`,
/// where a partial `properties` list must not forbid the other fields.
fn translate(node: &Value, structural: bool) -> Value {
    let Some(src) = node.as_object() else {
        return node.clone();
    };
    let mut out = Map::new();
    for (k, v) in src {
        let v = match k.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => match v.as_object() {
                Some(props) => Value::Object(props.iter().map(|(n, s)| (n.clone(), translate(s, true))).collect()),
                None => v.clone(),
            },
            "items" | "additionalProperties" if v.is_object() => translate(v, true),
            "allOf" | "anyOf" | "oneOf" => match v.as_array() {
                Some(list) => Value::Array(list.iter().map(|s| translate(s, false)).collect()),
                None => v.clone(),
            },
            "not" => translate(v, false),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    exclusive_bounds(&mut out);
    if out.remove("x-kubernetes-int-or-string").and_then(|v| v.as_bool()) == Some(true) {
        out.remove("type");
        out.entry("anyOf")
            .or_insert_with(|| json!([{"type": "integer"}, {"type": "string"}]));
    }
    if out.get("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true) {
        let props = out.entry("properties").or_insert_with(|| json!({}));
        if let Some(props) = props.as_object_mut() {
            props.entry("apiVersion").or_insert_with(|| json!({"type": "string"}));
            props.entry("kind").or_insert_with(|| json!({"type": "string"}));
            props.entry("metadata").or_insert_with(|| json!({"type": "object"}));
        }
    }
    if out.remove("nullable").and_then(|v| v.as_bool()) == Some(true) {
        nullable(&mut out);
    }
    let has_properties = out.get("properties").is_some_and(Value::is_object);
    if structural && has_properties && !out.contains_key("additionalProperties") && !preserves(&out) {
        out.insert("additionalProperties".into(), json!(false));
    }
    Value::Object(out)
}

/// OpenAPI 3.0 writes `minimum: 1, exclusiveMinimum: true`; JSON Schema `exclusiveMinimum: 1`.
fn exclusive_bounds(out: &mut Map<String, Value>) {
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match out.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(b) = out.remove(bound) {
                    out.insert(flag.into(), b);
                } else {
                    out.remove(flag);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(flag);
            }
            _ => {}
        }
    }
}

fn nullable(out: &mut Map<String, Value>) {
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => types.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.iter().any(Value::is_null)
    {
        values.push(Value::Null);
    }
    if let Some(Value::Array(branches)) = out.get_mut("anyOf") {
        branches.push(json!({"type": "null"}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(schema: Value) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"kind": "Widget", "plural": "widgets"},
                "versions": [
                    {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema}},
                    {"name": "v0", "served": false, "storage": false}
                ]
            }
        })
    }

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["size"],
                    "properties": {
                        "size": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                        "port": {"x-kubernetes-int-or-string": true},
                        "note": {"type": "string", "nullable": true},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "mode": {"type": "string", "enum": ["a", "b"]}
                    }
                }
            }
        })
    }

    fn errors_of(custom: &CustomSchemas, instance: Value) -> Vec<String> {
        let Found::Schema(Some(v)) = custom.find("example.com/v1", "Widget") else {
            panic!("Widget not found")
        };
        crate::validate::schema::errors(&v, &instance)
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect()
    }

    #[test]
    fn crd_schemas_translate_the_openapi_extensions() {
        let mut custom = CustomSchemas::default();
        custom.add_crd(&crd(schema()), None).unwrap();
        let ok = json!({
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"size": 1, "port": "http", "note": null, "extra": {"anything": [1]}, "mode": "a"}
        });
        assert_eq!(errors_of(&custom, ok), Vec::<String>::new());
        let bad = json!({
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"size": 0, "port": 1.5, "mode": "c", "colour": "red"}
        });
        let e = errors_of(&custom, bad);
        assert!(e.iter().any(|e| e.starts_with("/spec/size")), "{e:?}");
        assert!(e.iter().any(|e| e.starts_with("/spec/port")), "{e:?}");
        assert!(e.iter().any(|e| e.starts_with("/spec/mode")), "{e:?}");
        assert!(e.iter().any(|e| e == "/spec/colour: unknown field \"colour\""), "{e:?}");
    }

    #[test]
    fn unserved_versions_and_other_groups_are_told_apart() {
        let mut custom = CustomSchemas::default();
        custom.add_crd(&crd(schema()), None).unwrap();
        assert!(matches!(custom.find("example.com/v0", "Widget"), Found::OtherVersions(v) if v == ["example.com/v1"]));
        assert!(matches!(custom.find("other.com/v1", "Widget"), Found::Unknown));
    }

    #[test]
    fn a_crd_of_the_removed_api_is_refused() {
        let mut c = crd(schema());
        c["apiVersion"] = json!("apiextensions.k8s.io/v1beta1");
        let e = CustomSchemas::default().add_crd(&c, None).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn schema_files_are_filed_by_group_folder_or_declared_kind() {
        let mut custom = CustomSchemas::default();
        let o = Origin::file("s");
        let strict = r#"{"type": "object", "properties": {"spec": {"type": "object", "additionalProperties": false}}}"#;
        custom
            .add_schema_file("cert-manager.io/certificate_v1.json", strict, &o)
            .unwrap();
        custom.add_schema_file("gadget_v2.json", strict, &o).unwrap();
        custom.add_schema_file("_definitions.json", "not json", &o).unwrap();
        assert!(matches!(
            custom.find("cert-manager.io/v1", "Certificate"),
            Found::Schema(Some(_))
        ));
        assert!(matches!(custom.find("other.io/v1", "Certificate"), Found::Unknown));
        assert!(matches!(custom.find("any.io/v2", "Gadget"), Found::Schema(Some(_))));
        assert!(custom.add_schema_file("oddname.json", strict, &o).is_err());
        assert!(custom.add_schema_file("x_v1.json", "{", &o).is_err());
    }
}
