//! `kvault webhook`: serve the admission webhook, or print its registration.

use crate::cli::webhook::{ManifestsArgs, ServeArgs, WebhookArgs, WebhookCommand};
use crate::cli::GlobalArgs;
use crate::exit::{Failure, Result};
use crate::output::{self, Printer};
use crate::webhook::config::{configuration, Endpoint, Registration};
use crate::webhook::tls::{certificates, CertFiles};
use crate::webhook::{serve, Options};

pub async fn run(global: &GlobalArgs, printer: &Printer, args: WebhookArgs) -> Result<()> {
    match args.command {
        Some(WebhookCommand::Manifests(manifests)) => print_manifests(global, manifests),
        None => run_server(global, printer, args.serve).await,
    }
}

fn print_manifests(global: &GlobalArgs, args: ManifestsArgs) -> Result<()> {
    let ca_bundle = match &args.ca_bundle {
        Some(path) => {
            let shown = path.display();
            let pem = std::fs::read(path)
                .map_err(|e| Failure::error(format!("cannot read the CA bundle `{shown}`: {e}")))?;
            certificates(&pem)
                .map_err(|e| Failure::error(format!("the CA bundle `{shown}` {e}")))?;
            Some(pem)
        }
        None => None,
    };
    let registration = Registration {
        name: args.name,
        namespace: global.namespace.clone().unwrap_or_else(|| "kvault".into()),
        endpoint: match args.url {
            Some(url) => Endpoint::Url(url),
            None => Endpoint::Service { name: args.service },
        },
        ca_bundle,
        failure_policy: args.failure_policy,
        timeout_seconds: args.timeout,
    };
    output::stdout_bytes(configuration(&registration).as_bytes())
}

async fn run_server(global: &GlobalArgs, printer: &Printer, args: ServeArgs) -> Result<()> {
    let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) else {
        return Err(Failure::error(
            "kvault webhook needs --tls-cert and --tls-key",
        ));
    };
    let options = Options {
        listen: args.listen,
        files: CertFiles { cert, key },
        settings: args.mutation.settings(global.vault_addr.as_ref()),
    };
    // The address goes to stderr: with `--listen 127.0.0.1:0` it is how
    // the caller learns the port.
    let bound = |addr| printer.status(format!("kvault webhook: listening on https://{addr}"));
    serve(options, bound, shutdown())
        .await
        .map_err(|e| Failure::error(e.to_string()))
}

/// SIGTERM (the kubelet stopping the Pod) or SIGINT.
async fn shutdown() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
