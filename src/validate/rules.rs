//! The rule table: every rule berth checks, as data.
//!
//! One row per rule id: its severity, the profiles it belongs to, what it checks, why it
//! matters, how to fix it, an example, and the check that implements it. The same rows
//! drive the engine (which checks run under which profile, how severe a finding is,
//! which rules a waiver may name), the SARIF `tool.driver.rules` metadata, and the book's
//! rule reference (`book/src/rules.md` is generated from `markdown()`; a test keeps it in
//! step). A rule id is a promise: once published it keeps its meaning, because waivers and
//! CI configurations name it.

use std::fmt::Write as _;

use crate::harden::Profile;

use super::policy::{self, CheckFn};

/// How bad a finding is. `Error` fails validation (exit 1), `Warn` is printed and passes
/// (fails under `--strict`), `Info` is shown only with `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warning",
            Severity::Error => "error",
        }
    }
}

/// The least strict profile a rule belongs to. Profiles nest: `none` ⊂ `baseline` ⊂
/// `restricted`, so `restricted` runs every rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// Schema and semantic checks: every profile, `none` included. An object that fails
    /// one is rejected by the API server (or cannot be read at all).
    Always,
    /// Policy rules of `baseline` and `restricted`.
    Baseline,
    /// Policy rules of `restricted` only.
    Restricted,
}

impl Applies {
    pub fn in_profile(self, profile: Profile) -> bool {
        match self {
            Applies::Always => true,
            Applies::Baseline => profile != Profile::None,
            Applies::Restricted => profile == Profile::Restricted,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Applies::Always => "every profile (`restricted`, `baseline`, `none`)",
            Applies::Baseline => "`restricted` and `baseline`",
            Applies::Restricted => "`restricted`",
        }
    }
}

/// Where a rule's findings come from.
#[derive(Clone, Copy)]
pub enum Check {
    /// Reading the documents: YAML syntax, duplicate keys, documents that are not objects.
    Parser,
    /// The strict JSON schema of the target version, or of a custom resource.
    Schema,
    /// The schema lookup itself: is the apiVersion/kind served, is a schema known.
    Lookup,
    /// Rows of the semantic tables (`semantic.rs`) that carry this rule id.
    Semantic,
    /// The waivers themselves (`berth.dev/waive` and policy waivers).
    Waivers,
    /// A policy check over one object, in the context of all the objects checked.
    Object(CheckFn),
}

/// One rule. See the module documentation.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub applies: Applies,
    /// Whether a waiver may name it. Rules whose failure the API server rejects anyway
    /// cannot be waived: a waiver would only hide the error until `kubectl apply`.
    pub waivable: bool,
    pub title: &'static str,
    /// What is checked, precisely.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
    /// A YAML fragment that passes.
    pub example: &'static str,
    pub check: Check,
}

impl Rule {
    /// The heading anchor of the rule in the book's rule reference.
    pub fn anchor(&self) -> String {
        self.id.to_ascii_lowercase()
    }

    /// Where the rule is documented, for SARIF `helpUri` and reports.
    pub fn help_uri(&self) -> String {
        format!("{BOOK_RULES_URL}#{}", self.anchor())
    }
}

