//! Configuration: command-line flags, each also read from an environment variable.
//! Variable names follow Unleash's where Unleash has one, so existing deployments keep working.

pub mod database;

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
    /// When neither this, DATABASE_URL_FILE nor the DATABASE_HOST family is set, an
    /// embedded SQLite file at ./data/switchyard.db.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// A file holding the database URL (e.g. a mounted secret). Wins over DATABASE_URL, as in Unleash.
    #[arg(long = "database-url-file", env = "DATABASE_URL_FILE")]
    pub database_url_file: Option<std::path::PathBuf>,

    /// PostgreSQL host; with DATABASE_NAME and DATABASE_USERNAME, used when no DATABASE_URL is set.
    #[arg(long = "database-host", env = "DATABASE_HOST")]
    pub database_host: Option<String>,

    /// PostgreSQL port (5432 when unset).
    #[arg(long = "database-port", env = "DATABASE_PORT")]
    pub database_port: Option<u16>,

    /// PostgreSQL database name.
    #[arg(long = "database-name", env = "DATABASE_NAME")]
    pub database_name: Option<String>,

    /// PostgreSQL user.
    #[arg(long = "database-username", env = "DATABASE_USERNAME")]
    pub database_username: Option<String>,

    /// PostgreSQL password.
    #[arg(
        long = "database-password",
        env = "DATABASE_PASSWORD",
        hide_env_values = true
    )]
    pub database_password: Option<String>,

    /// TLS to PostgreSQL as Unleash reads it: `false`, `true`, or a JSON object such as
    /// `{"rejectUnauthorized": false}`.
    #[arg(long = "database-ssl", env = "DATABASE_SSL")]
    pub database_ssl: Option<String>,

    /// CA certificate file to verify the PostgreSQL server with.
    #[arg(long = "database-ssl-ca-file", env = "DATABASE_SSL_CA_FILE")]
    pub database_ssl_ca_file: Option<String>,

    /// Client certificate file for PostgreSQL.
    #[arg(long = "database-ssl-cert-file", env = "DATABASE_SSL_CERT_FILE")]
    pub database_ssl_cert_file: Option<String>,

    /// Client key file for PostgreSQL.
    #[arg(long = "database-ssl-key-file", env = "DATABASE_SSL_KEY_FILE")]
    pub database_ssl_key_file: Option<String>,

    /// PostgreSQL schema to use (created when missing); `public` when unset.
    #[arg(long = "database-schema", env = "DATABASE_SCHEMA")]
    pub database_schema: Option<String>,

    /// Key that encrypts API token secrets at rest, 32 bytes in base64. When set, the
    /// secrets of API tokens created from then on can be read back by admins (as Unleash
    /// shows them); when unset, only their digests are kept.
    #[arg(
        long = "token-encryption-key",
        env = "TOKEN_ENCRYPTION_KEY",
        hide_env_values = true
    )]
    pub token_encryption_key: Option<String>,

    /// A file holding TOKEN_ENCRYPTION_KEY (e.g. a mounted secret).
    #[arg(long = "token-encryption-key-file", env = "TOKEN_ENCRYPTION_KEY_FILE")]
    pub token_encryption_key_file: Option<std::path::PathBuf>,

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

    /// Failed token authentications allowed per client address per minute; past it, requests
    /// carrying a token from that address are answered 429 until the minute ends (tokens
    /// that authenticated recently still pass). 0 turns this off.
    #[arg(
        long = "token-auth-failure-limit-per-minute",
        env = "TOKEN_AUTH_FAILURE_LIMIT_PER_MINUTE",
        default_value_t = 60
    )]
    pub token_auth_failure_limit_per_minute: u32,

    /// Leaked-token reports (`POST /api/public/revoke-leaked-tokens`) accepted per client
    /// address per minute.
    #[arg(
        long = "leaked-token-report-limit-per-minute",
        env = "LEAKED_TOKEN_REPORT_LIMIT_PER_MINUTE",
        default_value_t = 10
    )]
    pub leaked_token_report_limit_per_minute: u32,

    /// A header set by a trusted reverse proxy that carries the client's address (for
    /// example `X-Forwarded-For`, whose right-most entry is used). Unset: the TCP peer.
    #[arg(long = "trusted-proxy-header", env = "TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,

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

    /// Ceiling on the lifetime of new personal access tokens, in days. Unset: no ceiling
    /// (an Admin may still set a limit in the token policy, up to this ceiling).
    #[arg(long = "pat-max-lifetime-days", env = "PAT_MAX_LIFETIME_DAYS")]
    pub pat_max_lifetime_days: Option<u32>,

    /// Unleash's PAT kill switch: personal access tokens can no longer be listed, created or
    /// rotated (404) and no longer authenticate; deleting them still works.
    #[arg(
        long = "pat-kill-switch",
        env = "UNLEASH_PAT_KILL_SWITCH",
        default_value = "false",
        value_parser = parse_env_bool,
        action = clap::ArgAction::Set
    )]
    pub pat_kill_switch: bool,

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

    /// Milliseconds a connection may take to send a complete request head, counted from
    /// when the server starts waiting for it: a new connection, or a kept-alive one between
    /// requests. Slower or idle connections are closed (default 30 s).
    #[arg(
        long = "server-headers-timeout",
        env = "SERVER_HEADERS_TIMEOUT",
        default_value_t = 30_000
    )]
    pub headers_timeout_ms: u64,

    /// The most connections served at once; further ones are closed at once with a log line.
    /// Unset: the open-file limit (raised to its maximum at start-up) less a reserve for the
    /// database and files.
    #[arg(long = "server-max-connections", env = "SERVER_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

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

