//! Compose loading: from `-f` files to one typed, normalised `Project`.
//!
//! Multi-file merge, `.env`, interpolation, `extends`, `include`, `profiles`, anchors
//! and merge keys, short/long syntax normalisation and validation against the vendored
//! compose-spec JSON Schema all happen here, so `convert` sees one shape per key.
//!
//! Order, as compose-go: each file is read, interpolated, validated and normalised on its
//! own (so its relative paths and origins are its own), then its `include`s and `extends`
//! are resolved, then files merge in `-f` order; profiles, cross-references and typing
//! come last.

pub mod dotenv;
mod extends;
mod files;
pub use files::{DEFAULT_FILES, in_folder};
mod include;
mod interpolate;
mod merge;
pub mod model;
mod normalize;
mod schema;
mod tags;
pub use tags::rewrite as rewrite_tags;
mod xref;

pub use model::Project;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::{Error, Warnings};
use crate::limits;
use crate::source::{Origin, Sandbox, parent_of};
use crate::yaml::pointer_segment;
use files::Loader;
use interpolate::Vars;
use merge::Tree;

/// What the command line says about loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Root-relative compose files, in `-f` order (at least one).
    pub files: Vec<String>,
    /// Root-relative `--env-file` files, in order (they replace `.env`, as in docker compose).
    pub env_files: Vec<String>,
    /// `--profile` names.
    pub profiles: Vec<String>,
    /// Interpolation variables of the highest precedence: the overlay's `variables:` and
    /// the process variables the user named (`--env-var`, `--env-prefix`), already read
    /// by the CLI. Lower precedence comes from `.env` / `--env-file`.
    pub variables: Vec<(String, String)>,
    /// Overrides the project name.
    pub project_name: Option<String>,
}

/// Loads and normalises a compose project.
pub fn load(sandbox: &Sandbox, opts: &LoadOptions, warnings: &mut Warnings) -> Result<Project, Error> {
    let first = opts.files.first().ok_or_else(|| Error::Usage {
        message: "no compose file given".into(),
        help: Some("name a compose file or a folder holding compose.yaml".into()),
    })?;
    let first = sandbox.resolve("", first, None)?.to_string();
    let first_is_dir = sandbox.is_dir(&first);
    let dir = if first_is_dir {
        first.clone()
    } else {
        parent_of(&first).to_string()
    };
    let cli_vars: IndexMap<String, String> = opts.variables.iter().cloned().collect();
    let vars = variables(sandbox, opts, &dir, &first, &cli_vars, warnings)?;

    let files = compose_files(sandbox, opts, &first, &dir, &vars, warnings)?;
    let mut loader = Loader::new(sandbox, &cli_vars);
    let mut tree = loader.project(&files, &dir, &vars, &mut Vec::new(), None)?;
    warnings.extend(std::mem::take(&mut loader.notes));
    let main_file = files.first().cloned().unwrap_or_default();
    // A project needs a service: first as written, then once profiles have chosen.
    let require_services = |tree: &Tree, message: &str, help: &str| {
        let none = tree
            .value
            .get("services")
            .and_then(Value::as_object)
            .is_none_or(|s| s.is_empty());
        match none {
            // A whole-file problem: said at the file's first line, where a service would start.
            true => Err(Error::input(Some(Origin::new(main_file.as_str(), 1, 1)), message, help)),
            false => Ok(()),
        }
    };
    require_services(
        &tree,
        "the compose files define no service",
        "add a `services:` section with at least one service",
    )?;
    apply_profiles(&mut tree, opts, &vars, warnings)?;
    require_services(
        &tree,
        "every service is behind a profile that is not enabled",
        "enable one with --compose-profile NAME (or COMPOSE_PROFILES in .env)",
    )?;
    too_many_services(&tree)?;
    default_network(&mut tree);
    read_env_files(sandbox, &mut tree, &vars, warnings)?;
    require_image_or_build(&tree)?;
    xref::check(&tree)?;
    let name = project_name(sandbox, &tree, opts, &vars, &dir, &main_file, warnings)?;
    if let Some(m) = tree.value.as_object_mut() {
        m.insert("name".into(), Value::String(name));
    }
    typed(tree, dir)
}