/// The published rule reference (the book's `rules.md`).
pub const BOOK_RULES_URL: &str = "https://berth.dev/book/rules.html";

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Every rule, in the order reports and the book list them.
pub static RULES: &[Rule] = &[
    Rule {
        id: "SCHEMA-YAML",
        severity: Error,
        applies: Applies::Always,
        waivable: false,
        title: "Well-formed YAML, one object per document",
        what: "Every document parses as YAML (or JSON) and is a mapping. Duplicate keys are errors, \
               wherever they are. Empty and `null` documents are skipped, as kubectl skips them.",
        why: "Most YAML readers keep the last of two duplicate keys without a word, so the value that \
              reaches the cluster may not be the one the author reviewed (`replicas: 1` then \
              `replicas: 3`). A document that is a list or a scalar is not a Kubernetes object.",
        fix: "Fix the YAML at the place shown: remove the duplicate key, or fix the indentation.",
        example: "spec:\n  replicas: 3   # once",
        check: Check::Parser,
    },
    Rule {
        id: "SCHEMA-STRICT",
        severity: Error,
        applies: Applies::Always,
        waivable: false,
        title: "Strict schema of the target Kubernetes version",
        what: "The object matches the strict JSON schema of its kind for `--kube-version`: types, \
               required fields, and no unknown fields (a misspelled field is an error, not silently \
               dropped). Custom resources are checked against their CRD's `openAPIV3Schema` \
               (`--crd`, or a CRD among the checked objects) or a schema from `--schema-dir`.",
        why: "The API server rejects wrong types and missing required fields, and with strict field \
              validation (kubectl's default) unknown fields too. A typo such as `imagePullPolcy` \
              would otherwise drop the setting it was meant to make.",
        fix: "Correct the field named in the message: its type, its spelling, or add the missing \
              required field.",
        example: "containers:\n  - name: web\n    image: nginx:1.27\n    imagePullPolicy: Always",
        check: Check::Schema,
    },
    Rule {
        id: "SCHEMA-APIVERSION",
        severity: Error,
        applies: Applies::Always,
        waivable: false,
        title: "API version served by the target version",
        what: "The `apiVersion` of a known kind is served by the target Kubernetes version. Removed \
               APIs (`extensions/v1beta1`, `apps/v1beta2`, `policy/v1beta1`, `batch/v1beta1`, \
               `autoscaling/v2beta2`, ...) are named with their replacement. For custom resources, \
               the version must be one the CRD serves.",
        why: "An object of a removed API version cannot be applied at all: the cluster answers \
              `no matches for kind`.",
        fix: "Use the replacement API version named in the message, and check the fields that \
              changed between the versions.",
        example: "apiVersion: policy/v1\nkind: PodDisruptionBudget",
        check: Check::Lookup,
    },
    Rule {
        id: "SCHEMA-KIND",
        severity: Warn,
        applies: Applies::Always,
        waivable: true,
        title: "A schema is known for the kind",
        what: "Every object has a schema: a built-in kind of the target version, a CRD given with \
               `--crd` or present among the checked objects, or a schema in `--schema-dir`. A kind \
               without a schema is a warning (an error under `--strict`); a kind unknown in a \
               built-in API group (`apps/v1 Deploymnet`) is an error.",
        why: "An object berth has no schema for is not checked at all; saying so is better than a \
              silent pass.",
        fix: "Pass the CustomResourceDefinition with `--crd FILE_OR_DIR`, or a JSON schema with \
              `--schema-dir DIR`; check the spelling of `kind`.",
        example: "berth validate --crd crds/ manifests/",
        check: Check::Lookup,
    },
    Rule {
        id: "SCHEMA-FORMATS",
        severity: Error,
        applies: Applies::Always,
        waivable: false,
        title: "Quantities, enums and restart policies",
        what: "Resource quantities parse (`256Mi`, `100m`, not `100 megs`); enumerated fields hold \
               one of their values (Service `type`, `imagePullPolicy`, `protocol`, `policyTypes`, \
               `whenUnsatisfiable`, seccomp `type`, `pathType`, ...); Job and CronJob pods set \
               `restartPolicy: Never` or `OnFailure`, workloads' pods `Always`; a Secret's `data` and a \
               ConfigMap's `binaryData` hold base64 (the message never quotes the value).",
        why: "The schemas derived from OpenAPI carry no enums and accept any string as a quantity, \
              so `type: loadBalancer` or `memory: 100 megs` pass schema validation and fail at \
              apply time.",
        fix: "Use a value from the list in the message, or a quantity such as `512Mi`, `1Gi`, \
              `250m`; encode Secret `data` with `base64 -w0`, or give the text under `stringData`.",
        example: "resources:\n  limits: {memory: 256Mi}",
        check: Check::Semantic,
    },
    Rule {
        id: "SCHEMA-NAMES",
        severity: Error,
        applies: Applies::Always,
        waivable: false,
        title: "Names, labels and port names",
        what: "Object names are DNS-1123 subdomains (Services and Namespaces: labels of at most 63 \
               characters, Services starting with a letter); label and annotation keys and label \
               values follow the label syntax; container port names are IANA service names of at \
               most 15 characters; container names and port names are unique; no two objects \
               share kind, namespace and name.",
        why: "The API server rejects every one of these, and the schemas cannot express them.",
        fix: "Rename as the message says: lowercase letters, digits and `-`; at most 15 \
              characters for a port name.",
        example: "ports:\n  - name: http-metrics   # <= 15 characters\n    containerPort: 9090",
        check: Check::Semantic,
    },
    Rule {
        id: "XREF-SELECTOR",
        severity: Error,
        applies: Applies::Always,
        waivable: true,
        title: "Selectors match",
        what: "A workload's selector matches its own pod template's labels; Service, \
               PodDisruptionBudget and NetworkPolicy selectors select a pod template among the \
               checked objects, in their namespace; an HPA scales a workload among them.",
        why: "A Deployment whose selector misses its template is rejected; a Service or PDB that \
              selects nothing silently does nothing.",
        fix: "Make the selector and the pod template's labels agree (one label such as \
              `app.kubernetes.io/name` on both). If the target is deployed by something else, \
              waive the rule on the object.",
        example: "selector:\n  matchLabels: {app.kubernetes.io/name: web}\ntemplate:\n  metadata:\n    labels: {app.kubernetes.io/name: web}",
        check: Check::Semantic,
    },
    Rule {
        id: "XREF-PORTS",
        severity: Error,
        applies: Applies::Always,
        waivable: true,
        title: "Ports referred to exist",
        what: "A Service's `targetPort` is a container port of the pods it selects; probe ports \
               named by name exist in their container; NetworkPolicy port names exist in the pods \
               it selects; an Ingress backend port exists on its Service.",
        why: "A Service pointing at a port no container declares sends traffic nowhere; a probe on \
              a missing named port fails and restarts the pod.",
        fix: "Refer to the container port by the name it declares (`targetPort: http`), or \
              declare the port on the container.",
        example: "ports:\n  - {name: http, port: 80, targetPort: http}",
        check: Check::Semantic,
    },
    Rule {
        id: "XREF-REFS",
        severity: Warn,
        applies: Applies::Always,
        waivable: true,
        title: "Referenced objects exist",
        what: "The ServiceAccount, ConfigMaps, Secrets and PersistentVolumeClaims a pod refers to \
               (volumes, `env`, `envFrom`, `imagePullSecrets`, `serviceAccountName`) are among the \
               checked objects, unless the reference is `optional: true`.",
        why: "A pod that refers to a missing ConfigMap or claim stays in `ContainerCreating` or \
              `Pending`.",
        fix: "Add the referenced object to the manifests, or mark the reference `optional: true`; \
              if it is created elsewhere (an external claim, a Secret from a vault operator), \
              waive the rule on the workload with that reason.",
        example: "envFrom:\n  - configMapRef: {name: web-env}\n# and a ConfigMap named web-env",
        check: Check::Object(policy::refs::references),
    },
    Rule {
        id: "PSS-BASELINE",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "Pod Security Standards: baseline",
        what: "Every control of the baseline level, field by field, for the target version: no \
               Windows HostProcess; no host network, PID or IPC namespace; no privileged \
               containers; added capabilities only from the baseline list; no hostPath volumes; \
               no host ports; no `host` in probes and lifecycle hooks (1.34 and later); AppArmor \
               `RuntimeDefault` or `Localhost`; SELinux type only `container_t`, \
               `container_init_t`, `container_kvm_t` or `container_engine_t`, no user or role; \
               default `procMount`; seccomp never `Unconfined`; only the safe sysctls. Every \
               container counts: `containers`, `initContainers` and `ephemeralContainers`.",
        why: "These settings let a pod escape to its node. A namespace that enforces `baseline` \
              (or `restricted`) rejects such pods at admission.",
        fix: "Remove the setting named in the message. If the workload truly needs it (a node \
              agent), waive the rule with the reason, and run it in a namespace labelled \
              `privileged`.",
        example: "securityContext:\n  privileged: false",
        check: Check::Object(policy::pss::baseline),
    },
    Rule {
        id: "PSS-RESTRICTED",
        severity: Error,
        applies: Applies::Restricted,
        waivable: true,
        title: "Pod Security Standards: restricted",
        what: "Every control the restricted level adds, field by field: only `configMap`, `csi`, \
               `downwardAPI`, `emptyDir`, `ephemeral`, `persistentVolumeClaim`, `projected` and \
               `secret` volumes; `allowPrivilegeEscalation: false` on every container; \
               `runAsNonRoot: true` (on the pod, or on every container) and never `runAsUser: 0`; \
               seccomp `RuntimeDefault` or `Localhost` set on the pod or on every container; \
               capabilities drop `ALL` and add at most `NET_BIND_SERVICE`. The Linux-only \
               controls are skipped for pods with `spec.os.name: windows`.",
        why: "Restricted is the current hardening best practice for pods; a namespace that \
              enforces it rejects pods that miss any control.",
        fix: "Set the field named in the message (berth's hardening sets all of them). An image \
              that must run as root needs `--profile baseline` or a waiver with the reason.",
        example: "securityContext:\n  runAsNonRoot: true\n  allowPrivilegeEscalation: false\n  capabilities: {drop: [ALL]}\n  seccompProfile: {type: RuntimeDefault}",
        check: Check::Object(policy::pss::restricted),
    },
    Rule {
        id: "SEC-READONLY-FS",
        severity: Warn,
        applies: Applies::Restricted,
        waivable: true,
        title: "Read-only root filesystem",
        what: "Every container (and init container) sets `readOnlyRootFilesystem: true`.",
        why: "An attacker who gets code execution cannot change the image's binaries or drop \
              tools; writes go to volumes you chose.",
        fix: "Set `readOnlyRootFilesystem: true` and mount an `emptyDir` where the process writes \
              (`/tmp`, caches).",
        example: "securityContext:\n  readOnlyRootFilesystem: true\nvolumeMounts:\n  - {name: tmp, mountPath: /tmp}",
        check: Check::Object(policy::security::read_only_root),
    },
    Rule {
        id: "SEC-HIGH-UID",
        severity: Warn,
        applies: Applies::Restricted,
        waivable: true,
        title: "Numeric user and group of 10000 or more",
        what: "Every container runs with a numeric `runAsUser` and `runAsGroup` of at least 10000, \
               set on the container or inherited from the pod. Pods with `hostUsers: false` (user \
               namespaces) pass.",
        why: "A UID below 10000 may exist on the node (system users); if the container escapes, it \
              acts as that user. A numeric UID also lets the kubelet verify `runAsNonRoot` for \
              images whose user is a name.",
        fix: "Set `runAsUser` and `runAsGroup` to 10000 or more (berth uses 10001).",
        example: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001",
        check: Check::Object(policy::security::high_uid),
    },
    Rule {
        id: "SEC-SA-TOKEN",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Own ServiceAccount, no automounted token",
        what: "Every pod names a ServiceAccount other than `default`, and does not mount an API \
               token: `automountServiceAccountToken: false` on the pod, or on its ServiceAccount \
               when the pod leaves it unset.",
        why: "Most applications never call the Kubernetes API; a mounted token is a credential \
              an attacker can use. The `default` account is shared by everything in the \
              namespace.",
        fix: "Give the workload its own ServiceAccount and set `automountServiceAccountToken: \
              false`; waive the rule for controllers that call the API.",
        example: "serviceAccountName: web\nautomountServiceAccountToken: false",
        check: Check::Object(policy::security::service_account),
    },
    Rule {
        id: "SEC-SECRET-ENV",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Secrets as files, not environment variables",
        what: "No container reads a Secret into environment variables (`env[].valueFrom.secretKeyRef`, \
               `envFrom[].secretRef`).",
        why: "Environment variables leak: into crash reports, child processes, `/proc`, and \
              debugging output. Files can be permission-restricted and are updated on rotation.",
        fix: "Mount the Secret as a volume and read the file (compose `secrets:` already does: \
              `/run/secrets/<name>`).",
        example: "volumes:\n  - name: db-password\n    secret: {secretName: db-password}",
        check: Check::Object(policy::security::secret_env),
    },
    Rule {
        id: "SEC-NAMESPACE",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "A namespace of its own, with Pod Security labels",
        what: "Namespaced objects are not in `default` (an object without a namespace is reported \
               as info); a Namespace object carries `pod-security.kubernetes.io/enforce` and an \
               `enforce-version` pinned to a version (not `latest`).",
        why: "The `default` namespace is shared and usually unlabelled, so nothing enforces Pod \
              Security there. A pinned version keeps a cluster upgrade from suddenly rejecting \
              pods.",
        fix: "Set `metadata.namespace`, and label the Namespace with \
              `pod-security.kubernetes.io/enforce: restricted` and \
              `pod-security.kubernetes.io/enforce-version: v1.35` (your target version).",
        example: "metadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: v1.35",
        check: Check::Object(policy::meta::namespace),
    },
    Rule {
        id: "NET-COVERAGE",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "Every pod is covered by NetworkPolicies",
        what: "Every pod template is selected by NetworkPolicies of its namespace that cover both \
               `Ingress` and `Egress` (a namespace-wide default deny counts). A policy of its own \
               (a non-empty `podSelector` that selects it) is expected too; its absence is a \
               warning.",
        why: "Without a policy a pod accepts connections from, and connects to, anything in the \
              cluster: one compromised pod reaches every other.",
        fix: "Add a default-deny NetworkPolicy for the namespace (empty `podSelector`, both policy \
              types) and one policy per workload that allows exactly the traffic it needs.",
        example: "kind: NetworkPolicy\nmetadata: {name: default-deny-all}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]",
        check: Check::Object(policy::network::coverage),
    },
    Rule {
        id: "NET-DNS",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "DNS allowed where egress is restricted",
        what: "A pod whose egress NetworkPolicies restrict traffic may still reach DNS: some egress \
               rule of a policy that selects it allows UDP port 53 (or all ports to all \
               destinations).",
        why: "Restricting egress without DNS makes every name lookup time out, which looks like a \
              network outage.",
        fix: "Add an egress rule to port 53 (UDP and TCP) of the cluster DNS pods (`k8s-app: \
              kube-dns` in `kube-system`).",
        example: "egress:\n  - to:\n      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n        podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports:\n      - {protocol: UDP, port: 53}\n      - {protocol: TCP, port: 53}",
        check: Check::Object(policy::network::dns),
    },
    Rule {
        id: "NET-TARGETS",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "NetworkPolicy peers select something",
        what: "Every `podSelector` peer of a NetworkPolicy's ingress and egress rules (without a \
               `namespaceSelector`, so in the policy's own namespace) selects a pod template among \
               the checked objects.",
        why: "A peer selector that matches nothing allows nothing: the traffic it was written for \
              is denied, usually because a label was renamed.",
        fix: "Correct the peer's labels, or remove the rule.",
        example: "ingress:\n  - from:\n      - podSelector: {matchLabels: {app.kubernetes.io/name: frontend}}",
        check: Check::Object(policy::network::targets),
    },
    Rule {
        id: "NET-NODEPORT",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "No NodePort or LoadBalancer unless asked",
        what: "Services are not of type `NodePort` or `LoadBalancer`.",
        why: "Both open the service on every node or to the internet, around any Ingress and its \
              TLS and authentication.",
        fix: "Use a ClusterIP Service behind an Ingress; if the exposure is intended, waive the \
              rule with the reason.",
        example: "spec:\n  type: ClusterIP",
        check: Check::Object(policy::network::node_port),
    },
    Rule {
        id: "REL-READINESS",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "Readiness probe behind a Service",
        what: "Every container of a pod that a Service selects has a `readinessProbe`.",
        why: "Without one, a pod receives traffic as soon as its process starts, before it can \
              answer, and keeps receiving it while it is broken.",
        fix: "Add a readiness probe on the port the Service targets (an HTTP endpoint, or \
              `tcpSocket` on the named port).",
        example: "readinessProbe:\n  httpGet: {path: /ready, port: http}\n  periodSeconds: 5",
        check: Check::Object(policy::probes::readiness),
    },
    Rule {
        id: "REL-LIVENESS",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Liveness probe, different from readiness",
        what: "Every container of a long-running pod (Deployment, StatefulSet, DaemonSet, \
               ReplicaSet, Pod) has a `livenessProbe`, and it is not identical to its \
               `readinessProbe`.",
        why: "A liveness probe restarts a hung process. Identical probes restart pods that are \
              merely busy or waiting for a dependency, which turns a slowdown into an outage.",
        fix: "Add a cheap, local liveness check with a higher `failureThreshold` than readiness. \
              For a worker with no health endpoint, waive the rule: a guessed probe restarts \
              healthy pods.",
        example: "livenessProbe:\n  httpGet: {path: /healthz, port: http}\n  periodSeconds: 10\n  failureThreshold: 6",
        check: Check::Object(policy::probes::liveness),
    },
    Rule {
        id: "REL-STARTUP",
        severity: Info,
        applies: Applies::Baseline,
        waivable: true,
        title: "Startup probe for slow starters",
        what: "A container whose liveness or readiness probe waits 30 seconds or more \
               (`initialDelaySeconds`) has a `startupProbe` instead.",
        why: "A long initial delay slows every restart and still kills a start that takes longer; \
              a startup probe allows a long start and checks often afterwards.",
        fix: "Replace `initialDelaySeconds` by a startup probe with `failureThreshold × \
              periodSeconds` above the slowest start.",
        example: "startupProbe:\n  httpGet: {path: /healthz, port: http}\n  periodSeconds: 5\n  failureThreshold: 24",
        check: Check::Object(policy::probes::startup),
    },
    Rule {
        id: "REL-REPLICAS",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Two replicas behind a Service, none fixed under an HPA",
        what: "A Deployment that a Service selects runs at least 2 replicas; a workload that a \
               HorizontalPodAutoscaler scales sets no `replicas`.",
        why: "One replica means downtime at every rollout, node drain and crash. A static replica \
              count under an HPA resets the scale at every apply.",
        fix: "Set `replicas: 2` or more, or remove `replicas` when an HPA manages the workload. A \
              single writer of a ReadWriteOnce volume must stay at one: waive the rule.",
        example: "spec:\n  replicas: 2",
        check: Check::Object(policy::workload::replicas),
    },
    Rule {
        id: "REL-PDB",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "PodDisruptionBudgets that allow evictions",
        what: "A PodDisruptionBudget must be able to allow an eviction: not `maxUnavailable: 0`, \
               not `minAvailable: 100%`, not a `minAvailable` at or above the replicas of what it \
               selects (error). It should set `unhealthyPodEvictionPolicy: AlwaysAllow`, and a \
               `minAvailable` whose workloads are not among the checked objects is reported \
               (warnings). A Deployment or StatefulSet with 2 or more replicas (or an HPA) should \
               be covered by a PDB (warning).",
        why: "A PDB that never allows an eviction blocks `kubectl drain` and every node upgrade \
              forever. Without a PDB, a drain may evict all replicas at once.",
        fix: "Use `maxUnavailable: 1` and `unhealthyPodEvictionPolicy: AlwaysAllow`; use \
              `minAvailable` only as a quorum below the replica count.",
        example: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: AlwaysAllow",
        check: Check::Object(policy::workload::disruption),
    },
    Rule {
        id: "REL-SPREAD",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Replicas spread over hosts and zones",
        what: "A Deployment or StatefulSet with 2 or more replicas (or an HPA) has a pod \
               anti-affinity on `kubernetes.io/hostname` (preferred or required) and \
               `topologySpreadConstraints`.",
        why: "Replicas on the same node or zone go down together. The linters disagree on the \
              mechanism (kube-score and kube-linter want anti-affinity, Polaris spread \
              constraints), so both are expected.",
        fix: "Add a preferred pod anti-affinity on the hostname and a zone spread with \
              `whenUnsatisfiable: ScheduleAnyway`.",
        example: "topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: topology.kubernetes.io/zone\n    whenUnsatisfiable: ScheduleAnyway\n    labelSelector: {matchLabels: {app.kubernetes.io/name: web}}",
        check: Check::Object(policy::workload::spread),
    },
    Rule {
        id: "REL-ROLLING",
        severity: Info,
        applies: Applies::Baseline,
        waivable: true,
        title: "Rolling updates without lost capacity",
        what: "A Deployment uses the `RollingUpdate` strategy with `maxUnavailable: 0`.",
        why: "New pods start before old ones stop, so a rollout never lowers capacity.",
        fix: "Set `strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: \
              1}}`. `Recreate` is right for a single writer of a volume.",
        example: "strategy:\n  type: RollingUpdate\n  rollingUpdate: {maxUnavailable: 0, maxSurge: 1}",
        check: Check::Object(policy::workload::rolling),
    },
    Rule {
        id: "REL-HPA",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Autoscalers keep two replicas",
        what: "A HorizontalPodAutoscaler sets `minReplicas` of at least 2 (the default is 1), and \
               `maxReplicas` above `minReplicas`.",
        why: "An autoscaler allowed down to one replica brings back the single point of failure \
              at quiet hours; one with equal bounds does not scale.",
        fix: "Set `minReplicas: 2` and a higher `maxReplicas`.",
        example: "spec:\n  minReplicas: 2\n  maxReplicas: 10",
        check: Check::Object(policy::workload::autoscaler),
    },
    Rule {
        id: "RES-REQUESTS",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "CPU and memory requests",
        what: "Every container and init container requests `cpu` and `memory`.",
        why: "The scheduler places pods by their requests; without them, a node is overcommitted \
              and its pods are the first evicted under pressure (`BestEffort`).",
        fix: "Set `resources.requests.cpu` and `resources.requests.memory` (compose \
              `deploy.resources.reservations`).",
        example: "resources:\n  requests: {cpu: 100m, memory: 256Mi}",
        check: Check::Object(policy::resources::requests),
    },
    Rule {
        id: "RES-MEM-LIMIT",
        severity: Error,
        applies: Applies::Baseline,
        waivable: true,
        title: "Memory limit",
        what: "Every container and init container sets a `memory` limit.",
        why: "A leaking process without a limit takes the node's memory and gets other pods \
              killed; with one, only it is restarted.",
        fix: "Set `resources.limits.memory`, usually equal to the request.",
        example: "resources:\n  limits: {memory: 256Mi}",
        check: Check::Object(policy::resources::memory_limit),
    },
    Rule {
        id: "RES-CPU-LIMIT",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "CPU limit",
        what: "Every container and init container sets a `cpu` limit.",
        why: "A busy loop without a limit slows every neighbour on the node. Limits throttle, so \
              keep them generous (berth uses 10× the request).",
        fix: "Set `resources.limits.cpu`; for latency-sensitive services that must not be \
              throttled, waive the rule with the reason.",
        example: "resources:\n  limits: {cpu: \"1\"}",
        check: Check::Object(policy::resources::cpu_limit),
    },
    Rule {
        id: "RES-EPHEMERAL",
        severity: Info,
        applies: Applies::Baseline,
        waivable: true,
        title: "Ephemeral storage request and limit",
        what: "Every container and init container requests and limits `ephemeral-storage`.",
        why: "Logs and writable layers fill the node's disk; the kubelet then evicts pods at \
              random. A limit evicts the culprit.",
        fix: "Set `resources.requests.ephemeral-storage` and `resources.limits.ephemeral-storage`.",
        example: "resources:\n  requests: {ephemeral-storage: 64Mi}\n  limits: {ephemeral-storage: 256Mi}",
        check: Check::Object(policy::resources::ephemeral),
    },
    Rule {
        id: "IMG-TAG",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Explicit image tag, not latest",
        what: "Every image names a tag other than `latest`, or a digest.",
        why: "`latest` and untagged images change under you: two pods of one Deployment may run \
              different code, and a rollback rolls back nothing. berth cannot pin a tag offline, \
              so this is a warning (an error under `--strict`), not an error.",
        fix: "Pin the tag (`nginx:1.27.3`) or the digest (`nginx@sha256:...`).",
        example: "image: registry.example.com/shop/web:1.4.2",
        check: Check::Object(policy::images::tag),
    },
    Rule {
        id: "IMG-PULL",
        severity: Warn,
        applies: Applies::Baseline,
        waivable: true,
        title: "Pull policy Always",
        what: "Every container sets `imagePullPolicy: Always`, or `IfNotPresent` with an image \
               pinned by digest.",
        why: "With `IfNotPresent` a node runs whatever image it cached under the tag, and pods \
              skip the registry's authorization check for private images.",
        fix: "Set `imagePullPolicy: Always` (registries answer an unchanged image cheaply), or pin \
              the digest.",
        example: "imagePullPolicy: Always",
        check: Check::Object(policy::images::pull_policy),
    },
    Rule {
        id: "IMG-DIGEST",
        severity: Info,
        applies: Applies::Baseline,
        waivable: true,
        title: "Image pinned by digest",
        what: "Every image is pinned by digest (`@sha256:...`).",
        why: "Only a digest names exactly one image; a tag can be pushed again.",
        fix: "Append the digest your registry reports: `image: nginx:1.27@sha256:...`.",
        example: "image: nginx:1.27@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        check: Check::Object(policy::images::digest),
    },
    Rule {
        id: "META-LABELS",
        severity: Info,
        applies: Applies::Baseline,
        waivable: true,
        title: "Recommended labels",
        what: "Workloads carry the recommended labels `app.kubernetes.io/name`, `instance`, \
               `version`, `component`, `part-of` and `managed-by`.",
        why: "Tools (dashboards, cost reports, `kubectl get -l`) group objects by these labels.",
        fix: "Add the missing labels to the workload's metadata.",
        example: "labels:\n  app.kubernetes.io/name: web\n  app.kubernetes.io/instance: shop\n  app.kubernetes.io/version: 1.4.2\n  app.kubernetes.io/component: frontend\n  app.kubernetes.io/part-of: shop\n  app.kubernetes.io/managed-by: berth",
        check: Check::Object(policy::meta::labels),
    },
    Rule {
        id: "POLICY-WAIVER",
        severity: Error,
        applies: Applies::Always,
        waivable: false,
        title: "Waivers are well-formed",
        what: "Every waiver (`berth.dev/waive: \"RULE-ID=reason; ...\"` on an object, or an entry of \
               an overlay's `policy.waivers`) names a known rule that may be waived, and gives a \
               reason.",
        why: "A waiver is a recorded decision. Without a reason nobody can review it later; with a \
              misspelled rule id it silently waives nothing.",
        fix: "Write `RULE-ID=reason`, with a rule id from this reference; separate entries with \
              `;`.",
        example: "metadata:\n  annotations:\n    berth.dev/waive: \"REL-LIVENESS=worker without a health endpoint\"",
        check: Check::Waivers,
    },
];

