//! Which database to open: a URL, a file holding one, or the split variables that
//! Unleash's Helm chart sets (`DATABASE_HOST`, `DATABASE_NAME`, ...).

use std::path::PathBuf;

/// The raw database settings, as read from flags and environment variables.
#[derive(Default, Clone)]
pub struct DatabaseVars {
    pub url: Option<String>,
    pub url_file: Option<PathBuf>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ssl: Option<String>,
    pub ssl_ca_file: Option<String>,
    pub ssl_cert_file: Option<String>,
    pub ssl_key_file: Option<String>,
    pub schema: Option<String>,
}

/// The database chosen, with where the choice came from (for the start-up log).
#[derive(Clone)]
pub struct DatabaseChoice {
    /// May hold a password: never log it, use [`DatabaseChoice::redacted`].
    pub url: String,
    /// `DATABASE_URL_FILE`, `DATABASE_URL`, `DATABASE_HOST` or `default`.
    pub source: &'static str,
    /// The PostgreSQL schema to use and create when missing.
    pub schema: Option<String>,
    /// Settings given but not used (e.g. DATABASE_HOST beside DATABASE_URL), for a warning.
    pub ignored: Vec<&'static str>,
}

impl DatabaseChoice {
    pub fn redacted(&self) -> String {
        redact_url(&self.url)
    }
}

impl std::fmt::Debug for DatabaseChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseChoice")
            .field("url", &self.redacted())
            .field("source", &self.source)
            .field("schema", &self.schema)
            .finish()
    }
}

/// Hides the password of a database URL, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((creds, host)) => {
                let user = creds.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

pub const DEFAULT_URL: &str = "sqlite://./data/switchyard.db";

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a password with
/// `@`, `:`, `/` or `%` survives inside a URL.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `DATABASE_SSL` as Unleash reads it (JSON: `false`, `true` or an options object) → sslmode.
fn ssl_mode(raw: &str) -> Result<&'static str, String> {
    let bad = || {
        format!(
            "DATABASE_SSL must be `false`, `true` or a JSON object such as {{\"rejectUnauthorized\": false}}; got {raw:?}"
        )
    };
    let value: serde_json::Value = serde_json::from_str(raw.trim()).map_err(|_| bad())?;
    match value {
        serde_json::Value::Bool(false) => Ok("disable"),
        serde_json::Value::Bool(true) => Ok("verify-full"),
        serde_json::Value::Object(map) => {
            for key in map.keys() {
                if key != "rejectUnauthorized" {
                    return Err(format!(
                        "DATABASE_SSL option {key:?} is not supported: give certificate files with DATABASE_SSL_CA_FILE, DATABASE_SSL_CERT_FILE and DATABASE_SSL_KEY_FILE"
                    ));
                }
            }
            match map.get("rejectUnauthorized") {
                Some(serde_json::Value::Bool(false)) => Ok("require"),
                None | Some(serde_json::Value::Bool(true)) => Ok("verify-full"),
                Some(_) => Err("DATABASE_SSL's rejectUnauthorized must be true or false".into()),
            }
        }
        _ => Err(bad()),
    }
}

fn valid_schema(schema: &str) -> Result<(), String> {
    let mut chars = schema.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && schema.len() <= 63;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "DATABASE_SCHEMA {schema:?} must be a plain identifier: letters, digits and _, not starting with a digit, at most 63 characters"
        ))
    }
}

