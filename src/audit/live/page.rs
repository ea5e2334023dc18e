//! One list answer, parsed in one pass on the blocking pool. The apiserver
//! writes a list's `metadata` before its `items`, so the continue token is
//! handed over as soon as it is read: the next page can be requested while
//! this page's objects are still being built, and no second scan of the
//! answer is needed to find the token.

use super::wire::Listed;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The objects of one page, being parsed.
pub type Parsing<K> = JoinHandle<Result<Vec<K>, kube::Error>>;

/// Start parsing `body` (a list answer) on the blocking pool; return its
/// continue token (`None` on the last page) as soon as it is read, and the
/// parse. A body that fails before its metadata gives no token, and the
/// parse holds the error.
pub async fn parse<K: Listed>(body: String) -> (Option<String>, Parsing<K>) {
    let (token_tx, token_rx) = oneshot::channel();
    let parsing = tokio::task::spawn_blocking(move || {
        let page = Page::<K::Wire> {
            token: Some(token_tx),
            wire: PhantomData,
        };
        let mut de = serde_json::Deserializer::from_str(&body);
        let items = page
            .deserialize(&mut de)
            .and_then(|items| de.end().map(|()| items))
            .map_err(kube::Error::SerdeError)?;
        Ok(items.into_iter().map(Into::into).collect())
    });
    let token = token_rx.await.ok().flatten().filter(|t| !t.is_empty());
    (token, parsing)
}

/// A list answer's items as `W`; its metadata's continue token goes to
/// `token` the moment it is read.
struct Page<W> {
    token: Option<oneshot::Sender<Option<String>>>,
    wire: PhantomData<W>,
}

impl<'de, W: Deserialize<'de>> DeserializeSeed<'de> for Page<W> {
    type Value = Vec<W>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<W>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, W: Deserialize<'de>> Visitor<'de> for Page<W> {
    type Value = Vec<W>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes list")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Vec<W>, A::Error> {
        let mut items = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "metadata" => {
                    let metadata: Option<ListMeta> = map.next_value()?;
                    if let Some(token) = self.token.take() {
                        // The receiver only goes away with the whole list.
                        let _ = token.send(metadata.and_then(|m| m.continue_));
                    }
                }
                "items" => items = map.next_value::<Option<Vec<W>>>()?.unwrap_or_default(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    fn names(items: &[ConfigMap]) -> Vec<&str> {
        items
            .iter()
            .map(|c| c.metadata.name.as_deref().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn the_token_comes_with_the_metadata_and_the_items_after() {
        let body = r#"{"kind":"ConfigMapList","apiVersion":"v1",
            "metadata":{"resourceVersion":"9","continue":"next-page","remainingItemCount":3},
            "items":[{"metadata":{"name":"a","managedFields":[{"manager":"m"}]}},{"metadata":{"name":"b"}}]}"#;
        let (token, parsing) = parse::<ConfigMap>(body.to_string()).await;
        assert_eq!(token.as_deref(), Some("next-page"));
        let items = parsing.await.unwrap().unwrap();
        assert_eq!(names(&items), ["a", "b"]);
        assert!(items[0].metadata.managed_fields.is_none());
    }

    #[tokio::test]
    async fn the_last_page_has_no_token() {
        for metadata in [r#"{"continue":""}"#, r#"{"resourceVersion":"9"}"#, "null"] {
            let body =
                format!(r#"{{"metadata":{metadata},"items":[{{"metadata":{{"name":"a"}}}}]}}"#);
            let (token, parsing) = parse::<ConfigMap>(body).await;
            assert_eq!(token, None, "{metadata}");
            assert_eq!(names(&parsing.await.unwrap().unwrap()), ["a"]);
        }
        let (token, parsing) = parse::<ConfigMap>(r#"{"items":null}"#.to_string()).await;
        assert_eq!(token, None);
        assert!(parsing.await.unwrap().unwrap().is_empty());
    }

    #[tokio::test]
    async fn items_before_metadata_still_give_the_token() {
        let body = r#"{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"t"}}"#;
        let (token, parsing) = parse::<ConfigMap>(body.to_string()).await;
        assert_eq!(token.as_deref(), Some("t"));
        assert_eq!(names(&parsing.await.unwrap().unwrap()), ["a"]);
    }

    #[tokio::test]
    async fn a_broken_answer_is_an_error_and_no_token() {
        for body in [
            r#"{"items":[{"metadata":{"name":"a"}"#,
            r#"{"metadata":{"continue":"t"},"items":[{"metadata":{"name":1}}]}"#,
            r#"{"metadata":{},"items":[]} trailing"#,
            "",
        ] {
            let (token, parsing) = parse::<ConfigMap>(body.to_string()).await;
            let result = parsing.await.unwrap();
            assert!(
                matches!(result, Err(kube::Error::SerdeError(_))),
                "{body}: {result:?}"
            );
            if !body.contains("continue") {
                assert_eq!(token, None, "{body}");
            }
        }
    }
}
