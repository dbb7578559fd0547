use clap::Parser;
use switchyard::Config;
use tracing_subscriber::EnvFilter;

/// mimalloc hands freed memory back to the system promptly; with the system allocator a
/// single password hash (argon2 uses 19 MiB) or a large flag snapshot stays resident for good.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let config = Config::parse();
    init_tracing(&config);
    if let Err(e) = run(config).await {
        eprintln!("switchyard: {e:#}");
        std::process::exit(1);
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
