//! Short syntax → long syntax, per file, before merging (as compose-go's canonical step).
//!
//! Normalising before the merge lets the merge rules compare like with like (volumes by
//! target, ports by their full form) and lets relative paths resolve against the folder
//! of the file that wrote them. The output is the JSON `model::Project` deserialises.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::interpolate::Vars;
use crate::error::Error;
use crate::source::{Origin, Sandbox};
use crate::yaml::{Spans, pointer_segment};

/// What normalising one file needs to know.
pub struct Ctx<'a> {
    pub sandbox: &'a Sandbox,
    /// Root-relative folder that relative paths in this file resolve from.
    pub dir: String,
    pub spans: &'a Spans,
    /// All interpolation variables (for `environment: [NAME]` pass-through).
    pub vars: &'a Vars,
    /// Only the explicit variables (overlay / `--env-var`), for `environment:`-sourced secrets.
    pub cli_vars: &'a IndexMap<String, String>,
}

impl Ctx<'_> {
    pub fn origin(&self, pointer: &str) -> Origin {
        self.spans.origin(pointer)
    }

    fn bad(&self, pointer: &str, message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::input(Some(self.origin(pointer)), message, help)
    }

    /// A bind source or build context: root-relative when it stays inside the root
    /// (`.` for the root itself), else as written so `convert` can report it.
    fn host_path(&self, raw: &str) -> String {
        if raw.starts_with('~') || is_windows_path(raw) {
            return raw.to_string();
        }
        match self.sandbox.resolve(&self.dir, raw, None) {
            Ok(p) if p.is_empty() => ".".into(),
            Ok(p) => p.to_string(),
            Err(_) => raw.to_string(),
        }
    }

    /// A file berth must read: inside the root or an error.
    fn input_path(&self, raw: &str, pointer: &str) -> Result<String, Error> {
        let at = self.origin(pointer);
        let p = self.sandbox.resolve(&self.dir, raw, Some(&at))?;
        Ok(if p.is_empty() { ".".into() } else { p.to_string() })
    }
}

fn is_windows_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

type Normaliser = fn(&Ctx, &str, &mut Value) -> Result<(), Error>;

/// One table for every service key that has a short syntax or needs a type fixed.
const SERVICE_KEYS: &[(&str, Normaliser)] = &[
    ("build", build),
    ("command", command),
    ("entrypoint", command),
    ("environment", environment),
    ("env_file", env_file),
    ("label_file", input_paths),
    ("ports", ports),
    ("expose", expose),
    ("volumes", volumes),
    ("tmpfs", string_list),
    ("dns", string_list),
    ("dns_search", string_list),
    ("secrets", file_refs),
    ("configs", file_refs),
    ("depends_on", depends_on),
    ("networks", service_networks),
    ("healthcheck", healthcheck),
    ("deploy", deploy),
    ("labels", string_map),
    ("annotations", string_map),
    ("sysctls", string_map),
    ("extra_hosts", extra_hosts),
    ("ulimits", ulimits),
    ("cpus", to_string),
    ("mem_limit", to_string),
    ("mem_reservation", to_string),
    ("memswap_limit", to_string),
    ("shm_size", to_string),
    ("user", to_string),
    ("privileged", to_bool),
    ("read_only", to_bool),
    ("init", to_bool),
    ("tty", to_bool),
    ("stdin_open", to_bool),
    ("oom_kill_disable", to_bool),
    ("scale", to_int),
    ("restart", restart),
];

/// Normalises one service in place; `pointer` is `/services/<name>`.
pub fn service(ctx: &Ctx, pointer: &str, svc: &mut Value) -> Result<(), Error> {
    if svc.is_null() {
        *svc = json!({});
    }
    let Some(map) = svc.as_object_mut() else {
        return Err(ctx.bad(
            pointer,
            "a service must be a mapping",
            "write the service's keys under its name",
        ));
    };
    for (key, f) in SERVICE_KEYS {
        if let Some(v) = map.get_mut(*key) {
            // `null` (and `!reset`) clears a key in a later file; keep it for the merge.
            if !v.is_null() {
                f(ctx, &format!("{pointer}/{key}"), v)?;
            }
        }
    }
    Ok(())
}

