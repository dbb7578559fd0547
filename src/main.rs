use clap::{Parser, Subcommand};
use switchyard::Config;
use tracing_subscriber::EnvFilter;

/// mimalloc for the server's own allocations: requests allocate and free many small
/// blocks, which it serves from per-thread pages far more cheaply than glibc's arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Switchyard feature-flag server: a drop-in replacement for the Unleash server.
/// Without a subcommand it serves.
#[derive(Parser)]
#[command(name = "switchyard", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Copy a running Unleash (projects, flags, segments, users, API tokens, ...) into the
    /// database named by DATABASE_URL. Prints a plan and writes nothing unless --apply.
    ImportUnleash(ImportArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The Unleash server's address, base path included, e.g. https://unleash.example.com
    #[arg(long)]
    url: String,
    /// An admin API token or an admin's personal access token on that server.
    #[arg(long, env = "UNLEASH_IMPORT_TOKEN", hide_env_values = true)]
    token: String,
    /// Write the changes (in one transaction). Without it, only the plan is printed.
    #[arg(long)]
    apply: bool,
    /// The target database; overrides DATABASE_URL.
    #[arg(long = "database-url", hide_env_values = true)]
    database_url: Option<String>,
}

fn main() {
    // Before any thread exists: the restart replaces the process image.
    lean_allocator();
    let cli = Cli::parse();
    let mut config = cli.config;
    if let Some(Command::ImportUnleash(args)) = &cli.command {
        if let Some(url) = &args.database_url {
            config.database_url = Some(url.clone());
        }
    }
    init_tracing(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchyard: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Some(Command::ImportUnleash(args)) = cli.command {
        let opts = switchyard::import::ImportOptions {
            url: args.url,
            token: args.token,
            apply: args.apply,
        };
        match runtime.block_on(import_unleash(config, opts)) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("switchyard import-unleash: {e:#}");
                std::process::exit(1);
            }
        }
    }
    if let Err(e) = runtime.block_on(run(config)) {
        eprintln!("switchyard: {e:#}");
        std::process::exit(1);
    }
}

/// Allocators keep what they once used. The server's own allocations go to mimalloc, which
/// by default holds freed pages for a while and commits whole arenas up front; SQLite's go
/// to glibc, which keeps one arena per thread and a threshold for handing large blocks back
/// that rises after the first big free (a password hash takes 19 MiB). Left alone, that
/// keeps tens of MiB resident that the server no longer uses. Both read their tuning only
/// from the environment at start-up, so when the operator has not chosen any, the process
/// restarts itself once (same pid, same arguments) with settings that give memory back.
fn lean_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("MALLOC_ARENA_MAX", "2")
            .env("MALLOC_MMAP_THRESHOLD_", "131072")
            .env("MALLOC_TRIM_THRESHOLD_", "262144")
            .env("MIMALLOC_PURGE_DELAY", "0")
            .env("MIMALLOC_ARENA_EAGER_COMMIT", "0")
            .exec();
        // Only reached when the restart failed: carry on with the defaults.
        eprintln!("switchyard: could not apply allocator settings ({err}); continuing");
    }
}

fn init_tracing(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn import_unleash(
    config: Config,
    opts: switchyard::import::ImportOptions,
) -> anyhow::Result<()> {
    // Opens the database as the server does (migrations run) without creating a first
    // admin: the imported users are the instance's users.
    let state = switchyard::open(config).await?;
    let report = switchyard::import::run(&state, &opts).await;
    state.db.close().await;
    print!("{}", report?.render());
    Ok(())
}

async fn run(config: Config) -> anyhow::Result<()> {
    let addr = format!("{}:{}", config.http_host, config.listen_port());
    tracing::info!(config = ?config, "starting");
    let (state, generated) = switchyard::bootstrap(config).await?;
    if let Some(password) = generated {
        println!();
        println!("==============================================================");
        println!(" Switchyard created the first admin user.");
        println!("   username: admin");
        println!("   password: {password}");
        println!(" This password is shown only now. Sign in and change it.");
        println!("==============================================================");
        println!();
    }
    let listener = switchyard::http::serve::bind(&addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    switchyard::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
