//! The shop, kept in SQLite as one JSON document per record, with the columns look-ups need.
//!
//! Only an approved execution may change a record: triggers refuse any UPDATE unless an
//! `executions` row for that subject is open in the same transaction, and refuse DELETE always.
//! The Rust code keeps the rule too; the triggers make a slip impossible rather than unlikely.

use std::collections::BTreeMap;

use countersign_shop::{Order, Product, Shop, ShopView, User};
use rusqlite::{Connection, OptionalExtension};

use crate::error::DeskError;

pub(crate) const SCHEMA_V1: &str = "
CREATE TABLE shop_users (
    user_id    TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    zip        TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX shop_users_email ON shop_users (lower(email));
CREATE INDEX shop_users_name_zip ON shop_users (zip, lower(last_name));

CREATE TABLE shop_orders (
    order_id TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL,
    doc      TEXT NOT NULL
) STRICT;
CREATE INDEX shop_orders_user ON shop_orders (user_id);

CREATE TABLE shop_products (
    product_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;

CREATE TABLE shop_items (
    item_id    TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES shop_products (product_id)
) STRICT;

CREATE TRIGGER shop_orders_update_needs_execution BEFORE UPDATE ON shop_orders
WHEN NOT EXISTS (SELECT 1 FROM executions WHERE applied = 0 AND subject = 'order:' || OLD.order_id)
BEGIN SELECT RAISE(ABORT, 'shop records change only through an approved execution'); END;

CREATE TRIGGER shop_users_update_needs_execution BEFORE UPDATE ON shop_users
WHEN NOT EXISTS (SELECT 1 FROM executions WHERE applied = 0 AND customer_id = OLD.user_id)
BEGIN SELECT RAISE(ABORT, 'shop records change only through an approved execution'); END;

CREATE TRIGGER shop_orders_no_delete BEFORE DELETE ON shop_orders
BEGIN SELECT RAISE(ABORT, 'shop records are never deleted'); END;
CREATE TRIGGER shop_users_no_delete BEFORE DELETE ON shop_users
BEGIN SELECT RAISE(ABORT, 'shop records are never deleted'); END;
";

/// A [`ShopView`] over a connection (or a transaction, which derefs to one).
#[derive(Debug)]
pub struct SqlShop<'c>(pub &'c Connection);

#[derive(Debug, thiserror::Error)]
pub enum ShopReadError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error("stored shop record {0} is corrupt: {1}")]
    Corrupt(String, serde_json::Error),
}

impl From<ShopReadError> for DeskError {
    fn from(e: ShopReadError) -> Self {
        match e {
            ShopReadError::Sql(e) => DeskError::Storage(e),
            ShopReadError::Corrupt(id, e) => DeskError::Corrupt(format!("shop record {id}: {e}")),
        }
    }
}

impl SqlShop<'_> {
    fn doc<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        id: &str,
    ) -> Result<Option<T>, ShopReadError> {
        let text: Option<String> = self
            .0
            .prepare_cached(sql)?
            .query_row([id], |r| r.get(0))
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| ShopReadError::Corrupt(id.to_owned(), e)))
            .transpose()
    }

    pub fn is_empty(&self) -> Result<bool, rusqlite::Error> {
        let n: i64 = self
            .0
            .query_row("SELECT count(*) FROM shop_users", [], |r| r.get(0))?;
        Ok(n == 0)
    }
}

