//! Every kind of the audit's table ([`crate::audit::kind`]) listed at once,
//! then added to one inventory in table order.

use super::{accept, list_all, LiveError, Target};
use crate::audit::inventory::Inventory;
use crate::audit::kind::{Audited, Kind, Visitor};
use futures::future::BoxFuture;

/// One kind's list, waiting to be added: its objects, or a 403/404 to
/// record as unlisted, or the error that ends the load.
pub(super) type Listing = Box<dyn FnOnce(&mut Inventory, &str) -> Result<(), LiveError> + Send>;

/// Every kind's list at once, in table order.
pub(super) async fn list_kinds(target: &Target<'_>) -> Vec<Listing> {
    let lists = Kind::ALL.iter().map(|kind| kind.visit(List(target)));
    futures::future::join_all(lists).await
}

/// The inventory of what was listed, kinds the caller may not list
/// recorded as unlisted; the first other failure, in kind order, ends it.
pub(super) fn into_inventory(lists: Vec<Listing>, server: &str) -> Result<Inventory, LiveError> {
    let mut inventory = Inventory::default();
    for listed in lists {
        listed(&mut inventory, server)?;
    }
    Ok(inventory)
}

/// The list call of one kind.
struct List<'a, 'b>(&'a Target<'b>);

impl<'a> Visitor for List<'a, '_> {
    type Out = BoxFuture<'a, Listing>;

    fn visit<T: Audited>(self) -> Self::Out {
        let target = self.0;
        Box::pin(async move {
            let result = list_all::<T>(target).await;
            Box::new(move |inventory: &mut Inventory, server: &str| {
                for object in accept(result, server, &mut inventory.unlisted)? {
                    object.add(inventory);
                }
                Ok(())
            }) as Listing
        })
    }
}
