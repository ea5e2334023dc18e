//! One line of the kube-apiserver's audit log (`audit.k8s.io/v1` Event,
//! JSON lines from `--audit-log-path`) as an [`Access`], when it is a
//! request on Secrets.
//!
//! Only the fields kvault reads are parsed, borrowed from the line (`Cow`:
//! escaped strings are copied); `requestObject`/`responseObject` are
//! skipped unread: their presence on a Secret event is all that matters
//! (the value is in the log). One request logs up to four stages; only the
//! last (`ResponseComplete`, or `Panic`) is counted, so a request counts
//! once — a watch still open when the log ends is not yet counted.

use super::{Access, Exec, Interner, Record, Source, SubjectKind, Target};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    #[serde(borrow, default)]
    level: Cow<'a, str>,
    #[serde(borrow, default)]
    stage: Cow<'a, str>,
    #[serde(borrow, default)]
    verb: Cow<'a, str>,
    #[serde(borrow, default)]
    user: User<'a>,
    #[serde(borrow, default)]
    impersonated_user: Option<User<'a>>,
    #[serde(borrow, default, rename = "sourceIPs")]
    source_ips: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    user_agent: Cow<'a, str>,
    #[serde(borrow, default)]
    object_ref: Option<ObjectRef<'a>>,
    #[serde(default)]
    response_status: Option<Status>,
    #[serde(borrow, default)]
    request_received_timestamp: Cow<'a, str>,
    #[serde(default)]
    request_object: Option<IgnoredAny>,
    #[serde(default)]
    response_object: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct User<'a> {
    #[serde(borrow, default)]
    username: Cow<'a, str>,
    #[serde(borrow, default)]
    groups: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectRef<'a> {
    #[serde(borrow, default)]
    resource: Cow<'a, str>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    api_group: Cow<'a, str>,
    #[serde(borrow, default)]
    subresource: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    code: u16,
}

/// Bytes every event kvault reads holds (a Secret event, an exec or
/// attach session): lines with none of them are skipped before JSON
/// parsing (most of a busy cluster's log).
pub const NEEDLES: &[&[u8]] = &[b"\"secrets\"", b"\"exec\"", b"\"attach\""];

/// Why a line was not an access: not JSON / not an event, or an event on
/// something else.
pub enum Skip {
    Malformed,
    Other,
}

/// What a line records: a final-stage event on Secrets, or an exec or
/// attach session into a pod (at its first stage past the request: a
/// session's `ResponseComplete` comes when it ends).
pub fn parse(line: &[u8], names: &mut Interner) -> Result<Record, Skip> {
    let event: Event<'_> = serde_json::from_slice(line).map_err(|_| Skip::Malformed)?;
    let Some(object) = &event.object_ref else {
        return Err(Skip::Other);
    };
    let core = object.api_group.is_empty() || object.api_group == "core";
    let session = matches!(object.subresource.as_deref(), Some("exec" | "attach"));
    if object.resource == "pods" && core && session {
        return exec(&event, object, names).map(Record::Exec);
    }
    if object.resource != "secrets" || !core || object.subresource.is_some() {
        return Err(Skip::Other);
    }
    if event.stage != "ResponseComplete" && event.stage != "Panic" {
        return Err(Skip::Other);
    }
    let time = super::micros(&event.request_received_timestamp).ok_or(Skip::Malformed)?;
    let target = match (&object.namespace, &object.name) {
        (Some(ns), Some(name)) if !ns.is_empty() && !name.is_empty() => Target::Secret {
            namespace: names.get(ns),
            name: names.get(name),
        },
        (Some(ns), _) if !ns.is_empty() => Target::Namespace(names.get(ns)),
        (_, Some(name)) if !name.is_empty() => Target::Secret {
            namespace: names.get(""),
            name: names.get(name),
        },
        _ => Target::AllNamespaces,
    };
    // Impersonation: the request acts as the impersonated user; who asked
    // for it is kept alongside.
    let (acting, impersonator) = match &event.impersonated_user {
        Some(as_user) => (as_user, Some(names.get(&event.user.username))),
        None => (&event.user, None),
    };
    let code = event.response_status.as_ref().map_or(0, |s| s.code);
    let body_logged = event.request_object.is_some()
        || event.response_object.is_some()
        || event.level == "RequestResponse"
        || (event.level == "Request" && writes(&event.verb));
    Ok(Record::Access(Access {
        source: Source::Kubernetes,
        target,
        subject: names.get(&acting.username),
        kind: kind_of(&acting.username, &acting.groups),
        impersonator,
        verb: names.get(&event.verb),
        denied: code == 401 || code == 403,
        time,
        source_ip: event.source_ips.first().map(|ip| names.get(ip)),
        user_agent: Some(&event.user_agent)
            .filter(|ua| !ua.is_empty())
            .map(|ua| names.get(ua)),
        body_logged,
    }))
}