use Severity::{Error, Info, Warn};

/// The book's rule reference, generated from the table (see `book/src/rules.md`).
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "# Rule reference\n\n\
         <!-- Generated from src/validate/rules.rs by the test `the_book_rule_reference_is_generated_from_the_table`. \
         Do not edit: change the table and run the tests with BERTH_BLESS=1. -->\n\n\
         Every finding of `berth validate` and `berth render` names one of these rules. The \
         severity says what a finding does: an **error** fails (exit 1), a **warning** is \
         printed and passes (it fails under `--strict`), **info** is shown only with \
         `--verbose`. Each rule belongs to the profiles listed; `--profile none` keeps only the \
         schema and semantic rules.\n\n\
         A waiver relaxes one rule for one object, with a reason: the annotation \
         `berth.dev/waive: \"RULE-ID=reason; RULE-ID=reason\"` on the object. Rules the API \
         server enforces anyway cannot be waived.\n\n",
    );
    out.push_str("| rule | severity | profiles | checks |\n|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            r.id,
            r.anchor(),
            r.severity.as_str(),
            short_profiles(r.applies),
            r.title
        );
    }
    for r in RULES {
        let _ = write!(
            out,
            "\n## {id}\n\n**{title}.** Severity: {sev}. Profiles: {profiles}. Waivable: {waivable}.\n\n\
             **What.** {what}\n\n**Why.** {why}\n\n**How to fix.** {fix}\n\n**Example** (passes):\n\n```yaml\n{example}\n```\n",
            id = r.id,
            title = r.title,
            sev = r.severity.as_str(),
            profiles = r.applies.describe(),
            waivable = if r.waivable { "yes" } else { "no" },
            what = r.what,
            why = r.why,
            fix = r.fix,
            example = r.example,
        );
    }
    out
}

