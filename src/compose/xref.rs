//! Cross-reference checks on the merged project: every name a service uses must exist,
//! and `depends_on` must not loop. docker compose refuses the same projects.

use indexmap::IndexSet;
use serde_json::{Map, Value};

use super::merge::Tree;
use crate::error::Error;
use crate::yaml::pointer_segment;

fn keys(v: Option<&Value>) -> IndexSet<String> {
    v.and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn missing(tree: &Tree, pointer: &str, what: String, help: String) -> Error {
    Error::input(tree.origin(pointer), what, help)
}

/// Checks references between services and top-level resources, then `depends_on` cycles.
pub fn check(tree: &Tree) -> Result<(), Error> {
    let empty = Map::new();
    let services = tree.value.get("services").and_then(Value::as_object).unwrap_or(&empty);
    let names: IndexSet<String> = services.keys().cloned().collect();
    let volumes = keys(tree.value.get("volumes"));
    let networks = keys(tree.value.get("networks"));
    let secrets = keys(tree.value.get("secrets"));
    let configs = keys(tree.value.get("configs"));
    for (name, svc) in services {
        let p = format!("/services/{}", pointer_segment(name));
        let service_ref = |key: &str, target: &str| -> Result<(), Error> {
            if names.contains(target) {
                return Ok(());
            }
            Err(missing(
                tree,
                // The entry itself when it is a mapping key (`depends_on: {db: ...}`).
                &format!("{p}/{key}/{}", pointer_segment(target)),
                format!("service `{name}` refers in `{key}` to service `{target}`, which is not defined"),
                format!(
                    "define a service `{target}` or fix the name; defined services: {}",
                    list(&names)
                ),
            ))
        };
        for dep in keys(svc.get("depends_on")) {
            service_ref("depends_on", &dep)?;
        }
        for link in svc
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            service_ref("links", link.split(':').next().unwrap_or(link))?;
        }
        for key in ["network_mode", "ipc", "pid"] {
            if let Some(target) = svc
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| s.strip_prefix("service:"))
            {
                service_ref(key, target)?;
            }
        }
        for from in svc
            .get("volumes_from")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !from.starts_with("container:") {
                service_ref("volumes_from", from.split(':').next().unwrap_or(from))?;
            }
        }
        for (i, vol) in svc
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let named = vol.get("type").and_then(Value::as_str) == Some("volume");
            if let Some(src) = vol.get("source").and_then(Value::as_str).filter(|_| named)
                && !volumes.contains(src)
            {
                return Err(missing(
                    tree,
                    &format!("{p}/volumes/{i}"),
                    format!(
                        "service `{name}` mounts the named volume `{src}`, which is not declared under top-level `volumes:`"
                    ),
                    format!("add `volumes: {{{src}: {{}}}}` at the top level, or write `./{src}` for a bind mount"),
                ));
            }
        }
        for (key, declared) in [("secrets", &secrets), ("configs", &configs)] {
            for (i, r) in svc.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
                let src = r.get("source").and_then(Value::as_str).unwrap_or_default();
                if !declared.contains(src) {
                    return Err(missing(
                        tree,
                        &format!("{p}/{key}/{i}"),
                        format!(
                            "service `{name}` uses {} `{src}`, which is not declared under top-level `{key}:`",
                            &key[..key.len() - 1]
                        ),
                        format!("declare it, e.g. `{key}: {{{src}: {{file: ./{src}.txt}}}}`"),
                    ));
                }
            }
        }
        for net in keys(svc.get("networks")) {
            if net != "default" && !networks.contains(&net) {
                return Err(missing(
                    tree,
                    &format!("{p}/networks/{}", pointer_segment(&net)),
                    format!(
                        "service `{name}` joins network `{net}`, which is not declared under top-level `networks:`"
                    ),
                    format!("add `networks: {{{net}: {{}}}}` at the top level"),
                ));
            }
        }
    }
    cycles(tree, services)
}

fn list(names: &IndexSet<String>) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn cycles(tree: &Tree, services: &Map<String, Value>) -> Result<(), Error> {
    let names: Vec<&str> = services.keys().map(String::as_str).collect();
    let deps: Vec<Vec<usize>> = services
        .values()
        .map(|s| {
            keys(s.get("depends_on"))
                .iter()
                .filter_map(|d| names.iter().position(|n| n == d))
                .collect()
        })
        .collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
        state[i] = 1;
        path.push(i);
        for &d in deps.get(i).into_iter().flatten() {
            if state[d] == 1 {
                let start = path.iter().position(|&x| x == d).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(d);
                return Some(cycle);
            }
            if state[d] == 0
                && let Some(c) = visit(d, deps, state, path)
            {
                return Some(c);
            }
        }
        path.pop();
        state[i] = 2;
        None
    }
    let mut state = vec![0u8; names.len()];
    for i in 0..names.len() {
        if state[i] == 0
            && let Some(cycle) = visit(i, &deps, &mut state, &mut Vec::new())
        {
            let chain: Vec<&str> = cycle.iter().filter_map(|&c| names.get(c).copied()).collect();
            let first = chain.first().copied().unwrap_or_default();
            return Err(Error::input(
                tree.origin(&format!("/services/{}/depends_on", pointer_segment(first))),
                format!("`depends_on` forms a cycle: {}", chain.join(" → ")),
                "remove one of these dependencies; services cannot wait for each other",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> String {
        check(&Tree {
            value: v,
            ..Tree::default()
        })
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn references_and_cycles() {
        assert!(
            err(json!({"services": {"a": {"depends_on": {"zz": {}}}}})).contains("service `zz`, which is not defined")
        );
        let cyc = json!({"services": {
            "a": {"depends_on": {"b": {}}}, "b": {"depends_on": {"c": {}}}, "c": {"depends_on": {"a": {}}}}});
        assert_eq!(err(cyc), "`depends_on` forms a cycle: a → b → c → a");
        assert_eq!(
            err(json!({"services": {"a": {"depends_on": {"a": {}}}}})),
            "`depends_on` forms a cycle: a → a"
        );
        assert!(
            err(json!({"services": {"a": {"volumes": [{"type": "volume", "source": "data", "target": "/d"}]}}}))
                .contains("named volume `data`")
        );
        assert!(err(json!({"services": {"a": {"secrets": [{"source": "pw"}]}}})).contains("secret `pw`"));
        assert!(err(json!({"services": {"a": {"networks": {"front": null}}}})).contains("network `front`"));
        let ok = json!({"services": {"a": {"depends_on": {"b": {}}, "networks": {"default": null}}, "b": {}},
                        "volumes": {}});
        check(&Tree {
            value: ok,
            ..Tree::default()
        })
        .unwrap();
    }
}
