//! The `files` object of the template context: a chart's `files/` folder, read once
//! through the sandbox, and nothing else (`files.get`, `files.glob`).
//!
//! SKELETON: owned by the helpers helper; see /work/BRIEF.md.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::Error;
use crate::source::Sandbox;

/// Every file under `<chart>/files/`, by path relative to that folder.
#[derive(Debug, Clone, Default)]
pub struct Files {
    #[allow(dead_code)] // SKELETON
    entries: BTreeMap<String, Arc<[u8]>>,
}

impl Files {
    /// Reads `<chart_dir>/files/**` (root-relative `chart_dir`); no folder, no files.
    pub fn load(sandbox: &Sandbox, chart_dir: &str) -> Result<Files, Error> {
        let _ = (sandbox, chart_dir, &BTreeMap::<String, Arc<[u8]>>::new());
        Ok(Files::default())
    }

    /// This object as a template value.
    pub fn into_value(self) -> minijinja::Value {
        minijinja::Value::from_object(self)
    }
}

impl minijinja::value::Object for Files {}