fn short_profiles(a: Applies) -> &'static str {
    match a {
        Applies::Always => "all",
        Applies::Baseline => "baseline, restricted",
        Applies::Restricted => "restricted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
        assert!(RULES.len() >= 35, "{}", RULES.len());
        for r in RULES {
            assert!(r.id.bytes().all(|b| b.is_ascii_uppercase() || b == b'-'), "{}", r.id);
            for text in [r.title, r.what, r.why, r.fix, r.example] {
                assert!(!text.trim().is_empty(), "{}", r.id);
            }
            assert!(!r.what.contains("  "), "{}: double space in what", r.id);
        }
    }

    #[test]
    fn the_ids_harden_and_convert_write_exist() {
        for id in [
            "PSS-BASELINE",
            "PSS-RESTRICTED",
            "SEC-SA-TOKEN",
            "SEC-HIGH-UID",
            "SEC-READONLY-FS",
            "SEC-NAMESPACE",
            "REL-REPLICAS",
            "REL-LIVENESS",
            "REL-READINESS",
            "REL-SPREAD",
            "REL-PDB",
            "REL-ROLLING",
            "RES-REQUESTS",
            "RES-EPHEMERAL",
            "RES-MEM-LIMIT",
            "RES-CPU-LIMIT",
            "IMG-PULL",
        ] {
            assert!(rule(id).is_some_and(|r| r.waivable), "{id}");
        }
    }

    #[test]
    fn profiles_nest() {
        for r in RULES {
            if r.applies.in_profile(Profile::None) {
                assert!(r.applies.in_profile(Profile::Baseline), "{}", r.id);
            }
            if r.applies.in_profile(Profile::Baseline) {
                assert!(r.applies.in_profile(Profile::Restricted), "{}", r.id);
            }
        }
    }
}
