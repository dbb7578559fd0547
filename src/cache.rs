//! In-memory snapshots of what SDKs see, one per environment, keyed by the stored revision.
//!
//! Each node checks the database's revision at most every [`COUNTER_TTL`]; a change made
//! on any node is therefore served everywhere within that time, and the common case (no
//! change) costs no database work at all.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use unleash_types::client_features::ClientFeatures;
use unleash_yggdrasil::EngineState;

use crate::domain::client::{build, client_body, select, with_tags, Selection};
use crate::error::AppResult;
use crate::store::revision::Watched;
use crate::store::{self, Db};

pub mod views;

pub use crate::store::revision::COUNTER_TTL;

type FastState = foldhash::fast::RandomState;

/// A rendered response body and its ETag.
pub struct Rendered {
    pub body: Bytes,
    pub etag: String,
    /// The ETag as a header value, made once.
    pub etag_header: axum::http::HeaderValue,
    /// The body gzip-compressed, made the first time a client accepts it.
    gzip: std::sync::OnceLock<Option<Bytes>>,
}

/// Bodies smaller than this are sent as they are: compression would not pay.
const GZIP_MIN_BYTES: usize = 1024;

impl Rendered {
    /// The gzip-compressed body, compressed once per revision and selection; `None` for small
    /// bodies.
    pub fn gzip(&self) -> Option<Bytes> {
        self.gzip
            .get_or_init(|| {
                use std::io::Write;
                if self.body.len() < GZIP_MIN_BYTES {
                    return None;
                }
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.body.len() / 8),
                    flate2::Compression::default(),
                );
                enc.write_all(&self.body).ok()?;
                enc.finish().ok().map(Bytes::from)
            })
            .clone()
    }
}

pub struct EnvSnapshot {
    pub revision: i64,
    pub environment: String,
    pub all: Arc<ClientFeatures>,
    /// Each flag's tags, for `?tag=` filters.
    tags: HashMap<String, Vec<(String, String)>>,
    /// Looked up on every SDK request: hashed with a fast hasher (the maps are bounded), and
    /// behind read-write locks, so that readers on several threads do not wait for each
    /// other.
    responses: RwLock<HashMap<Selection, Arc<Rendered>, FastState>>,
    engines: RwLock<HashMap<Vec<String>, Arc<ProjectEngine>, FastState>>,
}

/// An evaluation engine loaded with the flags of some projects, and those flags' names in
/// order (with their impression-data setting), so that evaluating every flag needs no map
/// of results.
pub struct ProjectEngine {
    pub state: EngineState,
    pub flags: Vec<(String, bool)>,
}

const MAX_CACHED_SELECTIONS: usize = 1024;

impl EnvSnapshot {
    /// The client API body for a selection, rendered once per revision.
    pub fn client_features(&self, sel: &Selection) -> Arc<Rendered> {
        if let Some(r) = self
            .responses
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(sel)
        {
            return r.clone();
        }
        let mut features = if sel.tags.is_empty() {
            select(&self.all, sel, &self.environment)
        } else {
            let tagged = with_tags(&self.all, &self.tags, &sel.tags);
            select(&tagged, sel, &self.environment)
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sel.hash(&mut h);
        self.environment.hash(&mut h);
        let query_hash = format!("{:x}", h.finish());
        let etag = format!("\"{query_hash}:{}\"", self.revision);
        features.meta = Some(unleash_types::client_features::Meta {
            etag: Some(etag.clone()),
            revision_id: Some(self.revision.max(0) as usize),
            query_hash: Some(query_hash),
        });
        let body = Bytes::from(client_body(&features));
        // The ETag is hex digits, a colon and a number in quotes: always a valid header value.
        let etag_header = axum::http::HeaderValue::from_str(&etag)
            .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"\""));
        let rendered = Arc::new(Rendered {
            body,
            etag_header,
            etag,
            gzip: std::sync::OnceLock::new(),
        });
        let mut map = self.responses.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CACHED_SELECTIONS {
            map.clear();
        }
        map.insert(sel.clone(), rendered.clone());
        rendered
    }

    /// An evaluation engine loaded with the flags of these projects (`["*"]` for all).
    pub fn engine(&self, projects: &[String]) -> Arc<ProjectEngine> {
        if let Some(e) = self
            .engines
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(projects)
        {
            return e.clone();
        }
        let sel = Selection {
            token_projects: projects.into(),
            ..Default::default()
        };
        let features = select(&self.all, &sel, &self.environment);
        let mut flags: Vec<(String, bool)> = features
            .features
            .iter()
            .map(|f| (f.name.clone(), f.impression_data.unwrap_or(false)))
            .collect();
        flags.sort();
        let state = EngineState::default();
        let _ = state.take_state(unleash_yggdrasil::UpdateMessage::FullResponse(features));
        let engine = Arc::new(ProjectEngine { state, flags });
        let mut map = self.engines.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CACHED_SELECTIONS {
            map.clear();
        }
        map.insert(projects.to_vec(), engine.clone());
        engine
    }
}

