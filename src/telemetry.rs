//! Request metrics for `/internal-backstage/prometheus`, kept cheap enough for the SDK hot path.
//!
//! Each documented route (template and method) owns a fixed set of atomic counters,
//! allocated once when the router is built. A request finds its slot with one lookup in a
//! prebuilt route table (no allocation for paths with up to three parameters, no lock) and
//! then adds to two relaxed atomics: its latency bucket and the latency sum.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use tower::{Layer, Service};

/// Upper bounds of the latency buckets in milliseconds (Unleash's SDK request histogram).
pub const BUCKETS_MS: [f64; 11] = [
    1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
];
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OTHER"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Latency histograms of one route and method, per status class.
#[derive(Default)]
struct OpStats {
    /// Non-cumulative counts; the last slot is +Inf.
    buckets: [[AtomicU64; BUCKETS_MS.len() + 1]; CLASSES.len()],
    sum_micros: [AtomicU64; CLASSES.len()],
}

impl OpStats {
    fn record(&self, status: u16, micros: u64) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        let ms = micros as f64 / 1000.0;
        let bucket = BUCKETS_MS
            .iter()
            .position(|b| ms <= *b)
            .unwrap_or(BUCKETS_MS.len());
        self.buckets[class][bucket].fetch_add(1, Relaxed);
        self.sum_micros[class].fetch_add(micros, Relaxed);
    }
}

struct RouteTable {
    matcher: matchit::Router<usize>,
    /// The templates without parameters, found by one hash lookup before the matcher is
    /// asked (as in the matcher, such a template wins over one with a parameter).
    exact: HashMap<String, usize, foldhash::fast::RandomState>,
    /// Route templates, by the index `matcher` gives.
    paths: Vec<String>,
    /// Per route: per method (see [`METHODS`]), the index in `ops`, or `usize::MAX`.
    slots: Vec<[usize; METHODS.len()]>,
    ops: Vec<OpStats>,
    /// Requests that matched no documented route (UI pages, assets, 404s), per method.
    other: [OpStats; METHODS.len()],
}

fn method_index(m: &Method) -> usize {
    match *m {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::PATCH => 3,
        Method::DELETE => 4,
        _ => 5,
    }
}

/// Where a request's latency is counted.
#[derive(Clone, Copy)]
enum Slot {
    Op(usize),
    Other(usize),
}

/// Server-wide counters shown by the Prometheus endpoint.
#[derive(Default)]
pub struct Telemetry {
    table: OnceLock<RouteTable>,
    started: OnceLock<(Instant, i64)>,
}

impl Telemetry {
    /// How many route templates were installed, and the template a concrete path falls
    /// under (for tests of the route table).
    pub fn route_of(&self, path: &str) -> (usize, Option<&str>) {
        match self.table.get() {
            Some(table) => (
                table.paths.len(),
                table
                    .matcher
                    .at(path)
                    .ok()
                    .map(|m| table.paths[*m.value].as_str()),
            ),
            None => (0, None),
        }
    }

    /// Prepares one slot per documented route and method. Called once, when the router is built.
    pub fn install_routes(&self, doc: &utoipa::openapi::OpenApi) {
        let _ = self
            .started
            .set((Instant::now(), chrono::Utc::now().timestamp()));
        self.table.get_or_init(|| {
            let mut matcher = matchit::Router::new();
            let mut paths = Vec::new();
            let mut slots = Vec::new();
            let mut ops = Vec::new();
            let mut exact = HashMap::default();
            for (path, item) in doc.paths.paths.iter() {
                if let Err(e) = matcher.insert(path.as_str(), paths.len()) {
                    tracing::debug!(path = %path, error = %e, "route counted under (other)");
                    continue;
                }
                let present = [
                    item.get.is_some(),
                    item.post.is_some(),
                    item.put.is_some(),
                    item.patch.is_some(),
                    item.delete.is_some(),
                    item.head.is_some() || item.options.is_some(),
                ];
                let mut slot = [usize::MAX; METHODS.len()];
                for (i, yes) in present.into_iter().enumerate() {
                    if yes {
                        slot[i] = ops.len();
                        ops.push(OpStats::default());
                    }
                }
                if !path.contains('{') {
                    exact.insert(path.clone(), paths.len());
                }
                paths.push(path.clone());
                slots.push(slot);
            }
            RouteTable {
                matcher,
                exact,
                paths,
                slots,
                ops,
                other: Default::default(),
            }
        });
    }

    fn slot(&self, method: &Method, path: &str) -> Slot {
        let m = method_index(method);
        let Some(table) = self.table.get() else {
            return Slot::Other(m);
        };
        let route = match table.exact.get(path) {
            Some(route) => *route,
            None => match table.matcher.at(path) {
                Ok(found) => *found.value,
                Err(_) => return Slot::Other(m),
            },
        };
        match table.slots[route][m] {
            usize::MAX => Slot::Other(m),
            op => Slot::Op(op),
        }
    }

