//! Environment, `env_file`, `configs` and `secrets`. `environment` wins over `env_file`
//! as in compose: env files become ConfigMaps under `envFrom`, which Kubernetes ranks
//! below `env`. Configs and secrets become ConfigMaps and Secrets mounted where compose
//! mounts them. Secret values never appear in a message.

use base64::Engine;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::workloads::escape_dollars;
use super::{Ctx, MAX_FILE_BYTES, Pod, Svc, data_key, project_labels};
use crate::compose::model::{FileObject, FileRef};
use crate::error::Error;
use crate::yaml::pointer_segment;

pub fn environment(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) -> Result<(), Error> {
    for (i, f) in svc.s.env_file.iter().enumerate() {
        let at = format!("{}/{i}", svc.key("env_file"));
        env_file(ctx, svc, pod, &at, f)?;
    }
    for (name, value) in &svc.s.environment {
        match value {
            Some(v) => {
                if looks_secret(name, v) {
                    let at = format!("{}/{}", svc.key("environment"), pointer_segment(name));
                    warn_secret_env(ctx, svc, &at, name, "the pod spec");
                }
                pod.env.push(json!({"name": name, "value": escape_dollars(v)}));
            }
            None => ctx.warn(
                &format!("{}/{}", svc.key("environment"), pointer_segment(name)),
                "env-unset",
                format!(
                    "service `{}`: `{name}` has no value (compose would copy it from the host); it is not set",
                    svc.name
                ),
                Some(format!(
                    "give it a value, or name it with `--env-var {name}` so the loader can read it"
                )),
            ),
        }
    }
    Ok(())
}

fn env_file(
    ctx: &mut Ctx,
    svc: &Svc,
    pod: &mut Pod,
    at: &str,
    f: &crate::compose::model::EnvFile,
) -> Result<(), Error> {
    let origin = ctx.origin(at);
    if !f.required && !ctx.sandbox.exists(&f.path) {
        return Ok(());
    }
    let file = ctx.sandbox.read(&f.path, origin.as_ref())?;
    let text = file.text()?;
    let raw = f.format.as_deref() == Some("raw");
    let mut data = Map::new();
    for (line_no, line) in text.lines().enumerate() {
        match parse_env_line(line, raw) {
            EnvLine::Skip => {}
            EnvLine::Pair(k, v) if is_data_key(&k) => {
                if looks_secret(&k, &v) {
                    warn_secret_env(ctx, svc, at, &k, &format!("a ConfigMap (from `{}`)", f.path));
                }
                data.insert(k, json!(v));
            }
            EnvLine::Pair(k, _) => ctx.warn(
                at,
                "dropped-key",
                format!(
                    "`{}` line {}: `{k}` is not a valid variable name; dropped",
                    f.path,
                    line_no + 1
                ),
                None,
            ),
            EnvLine::NameOnly(k) => ctx.warn(
                at,
                "env-unset",
                format!(
                    "`{}` line {}: `{k}` has no value (compose would copy it from the host); it is not set",
                    f.path,
                    line_no + 1
                ),
                Some("give it a value in the file".into()),
            ),
        }
    }
    let project = ctx.project;
    let name = ctx
        .cm_names
        .claim(super::project_relative(project, &f.path), &format!("env:{}", f.path));
    let value = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": ctx.meta(&name, project_labels(&svc.project)),
        "data": data,
    });
    ctx.push(value, origin)?;
    pod.env_from.push(json!({"configMapRef": {"name": name}}));
    Ok(())
}

/// Words in a variable name that say its value is a credential. A `_FILE` variable names
/// a file (a mounted secret), which is the remedy, not the problem.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

