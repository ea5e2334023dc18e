//! The catalogue of finding ids. Ids are stable: a check may change how it
//! words a title, never what an id means. Ignore files and SARIF rules refer
//! to these ids.
//!
//! | id | severity | what |
//! |----|----------|------|
//! | `KV-ENC-001` | high | Secrets are not encrypted at rest (kube-apiserver runs without `--encryption-provider-config`) |
//! | `KV-ENC-002` | medium | encryption at rest could not be verified (no configuration, no apiserver flags) |
//! | `KV-ENC-003` | high | the EncryptionConfiguration does not cover `secrets` |
//! | `KV-ENC-004` | high | `identity` is the first provider for Secrets: new Secrets are written in plaintext |
//! | `KV-ENC-005` | medium | Secrets are encrypted with `aescbc` (padding-oracle attacks; not recommended) |
//! | `KV-ENC-006` | medium | a KMS v1 provider is configured (deprecated since 1.28, off by default since 1.29) |
//! | `KV-ENC-007` | low | Secrets are encrypted with `aesgcm` (needs key rotation every 200k writes) |
//! | `KV-ENC-008` | info | `identity` is a fallback provider: Secrets written before encryption may still be plaintext |
//! | `KV-ENC-009` | info | encryption is configured but the provider list was not available to check |
//! | `KV-ENC-010` | high | Secrets are stored in etcd in plaintext (seen in etcd, or read through identity per the apiserver's metrics) |
//! | `KV-ENC-011` | high | an EncryptionConfiguration key has the wrong length for its provider: kube-apiserver refuses to start |
//! | `KV-RBAC-001` | critical | anonymous users, all authenticated users or all service accounts can reach Secrets |
//! | `KV-RBAC-002` | high | `cluster-admin` (or `*` on `*`) granted cluster-wide |
//! | `KV-RBAC-003` | high | a subject can read (get/list/watch) Secrets in all namespaces |
//! | `KV-RBAC-004` | medium | a subject can read Secrets in a namespace |
//! | `KV-RBAC-005` | high | a namespace's default service account (or all its service accounts) can reach Secrets |
//! | `KV-RBAC-006` | medium | a Role or ClusterRole grants Secret access through wildcards |
//! | `KV-RBAC-007` | high | a subject can obtain Secrets indirectly in all namespaces (create pods or workloads, exec/attach, ephemeral containers, service account tokens, impersonate, escalate/bind with the writes they need, nodes/proxy) |
//! | `KV-RBAC-008` | medium | a subject can obtain Secrets indirectly in a namespace |
//! | `KV-RBAC-009` | low | a binding refers to a role that does not exist |
//! | `KV-RBAC-010` | low | a subject may escalate or bind roles but not create, update or patch the roles or bindings that would use it (alone, no way to Secrets) |
//! | `KV-WL-001` | medium | a Secret is exposed through environment variables (`secretKeyRef`, `envFrom`) |
//! | `KV-WL-002` | high | a credential is written literally in a container's environment |
//! | `KV-WL-003` | high | a credential-like value is stored in a ConfigMap |
//! | `KV-WL-004` | low | a workload runs as the `default` service account |
//! | `KV-WL-005` | low | the service account token is mounted automatically (rated as the account's most severe RBAC finding when its token can reach Secrets) |
//! | `KV-WL-006` | medium | a legacy long-lived `kubernetes.io/service-account-token` Secret |
//! | `KV-WL-007` | medium | a reference to a Secret that does not exist |
//! | `KV-WL-008` | low | a Secret that no audited object uses |
//! | `KV-WL-009` | low | a Secret created more than 90 days ago |
//! | `KV-AUD-001` | medium | the live audit could not list a kind: findings that depend on it are left out |
//! | `KV-AUD-002` | info | SARIF output only: results left out to stay within GitHub code scanning's 25,000 per run |
//! | `KV-VLT-001` | high | a Vault policy reads every secret of a KV mount, or every path |
//! | `KV-VLT-002` | high | a Vault policy grants `sudo` with write capabilities or over a glob |
//! | `KV-VLT-003` | critical | a Vault policy may write `sys/policies`, `sys/auth`, `sys/mounts`, `sys/raw` or `identity/` |
//! | `KV-VLT-004` | critical | a Vault policy may create tokens carrying other policies (escalation) |
//! | `KV-VLT-005` | medium | the `default` policy is widened beyond its stock rules |
//! | `KV-VLT-006` | high | a Kubernetes auth role binds every service account name or namespace (`*`) |
//! | `KV-VLT-007` | low | a Kubernetes auth role sets no `audience` |
//! | `KV-VLT-008` | medium | an AppRole role's secret IDs never expire, are unlimited in uses and not bound to a CIDR |
//! | `KV-VLT-009` | high | a JWT/OIDC role binds no claims and no audiences |
//! | `KV-VLT-010` | medium | an auth role issues tokens that never expire (TTL 0) or live longer than the threshold |
//! | `KV-VLT-011` | high | no audit device is enabled: nothing records who read what |
//! | `KV-VLT-012` | high | an audit device logs tokens or values in the clear (`hmac_accessor=false`, `log_raw=true`) |
//! | `KV-VLT-013` | low | a KV secret's current version is older than `--max-age` |
//! | `KV-VLT-014` | low | a KV v2 mount keeps one version (`max_versions: 1`): no rollback |
//! | `KV-VLT-015` | info | a KV v2 mount does not require check-and-set (`cas_required`) |
//! | `KV-VLT-016` | medium | Vault runs as a single node: no standby to take over |
//! | `KV-VLT-017` | medium | the Vault audit could not read an endpoint: findings that depend on it are left out |
//! | `KV-ACC-001` | high | Secrets listed or watched in all namespaces by a subject outside the control plane (audit log) |
//! | `KV-ACC-002` | high | Secrets of kube-system listed or watched by a subject outside the control plane (audit log) |
//! | `KV-ACC-003` | medium | a burst of denied requests on secrets by one subject: probing (audit logs) |
//! | `KV-ACC-004` | medium | a secret read by a subject that did not read it during `--baseline` (audit logs) |
//! | `KV-ACC-005` | critical | a Secret read by an anonymous request (audit log) |
//! | `KV-ACC-006` | medium | a service account read a Secret none of its workloads use (audit log joined with `--manifests`) |
//! | `KV-ACC-007` | critical | a honeytoken (`kvault canary create --honeytoken`) read by anyone but the allowed readers (audit logs) |
//! | `KV-ACC-008` | medium | a service account read a Secret within 10 minutes of an exec/attach session into a pod of its namespace (audit log) |
//! | `KV-LOG-001` | high | the kube-apiserver audit policy logs Secrets at `Request`/`RequestResponse`: values in the log |
//! | `KV-LOG-002` | medium | the kube-apiserver audit policy does not log reads of Secrets |
//! | `KV-LOG-003` | high | the audit log holds Secret bodies (events at `Request`/`RequestResponse`) |
//! | `KV-LOG-004` | medium | kube-apiserver keeps no audit log (no `--audit-log-path`, no audit webhook) |
//! | `KV-ADM-001` | high | a mutating webhook on Pods fails closed (`failurePolicy: Fail`) without excluding kube-system or its own namespace |
//! | `KV-ADM-002` | medium | a mutating webhook on Pods may hold each Pod creation more than 10 s (`timeoutSeconds`) |
//! | `KV-ADM-003` | medium | a mutating webhook on Pods has no `namespaceSelector`: it sees every namespace, kube-system included |
//! | `KV-IGN-001` | info | an ignore-file entry has expired and no longer suppresses anything |