/// The compose files in merge order: the named file (or the folder's default files, or
/// `COMPOSE_FILE` from `.env` for a folder), then the other `-f` files.
fn compose_files(
    sandbox: &Sandbox,
    opts: &LoadOptions,
    first: &str,
    dir: &str,
    vars: &Vars,
    warnings: &mut Warnings,
) -> Result<Vec<String>, Error> {
    let mut files = if !sandbox.is_dir(first) {
        vec![first.to_string()]
    } else if let Some(list) = vars.get("COMPOSE_FILE").filter(|l| !l.is_empty()) {
        let sep = vars.get("COMPOSE_PATH_SEPARATOR").unwrap_or(":");
        let at = Origin::file(if dir.is_empty() {
            ".env".to_string()
        } else {
            format!("{dir}/.env")
        });
        list.split(sep)
            .map(|f| sandbox.resolve(dir, f, Some(&at)).map(|s| s.to_string()))
            .collect::<Result<_, _>>()?
    } else {
        files::in_folder(sandbox, dir, warnings)?
    };
    for f in opts.files.iter().skip(1) {
        let name = sandbox.resolve("", f, None)?.to_string();
        // Said as the user wrote it, since no file names it.
        if !sandbox.exists(&name) {
            return Err(Error::input(
                Some(Origin::file(format!("-f {name}"))),
                format!("compose file `{name}` does not exist"),
                "check the path; it is relative to the current folder",
            ));
        }
        files.push(name);
    }
    Ok(files)
}

/// `.env` beside the first file (or the `--env-file` files instead), below `opts.variables`.
fn variables(
    sandbox: &Sandbox,
    opts: &LoadOptions,
    dir: &str,
    first: &str,
    cli: &IndexMap<String, String>,
    warnings: &mut Warnings,
) -> Result<Vars, Error> {
    let dotenv = if dir.is_empty() {
        ".env".to_string()
    } else {
        format!("{dir}/.env")
    };
    let (names, place) = if opts.env_files.is_empty() {
        let names = if sandbox.exists(&dotenv) {
            vec![dotenv.clone()]
        } else {
            Vec::new()
        };
        let beside = if sandbox.is_dir(first) {
            dir.to_string()
        } else {
            first.to_string()
        };
        let beside = if beside.is_empty() {
            "the project root".to_string()
        } else {
            beside
        };
        (names, format!("{dotenv} beside {beside}, an --env-file"))
    } else {
        (
            opts.env_files.clone(),
            format!("the --env-file files ({})", opts.env_files.join(", ")),
        )
    };
    let mut vars = Vars::new(place);
    let mut from_files: IndexMap<String, String> = IndexMap::new();
    let named = !opts.env_files.is_empty();
    for name in names {
        let src = if named {
            // Said as the user wrote it, since no file names it.
            let at = Origin::file(format!("--env-file {name}"));
            sandbox.read(&name, Some(&at)).map_err(|e| match e {
                Error::Input { origin, message, .. } if message.starts_with("cannot read") => Error::Input {
                    origin,
                    message,
                    help: Some("check the path; it is relative to the current folder".into()),
                },
                other => other,
            })?
        } else {
            sandbox.read(&name, None)?
        };
        let lookup = |k: &str| cli.get(k).cloned().or_else(|| from_files.get(k).cloned());
        let (parsed, unset) = dotenv::parse_variables(&src.name, src.text()?, &lookup)?;
        warn_unset(&src.name, &unset, warnings);
        from_files.extend(parsed);
    }
    for (k, v) in cli
        .iter()
        .chain(from_files.iter().filter(|(k, _)| !cli.contains_key(*k)))
    {
        vars.set(k.clone(), v.clone());
    }
    Ok(vars)
}

/// Refuses a project of more services than [`limits::COMPOSE_SERVICES`], located at the
/// first service past the limit.
fn too_many_services(tree: &Tree) -> Result<(), Error> {
    let limit = &limits::COMPOSE_SERVICES;
    let services = tree.value.get("services").and_then(Value::as_object);
    match services.and_then(|s| s.keys().nth(limit.value)) {
        Some(name) => Err(limit.exceeded(
            tree.origin(&format!("/services/{}", pointer_segment(name))),
            format!("the project defines {} services", services.map_or(0, |s| s.len())),
        )),
        None => Ok(()),
    }
}

