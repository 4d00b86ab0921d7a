//! The ceiling for the deadline-surge benchmark: how many auto-save transactions the bare
//! database commits per second on this machine, with no HTTP, no JSON and no application code.
//! One transaction is what an auto-save must at least do: rewrite one ~8.5 KB proposal row and
//! append one audit row. `benches/surge.py` runs it in the same session as the HTTP load, so
//! the two numbers are comparable.
//!
//! `cargo bench --bench surge_ceiling -- sqlite <file> <seconds>`
//! `cargo bench --bench surge_ceiling -- postgres <url> <seconds> <connections>`
//! Prints one JSON line: `{"backend", "transactions", "seconds", "per_second"}`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Integer, Text};
use kyoso::db::DbConn;

const ROWS: i32 = 47;

fn content(n: u64) -> String {
    // About the size of a complete proposal's JSON.
    format!("{{\"summary\":\"auto-save {n}\",\"body\":\"{}\"}}", "地域産学官共同研究拠点".repeat(270))
}

fn prepare(conn: &mut DbConn, serial: &str) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "DROP TABLE IF EXISTS ceiling_proposals; DROP TABLE IF EXISTS ceiling_audit;
         CREATE TABLE ceiling_proposals (id INTEGER PRIMARY KEY, content TEXT NOT NULL, version INTEGER NOT NULL);
         CREATE TABLE ceiling_audit (id {serial}, entity_id INTEGER NOT NULL, details TEXT NOT NULL);"
    ))
}

fn auto_save(conn: &mut DbConn, row: i32, n: u64) -> QueryResult<()> {
    conn.transaction(|c| {
        sql_query("UPDATE ceiling_proposals SET content = $1, version = version + 1 WHERE id = $2")
            .bind::<Text, _>(content(n))
            .bind::<Integer, _>(row)
            .execute(c)?;
        sql_query("INSERT INTO ceiling_audit (entity_id, details) VALUES ($1, $2)")
            .bind::<Integer, _>(row)
            .bind::<Text, _>("{\"fields\":[\"summary\"]}")
            .execute(c)?;
        Ok(())
    })
}

fn fill(conn: &mut DbConn) -> QueryResult<()> {
    for row in 1..=ROWS {
        sql_query("INSERT INTO ceiling_proposals (id, content, version) VALUES ($1, $2, 1)")
            .bind::<Integer, _>(row)
            .bind::<Text, _>(content(0))
            .execute(conn)?;
    }
    Ok(())
}

fn report(backend: &str, transactions: u64, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{{\"backend\":\"{backend}\",\"transactions\":{transactions},\"seconds\":{seconds:.3},\"per_second\":{:.0}}}",
        transactions as f64 / seconds
    );
}

fn sqlite(path: &str, seconds: u64) -> QueryResult<()> {
    let mut conn = SqliteConnection::establish(path).map(DbConn::Sqlite).map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
    // The settings the server uses (src/db/mod.rs).
    conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    prepare(&mut conn, "INTEGER PRIMARY KEY")?;
    fill(&mut conn)?;
    // SQLite has one writer at a time: one connection is its best case.
    let (start, deadline) = (Instant::now(), Duration::from_secs(seconds));
    let mut n = 0;
    while start.elapsed() < deadline {
        n += 1;
        auto_save(&mut conn, (n % ROWS as u64) as i32 + 1, n)?;
    }
    report("sqlite", n, start.elapsed());
    Ok(())
}

fn postgres(url: &str, seconds: u64, connections: usize) -> QueryResult<()> {
    let connect = || PgConnection::establish(url).map(DbConn::Pg).map_err(|e| diesel::result::Error::QueryBuilderError(e.into()));
    let mut conn = connect()?;
    prepare(&mut conn, "BIGSERIAL PRIMARY KEY")?;
    fill(&mut conn)?;
    let (done, count) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|w| {
            let (done, count, mut conn) = (Arc::clone(&done), Arc::clone(&count), connect());
            std::thread::spawn(move || -> QueryResult<()> {
                let conn = conn.as_mut().map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
                let mut n = w as u64;
                while !done.load(Ordering::Relaxed) {
                    // Each worker saves its own rows, as each prefecture edits its own draft.
                    auto_save(conn, (n % ROWS as u64) as i32 + 1, n)?;
                    count.fetch_add(1, Ordering::Relaxed);
                    n += connections as u64;
                }
                Ok(())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    done.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().map_err(|_| diesel::result::Error::RollbackTransaction)??;
    }
    report("postgres", count.load(Ordering::Relaxed), start.elapsed());
    conn.batch_execute("DROP TABLE ceiling_proposals; DROP TABLE ceiling_audit;")
}

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; only the positional words count.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let number = |i: usize, default: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let result = match args.first().map(String::as_str) {
        Some("sqlite") if args.len() >= 2 => sqlite(&args[1], number(2, 10)),
        Some("postgres") if args.len() >= 2 => postgres(&args[1], number(2, 10), number(3, 8) as usize),
        _ => {
            eprintln!("usage: surge_ceiling sqlite <file> [seconds] | postgres <url> [seconds] [connections]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("surge_ceiling: {e}");
            ExitCode::FAILURE
        }
    }
}
