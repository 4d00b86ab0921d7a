//! Where passwords are hashed and verified. argon2id costs 19 MiB and tens of milliseconds per
//! call, and a login is the one costly thing anyone can ask for without signing in, so it gets
//! a few threads of its own — as many as the cores — instead of the shared blocking pool: a
//! login storm then queues instead of starving the database work, and only those threads' heaps
//! ever hold a hash's memory. A request that cannot start within the deadline is answered 503
//! with `Retry-After` rather than waiting without bound.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

pub struct HashingPool {
    /// One permit per thread: holding one means a thread is free to take the job at once.
    permits: Arc<Semaphore>,
    wait: Duration,
    jobs: Mutex<mpsc::Sender<Job>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HashingError {
    #[error("no password-hashing thread came free within {0:?}")]
    Busy(Duration),
    #[error("the password-hashing thread stopped before answering")]
    Lost,
}

impl HashingPool {
    pub fn start(threads: usize, wait: Duration) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new().name(format!("password-hashing-{n}")).spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job, never while running it.
                    let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match next {
                        Ok(job) => job(),
                        Err(_) => return, // the pool was dropped
                    }
                }
            })?;
        }
        Ok(Self { permits: Arc::new(Semaphore::new(threads)), wait, jobs: Mutex::new(sender) })
    }

    /// The threads available: the machine's cores unless configured.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    }

    /// How long a refused caller should wait before trying again, in whole seconds.
    pub fn retry_after_secs(&self) -> u64 {
        self.wait.as_secs().max(1)
    }

    /// Runs `job` on a hashing thread once one is free, or gives up after the deadline.
    pub async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, HashingError> {
        let permit = match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => return Err(HashingError::Busy(self.wait)),
        };
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(job());
            // The thread is free again only now, even if the caller stopped waiting.
            drop(permit);
        });
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).send(job).map_err(|_| HashingError::Lost)?;
        answered.await.map_err(|_| HashingError::Lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_waits_for_a_free_thread_and_gives_up_at_the_deadline() {
        let pool = HashingPool::start(1, Duration::from_millis(50)).unwrap();
        let (release, held) = mpsc::channel::<()>();
        let (started, has_started) = oneshot::channel();
        let pool = Arc::new(pool);
        let busy = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move {
                pool.run(move || {
                    let _ = started.send(());
                    held.recv().ok();
                    "first"
                })
                .await
            }
        });
        has_started.await.unwrap();

        assert_eq!(pool.run(|| "second").await, Err(HashingError::Busy(Duration::from_millis(50))));

        release.send(()).unwrap();
        assert_eq!(busy.await.unwrap(), Ok("first"));
        assert_eq!(pool.run(|| 2 + 2).await, Ok(4));
    }

    #[tokio::test]
    async fn jobs_run_on_the_pool_threads() {
        let pool = HashingPool::start(2, Duration::from_secs(1)).unwrap();
        let name = pool.run(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert!(name.is_some_and(|n| n.starts_with("password-hashing-")));
    }
}
