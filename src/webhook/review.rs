//! One AdmissionReview in, its answer out: pure, no I/O.

use crate::mutate::{mutate_pod_spec, pod::Annotations, Settings};
use base64::Engine as _;
use serde_json::{json, Value as Json};

/// What the webhook did with a review, for its metrics (a closed set, so
/// the label's cardinality stays bounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The Pod came back with a patch.
    Mutated,
    /// Allowed as it was: no references, opted out, injected already, or
    /// not a Pod creation.
    Unchanged,
    /// Refused: the Pod asks for kvault but cannot get it (a malformed
    /// reference, a container without a command), so it would start
    /// without its secrets.
    Denied,
}

/// A request that is not an AdmissionReview; the message never quotes the
/// body (a proxy may echo anything into it).
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("not an admission.k8s.io/v1 AdmissionReview: {0}")]
pub struct BadReview(pub &'static str);

/// Answer the AdmissionReview in `body`.
pub fn review(body: &[u8], settings: &Settings) -> Result<(Json, Outcome), BadReview> {
    let review: Json =
        serde_json::from_slice(body).map_err(|_| BadReview("the body is not JSON"))?;
    if review.get("apiVersion").and_then(Json::as_str) != Some("admission.k8s.io/v1")
        || review.get("kind").and_then(Json::as_str) != Some("AdmissionReview")
    {
        return Err(BadReview("apiVersion or kind is wrong"));
    }
    let request = review.get("request").ok_or(BadReview("no request"))?;
    let uid = request
        .get("uid")
        .and_then(Json::as_str)
        .ok_or(BadReview("request.uid is missing"))?;
    let is_pod_create = request.pointer("/kind/kind").and_then(Json::as_str) == Some("Pod")
        && request
            .pointer("/kind/group")
            .and_then(Json::as_str)
            .is_none_or(str::is_empty)
        && request.get("operation").and_then(Json::as_str) == Some("CREATE")
        && request.get("subResource").is_none_or(Json::is_null);
    let object = match request.get("object") {
        Some(object) if is_pod_create && object.is_object() => object,
        _ => return Ok((answer(uid, json!({})), Outcome::Unchanged)),
    };
    match mutated(object, settings) {
        Ok(None) => Ok((answer(uid, json!({})), Outcome::Unchanged)),
        Ok(Some(patch)) => {
            let patch = serde_json::to_vec(&patch).expect("a JSON patch serializes");
            let fields = json!({
                "patchType": "JSONPatch",
                "patch": base64::engine::general_purpose::STANDARD.encode(patch),
            });
            Ok((answer(uid, fields), Outcome::Mutated))
        }
        Err(message) => {
            let name = pod_name(object, request);
            let fields = json!({
                "allowed": false,
                "status": {
                    "code": 400,
                    "reason": "BadRequest",
                    "message": format!("kvault webhook: pod {name}: {message}"),
                },
            });
            Ok((answer(uid, fields), Outcome::Denied))
        }
    }
}

/// The JSON patch that injects `pod`, or `None` when it needs none.
fn mutated(pod: &Json, settings: &Settings) -> Result<Option<json_patch::Patch>, String> {
    // serde_yaml's Value is the mutation's currency (it keeps key order
    // for `kvault inject`); here the order does not matter, the patch does.
    let mut yaml: serde_yaml::Value =
        serde_json::from_value(pod.clone()).map_err(|e| format!("cannot read the pod: {e}"))?;
    let mut annotations = Annotations::new();
    if let Some(map) = pod
        .pointer("/metadata/annotations")
        .and_then(Json::as_object)
    {
        for (k, v) in map {
            if let Some(v) = v.as_str() {
                annotations.insert(k.clone(), v.to_string());
            }
        }
    }
    let Some(spec) = yaml
        .get_mut("spec")
        .and_then(serde_yaml::Value::as_mapping_mut)
    else {
        return Ok(None);
    };
    let changed = mutate_pod_spec(spec, &annotations, settings)
        .map_err(|e| e.to_string().replace('\n', "; "))?;
    if !changed {
        return Ok(None);
    }
    let after = serde_json::to_value(&yaml).map_err(|e| format!("cannot write the pod: {e}"))?;
    Ok(Some(json_patch::diff(pod, &after)))
}

fn answer(uid: &str, fields: Json) -> Json {
    let mut response = json!({ "uid": uid, "allowed": true });
    if let (Some(response), Json::Object(fields)) = (response.as_object_mut(), fields) {
        response.extend(fields);
    }
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": response,
    })
}