/// Normalises top-level `volumes`, `networks`, `secrets`, `configs` entries in place.
pub fn top_level(ctx: &Ctx, doc: &mut Value) -> Result<(), Error> {
    for section in ["volumes", "networks", "secrets", "configs"] {
        let Some(entries) = doc.get_mut(section).and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, entry) in entries.iter_mut() {
            let pointer = format!("/{section}/{}", pointer_segment(name));
            if entry.is_null() {
                *entry = json!({});
            }
            let Some(map) = entry.as_object_mut() else { continue };
            for key in ["external", "internal", "attachable", "enable_ipv6"] {
                if let Some(v) = map.get_mut(key) {
                    // Legacy `external: {name: x}`.
                    if let Some(n) = v.get("name").cloned() {
                        map.insert("name".into(), n);
                        map.insert(key.into(), Value::Bool(true));
                    } else {
                        to_bool(ctx, &format!("{pointer}/{key}"), v)?;
                    }
                }
            }
            if let Some(v) = map.get_mut("labels") {
                string_map(ctx, &format!("{pointer}/labels"), v)?;
            }
            if section == "secrets" || section == "configs" {
                file_object(ctx, &pointer, name, map)?;
            }
        }
    }
    Ok(())
}

fn file_object(ctx: &Ctx, pointer: &str, name: &str, map: &mut Map<String, Value>) -> Result<(), Error> {
    if let Some(file) = map.get("file").and_then(Value::as_str) {
        let p = ctx.input_path(file, &format!("{pointer}/file"))?;
        map.insert("file".into(), Value::String(p));
    }
    if let Some(var) = map.get("environment").and_then(Value::as_str).map(str::to_string) {
        let Some(value) = ctx.cli_vars.get(&var) else {
            return Err(ctx.bad(
                &format!("{pointer}/environment"),
                format!("`{name}` reads the variable `{var}`, which was not given"),
                format!(
                    "berth reads no process variable on its own: pass --env-var {var}, or set it in the overlay's `variables:`"
                ),
            ));
        };
        // The value travels in `content`; it is never printed.
        map.insert("content".into(), Value::String(value.clone()));
    }
    Ok(())
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn to_string(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let s =
        scalar_string(v).ok_or_else(|| ctx.bad(pointer, "expected a single value", "write a number or a string"))?;
    *v = Value::String(s);
    Ok(())
}

fn to_bool(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if let Value::String(s) = v {
        let b = match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => true,
            "false" | "no" | "n" | "off" | "0" | "" => false,
            _ => return Err(ctx.bad(pointer, format!("`{s}` is not a boolean"), "write true or false")),
        };
        *v = Value::Bool(b);
    }
    Ok(())
}

fn to_int(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if let Value::String(s) = v {
        let n: i64 = s.trim().parse().map_err(|_| {
            ctx.bad(
                pointer,
                format!("`{s}` is not a whole number"),
                "write a number such as 3",
            )
        })?;
        *v = json!(n);
    }
    Ok(())
}

/// File modes: numbers, or octal strings such as `"0440"`.
fn to_mode(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if let Value::String(s) = v {
        let n = u32::from_str_radix(s.trim_start_matches("0o"), 8).map_err(|_| {
            ctx.bad(
                pointer,
                format!("`{s}` is not an octal file mode"),
                "write a mode such as 0440",
            )
        })?;
        *v = json!(n);
    }
    Ok(())
}

fn string_list(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if v.is_string() {
        *v = Value::Array(vec![v.take()]);
    }
    if let Value::Array(items) = v {
        for (i, item) in items.iter_mut().enumerate() {
            to_string(ctx, &format!("{pointer}/{i}"), item)?;
        }
    }
    Ok(())
}

/// `list_or_dict` (`["K=V", "K"]` or `{K: V}`) as an ordered map; `K` alone gives `None`.
fn list_or_dict(v: &Value) -> IndexMap<String, Option<String>> {
    let mut out = IndexMap::new();
    match v {
        Value::Array(items) => {
            for item in items.iter().filter_map(scalar_string) {
                match item.split_once('=') {
                    Some((k, val)) => out.insert(k.to_string(), Some(val.to_string())),
                    None => out.insert(item, None),
                };
            }
        }
        Value::Object(map) => {
            for (k, val) in map {
                out.insert(k.clone(), scalar_string(val));
            }
        }
        _ => {}
    }
    out
}

fn string_map(_: &Ctx, _: &str, v: &mut Value) -> Result<(), Error> {
    let map: Map<String, Value> = list_or_dict(v)
        .into_iter()
        .map(|(k, val)| (k, Value::String(val.unwrap_or_default())))
        .collect();
    *v = Value::Object(map);
    Ok(())
}

