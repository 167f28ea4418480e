//! The typed compose model: what `compose::load` produces and `convert` consumes.
//!
//! Every short syntax is normalised into the long one (as `docker compose config` prints
//! it), so `convert` sees one shape per key. The model deserialises from that normalised
//! JSON, which also lets tests build a `Project` from plain long-syntax YAML.
//!
//! Keys that `convert` does not map field by field are kept in `extra` (with their
//! origins in `key_origins`), so none can be dropped without a warning.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use crate::source::Origin;

/// A loaded compose project.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Project {
    /// The project name: top-level `name:`, else the folder of the first file, sanitised.
    pub name: String,
    pub services: IndexMap<String, Service>,
    pub networks: IndexMap<String, Network>,
    pub volumes: IndexMap<String, Volume>,
    pub secrets: IndexMap<String, FileObject>,
    pub configs: IndexMap<String, FileObject>,
    /// Top-level `x-berth:` knobs.
    #[serde(rename = "x-berth")]
    pub x_berth: Option<Value>,
    /// Every other top-level key (`x-*`, `version`, `models`, ...), for the key report.
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
    /// Origins of top-level keys and of the entries under them, by JSON pointer
    /// (`/services/web`, `/volumes/data`). Filled by the loader.
    #[serde(skip)]
    pub origins: IndexMap<String, Origin>,
    /// Root-relative folder of the first compose file: relative paths resolve from here.
    #[serde(skip)]
    pub base_dir: String,
}

impl Project {
    /// Origin of the value at a JSON pointer, or of its nearest located ancestor.
    pub fn origin(&self, pointer: &str) -> Option<Origin> {
        crate::yaml::nearest(pointer, |p| self.origins.get(p).cloned())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Service {
    pub image: Option<String>,
    pub build: Option<Value>,
    /// Normalised to an argv (compose splits a string form like a shell would).
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    /// Map form; `None` value = passed through from the host (`- NAME` with no `=`).
    pub environment: IndexMap<String, Option<String>>,
    pub env_file: Vec<EnvFile>,
    pub ports: Vec<Port>,
    /// Ports exposed to other services only; normalised to strings like `"8080"` or `"8080/udp"`.
    pub expose: Vec<String>,
    pub volumes: Vec<ServiceVolume>,
    pub tmpfs: Vec<String>,
    pub secrets: Vec<FileRef>,
    pub configs: Vec<FileRef>,
    pub depends_on: IndexMap<String, DependsOn>,
    pub links: Vec<String>,
    /// Networks the service joins (a list normalises to a map with null values).
    pub networks: IndexMap<String, Option<ServiceNetwork>>,
    pub network_mode: Option<String>,
    pub healthcheck: Option<Healthcheck>,
    pub deploy: Option<Deploy>,
    /// `no`, `always`, `on-failure[:N]`, `unless-stopped`.
    pub restart: Option<String>,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub privileged: Option<bool>,
    pub read_only: Option<bool>,
    pub security_opt: Vec<String>,
    pub sysctls: IndexMap<String, String>,
    /// Normalised to `host:ip` strings... as `name` → list of addresses.
    pub extra_hosts: IndexMap<String, Vec<String>>,
    /// Byte sizes and durations are kept as written (strings); `convert` parses them.
    pub shm_size: Option<String>,
    pub mem_limit: Option<String>,
    pub mem_reservation: Option<String>,
    pub cpus: Option<String>,
    pub ulimits: IndexMap<String, Value>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub stop_grace_period: Option<String>,
    pub stop_signal: Option<String>,
    pub init: Option<bool>,
    pub tty: Option<bool>,
    pub stdin_open: Option<bool>,
    pub pull_policy: Option<String>,
    pub profiles: Vec<String>,
    pub container_name: Option<String>,
    pub devices: Vec<Value>,
    pub logging: Option<Value>,
    pub scale: Option<u32>,
    /// `x-berth:` knobs for this service.
    #[serde(rename = "x-berth")]
    pub x_berth: Option<Value>,
    /// Every other key (docker-only keys, other `x-*`), reported by `convert`.
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EnvFile {
    /// Root-relative path (resolved by the loader).
    pub path: String,
    pub required: bool,
    pub format: Option<String>,
    /// The file's variables, read by the loader in compose's dialect and interpolated with
    /// the project's variables, as docker compose does; empty for a missing optional file.
    pub values: IndexMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Port {
    pub name: Option<String>,
    pub target: u16,
    /// Host port or range as written (`"8080"`, `"8000-8010"`); `None` when unpublished.
    pub published: Option<String>,
    pub host_ip: Option<String>,
    /// `tcp` (default), `udp`, `sctp`.
    pub protocol: Option<String>,
    pub app_protocol: Option<String>,
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceVolume {
    /// `volume`, `bind`, `tmpfs`, `npipe`, `cluster`, `image`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Volume name, or bind path resolved root-relative by the loader when it is inside
    /// the root (as written otherwise, so `convert` can report it); `None` for anonymous volumes.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub bind: Option<Value>,
    pub volume: Option<Value>,
    pub tmpfs: Option<Value>,
    pub image: Option<Value>,
    pub consistency: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FileRef {
    pub source: String,
    pub target: Option<String>,
    pub uid: Option<String>,
    pub gid: Option<String>,
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DependsOn {
    /// `service_started` (default), `service_healthy`, `service_completed_successfully`.
    pub condition: String,
    pub restart: bool,
    pub required: bool,
}

impl Default for DependsOn {
    fn default() -> Self {
        DependsOn {
            condition: "service_started".into(),
            restart: false,
            required: true,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceNetwork {
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub priority: Option<i64>,
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]` (a string form normalises to CMD-SHELL).
    pub test: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub start_period: Option<String>,
    pub start_interval: Option<String>,
    pub disable: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Deploy {
    /// `replicated` (default), `global`, `replicated-job`, `global-job`.
    pub mode: Option<String>,
    pub replicas: Option<u32>,
    pub resources: Resources,
    pub restart_policy: Option<Value>,
    pub labels: IndexMap<String, String>,
    pub placement: Option<Value>,
    pub update_config: Option<Value>,
    pub rollback_config: Option<Value>,
    pub endpoint_mode: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Resources {
    pub limits: Option<ResourceSet>,
    pub reservations: Option<ResourceSet>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResourceSet {
    /// As written (`"0.5"`, `"2"`).
    pub cpus: Option<String>,
    /// As written (`"512M"`, `"1gb"`, or bytes).
    pub memory: Option<String>,
    pub pids: Option<i64>,
    pub devices: Vec<Value>,
    pub generic_resources: Vec<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Network {
    pub driver: Option<String>,
    pub internal: bool,
    pub external: bool,
    pub name: Option<String>,
    #[serde(rename = "x-berth")]
    pub x_berth: Option<Value>,
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Volume {
    pub driver: Option<String>,
    pub external: bool,
    pub name: Option<String>,
    pub labels: IndexMap<String, String>,
    #[serde(rename = "x-berth")]
    pub x_berth: Option<Value>,
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
}

/// A top-level `secrets:` or `configs:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FileObject {
    /// Root-relative path (resolved by the loader).
    pub file: Option<String>,
    /// Name of a process variable (only honoured when named on the command line).
    pub environment: Option<String>,
    /// Inline content (configs only).
    pub content: Option<String>,
    pub external: bool,
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
}