/// Drops services whose profiles are not enabled; a required dependency on one is an error.
fn apply_profiles(tree: &mut Tree, opts: &LoadOptions, vars: &Vars, warnings: &mut Warnings) -> Result<(), Error> {
    let active: Vec<String> = if opts.profiles.is_empty() {
        vars.get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        opts.profiles.clone()
    };
    let Some(services) = tree.value.get_mut("services").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let enabled = |svc: &Value| {
        let profiles: Vec<&str> = svc
            .get("profiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        profiles.is_empty() || active.iter().any(|a| a == "*" || profiles.contains(&a.as_str()))
    };
    let disabled: IndexMap<String, Vec<String>> = services
        .iter()
        .filter(|(_, s)| !enabled(s))
        .map(|(n, s)| {
            let p = s
                .get("profiles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            (n.clone(), p.map(str::to_string).collect())
        })
        .collect();
    services.retain(|n, _| !disabled.contains_key(n));
    // (service, dependency, profiles that enable it (none: undefined), required)
    let mut cut: Vec<(String, String, Option<Vec<String>>, bool)> = Vec::new();
    for (name, svc) in services.iter() {
        for (dep, d) in svc.get("depends_on").and_then(Value::as_object).into_iter().flatten() {
            let required = d.get("required").and_then(Value::as_bool).unwrap_or(true);
            if let Some(profiles) = disabled.get(dep) {
                cut.push((name.clone(), dep.clone(), Some(profiles.clone()), required));
            } else if !services.contains_key(dep) && !required {
                cut.push((name.clone(), dep.clone(), None, false));
            }
        }
    }
    for (name, dep, profiles, required) in cut {
        let pointer = format!("/services/{}/depends_on", pointer_segment(&name));
        let at = tree.origin(&pointer);
        match profiles {
            Some(profiles) => {
                let enable = format!(
                    "enable it with --compose-profile {}",
                    profiles.join(" or --compose-profile ")
                );
                if required {
                    return Err(Error::input(
                        at,
                        format!(
                            "service `{name}` depends on `{dep}`, which is only enabled by profile {}",
                            profiles.join(", ")
                        ),
                        format!("{enable}, or mark the dependency `required: false`"),
                    ));
                }
                warnings.push(
                    at,
                    "inactive-dependency",
                    format!(
                        "service `{name}` depends on `{dep}`, whose profile is not enabled; the dependency is dropped"
                    ),
                    Some(enable),
                );
            }
            None => warnings.push(
                at,
                "inactive-dependency",
                format!(
                    "service `{name}` optionally depends on `{dep}`, which is not defined; the dependency is dropped"
                ),
                Some(format!("define `{dep}`, or remove the dependency")),
            ),
        }
        if let Some(deps) = tree.value.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            deps.shift_remove(&dep);
        }
    }
    Ok(())
}

/// Reads every `env_file` of the enabled services into its `values`, so `convert` gets
/// compose's reading of them (and a bad line is reported while loading).
fn read_env_files(sandbox: &Sandbox, tree: &mut Tree, vars: &Vars, warnings: &mut Warnings) -> Result<(), Error> {
    let services = tree.value.get_mut("services").and_then(Value::as_object_mut);
    for svc in services.into_iter().flat_map(|s| s.values_mut()) {
        for entry in svc
            .get_mut("env_file")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(path) = entry.get("path").and_then(Value::as_str).map(str::to_string) else {
                continue;
            };
            if !sandbox.exists(&path) {
                continue;
            }
            let src = sandbox.read(&path, None)?;
            let text = src.text()?;
            let values = if entry.get("format").and_then(Value::as_str) == Some("raw") {
                dotenv::parse_raw(text)
            } else {
                {
                    let lookup = |k: &str| vars.get(k).map(str::to_string);
                    let (values, unset) = dotenv::parse_reporting(&src.name, text, &lookup)?;
                    warn_unset(&src.name, &unset, warnings);
                    values
                }
            };
            entry["values"] = serde_json::json!(values);
        }
    }
    Ok(())
}

/// Bare names in env files pass a host variable through in docker compose; berth reads
/// none it was not given, so each one left out is reported.
fn warn_unset(file: &str, unset: &[(usize, String)], warnings: &mut Warnings) {
    for (line, name) in unset {
        warnings.push(
            Some(Origin::new(file, *line, 1)),
            "env-unset",
            format!("`{name}` has no value here and is not among the known variables; it is left out"),
            Some(format!("give it a value in the file, or pass --env-var {name}")),
        );
    }
}

