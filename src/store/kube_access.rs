//! What `kvault whoami` and `kvault doctor` ask a Kubernetes cluster: which
//! configuration and context kvault uses, the server's version, who the
//! credentials are (SelfSubjectReview) and what they may do with Secrets
//! (SelfSubjectAccessReview, as `kubectl auth can-i` asks).

use super::kube::{api_error, KubeConfig};
use super::StoreError;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kube::Client;

/// Where kvault's Kubernetes settings lead.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Target {
    /// The kubeconfig file(s), or `in-cluster service account`.
    pub source: String,
    pub context: Option<String>,
    /// The API server, without userinfo or query.
    pub server: String,
    /// For `k8s:NAME` references without one.
    pub namespace: String,
}

/// The client and where it points, from the same settings every command
/// uses (KUBECONFIG lists, --context, -n).
pub async fn connect(config: &KubeConfig) -> Result<(Client, Target), StoreError> {
    let kube = config.config().await?;
    let namespace = config
        .namespace
        .clone()
        .unwrap_or_else(|| kube.default_namespace.clone());
    let server = super::redact::display_url(&kube.cluster_url.to_string());
    let (source, context) = describe_source(config);
    let client = config.client_for(kube)?;
    Ok((
        client,
        Target {
            source,
            context,
            server,
            namespace,
        },
    ))
}

/// Which file(s) and context, as kubectl would pick them.
fn describe_source(config: &KubeConfig) -> (String, Option<String>) {
    let (source, file) = match &config.kubeconfig {
        Some(path) => (
            format!("KUBECONFIG `{}`", path.display()),
            super::kube::read_kubeconfigs(path).ok(),
        ),
        None => match kube::config::Kubeconfig::read() {
            Ok(kc) => ("~/.kube/config".to_string(), Some(kc)),
            Err(_) => ("in-cluster service account".to_string(), None),
        },
    };
    let context = config
        .context
        .clone()
        .or_else(|| file.and_then(|kc| kc.current_context));
    (source, context)
}

/// `GET /version`: e.g. `v1.34.12`.
pub async fn server_version(client: &Client) -> Result<String, StoreError> {
    client
        .apiserver_version()
        .await
        .map(|v| v.git_version)
        .map_err(|e| api_error(e, "kubernetes".into(), "/version"))
}

/// Who the credentials are: user name and groups.
pub async fn who(client: &Client) -> Result<(String, Vec<String>), StoreError> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = api
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .map_err(|e| api_error(e, "kubernetes".into(), "selfsubjectreviews"))?;
    let user = review.status.and_then(|s| s.user_info).unwrap_or_default();
    Ok((
        user.username.unwrap_or_default(),
        user.groups.unwrap_or_default(),
    ))
}

/// Whether the credentials may `verb` Secrets in `namespace`.
pub async fn can(client: &Client, verb: &str, namespace: &str) -> Result<bool, StoreError> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(namespace.to_string()),
                verb: Some(verb.to_string()),
                resource: Some("secrets".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| api_error(e, "kubernetes".into(), "selfsubjectaccessreviews"))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}
