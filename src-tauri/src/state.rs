//! The app's state: the workspace in the app's data dir (the CLI's default too), opened once
//! for writing and read through a small pool of read-only connections, and the keychain.
//!
//! Commands never touch a connection on the main thread: [`AppState::read`] and
//! [`AppState::write`] run their work on Tauri's blocking pool. Reads use their own read-only
//! connections (WAL: they see the last commit and never wait for the writer), so a long search
//! or export neither blocks the window nor an approval.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use countersign_core::{Clock, SystemClock};
use countersign_llm::Breakers;
use countersign_store::{Desk, DeskError, DeskReader, ShopSeed};

use crate::ipc_error::IpcError;
use crate::secrets::KeychainSecretStore;
use crate::test_hooks::TestHooks;
use crate::wake::Wake;

/// Idle read connections kept open; more are opened when reads overlap, then closed.
const IDLE_READERS: usize = 2;

pub struct AppState {
    writer: Arc<Mutex<Desk>>,
    readers: Arc<ReadPool>,
    pub data_dir: PathBuf,
    pub secrets: KeychainSecretStore,
    pub test_hooks: TestHooks,
    /// Who is at this desktop: the OS account the app runs under. Decisions are recorded
    /// under this name, and the core looks up the role an administrator assigned to it; the
    /// page can neither choose the name nor the role.
    pub operator: String,
    /// One circuit breaker per provider endpoint, for the life of the app: a provider that is
    /// down stays known as down from one conversation to the next.
    pub breakers: Arc<Breakers>,
    /// Nudges the mailbox poller (settings changed, "check now").
    pub wake_poller: Arc<Wake>,
    /// Nudges the reply sender (a reply was approved or a failed send resolved).
    pub wake_sender: Arc<Wake>,
    /// Nudges the eval syncer (a decision was captured, settings changed, "sync now").
    pub wake_syncer: Arc<Wake>,
    /// Set with a nudge that a person asked for ("sync now", settings): it cuts a backoff
    /// short, where a decision's nudge waits for it.
    pub sync_urgent: Arc<std::sync::atomic::AtomicBool>,
}

struct ReadPool {
    data_dir: PathBuf,
    clock: Arc<dyn Clock>,
    idle: Mutex<Vec<DeskReader>>,
}

/// A panic while holding a lock leaves the desk as the last committed transaction left it
/// (every change is one transaction), so the lock is safe to reuse.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ReadPool {
    fn with<T>(&self, f: impl FnOnce(&DeskReader) -> T) -> Result<T, DeskError> {
        let idle = lock(&self.idle).pop();
        let reader = match idle {
            Some(r) => r,
            None => DeskReader::open(&self.data_dir, self.clock.clone())?,
        };
        let out = f(&reader);
        let mut idle = lock(&self.idle);
        if idle.len() < IDLE_READERS {
            idle.push(reader);
        }
        Ok(out)
    }
}

impl AppState {
    /// With no configuration, the workspace is the demo: generated shop, rules planner and the
    /// sample inbox already processed.
    pub fn open(data_dir: &Path) -> Result<AppState, DeskError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mut desk = Desk::open(data_dir, &ShopSeed::Demo, clock.clone())?;
        let seeded = countersign_evals::inbox::seed_demo_inbox(&mut desk)?;
        if seeded > 0 {
            tracing::info!(requests = seeded, "processed the demo inbox");
        }
        let readers = ReadPool {
            data_dir: data_dir.to_owned(),
            clock,
            idle: Mutex::new(Vec::new()),
        };
        // Open one now, so a workspace the reader cannot use fails at start, not on first click.
        readers.with(|_| ())?;
        Ok(AppState {
            writer: Arc::new(Mutex::new(desk)),
            readers: Arc::new(readers),
            data_dir: data_dir.to_owned(),
            secrets: KeychainSecretStore::new(),
            test_hooks: TestHooks::from_env(),
            operator: operator(),
            breakers: Arc::new(Breakers::default()),
            wake_poller: Arc::new(Wake::default()),
            wake_sender: Arc::new(Wake::default()),
            wake_syncer: Arc::new(Wake::default()),
            sync_urgent: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        })
    }

    /// A person asked for a sync (or changed where it goes): at once, even during a backoff.
    pub fn sync_now(&self) {
        self.sync_urgent
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake_syncer.notify();
    }

    /// Runs `f` on a read-only connection, on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, IpcError>
    where
        T: Send + 'static,
        F: FnOnce(&DeskReader) -> Result<T, IpcError> + Send + 'static,
    {
        let readers = self.readers.clone();
        off_main(move || readers.with(f)?).await
    }

    /// Runs `f` on the writer, on the blocking pool. Writes queue on one connection (and on
    /// SQLite's lock across processes); each is one transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, IpcError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Desk) -> Result<T, IpcError> + Send + 'static,
    {
        let writer = self.writer.clone();
        off_main(move || f(&mut lock(&writer))).await
    }

    /// [`AppState::read`] for a thread of the app's own (the watcher), which may block.
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&DeskReader) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        self.readers.with(f)?
    }

    /// A read-only connection of its own, for a thread that keeps one (the planner worker).
    pub fn open_reader(&self) -> Result<DeskReader, DeskError> {
        DeskReader::open(&self.readers.data_dir, self.readers.clock.clone())
    }

    /// A writer of its own, for a worker that waits on the network between its transactions
    /// (the mail poller, the reply sender): the window's writer is never held across a slow
    /// server, and SQLite orders the two writers as it does the app and the CLI.
    pub fn open_desk(&self) -> Result<Desk, DeskError> {
        self.desk_opener().open()
    }

    /// [`AppState::open_desk`] for later, from a task that cannot borrow the state.
    pub fn desk_opener(&self) -> DeskOpener {
        DeskOpener {
            data_dir: self.readers.data_dir.clone(),
            clock: self.readers.clock.clone(),
        }
    }

    /// [`AppState::write`] for a thread of the app's own (the watcher), which may block.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut Desk) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        f(&mut lock(&self.writer))
    }
}

/// Opens a writer of the workspace's own ([`AppState::desk_opener`]).
pub struct DeskOpener {
    data_dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl DeskOpener {
    pub fn open(&self) -> Result<Desk, DeskError> {
        Desk::open(&self.data_dir, &ShopSeed::Demo, self.clock.clone())
    }
}

/// The OS account's name (`USER`, or `USERNAME` on Windows).
fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "agent".into())
}

/// Runs blocking work (SQLite, the keychain, files) on Tauri's blocking pool, never on the
/// main thread that draws the window.
pub async fn off_main<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::new("internal", format!("the command stopped: {e}")))?
}