/// Adds PostgreSQL query parameters (schema, TLS) that the URL does not already set.
fn with_pg_params(
    mut url: String,
    vars: &DatabaseVars,
    schema: Option<&str>,
) -> Result<String, String> {
    let mut params: Vec<String> = Vec::new();
    let has = |url: &str, key: &str| {
        url.split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|p| p.split('=').next() == Some(key)))
    };
    if let Some(schema) = schema {
        if !has(&url, "options") {
            params.push(format!("options=-c%20search_path%3D{schema}"));
        }
    }
    if let Some(ssl) = given(&vars.ssl) {
        if !has(&url, "sslmode") {
            params.push(format!("sslmode={}", ssl_mode(ssl)?));
        }
    }
    for (key, file) in [
        ("sslrootcert", &vars.ssl_ca_file),
        ("sslcert", &vars.ssl_cert_file),
        ("sslkey", &vars.ssl_key_file),
    ] {
        if let Some(path) = given(file) {
            if !has(&url, key) {
                params.push(format!("{key}={}", percent_encode(path)));
            }
        }
    }
    if !params.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&params.join("&"));
    }
    Ok(url)
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Chooses the database. Precedence: DATABASE_URL_FILE, DATABASE_URL, the split
/// variables, then SQLite in ./data. DATABASE_SCHEMA and DATABASE_SSL also apply to a
/// PostgreSQL URL that does not set them itself, as Unleash merges them.
pub fn resolve(vars: &DatabaseVars) -> Result<DatabaseChoice, String> {
    let schema = given(&vars.schema).map(str::to_string);
    if let Some(s) = &schema {
        valid_schema(s)?;
    }
    let split: Vec<&'static str> = [
        ("DATABASE_HOST", given(&vars.host).is_some()),
        ("DATABASE_PORT", vars.port.is_some()),
        ("DATABASE_NAME", given(&vars.name).is_some()),
        ("DATABASE_USERNAME", given(&vars.username).is_some()),
        (
            "DATABASE_PASSWORD",
            vars.password.as_deref().is_some_and(|p| !p.is_empty()),
        ),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();

    let explicit = if let Some(path) = &vars.url_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("DATABASE_URL_FILE {} cannot be read: {e}", path.display()))?;
        let url = text.trim().to_string();
        if url.is_empty() {
            return Err(format!("DATABASE_URL_FILE {} is empty", path.display()));
        }
        Some((url, "DATABASE_URL_FILE"))
    } else {
        given(&vars.url).map(|u| (u.to_string(), "DATABASE_URL"))
    };

    if let Some((url, source)) = explicit {
        let pg = is_postgres(&url);
        let url = if pg {
            with_pg_params(url, vars, schema.as_deref())?
        } else {
            url
        };
        let mut ignored = split;
        if !pg {
            if schema.is_some() {
                ignored.push("DATABASE_SCHEMA");
            }
            if given(&vars.ssl).is_some() {
                ignored.push("DATABASE_SSL");
            }
        }
        return Ok(DatabaseChoice {
            url,
            source,
            schema: if pg { schema } else { None },
            ignored,
        });
    }

    let any_split = !split.is_empty() || schema.is_some() || given(&vars.ssl).is_some();
    if !any_split {
        return Ok(DatabaseChoice {
            url: DEFAULT_URL.into(),
            source: "default",
            schema: None,
            ignored: Vec::new(),
        });
    }
    let missing: Vec<&str> = [
        ("DATABASE_HOST", given(&vars.host).is_none()),
        ("DATABASE_NAME", given(&vars.name).is_none()),
        ("DATABASE_USERNAME", given(&vars.username).is_none()),
    ]
    .into_iter()
    .filter_map(|(name, miss)| miss.then_some(name))
    .collect();
    if !missing.is_empty() {
        let mut set = split.clone();
        if schema.is_some() {
            set.push("DATABASE_SCHEMA");
        }
        if given(&vars.ssl).is_some() {
            set.push("DATABASE_SSL");
        }
        return Err(format!(
            "the PostgreSQL settings are incomplete: {} set but {} missing. Set DATABASE_HOST, DATABASE_NAME and DATABASE_USERNAME (and DATABASE_PASSWORD, DATABASE_PORT as needed), or DATABASE_URL instead",
            set.join(", "),
            missing.join(", "),
        ));
    }
    let host = given(&vars.host).unwrap_or_default();
    // An IPv6 literal needs brackets inside a URL.
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let user = percent_encode(given(&vars.username).unwrap_or_default());
    let credentials = match vars.password.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => format!("{user}:{}", percent_encode(p)),
        None => user,
    };
    let url = format!(
        "postgres://{credentials}@{host}:{}/{}",
        vars.port.unwrap_or(5432),
        percent_encode(given(&vars.name).unwrap_or_default()),
    );
    Ok(DatabaseChoice {
        url: with_pg_params(url, vars, schema.as_deref())?,
        source: "DATABASE_HOST",
        schema,
        ignored: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> DatabaseVars {
        DatabaseVars {
            host: Some("db.internal".into()),
            name: Some("unleash".into()),
            username: Some("unleash_user".into()),
            password: Some("p@ss:w/rd%?".into()),
            ..Default::default()
        }
    }

    #[test]
    fn nothing_set_means_sqlite_in_data() {
        let c = resolve(&DatabaseVars::default()).unwrap();
        assert_eq!(c.url, DEFAULT_URL);
        assert_eq!(c.source, "default");
    }

    #[test]
    fn split_variables_build_a_postgres_url_with_an_encoded_password() {
        let c = resolve(&split()).unwrap();
        assert_eq!(
            c.url,
            "postgres://unleash_user:p%40ss%3Aw%2Frd%25%3F@db.internal:5432/unleash"
        );
        assert_eq!(c.source, "DATABASE_HOST");
        assert!(!format!("{c:?}").contains("p%40ss"), "password in Debug");
        assert!(!c.redacted().contains("p%40ss"));
    }

    #[test]
    fn port_schema_and_ssl_become_url_parameters() {
        let mut v = split();
        v.port = Some(6543);
        v.schema = Some("flags".into());
        v.ssl = Some(r#"{"rejectUnauthorized": false}"#.into());
        let c = resolve(&v).unwrap();
        assert!(
            c.url.contains("@db.internal:6543/unleash?"),
            "{}",
            c.redacted()
        );
        assert!(c.url.contains("options=-c%20search_path%3Dflags"));
        assert!(c.url.contains("sslmode=require"));
        assert_eq!(c.schema.as_deref(), Some("flags"));
    }

    #[test]
    fn database_ssl_follows_unleash_meanings() {
        assert_eq!(ssl_mode("false").unwrap(), "disable");
        assert_eq!(ssl_mode("true").unwrap(), "verify-full");
        assert_eq!(ssl_mode("{}").unwrap(), "verify-full");
        assert_eq!(
            ssl_mode(r#"{"rejectUnauthorized":true}"#).unwrap(),
            "verify-full"
        );
        assert_eq!(
            ssl_mode(r#"{"rejectUnauthorized":false}"#).unwrap(),
            "require"
        );
        assert!(ssl_mode("yes").unwrap_err().contains("DATABASE_SSL"));
        assert!(ssl_mode(r#"{"ca":"-----BEGIN"}"#)
            .unwrap_err()
            .contains("DATABASE_SSL_CA_FILE"));
    }

    #[test]
    fn database_url_wins_over_split_variables_and_says_what_it_ignored() {
        let mut v = split();
        v.url = Some("postgres://a@b:5432/c".into());
        let c = resolve(&v).unwrap();
        assert_eq!(c.url, "postgres://a@b:5432/c");
        assert_eq!(c.source, "DATABASE_URL");
        assert!(c.ignored.contains(&"DATABASE_HOST"));
        assert!(c.ignored.contains(&"DATABASE_PASSWORD"));
    }

    #[test]
    fn schema_applies_to_a_postgres_url_that_sets_none() {
        let v = DatabaseVars {
            url: Some("postgres://a@b/c".into()),
            schema: Some("s1".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(&v).unwrap().url,
            "postgres://a@b/c?options=-c%20search_path%3Ds1"
        );
        let v = DatabaseVars {
            url: Some("postgres://a@b/c?options=-c%20search_path%3Dother".into()),
            schema: Some("s1".into()),
            ..Default::default()
        };
        assert!(!resolve(&v).unwrap().url.contains("s1"));
    }

    #[test]
    fn url_file_wins_and_is_trimmed() {
        let dir = std::env::temp_dir().join(format!("sy-dburl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("url");
        std::fs::write(&file, "postgres://f@g:5432/h\n").unwrap();
        let v = DatabaseVars {
            url: Some("sqlite://x.db".into()),
            url_file: Some(file.clone()),
            ..Default::default()
        };
        let c = resolve(&v).unwrap();
        assert_eq!(c.url, "postgres://f@g:5432/h");
        assert_eq!(c.source, "DATABASE_URL_FILE");
        let v = DatabaseVars {
            url_file: Some(dir.join("missing")),
            ..Default::default()
        };
        assert!(resolve(&v).unwrap_err().contains("DATABASE_URL_FILE"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn half_set_variables_are_refused_with_what_is_missing() {
        let v = DatabaseVars {
            host: Some("db".into()),
            ..Default::default()
        };
        let e = resolve(&v).unwrap_err();
        assert!(
            e.contains("DATABASE_NAME") && e.contains("DATABASE_USERNAME"),
            "{e}"
        );
        let v = DatabaseVars {
            username: Some("u".into()),
            password: Some("secret-pw".into()),
            ..Default::default()
        };
        let e = resolve(&v).unwrap_err();
        assert!(
            e.contains("DATABASE_HOST missing") || e.contains("DATABASE_HOST, "),
            "{e}"
        );
        assert!(!e.contains("secret-pw"));
        let v = DatabaseVars {
            schema: Some("s".into()),
            ..Default::default()
        };
        assert!(resolve(&v).is_err());
    }

    #[test]
    fn odd_schema_names_are_refused() {
        let mut v = split();
        v.schema = Some("a b; drop".into());
        assert!(resolve(&v).unwrap_err().contains("DATABASE_SCHEMA"));
    }

    #[test]
    fn ipv6_hosts_get_brackets() {
        let mut v = split();
        v.host = Some("::1".into());
        v.password = None;
        assert_eq!(
            resolve(&v).unwrap().url,
            "postgres://unleash_user@[::1]:5432/unleash"
        );
    }
}
