//! What a model call costs: a price per million tokens for each kind of token, per model, set
//! in the workspace's settings. Providers bill input, output and cached tokens differently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// US dollars per million tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
}

impl Price {
    /// The cost of one call's tokens.
    pub fn cost(&self, input: u32, output: u32, cache_read: u32, cache_write: u32) -> f64 {
        (f64::from(input) * self.input
            + f64::from(output) * self.output
            + f64::from(cache_read) * self.cache_read
            + f64::from(cache_write) * self.cache_write)
            / 1_000_000.0
    }

    pub fn is_valid(&self) -> bool {
        [self.input, self.output, self.cache_read, self.cache_write]
            .iter()
            .all(|p| p.is_finite() && *p >= 0.0)
    }
}

/// Prices by model name. A model without a price has an unknown cost: its steps show "not
/// priced" and only the step cap limits it, so set a price (0 for a local model).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceTable(pub BTreeMap<String, Price>);

impl PriceTable {
    pub fn price(&self, model: &str) -> Option<&Price> {
        self.0.get(model)
    }

    /// A starting table: list prices of a few common models (USD per million tokens) as
    /// published by the providers in 2025; check them against your contract.
    pub fn starter() -> PriceTable {
        let p = |input, output, cache_read, cache_write| Price {
            input,
            output,
            cache_read,
            cache_write,
        };
        PriceTable(BTreeMap::from([
            ("gpt-4o-mini".to_owned(), p(0.15, 0.60, 0.075, 0.0)),
            ("gpt-4o".to_owned(), p(2.50, 10.0, 1.25, 0.0)),
            ("gpt-4.1-mini".to_owned(), p(0.40, 1.60, 0.10, 0.0)),
            (
                "claude-3-5-haiku-latest".to_owned(),
                p(0.80, 4.0, 0.08, 1.0),
            ),
            ("claude-sonnet-4-0".to_owned(), p(3.0, 15.0, 0.30, 3.75)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_counts_every_kind_of_token() {
        let p = Price {
            input: 3.0,
            output: 15.0,
            cache_read: 0.3,
            cache_write: 3.75,
        };
        let c = p.cost(1_000_000, 100_000, 2_000_000, 0);
        assert!((c - (3.0 + 1.5 + 0.6)).abs() < 1e-9, "{c}");
        assert_eq!(Price::default().cost(5, 5, 5, 5), 0.0);
        assert!(!Price { input: -1.0, ..p }.is_valid());
        assert!(!Price {
            output: f64::NAN,
            ..p
        }
        .is_valid());
    }
}
