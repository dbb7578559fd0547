use clap::Parser;
use switchyard::Config;
use tracing_subscriber::EnvFilter;

/// mimalloc for the server's own allocations: requests allocate and free many small
/// blocks, which it serves from per-thread pages far more cheaply than glibc's arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Before any thread exists: the restart replaces the process image.
    lean_allocator();
    let config = Config::parse();
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
    let listener = tokio::net::TcpListener::bind(&addr)
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
