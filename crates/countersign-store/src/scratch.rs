//! Throwaway workspaces for eval runs: the shop is parsed and seeded once into an in-memory
//! database, whose image is then copied into a fresh in-memory database per case. A case on a
//! scratch desk runs the same migrations, triggers, policy and code as on a durable one; only
//! durability is gone (no file, no fsync), which a case that is thrown away never needed.
//!
//! Before this, every case created, migrated and seeded a SQLite file of its own (17–30 ms a
//! case); the copy costs a memcpy of the image.

use std::sync::Arc;

use countersign_core::Clock;
use rusqlite::{Connection, MAIN_DB};

use crate::db;
use crate::desk::{self, Desk, ShopSeed};
use crate::error::DeskError;

/// A seeded, migrated workspace as bytes, shared by every scratch desk made from it.
#[derive(Clone)]
pub struct ScratchImage {
    bytes: Arc<Vec<u8>>,
}

impl std::fmt::Debug for ScratchImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchImage")
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl ScratchImage {
    /// Migrates and seeds a workspace in memory, once.
    pub fn seeded(seed: &ShopSeed) -> Result<ScratchImage, DeskError> {
        let mut conn = db::open_in_memory()?;
        desk::prepare(&mut conn, seed, None)?;
        let bytes = conn.serialize(MAIN_DB)?.to_vec();
        Ok(ScratchImage {
            bytes: Arc::new(bytes),
        })
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl Desk {
    /// A desk on a private in-memory copy of `image`: everything a durable desk does, nothing
    /// kept when it is dropped.
    pub fn scratch(image: &ScratchImage, clock: Arc<dyn Clock>) -> Result<Desk, DeskError> {
        let mut conn = Connection::open_in_memory()?;
        conn.deserialize_read_exact(MAIN_DB, image.bytes.as_slice(), image.bytes.len(), false)?;
        // Per connection, not stored in the image.
        conn.pragma_update(None, "foreign_keys", true)?;
        Ok(Desk { conn, clock })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::ManualClock;

    #[test]
    fn scratch_desks_are_independent_copies_of_one_seeded_image() {
        let image = ScratchImage::seeded(&ShopSeed::Demo).unwrap();
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let a = Desk::scratch(&image, clock.clone()).unwrap();
        let b = Desk::scratch(&image, clock).unwrap();
        // The same shop as a durable workspace seeded from the same seed.
        let dir = tempfile::tempdir().unwrap();
        let durable = Desk::open(
            dir.path(),
            &ShopSeed::Demo,
            Arc::new(ManualClock::new(1_800_000_000_000)),
        )
        .unwrap();
        assert_eq!(a.export_shop().unwrap(), durable.export_shop().unwrap());
        assert_eq!(a.gate_policy().unwrap(), durable.gate_policy().unwrap());
        // A write in one copy is not seen by the other.
        let probes = |d: &Desk| -> i64 {
            d.conn
                .query_row(
                    "SELECT count(*) FROM workspace WHERE key = 'probe'",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        a.conn
            .execute("INSERT INTO workspace VALUES ('probe', '1')", [])
            .unwrap();
        assert_eq!((probes(&a), probes(&b)), (1, 0));
        // The image carries the triggers that guard the shop.
        assert!(b.conn.execute("DELETE FROM shop_orders", []).is_err());
        let fk: i64 = b
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }
}
