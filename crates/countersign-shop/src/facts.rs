//! Loads the [`Facts`] a write needs from any [`ShopView`].

use crate::policy::Facts;
use crate::tools::WriteCall;
use crate::view::ShopView;

pub fn gather_facts<V: ShopView>(
    view: &V,
    customer_id: &str,
    call: &WriteCall,
) -> Result<Facts, V::Error> {
    let customer = view.user(customer_id)?;
    let order = match call.order_id() {
        Some(id) => view.order(id)?,
        None => None,
    };
    let mut products = std::collections::BTreeMap::new();
    if let Some(order) = &order {
        for item in &order.items {
            if !products.contains_key(&item.product_id) {
                if let Some(p) = view.product(&item.product_id)? {
                    products.insert(p.product_id.clone(), p);
                }
            }
        }
    }
    for item_id in call.new_item_ids() {
        if products.values().any(|p| p.variants.contains_key(item_id)) {
            continue;
        }
        if let Some(p) = view.product_of_item(item_id)? {
            products.insert(p.product_id.clone(), p);
        }
    }
    Ok(Facts {
        customer_id: customer_id.to_owned(),
        customer,
        order,
        products,
    })
}
