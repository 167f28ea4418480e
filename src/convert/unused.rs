//! Top-level volumes, networks, secrets and configs that no service uses produce no
//! object. That is what Kubernetes needs, but the user wrote them, so each is reported
//! (DESIGN.md promise 6: nothing is dropped silently).

use super::Ctx;
use crate::compose::model::Service;
use crate::yaml::pointer_segment;

/// For one top-level section: its name, and whether a service uses an entry of it.
type Uses = (&'static str, fn(&Service, &str) -> bool);

const SECTIONS: &[Uses] = &[
    ("volumes", |s, n| {
        s.volumes
            .iter()
            .any(|v| v.kind == "volume" && v.source.as_deref() == Some(n))
    }),
    ("networks", |s, n| s.networks.contains_key(n)),
    ("secrets", |s, n| s.secrets.iter().any(|r| r.source == n)),
    ("configs", |s, n| s.configs.iter().any(|r| r.source == n)),
];

/// Warns once per declared entry that no service uses.
pub fn report(ctx: &mut Ctx) {
    let project = ctx.project;
    for (section, used) in SECTIONS {
        let declared: Vec<&String> = match *section {
            "volumes" => project.volumes.keys().collect(),
            "networks" => project.networks.keys().collect(),
            "secrets" => project.secrets.keys().collect(),
            _ => project.configs.keys().collect(),
        };
        for name in declared {
            // The loader adds `default` for services that name no network.
            if *section == "networks" && name == "default" {
                continue;
            }
            if project.services.values().any(|s| used(s, name)) {
                continue;
            }
            let singular = section.trim_end_matches('s');
            ctx.warn(
                &format!("/{section}/{}", pointer_segment(name)),
                "unused",
                format!("{singular} `{name}` is declared but no service uses it; nothing is made for it"),
                Some(format!("remove it, or use it from a service's `{section}:`")),
            );
        }
    }
}