/// An exec/attach event that opened a session (not refused).
fn exec(event: &Event<'_>, object: &ObjectRef<'_>, names: &mut Interner) -> Result<Exec, Skip> {
    if !matches!(&*event.stage, "ResponseStarted" | "ResponseComplete") {
        return Err(Skip::Other);
    }
    let code = event.response_status.as_ref().map_or(0, |s| s.code);
    if code >= 400 {
        return Err(Skip::Other);
    }
    let (Some(namespace), Some(pod)) = (&object.namespace, &object.name) else {
        return Err(Skip::Other);
    };
    let time = super::micros(&event.request_received_timestamp).ok_or(Skip::Malformed)?;
    Ok(Exec {
        namespace: names.get(namespace),
        pod: names.get(pod),
        user: names.get(&event.user.username),
        kind: kind_of(&event.user.username, &event.user.groups),
        time,
    })
}

/// Verbs whose request body is the Secret.
fn writes(verb: &str) -> bool {
    matches!(verb, "create" | "update" | "patch")
}

/// Service accounts of kube-system that are controllers of
/// kube-controller-manager (`--use-service-account-credentials`).
fn is_controller_account(name: &str) -> bool {
    name.ends_with("-controller")
        || matches!(
            name,
            "generic-garbage-collector"
                | "horizontal-pod-autoscaler"
                | "persistent-volume-binder"
                | "pvc-protection-controller"
                | "attachdetach-controller"
        )
}

