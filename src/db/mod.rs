//! Storage: one `DbConn` over SQLite (embedded default) and PostgreSQL (production), chosen from
//! the URL; migrations per backend; and the two ways handlers reach the database, [`Db::read`]
//! and [`Db::write`].

pub mod schema;
pub mod types;
mod writer;

pub use writer::WriterStopped;
use writer::Writer;

use std::path::{Path, PathBuf};
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

/// A connection in the pool, with when it was last given back: the pool checks only
/// connections that sat idle (a `SELECT 1` is a round trip to PostgreSQL, and a proposal read
/// is only two more).
pub struct Pooled {
    conn: DbConn,
    returned_at: std::time::Instant,
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// How long after its last use a connection is handed out again unchecked. If the server
/// dropped it meanwhile (a restart, a failover), that one request fails; Diesel then sees from
/// libpq that the connection is gone, and the pool replaces it (`has_broken`).
const TRUSTED_AFTER_USE: Duration = Duration::from_secs(1);

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let conn = self.open()?;
        Ok(Pooled { conn, returned_at: std::time::Instant::now() })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        if pooled.returned_at.elapsed() < TRUSTED_AFTER_USE {
            return Ok(());
        }
        pooled.conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (its job panicked), or one the server dropped,
    /// must not serve the next one.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.returned_at = std::time::Instant::now();
        diesel::r2d2::R2D2Connection::is_broken(&mut pooled.conn)
    }
}

impl Manager {
    fn open(&self) -> Result<DbConn, r2d2::Error> {
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
    #[error(transparent)]
    Writer(#[from] WriterStopped),
}

/// The handle handlers and workers hold. Reads run on the blocking pool. Writes on PostgreSQL
/// too: its row locks and unique constraints decide races. Writes on SQLite queue for its one
/// writer thread (see `writer`).
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    backend: Backend,
    writer: Option<Writer>,
}

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
        let writer = match backend {
            Backend::Sqlite => Some(Writer::start().map_err(|e| DbError::Blocking(e.to_string()))?),
            Backend::Postgres => None,
        };
        Ok(Self { pool, backend, writer })
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

    /// Runs `f` in one transaction: the state change, its audit event and its outbox emails
    /// commit together or not at all.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => {
                let answer = writer.queue(&self.pool, f).map_err(ApiError::internal)?;
                answer.await.map_err(|_| ApiError::internal("a write transaction panicked"))?
            }
            None => {
                let pool = self.pool.clone();
                actix_web::web::block(move || transact(&pool, f)).await?
            }
        }
    }

    /// [`Db::write`] for work outside a request (the mail worker): failures say what failed
    /// instead of becoming an HTTP problem.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => {
                let answer = writer.queue(&self.pool, f)?;
                answer.await.map_err(|_| DbError::Blocking("a write transaction panicked".into()))?
            }
            None => {
                let pool = self.pool.clone();
                actix_web::web::block(move || transact(&pool, f)).await.map_err(|e| DbError::Blocking(e.to_string()))?
            }
        }
    }

    /// [`Db::write`] for code already on a blocking thread (CLI, bootstrap): the error type is
    /// the caller's, so the CLI can report the database's own words.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + From<r2d2::PoolError> + From<DbError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => {
                let (reply, answer) = std::sync::mpsc::sync_channel(1);
                writer.submit(&self.pool, f, move |outcome| drop(reply.send(outcome))).map_err(DbError::from)?;
                answer.recv().map_err(|_| DbError::Blocking("a write transaction panicked".into()))?
            }
            None => transact(&self.pool, f),
        }
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> bool {
        self.read(|c| c.batch_execute("SELECT 1").map_err(Into::into)).await.is_ok()
    }
}

/// One transaction on a pooled connection.
fn transact<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    E: From<diesel::result::Error> + From<r2d2::PoolError>,
    F: FnOnce(&mut DbConn) -> Result<T, E>,
{
    let mut pooled = pool.get()?;
    pooled.conn.transaction(f)
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
    // Waits out another process's connection closing on the same file (its last close
    // checkpoints the WAL under an exclusive lock).
    conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
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
