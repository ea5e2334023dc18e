# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kvault_global_optspecs
    string join \n v/verbose q/quiet no-headers vault-addr= vault-namespace= kubeconfig= context= n/namespace= local-store= h/help V/version
end

function __fish_kvault_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kvault_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kvault_using_subcommand
    set -l cmd (__fish_kvault_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kvault -n "__fish_kvault_needs_command" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_needs_command" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_needs_command" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_needs_command" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_needs_command" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_needs_command" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_needs_command" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_needs_command" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_needs_command" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "get" -d 'Print a secret, or one key of it'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "put" -d 'Write a secret from key=value, key=@file or key=- (stdin) pairs'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "ls" -d 'List the secrets under a prefix'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "history" -d 'Show the versions of a secret'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "delete" -d 'Delete a secret, chosen versions of it, or one key (asks first on a terminal)'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "cp" -d 'Copy a secret, or one key, from any store to any store'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "diff" -d 'Compare two secrets key by key, never showing values (exit 1 when they differ)'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "exec" -d 'Resolve references in the environment, then run a command with the values'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "audit" -d 'Audit a cluster\'s Secret hygiene: encryption at rest, RBAC, workloads'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "canary" -d 'Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "sync" -d 'Sync secrets from any store to any store as a plan says; roll out workloads that use them'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "status" -d 'Show where each target of a sync plan stands: in sync, missing, out of date, drift'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "rotate" -d 'Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "doctor" -d 'Check every store\'s settings, server, credentials and access; each failure with the fix'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "whoami" -d 'Show who kvault is to each configured store: token policies and TTL, Kubernetes user'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "completions" -d 'Print a shell completion script, or write one for every shell (--dir)'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "man" -d 'Write the man pages: kvault.1 and one per subcommand'
complete -c kvault -n "__fish_kvault_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kvault -n "__fish_kvault_using_subcommand get" -s o -l output -d 'Output format (a single key in table format prints its raw value)' -r -f -a "table\t''
json\t''
yaml\t''
env\t'`export KEY=\'value\'` lines for a POSIX shell (`eval "$(kvault get ... -o env)"`)'
dotenv\t'`KEY="value"` lines for a .env file'"
complete -c kvault -n "__fish_kvault_using_subcommand get" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand get" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand get" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand get" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand get" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand get" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand get" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand get" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand get" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand get" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand put" -l cas -d 'Write only if VERSION is the current version (check-and-set)' -r
complete -c kvault -n "__fish_kvault_using_subcommand put" -s o -l output -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand put" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand put" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand put" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand put" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand put" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand put" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand put" -l merge -d 'Keep the keys already stored and change only those given'
complete -c kvault -n "__fish_kvault_using_subcommand put" -l create-only -d 'Write only if the secret does not exist yet'
complete -c kvault -n "__fish_kvault_using_subcommand put" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand put" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand put" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand put" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand put" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand ls" -s o -l output -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand ls" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand ls" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand ls" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand ls" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand ls" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand ls" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand ls" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand ls" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand ls" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand ls" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand ls" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand history" -s o -l output -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand history" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand history" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand history" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand history" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand history" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand history" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand history" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand history" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand history" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand history" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand history" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l versions -d 'Delete these versions (KV v2, local store), comma-separated: `--versions 3,4`' -r
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand delete" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l destroy -d 'Destroy permanently (KV v2): the --versions given, else the latest version'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l all-versions -d 'Delete the metadata and every version (KV v2, local store); elsewhere the same as a plain delete'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -s y -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand delete" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand cp" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l overwrite -d 'Replace DST (or DST#KEY) when it exists'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l merge -d 'Add SRC\'s keys into an existing DST, keeping DST\'s other keys'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand cp" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand diff" -s o -l output -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand diff" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand diff" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand diff" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand diff" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand diff" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand diff" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand diff" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand diff" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand diff" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand diff" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand diff" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l env-file -d 'Read variables from a dotenv file (repeatable; later files win, and files win over the environment)' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l watch -d 'Stay as the parent and re-read the secrets this often (e.g. 30s, 5m; at least 100ms)' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l grace -d 'Under --watch: how long the command has to exit after SIGTERM (on restart, or a forwarded SIGTERM, SIGINT or SIGQUIT) before it gets SIGKILL' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l on-change -d 'What to do when a value changed under --watch: `restart`, or `signal:NAME` (e.g. signal:HUP)' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l ignore-missing -d 'Leave variables whose secret is missing unset instead of failing [env: VAULT_IGNORE_MISSING_SECRETS]'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l pass-credentials -d 'Keep kvault\'s own credentials (VAULT_TOKEN, ...) in the command\'s environment'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand exec" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l manifests -d 'Audit manifests offline: a file, a folder (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l context -d 'Kubeconfig context to audit (live mode)' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l chunk-size -d 'Objects per list page when the API server pages a list (live mode). It serves first pages from its watch cache, usually whole; kinds it does not cache (e.g. --watch-cache-sizes=secrets#0) come from etcd in pages' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l encryption-config -d 'The EncryptionConfiguration kube-apiserver uses (its --encryption-provider-config)' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l etcd-endpoint -d 'Read Secrets straight from etcd to see how they are stored (live mode)' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l etcd-ca -d 'CA certificate for --etcd-endpoint' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l etcd-cert -d 'Client certificate for --etcd-endpoint' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l etcd-key -d 'Client key for --etcd-endpoint' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l etcd-prefix -d 'kube-apiserver\'s --etcd-prefix: Secrets are read under PREFIX/secrets/' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
sarif\t'SARIF 2.1.0, for code scanning'"
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
high\t''
medium\t''
low\t''"
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l ignore -d 'YAML list of accepted findings: {id, object, reason, expires}' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l who-can-read -d 'List who can read Secrets (directly or indirectly) instead of the findings; all namespaces without a value' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand audit" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand audit" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand audit" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand audit" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -f -a "run" -d 'Write a fresh canary at the source, wait for it at the target, report the latency'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -f -a "create" -d 'Write a fresh canary at the source (for pipelines where another syncer delivers it)'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -f -a "check" -d 'Wait until the target shows the canary now at the source'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and not __fish_seen_subcommand_from run create check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l source -d 'Where the canary was written: SCHEME:PATH[#KEY]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l target -d 'Where it should arrive: SCHEME:PATH[#KEY]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l timeout -d 'How long to wait for it (at most 7 days)' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l metrics-file -d 'Write Prometheus text (for node_exporter\'s textfile collector) here' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -s o -l output -r -f -a "table\t'One human line on stderr (`text` is accepted too)'
json\t''
yaml\t''
prometheus\t'Prometheus text format on stdout'"
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l reset-metrics -d 'Start the metrics file\'s series for this source and target from zero when the file cannot be continued (unreadable, or a line of this pair not as kvault writes it)'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l source -d 'Where to write the canary: SCHEME:PATH[#KEY] (key defaults to `canary`)' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -s o -l output -r -f -a "table\t'One human line on stderr (`text` is accepted too)'
json\t''
yaml\t''
prometheus\t'Prometheus text format on stdout'"
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l source -d 'Where the canary was written: SCHEME:PATH[#KEY]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l target -d 'Where it should arrive: SCHEME:PATH[#KEY]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l timeout -d 'How long to wait for it (at most 7 days)' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l metrics-file -d 'Write Prometheus text (for node_exporter\'s textfile collector) here' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -s o -l output -r -f -a "table\t'One human line on stderr (`text` is accepted too)'
json\t''
yaml\t''
prometheus\t'Prometheus text format on stdout'"
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l reset-metrics -d 'Start the metrics file\'s series for this source and target from zero when the file cannot be continued (unreadable, or a line of this pair not as kvault writes it)'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from help" -f -a "run" -d 'Write a fresh canary at the source, wait for it at the target, report the latency'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from help" -f -a "create" -d 'Write a fresh canary at the source (for pipelines where another syncer delivers it)'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from help" -f -a "check" -d 'Wait until the target shows the canary now at the source'
complete -c kvault -n "__fish_kvault_using_subcommand canary; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s f -l file -d 'The sync plan (YAML); `-` reads it from stdin' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l watch -d 'Keep running: sync again this often (e.g. 30s, 5m; from 100ms to 7 days), until SIGINT/SIGTERM' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l jitter -d 'Vary each --watch interval randomly by up to this percentage' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l concurrency -d 'Targets worked on at once' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l rate-limit -d 'At most N store operations a second: `N` for every store, `vault=N`, `k8s=N` or `local=N` for one (repeat the flag for several)' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s o -l output -d 'Output format of the summary' -r -f -a "table\t'Changed targets as a table on stdout, a summary line on stderr'
json\t'One JSON object (per run; with --watch one line per run)'
yaml\t'One YAML document (per run; with --watch each starts with `---`)'"
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l dry-run -d 'Show what would change (key names only, never values) and write nothing'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l prune -d 'Delete kvault-synced Kubernetes Secrets of the plan\'s namespaces that the plan no longer names'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l no-overwrite-drift -d 'Leave targets that were edited by hand as they are (report the drift only)'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand sync" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand status" -s f -l file -d 'The sync plan (YAML); `-` reads it from stdin' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand status" -l concurrency -d 'Targets read at once' -r
complete -c kvault -n "__fish_kvault_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t'A table on stdout, a summary line on stderr'
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand status" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand status" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand status" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand status" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand status" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand status" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand status" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand status" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand status" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand status" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l generate -d 'How to make the new value (see below) [default: password]' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l value -d 'Read the new value from stdin: only `-` is accepted, never a value in argv' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l plan -d 'A sync plan: its entries that read the secret are synced and verified' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l if-older-than -d 'Rotate only when the last rotation (or, never rotated, the current version) is older (e.g. 30d)' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s o -l output -d 'Output format of the summary' -r -f -a "table\t'One line per step on stderr, nothing on stdout (`text` is accepted too)'
json\t'One JSON object on stdout (versions and data hashes, never values)'
yaml\t'The same as YAML'"
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l rollout -d 'Let the sync roll out the workloads the plan names for those entries'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l dry-run -d 'Say what would happen and write nothing'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s y -l yes -d 'Do not ask for confirmation on a terminal'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l resume -d 'Finish, or roll back, a rotation that was interrupted (with the --plan it started with)'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kvault -n "__fish_kvault_using_subcommand rotate" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -s o -l output -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -s o -l output -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l dir -d 'Write a script for every shell into DIR instead: kvault.bash, _kvault, kvault.fish, _kvault.ps1, kvault.elv' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand completions" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand completions" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand completions" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand completions" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand completions" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand man" -l dir -d 'Write kvault.1 and kvault-SUBCOMMAND.1 into DIR (created if missing) instead of printing kvault.1' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand man" -l vault-addr -d 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]' -r
complete -c kvault -n "__fish_kvault_using_subcommand man" -l vault-namespace -d 'Vault namespace [env: VAULT_NAMESPACE]' -r
complete -c kvault -n "__fish_kvault_using_subcommand man" -l kubeconfig -d 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand man" -l context -d 'Kubernetes context to use from the kubeconfig' -r
complete -c kvault -n "__fish_kvault_using_subcommand man" -s n -l namespace -d 'Namespace for `k8s:NAME` references without one [default: the context\'s namespace, else `default`]' -r
complete -c kvault -n "__fish_kvault_using_subcommand man" -l local-store -d 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]' -r -F
complete -c kvault -n "__fish_kvault_using_subcommand man" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values'
complete -c kvault -n "__fish_kvault_using_subcommand man" -s q -l quiet -d 'Print only data and errors'
complete -c kvault -n "__fish_kvault_using_subcommand man" -l no-headers -d 'Print tables without their header row'
complete -c kvault -n "__fish_kvault_using_subcommand man" -s h -l help -d 'Print help'
complete -c kvault -n "__fish_kvault_using_subcommand man" -s V -l version -d 'Print version'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "get" -d 'Print a secret, or one key of it'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "put" -d 'Write a secret from key=value, key=@file or key=- (stdin) pairs'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "ls" -d 'List the secrets under a prefix'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "history" -d 'Show the versions of a secret'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "delete" -d 'Delete a secret, chosen versions of it, or one key (asks first on a terminal)'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "cp" -d 'Copy a secret, or one key, from any store to any store'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "diff" -d 'Compare two secrets key by key, never showing values (exit 1 when they differ)'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "exec" -d 'Resolve references in the environment, then run a command with the values'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "audit" -d 'Audit a cluster\'s Secret hygiene: encryption at rest, RBAC, workloads'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "canary" -d 'Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "sync" -d 'Sync secrets from any store to any store as a plan says; roll out workloads that use them'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "status" -d 'Show where each target of a sync plan stands: in sync, missing, out of date, drift'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "rotate" -d 'Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "doctor" -d 'Check every store\'s settings, server, credentials and access; each failure with the fix'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "whoami" -d 'Show who kvault is to each configured store: token policies and TTL, Kubernetes user'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "completions" -d 'Print a shell completion script, or write one for every shell (--dir)'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "man" -d 'Write the man pages: kvault.1 and one per subcommand'
complete -c kvault -n "__fish_kvault_using_subcommand help; and not __fish_seen_subcommand_from get put ls history delete cp diff exec audit canary sync status rotate doctor whoami completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kvault -n "__fish_kvault_using_subcommand help; and __fish_seen_subcommand_from canary" -f -a "run" -d 'Write a fresh canary at the source, wait for it at the target, report the latency'
complete -c kvault -n "__fish_kvault_using_subcommand help; and __fish_seen_subcommand_from canary" -f -a "create" -d 'Write a fresh canary at the source (for pipelines where another syncer delivers it)'
complete -c kvault -n "__fish_kvault_using_subcommand help; and __fish_seen_subcommand_from canary" -f -a "check" -d 'Wait until the target shows the canary now at the source'
