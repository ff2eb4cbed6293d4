//! Work spread over threads, for eval runs and replays: each worker has its own
//! single-threaded runtime (a model call waits on the network, the rules planner never does),
//! results come back in input order, and the first error in input order is the run's error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::eval::EvalError;

/// Applies `work` to every item on `jobs` threads. After an error no new item is started.
pub fn map_in_parallel<T, R, F>(items: &[T], jobs: usize, work: F) -> Result<Vec<R>, EvalError>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T, &tokio::runtime::Runtime) -> Result<R, EvalError> + Sync,
{
    let jobs = jobs.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<R, EvalError>>> = Vec::new();
    slots.resize_with(items.len(), || None);
    let slots = Mutex::new(slots);
    // Stop handing out items: the run reports its first error.
    let stop = || next.fetch_add(items.len(), Ordering::Relaxed);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let i = stop();
                        if i < items.len() {
                            lock(&slots)[i] = Some(Err(EvalError::Temp(e)));
                        }
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { return };
                    let result = work(i, item, &runtime);
                    let failed = result.is_err();
                    lock(&slots)[i] = Some(result);
                    if failed {
                        stop();
                        return;
                    }
                }
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut results = Vec::with_capacity(items.len());
    for slot in slots {
        match slot {
            Some(Ok(r)) => results.push(r),
            Some(Err(e)) => return Err(e),
            // Not started because an earlier-started item failed; that error comes first or
            // is found below in input order.
            None => {}
        }
    }
    Ok(results)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker that panicked has already failed the run (the scope re-raises it).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_and_the_first_error_wins() {
        let items: Vec<usize> = (0..100).collect();
        let out = map_in_parallel(&items, 4, |i, x, _| {
            assert_eq!(i, *x);
            Ok(x * 2)
        })
        .unwrap();
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        let err = map_in_parallel(&items, 4, |_, x, _| {
            if *x == 7 {
                Err(EvalError::Temp(std::io::Error::other("seven")))
            } else {
                Ok(*x)
            }
        })
        .unwrap_err();
        assert!(err.to_string().contains("seven"), "{err}");
    }
}
