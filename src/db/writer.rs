//! SQLite's one writer: a thread that runs every write transaction of this process, in the
//! order they were asked for.
//!
//! SQLite admits one writer at a time and answers `SQLITE_BUSY` — not a wait — when a
//! transaction that has already read tries to write after another writer committed, so the
//! writes of this process must take turns. They used to take them at a semaphore in front of
//! the blocking pool; then every write paid two thread hand-overs (the semaphore waking the
//! next task, the task waking a blocking thread) while it held the turn, and in a deadline
//! surge the turn was idle almost half the time. Here the thread that commits one write starts
//! the next queued one at once: callers wait as cheap futures (or a parked CLI thread), in
//! arrival order, and only the answer crosses back.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

use super::{DbPool, transact};

/// A write waiting for its turn: it takes a connection from the pool, runs its transaction and
/// hands the outcome to whoever is waiting for it. Each job carries its own handle on the pool,
/// so the thread keeps no connection open once the last `Db` is gone (a second `Db` on the same
/// file, as a restart in the tests opens, would meet them as "database is locked").
type Job = Box<dyn FnOnce() + Send>;

/// The queue in front of the writer thread. Cloned with the [`super::Db`]; the thread ends when
/// the last clone is dropped.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

/// The writer thread is gone: only a bug (a panic outside a job) ends it early.
#[derive(Debug, thiserror::Error)]
#[error("the SQLite writer thread has stopped")]
pub struct WriterStopped;

impl Writer {
    pub fn start() -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            for job in queue {
                // A job that panics drops its reply, so its caller gets an error instead of an
                // answer; its connection goes back to the pool, which discards it if the panic
                // left a transaction open (`Manager::has_broken`). The next job runs as usual.
                let _ = catch_unwind(AssertUnwindSafe(|| job()));
            }
        })?;
        Ok(Self { jobs })
    }

    /// Queues `f` as one transaction; `reply` receives its outcome once it has committed or
    /// rolled back (and is dropped unanswered if `f` panics).
    pub fn submit<T, E, F, R>(&self, pool: &DbPool, f: F, reply: R) -> Result<(), WriterStopped>
    where
        E: From<diesel::result::Error> + From<diesel::r2d2::PoolError>,
        F: FnOnce(&mut super::DbConn) -> Result<T, E> + Send + 'static,
        R: FnOnce(Result<T, E>) + Send + 'static,
    {
        let pool = pool.clone();
        self.jobs.send(Box::new(move || reply(transact(&pool, f)))).map_err(|_| WriterStopped)
    }

    /// [`Writer::submit`] for an async caller: the outcome arrives on the returned channel,
    /// which closes unanswered if `f` panics.
    pub fn queue<T, E, F>(&self, pool: &DbPool, f: F) -> Result<tokio::sync::oneshot::Receiver<Result<T, E>>, WriterStopped>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + From<diesel::r2d2::PoolError> + Send + 'static,
        F: FnOnce(&mut super::DbConn) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.submit(pool, f, move |outcome| drop(reply.send(outcome)))?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use crate::db::{Db, DbConn};
    use crate::error::ApiError;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(path: &std::path::Path) -> i64 {
        // A connection of its own, outside the pool: what another process would see.
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open the file");
        diesel::sql_query("SELECT COUNT(*) AS n FROM saves").get_result::<Count>(&mut conn).expect("count").n
    }

    fn save(conn: &mut DbConn, n: i64) -> Result<(), ApiError> {
        diesel::sql_query("INSERT INTO saves (n) VALUES (?)").bind::<BigInt, _>(n).execute(conn)?;
        Ok(())
    }

    fn database() -> (tempfile::TempDir, std::path::PathBuf, Db) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("writer.sqlite3");
        let db = Db::connect(&path.to_string_lossy(), 2).expect("open");
        db.write_blocking(|c| -> Result<(), super::super::DbError> {
            c.batch_execute("CREATE TABLE saves (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")?;
            Ok(())
        })
        .expect("a table");
        (dir, path, db)
    }

    #[actix_web::test]
    async fn a_write_that_panics_is_rolled_back_and_the_next_write_runs() {
        let (_dir, path, db) = database();
        let panicked: Result<(), ApiError> = db
            .write(|c| {
                save(c, 1)?;
                panic!("a bug in the middle of a transaction");
            })
            .await;
        assert!(matches!(panicked, Err(e) if e.status.as_u16() == 500));
        // Its connection was left inside the transaction: reused, it would swallow the next
        // write into that transaction, which never commits.
        for n in 2..=4 {
            db.write(move |c| save(c, n)).await.expect("the writer still runs");
        }
        assert_eq!(count(&path), 3);
    }

    #[actix_web::test]
    async fn writes_run_in_the_order_they_were_asked_for() {
        let (_dir, path, db) = database();
        let writes: Vec<_> = (0..200).map(|n| db.write(move |c| save(c, n))).collect();
        for outcome in futures_util::future::join_all(writes).await {
            outcome.expect("saved");
        }
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open the file");
        #[derive(QueryableByName)]
        struct Saved {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let order: Vec<i64> = diesel::sql_query("SELECT n FROM saves ORDER BY id").load::<Saved>(&mut conn).expect("read").into_iter().map(|s| s.n).collect();
        assert_eq!(order, (0..200).collect::<Vec<_>>());
    }
}
