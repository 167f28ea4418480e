//! NetworkPolicy coverage: every pod isolated in both directions, DNS reachable where
//! egress is restricted, policy peers that select something, and no node-wide exposure.

use serde_json::Value;

use super::super::rules::Severity;
use super::super::semantic;
use super::{Facts, Sink, Subject};
use crate::validate::ident;

/// Which directions a NetworkPolicy spec covers: `policyTypes` when given, else Ingress,
/// plus Egress when it has egress rules (the API server's defaulting).
pub fn policy_types(spec: &Value) -> (bool, bool) {
    match spec.get("policyTypes").and_then(Value::as_array) {
        Some(types) => (
            types.iter().any(|t| t == "Ingress"),
            types.iter().any(|t| t == "Egress"),
        ),
        None => (true, spec.get("egress").is_some_and(|e| !e.is_null())),
    }
}

/// Whether some egress rule of a policy spec lets DNS (UDP 53) out.
pub fn allows_dns(spec: &Value) -> bool {
    let rules = spec.get("egress").and_then(Value::as_array);
    rules.into_iter().flatten().any(|rule| {
        let ports = rule.get("ports").and_then(Value::as_array).filter(|p| !p.is_empty());
        let anywhere = rule.get("to").and_then(Value::as_array).is_none_or(|to| to.is_empty());
        match ports {
            None => anywhere,
            Some(ports) => ports.iter().any(dns_port),
        }
    })
}

/// Whether one NetworkPolicyPort admits UDP 53 (protocol defaults to TCP).
fn dns_port(port: &Value) -> bool {
    if port.get("protocol").and_then(Value::as_str) != Some("UDP") {
        return false;
    }
    match port.get("port") {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => {
            let start = n.as_i64().unwrap_or(0);
            let end = port.get("endPort").and_then(Value::as_i64).unwrap_or(start);
            (start..=end).contains(&53)
        }
        Some(Value::String(name)) => name == "dns" || name == "dns-udp",
        Some(_) => false,
    }
}

/// NET-COVERAGE: the pod template is isolated for ingress and egress, by a policy of its own.
pub fn coverage(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    let f = facts.pod(s.index);
    let missing: Vec<&str> = [("Ingress", f.ingress), ("Egress", f.egress)]
        .into_iter()
        .filter(|(_, covered)| !covered)
        .map(|(t, _)| t)
        .collect();
    let at = format!("{}/metadata/labels", pod.base);
    if !missing.is_empty() {
        sink.push(
            at,
            format!(
                "no NetworkPolicy in namespace {:?} covers {} for these pods; they accept and open any connection",
                ident::namespace(s.object),
                missing.join(" and ")
            ),
        );
    } else if !f.own_policy {
        sink.push_as(
            Severity::Warn,
            at,
            "only namespace-wide NetworkPolicies select these pods; add one of their own that allows the traffic they need",
        );
    }
}

/// NET-DNS: pods whose egress is restricted may still resolve names.
pub fn dns(facts: &Facts, s: &Subject, sink: &mut Sink) {
    let Some(pod) = &s.pod else { return };
    let f = facts.pod(s.index);
    if f.egress && !f.dns {
        sink.push(
            format!("{}/metadata/labels", pod.base),
            "NetworkPolicies restrict these pods' egress but none allows DNS (UDP port 53); every name lookup will time out",
        );
    }
}

/// NET-TARGETS: podSelector peers of a NetworkPolicy select a pod among the objects.
pub fn targets(facts: &Facts, s: &Subject, sink: &mut Sink) {
    if s.kind() != "NetworkPolicy" {
        return;
    }
    for direction in ["ingress", "egress"] {
        let peers_key = if direction == "ingress" { "from" } else { "to" };
        let rules = s
            .object
            .value
            .pointer(&format!("/spec/{direction}"))
            .and_then(Value::as_array);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            let peers = rule.get(peers_key).and_then(Value::as_array);
            for (j, peer) in peers.into_iter().flatten().enumerate() {
                let Some(selector) = peer.get("podSelector") else {
                    continue;
                };
                if peer.get("namespaceSelector").is_some() || semantic::is_empty_selector(selector) {
                    continue;
                }
                if facts.selected(ident::namespace(s.object), selector).is_empty() {
                    sink.push(
                        format!("/spec/{direction}/{i}/{peers_key}/{j}/podSelector"),
                        format!(
                            "selects no pod template among the checked objects in namespace {:?}, so this rule allows nothing",
                            ident::namespace(s.object)
                        ),
                    );
                }
            }
        }
    }
}

/// NET-NODEPORT: no Service opened on every node or to the internet.
pub fn node_port(_: &Facts, s: &Subject, sink: &mut Sink) {
    if s.kind() != "Service" {
        return;
    }
    if let Some(t) = ident::at(&s.object.value, "/spec/type").and_then(Value::as_str)
        && (t == "NodePort" || t == "LoadBalancer")
    {
        sink.push(
            "/spec/type",
            format!("a {t} Service is reachable from outside the cluster, around any Ingress"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policy_types_default_as_the_api_server_does() {
        assert_eq!(policy_types(&json!({})), (true, false));
        assert_eq!(policy_types(&json!({"egress": []})), (true, true));
        assert_eq!(policy_types(&json!({"policyTypes": ["Egress"]})), (false, true));
    }

    #[test]
    fn dns_needs_udp_53_or_everything() {
        assert!(allows_dns(&json!({"egress": [{}]})));
        assert!(!allows_dns(
            &json!({"egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]})
        ));
        assert!(allows_dns(
            &json!({"egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]})
        ));
        assert!(!allows_dns(&json!({"egress": [{"ports": [{"port": 53}]}]})));
        assert!(allows_dns(
            &json!({"egress": [{"ports": [{"protocol": "UDP", "port": 1, "endPort": 100}]}]})
        ));
        assert!(allows_dns(&json!({"egress": [{"ports": [{"protocol": "UDP"}]}]})));
        assert!(!allows_dns(&json!({})));
    }
}
