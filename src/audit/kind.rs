//! The Kubernetes kinds the audit reads, in one table (the [`kinds!`] call
//! below): each kind's k8s-openapi type, the [`Inventory`] field that holds
//! its objects, the API groups a manifest may give it under, and how an
//! object is added when that is more than an insert. The offline loader
//! ([`super::load`]), the live lister ([`super::live`]) and the inventory's
//! object count all go by it.
//!
//! Adding a kind: one line here, its field in [`Inventory`], its wire type
//! in [`super::live::wire`] (what a live list reads of it), and its checks.
//! The kind's name, group, version, plural and scope come from its
//! k8s-openapi type.

use super::inventory::{sanitize_secret, Inventory, Objects};
use super::live::wire::Listed;
use k8s_openapi::api::{
    admissionregistration::v1 as admission, networking::v1 as net, rbac::v1 as rbac,
};
use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use std::any::TypeId;

const RBAC: &str = "rbac.authorization.k8s.io";

/// The table. A row: the kind, its type, its inventory field, the groups a
/// manifest may name (the served one first, then older groups whose
/// objects have the fields the audit reads), and optionally the function
/// that adds an object (the default inserts it into the field).
macro_rules! kinds {
    ($( $kind:ident: $ty:ty => $field:ident, [$($group:expr),+] $(, add $add:path)?; )+) => {
        /// A kind the audit reads, in the order the live loader takes them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kind {
            $( $kind, )+
        }

        impl Kind {
            /// Every kind, in table order.
            pub const ALL: &'static [Kind] = &[$( Kind::$kind, )+];

            /// The API groups a manifest may give this kind under.
            pub fn groups(self) -> &'static [&'static str] {
                match self {
                    $( Kind::$kind => &[$($group),+], )+
                }
            }

            /// Call `visitor` with this kind's type.
            pub fn visit<V: Visitor>(self, visitor: V) -> V::Out {
                match self {
                    $( Kind::$kind => visitor.visit::<$ty>(), )+
                }
            }
        }

        $(
            impl Audited for $ty {
                const AUDITED: Kind = Kind::$kind;
                fn objects(inventory: &Inventory) -> &Objects<Self> {
                    &inventory.$field
                }
                fn objects_mut(inventory: &mut Inventory) -> &mut Objects<Self> {
                    &mut inventory.$field
                }
                $(
                    fn add(self, inventory: &mut Inventory) {
                        $add(inventory, self)
                    }
                )?
            }
        )+
    };
}

kinds! {
    Secret: core::Secret => secrets, [""], add add_secret;
    ServiceAccount: core::ServiceAccount => service_accounts, [""];
    ConfigMap: core::ConfigMap => config_maps, [""];
    Role: rbac::Role => roles, [RBAC];
    ClusterRole: rbac::ClusterRole => cluster_roles, [RBAC];
    RoleBinding: rbac::RoleBinding => role_bindings, [RBAC];
    ClusterRoleBinding: rbac::ClusterRoleBinding => cluster_role_bindings, [RBAC];
    // The kube-apiserver static (or mirror) Pod carries its flags.
    Pod: core::Pod => pods, [""], add super::load::add_pod;
    Deployment: apps::Deployment => deployments, ["apps", "extensions"];
    StatefulSet: apps::StatefulSet => stateful_sets, ["apps"];
    DaemonSet: apps::DaemonSet => daemon_sets, ["apps", "extensions"];
    ReplicaSet: apps::ReplicaSet => replica_sets, ["apps", "extensions"];
    ReplicationController: core::ReplicationController => replication_controllers, [""];
    Job: batch::Job => jobs, ["batch"];
    CronJob: batch::CronJob => cron_jobs, ["batch"];
    Ingress: net::Ingress => ingresses, ["networking.k8s.io", "extensions"];
    MutatingWebhookConfiguration: admission::MutatingWebhookConfiguration => mutating_webhooks, ["admissionregistration.k8s.io"];
}

/// A type of the table: its row, and where the inventory keeps it.
pub trait Audited:
    Listed
    + k8s_openapi::Resource
    + k8s_openapi::Metadata<Ty = ObjectMeta>
    + DeserializeOwned
    + Send
    + 'static
{
    const AUDITED: Kind;

    fn objects(inventory: &Inventory) -> &Objects<Self>;

    fn objects_mut(inventory: &mut Inventory) -> &mut Objects<Self>;

    /// Add one object, read offline or live, to `inventory`.
    fn add(self, inventory: &mut Inventory) {
        Self::objects_mut(inventory).insert(self);
    }
}