fn looks_secret(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    !value.is_empty() && !upper.ends_with("_FILE") && SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// Plain env values are readable by anyone who can read the workload or ConfigMap; the
/// value itself is never printed (DESIGN.md: secret values stay out of diagnostics).
fn warn_secret_env(ctx: &mut Ctx, svc: &Svc, at: &str, name: &str, lands_in: &str) {
    ctx.warn(
        at,
        "secret-in-env",
        format!(
            "service `{}`: `{name}` looks like a credential and is stored in plain text in {lands_in}",
            svc.name
        ),
        Some(format!(
            "move it to compose `secrets:` (mounted at /run/secrets/...) and point the app at the file, e.g. `{name}_FILE`"
        )),
    );
}

fn is_data_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

#[derive(Debug, PartialEq, Eq)]
enum EnvLine {
    Skip,
    Pair(String, String),
    NameOnly(String),
}

/// One line of a compose env file: `KEY=value`, `export KEY=value`, quoted values
/// (`"..."` with escapes, `'...'` literal), `#` comments; `raw` keeps the value verbatim.
fn parse_env_line(line: &str, raw: bool) -> EnvLine {
    let t = line.trim_start();
    if t.is_empty() || t.starts_with('#') {
        return EnvLine::Skip;
    }
    let t = t.strip_prefix("export ").unwrap_or(t);
    let Some((k, v)) = t.split_once('=') else {
        return EnvLine::NameOnly(t.trim().to_string());
    };
    let key = k.trim().to_string();
    if raw {
        return EnvLine::Pair(key, v.to_string());
    }
    let v = v.trim_start();
    let value = if let Some(rest) = v.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some(o) => out.push(o),
                    None => {}
                },
                c => out.push(c),
            }
        }
        out
    } else if let Some(rest) = v.strip_prefix('\'') {
        rest.split('\'').next().unwrap_or("").to_string()
    } else {
        let cut = v.find(" #").unwrap_or(v.len());
        v.get(..cut).unwrap_or(v).trim_end().to_string()
    };
    EnvLine::Pair(key, value)
}

/// Compose `configs` and `secrets` of a service.
pub fn files(ctx: &mut Ctx, svc: &Svc, pod: &mut Pod) -> Result<(), Error> {
    for (i, r) in svc.s.configs.iter().enumerate() {
        let at = format!("{}/{i}", svc.key("configs"));
        let target = match r.target.as_deref() {
            Some(t) if t.starts_with('/') => t.to_string(),
            Some(t) => format!("/{t}"),
            None => format!("/{}", r.source),
        };
        file_ref(ctx, svc, pod, &at, r, false, target)?;
    }
    for (i, r) in svc.s.secrets.iter().enumerate() {
        let at = format!("{}/{i}", svc.key("secrets"));
        let target = match r.target.as_deref() {
            Some(t) if t.starts_with('/') => t.to_string(),
            Some(t) => format!("/run/secrets/{t}"),
            None => format!("/run/secrets/{}", r.source),
        };
        file_ref(ctx, svc, pod, &at, r, true, target)?;
    }
    Ok(())
}