fn environment(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    // `=value` (or an empty item) names no variable; the map form cannot say that.
    let unnamed = v.as_array().and_then(|items| {
        items.iter().position(|item| {
            scalar_string(item).is_some_and(|s| s.split('=').next().is_none_or(|k| k.trim().is_empty()))
        })
    });
    if let Some(i) = unnamed {
        return Err(ctx.bad(
            &format!("{pointer}/{i}"),
            "this `environment` item names no variable",
            "write `NAME=value` (or `NAME` alone to pass a variable berth was given)",
        ));
    }
    let map: Map<String, Value> = list_or_dict(v)
        .into_iter()
        .map(|(k, val)| {
            let val = val.or_else(|| ctx.vars.get(&k).map(str::to_string));
            (k, val.map_or(Value::Null, Value::String))
        })
        .collect();
    *v = Value::Object(map);
    Ok(())
}

fn build(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if v.is_string() {
        *v = json!({ "context": v.take() });
    }
    let Some(map) = v.as_object_mut() else { return Ok(()) };
    let context = map.get("context").and_then(Value::as_str).unwrap_or(".").to_string();
    let remote = context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/");
    let context = if remote { context } else { ctx.host_path(&context) };
    map.insert("context".into(), Value::String(context));
    for key in ["args", "labels"] {
        if let Some(a) = map.get_mut(key) {
            string_map(ctx, &format!("{pointer}/{key}"), a)?;
        }
    }
    Ok(())
}

fn command(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    match v {
        Value::String(s) => {
            let words = shell_words(s).ok_or_else(|| {
                ctx.bad(
                    pointer,
                    "unbalanced quotes in the command",
                    "close every quote, or write the command as a list",
                )
            })?;
            *v = Value::Array(words.into_iter().map(Value::String).collect());
            Ok(())
        }
        _ => string_list(ctx, pointer, v),
    }
}

/// Splits a command string as compose does (go-shellwords): quotes and backslashes,
/// no variable expansion, no shell.
pub fn shell_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                cur.push(chars.next()?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => cur.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => {
                            let n = chars.next()?;
                            if !matches!(n, '"' | '\\' | '$' | '`') {
                                cur.push('\\');
                            }
                            cur.push(n);
                        }
                        ch => cur.push(ch),
                    }
                }
            }
            _ => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

/// Files berth must read (`label_file`): resolved root-relative, or an error.
fn input_paths(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    string_list(ctx, pointer, v)?;
    for (i, item) in v.as_array_mut().into_iter().flatten().enumerate() {
        if let Some(raw) = item.as_str().map(str::to_string) {
            *item = Value::String(ctx.input_path(&raw, &format!("{pointer}/{i}"))?);
        }
    }
    Ok(())
}

fn env_file(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if !v.is_array() {
        *v = Value::Array(vec![v.take()]);
    }
    let Value::Array(items) = v else { return Ok(()) };
    for (i, item) in items.iter_mut().enumerate() {
        let at = format!("{pointer}/{i}");
        if item.is_string() {
            *item = json!({ "path": item.take() });
        }
        let Some(map) = item.as_object_mut() else { continue };
        if let Some(r) = map.get_mut("required") {
            to_bool(ctx, &format!("{at}/required"), r)?;
        }
        let required = map.get("required").and_then(Value::as_bool).unwrap_or(true);
        map.insert("required".into(), Value::Bool(required));
        let raw = map.get("path").and_then(Value::as_str).unwrap_or_default().to_string();
        let path = ctx.input_path(&raw, &at)?;
        if required && !ctx.sandbox.exists(&path) {
            return Err(ctx.bad(
                &at,
                format!("env file `{raw}` does not exist (looked for `{path}`)"),
                "create it, fix the path (relative to the compose file), or mark it `required: false`",
            ));
        }
        map.insert("path".into(), Value::String(path));
    }
    Ok(())
}

fn ports(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Value::Array(items) = v else { return Ok(()) };
    let mut out = Vec::new();
    for (i, item) in items.iter_mut().enumerate() {
        let at = format!("{pointer}/{i}");
        match item {
            Value::Object(map) => {
                if let Some(t) = map.get_mut("target") {
                    to_int(ctx, &format!("{at}/target"), t)?;
                }
                if let Some(p) = map.get_mut("published") {
                    to_string(ctx, &format!("{at}/published"), p)?;
                }
                let protocol = map.entry("protocol").or_insert_with(|| json!("tcp"));
                if let Some(p) = protocol.as_str() {
                    check_protocol(p).map_err(|why| {
                        ctx.bad(
                            &format!("{at}/protocol"),
                            why,
                            "write `tcp`, `udp` or `sctp`; an application protocol (`http`) goes in `app_protocol`",
                        )
                    })?;
                }
                map.entry("mode").or_insert_with(|| json!("ingress"));
                out.push(item.take());
            }
            other => {
                let spec = scalar_string(other).unwrap_or_default();
                out.extend(parse_port(&spec).map_err(|why| {
                    ctx.bad(
                        &at,
                        format!("invalid port `{spec}`: {why}"),
                        "write [HOST_IP:][HOST:]CONTAINER[/PROTOCOL], e.g. 8080:80/tcp",
                    )
                })?);
            }
        }
    }
    *v = Value::Array(out);
    Ok(())
}

