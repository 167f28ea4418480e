//! The one error type berth reports, and warnings.
//!
//! Every error about an input carries the `Origin` it is about and a hint saying what to
//! do (DESIGN.md promise 7); the CLI turns it into a snippet with miette. Exit codes
//! follow promise 8: 2 for bad input or usage, 1 for manifests that fail validation.

use std::fmt;

use crate::source::Origin;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong: malformed YAML, unknown key, missing variable, cycle, a path
    /// outside the root, ... Exit code 2.
    #[error("{message}")]
    Input {
        origin: Option<Origin>,
        message: String,
        help: Option<String>,
    },
    /// The command line is wrong. Exit code 2.
    #[error("{message}")]
    Usage { message: String, help: Option<String> },
    /// Emitted objects fail schema validation or policy. Exit code 1.
    #[error("{summary}")]
    Invalid { summary: String, problems: Vec<Problem> },
    /// `--strict` turned these warnings into errors. Exit code 2 (they are about the input).
    #[error("{} warning(s) under --strict", .0.len())]
    Strict(Vec<Warning>),
    /// Writing the output failed. Exit code 2.
    #[error("{message}")]
    Output { message: String },
}

impl Error {
    /// A located input error with a hint.
    pub fn input(origin: Option<Origin>, message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::Input {
            origin,
            message: message.into(),
            help: Some(help.into()),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid { .. } => 1,
            _ => 2,
        }
    }

    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Error::Input { origin, .. } => origin.as_ref(),
            _ => None,
        }
    }

    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Input { help, .. } | Error::Usage { help, .. } => help.as_deref(),
            _ => None,
        }
    }
}

/// One validation or policy failure of an emitted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Rule id (`SCHEMA-STRICT`, `PSS-RESTRICTED`, ...).
    pub rule: &'static str,
    /// `Kind/namespace/name` of the object.
    pub object: String,
    /// JSON pointer into the object.
    pub path: String,
    pub message: String,
    /// Where the object came from, when known.
    pub origin: Option<Origin>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} at {}: {}", self.rule, self.object, self.path, self.message)?;
        if let Some(o) = &self.origin {
            write!(f, " (from {o})")?;
        }
        Ok(())
    }
}

/// Something converted approximately, dropped, or otherwise worth the user's attention.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub origin: Option<Origin>,
    /// A short stable id (`dropped-key`, `approximated`, `image-tag`, ...).
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            write!(f, "{o}: ")?;
        }
        write!(f, "{} [{}]", self.message, self.code)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Warnings collected along the pipeline. Reported sorted and de-duplicated, so their
/// order never depends on how the pipeline visited things.
#[derive(Debug, Default, Clone)]
pub struct Warnings(Vec<Warning>);

impl Warnings {
    pub fn push(
        &mut self,
        origin: Option<Origin>,
        code: &'static str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.0.push(Warning {
            origin,
            code,
            message: message.into(),
            help,
        });
    }

    pub fn extend(&mut self, other: Warnings) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Warning> {
        self.0.iter()
    }

    /// The warnings sorted by place, then code and text, without duplicates.
    pub fn into_sorted(mut self) -> Vec<Warning> {
        self.0.sort();
        self.0.dedup();
        self.0
    }
}

/// What a JSON value is, in the words of messages: "a mapping", "a list", "a string"...
pub fn value_kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