fn file_ref(
    ctx: &mut Ctx,
    svc: &Svc,
    pod: &mut Pod,
    at: &str,
    r: &FileRef,
    secret: bool,
    target: String,
) -> Result<(), Error> {
    let project = ctx.project;
    let (what, table): (&str, &IndexMap<String, FileObject>) = if secret {
        ("secret", &project.secrets)
    } else {
        ("config", &project.configs)
    };
    let Some(top) = table.get(&r.source) else {
        return Err(Error::input(
            ctx.origin(at),
            format!(
                "service `{}` uses {what} `{}`, which is not defined",
                svc.name, r.source
            ),
            format!("define it under the top-level `{what}s:` key"),
        ));
    };
    let top_ptr = format!("/{what}s/{}", pointer_segment(&r.source));
    if r.uid.is_some() || r.gid.is_some() {
        ctx.warn(
            at,
            "dropped-key",
            format!(
                "service `{}`: `uid`/`gid` of {what} `{}` are dropped",
                svc.name, r.source
            ),
            Some("the pod's fsGroup owns mounted files; set `x-berth.securityContext.fsGroup`".into()),
        );
    }
    let key = data_key(&r.source);
    // An `environment:` source the loader could not fill (the variable was not named on the
    // command line) leaves neither `file` nor `content`: reference it as existing.
    let unresolved = top.environment.is_some() && top.file.is_none() && top.content.is_none();
    let object_name = if top.external || unresolved {
        if let Some(var) = top.environment.as_ref().filter(|_| unresolved) {
            ctx.warn(
                &top_ptr,
                "approximated",
                format!(
                    "{what} `{}` comes from the variable `{var}`, which berth does not read; an existing {} named `{}` is referenced",
                    r.source,
                    if secret { "Secret" } else { "ConfigMap" },
                    top.name.as_deref().unwrap_or(&r.source)
                ),
                Some(format!("create it in the cluster, or use `file:` for the {what}")),
            );
        }
        top.name.clone().unwrap_or_else(|| r.source.clone())
    } else {
        let bytes = contents(ctx, &top_ptr, what, &r.source, top)?;
        let identity = format!("{what}:{}", r.source);
        let name = ctx.cm_names.claim(top.name.as_deref().unwrap_or(&r.source), &identity);
        let value = file_object(ctx, &svc.project, &name, &key, &bytes, secret);
        let origin = ctx.origin(&top_ptr);
        ctx.push(value, origin)?;
        name
    };
    let mut source = Map::new();
    let name_key = if secret { "secretName" } else { "name" };
    source.insert(name_key.into(), json!(object_name));
    if let Some(mode) = r.mode {
        source.insert("defaultMode".into(), json!(mode));
    }
    let vname = pod.volume_name(&format!("{what}-{}", r.source));
    let kind = if secret { "secret" } else { "configMap" };
    pod.volumes.push(json!({"name": vname, kind: source}));
    pod.mounts
        .push(json!({"name": vname, "mountPath": target, "subPath": key, "readOnly": true}));
    Ok(())
}

fn contents(ctx: &Ctx, at: &str, what: &str, name: &str, top: &FileObject) -> Result<Vec<u8>, Error> {
    let origin = ctx.origin(at);
    let bytes = match (&top.file, &top.content) {
        // A secret's file is withheld from diagnostics.
        (Some(path), _) if what == "secret" => ctx.sandbox.read_secret(path, origin.as_ref())?.bytes.to_vec(),
        (Some(path), _) => ctx.sandbox.read(path, origin.as_ref())?.bytes.to_vec(),
        (None, Some(content)) => content.as_bytes().to_vec(),
        (None, None) => {
            return Err(Error::input(
                origin,
                format!("{what} `{name}` has neither `file` nor `content`"),
                "give it a `file:` under the project root",
            ));
        }
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::input(
            origin,
            format!(
                "{what} `{name}` is {} bytes: a ConfigMap or Secret holds at most 1 MiB",
                bytes.len()
            ),
            "bake large files into the image or put them on a volume",
        ));
    }
    Ok(bytes)
}

fn file_object(ctx: &Ctx, project: &str, name: &str, key: &str, bytes: &[u8], secret: bool) -> Value {
    let b64 = || base64::engine::general_purpose::STANDARD.encode(bytes);
    let meta = ctx.meta(name, project_labels(project));
    if secret {
        let mut data = Map::new();
        data.insert(key.into(), json!(b64()));
        return json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque", "data": data});
    }
    let mut data = Map::new();
    let field = match std::str::from_utf8(bytes) {
        Ok(text) => {
            data.insert(key.into(), json!(text));
            "data"
        }
        Err(_) => {
            data.insert(key.into(), json!(b64()));
            "binaryData"
        }
    };
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, field: data})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lines() {
        let p = |l| parse_env_line(l, false);
        assert_eq!(p("# c"), EnvLine::Skip);
        assert_eq!(p("A=1"), EnvLine::Pair("A".into(), "1".into()));
        assert_eq!(p("export A=1 # note"), EnvLine::Pair("A".into(), "1".into()));
        assert_eq!(p(r#"A="x\ny # not""#), EnvLine::Pair("A".into(), "x\ny # not".into()));
        assert_eq!(p("A='$x'"), EnvLine::Pair("A".into(), "$x".into()));
        assert_eq!(p("A"), EnvLine::NameOnly("A".into()));
        assert_eq!(
            parse_env_line("A= 'q' ", true),
            EnvLine::Pair("A".into(), " 'q' ".into())
        );
    }
}
