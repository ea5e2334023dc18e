
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kvault' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kvault'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kvault' {
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret, or one key of it')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Write a secret from key=value, key=@file or key=- (stdin) pairs')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the secrets under a prefix')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show the versions of a secret')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a secret, chosen versions of it, or one key (asks first on a terminal)')
            [CompletionResult]::new('cp', 'cp', [CompletionResultType]::ParameterValue, 'Copy a secret, or one key, from any store to any store')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare two secrets key by key, never showing values (exit 1 when they differ)')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Resolve references in the environment, then run a command with the values')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit a cluster''s Secret hygiene: encryption at rest, RBAC, workloads')
            [CompletionResult]::new('canary', 'canary', [CompletionResultType]::ParameterValue, 'Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Sync secrets from any store to any store as a plan says; roll out workloads that use them')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show where each target of a sync plan stands: in sync, missing, out of date, drift')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check every store''s settings, server, credentials and access; each failure with the fix')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show who kvault is to each configured store: token policies and TTL, Kubernetes user')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write one for every shell (--dir)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages: kvault.1 and one per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kvault;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (a single key in table format prints its raw value)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (a single key in table format prints its raw value)')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;put' {
            [CompletionResult]::new('--cas', '--cas', [CompletionResultType]::ParameterName, 'Write only if VERSION is the current version (check-and-set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Keep the keys already stored and change only those given')
            [CompletionResult]::new('--create-only', '--create-only', [CompletionResultType]::ParameterName, 'Write only if the secret does not exist yet')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;ls' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;history' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;delete' {
            [CompletionResult]::new('--versions', '--versions', [CompletionResultType]::ParameterName, 'Delete these versions (KV v2, local store), comma-separated: `--versions 3,4`')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--destroy', '--destroy', [CompletionResultType]::ParameterName, 'Destroy permanently (KV v2): the --versions given, else the latest version')
            [CompletionResult]::new('--all-versions', '--all-versions', [CompletionResultType]::ParameterName, 'Delete the metadata and every version (KV v2, local store); elsewhere the same as a plain delete')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;cp' {
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Replace DST (or DST#KEY) when it exists')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Add SRC''s keys into an existing DST, keeping DST''s other keys')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;diff' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;exec' {
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read variables from a dotenv file (repeatable; later files win, and files win over the environment)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Stay as the parent and re-read the secrets this often (e.g. 30s, 5m; at least 100ms)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Under --watch: how long the command has to exit after SIGTERM (on restart, or a forwarded SIGTERM, SIGINT or SIGQUIT) before it gets SIGKILL')
            [CompletionResult]::new('--on-change', '--on-change', [CompletionResultType]::ParameterName, 'What to do when a value changed under --watch: `restart`, or `signal:NAME` (e.g. signal:HUP)')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Leave variables whose secret is missing unset instead of failing [env: VAULT_IGNORE_MISSING_SECRETS]')
            [CompletionResult]::new('--pass-credentials', '--pass-credentials', [CompletionResultType]::ParameterName, 'Keep kvault''s own credentials (VAULT_TOKEN, ...) in the command''s environment')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;audit' {
            [CompletionResult]::new('--manifests', '--manifests', [CompletionResultType]::ParameterName, 'Audit manifests offline: a file, a folder (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to audit (live mode)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Objects per list page when the API server pages a list (live mode). It serves first pages from its watch cache, usually whole; kinds it does not cache (e.g. --watch-cache-sizes=secrets#0) come from etcd in pages')
            [CompletionResult]::new('--encryption-config', '--encryption-config', [CompletionResultType]::ParameterName, 'The EncryptionConfiguration kube-apiserver uses (its --encryption-provider-config)')
            [CompletionResult]::new('--etcd-endpoint', '--etcd-endpoint', [CompletionResultType]::ParameterName, 'Read Secrets straight from etcd to see how they are stored (live mode)')
            [CompletionResult]::new('--etcd-ca', '--etcd-ca', [CompletionResultType]::ParameterName, 'CA certificate for --etcd-endpoint')
            [CompletionResult]::new('--etcd-cert', '--etcd-cert', [CompletionResultType]::ParameterName, 'Client certificate for --etcd-endpoint')
            [CompletionResult]::new('--etcd-key', '--etcd-key', [CompletionResultType]::ParameterName, 'Client key for --etcd-endpoint')
            [CompletionResult]::new('--etcd-prefix', '--etcd-prefix', [CompletionResultType]::ParameterName, 'kube-apiserver''s --etcd-prefix: Secrets are read under PREFIX/secrets/')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'YAML list of accepted findings: {id, object, reason, expires}')
            [CompletionResult]::new('--who-can-read', '--who-can-read', [CompletionResultType]::ParameterName, 'List who can read Secrets (directly or indirectly) instead of the findings; all namespaces without a value')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;canary' {
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Write a fresh canary at the source, wait for it at the target, report the latency')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Write a fresh canary at the source (for pipelines where another syncer delivers it)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Wait until the target shows the canary now at the source')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kvault;canary;run' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the canary was written: SCHEME:PATH[#KEY]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Where it should arrive: SCHEME:PATH[#KEY]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for it (at most 7 days)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write Prometheus text (for node_exporter''s textfile collector) here')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--reset-metrics', '--reset-metrics', [CompletionResultType]::ParameterName, 'Start the metrics file''s series for this source and target from zero when the file cannot be continued (unreadable, or a line of this pair not as kvault writes it)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;canary;create' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where to write the canary: SCHEME:PATH[#KEY] (key defaults to `canary`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;canary;check' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the canary was written: SCHEME:PATH[#KEY]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Where it should arrive: SCHEME:PATH[#KEY]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for it (at most 7 days)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write Prometheus text (for node_exporter''s textfile collector) here')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--reset-metrics', '--reset-metrics', [CompletionResultType]::ParameterName, 'Start the metrics file''s series for this source and target from zero when the file cannot be continued (unreadable, or a line of this pair not as kvault writes it)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;canary;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Write a fresh canary at the source, wait for it at the target, report the latency')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Write a fresh canary at the source (for pipelines where another syncer delivers it)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Wait until the target shows the canary now at the source')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kvault;canary;help;run' {
            break
        }
        'kvault;canary;help;create' {
            break
        }
        'kvault;canary;help;check' {
            break
        }
        'kvault;canary;help;help' {
            break
        }
        'kvault;sync' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The sync plan (YAML); `-` reads it from stdin')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The sync plan (YAML); `-` reads it from stdin')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep running: sync again this often (e.g. 30s, 5m; from 100ms to 7 days), until SIGINT/SIGTERM')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Vary each --watch interval randomly by up to this percentage')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Targets worked on at once')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'At most N store operations a second: `N` for every store, `vault=N`, `k8s=N` or `local=N` for one (repeat the flag for several)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the summary')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the summary')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (key names only, never values) and write nothing')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Delete kvault-synced Kubernetes Secrets of the plan''s namespaces that the plan no longer names')
            [CompletionResult]::new('--no-overwrite-drift', '--no-overwrite-drift', [CompletionResultType]::ParameterName, 'Leave targets that were edited by hand as they are (report the drift only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;status' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The sync plan (YAML); `-` reads it from stdin')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The sync plan (YAML); `-` reads it from stdin')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Targets read at once')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;rotate' {
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'How to make the new value (see below) [default: password]')
            [CompletionResult]::new('--value', '--value', [CompletionResultType]::ParameterName, 'Read the new value from stdin: only `-` is accepted, never a value in argv')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'A sync plan: its entries that read the secret are synced and verified')
            [CompletionResult]::new('--if-older-than', '--if-older-than', [CompletionResultType]::ParameterName, 'Rotate only when the last rotation (or, never rotated, the current version) is older (e.g. 30d)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the summary')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the summary')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('--rollout', '--rollout', [CompletionResultType]::ParameterName, 'Let the sync roll out the workloads the plan names for those entries')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would happen and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation on a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation on a terminal')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish, or roll back, a rotation that was interrupted (with the --plan it started with)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;doctor' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;whoami' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'output')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write a script for every shell into DIR instead: kvault.bash, _kvault, kvault.fish, _kvault.ps1, kvault.elv')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write kvault.1 and kvault-SUBCOMMAND.1 into DIR (created if missing) instead of printing kvault.1')
            [CompletionResult]::new('--vault-addr', '--vault-addr', [CompletionResultType]::ParameterName, 'Vault/OpenBao address [env: BAO_ADDR, VAULT_ADDR]')
            [CompletionResult]::new('--vault-namespace', '--vault-namespace', [CompletionResultType]::ParameterName, 'Vault namespace [env: VAULT_NAMESPACE]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubernetes context to use from the kubeconfig')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for `k8s:NAME` references without one [default: the context''s namespace, else `default`]')
            [CompletionResult]::new('--local-store', '--local-store', [CompletionResultType]::ParameterName, 'Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Print tables without their header row')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kvault;help' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print a secret, or one key of it')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Write a secret from key=value, key=@file or key=- (stdin) pairs')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the secrets under a prefix')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show the versions of a secret')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a secret, chosen versions of it, or one key (asks first on a terminal)')
            [CompletionResult]::new('cp', 'cp', [CompletionResultType]::ParameterValue, 'Copy a secret, or one key, from any store to any store')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare two secrets key by key, never showing values (exit 1 when they differ)')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Resolve references in the environment, then run a command with the values')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit a cluster''s Secret hygiene: encryption at rest, RBAC, workloads')
            [CompletionResult]::new('canary', 'canary', [CompletionResultType]::ParameterValue, 'Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Sync secrets from any store to any store as a plan says; roll out workloads that use them')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show where each target of a sync plan stands: in sync, missing, out of date, drift')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check every store''s settings, server, credentials and access; each failure with the fix')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show who kvault is to each configured store: token policies and TTL, Kubernetes user')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write one for every shell (--dir)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages: kvault.1 and one per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kvault;help;get' {
            break
        }
        'kvault;help;put' {
            break
        }
        'kvault;help;ls' {
            break
        }
        'kvault;help;history' {
            break
        }
        'kvault;help;delete' {
            break
        }
        'kvault;help;cp' {
            break
        }
        'kvault;help;diff' {
            break
        }
        'kvault;help;exec' {
            break
        }
        'kvault;help;audit' {
            break
        }
        'kvault;help;canary' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Write a fresh canary at the source, wait for it at the target, report the latency')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Write a fresh canary at the source (for pipelines where another syncer delivers it)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Wait until the target shows the canary now at the source')
            break
        }
        'kvault;help;canary;run' {
            break
        }
        'kvault;help;canary;create' {
            break
        }
        'kvault;help;canary;check' {
            break
        }
        'kvault;help;sync' {
            break
        }
        'kvault;help;status' {
            break
        }
        'kvault;help;rotate' {
            break
        }
        'kvault;help;doctor' {
            break
        }
        'kvault;help;whoami' {
            break
        }
        'kvault;help;completions' {
            break
        }
        'kvault;help;man' {
            break
        }
        'kvault;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
