//! Configuration: command-line flags, each also read from an environment variable.
//! Variable names follow Unleash's where Unleash has one, so existing deployments keep working.

use clap::Parser;

/// The Switchyard feature-flag server: a drop-in replacement for the Unleash server.
#[derive(Parser, Clone)]
#[command(name = "switchyard", version, about, long_about = None)]
pub struct Config {
    /// Port to listen on (also read from HTTP_PORT).
    #[arg(long, env = "PORT", default_value_t = 4242)]
    pub port: u16,

    /// Alias of PORT, as Unleash accepts it. Used when PORT is not set.
    #[arg(long = "http-port", env = "HTTP_PORT", hide_default_value = true)]
    pub http_port: Option<u16>,

    /// Address to bind.
    #[arg(long = "http-host", env = "HTTP_HOST", default_value = "0.0.0.0")]
    pub http_host: String,

    /// Mount every route under this path prefix, e.g. `/unleash`.
    #[arg(long = "base-uri-path", env = "BASE_URI_PATH", default_value = "")]
    pub base_uri_path: String,

    /// The public address of this server, base path included (e.g. `https://flags.example.com`),
    /// used in password reset links. Defaults to `http://localhost:<port><base path>`.
    #[arg(long = "unleash-url", env = "UNLEASH_URL")]
    pub unleash_url: Option<String>,

    /// Database: `sqlite://<path>` or `postgres://user:pass@host:port/db`.
    /// Defaults to an embedded SQLite file at ./data/switchyard.db.
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = "sqlite://./data/switchyard.db",
        hide_env_values = true
    )]
    pub database_url: String,

    /// Username of the first admin, created on first start. Used only with UNLEASH_DEFAULT_ADMIN_PASSWORD.
    #[arg(
        long = "default-admin-username",
        env = "UNLEASH_DEFAULT_ADMIN_USERNAME"
    )]
    pub default_admin_username: Option<String>,

    /// Password of the first admin. When unset, a random one is generated and printed once.
    #[arg(
        long = "default-admin-password",
        env = "UNLEASH_DEFAULT_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub default_admin_password: Option<String>,

    /// Login attempts allowed per client address per minute.
    #[arg(
        long = "simple-login-limit-per-minute",
        env = "SIMPLE_LOGIN_LIMIT_PER_MINUTE",
        default_value_t = 10
    )]
    pub login_limit_per_minute: u32,

    /// Hours a login session stays valid.
    #[arg(
        long = "session-ttl-hours",
        env = "SESSION_TTL_HOURS",
        default_value_t = 48
    )]
    pub session_ttl_hours: u32,

    /// Most unexpired personal access tokens one user may hold.
    #[arg(long = "pat-limit", env = "PAT_LIMIT", default_value_t = 10)]
    pub pat_limit: u32,

    /// Days before expiry at which a token is flagged "expires-soon", comma separated.
    #[arg(
        long = "token-expiry-notification-days",
        env = "TOKEN_EXPIRY_NOTIFICATION_DAYS",
        default_value = "14,3",
        value_delimiter = ','
    )]
    pub token_expiry_notification_days: Vec<u32>,

    /// Admin API tokens to create on first start (`*:*.<secret>`), comma separated.
    #[arg(
        long = "init-admin-api-tokens",
        env = "INIT_ADMIN_API_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub init_admin_api_tokens: Vec<String>,

    /// Backend (client) API tokens to create on first start (`<project>:<env>.<secret>`), comma separated.
    #[arg(
        long = "init-backend-api-tokens",
        env = "INIT_BACKEND_API_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub init_backend_api_tokens: Vec<String>,

    /// Older name of INIT_BACKEND_API_TOKENS.
    #[arg(
        long = "init-client-api-tokens",
        env = "INIT_CLIENT_API_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub init_client_api_tokens: Vec<String>,

    /// Frontend API tokens to create on first start, comma separated.
    #[arg(
        long = "init-frontend-api-tokens",
        env = "INIT_FRONTEND_API_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub init_frontend_api_tokens: Vec<String>,

    /// Origins allowed to call the frontend API from a browser, comma separated (`*` = any).
    #[arg(
        long = "cors-origins",
        env = "CORS_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// Seconds between batched writes of tokens' last-use times.
    #[arg(
        long = "seen-flush-seconds",
        env = "SEEN_FLUSH_SECONDS",
        default_value_t = 30
    )]
    pub seen_flush_seconds: u64,

    /// Log filter, e.g. `info` or `switchyard=debug,tower_http=info`.
    #[arg(long = "log-level", env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Log format: `text` or `json`.
    #[arg(long = "log-format", env = "LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// An Unleash export document (`POST /api/admin/features-batch/export`) to import once at
    /// start-up, after migrations. Start-up fails when it cannot be read or imported.
    #[arg(long = "import-file", env = "IMPORT_FILE")]
    pub import_file: Option<std::path::PathBuf>,

    /// Project that IMPORT_FILE is imported into.
    #[arg(
        long = "import-project",
        env = "IMPORT_PROJECT",
        default_value = "default"
    )]
    pub import_project: String,

    /// Environment that IMPORT_FILE is imported into.
    #[arg(
        long = "import-environment",
        env = "IMPORT_ENVIRONMENT",
        default_value = "development"
    )]
    pub import_environment: String,
}

impl Config {
    /// The port actually used: PORT, or HTTP_PORT when PORT was left at its default.
    pub fn listen_port(&self) -> u16 {
        match self.http_port {
            Some(p) if self.port == 4242 => p,
            _ => self.port,
        }
    }

    /// BASE_URI_PATH normalised to "" or "/prefix" (leading slash, no trailing slash).
    pub fn base_path(&self) -> String {
        let trimmed = self.base_uri_path.trim().trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }

    /// The public address of this server without a trailing slash (UNLEASH_URL, or a
    /// localhost address from the port and base path).
    pub fn public_url(&self) -> String {
        match self.unleash_url.as_deref().map(str::trim) {
            Some(u) if !u.is_empty() => u.trim_end_matches('/').to_string(),
            _ => format!(
                "http://localhost:{}{}",
                self.listen_port(),
                self.base_path()
            ),
        }
    }

    /// A configuration with every default, for tests and embedding.
    pub fn for_database(url: &str) -> Self {
        let mut c = Config::parse_from(["switchyard"]);
        c.database_url = url.to_string();
        c
    }
}

impl std::fmt::Debug for Config {
    // Hand-written so that the admin password and the database URL (which may hold
    // a password) never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("port", &self.listen_port())
            .field("http_host", &self.http_host)
            .field("base_uri_path", &self.base_path())
            .field("database", &crate::store::redact_url(&self.database_url))
            .field("default_admin_username", &self.default_admin_username)
            .field("session_ttl_hours", &self.session_ttl_hours)
            .field("pat_limit", &self.pat_limit)
            .finish_non_exhaustive()
    }
}
