//! `kyoso`: serve (the default), migrate, create an admin, or fill an empty database with demo data.

use std::io::Read as _;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use kyoso::clock::{ShiftedClock, SystemClock};
use kyoso::config::{Mode, Settings};
use kyoso::bootstrap::AdminError;
use kyoso::db::{Db, DbError};
use kyoso::startup::{Application, StartupError, build_state};

/// jemalloc instead of glibc's malloc: under the deadline surge it keeps a fraction of the
/// memory and spends less time allocating (docs/benchmarks.md, "Deadline surge").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "kyoso", version, about = "Kyoso (共創): the open call for regional S&T hubs")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Fill an EMPTY database with demo data (a call at each stage, users of every role,
    /// complete proposals) and print how to sign in.
    Demo {
        /// The password of every demo account; a random one is chosen and printed otherwise.
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an active admin; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kyoso: {e}");
            return ExitCode::FAILURE;
        }
    };
    kyoso::telemetry::init(settings.app.mode == Mode::Production);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::Admin { command: AdminCommand::Create { email, name } } => create_admin(settings, &email, &name),
        Command::Demo { password } => demo(settings, password),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kyoso: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a command failed at, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {bind}: {source}")]
    Listen { bind: String, source: std::io::Error },
    #[error("server: {0}")]
    Server(std::io::Error),
    #[error("reading the password from stdin: {0}")]
    Stdin(std::io::Error),
    #[error("admin create: {0}")]
    AdminCreate(#[from] AdminError),
    #[error(transparent)]
    Demo(#[from] kyoso::demo::DemoError),
}

fn serve(settings: Settings) -> Result<(), CliError> {
    let bind = settings.server.bind.clone();
    let state = build_state(settings, Arc::new(SystemClock))?;
    let listener = TcpListener::bind(&bind).map_err(|source| CliError::Listen { bind: bind.clone(), source })?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(state, listener)?;
        tracing::info!(address = %bind, "Kyoso is serving; API document at /api/v1/openapi.json, Swagger UI at /docs");
        app.run_until_stopped().await.map_err(CliError::Server)
    })
}

fn migrate(settings: &Settings) -> Result<(), CliError> {
    let db = Db::connect(&settings.database.url, 1)?;
    let applied = db.run_migrations()?;
    println!("{applied} migration(s) applied");
    Ok(())
}

fn create_admin(settings: Settings, email: &str, name: &str) -> Result<(), CliError> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(CliError::Stdin)?;
    let password = input.trim_end_matches(['\n', '\r']);
    let state = build_state(settings, Arc::new(SystemClock))?;
    let id = kyoso::bootstrap::create_admin(&state, email, password, name)?;
    println!("admin {email} created (id {id})");
    Ok(())
}

fn demo(mut settings: Settings, password: Option<String>) -> Result<(), CliError> {
    // The demo makes its own admin; a bootstrap admin would make the database look taken.
    settings.bootstrap.admin_email = None;
    settings.bootstrap.admin_password = None;
    let clock = Arc::new(ShiftedClock::default());
    let state = build_state(settings, clock.clone())?;
    let password = password.unwrap_or_else(kyoso::demo::generate_password);
    let demo = actix_web::rt::System::new().block_on(async move { kyoso::demo::fill(&state, &clock, &password).await })?;
    print!("{demo}");
    Ok(())
}