/// Humans, service accounts, nodes and the control plane told apart by
/// the names and groups Kubernetes gives them.
pub fn kind_of(username: &str, groups: &[Cow<'_, str>]) -> SubjectKind {
    if let Some(rest) = username.strip_prefix("system:serviceaccount:") {
        return match rest.split_once(':') {
            Some(("kube-system", name)) if is_controller_account(name) => SubjectKind::ControlPlane,
            _ => SubjectKind::ServiceAccount,
        };
    }
    if username.starts_with("system:node:") || groups.iter().any(|g| g == "system:nodes") {
        return SubjectKind::Node;
    }
    match username {
        "system:kube-controller-manager"
        | "system:kube-scheduler"
        | "system:apiserver"
        | "kube-apiserver-kubelet-client" => SubjectKind::ControlPlane,
        "system:anonymous" => SubjectKind::Anonymous,
        _ => SubjectKind::Human,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(stage: &str, verb: &str, user: &str, ns: Option<&str>, name: Option<&str>) -> String {
        let mut object = serde_json::json!({"resource": "secrets", "apiVersion": "v1"});
        if let Some(ns) = ns {
            object["namespace"] = ns.into();
        }
        if let Some(name) = name {
            object["name"] = name.into();
        }
        serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": "x", "stage": stage, "verb": verb,
            "user": {"username": user, "groups": ["system:authenticated"]},
            "sourceIPs": ["10.0.0.7"], "userAgent": "kubectl/v1.34.0",
            "objectRef": object, "responseStatus": {"code": 200},
            "requestReceivedTimestamp": "2026-12-03T09:00:00.000001Z",
            "stageTimestamp": "2026-12-03T09:00:00.000100Z"
        })
        .to_string()
    }

    fn parsed(line: &str) -> Access {
        match parse(line.as_bytes(), &mut Interner::default()) {
            Ok(Record::Access(a)) => a,
            _ => panic!("not an access: {line}"),
        }
    }

    #[test]
    fn an_exec_session_is_recorded_when_it_opens_unless_refused() {
        let line = |stage: &str, code: u16| {
            event(stage, "create", "alice", Some("team-a"), Some("api-1"))
                .replace("\"secrets\"", "\"pods\"")
                .replace(
                    "\"apiVersion\":\"v1\"",
                    "\"apiVersion\":\"v1\",\"subresource\":\"exec\"",
                )
                .replace("\"code\":200", &format!("\"code\":{code}"))
        };
        match parse(
            line("ResponseStarted", 101).as_bytes(),
            &mut Interner::default(),
        ) {
            Ok(Record::Exec(e)) => assert_eq!(
                (&*e.namespace, &*e.pod, &*e.user),
                ("team-a", "api-1", "alice")
            ),
            _ => panic!("not an exec"),
        }
        assert!(matches!(
            parse(
                line("ResponseComplete", 403).as_bytes(),
                &mut Interner::default()
            ),
            Err(Skip::Other)
        ));
    }

    #[test]
    fn a_secret_read_is_counted_once_at_its_last_stage() {
        let done = event(
            "ResponseComplete",
            "get",
            "alice",
            Some("team-a"),
            Some("db"),
        );
        let access = parsed(&done);
        assert_eq!(
            access.target,
            Target::Secret {
                namespace: "team-a".into(),
                name: "db".into(),
            }
        );
        assert_eq!(
            (&*access.subject, access.kind),
            ("alice", SubjectKind::Human)
        );
        assert_eq!(access.source_ip.as_deref(), Some("10.0.0.7"));
        assert!(!access.denied && !access.body_logged);
        let started = event(
            "RequestReceived",
            "get",
            "alice",
            Some("team-a"),
            Some("db"),
        );
        assert!(matches!(
            parse(started.as_bytes(), &mut Interner::default()),
            Err(Skip::Other)
        ));
    }

    #[test]
    fn lists_are_namespace_or_cluster_wide_targets() {
        let ns = event("ResponseComplete", "list", "bob", Some("team-a"), None);
        assert_eq!(parsed(&ns).target, Target::Namespace("team-a".into()));
        let all = event("ResponseComplete", "watch", "bob", None, None);
        assert_eq!(parsed(&all).target, Target::AllNamespaces);
    }

    #[test]
    fn subjects_are_told_apart_by_their_kubernetes_names() {
        let none: Vec<Cow<'_, str>> = Vec::new();
        let nodes = vec![Cow::Borrowed("system:nodes")];
        let cases = [
            ("alice", &none, SubjectKind::Human),
            (
                "system:serviceaccount:team-a:app",
                &none,
                SubjectKind::ServiceAccount,
            ),
            (
                "system:serviceaccount:kube-system:namespace-controller",
                &none,
                SubjectKind::ControlPlane,
            ),
            (
                "system:serviceaccount:kube-system:my-addon",
                &none,
                SubjectKind::ServiceAccount,
            ),
            ("system:node:worker-1", &nodes, SubjectKind::Node),
            (
                "system:kube-controller-manager",
                &none,
                SubjectKind::ControlPlane,
            ),
            ("system:anonymous", &none, SubjectKind::Anonymous),
        ];
        for (user, groups, want) in cases {
            assert_eq!(kind_of(user, groups), want, "{user}");
        }
    }

    #[test]
    fn other_resources_and_broken_lines_are_skipped() {
        let pods = event("ResponseComplete", "get", "alice", Some("a"), Some("p"))
            .replace("\"secrets\"", "\"pods\"");
        assert!(matches!(
            parse(pods.as_bytes(), &mut Interner::default()),
            Err(Skip::Other)
        ));
        assert!(matches!(
            parse(b"{not json", &mut Interner::default()),
            Err(Skip::Malformed)
        ));
    }
}