/// Something done with a kind's type, for [`Kind::visit`].
pub trait Visitor {
    type Out;
    fn visit<T: Audited>(self) -> Self::Out;
}

/// Secrets are kept without their values, however they were read.
fn add_secret(inventory: &mut Inventory, mut secret: core::Secret) {
    sanitize_secret(&mut secret);
    inventory.secrets.insert(secret);
}

/// Whether objects of `T` live in a namespace.
pub fn namespaced<T: Audited>() -> bool {
    TypeId::of::<<T as k8s_openapi::Resource>::Scope>()
        == TypeId::of::<k8s_openapi::NamespaceResourceScope>()
}

impl Kind {
    /// The kind's name (`Secret`, `ClusterRole`, ...).
    pub fn name(self) -> &'static str {
        struct Name;
        impl Visitor for Name {
            type Out = &'static str;
            fn visit<T: Audited>(self) -> &'static str {
                <T as k8s_openapi::Resource>::KIND
            }
        }
        self.visit(Name)
    }

    /// The audited kind a manifest's `kind` and API group name.
    pub fn of_manifest(group: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == kind && k.groups().contains(&group))
    }

    /// How many objects of this kind `inventory` holds.
    pub fn count(self, inventory: &Inventory) -> usize {
        struct Count<'a>(&'a Inventory);
        impl Visitor for Count<'_> {
            type Out = usize;
            fn visit<T: Audited>(self) -> usize {
                T::objects(self.0).len()
            }
        }
        self.visit(Count(inventory))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_their_types_and_only_cluster_roles_bindings_and_webhooks_are_cluster_wide() {
        struct Row;
        impl Visitor for Row {
            type Out = (Kind, &'static str, &'static str, bool);
            fn visit<T: Audited>(self) -> Self::Out {
                (
                    T::AUDITED,
                    <T as k8s_openapi::Resource>::KIND,
                    <T as k8s_openapi::Resource>::GROUP,
                    namespaced::<T>(),
                )
            }
        }
        for &kind in Kind::ALL {
            let (audited, name, group, namespaced) = kind.visit(Row);
            assert_eq!((audited, name), (kind, format!("{kind:?}").as_str()));
            assert_eq!(kind.groups()[0], group, "{kind:?}");
            let cluster_wide = matches!(
                kind,
                Kind::ClusterRole | Kind::ClusterRoleBinding | Kind::MutatingWebhookConfiguration
            );
            assert_eq!(namespaced, !cluster_wide, "{kind:?}");
        }
    }

    #[test]
    fn manifests_name_a_kind_by_group_older_groups_included() {
        assert_eq!(Kind::of_manifest("", "Secret"), Some(Kind::Secret));
        assert_eq!(
            Kind::of_manifest("extensions", "Ingress"),
            Some(Kind::Ingress)
        );
        assert_eq!(Kind::of_manifest("extensions", "StatefulSet"), None);
        assert_eq!(Kind::of_manifest("apps", "Secret"), None);
        assert_eq!(Kind::of_manifest("", "EncryptionConfiguration"), None);
    }

    /// One manifest of every kind in the table: each lands in its own
    /// field, and the count covers them all.
    #[test]
    fn the_offline_loader_reads_every_kind_of_the_table_into_its_field() {
        let mut yaml = String::new();
        for &kind in Kind::ALL {
            let api_version = match kind.groups()[0] {
                "" => "v1".to_string(),
                group => format!("{group}/v1"),
            };
            yaml.push_str(&format!(
                "---\napiVersion: {api_version}\nkind: {}\nmetadata: {{name: x}}\nroleRef: {{apiGroup: {RBAC}, kind: Role, name: r}}\n",
                kind.name()
            ));
        }
        let mut inventory = Inventory::default();
        crate::audit::load::add_text(&mut inventory, "all.yaml", &yaml, false).unwrap();
        for &kind in Kind::ALL {
            assert_eq!(kind.count(&inventory), 1, "{kind:?}");
        }
        assert_eq!(inventory.object_count(), Kind::ALL.len());
        assert_eq!(inventory.skipped, 0);
    }
}