impl ShopView for SqlShop<'_> {
    type Error = ShopReadError;

    fn user(&self, user_id: &str) -> Result<Option<User>, ShopReadError> {
        self.doc("SELECT doc FROM shop_users WHERE user_id = ?1", user_id)
    }

    fn order(&self, order_id: &str) -> Result<Option<Order>, ShopReadError> {
        self.doc("SELECT doc FROM shop_orders WHERE order_id = ?1", order_id)
    }

    fn product(&self, product_id: &str) -> Result<Option<Product>, ShopReadError> {
        self.doc(
            "SELECT doc FROM shop_products WHERE product_id = ?1",
            product_id,
        )
    }

    fn product_of_item(&self, item_id: &str) -> Result<Option<Product>, ShopReadError> {
        self.doc(
            "SELECT p.doc FROM shop_items i JOIN shop_products p USING (product_id) WHERE i.item_id = ?1",
            item_id,
        )
    }

    fn user_id_by_email(&self, email: &str) -> Result<Option<String>, ShopReadError> {
        Ok(self
            .0
            .prepare_cached("SELECT user_id FROM shop_users WHERE lower(email) = lower(?1)")?
            .query_row([email], |r| r.get(0))
            .optional()?)
    }

    fn user_id_by_name_zip(
        &self,
        first: &str,
        last: &str,
        zip: &str,
    ) -> Result<Option<String>, ShopReadError> {
        Ok(self
            .0
            .query_row(
                "SELECT user_id FROM shop_users
                 WHERE zip = ?3 AND lower(last_name) = lower(?2) AND lower(first_name) = lower(?1)
                 ORDER BY user_id LIMIT 1",
                (first, last, zip),
                |r| r.get(0),
            )
            .optional()?)
    }

    fn product_types(&self) -> Result<BTreeMap<String, String>, ShopReadError> {
        let mut stmt = self
            .0
            .prepare("SELECT name, product_id FROM shop_products")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, DeskError> {
    serde_json::to_string(v).map_err(|e| DeskError::Corrupt(e.to_string()))
}

/// Fills an empty shop. Call inside the transaction that creates the workspace.
pub(crate) fn seed(conn: &Connection, shop: &Shop) -> Result<(), DeskError> {
    let mut users = conn.prepare(
        "INSERT INTO shop_users (user_id, email, first_name, last_name, zip, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for u in shop.users.values() {
        users.execute((
            &u.user_id,
            &u.email,
            &u.name.first_name,
            &u.name.last_name,
            &u.address.zip,
            json(u)?,
        ))?;
    }
    let mut orders =
        conn.prepare("INSERT INTO shop_orders (order_id, user_id, doc) VALUES (?1, ?2, ?3)")?;
    for o in shop.orders.values() {
        orders.execute((&o.order_id, &o.user_id, json(o)?))?;
    }
    let mut products =
        conn.prepare("INSERT INTO shop_products (product_id, name, doc) VALUES (?1, ?2, ?3)")?;
    let mut items = conn.prepare("INSERT INTO shop_items (item_id, product_id) VALUES (?1, ?2)")?;
    for p in shop.products.values() {
        products.execute((&p.product_id, &p.name, json(p)?))?;
        for item_id in p.variants.keys() {
            items.execute((item_id, &p.product_id))?;
        }
    }
    Ok(())
}

/// Stores records an approved execution changed. The triggers above check the execution.
pub(crate) fn write(
    conn: &Connection,
    order: Option<&Order>,
    user: Option<&User>,
) -> Result<(), DeskError> {
    if let Some(o) = order {
        conn.execute(
            "UPDATE shop_orders SET doc = ?2 WHERE order_id = ?1",
            (&o.order_id, json(o)?),
        )?;
    }
    if let Some(u) = user {
        conn.execute(
            "UPDATE shop_users SET doc = ?2, email = ?3, zip = ?4 WHERE user_id = ?1",
            (&u.user_id, json(u)?, &u.email, &u.address.zip),
        )?;
    }
    Ok(())
}

/// Reads the whole shop back, in τ form.
pub(crate) fn export(conn: &Connection) -> Result<Shop, DeskError> {
    fn all<T: serde::de::DeserializeOwned>(
        conn: &Connection,
        sql: &str,
    ) -> Result<Vec<T>, DeskError> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(
                serde_json::from_str(&row?)
                    .map_err(|e| DeskError::Corrupt(format!("shop record: {e}")))?,
            );
        }
        Ok(out)
    }
    let users: Vec<User> = all(conn, "SELECT doc FROM shop_users")?;
    let orders: Vec<Order> = all(conn, "SELECT doc FROM shop_orders")?;
    let products: Vec<Product> = all(conn, "SELECT doc FROM shop_products")?;
    Ok(Shop {
        users: users.into_iter().map(|u| (u.user_id.clone(), u)).collect(),
        orders: orders
            .into_iter()
            .map(|o| (o.order_id.clone(), o))
            .collect(),
        products: products
            .into_iter()
            .map(|p| (p.product_id.clone(), p))
            .collect(),
    })
}