fn port_range(s: &str) -> Result<(u16, u16), String> {
    let num = |x: &str| {
        x.trim()
            .parse::<u16>()
            .map_err(|_| format!("`{x}` is not a port number"))
    };
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if b < a {
                return Err(format!("range `{s}` ends before it starts"));
            }
            Ok((a, b))
        }
        None => num(s).map(|n| (n, n)),
    }
}

/// The transport protocols docker (and Kubernetes) know; anything else would only fail
/// later, as an object that does not validate.
fn check_protocol(protocol: &str) -> Result<(), String> {
    match protocol.to_ascii_lowercase().as_str() {
        "tcp" | "udp" | "sctp" => Ok(()),
        _ => Err(format!("`{protocol}` is not a port protocol (tcp, udp or sctp)")),
    }
}

/// Parses `[[ip:]host[-range]:]container[-range][/protocol]` into long-form ports,
/// one per container port.
pub fn parse_port(spec: &str) -> Result<Vec<Value>, String> {
    let (addr, protocol) = spec.rsplit_once('/').unwrap_or((spec, "tcp"));
    check_protocol(protocol)?;
    let (ip, rest) = match addr.strip_prefix('[') {
        Some(r) => {
            let (ip, rest) = r.split_once(']').ok_or("unclosed `[` in the IP address")?;
            (Some(ip.to_string()), rest.strip_prefix(':').unwrap_or(rest))
        }
        None => (None, addr),
    };
    let mut parts: Vec<&str> = rest.rsplitn(3, ':').collect();
    parts.reverse();
    let (ip, host, container) = match parts.as_slice() {
        [c] => (ip, None, *c),
        [h, c] if ip.is_some() => (ip, Some(*h), *c),
        [h, c] => (None, Some(*h), *c),
        [i, h, c] if ip.is_none() => (Some(i.to_string()), Some(*h), *c),
        _ => return Err("too many `:`".into()),
    };
    let host = host.filter(|h| !h.is_empty());
    let (c0, c1) = port_range(container)?;
    let host_range = host.map(port_range).transpose()?;
    let count = u32::from(c1 - c0) + 1;
    if let Some((h0, h1)) = host_range
        && count > 1
        && u32::from(h1 - h0) + 1 != count
    {
        return Err("the host and container ranges have different lengths".into());
    }
    let mut out = Vec::new();
    for k in 0..count {
        let target = u32::from(c0) + k;
        let published = match (host, host_range) {
            (Some(_), Some((h0, _))) if count > 1 => Some((u32::from(h0) + k).to_string()),
            (Some(h), _) => Some(h.to_string()),
            _ => None,
        };
        let mut port = json!({ "target": target, "protocol": protocol, "mode": "ingress" });
        if let Some(p) = published {
            port["published"] = json!(p);
        }
        if let Some(ip) = &ip {
            port["host_ip"] = json!(ip);
        }
        out.push(port);
    }
    Ok(out)
}

/// `expose` entries as one string per port (`"8080"`, `"53/udp"`); ranges are expanded.
fn expose(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    string_list(ctx, pointer, v)?;
    let Value::Array(items) = v else { return Ok(()) };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let spec = item.as_str().unwrap_or_default();
        let (ports, proto) = match spec.split_once('/') {
            Some((p, proto)) => (p, format!("/{proto}")),
            None => (spec, String::new()),
        };
        let (a, b) = port_range(ports).map_err(|why| {
            ctx.bad(
                &format!("{pointer}/{i}"),
                format!("invalid exposed port `{spec}`: {why}"),
                "write PORT[-PORT][/PROTOCOL]",
            )
        })?;
        out.extend((a..=b).map(|p| Value::String(format!("{p}{proto}"))));
    }
    *v = Value::Array(out);
    Ok(())
}