/// As docker compose: a service that names no network (and no `network_mode`) joins
/// `default`, and `default` is declared when some service joins it.
fn default_network(tree: &mut Tree) {
    let mut used = false;
    for svc in tree
        .value
        .get_mut("services")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|s| s.values_mut())
    {
        let Some(m) = svc.as_object_mut() else { continue };
        let unset = m
            .get("networks")
            .is_none_or(|n| n.as_object().is_some_and(|n| n.is_empty()));
        if unset && m.get("network_mode").is_none() {
            m.insert("networks".into(), serde_json::json!({ "default": null }));
        }
        used |= m.get("networks").and_then(|n| n.get("default")).is_some();
    }
    if used && let Some(top) = tree.value.as_object_mut() {
        let nets = top
            .entry("networks")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(nets) = nets.as_object_mut() {
            nets.entry("default")
                .or_insert_with(|| Value::Object(Default::default()));
        }
    }
}

fn require_image_or_build(tree: &Tree) -> Result<(), Error> {
    for (name, svc) in tree
        .value
        .get("services")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if svc.get("image").is_none() && svc.get("build").is_none() {
            return Err(Error::input(
                tree.origin(&format!("/services/{}", pointer_segment(name))),
                format!("service `{name}` has neither an image nor a build context"),
                "add `image:` (or `build:`) to the service",
            ));
        }
    }
    Ok(())
}

/// Top-level `name:`, else `opts.project_name`, else `COMPOSE_PROJECT_NAME`, else the
/// folder of the first file; sanitised as compose does.
fn project_name(
    sandbox: &Sandbox,
    tree: &Tree,
    opts: &LoadOptions,
    vars: &Vars,
    dir: &str,
    main_file: &str,
    warnings: &mut Warnings,
) -> Result<String, Error> {
    let folder = match dir.rsplit('/').next().filter(|d| !d.is_empty()) {
        Some(d) => d.to_string(),
        None => sandbox
            .root()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let (raw, at, explicit) = match tree.value.get("name").and_then(Value::as_str) {
        Some(n) => (n.to_string(), tree.origin("/name"), true),
        None => match opts
            .project_name
            .clone()
            .or_else(|| vars.get("COMPOSE_PROJECT_NAME").map(str::to_string))
        {
            Some(n) => (n, None, true),
            None => (folder, Some(Origin::file(main_file)), false),
        },
    };
    let name = sanitize_name(&raw);
    if explicit && name != raw && !name.is_empty() {
        warnings.push(
            at.clone(),
            "project-name-sanitised",
            format!(
                "project name `{raw}` is used as `{name}` (lowercase letters, digits, `-` and `_` only); \
                 Kubernetes names made from it write `_` as `-`"
            ),
            // `-` instead of `_` is the one spelling that compose and Kubernetes both keep.
            Some(format!(
                "write `name: {}` to make this explicit",
                name.replace('_', "-")
            )),
        );
    }
    if name.is_empty() {
        return Err(Error::input(
            at,
            format!("`{raw}` gives an empty project name"),
            "set a top-level `name:` made of letters, digits, `-` and `_`",
        ));
    }
    Ok(name)
}

/// Lowercase, only `[a-z0-9_-]`, starting with a letter or digit (compose's rule).
pub fn sanitize_name(raw: &str) -> String {
    let s: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    s.trim_start_matches(['_', '-']).to_string()
}

/// The merged tree as the typed model; a service that does not fit is located.
fn typed(tree: Tree, base_dir: String) -> Result<Project, Error> {
    let Tree { mut value, origins } = tree;
    // A reset (`null`) attribute left after merging means "not set".
    for svc in value
        .get_mut("services")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|s| s.values_mut())
    {
        if let Some(m) = svc.as_object_mut() {
            m.retain(|_, x| !x.is_null());
        }
    }
    for (name, svc) in value.get("services").and_then(Value::as_object).into_iter().flatten() {
        let pointer = format!("/services/{}", pointer_segment(name));
        serde_json::from_value::<model::Service>(svc.clone()).map_err(|e| {
            Error::input(
                origins.get(&pointer).cloned(),
                format!("service `{name}` has a value of the wrong type: {e}"),
                "check the service against the compose specification",
            )
        })?;
    }
    let first_origin = origins.get("").cloned();
    let mut project: Project = serde_json::from_value(value).map_err(|e| {
        Error::input(
            first_origin,
            format!("the compose project cannot be read: {e}"),
            "check the top-level sections",
        )
    })?;
    project.base_dir = base_dir;
    project.origins = origins.into_iter().filter(|(k, _)| !k.is_empty()).collect();
    Ok(project)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised_like_compose() {
        assert_eq!(sanitize_name("My App.v2"), "myappv2");
        assert_eq!(sanitize_name("_x-Y_z"), "x-y_z");
        assert_eq!(sanitize_name("..."), "");
    }
}
