//! Storage: one `DbConn` over SQLite (embedded default) and PostgreSQL (production), chosen from
//! the URL; migrations per backend; and the two ways handlers reach the database, [`Db::read`]
//! and [`Db::write`], both on the blocking pool.

pub mod schema;
pub mod types;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ApiError;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Where a `DATABASE_URL` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Target {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Target::Postgres(url.to_string())
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Target::Sqlite(PathBuf::from(path))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Target::Postgres(_) => Backend::Postgres,
            Target::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Opens connections for the pool. The derived `MultiConnection::establish` would try each
/// backend in turn and report only the last failure, hiding the real PostgreSQL error, so the
/// backend is picked here from the URL instead.
pub struct Manager {
    target: Target,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.target {
            Target::Postgres(url) => {
                diesel::PgConnection::establish(url).map(DbConn::Pg).map_err(r2d2::Error::ConnectionError)
            }
            Target::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                // Per connection: SQLite forgets these settings when a connection closes.
                // mmap: pages are read from the OS cache in place, not copied in by a read()
                // each; a connection's own page cache is emptied whenever another one commits,
                // which during a deadline surge is every request.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                     PRAGMA mmap_size = 268435456;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database file {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("database connection: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("blocking task: {0}")]
    Blocking(String),
}

/// The handle handlers and workers hold.
///
/// SQLite admits one writer at a time and answers `SQLITE_BUSY` — not a wait — when a
/// transaction that has already read tries to write while another writer committed. All writes
/// of this process therefore pass a gate, so they queue instead of failing; readers are not
/// gated (WAL lets them run beside the writer). The gate is a FIFO semaphore awaited before a
/// writer takes a thread or a connection: in a deadline surge thousands of writers wait as
/// cheap futures, in arrival order, instead of as parked threads that an unfair lock lets
/// overtake each other. PostgreSQL needs no gate: its row locks and unique constraints decide
/// races.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    backend: Backend,
    write_gate: Option<Arc<Semaphore>>,
}

/// A writer's turn at the SQLite gate (nothing on PostgreSQL); the turn ends when it is dropped.
type WriteTurn = Option<OwnedSemaphorePermit>;

impl Db {
    pub fn connect(url: &str, pool_size: u32) -> Result<Self, DbError> {
        let target = Target::parse(url);
        if let Target::Sqlite(path) = &target {
            prepare_sqlite_file(path)?;
        }
        let backend = target.backend();
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { target })?;
        let write_gate = (backend == Backend::Sqlite).then(|| Arc::new(Semaphore::new(1)));
        Ok(Self { pool, backend, write_gate })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&self) -> Result<PooledConn, r2d2::PoolError> {
        self.pool.get()
    }

    pub fn run_migrations(&self) -> Result<usize, DbError> {
        let mut conn = self.conn()?;
        run_migrations(&mut conn)
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs `f` in one transaction on the blocking thread pool: the state change, its audit
    /// event and its outbox emails commit together or not at all.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let turn = self.write_turn().await;
        let pool = self.pool.clone();
        actix_web::web::block(move || transact(&pool, turn, f)).await?
    }

    /// [`Db::write`] for work outside a request (the mail worker): failures say what failed
    /// instead of becoming an HTTP problem.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    {
        let turn = self.write_turn().await;
        let pool = self.pool.clone();
        actix_web::web::block(move || transact(&pool, turn, f)).await.map_err(|e| DbError::Blocking(e.to_string()))?
    }

    /// [`Db::write`] for code already on a blocking thread (CLI, bootstrap): the error type is
    /// the caller's, so the CLI can report the database's own words.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<r2d2::PoolError>,
        F: FnOnce(&mut DbConn) -> Result<T, E>,
    {
        // Only the CLI and startup write from a blocking context, when there is rarely anyone
        // else at the gate; polling keeps them off the async runtime.
        let turn = self.write_gate.as_ref().map(|gate| loop {
            match Arc::clone(gate).try_acquire_owned() {
                Ok(turn) => break turn,
                Err(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        });
        transact(&self.pool, turn, f)
    }

    async fn write_turn(&self) -> WriteTurn {
        match &self.write_gate {
            // The semaphore is never closed, so acquiring only fails if it were.
            Some(gate) => Arc::clone(gate).acquire_owned().await.ok(),
            None => None,
        }
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> bool {
        self.read(|c| c.batch_execute("SELECT 1").map_err(Into::into)).await.is_ok()
    }
}

/// One transaction on a pooled connection, holding the writer's turn until it has committed.
fn transact<T, E, F>(pool: &DbPool, turn: WriteTurn, f: F) -> Result<T, E>
where
    E: From<diesel::result::Error> + From<r2d2::PoolError>,
    F: FnOnce(&mut DbConn) -> Result<T, E>,
{
    let mut conn = pool.get()?;
    let conn: &mut DbConn = &mut conn;
    let result = conn.transaction(f);
    drop(turn);
    result
}

fn prepare_sqlite_file(path: &Path) -> Result<(), DbError> {
    let as_text = path.to_string_lossy();
    if as_text.starts_with("file:") || as_text == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| DbError::Folder { path: parent.to_path_buf(), source })?;
    }
    // WAL is a property of the file: set it once, before the pool opens its connections.
    let mut conn = diesel::SqliteConnection::establish(&as_text)
        .map_err(|e| DbError::Migration(format!("open {as_text}: {e}")))?;
    conn.batch_execute("PRAGMA journal_mode = WAL;")?;
    Ok(())
}

pub fn run_migrations(conn: &mut DbConn) -> Result<usize, DbError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts every migration; used by the migration round-trip test.
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<usize, DbError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    reverted.map_err(|e| DbError::Migration(e.to_string()))
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError::internal(e)
    }
}
