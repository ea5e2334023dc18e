
use builtin;
use str;

set edit:completion:arg-completer[kvault] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kvault'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kvault'= {
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand get 'Print a secret, or one key of it'
            cand put 'Write a secret from key=value, key=@file or key=- (stdin) pairs'
            cand ls 'List the secrets under a prefix'
            cand history 'Show the versions of a secret'
            cand delete 'Delete a secret, chosen versions of it, or one key (asks first on a terminal)'
            cand cp 'Copy a secret, or one key, from any store to any store'
            cand diff 'Compare two secrets key by key, never showing values (exit 1 when they differ)'
            cand exec 'Resolve references in the environment, then run a command with the values'
            cand audit 'Audit a cluster''s Secret hygiene: encryption at rest, RBAC, workloads'
            cand canary 'Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target'
            cand sync 'Sync secrets from any store to any store as a plan says; roll out workloads that use them'
            cand status 'Show where each target of a sync plan stands: in sync, missing, out of date, drift'
            cand rotate 'Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish'
            cand completions 'Print a shell completion script, or write one for every shell (--dir)'
            cand man 'Write the man pages: kvault.1 and one per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kvault;get'= {
            cand -o 'Output format (a single key in table format prints its raw value)'
            cand --output 'Output format (a single key in table format prints its raw value)'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;put'= {
            cand --cas 'Write only if VERSION is the current version (check-and-set)'
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --merge 'Keep the keys already stored and change only those given'
            cand --create-only 'Write only if the secret does not exist yet'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;ls'= {
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;history'= {
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;delete'= {
            cand --versions 'Delete these versions (KV v2, local store), comma-separated: `--versions 3,4`'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --destroy 'Destroy permanently (KV v2): the --versions given, else the latest version'
            cand --all-versions 'Delete the metadata and every version (KV v2, local store); elsewhere the same as a plain delete'
            cand -y 'Do not ask for confirmation (needed without a terminal)'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;cp'= {
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --overwrite 'Replace DST (or DST#KEY) when it exists'
            cand --merge 'Add SRC''s keys into an existing DST, keeping DST''s other keys'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;diff'= {
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;exec'= {
            cand --watch 'Stay as the parent and re-read the secrets this often (e.g. 30s, 5m; at least 100ms)'
            cand --grace 'Under --watch: how long the command has to exit after SIGTERM (on restart, or a forwarded SIGTERM, SIGINT or SIGQUIT) before it gets SIGKILL'
            cand --on-change 'What to do when a value changed under --watch: `restart`, or `signal:NAME` (e.g. signal:HUP)'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --ignore-missing 'Leave variables whose secret is missing unset instead of failing [env: VAULT_IGNORE_MISSING_SECRETS]'
            cand --pass-credentials 'Keep kvault''s own credentials (VAULT_TOKEN, ...) in the command''s environment'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;audit'= {
            cand --manifests 'Audit manifests offline: a file, a folder (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable'
            cand --context 'Kubeconfig context to audit (live mode)'
            cand --chunk-size 'Objects per list page when the API server pages a list (live mode). It serves first pages from its watch cache, usually whole; kinds it does not cache (e.g. --watch-cache-sizes=secrets#0) come from etcd in pages'
            cand --encryption-config 'The EncryptionConfiguration kube-apiserver uses (its --encryption-provider-config)'
            cand --etcd-endpoint 'Read Secrets straight from etcd to see how they are stored (live mode)'
            cand --etcd-ca 'CA certificate for --etcd-endpoint'
            cand --etcd-cert 'Client certificate for --etcd-endpoint'
            cand --etcd-key 'Client key for --etcd-endpoint'
            cand --etcd-prefix 'kube-apiserver''s --etcd-prefix: Secrets are read under PREFIX/secrets/'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --fail-on 'Exit 1 when a finding is at or above this severity'
            cand --ignore 'YAML list of accepted findings: {id, object, reason, expires}'
            cand --who-can-read 'List who can read Secrets (directly or indirectly) instead of the findings; all namespaces without a value'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;canary'= {
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Write a fresh canary at the source, wait for it at the target, report the latency'
            cand create 'Write a fresh canary at the source (for pipelines where another syncer delivers it)'
            cand check 'Wait until the target shows the canary now at the source'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kvault;canary;run'= {
            cand --source 'Where the canary was written: SCHEME:PATH[#KEY]'
            cand --target 'Where it should arrive: SCHEME:PATH[#KEY]'
            cand --timeout 'How long to wait for it (at most 7 days)'
            cand --metrics-file 'Write Prometheus text (for node_exporter''s textfile collector) here'
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --reset-metrics 'Start the metrics file''s series for this source and target from zero when the file cannot be continued (unreadable, or a line of this pair not as kvault writes it)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;canary;create'= {
            cand --source 'Where to write the canary: SCHEME:PATH[#KEY] (key defaults to `canary`)'
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;canary;check'= {
            cand --source 'Where the canary was written: SCHEME:PATH[#KEY]'
            cand --target 'Where it should arrive: SCHEME:PATH[#KEY]'
            cand --timeout 'How long to wait for it (at most 7 days)'
            cand --metrics-file 'Write Prometheus text (for node_exporter''s textfile collector) here'
            cand -o 'o'
            cand --output 'output'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --reset-metrics 'Start the metrics file''s series for this source and target from zero when the file cannot be continued (unreadable, or a line of this pair not as kvault writes it)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;canary;help'= {
            cand run 'Write a fresh canary at the source, wait for it at the target, report the latency'
            cand create 'Write a fresh canary at the source (for pipelines where another syncer delivers it)'
            cand check 'Wait until the target shows the canary now at the source'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kvault;canary;help;run'= {
        }
        &'kvault;canary;help;create'= {
        }
        &'kvault;canary;help;check'= {
        }
        &'kvault;canary;help;help'= {
        }
        &'kvault;sync'= {
            cand -f 'The sync plan (YAML)'
            cand --file 'The sync plan (YAML)'
            cand --watch 'Keep running: sync again this often (e.g. 30s, 5m; from 100ms to 7 days), until SIGINT/SIGTERM'
            cand --jitter 'Vary each --watch interval randomly by up to this percentage'
            cand --concurrency 'Targets worked on at once'
            cand --rate-limit 'At most N store operations a second: `N` for every store, `vault=N`, `k8s=N` or `local=N` for one (repeat the flag for several)'
            cand -o 'Output format of the summary'
            cand --output 'Output format of the summary'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --dry-run 'Show what would change (key names only, never values) and write nothing'
            cand --prune 'Delete kvault-synced Kubernetes Secrets of the plan''s namespaces that the plan no longer names'
            cand --no-overwrite-drift 'Leave targets that were edited by hand as they are (report the drift only)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;status'= {
            cand -f 'The sync plan (YAML)'
            cand --file 'The sync plan (YAML)'
            cand --concurrency 'Targets read at once'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;rotate'= {
            cand --generate 'How to make the new value (see below) [default: password]'
            cand --value 'Read the new value from stdin: only `-` is accepted, never a value in argv'
            cand --plan 'A sync plan: its entries that read the secret are synced and verified'
            cand --if-older-than 'Rotate only when the last rotation (or, never rotated, the current version) is older (e.g. 30d)'
            cand -o 'Output format of the summary'
            cand --output 'Output format of the summary'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand --rollout 'Let the sync roll out the workloads the plan names for those entries'
            cand --dry-run 'Say what would happen and write nothing'
            cand -y 'Do not ask for confirmation on a terminal'
            cand --yes 'Do not ask for confirmation on a terminal'
            cand --resume 'Finish, or roll back, a rotation that was interrupted (with the --plan it started with)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;completions'= {
            cand --dir 'Write a script for every shell into DIR instead: kvault.bash, _kvault, kvault.fish, _kvault.ps1, kvault.elv'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;man'= {
            cand --dir 'Write kvault.1 and kvault-SUBCOMMAND.1 into DIR (created if missing) instead of printing kvault.1'
            cand --vault-addr 'Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR]'
            cand --vault-namespace 'Vault namespace [env: VAULT_NAMESPACE]'
            cand --kubeconfig 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]'
            cand --context 'Kubernetes context to use from the kubeconfig'
            cand -n 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --namespace 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]'
            cand --local-store 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kvault;help'= {
            cand get 'Print a secret, or one key of it'
            cand put 'Write a secret from key=value, key=@file or key=- (stdin) pairs'
            cand ls 'List the secrets under a prefix'
            cand history 'Show the versions of a secret'
            cand delete 'Delete a secret, chosen versions of it, or one key (asks first on a terminal)'
            cand cp 'Copy a secret, or one key, from any store to any store'
            cand diff 'Compare two secrets key by key, never showing values (exit 1 when they differ)'
            cand exec 'Resolve references in the environment, then run a command with the values'
            cand audit 'Audit a cluster''s Secret hygiene: encryption at rest, RBAC, workloads'
            cand canary 'Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target'
            cand sync 'Sync secrets from any store to any store as a plan says; roll out workloads that use them'
            cand status 'Show where each target of a sync plan stands: in sync, missing, out of date, drift'
            cand rotate 'Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish'
            cand completions 'Print a shell completion script, or write one for every shell (--dir)'
            cand man 'Write the man pages: kvault.1 and one per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kvault;help;get'= {
        }
        &'kvault;help;put'= {
        }
        &'kvault;help;ls'= {
        }
        &'kvault;help;history'= {
        }
        &'kvault;help;delete'= {
        }
        &'kvault;help;cp'= {
        }
        &'kvault;help;diff'= {
        }
        &'kvault;help;exec'= {
        }
        &'kvault;help;audit'= {
        }
        &'kvault;help;canary'= {
            cand run 'Write a fresh canary at the source, wait for it at the target, report the latency'
            cand create 'Write a fresh canary at the source (for pipelines where another syncer delivers it)'
            cand check 'Wait until the target shows the canary now at the source'
        }
        &'kvault;help;canary;run'= {
        }
        &'kvault;help;canary;create'= {
        }
        &'kvault;help;canary;check'= {
        }
        &'kvault;help;sync'= {
        }
        &'kvault;help;status'= {
        }
        &'kvault;help;rotate'= {
        }
        &'kvault;help;completions'= {
        }
        &'kvault;help;man'= {
        }
        &'kvault;help;help'= {
        }
    ]
    $completions[$command]
}
