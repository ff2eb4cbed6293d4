//! A deterministic generator of the demo shop, in the τ-bench retail schema.
//!
//! Same seed, same shop, byte for byte: tests, evals and the sample inbox depend on it. The
//! catalogue, names and streets are our own; nothing is copied from τ-bench's data.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::*;
use crate::money::Money;

/// The seed of the shop every fresh workspace gets.
pub const DEMO_SEED: u64 = 0x00C0_FFEE;

#[derive(Clone, Debug)]
pub struct DemoSize {
    pub users: usize,
    pub orders: usize,
}

impl DemoSize {
    pub const DEFAULT: DemoSize = DemoSize {
        users: 120,
        orders: 300,
    };
}

type Dim = (&'static str, &'static [&'static str]);

/// (product name, base price in dollars, option dimensions)
const CATALOGUE: &[(&str, u32, &[Dim])] = &[
    (
        "Trail Running Shoes",
        120,
        &[
            ("size", &["7", "8", "9", "10", "11"]),
            ("color", &["slate", "orange", "black"]),
        ],
    ),
    (
        "Rain Jacket",
        140,
        &[
            ("size", &["S", "M", "L", "XL"]),
            ("color", &["navy", "olive", "yellow"]),
        ],
    ),
    (
        "Espresso Machine",
        320,
        &[
            ("pressure", &["9 bar", "15 bar"]),
            ("color", &["steel", "black"]),
        ],
    ),
    (
        "Desk Lamp",
        45,
        &[
            ("color", &["white", "black", "brass"]),
            ("bulb", &["LED", "halogen"]),
        ],
    ),
    (
        "Wireless Headphones",
        180,
        &[
            ("color", &["black", "silver", "blue"]),
            ("noise cancelling", &["yes", "no"]),
        ],
    ),
    (
        "Yoga Mat",
        35,
        &[
            ("thickness", &["4mm", "6mm", "8mm"]),
            ("color", &["teal", "plum", "grey"]),
        ],
    ),
    (
        "Cast Iron Skillet",
        55,
        &[("diameter", &["8 inch", "10 inch", "12 inch"])],
    ),
    (
        "Backpack",
        90,
        &[
            ("capacity", &["18L", "24L", "32L"]),
            ("color", &["charcoal", "red", "sand"]),
        ],
    ),
    (
        "Smart Thermostat",
        210,
        &[
            ("color", &["white", "black"]),
            ("connectivity", &["wifi", "wifi + zigbee"]),
        ],
    ),
    (
        "Electric Kettle",
        60,
        &[
            ("capacity", &["1L", "1.7L"]),
            ("material", &["glass", "steel", "plastic"]),
        ],
    ),
    (
        "Mechanical Keyboard",
        130,
        &[
            ("switch", &["linear", "tactile", "clicky"]),
            ("layout", &["full", "tenkeyless"]),
        ],
    ),
    (
        "Office Chair",
        380,
        &[
            ("material", &["mesh", "fabric", "leather"]),
            ("color", &["black", "grey"]),
        ],
    ),
    (
        "Water Bottle",
        25,
        &[
            ("capacity", &["500ml", "750ml", "1000ml"]),
            ("color", &["green", "white", "black"]),
        ],
    ),
    (
        "Camping Tent",
        260,
        &[
            ("capacity", &["2-person", "4-person"]),
            ("season", &["3-season", "4-season"]),
        ],
    ),
    (
        "Bluetooth Speaker",
        95,
        &[
            ("color", &["red", "black", "blue"]),
            ("waterproof", &["yes", "no"]),
        ],
    ),
    (
        "Running Watch",
        240,
        &[
            ("strap", &["silicone", "nylon"]),
            ("size", &["42mm", "46mm"]),
        ],
    ),
    (
        "Air Purifier",
        230,
        &[("room size", &["small", "medium", "large"])],
    ),
    (
        "Cotton T-Shirt",
        22,
        &[
            ("size", &["S", "M", "L", "XL"]),
            ("color", &["white", "black", "heather"]),
        ],
    ),
    (
        "Bicycle Helmet",
        75,
        &[
            ("size", &["S", "M", "L"]),
            ("color", &["white", "matte black"]),
        ],
    ),
    (
        "Coffee Grinder",
        110,
        &[("type", &["burr", "blade"]), ("color", &["black", "steel"])],
    ),
];

const FIRST: &[&str] = &[
    "Amara", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jasmin", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Talia", "Umar", "Vera",
    "Wanjiru", "Xavier", "Yara", "Zoltan",
];
const LAST: &[&str] = &[
    "Abara",
    "Becker",
    "Castillo",
    "Dufresne",
    "Eriksen",
    "Fonseca",
    "Grant",
    "Haddad",
    "Iwasaki",
    "Jovanovic",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rahman",
    "Santos",
    "Takahashi",
    "Ulloa",
    "Varga",
    "Whitfield",
    "Yilmaz",
    "Zeller",
];
const STREETS: &[&str] = &[
    "Alder Lane",
    "Birch Street",
    "Canal Road",
    "Dune Avenue",
    "Elm Court",
    "Ferry Road",
    "Granite Way",
    "Harbor Drive",
    "Iris Place",
    "Juniper Street",
    "Kiln Road",
    "Lark Avenue",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Portland", "OR", "972"),
    ("Austin", "TX", "787"),
    ("Columbus", "OH", "432"),
    ("Denver", "CO", "802"),
    ("Raleigh", "NC", "276"),
    ("Madison", "WI", "537"),
    ("Tucson", "AZ", "857"),
    ("Boise", "ID", "837"),
    ("Albany", "NY", "122"),
];

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    let first = rng.random_range(1..10u8);
    let rest: String = (1..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    format!("{first}{rest}")
}

fn address(rng: &mut ChaCha8Rng) -> Address {
    let &(city, state, zip3) = CITIES.choose(rng).unwrap_or(&CITIES[0]);
    Address {
        address1: format!(
            "{} {}",
            rng.random_range(10..999),
            STREETS.choose(rng).unwrap_or(&STREETS[0])
        ),
        address2: if rng.random_bool(0.4) {
            format!("Apt {}", rng.random_range(1..60))
        } else {
            String::new()
        },
        city: city.to_owned(),
        country: "USA".to_owned(),
        state: state.to_owned(),
        zip: format!("{zip3}{:02}", rng.random_range(0..100)),
    }
}

/// Generates the demo shop. Deterministic in `seed` and `size`.
pub fn generate(seed: u64, size: &DemoSize) -> Shop {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shop = Shop::default();

    for &(name, base, dims) in CATALOGUE {
        let product_id = digits(&mut rng, 10);
        let mut variants = BTreeMap::new();
        // Every combination of options is a variant; about one in six is out of stock.
        let mut combos: Vec<Options> = vec![Options::new()];
        for &(dim, values) in dims {
            combos = combos
                .into_iter()
                .flat_map(|o| {
                    values.iter().map(move |v| {
                        let mut o = o.clone();
                        o.insert(dim.to_owned(), (*v).to_owned());
                        o
                    })
                })
                .collect();
        }
        for options in combos {
            let item_id = digits(&mut rng, 10);
            let cents = i64::from(base) * 100 + rng.random_range(-1500..1500);
            variants.insert(
                item_id.clone(),
                Variant {
                    item_id,
                    options,
                    available: rng.random_range(0..6) != 0,
                    price: Money::from_cents(cents),
                },
            );
        }
        shop.products.insert(
            product_id.clone(),
            Product {
                name: name.to_owned(),
                product_id,
                variants,
            },
        );
    }

    for _ in 0..size.users {
        let first = *FIRST.choose(&mut rng).unwrap_or(&FIRST[0]);
        let last = *LAST.choose(&mut rng).unwrap_or(&LAST[0]);
        let user_id = format!(
            "{}_{}_{}",
            first.to_lowercase(),
            last.to_lowercase(),
            digits(&mut rng, 4)
        );
        if shop.users.contains_key(&user_id) {
            continue;
        }
        let mut payment_methods = BTreeMap::new();
        let kinds = [
            PaymentSource::CreditCard,
            PaymentSource::Paypal,
            PaymentSource::GiftCard,
        ];
        let n = rng.random_range(1..=3);
        for &source in kinds.choose_multiple(&mut rng, n) {
            let prefix = match source {
                PaymentSource::CreditCard => "credit_card",
                PaymentSource::Paypal => "paypal",
                PaymentSource::GiftCard => "gift_card",
            };
            let id = format!("{prefix}_{}", digits(&mut rng, 7));
            let pm = PaymentMethod {
                source,
                id: id.clone(),
                brand: (source == PaymentSource::CreditCard).then(|| {
                    ["visa", "mastercard"]
                        .choose(&mut rng)
                        .map(|s| (*s).to_owned())
                        .unwrap_or_default()
                }),
                last_four: (source == PaymentSource::CreditCard)
                    .then(|| format!("{:04}", rng.random_range(0..10000))),
                balance: (source == PaymentSource::GiftCard)
                    .then(|| Money::from_cents(rng.random_range(0..300) * 100)),
            };
            payment_methods.insert(id, pm);
        }
        let email = format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            last.to_lowercase(),
            rng.random_range(10..99)
        );
        let user = User {
            user_id: user_id.clone(),
            name: Name {
                first_name: first.to_owned(),
                last_name: last.to_owned(),
            },
            address: address(&mut rng),
            email,
            payment_methods,
            orders: Vec::new(),
        };
        shop.users.insert(user_id, user);
    }

    let user_ids: Vec<String> = shop.users.keys().cloned().collect();
    let products: Vec<Product> = shop.products.values().cloned().collect();
    for _ in 0..size.orders {
        let Some(user_id) = user_ids.choose(&mut rng).cloned() else {
            break;
        };
        let order_id = format!("#W{}", digits(&mut rng, 7));
        if shop.orders.contains_key(&order_id) {
            continue;
        }
        let n_items = rng.random_range(1..=4);
        let mut items = Vec::new();
        for _ in 0..n_items {
            let Some(product) = products.choose(&mut rng) else {
                break;
            };
            let variants: Vec<&Variant> = product.variants.values().collect();
            let Some(v) = variants.choose(&mut rng) else {
                continue;
            };
            items.push(OrderItem {
                name: product.name.clone(),
                product_id: product.product_id.clone(),
                item_id: v.item_id.clone(),
                price: v.price,
                options: v.options.clone(),
            });
        }
        let total: Money = items.iter().map(|i| i.price).sum();
        let user = &shop.users[&user_id];
        let methods: Vec<&String> = user.payment_methods.keys().collect();
        let pm = methods
            .choose(&mut rng)
            .map(|s| (*s).clone())
            .unwrap_or_default();
        let status = match rng.random_range(0..100) {
            0..=39 => OrderStatus::Pending,
            40..=74 => OrderStatus::Delivered,
            75..=86 => OrderStatus::Processed,
            _ => OrderStatus::Cancelled,
        };
        let mut payment_history = vec![Transaction {
            transaction_type: TransactionType::Payment,
            amount: total,
            payment_method_id: pm.clone(),
        }];
        if status == OrderStatus::Cancelled {
            payment_history.push(Transaction {
                transaction_type: TransactionType::Refund,
                amount: total,
                payment_method_id: pm,
            });
        }
        let fulfillments = if matches!(status, OrderStatus::Processed | OrderStatus::Delivered) {
            vec![Fulfillment {
                tracking_id: vec![digits(&mut rng, 12)],
                item_ids: items.iter().map(|i| i.item_id.clone()).collect(),
            }]
        } else {
            Vec::new()
        };
        let order = Order {
            order_id: order_id.clone(),
            user_id: user_id.clone(),
            address: user.address.clone(),
            items,
            status,
            fulfillments,
            payment_history,
            cancel_reason: None,
            return_items: None,
            return_payment_method_id: None,
            exchange_items: None,
            exchange_new_items: None,
            exchange_payment_method_id: None,
            exchange_price_difference: None,
        };
        if let Some(u) = shop.users.get_mut(&user_id) {
            u.orders.push(order_id.clone());
        }
        shop.orders.insert(order_id, order);
    }
    shop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_shop() {
        let a = serde_json::to_string(&generate(DEMO_SEED, &DemoSize::DEFAULT)).unwrap();
        let b = serde_json::to_string(&generate(DEMO_SEED, &DemoSize::DEFAULT)).unwrap();
        assert_eq!(a, b);
        let c = serde_json::to_string(&generate(DEMO_SEED + 1, &DemoSize::DEFAULT)).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn the_demo_shop_is_consistent() {
        let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
        assert!(shop.users.len() > 100);
        assert!(shop.orders.len() > 250);
        assert_eq!(shop.products.len(), CATALOGUE.len());
        for order in shop.orders.values() {
            let owner = &shop.users[&order.user_id];
            assert!(owner.orders.contains(&order.order_id));
            assert!(owner
                .payment_methods
                .contains_key(&order.payment_history[0].payment_method_id));
            for item in &order.items {
                assert!(shop.products[&item.product_id]
                    .variants
                    .contains_key(&item.item_id));
            }
        }
        // Round-trips through the τ JSON form unchanged.
        let json = serde_json::to_string(&shop).unwrap();
        assert_eq!(Shop::from_tau_json(&json).unwrap(), shop);
    }
}