#[derive(Default)]
pub struct FeatureCache {
    /// The state revision.
    pub revision: Watched,
    envs: RwLock<HashMap<String, Arc<EnvSnapshot>, FastState>>,
    /// Held while a snapshot is read from the database, so that the requests arriving
    /// meanwhile wait for that one read instead of each making their own.
    snapshot_load: tokio::sync::Mutex<()>,
    /// Snapshots rebuilt from the database (for the Prometheus endpoint).
    pub snapshot_reloads: crate::telemetry::Counter,
}

impl FeatureCache {
    /// Forgets the known revision, so that the next request re-reads it (after a local change).
    pub fn invalidate(&self) {
        self.revision.invalidate();
    }

    fn cached(&self, environment: &str, revision: i64) -> Option<Arc<EnvSnapshot>> {
        self.envs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(environment)
            .filter(|s| s.revision == revision)
            .cloned()
    }

    /// The current revision, read from the database at most every [`COUNTER_TTL`].
    pub async fn current_revision(&self, db: &Db) -> AppResult<i64> {
        Ok(self
            .revision
            .current(|| async { store::revision::current(&mut db.clone()).await })
            .await?)
    }

    /// The snapshot of an environment at the current revision.
    pub async fn snapshot(&self, db: &Db, environment: &str) -> AppResult<Arc<EnvSnapshot>> {
        let revision = self.current_revision(db).await?;
        if let Some(s) = self.cached(environment, revision) {
            return Ok(s);
        }
        // Boxed: loading from the database makes a large future, which every request would
        // otherwise carry (and move) although almost all of them are answered from memory.
        Box::pin(self.load_snapshot(db, environment, revision)).await
    }

    async fn load_snapshot(
        &self,
        db: &Db,
        environment: &str,
        revision: i64,
    ) -> AppResult<Arc<EnvSnapshot>> {
        let _one = self.snapshot_load.lock().await;
        // Built by whoever held the lock before us.
        if let Some(s) = self.cached(environment, revision) {
            return Ok(s);
        }
        let stored = store::client_features::load(&mut db.clone(), environment).await?;
        self.snapshot_reloads.inc();
        let snap = Arc::new(EnvSnapshot {
            revision,
            environment: environment.to_string(),
            all: Arc::new(build(&stored)),
            tags: stored.tags,
            responses: RwLock::default(),
            engines: RwLock::default(),
        });
        let mut envs = self.envs.write().unwrap_or_else(|e| e.into_inner());
        // A newer snapshot may have been stored meanwhile (by a request that read a later
        // revision); it stays.
        match envs.get(environment) {
            Some(newer) if newer.revision > revision => {}
            _ => {
                envs.insert(environment.to_string(), snap.clone());
            }
        }
        Ok(snap)
    }
}
