//! Container images: pinned tags, pull policy, digests.

use serde_json::Value;

use super::{Container, Facts, RUNNING, Sink, Subject};

/// The parts of an image reference that the rules look at.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Splits `registry:5000/path/name:tag@sha256:...`: a tag is after the last `:` of the
/// last path component (a registry port is not a tag).
pub fn parse(image: &str) -> ImageRef<'_> {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.rsplit_once(':').map(|(_, t)| t).filter(|t| !t.is_empty());
    ImageRef { tag, digest }
}

fn images<'a>(s: &Subject<'a>) -> Vec<(Container<'a>, &'a str)> {
    let Some(pod) = &s.pod else { return Vec::new() };
    pod.containers(RUNNING)
        .filter_map(|c| {
            let image = c.value.get("image").and_then(Value::as_str)?;
            Some((c, image))
        })
        .collect()
}

/// IMG-TAG: an explicit tag that is not `latest`, or a digest.
pub fn tag(_: &Facts, s: &Subject, sink: &mut Sink) {
    for (c, image) in images(s) {
        let r = parse(image);
        if r.digest.is_some() {
            continue;
        }
        let why = match r.tag {
            None => "has no tag, so it means latest",
            Some("latest") => "is tagged latest",
            Some(_) => continue,
        };
        sink.push(
            c.at("/image"),
            format!("image {image:?} of {} {why}; pin a version", c.describe()),
        );
    }
}

/// IMG-PULL: `Always`, or `IfNotPresent` with a digest.
pub fn pull_policy(_: &Facts, s: &Subject, sink: &mut Sink) {
    for (c, image) in images(s) {
        let policy = c.value.get("imagePullPolicy").and_then(Value::as_str);
        let pinned = parse(image).digest.is_some();
        match policy {
            Some("Always") => {}
            Some("IfNotPresent") if pinned => {}
            Some(p) => sink.push(
                c.at("/imagePullPolicy"),
                format!("{} pulls {p}; use Always (or pin the image by digest)", c.describe()),
            ),
            None => sink.push(
                c.at("/imagePullPolicy"),
                format!("{} sets no imagePullPolicy; use Always", c.describe()),
            ),
        }
    }
}

/// IMG-DIGEST: images pinned by digest.
pub fn digest(_: &Facts, s: &Subject, sink: &mut Sink) {
    for (c, image) in images(s) {
        if parse(image).digest.is_none() {
            sink.push(
                c.at("/image"),
                format!("image {image:?} of {} is not pinned by digest", c.describe()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_digests_and_registry_ports() {
        assert_eq!(parse("nginx").tag, None);
        assert_eq!(parse("nginx:1.27").tag, Some("1.27"));
        assert_eq!(parse("localhost:5000/web").tag, None);
        assert_eq!(parse("localhost:5000/web:2").tag, Some("2"));
        let r = parse("web@sha256:abc");
        assert_eq!((r.tag, r.digest), (None, Some("sha256:abc")));
        let r = parse("r.io/a/web:1.2@sha256:abc");
        assert_eq!((r.tag, r.digest), (Some("1.2"), Some("sha256:abc")));
    }
}