fn volumes(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Value::Array(items) = v else { return Ok(()) };
    for (i, item) in items.iter_mut().enumerate() {
        let at = format!("{pointer}/{i}");
        if let Value::String(spec) = item {
            *item = parse_volume(spec).map_err(|why| {
                ctx.bad(
                    &at,
                    format!("invalid volume `{spec}`: {why}"),
                    "write [SOURCE:]TARGET[:MODE], e.g. ./data:/data:ro",
                )
            })?;
        }
        let Some(map) = item.as_object_mut() else { continue };
        if let Some(r) = map.get_mut("read_only") {
            to_bool(ctx, &format!("{at}/read_only"), r)?;
        }
        if let Some(n) = map.get_mut("volume").and_then(|x| x.get_mut("nocopy")) {
            to_bool(ctx, &format!("{at}/volume/nocopy"), n)?;
        }
        if map.get("type").and_then(Value::as_str) == Some("bind") {
            let Some(src) = map.get("source").and_then(Value::as_str) else {
                return Err(ctx.bad(
                    &at,
                    "a bind mount needs a `source`",
                    "add `source: ./path` (a path on the host)",
                ));
            };
            let resolved = ctx.host_path(src);
            map.insert("source".into(), Value::String(resolved));
        }
    }
    Ok(())
}

/// Parses `[SOURCE:]TARGET[:MODE]` into the long form.
pub fn parse_volume(spec: &str) -> Result<Value, String> {
    // A Windows drive letter is part of the source, not a separator.
    let skip = if is_windows_path(spec) { 2 } else { 0 };
    let mut parts: Vec<String> = Vec::new();
    let mut cur = spec[..skip].to_string();
    for c in spec[skip..].chars() {
        if c == ':' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, t.clone(), String::new()),
        [s, t] => (Some(s.clone()), t.clone(), String::new()),
        [s, t, m] => (Some(s.clone()), t.clone(), m.clone()),
        _ => return Err("too many `:`".into()),
    };
    if target.is_empty() {
        return Err("the container path is empty".into());
    }
    let Some(source) = source else {
        return Ok(json!({ "type": "volume", "target": target }));
    };
    let bind = source.starts_with(['.', '/', '~']) || is_windows_path(&source);
    let mut out = json!({ "type": if bind { "bind" } else { "volume" }, "source": source, "target": target });
    let mut bind_opts = Map::new();
    if bind {
        bind_opts.insert("create_host_path".into(), json!(true));
    }
    for opt in mode.split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => out["read_only"] = json!(true),
            "rw" => out["read_only"] = json!(false),
            "z" | "Z" => {
                bind_opts.insert("selinux".into(), json!(opt));
            }
            "nocopy" => out["volume"] = json!({ "nocopy": true }),
            "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                bind_opts.insert("propagation".into(), json!(opt));
            }
            "consistent" | "cached" | "delegated" => out["consistency"] = json!(opt),
            other => return Err(format!("unknown mode `{other}`")),
        }
    }
    if bind {
        out["bind"] = Value::Object(bind_opts);
    }
    Ok(out)
}

fn file_refs(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Value::Array(items) = v else { return Ok(()) };
    for (i, item) in items.iter_mut().enumerate() {
        if item.is_string() {
            *item = json!({ "source": item.take() });
        }
        let at = format!("{pointer}/{i}");
        let Some(map) = item.as_object_mut() else { continue };
        for key in ["uid", "gid"] {
            if let Some(x) = map.get_mut(key) {
                to_string(ctx, &format!("{at}/{key}"), x)?;
            }
        }
        if let Some(m) = map.get_mut("mode") {
            to_mode(ctx, &format!("{at}/mode"), m)?;
        }
    }
    Ok(())
}

fn depends_on(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if let Value::Array(items) = v {
        *v = Value::Object(items.iter().filter_map(scalar_string).map(|s| (s, json!({}))).collect());
    }
    let Some(map) = v.as_object_mut() else { return Ok(()) };
    for (name, dep) in map.iter_mut() {
        let at = format!("{pointer}/{}", pointer_segment(name));
        if dep.is_null() {
            *dep = json!({});
        }
        let Some(d) = dep.as_object_mut() else { continue };
        d.entry("condition").or_insert_with(|| json!("service_started"));
        for (key, default) in [("required", true), ("restart", false)] {
            let x = d.entry(key).or_insert(Value::Bool(default));
            to_bool(ctx, &format!("{at}/{key}"), x)?;
        }
    }
    Ok(())
}

fn service_networks(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    if let Value::Array(items) = v {
        *v = Value::Object(
            items
                .iter()
                .filter_map(scalar_string)
                .map(|s| (s, Value::Null))
                .collect(),
        );
    }
    let Some(map) = v.as_object_mut() else { return Ok(()) };
    for (name, net) in map.iter_mut() {
        if let Some(p) = net.get_mut("priority") {
            to_int(ctx, &format!("{pointer}/{}/priority", pointer_segment(name)), p)?;
        }
        if let Some(a) = net.get_mut("aliases") {
            string_list(ctx, &format!("{pointer}/{}/aliases", pointer_segment(name)), a)?;
        }
    }
    Ok(())
}

