//! `overlay.yaml`: read, checked against `schemas/overlay.schema.json` (the file editors
//! use too, so a typo is caught with a "did you mean"), and turned into a typed spec that
//! remembers where each entry was written.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::generate::Generator;
use super::patch::Target;
use super::refs::NameReference;
use super::transform::{Image, Labels, Replicas};
use crate::chart::meta::join;
use crate::error::Error;
use crate::schema_check::{self, Schema};
use crate::source::{Origin, Sandbox, parent_of};
use crate::yaml::{self, Flavor, Spans};

const SCHEMA_TEXT: &str = include_str!("../../schemas/overlay.schema.json");

/// The file name that makes a folder an overlay.
pub const FILE: &str = "overlay.yaml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum LabelsField {
    Map(Map<String, Value>),
    List(Vec<Labels>),
}

#[derive(Debug, Clone, Deserialize)]
pub struct PatchEntry {
    pub path: Option<String>,
    pub patch: Option<Value>,
    pub target: Option<Target>,
    #[serde(rename = "type")]
    pub patch_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MergeKey {
    pub group: Option<String>,
    pub kind: String,
    pub path: String,
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Waiver {
    pub rule: String,
    pub target: Target,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Policy {
    pub profile: Option<String>,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

/// `policy.defaults`: values for what the inputs leave unset, used before hardening's own.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Defaults {
    #[serde(default)]
    pub resources: DefaultResources,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DefaultResources {
    #[serde(default)]
    pub requests: Map<String, Value>,
    #[serde(default)]
    pub limits: Map<String, Value>,
}

/// One overlay.yaml, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fields {
    pub base: String,
    #[serde(default)]
    pub release: Release,
    pub kube_version: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub set: Map<String, Value>,
    #[serde(default)]
    pub variables: Map<String, Value>,
    pub namespace: Option<String>,
    #[serde(default)]
    pub name_prefix: String,
    #[serde(default)]
    pub name_suffix: String,
    pub labels: Option<LabelsField>,
    #[serde(default)]
    pub annotations: Map<String, Value>,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub replicas: Vec<Replicas>,
    #[serde(default)]
    pub patches: Vec<PatchEntry>,
    #[serde(default)]
    pub config_map_generator: Vec<Generator>,
    #[serde(default)]
    pub secret_generator: Vec<Generator>,
    #[serde(default)]
    pub name_references: Vec<NameReference>,
    #[serde(default)]
    pub merge_keys: Vec<MergeKey>,
    #[serde(default)]
    pub external: Vec<String>,
    #[serde(default)]
    pub policy: Policy,
}

/// An overlay: its folder, its fields, and the positions of everything in its file.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// Root-relative folder.
    pub dir: String,
    /// Root-relative path of overlay.yaml.
    pub file: String,
    pub fields: Fields,
    pub spans: Spans,
}

impl Overlay {
    /// Where the value at `pointer` (e.g. `/patches/0`) was written.
    pub fn origin(&self, pointer: &str) -> Origin {
        self.spans.origin(pointer)
    }

    /// The labels entries, whichever form they were written in (a map is metadata only).
    pub fn labels(&self) -> Vec<Labels> {
        match &self.fields.labels {
            None => Vec::new(),
            Some(LabelsField::Map(pairs)) => vec![Labels {
                pairs: pairs.clone(),
                include_selectors: false,
                include_templates: false,
            }],
            Some(LabelsField::List(l)) => l.clone(),
        }
    }
}

fn schema() -> Result<&'static (Value, Validator), Error> {
    static BUILT: OnceLock<Result<(Value, Validator), String>> = OnceLock::new();
    schema_check::cached(&BUILT, SCHEMA_TEXT, "overlay")
}

/// `/patches/0/target` as "`target` in patch 1".
fn place_of(pointer: &str) -> String {
    let segs: Vec<&str> = pointer.split('/').skip(1).collect();
    let entry = |list: &str| match list {
        "patches" => "patch",
        "images" => "image",
        "replicas" => "replica",
        "configMapGenerator" => "configMapGenerator entry",
        "secretGenerator" => "secretGenerator entry",
        "nameReferences" => "nameReference",
        "mergeKeys" => "mergeKey",
        "labels" => "labels entry",
        "waivers" => "waiver",
        _ => "entry",
    };
    let nth = |i: &str| {
        i.parse::<usize>()
            .map_or_else(|_| i.to_string(), |n| (n + 1).to_string())
    };
    match segs.as_slice() {
        [] => "overlay.yaml".into(),
        ["policy", "waivers", i] => format!("waiver {}", nth(i)),
        ["policy", "waivers", i, rest @ ..] => format!("`{}` in waiver {}", rest.join("."), nth(i)),
        [list, i] if i.parse::<usize>().is_ok() => format!("{} {}", entry(list), nth(i)),
        [list, i, rest @ ..] if i.parse::<usize>().is_ok() => {
            format!("`{}` in {} {}", rest.join("."), entry(list), nth(i))
        }
        segs => format!("`{}`", segs.join(".")),
    }
}

/// Reads and checks `<dir>/overlay.yaml`.
pub fn load(sandbox: &Sandbox, dir: &str) -> Result<Overlay, Error> {
    let file = join(dir, FILE);
    let src = sandbox.read(&file, None)?;
    let doc = yaml::parse_one(&src.name, src.text()?, Flavor::Manifest)?;
    if doc.value.is_null() {
        return Err(Error::input(
            Some(Origin::new(src.name.clone(), 1, 1)),
            "overlay.yaml is empty",
            "an overlay needs at least `base:` (a chart folder, a compose file, a folder of manifests or another overlay)",
        ));
    }
    let (root, validator) = schema()?;
    Schema {
        root,
        validator,
        place_of,
        default_help: "see the overlay.yaml reference in the book (overlays)",
        unknown_key_hint: "",
    }
    .check(&doc.value, &doc.spans)?;
    let fields: Fields = serde_json::from_value(doc.value.clone()).map_err(|e| {
        Error::input(
            Some(doc.spans.origin("")),
            format!("overlay.yaml cannot be read: {e}"),
            "check the fields against the overlay.yaml reference",
        )
    })?;
    check_fields(&fields, &doc.spans)?;
    Ok(Overlay {
        dir: parent_of(&file).to_string(),
        file,
        fields,
        spans: doc.spans,
    })
}

/// Checks what the schema cannot say well, so the error is at the field rather than at
/// every object it would break later: names that go into Kubernetes names, image digests,
/// the rules waivers name.
fn check_fields(fields: &Fields, spans: &Spans) -> Result<(), Error> {
    use crate::validate::Grammar;
    let bad =
        |pointer: &str, message: String, help: String| Err(Error::input(Some(spans.origin(pointer)), message, help));
    let namespaces = [
        ("/namespace", "namespace", &fields.namespace),
        ("/release/namespace", "release.namespace", &fields.release.namespace),
        ("/release/name", "release.name", &fields.release.name),
    ];
    for (pointer, key, value) in namespaces {
        let Some(value) = value else { continue };
        if let Some(why) = Grammar::Dns1123Label.check(value) {
            return bad(
                pointer,
                format!("`{key}: {value}` cannot be a Kubernetes name: it {why}"),
                format!(
                    "write it as `{}`, at most 63 characters",
                    crate::convert::names::dns_label(value, 63)
                ),
            );
        }
    }
    // A prefix and a suffix become part of names: only name characters, and the end
    // that stays outside must be a letter or digit.
    let name_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let affixes = [
        (
            "/namePrefix",
            "namePrefix",
            &fields.name_prefix,
            fields.name_prefix.chars().next(),
        ),
        (
            "/nameSuffix",
            "nameSuffix",
            &fields.name_suffix,
            fields.name_suffix.chars().last(),
        ),
    ];
    for (pointer, key, value, outer) in affixes {
        let outer_ok = outer.is_none_or(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !value.chars().all(name_char) || !outer_ok {
            return bad(
                pointer,
                format!("`{key}: {value}` would make names Kubernetes rejects"),
                format!(
                    "use lowercase letters, digits, `-` and `.`, with a letter or digit {}, e.g. `{}`",
                    if key == "namePrefix" { "first" } else { "last" },
                    value.to_ascii_lowercase().replace(|c: char| !name_char(c), "-")
                ),
            );
        }
    }
    for (i, image) in fields.images.iter().enumerate() {
        let Some(digest) = &image.digest else { continue };
        let well_formed = digest.split_once(':').is_some_and(|(algorithm, hex)| {
            !algorithm.is_empty()
                && algorithm.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        });
        if !well_formed {
            return bad(
                &format!("/images/{i}/digest"),
                format!("`{digest}` is not an image digest"),
                "write `sha256:` and the 64 lowercase hex digits of the digest (from `docker buildx imagetools inspect` or the registry)".into(),
            );
        }
    }
    for (i, waiver) in fields.policy.waivers.iter().enumerate() {
        let Some(rule) = crate::validate::rule(&waiver.rule) else {
            return bad(
                &format!("/policy/waivers/{i}/rule"),
                format!("waiver {} names the unknown rule `{}`", i + 1, waiver.rule),
                "use a rule id from the book's rule reference (berth validate prints it with each finding)".into(),
            );
        };
        if !rule.waivable {
            return bad(
                &format!("/policy/waivers/{i}/rule"),
                format!(
                    "{} cannot be waived: the API server rejects such objects whatever berth says",
                    rule.id
                ),
                "fix the objects instead; waivers are for policy rules".into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::scratch;

    fn load_one(text: &str) -> Result<Overlay, Error> {
        let (_t, sb) = scratch(&[("o/overlay.yaml", text)]);
        load(&sb, "o")
    }

    #[test]
    fn a_full_overlay_loads() {
        let o = load_one(
            "base: ../charts/shop\nrelease: {name: shop, namespace: shop-prod}\nkubeVersion: \"1.35\"\n\
             values: [values.yaml]\nset: {image.tag: \"1.4.2\"}\nnamePrefix: p-\n\
             labels: {team: shop}\nimages: [{name: nginx, newTag: \"1.27\"}]\nreplicas: [{name: web, count: 4}]\n\
             patches:\n  - path: patches/web.yaml\n  - target: {kind: Deployment, name: web}\n    type: json6902\n    patch: [{op: replace, path: /spec/replicas, value: 5}]\n\
             configMapGenerator: [{name: settings, literals: [A=1]}]\n\
             policy: {profile: baseline, waivers: [{rule: REL-PDB, target: {kind: Deployment}, reason: one replica}]}\n",
        )
        .unwrap();
        assert_eq!(o.dir, "o");
        assert_eq!(o.fields.patches.len(), 2);
        assert_eq!(o.labels().len(), 1);
        assert_eq!(o.origin("/patches/1").line, 12);
    }

    #[test]
    fn mistakes_are_located() {
        let e = load_one("base: x\nnamePrefx: a-\n").unwrap_err();
        assert_eq!(e.to_string(), "unknown key `namePrefx` at the top level");
        assert_eq!(e.help(), Some("did you mean `namePrefix`?"));
        assert_eq!(e.origin().unwrap().line, 2);
        let e = load_one("base: x\npatches:\n  - path: p.yaml\n    tagret: {kind: X}\n").unwrap_err();
        assert_eq!(e.to_string(), "unknown key `tagret` in patch 1");
        let e = load_one("base: x\nreplicas: [{name: web, count: -1}]\n").unwrap_err();
        assert_eq!(e.origin().unwrap().line, 2);
        let e = load_one("namespace: x\n").unwrap_err();
        assert!(e.to_string().contains("missing the required key \"base\""), "{e}");
        let e = load_one("").unwrap_err();
        assert_eq!(e.to_string(), "overlay.yaml is empty");
    }
}