/// `shop/api-7d9c-*`: Pods made by a controller have only a generateName.
fn pod_name(pod: &Json, request: &Json) -> String {
    let namespace = request
        .get("namespace")
        .and_then(Json::as_str)
        .or_else(|| pod.pointer("/metadata/namespace").and_then(Json::as_str))
        .unwrap_or("default");
    let name = match pod.pointer("/metadata/name").and_then(Json::as_str) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => format!(
            "{}*",
            pod.pointer("/metadata/generateName")
                .and_then(Json::as_str)
                .unwrap_or("")
        ),
    };
    format!("{namespace}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review_of(pod: Json) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "shop",
                "operation": "CREATE",
                "object": pod,
            }
        }))
        .unwrap()
    }

    fn pod(env_value: &str, command: Option<&str>) -> Json {
        let mut container = json!({
            "name": "app", "image": "shop/app:1",
            "env": [{"name": "DB_PASSWORD", "value": env_value}],
        });
        if let Some(c) = command {
            container["command"] = json!([c]);
        }
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"generateName": "api-", "labels": {"kvault.dev/inject": "true"}},
            "spec": {"containers": [container]},
        })
    }

    #[test]
    fn a_pod_with_references_gets_a_patch_that_injects_it() {
        let original = pod("vault:secret/shop/db#password", Some("/app"));
        let (answer, outcome) = review(&review_of(original.clone()), &Settings::default()).unwrap();
        assert_eq!(outcome, Outcome::Mutated);
        let response = &answer["response"];
        assert_eq!(response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
        assert_eq!(response["allowed"], true);
        assert_eq!(response["patchType"], "JSONPatch");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(response["patch"].as_str().unwrap())
            .unwrap();
        let patch: json_patch::Patch = serde_json::from_slice(&bytes).unwrap();
        let mut patched = original;
        json_patch::patch(&mut patched, &patch).unwrap();
        assert_eq!(patched["spec"]["initContainers"][0]["name"], "kvault-init");
        assert_eq!(patched["spec"]["containers"][0]["args"], json!(["/app"]));
        // Reinvoked on its own output (reinvocationPolicy: IfNeeded): no patch.
        let (again, outcome) = review(&review_of(patched), &Settings::default()).unwrap();
        assert_eq!(outcome, Outcome::Unchanged);
        assert!(again["response"].get("patch").is_none());
    }

    #[test]
    fn a_pod_that_cannot_get_its_secrets_is_refused_with_the_reason() {
        let (answer, outcome) = review(
            &review_of(pod("vault:secret/shop/db#password", None)),
            &Settings::default(),
        )
        .unwrap();
        assert_eq!(outcome, Outcome::Denied);
        assert_eq!(answer["response"]["allowed"], false);
        let message = answer["response"]["status"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("kvault webhook: pod shop/api-*: container `app` sets no command"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }

    #[test]
    fn other_requests_are_allowed_unchanged_and_garbage_is_refused_without_echo() {
        let (_, outcome) =
            review(&review_of(pod("plain", Some("/app"))), &Settings::default()).unwrap();
        assert_eq!(outcome, Outcome::Unchanged);
        let mut update: Json =
            serde_json::from_slice(&review_of(pod("vault:a/b#c", None))).unwrap();
        update["request"]["operation"] = json!("UPDATE");
        let (answer, outcome) =
            review(&serde_json::to_vec(&update).unwrap(), &Settings::default()).unwrap();
        assert_eq!(
            (outcome, &answer["response"]["allowed"]),
            (Outcome::Unchanged, &json!(true))
        );
        let err = review(b"<html>secret-token-123</html>", &Settings::default()).unwrap_err();
        assert!(!err.to_string().contains("secret-token-123"));
        assert_eq!(
            review(
                br#"{"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview"}"#,
                &Settings::default()
            ),
            Err(BadReview("apiVersion or kind is wrong"))
        );
    }
}