fn healthcheck(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Some(map) = v.as_object_mut() else { return Ok(()) };
    if let Some(t) = map.get_mut("test") {
        match t {
            Value::String(s) => *t = json!(["CMD-SHELL", s]),
            _ => string_list(ctx, &format!("{pointer}/test"), t)?,
        }
        health_test(ctx, &format!("{pointer}/test"), t)?;
    }
    if let Some(r) = map.get_mut("retries") {
        to_int(ctx, &format!("{pointer}/retries"), r)?;
    }
    if let Some(d) = map.get_mut("disable") {
        to_bool(ctx, &format!("{pointer}/disable"), d)?;
    }
    for key in ["interval", "timeout", "start_period", "start_interval"] {
        if let Some(x) = map.get_mut(key) {
            to_string(ctx, &format!("{pointer}/{key}"), x)?;
        }
    }
    let none = map.get("test").and_then(|t| t.get(0)).and_then(Value::as_str) == Some("NONE");
    if none {
        map.insert("disable".into(), Value::Bool(true));
    }
    Ok(())
}

/// A healthcheck `test` as docker runs it: `NONE`, or `CMD`/`CMD-SHELL` and a command.
fn health_test(ctx: &Ctx, pointer: &str, t: &Value) -> Result<(), Error> {
    let Some(items) = t.as_array() else { return Ok(()) };
    let first = items.first().and_then(Value::as_str);
    let help = "write `test: [\"CMD\", \"curl\", \"-f\", \"http://localhost/\"]`, `test: curl -f http://localhost/` \
                (run by a shell), or `disable: true`";
    match first {
        None => Err(ctx.bad(pointer, "the healthcheck `test` is empty", help)),
        Some("NONE") => Ok(()),
        Some("CMD" | "CMD-SHELL") if items.len() < 2 => {
            Err(ctx.bad(pointer, "the healthcheck `test` names no command after its CMD", help))
        }
        Some("CMD" | "CMD-SHELL") => Ok(()),
        Some(other) => Err(ctx.bad(
            pointer,
            format!("the healthcheck `test` list starts with `{other}`, not CMD, CMD-SHELL or NONE"),
            format!("put `CMD` first (`[\"CMD\", \"{other}\", ...]`) to run the command as written, or `CMD-SHELL` to run it in a shell"),
        )),
    }
}

/// `restart`: the policies docker knows. Anything else would silently become compose's
/// default (a long-running Deployment) while the author meant something else.
fn restart(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Some(s) = v.as_str() else { return Ok(()) };
    let known = matches!(s, "no" | "none" | "always" | "unless-stopped" | "on-failure")
        || s.strip_prefix("on-failure:").is_some_and(|n| n.parse::<u32>().is_ok());
    if known {
        return Ok(());
    }
    Err(ctx.bad(
        pointer,
        format!("`restart: {s}` is not a restart policy"),
        "write `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N` (N retries)",
    ))
}

/// The `deploy.mode` values docker knows.
const DEPLOY_MODES: [&str; 4] = ["replicated", "global", "replicated-job", "global-job"];

fn deploy(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Some(map) = v.as_object_mut() else { return Ok(()) };
    if let Some(r) = map.get_mut("replicas") {
        to_int(ctx, &format!("{pointer}/replicas"), r)?;
        if r.as_i64().is_some_and(|n| n < 0) {
            return Err(ctx.bad(
                &format!("{pointer}/replicas"),
                format!("`replicas: {r}` is negative"),
                "write 0 or more (0 keeps the workload but runs no pod)",
            ));
        }
    }
    if let Some(l) = map.get_mut("labels") {
        string_map(ctx, &format!("{pointer}/labels"), l)?;
    }
    // The schema says only "a string"; a mode docker does not know would otherwise
    // become a Deployment without a word.
    if let Some(mode) = map.get("mode").and_then(Value::as_str)
        && !DEPLOY_MODES.contains(&mode)
    {
        return Err(ctx.bad(
            &format!("{pointer}/mode"),
            format!("`deploy.mode: {mode}` is not a deploy mode"),
            format!("write one of {}", DEPLOY_MODES.map(|m| format!("`{m}`")).join(", ")),
        ));
    }
    for set in ["limits", "reservations"] {
        let Some(res) = map
            .get_mut("resources")
            .and_then(|r| r.get_mut(set))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for key in ["cpus", "memory"] {
            if let Some(x) = res.get_mut(key) {
                to_string(ctx, &format!("{pointer}/resources/{set}/{key}"), x)?;
            }
        }
        if let Some(p) = res.get_mut("pids") {
            to_int(ctx, &format!("{pointer}/resources/{set}/pids"), p)?;
        }
    }
    Ok(())
}