/// A boolean as Unleash reads its environment: `true`, `t` or `1` (any case) are true.
fn parse_env_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "on" => Ok(true),
        "false" | "f" | "0" | "no" | "off" | "" => Ok(false),
        other => Err(format!("expected true or false, got \"{other}\"")),
    }
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
        c.database_url = Some(url.to_string());
        c
    }

    /// Which database to open, from DATABASE_URL_FILE, DATABASE_URL, or the variables
    /// Unleash's Helm chart sets (DATABASE_HOST, DATABASE_PORT, DATABASE_NAME,
    /// DATABASE_USERNAME, DATABASE_PASSWORD, DATABASE_SSL, DATABASE_SCHEMA), in that order;
    /// SQLite in ./data when none is set. Half a set of split variables is an error rather
    /// than a silent fall back to SQLite.
    pub fn database(&self) -> Result<database::DatabaseChoice, String> {
        database::resolve(&database::DatabaseVars {
            url: self.database_url.clone(),
            url_file: self.database_url_file.clone(),
            host: self.database_host.clone(),
            port: self.database_port,
            name: self.database_name.clone(),
            username: self.database_username.clone(),
            password: self.database_password.clone(),
            ssl: self.database_ssl.clone(),
            ssl_ca_file: self.database_ssl_ca_file.clone(),
            ssl_cert_file: self.database_ssl_cert_file.clone(),
            ssl_key_file: self.database_ssl_key_file.clone(),
            schema: self.database_schema.clone(),
        })
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
            .field(
                "database_url",
                &self.database_url.as_deref().map(database::redact_url),
            )
            .field("database_host", &self.database_host)
            .field("database_name", &self.database_name)
            .field("database_schema", &self.database_schema)
            .field(
                "token_encryption",
                &(self.token_encryption_key.is_some() || self.token_encryption_key_file.is_some()),
            )
            .field("default_admin_username", &self.default_admin_username)
            .field("session_ttl_hours", &self.session_ttl_hours)
            .field("pat_limit", &self.pat_limit)
            .finish_non_exhaustive()
    }
}
