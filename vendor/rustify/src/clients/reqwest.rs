//! Contains an implementation of [Client][crate::client::Client] being backed
//! by the [reqwest](https://docs.rs/reqwest/) crate.

use crate::{client::Client as RustifyClient, errors::ClientError};
use async_trait::async_trait;
use http::{Request, Response};
use std::convert::TryFrom;

/// A client based on the
/// [reqwest::Client][1] which can be used for executing
/// [Endpoints][crate::endpoint::Endpoint]. A backing instance of a
/// [reqwest::Client][1] is used to increase performance and to save certain
/// characteristics across sessions. A base URL is required and is used to
/// qualify the full path of any [Endpoints][crate::endpoint::Endpoint] which
/// are executed by this client.
///
/// # Example
/// ```
/// use rustify::clients::reqwest::Client;
/// use rustify::Endpoint;
/// use rustify_derive::Endpoint;
/// use serde::Serialize;
///
/// #[derive(Debug, Endpoint, Serialize)]
/// #[endpoint(path = "my/endpoint")]
/// struct MyEndpoint {}
///
/// # tokio_test::block_on(async {
/// let client = Client::default("http://myapi.com");
/// let endpoint = MyEndpoint {};
/// let result = endpoint.exec(&client).await;
/// # })
/// ```
///
/// [1]: https://docs.rs/reqwest/latest/reqwest/struct.Client.html
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    /// The largest response body read; `None` reads any size (upstream's
    /// behaviour). kvault's fork: see vendor/rustify/KVAULT.md.
    pub max_response_bytes: Option<u64>,
}

/// A response body passed [`Client::max_response_bytes`]; the reading
/// stopped there. It is the source of a [`ClientError::ResponseError`].
#[derive(Debug, thiserror::Error)]
#[error("the response body is larger than {limit} bytes")]
pub struct ResponseTooLarge {
    pub limit: u64,
}

impl Client {
    /// Creates a new instance of [Client] using the provided parameters.
    pub fn new(base: &str, http: reqwest::Client) -> Self {
        Client {
            base: base.to_string(),
            http,
            max_response_bytes: None,
        }
    }

    /// Stops reading any response body at `limit` bytes, with a
    /// [`ResponseTooLarge`] error: a server that streams without end
    /// cannot fill the client's memory.
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Creates a new instance of [Client] with a default instance of
    /// [reqwest::Client][1].
    ///
    /// [1]: https://docs.rs/reqwest/latest/reqwest/struct.Client.html
    pub fn default(base: &str) -> Self {
        Client {
            base: base.to_string(),
            http: reqwest::Client::default(),
            max_response_bytes: None,
        }
    }
}

#[async_trait]
impl RustifyClient for Client {
    fn base(&self) -> &str {
        self.base.as_str()
    }

    // TODO: remove the allow when the upstream clippy issue is fixed:
    // <https://github.com/rust-lang/rust-clippy/issues/12281>
    #[allow(clippy::blocks_in_conditions)]
    #[instrument(skip(self, req), err)]
    async fn send(&self, req: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, ClientError> {
        let request = reqwest::Request::try_from(req)
            .map_err(|e| ClientError::ReqwestBuildError { source: e })?;

        let url_err = request.url().to_string();
        let method_err = request.method().to_string();
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| ClientError::RequestError {
                source: e.into(),
                url: url_err,
                method: method_err,
            })?;

        let status_code = response.status().as_u16();
        let mut http_resp = http::Response::builder().status(status_code);
        for v in response.headers().into_iter() {
            http_resp = http_resp.header(v.0, v.1);
        }

        let body = read_body(response, self.max_response_bytes).await?;
        http_resp
            .body(body)
            .map_err(|e| ClientError::ResponseError { source: e.into() })
    }
}

/// The whole body, or [`ResponseTooLarge`] as soon as it passes `limit`
/// (a declared length past it is refused before any byte is read).
async fn read_body(
    mut response: reqwest::Response,
    limit: Option<u64>,
) -> Result<Vec<u8>, ClientError> {
    let too_large = |limit| ClientError::ResponseError {
        source: ResponseTooLarge { limit }.into(),
    };
    let limit = match limit {
        None => {
            return response
                .bytes()
                .await
                .map(|b| b.to_vec())
                .map_err(|e| ClientError::ResponseError { source: e.into() })
        }
        Some(limit) => limit,
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ClientError::ResponseError { source: e.into() })?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