fn extra_hosts(_: &Ctx, _: &str, v: &mut Value) -> Result<(), Error> {
    let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
    let strip = |ip: &str| ip.trim().trim_start_matches('[').trim_end_matches(']').to_string();
    match v {
        Value::Array(items) => {
            for item in items.iter().filter_map(scalar_string) {
                let split = item.split_once('=').or_else(|| item.split_once(':'));
                if let Some((host, ip)) = split {
                    out.entry(host.trim().to_string()).or_default().push(strip(ip));
                }
            }
        }
        Value::Object(map) => {
            for (host, ips) in map.iter() {
                let list = match ips {
                    Value::Array(a) => a.iter().filter_map(scalar_string).map(|s| strip(&s)).collect(),
                    other => scalar_string(other).map(|s| vec![strip(&s)]).unwrap_or_default(),
                };
                out.entry(host.clone()).or_default().extend(list);
            }
        }
        _ => {}
    }
    *v = json!(out);
    Ok(())
}

fn ulimits(ctx: &Ctx, pointer: &str, v: &mut Value) -> Result<(), Error> {
    let Some(map) = v.as_object_mut() else { return Ok(()) };
    for (name, limit) in map.iter_mut() {
        let at = format!("{pointer}/{}", pointer_segment(name));
        match limit {
            Value::Object(m) => {
                for key in ["soft", "hard"] {
                    if let Some(x) = m.get_mut(key) {
                        to_int(ctx, &format!("{at}/{key}"), x)?;
                    }
                }
            }
            other => to_int(ctx, &at, other)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_short_syntax_table() {
        let cases: &[(&str, Value)] = &[
            ("80", json!([{"target": 80, "protocol": "tcp", "mode": "ingress"}])),
            (
                "8080:80",
                json!([{"target": 80, "published": "8080", "protocol": "tcp", "mode": "ingress"}]),
            ),
            (
                "53:53/udp",
                json!([{"target": 53, "published": "53", "protocol": "udp", "mode": "ingress"}]),
            ),
            (
                "127.0.0.1:8080:80",
                json!([{"target": 80, "published": "8080", "host_ip": "127.0.0.1", "protocol": "tcp", "mode": "ingress"}]),
            ),
            (
                "127.0.0.1::80",
                json!([{"target": 80, "host_ip": "127.0.0.1", "protocol": "tcp", "mode": "ingress"}]),
            ),
            (
                "[::1]:8080:80",
                json!([{"target": 80, "published": "8080", "host_ip": "::1", "protocol": "tcp", "mode": "ingress"}]),
            ),
            (
                "9090-9091:8080-8081",
                json!([
                    {"target": 8080, "published": "9090", "protocol": "tcp", "mode": "ingress"},
                    {"target": 8081, "published": "9091", "protocol": "tcp", "mode": "ingress"}
                ]),
            ),
            (
                "8000-8010:80",
                json!([{"target": 80, "published": "8000-8010", "protocol": "tcp", "mode": "ingress"}]),
            ),
            (
                "3000-3001",
                json!([
                    {"target": 3000, "protocol": "tcp", "mode": "ingress"},
                    {"target": 3001, "protocol": "tcp", "mode": "ingress"}
                ]),
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(&Value::Array(parse_port(spec).unwrap()), want, "{spec}");
        }
        for bad in ["x:80", "1-2:5-9", "70000", "a:b:c:d"] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn volume_short_syntax_table() {
        let cases: &[(&str, Value)] = &[
            ("/data", json!({"type": "volume", "target": "/data"})),
            (
                "db:/var/lib/db",
                json!({"type": "volume", "source": "db", "target": "/var/lib/db"}),
            ),
            (
                "./conf:/etc/conf:ro,z",
                json!({"type": "bind", "source": "./conf", "target": "/etc/conf", "read_only": true,
                       "bind": {"create_host_path": true, "selinux": "z"}}),
            ),
            (
                "~/x:/x",
                json!({"type": "bind", "source": "~/x", "target": "/x", "bind": {"create_host_path": true}}),
            ),
            (
                "C:\\data:/data:rw",
                json!({"type": "bind", "source": "C:\\data", "target": "/data", "read_only": false,
                       "bind": {"create_host_path": true}}),
            ),
            (
                "db:/d:nocopy",
                json!({"type": "volume", "source": "db", "target": "/d", "volume": {"nocopy": true}}),
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(&parse_volume(spec).unwrap(), want, "{spec}");
        }
        assert!(parse_volume("a:b:c:d").is_err());
        assert!(parse_volume("data:/b:bogus").is_err());
    }

    #[test]
    fn shell_words_like_compose() {
        let w = |s: &str| shell_words(s).unwrap();
        assert_eq!(w("sleep infinity"), ["sleep", "infinity"]);
        assert_eq!(w(r#"sh -c "echo $$HOME && ls""#), ["sh", "-c", "echo $$HOME && ls"]);
        assert_eq!(w("echo 'a b'  c\\ d"), ["echo", "a b", "c d"]);
        assert_eq!(w(r#"x "a\"b" """#), ["x", "a\"b", ""]);
        assert!(shell_words("echo 'open").is_none());
    }

    fn ctx_run(v: &mut Value, f: Normaliser) -> Result<(), Error> {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::new(dir.path()).unwrap();
        let spans = Spans::new("c.yaml".into());
        let mut vars = Vars::default();
        vars.set("HOME_VAR", "known");
        let cli = IndexMap::new();
        let ctx = Ctx {
            sandbox: &sandbox,
            dir: "app".into(),
            spans: &spans,
            vars: &vars,
            cli_vars: &cli,
        };
        f(&ctx, "/services/s/x", v)
    }

    #[test]
    fn maps_lists_and_hosts() {
        let mut env = json!(["A=1", "B=", "HOME_VAR", "UNKNOWN", "C=x=y"]);
        ctx_run(&mut env, environment).unwrap();
        assert_eq!(
            env,
            json!({"A": "1", "B": "", "HOME_VAR": "known", "UNKNOWN": null, "C": "x=y"})
        );
        let mut labels = json!({"a": 1, "b": true, "c": null});
        ctx_run(&mut labels, string_map).unwrap();
        assert_eq!(labels, json!({"a": "1", "b": "true", "c": ""}));
        let mut hosts = json!(["db:10.0.0.1", "v6=::1", "db:10.0.0.2", "b:[fe80::1]"]);
        ctx_run(&mut hosts, extra_hosts).unwrap();
        assert_eq!(
            hosts,
            json!({"db": ["10.0.0.1", "10.0.0.2"], "v6": ["::1"], "b": ["fe80::1"]})
        );
        let mut deps = json!(["a", "b"]);
        ctx_run(&mut deps, depends_on).unwrap();
        assert_eq!(
            deps["a"],
            json!({"condition": "service_started", "required": true, "restart": false})
        );
        let mut hc = json!({"test": "curl -f x || exit 1", "interval": "10s", "retries": "3"});
        ctx_run(&mut hc, healthcheck).unwrap();
        assert_eq!(
            hc,
            json!({"test": ["CMD-SHELL", "curl -f x || exit 1"], "interval": "10s", "retries": 3})
        );
        let mut refs = json!(["s", {"source": "t", "mode": "0440", "uid": 1000}]);
        ctx_run(&mut refs, file_refs).unwrap();
        assert_eq!(
            refs,
            json!([{"source": "s"}, {"source": "t", "mode": 288, "uid": "1000"}])
        );
        let mut ex = json!([3000, "53/udp", "8000-8002"]);
        ctx_run(&mut ex, expose).unwrap();
        assert_eq!(ex, json!(["3000", "53/udp", "8000", "8001", "8002"]));
        let mut b = json!("yes");
        ctx_run(&mut b, to_bool).unwrap();
        assert_eq!(b, json!(true));
        let mut vols = json!(["../data:/d", "./x:/x", "/abs/elsewhere:/y"]);
        ctx_run(&mut vols, volumes).unwrap();
        assert_eq!(vols[0]["source"], "data");
        assert_eq!(vols[1]["source"], "app/x");
        assert_eq!(vols[2]["source"], "/abs/elsewhere");
        let mut no_source = json!([{"type": "bind", "target": "/x"}]);
        assert!(ctx_run(&mut no_source, volumes).is_err());
        let mut missing = json!(["missing.env"]);
        let err = ctx_run(&mut missing, env_file).unwrap_err();
        assert!(err.to_string().contains("env file `missing.env` does not exist"));
        let mut optional = json!([{"path": "missing.env", "required": false}]);
        ctx_run(&mut optional, env_file).unwrap();
        assert_eq!(optional, json!([{"path": "app/missing.env", "required": false}]));
    }
}
