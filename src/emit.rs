//! Output: a YAML stream, a JSON `v1` `List`, or one file per object written atomically.

use serde_json::{Value, json};

use crate::error::Error;
use crate::manifest::Object;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

/// The whole output as text, objects in the order given.
pub fn to_text(objects: &[Object], format: Format) -> Result<String, Error> {
    match format {
        Format::Yaml => crate::yaml::emit_stream(&objects.iter().map(|o| &o.value).collect::<Vec<_>>()),
        Format::Json => {
            let items: Vec<Value> = objects.iter().map(|o| o.value.clone()).collect();
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            let mut s = serde_json::to_string_pretty(&list).map_err(|e| Error::Output { message: e.to_string() })?;
            s.push('\n');
            Ok(s)
        }
    }
}

/// File name of one object in `--output-dir`: `NN-kind-name.yaml`, numbered in install order.
fn file_name(i: usize, o: &Object, format: Format) -> String {
    let ext = match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    let mut name = format!("{:03}-{}-{}", i + 1, o.kind().to_lowercase(), o.name());
    if !o.namespace().is_empty() && o.kind() == "Namespace" {
        name = format!("{:03}-namespace-{}", i + 1, o.name());
    }
    format!("{name}.{ext}")
}

/// Writes one file per object into `dir`, atomically: everything goes into a sibling
/// temporary folder first, which then replaces `dir` (promise 3: all or nothing).
pub fn write_dir(dir: &std::path::Path, objects: &[Object], format: Format) -> Result<(), Error> {
    let io = |what: &str, e: std::io::Error| Error::Output {
        message: format!("{what}: {e}"),
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{base}.berth-tmp"));
    let old = parent.join(format!(".{base}.berth-old"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| io(&format!("cannot create {}", tmp.display()), e))?;
    for (i, o) in objects.iter().enumerate() {
        let text = to_text(std::slice::from_ref(o), format)?;
        let text = match format {
            Format::Json => serde_json::to_string_pretty(&o.value)
                .map(|s| s + "\n")
                .map_err(|e| Error::Output { message: e.to_string() })?,
            Format::Yaml => text,
        };
        let path = tmp.join(file_name(i, o, format));
        std::fs::write(&path, text).map_err(|e| io(&format!("cannot write {}", path.display()), e))?;
    }
    let _ = std::fs::remove_dir_all(&old);
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| io(&format!("cannot move {} aside", dir.display()), e))?;
    }
    std::fs::rename(&tmp, dir).map_err(|e| io(&format!("cannot move output into {}", dir.display()), e))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
