//! Read access to a shop, wherever it is kept (in memory here, SQLite in the store crate).

use std::collections::BTreeMap;
use std::convert::Infallible;

use crate::model::{Order, Product, Shop, User};

pub trait ShopView {
    type Error: std::error::Error + Send + Sync + 'static;

    fn user(&self, user_id: &str) -> Result<Option<User>, Self::Error>;
    fn order(&self, order_id: &str) -> Result<Option<Order>, Self::Error>;
    fn product(&self, product_id: &str) -> Result<Option<Product>, Self::Error>;
    /// The product that has a variant with this item id.
    fn product_of_item(&self, item_id: &str) -> Result<Option<Product>, Self::Error>;
    /// Case-insensitive email match.
    fn user_id_by_email(&self, email: &str) -> Result<Option<String>, Self::Error>;
    /// Case-insensitive name match, exact zip.
    fn user_id_by_name_zip(
        &self,
        first_name: &str,
        last_name: &str,
        zip: &str,
    ) -> Result<Option<String>, Self::Error>;
    /// Product name → product id.
    fn product_types(&self) -> Result<BTreeMap<String, String>, Self::Error>;
}

impl ShopView for Shop {
    type Error = Infallible;

    fn user(&self, user_id: &str) -> Result<Option<User>, Infallible> {
        Ok(self.users.get(user_id).cloned())
    }

    fn order(&self, order_id: &str) -> Result<Option<Order>, Infallible> {
        Ok(self.orders.get(order_id).cloned())
    }

    fn product(&self, product_id: &str) -> Result<Option<Product>, Infallible> {
        Ok(self.products.get(product_id).cloned())
    }

    fn product_of_item(&self, item_id: &str) -> Result<Option<Product>, Infallible> {
        Ok(self
            .products
            .values()
            .find(|p| p.variants.contains_key(item_id))
            .cloned())
    }

    fn user_id_by_email(&self, email: &str) -> Result<Option<String>, Infallible> {
        Ok(self
            .users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .map(|u| u.user_id.clone()))
    }

    fn user_id_by_name_zip(
        &self,
        first_name: &str,
        last_name: &str,
        zip: &str,
    ) -> Result<Option<String>, Infallible> {
        Ok(self
            .users
            .values()
            .find(|u| {
                u.name.first_name.eq_ignore_ascii_case(first_name)
                    && u.name.last_name.eq_ignore_ascii_case(last_name)
                    && u.address.zip == zip
            })
            .map(|u| u.user_id.clone()))
    }

    fn product_types(&self) -> Result<BTreeMap<String, String>, Infallible> {
        Ok(self
            .products
            .values()
            .map(|p| (p.name.clone(), p.product_id.clone()))
            .collect())
    }
}