use super::finding::Severity;
use serde::Serialize;
use std::fmt;

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: FindingId,
    pub severity: Severity,
    /// A short, generic title (SARIF `shortDescription`).
    pub title: &'static str,
    /// One line: how to fix it.
    pub fix: &'static str,
}

/// Declares [`FindingId`] and [`RULES`] from one list, so every id has
/// exactly one entry and the enum and the table cannot drift apart.
macro_rules! catalogue {
    ($($variant:ident = $id:literal, $severity:ident, $title:literal, $fix:literal;)*) => {
        /// A finding id of the catalogue. Checks name their findings with
        /// these, so a misspelt id does not compile; the text (`KV-WL-001`)
        /// is what output, ignore files and SARIF rules show.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FindingId {
            $(
                #[doc = concat!("`", $id, "`: ", $title)]
                $variant,
            )*
        }

        impl FindingId {
            /// The id as output shows it, e.g. `KV-WL-001`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FindingId::$variant => $id,)*
                }
            }
        }

        /// Every finding id, in catalogue order (the order of [`FindingId`]).
        pub const RULES: &[Rule] = &[
            $(Rule {
                id: FindingId::$variant,
                severity: $severity,
                title: $title,
                fix: $fix,
            },)*
        ];
    };
}

use Severity::{Critical, High, Info, Low, Medium};