    fn record(&self, slot: Slot, status: u16, micros: u64) {
        let Some(table) = self.table.get() else {
            return;
        };
        match slot {
            Slot::Op(i) => table.ops[i].record(status, micros),
            Slot::Other(m) => table.other[m].record(status, micros),
        }
    }

    /// Seconds since the Unix epoch at start-up.
    pub fn start_time(&self) -> i64 {
        self.started.get().map(|s| s.1).unwrap_or_default()
    }

    /// Appends the request latency histograms in Prometheus text format.
    pub fn render_requests(&self, out: &mut String) {
        let name = "http_request_duration_milliseconds";
        let _ = writeln!(
            out,
            "# HELP {name} Response time per route template, method and status class"
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        let Some(table) = self.table.get() else {
            return;
        };
        let mut write_op = |path: &str, method: &str, op: &OpStats| {
            for (c, class) in CLASSES.iter().enumerate() {
                let counts: Vec<u64> = op.buckets[c].iter().map(|b| b.load(Relaxed)).collect();
                let total: u64 = counts.iter().sum();
                if total == 0 {
                    continue;
                }
                let labels = format!(
                    "path=\"{}\",method=\"{method}\",status=\"{class}\"",
                    escape(path)
                );
                let mut cumulative = 0;
                for (i, n) in counts.iter().enumerate() {
                    cumulative += n;
                    let le = BUCKETS_MS
                        .get(i)
                        .map(|b| b.to_string())
                        .unwrap_or_else(|| "+Inf".into());
                    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
                }
                let sum = op.sum_micros[c].load(Relaxed) as f64 / 1000.0;
                let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
                let _ = writeln!(out, "{name}_count{{{labels}}} {total}");
            }
        };
        for (r, path) in table.paths.iter().enumerate() {
            for (m, method) in METHODS.iter().enumerate() {
                let op = table.slots[r][m];
                if op != usize::MAX {
                    write_op(path, method, &table.ops[op]);
                }
            }
        }
        for (m, method) in METHODS.iter().enumerate() {
            write_op("(other)", method, &table.other[m]);
        }
    }
}

/// Escapes a Prometheus label value.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A counter of events (cache hits, reloads), cheap to bump from anywhere.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// Counts every request into [`Telemetry`]. Hand-written (rather than a boxed middleware)
/// so that a request costs no allocation.
#[derive(Clone)]
pub struct RequestMetricsLayer {
    telemetry: Arc<Telemetry>,
}

impl RequestMetricsLayer {
    pub fn new(telemetry: Arc<Telemetry>) -> Self {
        RequestMetricsLayer { telemetry }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestMetrics {
            inner,
            telemetry: self.telemetry.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RequestMetrics<S> {
    inner: S,
    telemetry: Arc<Telemetry>,
}

impl<S> Service<Request> for RequestMetrics<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RequestMetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let slot = self.telemetry.slot(req.method(), req.uri().path());
        RequestMetricsFuture {
            future: self.inner.call(req),
            telemetry: self.telemetry.clone(),
            slot,
            start: Instant::now(),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct RequestMetricsFuture<F> {
        #[pin]
        future: F,
        telemetry: Arc<Telemetry>,
        slot: Slot,
        start: Instant,
    }
}

impl<F, E> std::future::Future for RequestMetricsFuture<F>
where
    F: std::future::Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = std::task::ready!(this.future.poll(cx));
        let micros = this.start.elapsed().as_micros().min(u64::MAX as u128) as u64;
        let status = match &res {
            Ok(r) => r.status().as_u16(),
            Err(_) => 500,
        };
        this.telemetry.record(*this.slot, status, micros);
        Poll::Ready(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_land_in_their_route_method_and_class() {
        let t = Telemetry::default();
        let mut doc = utoipa::openapi::OpenApi::default();
        let op = utoipa::openapi::path::OperationBuilder::new().build();
        doc.paths.add_path_operation(
            "/api/admin/projects/{projectId}",
            vec![utoipa::openapi::HttpMethod::Get],
            op,
        );
        t.install_routes(&doc);
        let s = t.slot(&Method::GET, "/api/admin/projects/default");
        t.record(s, 200, 3_000);
        t.record(s, 404, 7_000_000);
        t.record(t.slot(&Method::GET, "/nowhere"), 404, 10);
        let mut out = String::new();
        t.render_requests(&mut out);
        assert!(out.contains("http_request_duration_milliseconds_bucket{path=\"/api/admin/projects/{projectId}\",method=\"GET\",status=\"2xx\",le=\"5\"} 1"), "{out}");
        assert!(out.contains("http_request_duration_milliseconds_bucket{path=\"/api/admin/projects/{projectId}\",method=\"GET\",status=\"2xx\",le=\"1\"} 0"));
        assert!(out.contains("status=\"4xx\",le=\"5000\"} 0"));
        assert!(out.contains("status=\"4xx\",le=\"+Inf\"} 1"));
        assert!(out.contains("http_request_duration_milliseconds_sum{path=\"/api/admin/projects/{projectId}\",method=\"GET\",status=\"2xx\"} 3"));
        assert!(out.contains("path=\"(other)\",method=\"GET\",status=\"4xx\""));
    }
}
