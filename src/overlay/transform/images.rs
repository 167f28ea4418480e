//! Kustomize's `images` transformer: an image is matched by its name (without tag or
//! digest), then its name, tag or digest replaced, in `containers` and `initContainers`
//! wherever they appear in an object (custom resources too, not CRDs), as Kustomize's
//! "legacy" image filter does, and in image volumes.

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::manifest::Object;
use crate::manifest::parallel::{self, Threads};
use crate::overlay::refs::walk::{segments, visit_mut};

/// Kustomize's `images` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// Image volumes (`volumes[].image.reference`, Kubernetes 1.31+); kustomize v5.5 leaves
/// them alone, later versions rewrite them too.
const VOLUME_IMAGES: &[&str] = &[
    "spec/volumes[]/image/reference",
    "spec/template/spec/volumes[]/image/reference",
];

/// Rewrites container images; returns the indexes of rules that matched nothing.
/// Rules apply in order, each to what the previous ones left.
pub fn images(objects: &mut [Object], rules: &[Image], threads: Threads) -> Vec<usize> {
    if rules.is_empty() {
        return Vec::new();
    }
    let compiled: Vec<Option<Regex>> = rules.iter().map(|r| matcher(&r.name)).collect();
    let volume_paths: Vec<_> = VOLUME_IMAGES.iter().map(|p| segments(p)).collect();
    // Each object says which rules changed one of its images.
    let hits = parallel::map_mut(threads, objects, |obj| {
        let mut hits = Vec::new();
        if obj.kind() == "CustomResourceDefinition" {
            return hits;
        }
        let mut update = |image: &mut Value| {
            let Value::String(current) = image else { return };
            for (i, (rule, re)) in rules.iter().zip(&compiled).enumerate() {
                if re.as_ref().is_some_and(|re| re.is_match(current)) {
                    hits.push(i);
                    *current = updated(current, rule);
                }
            }
        };
        containers(&mut obj.value, &mut update);
        for segs in &volume_paths {
            visit_mut(&mut obj.value, segs, false, &mut |site| {
                if let Some(v) = site.parent.get_mut(site.key) {
                    update(v);
                }
            });
        }
        hits
    });
    super::unused(rules.len(), hits)
}

/// The image `rules` make of `image`, as [`images`] would rewrite it in a container.
pub fn rewrite(image: &str, rules: &[Image]) -> String {
    let mut current = image.to_string();
    for rule in rules {
        if matcher(&rule.name).is_some_and(|re| re.is_match(&current)) {
            current = updated(&current, rule);
        }
    }
    current
}

/// Calls `f` on the `image` of every item of every `containers` or `initContainers` list.
fn containers(value: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                containers(child, f);
                if key == "containers" || key == "initContainers" {
                    for item in child.as_array_mut().into_iter().flatten() {
                        if let Some(image) = item.get_mut("image") {
                            f(image);
                        }
                    }
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| containers(v, f)),
        _ => {}
    }
}

/// Every image a container or init container of `objects` runs.
pub fn running(objects: &[Object]) -> std::collections::BTreeSet<&str> {
    fn walk<'a>(value: &'a Value, out: &mut std::collections::BTreeSet<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    walk(child, out);
                    if key == "containers" || key == "initContainers" {
                        let images = child.as_array().into_iter().flatten().filter_map(|c| c.get("image"));
                        out.extend(images.filter_map(Value::as_str));
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for obj in objects {
        walk(&obj.value, &mut out);
    }
    out
}

/// Kustomize's test: the name, then optionally a tag and a sha256 digest. The name is
/// taken literally (Kustomize puts it into the pattern unescaped).
fn matcher(name: &str) -> Option<Regex> {
    Regex::new(&format!(
        "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
        regex::escape(name)
    ))
    .ok()
}

/// The image reference after `rule`: a new tag drops the digest and a new digest drops
/// the tag, unless both are given.
fn updated(image: &str, rule: &Image) -> String {
    let (name, tag, digest) = split(image);
    let name = rule.new_name.as_deref().filter(|n| !n.is_empty()).unwrap_or(name);
    let new_tag = rule.new_tag.as_deref().filter(|t| !t.is_empty());
    let new_digest = rule.digest.as_deref().filter(|d| !d.is_empty());
    let (tag, digest) = match (new_tag, new_digest) {
        (Some(t), Some(d)) => (t, d),
        (Some(t), None) => (t, ""),
        (None, Some(d)) => ("", d),
        (None, None) => (tag, digest),
    };
    let mut out = name.to_string();
    if !tag.is_empty() {
        out.push(':');
        out.push_str(tag);
    }
    if !digest.is_empty() {
        out.push('@');
        out.push_str(digest);
    }
    out
}

/// Splits `[host[:port]/]path[:tag][@digest]` into name, tag and digest (Kustomize's
/// `image.Split`): a `:` before the first `/` belongs to the registry's port.
fn split(image: &str) -> (&str, &str, &str) {
    let offset = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = image.get(offset..).unwrap_or("");
    let at = search.find('@').map(|i| i + offset);
    let colon = search.find(':').map(|i| i + offset);
    let tail = |i: usize| image.get(i + 1..).unwrap_or("");
    match (colon, at) {
        (None, None) => (image, "", ""),
        (Some(c), Some(d)) if c < d => (
            image.get(..c).unwrap_or(image),
            image.get(c + 1..d).unwrap_or(""),
            tail(d),
        ),
        (_, Some(d)) => (image.get(..d).unwrap_or(image), "", tail(d)),
        (Some(c), None) => (image.get(..c).unwrap_or(image), tail(c), ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_handles_ports_tags_and_digests() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.25"), ("nginx", "1.25", ""));
        assert_eq!(split("nginx@sha256:abc"), ("nginx", "", "sha256:abc"));
        assert_eq!(split("nginx:1.25@sha256:abc"), ("nginx", "1.25", "sha256:abc"));
        assert_eq!(split("registry:5000/team/app"), ("registry:5000/team/app", "", ""));
        assert_eq!(split("registry:5000/team/app:v1"), ("registry:5000/team/app", "v1", ""));
        assert_eq!(
            split("docker.io/library/nginx@sha256:abc"),
            ("docker.io/library/nginx", "", "sha256:abc")
        );
    }

    #[test]
    fn rewrite_applies_rules_in_order() {
        let rule = |name: &str, tag: Option<&str>, digest: Option<&str>| Image {
            name: name.into(),
            new_tag: tag.map(Into::into),
            digest: digest.map(Into::into),
            ..Image::default()
        };
        let rules = [
            rule("nginx", Some("1.25"), None),
            rule("nginx", None, Some("sha256:abc")),
        ];
        assert_eq!(rewrite("nginx", &rules), "nginx@sha256:abc");
        assert_eq!(rewrite("nginx:latest", &rules[..1]), "nginx:1.25");
        assert_eq!(rewrite("redis", &rules), "redis");
    }

    #[test]
    fn matching_ignores_tag_and_digest_but_not_registry() {
        let re = matcher("nginx").unwrap();
        for hit in ["nginx", "nginx:1.25", "nginx@sha256:aaa", "nginx:1.25@sha256:aaa"] {
            assert!(re.is_match(hit), "{hit}");
        }
        for miss in ["docker.io/library/nginx:1", "nginxx:1", "nginx@sha512:aaa"] {
            assert!(!re.is_match(miss), "{miss}");
        }
        // Literal, not a pattern.
        assert!(!matcher("a.b").unwrap().is_match("axb"));
    }
}