catalogue! {
    Enc001 = "KV-ENC-001", High,
        "Secrets are not encrypted at rest",
        "Start kube-apiserver with --encryption-provider-config naming an EncryptionConfiguration whose first provider for secrets is kms (v2), secretbox or aesgcm.";
    Enc002 = "KV-ENC-002", Medium,
        "Encryption at rest could not be verified",
        "Pass --encryption-config FILE or include the kube-apiserver static Pod manifest so the audit can see how Secrets are stored.";
    Enc003 = "KV-ENC-003", High,
        "EncryptionConfiguration does not cover Secrets",
        "Add `secrets` to the resources of an entry whose first provider encrypts (kms v2, secretbox or aesgcm), then rewrite all Secrets.";
    Enc004 = "KV-ENC-004", High,
        "identity is the first provider: new Secrets are written in plaintext",
        "Put an encrypting provider (kms v2, secretbox) before identity, restart kube-apiserver, then rewrite all Secrets (kubectl get secrets -A -o json | kubectl replace -f -).";
    Enc005 = "KV-ENC-005", Medium,
        "Secrets are encrypted with aescbc",
        "Switch the first provider to kms v2 or secretbox: aescbc is not recommended (padding-oracle attacks).";
    Enc006 = "KV-ENC-006", Medium,
        "KMS v1 provider is deprecated",
        "Migrate to a KMS v2 plugin (apiVersion: v2): KMS v1 is deprecated since Kubernetes 1.28 and off by default since 1.29.";
    Enc007 = "KV-ENC-007", Low,
        "Secrets are encrypted with aesgcm",
        "Rotate the aesgcm key at least every 200,000 writes, or switch to kms v2 or secretbox.";
    Enc008 = "KV-ENC-008", Info,
        "identity is a fallback provider: older Secrets may still be plaintext",
        "Rewrite every Secret once encryption is on (kubectl get secrets -A -o json | kubectl replace -f -), then drop identity from the list.";
    Enc009 = "KV-ENC-009", Info,
        "Encryption at rest is configured but its providers were not checked",
        "Pass --encryption-config with the file named by kube-apiserver's --encryption-provider-config to check its providers.";
    Enc010 = "KV-ENC-010", High,
        "Secrets are stored in etcd in plaintext",
        "Rewrite every Secret so the first provider encrypts it (kubectl get secrets -A -o json | kubectl replace -f -), then check again with --etcd-endpoint.";
    Enc011 = "KV-ENC-011", High,
        "EncryptionConfiguration key has the wrong length",
        "Generate a key of the size the provider takes (head -c 32 /dev/urandom | base64 for secretbox and AES-256) before kube-apiserver restarts with this file: it refuses to start on a wrong length.";
    Rbac001 = "KV-RBAC-001", Critical,
        "Anonymous or all authenticated users can reach Secrets",
        "Remove system:anonymous, system:unauthenticated, system:authenticated and system:serviceaccounts from bindings that grant Secret access.";
    Rbac002 = "KV-RBAC-002", High,
        "cluster-admin granted cluster-wide",
        "Bind narrower roles per namespace; keep cluster-admin for a few break-glass identities.";
    Rbac003 = "KV-RBAC-003", High,
        "Subject can read Secrets in all namespaces",
        "Replace the ClusterRoleBinding with RoleBindings where needed, and restrict the rule with resourceNames.";
    Rbac004 = "KV-RBAC-004", Medium,
        "Subject can read Secrets in a namespace",
        "Restrict the rule to the Secrets needed with resourceNames, and drop list/watch.";
    Rbac005 = "KV-RBAC-005", High,
        "Default service account can reach Secrets",
        "Bind the permission to a dedicated ServiceAccount instead of default or system:serviceaccounts:<namespace>.";
    Rbac006 = "KV-RBAC-006", Medium,
        "Role grants Secret access through wildcards",
        "List verbs and resources explicitly: `*` also covers Secrets and resources added later.";
    Rbac007 = "KV-RBAC-007", High,
        "Subject can obtain Secrets indirectly in all namespaces",
        "Remove pod/workload creation, exec/attach, ephemeral containers, token creation, impersonate, escalate/bind and nodes/proxy from cluster-wide bindings.";
    Rbac008 = "KV-RBAC-008", Medium,
        "Subject can obtain Secrets indirectly in a namespace",
        "Grant pod/workload creation, exec/attach and token creation only to identities that deploy into that namespace.";
    Rbac009 = "KV-RBAC-009", Low,
        "Binding refers to a role that does not exist",
        "Delete the binding or create the role: whoever creates a role with that name grants it to the binding's subjects.";
    Rbac010 = "KV-RBAC-010", Low,
        "Subject may escalate or bind roles without writing roles or bindings",
        "Remove escalate and bind unless the subject manages RBAC: granted create, update or patch on roles or bindings later, they let it grant itself any permission, Secrets included.";
    Wl001 = "KV-WL-001", Medium,
        "Secret exposed through environment variables",
        "Mount the Secret as a file (secret volume) instead: environment variables leak through /proc, crash dumps, logs and child processes.";
    Wl002 = "KV-WL-002", High,
        "Credential written literally in a container's environment",
        "Move the value into a Secret (or a reference resolved by `kvault exec`) and rotate it.";
    Wl003 = "KV-WL-003", High,
        "Credential-like value stored in a ConfigMap",
        "Move the value into a Secret and rotate it: ConfigMaps are readable by the view role and are not encrypted at rest.";
    Wl004 = "KV-WL-004", Low,
        "Workload runs as the default service account",
        "Create a dedicated ServiceAccount for the workload and set spec.serviceAccountName.";
    Wl005 = "KV-WL-005", Low,
        "Service account token is mounted automatically",
        "Set automountServiceAccountToken: false on the pod or its ServiceAccount unless the workload calls the Kubernetes API.";
    Wl006 = "KV-WL-006", Medium,
        "Legacy long-lived service account token Secret",
        "Delete the kubernetes.io/service-account-token Secret and use short-lived projected tokens (TokenRequest) instead.";
    Wl007 = "KV-WL-007", Medium,
        "Reference to a Secret that does not exist",
        "Create the Secret or remove the reference: the pod cannot start, and whoever creates a Secret with that name feeds it data.";
    Wl008 = "KV-WL-008", Low,
        "Secret is not used by any audited object",
        "Delete the Secret if nothing outside the audited objects uses it.";
    Wl009 = "KV-WL-009", Low,
        "Secret older than 90 days",
        "Rotate the Secret (kvault rotate) so its credentials are renewed.";
    Aud001 = "KV-AUD-001", Medium,
        "Audit incomplete: a kind could not be listed",
        "Run the audit as a user who may list every audited kind (a read-only ClusterRole with get/list on them), or accept the gap.";
    Aud002 = "KV-AUD-002", Info,
        "SARIF results left out: GitHub code scanning takes 25,000 per run",
        "Fix or ignore the most severe findings first, or read every finding with -o json.";
    Vlt001 = "KV-VLT-001", High,
        "Vault policy reads every secret of a KV mount, or every path",
        "Narrow the path to the secrets the policy's holders need (secret/data/app/*), not the mount or `*`.";
    Vlt002 = "KV-VLT-002", High,
        "Vault policy grants sudo with write capabilities or over a glob",
        "Remove sudo unless the policy is for operators: it opens root-protected endpoints.";
    Vlt003 = "KV-VLT-003", Critical,
        "Vault policy may change policies, auth methods, mounts or identities",
        "Remove create/update/patch/delete on sys/policies, sys/auth, sys/mounts, sys/raw and identity/ from all but break-glass policies: they let the holder grant itself anything.";
    Vlt004 = "KV-VLT-004", Critical,
        "Vault policy may create tokens with other policies",
        "Remove sudo on auth/token/create and write on auth/token/roles; create tokens through a token role whose allowed_policies lists only what the holder has.";
    Vlt005 = "KV-VLT-005", Medium,
        "The default policy is widened",
        "Keep the default policy at its stock rules: every token carries it; grant extra paths in named policies.";
    Vlt006 = "KV-VLT-006", High,
        "Kubernetes auth role binds every service account or namespace",
        "Set bound_service_account_names and bound_service_account_namespaces to the workloads that need the role, not `*`.";
    Vlt007 = "KV-VLT-007", Low,
        "Kubernetes auth role sets no audience",
        "Set audience on the role (and in the pod's projected token) so tokens issued for other services cannot log in.";
    Vlt008 = "KV-VLT-008", Medium,
        "AppRole secret IDs never expire, have unlimited uses and no CIDR binding",
        "Set secret_id_ttl, secret_id_num_uses or secret_id_bound_cidrs on the role so a leaked secret ID stops working.";
    Vlt009 = "KV-VLT-009", High,
        "JWT/OIDC role binds no claims or audiences",
        "Set bound_audiences and bound_claims (or bound_subject) so only the intended identities can log in.";
    Vlt010 = "KV-VLT-010", Medium,
        "Auth role issues tokens that never expire or live too long",
        "Set token_ttl and token_max_ttl on the role (hours, not days) so issued tokens expire.";
    Vlt011 = "KV-VLT-011", High,
        "No Vault audit device is enabled",
        "Enable an audit device (bao audit enable file file_path=/var/log/openbao/audit.log) so every read is recorded.";
    Vlt012 = "KV-VLT-012", High,
        "Vault audit device logs tokens or values in the clear",
        "Re-enable the audit device without hmac_accessor=false and log_raw=true: its log then holds HMACs, not tokens and values.";
    Vlt013 = "KV-VLT-013", Low,
        "KV secret older than the maximum age",
        "Rotate the secret (kvault rotate) so its credentials are renewed.";
    Vlt014 = "KV-VLT-014", Low,
        "KV v2 mount keeps one version",
        "Raise max_versions on the mount (bao write secret/config max_versions=10) so a bad write can be rolled back.";
    Vlt015 = "KV-VLT-015", Info,
        "KV v2 mount does not require check-and-set",
        "Set cas_required=true on the mount (bao write secret/config cas_required=true) so concurrent writers cannot overwrite each other.";
    Vlt016 = "KV-VLT-016", Medium,
        "Vault runs as a single node",
        "Run at least three nodes (integrated storage) so a standby takes over when the active node fails.";
    Vlt017 = "KV-VLT-017", Medium,
        "Vault audit incomplete: an endpoint could not be read",
        "Run the audit with a token whose policy may read the endpoints the README lists, or accept the gap.";
    Acc001 = "KV-ACC-001", High,
        "Secrets listed or watched in all namespaces outside the control plane",
        "Find out why the subject read every Secret of the cluster, drop list/watch on secrets from its cluster-wide bindings, and rotate what it read if it was not expected.";
    Acc002 = "KV-ACC-002", High,
        "Secrets of kube-system listed or watched outside the control plane",
        "kube-system holds the control plane's credentials: find out why the subject listed them, remove the access, and rotate them if it was not expected.";
    Acc003 = "KV-ACC-003", Medium,
        "Burst of denied secret requests (probing)",
        "Find out what the subject was looking for: a leaked credential probing for access reads like this.";
    Acc004 = "KV-ACC-004", Medium,
        "Secret read by a subject that did not read it during the baseline",
        "Confirm the new reader is expected (a new release, a new service); if not, remove its access and rotate the secret.";
    Acc005 = "KV-ACC-005", Critical,
        "Secret read by an anonymous request",
        "Remove every binding that grants system:anonymous or system:unauthenticated access to Secrets, run kube-apiserver with --anonymous-auth=false, and rotate what was read.";
    Acc006 = "KV-ACC-006", Medium,
        "Service account read a Secret its workloads do not use",
        "Find out what read the Secret with the account's token (a stolen token, an exec session, a new release); if nothing should, narrow the account's RBAC with resourceNames and rotate the Secret.";
    Acc007 = "KV-ACC-007", Critical,
        "Honeytoken read",
        "Nobody but the syncer reads a honeytoken: treat the subject's credentials as stolen, revoke them, and find out how they were used.";
    Acc008 = "KV-ACC-008", Medium,
        "Secret read by a service account right after an exec session into its namespace",
        "Find out what the exec session did: with a shell in the pod, its service account token reads whatever the account may; keep exec for break-glass identities.";
    Log001 = "KV-LOG-001", High,
        "The audit policy writes Secret values into the audit log",
        "Log secrets (and configmaps) at the Metadata level, in a rule placed before any Request or RequestResponse rule: at those levels the Secret's data is written into the log.";
    Log002 = "KV-LOG-002", Medium,
        "The audit policy does not log reads of Secrets",
        "Add a rule logging secrets at the Metadata level before the rule that drops them: without it nobody can say who read a Secret.";
    Log003 = "KV-LOG-003", High,
        "The audit log holds Secret bodies",
        "Treat the log as holding the Secrets' values: restrict and rotate it, rotate the Secrets it holds, and log secrets at the Metadata level.";
    Log004 = "KV-LOG-004", Medium,
        "kube-apiserver keeps no audit log",
        "Start kube-apiserver with --audit-policy-file and --audit-log-path (or --audit-webhook-config-file), logging secrets at the Metadata level.";
    Adm001 = "KV-ADM-001", High,
        "Mutating webhook can block Pod creation in kube-system or its own namespace",
        "Exclude kube-system and the webhook's own namespace with a namespaceSelector (kubernetes.io/metadata.name NotIn), or set failurePolicy: Ignore: a webhook that is down must not stop the cluster, or itself, from starting Pods.";
    Adm002 = "KV-ADM-002", Medium,
        "Mutating webhook timeout above 10 s",
        "Set timeoutSeconds to 5 or less: every Pod creation waits that long when the webhook hangs.";
    Adm003 = "KV-ADM-003", Medium,
        "Mutating webhook on Pods in every namespace",
        "Add a namespaceSelector (and an objectSelector on an opt-in label) so only the Pods that need the webhook wait on it.";
    Ign001 = "KV-IGN-001", Info,
        "Ignore entry expired",
        "Fix the finding, or renew the entry with a new reason and expiry date.";
}

impl FindingId {
    /// The id's catalogue entry: severity, title and fix.
    pub fn rule(self) -> &'static Rule {
        &RULES[self.index()]
    }

    /// The id's position in [`RULES`] (SARIF's `ruleIndex`).
    pub fn index(self) -> usize {
        // RULES lists the variants in declaration order (see `catalogue!`).
        self as usize
    }

    /// The id that `text` (e.g. `KV-WL-001`, from an ignore file) names.
    pub fn parse(text: &str) -> Option<FindingId> {
        RULES.iter().map(|r| r.id).find(|id| id.as_str() == text)
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The catalogue entry for the id `id` names, e.g. `KV-WL-001`.
pub fn rule(id: &str) -> Option<&'static Rule> {
    FindingId::parse(id).map(FindingId::rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id.as_str()), "duplicate id {}", r.id);
            assert!(r.id.as_str().starts_with("KV-"), "{}", r.id);
            assert!(!r.fix.is_empty() && !r.title.is_empty());
            assert!(!r.fix.contains('\n'), "fix of {} is one line", r.id);
        }
    }

    #[test]
    fn ids_index_their_entry_and_parse_back() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id.index(), i, "{}", r.id);
            assert_eq!(r.id.rule(), r);
            assert_eq!(FindingId::parse(r.id.as_str()), Some(r.id));
            assert_eq!(rule(r.id.as_str()), Some(r));
        }
        assert_eq!(FindingId::Wl001.to_string(), "KV-WL-001");
        assert_eq!(FindingId::parse("KV-NOPE-1"), None);
    }

    #[test]
    fn the_doc_table_lists_every_id_with_its_severity() {
        let doc = include_str!("catalogue.rs");
        for r in RULES {
            let row = format!("| `{}` | {} |", r.id, r.severity);
            assert!(doc.contains(&row), "doc table lacks `{row}`");
        }
    }
}
