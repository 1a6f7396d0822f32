//! `dossier serve`: a built knowledge base over HTTP, read-only — the SPARQL 1.1 Protocol over
//! the dataset, SQL answered in Datasette's JSON shapes, and every named query.
//!
//! The server is a second face of the binary beside the CLI: it calls the same library
//! functions and writes answers with the same writers (`output.rs`), so an answer over HTTP is
//! byte for byte what the command prints. Queries run on blocking threads, at most
//! `--max-concurrent` at a time, each stopped at the time limit; an answer is held whole (to
//! give a status and a length) and refused past `--max-answer-mb`.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use dossier::kb::KbPaths;
use dossier::queries::NamedQuery;
use dossier::sparql::{CancellationToken, Store};

use crate::output::{RowFormat, RowWriter, SelectWriter, SparqlFormat};

/// What `dossier serve` was asked for.
pub struct Settings {
    pub addr: SocketAddr,
    pub timeout: Duration,
    pub max_concurrent: usize,
    pub max_body_bytes: usize,
    pub max_answer_bytes: usize,
    pub cors_origin: String,
    pub queries: Vec<NamedQuery>,
}

/// What every request reads: opened once at start.
struct Shared {
    paths: KbPaths,
    store: Store,
    base: String,
    title: String,
    queries: Vec<NamedQuery>,
    timeout: Duration,
    max_answer_bytes: usize,
    cors_origin: HeaderValue,
    permits: Arc<Semaphore>,
}

/// How long a request waits for a free slot before it is told the server is busy.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// The parser and the evaluator recurse over a query's structure (bounded by the nesting
/// check): query threads get a large stack, of which only the pages used are committed.
const QUERY_STACK_BYTES: usize = 256 << 20;

/// Serves until SIGINT or SIGTERM, then lets the requests in flight finish.
pub fn run(paths: KbPaths, settings: Settings) -> Result<()> {
    paths.require(&paths.index())?;
    let conn = dossier::sqlite::open_read_only(&paths.database())?;
    let base = dossier::sqlite::base_iri(&conn)?;
    let title: String = conn
        .query_row("SELECT title FROM knowledge_base", [], |r| r.get(0))
        .context("the database has no knowledge_base row: rebuild it with `dossier build`")?;
    drop(conn);
    let store = Store::open(&paths.index(), &base)?;
    let shared = Arc::new(Shared {
        paths,
        store,
        base,
        title,
        queries: settings.queries,
        timeout: settings.timeout,
        max_answer_bytes: settings.max_answer_bytes,
        cors_origin: HeaderValue::from_str(&settings.cors_origin)
            .context("--cors-origin is not a valid header value")?,
        permits: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .thread_stack_size(QUERY_STACK_BYTES)
        .max_blocking_threads(settings.max_concurrent.max(1) + 2)
        .thread_name("dossier-serve")
        .build()
        .context("cannot start the server's threads")?;
    runtime.block_on(serve(shared, settings.addr, settings.max_body_bytes))
}

async fn serve(shared: Arc<Shared>, addr: SocketAddr, max_body_bytes: usize) -> Result<()> {
    let app = Router::new()
        .route("/", get(index))
        .route("/sparql", get(sparql).post(sparql))
        .route("/sql", get(sql))
        .route("/queries", get(list_queries))
        .route("/queries/{name}", get(named_query))
        .route("/report", get(report))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn_with_state(shared.clone(), cors))
        .layer(middleware::from_fn(log))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}: is the port taken? Try --port 0"))?;
    let local = listener.local_addr()?;
    // The first line of standard output says where (tests and scripts read the port from it).
    println!(
        "dossier: serving {} at http://{local}/",
        shared.paths.dir.display()
    );
    std::io::stdout().flush()?;
    eprintln!(
        "  SPARQL http://{local}/sparql · SQL http://{local}/sql · named queries \
         http://{local}/queries · Ctrl-C stops"
    );
    let stop = Arc::new(tokio::sync::Notify::new());
    let on_signal = stop.clone();
    ctrlc::set_handler(move || on_signal.notify_one())
        .context("cannot watch for Ctrl-C and SIGTERM")?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stop.notified().await;
        eprintln!("dossier: stopping; requests in flight finish first");
    })
    .await
    .context("the server stopped")?;
    eprintln!("dossier: stopped");
    Ok(())
}

/// One line per request on standard error: time, client, method, path, status, duration, size.
async fn log(
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query_bytes = request.uri().query().map_or(0, str::len);
    let response = next.run(request).await;
    let size = axum::body::HttpBody::size_hint(response.body())
        .exact()
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    eprintln!(
        "{} {client} {method} {path}{} {} {:.1}ms {size}B",
        crate::utc_now(),
        if query_bytes > 0 {
            format!("?[{query_bytes}B]")
        } else {
            String::new()
        },
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0,
    );
    response
}

/// CORS: a dashboard on another origin may call every endpoint (they only read); a preflight
/// is answered here.
async fn cors(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS;
    let mut response = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Accept, Content-Type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        shared.cors_origin.clone(),
    );
    if shared.cors_origin != "*" {
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// A refusal: a status and a one-line reason (plain text, or JSON for the SQL endpoint).
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    reason: String,
    json: bool,
}

impl Refusal {
    fn new(status: StatusCode, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason: reason.into(),
            json: false,
        }
    }
    fn bad(reason: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, reason)
    }
    fn in_json(mut self) -> Refusal {
        self.json = true;
        self
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.json {
            // Datasette's error shape.
            let body = serde_json::json!({
                "ok": false,
                "error": self.reason,
                "status": self.status.as_u16(),
                "title": self.status.canonical_reason(),
            });
            let mut r = (self.status, format!("{body}\n")).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        } else {
            let mut reason = self.reason;
            reason.push('\n');
            (self.status, reason).into_response()
        }
    }
}

/// A complete answer with its media type.
fn answer(media_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    r
}

/// The query string's pairs, in order (a name may repeat: `named-graph-uri`).
fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, Refusal> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|e| Refusal::bad(format!("the query string is not URL-encoded: {e}")))
}

/// The only value of `name`, if given; twice is an error.
fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, Refusal> {
    let mut found = pairs.iter().filter(|(k, _)| k == name);
    let first = found.next();
    if found.next().is_some() {
        return Err(Refusal::bad(format!("give `{name}` once")));
    }
    Ok(first.map(|(_, v)| v.as_str()))
}

/// Waits for a free slot; the permit travels with the work to its blocking thread.
async fn slot(shared: &Shared) -> Result<OwnedSemaphorePermit, Refusal> {
    match tokio::time::timeout(QUEUE_WAIT, shared.permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy with other queries: retry shortly",
        )),
    }
}

/// Runs `work` on a blocking thread, holding a slot, and cancels it at the time limit.
async fn run_limited<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce(&Shared, CancellationToken) -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Refusal> {
    let permit = slot(shared).await?;
    let cancel = CancellationToken::new();
    let worker_cancel = cancel.clone();
    let worker_shared = shared.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&worker_shared, worker_cancel)
    });
    match tokio::time::timeout(shared.timeout, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the query stopped unexpectedly: {e}"),
        )),
        Err(_) => {
            // The evaluator stops at its next step and gives its slot back then.
            cancel.cancel();
            Err(timed_out(shared.timeout))
        }
    }
}

fn timed_out(limit: Duration) -> Refusal {
    // As Datasette does: a query that runs too long is the request's problem.
    Refusal::bad(format!(
        "the query was interrupted after {} ms: simplify it, or ask for a higher --timeout-ms",
        limit.as_millis()
    ))
}

/// Collects an answer, refusing it once it passes the size bound.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
    over: bool,
}

impl Capped {
    fn new(cap: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            cap,
            over: false,
        }
    }
    fn too_large(&self) -> Refusal {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the answer is larger than {} MiB: narrow the query or add LIMIT",
                self.cap >> 20
            ),
        )
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.cap {
            self.over = true;
            return Err(std::io::Error::other("the answer is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `GET /`: what this server offers, as JSON.
async fn index(State(shared): State<Arc<Shared>>) -> Response {
    let body = serde_json::json!({
        "title": shared.title,
        "base_iri": shared.base,
        "endpoints": {
            "sparql": "/sparql?query=... (SPARQL 1.1 Protocol, GET or POST)",
            "sql": "/sql?sql=...&_shape=array|arrays|objects|arrayfirst (Datasette's shapes)",
            "queries": "/queries, /queries/NAME?store=sql|rdf|both&format=json|csv|tsv|ndjson",
            "report": "/report",
        },
        "queries": shared.queries.iter().map(|q| &q.name).collect::<Vec<_>>(),
    });
    answer("application/json", format!("{body:#}\n").into_bytes())
}

/// `GET /report`: the generation's HTML report, when the build wrote one.
async fn report(State(shared): State<Arc<Shared>>) -> Result<Response, Refusal> {
    let path = shared.paths.generation().join("report.html");
    match std::fs::read(&path) {
        Ok(html) => Ok(answer("text/html; charset=utf-8", html)),
        Err(_) => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "this knowledge base has no report: rebuild it with `dossier build`",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// SPARQL 1.1 Protocol

/// The media types offered for rows and booleans, first the default.
const RESULT_TYPES: &[(&str, SparqlFormat)] = &[
    ("application/sparql-results+json", SparqlFormat::Json),
    ("application/json", SparqlFormat::Json),
    ("application/sparql-results+xml", SparqlFormat::Xml),
    ("application/xml", SparqlFormat::Xml),
    ("text/xml", SparqlFormat::Xml),
    ("text/csv", SparqlFormat::Csv),
    ("text/tab-separated-values", SparqlFormat::Tsv),
    ("application/x-ndjson", SparqlFormat::Ndjson),
];

/// The media types offered for triples, first the default.
const GRAPH_TYPES: &[(&str, SparqlFormat)] = &[
    ("text/turtle", SparqlFormat::Turtle),
    ("application/n-triples", SparqlFormat::Ntriples),
    ("text/plain", SparqlFormat::Ntriples),
    ("application/ld+json", SparqlFormat::Jsonld),
];

fn media_type(format: SparqlFormat) -> &'static str {
    match format {
        SparqlFormat::Json => "application/sparql-results+json",
        SparqlFormat::Xml => "application/sparql-results+xml",
        SparqlFormat::Csv => "text/csv; charset=utf-8",
        SparqlFormat::Tsv => "text/tab-separated-values; charset=utf-8",
        SparqlFormat::Ndjson => "application/x-ndjson",
        SparqlFormat::Turtle | SparqlFormat::Table => "text/turtle",
        SparqlFormat::Ntriples => "application/n-triples",
        SparqlFormat::Jsonld => "application/ld+json",
    }
}

/// The offered format the `Accept` header prefers (highest q, then the client's order), or the
/// default when it accepts anything; `None` when it accepts nothing offered.
fn negotiate<T: Copy>(accept: Option<&str>, offered: &[(&str, T)]) -> Option<T> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(offered[0].1);
    };
    let mut best: Option<(f32, usize, T)> = None;
    for (order, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let found = if range == "*/*" {
            Some(offered[0].1)
        } else if let Some(kind) = range.strip_suffix("/*") {
            offered
                .iter()
                .find(|(t, _)| t.split('/').next() == Some(kind))
                .map(|(_, f)| *f)
        } else {
            offered.iter().find(|(t, _)| *t == range).map(|(_, f)| *f)
        };
        if let Some(f) = found {
            // Wildcards rank below a named type of the same q.
            let specific = if range.contains('*') { 0.0 } else { 0.001 };
            let score = q + specific;
            if best.is_none_or(|(s, o, _)| score > s || (score == s && order < o)) {
                best = Some((score, order, f));
            }
        }
    }
    best.map(|(_, _, f)| f)
}

/// A SPARQL request, whichever way it came.
struct SparqlRequest {
    query: String,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    format: Option<String>,
}

fn sparql_request(
    method: &Method,
    headers: &HeaderMap,
    raw_query: Option<&str>,
    body: &Bytes,
) -> Result<SparqlRequest, Refusal> {
    let mut fields = pairs(raw_query)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let mut direct = None;
    if method == Method::POST {
        match content_type.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let body =
                    std::str::from_utf8(body).map_err(|_| Refusal::bad("the form is not UTF-8"))?;
                fields.extend(pairs(Some(body))?);
            }
            Some("application/sparql-query") => {
                direct = Some(
                    String::from_utf8(body.to_vec())
                        .map_err(|_| Refusal::bad("the query is not UTF-8"))?,
                );
            }
            Some("application/sparql-update") => return Err(read_only()),
            other => {
                return Err(Refusal::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "POST a query as application/sparql-query or as a form \
                         (application/x-www-form-urlencoded), not {}",
                        other.unwrap_or("a body without a Content-Type")
                    ),
                ));
            }
        }
    }
    if fields.iter().any(|(k, _)| k == "update") {
        return Err(read_only());
    }
    let query = match (direct, single(&fields, "query")?) {
        (Some(_), Some(_)) => {
            return Err(Refusal::bad(
                "give the query once: in the body or as `query=`, not both",
            ));
        }
        (Some(q), None) => q,
        (None, Some(q)) => q.to_owned(),
        (None, None) => {
            return Err(Refusal::bad(
                "no query: give one as `query=` (GET, or a POSTed form) or POST it as \
                 application/sparql-query",
            ));
        }
    };
    let all = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    Ok(SparqlRequest {
        query,
        default_graphs: all("default-graph-uri"),
        named_graphs: all("named-graph-uri"),
        format: single(&fields, "format")?.map(str::to_owned),
    })
}

fn read_only() -> Refusal {
    Refusal::new(
        StatusCode::FORBIDDEN,
        "updates are refused: this endpoint is read-only (change the seeds and run `dossier \
         build`)",
    )
}

/// The protocol's dataset, which replaces the query's own FROM and FROM NAMED.
fn set_dataset(
    parsed: &mut spargebra::Query,
    default: &[String],
    named: &[String],
) -> Result<(), Refusal> {
    if default.is_empty() && named.is_empty() {
        return Ok(());
    }
    let iri = |s: &String| {
        oxrdf::NamedNode::new(s.clone())
            .map_err(|e| Refusal::bad(format!("'{s}' is not an IRI: {e}")))
    };
    let dataset = spargebra::algebra::QueryDataset {
        default: default.iter().map(iri).collect::<Result<_, _>>()?,
        named: if named.is_empty() {
            None
        } else {
            Some(named.iter().map(iri).collect::<Result<_, _>>()?)
        },
    };
    match parsed {
        spargebra::Query::Select { dataset: d, .. }
        | spargebra::Query::Construct { dataset: d, .. }
        | spargebra::Query::Describe { dataset: d, .. }
        | spargebra::Query::Ask { dataset: d, .. } => *d = Some(dataset),
    }
    Ok(())
}

/// `GET|POST /sparql`.
async fn sparql(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    body: Bytes,
) -> Result<Response, Refusal> {
    let request = sparql_request(&method, &headers, raw_query.as_deref(), &body)?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    run_limited(&shared, move |shared, cancel| {
        answer_sparql(shared, request, accept.as_deref(), cancel)
    })
    .await
}

fn answer_sparql(
    shared: &Shared,
    request: SparqlRequest,
    accept: Option<&str>,
    cancel: CancellationToken,
) -> Result<Response, Refusal> {
    let mut parsed =
        shared
            .store
            .parse_with(&request.query, &[])
            .map_err(|e| match e.downcast_ref::<dossier::sparql::SyntaxError>() {
                Some(syntax) => Refusal::bad(syntax.to_string()),
                None => Refusal::bad(format!("{e:#}")),
            })?;
    set_dataset(&mut parsed, &request.default_graphs, &request.named_graphs)?;
    let graph = matches!(
        parsed,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. }
    );
    let offered = if graph { GRAPH_TYPES } else { RESULT_TYPES };
    let format = match &request.format {
        Some(name) => <SparqlFormat as clap::ValueEnum>::from_str(name, true)
            .ok()
            .filter(|f| offered.iter().any(|(_, o)| o == f))
            .ok_or_else(|| {
                Refusal::bad(format!(
                    "format={name} does not fit this query: use one of {}",
                    offered_names(offered)
                ))
            })?,
        None => negotiate(accept, offered).ok_or_else(|| {
            Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "this query answers as {}; the Accept header allows none of them",
                    offered
                        .iter()
                        .map(|(t, _)| *t)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
    };
    let mut out = Capped::new(shared.max_answer_bytes);
    let failed = |out: &Capped, e: anyhow::Error, cancel: &CancellationToken| {
        if out.over {
            out.too_large()
        } else if cancel.is_cancelled() {
            timed_out(shared.timeout)
        } else {
            Refusal::bad(format!("{e:#}"))
        }
    };
    if let spargebra::Query::Select { .. } = parsed {
        let mut rows = SelectWriter::new(&mut out, format, &shared.base)
            .map_err(|e| Refusal::bad(format!("{e:#}")))?;
        let result = shared
            .store
            .query_streaming(parsed, cancel.clone(), &mut rows)
            .and_then(|_| rows.finish());
        if let Err(e) = result {
            return Err(failed(&out, e, &cancel));
        }
    } else {
        let result = shared
            .store
            .query_cancellable(parsed, cancel.clone())
            .and_then(|a| crate::output::write_answer(&mut out, &a, format, &shared.base));
        if let Err(e) = result {
            return Err(failed(&out, e, &cancel));
        }
    }
    Ok(answer(media_type(format), out.bytes))
}

fn offered_names(offered: &[(&str, SparqlFormat)]) -> String {
    let mut names: Vec<String> = offered
        .iter()
        .filter_map(|(_, f)| clap::ValueEnum::to_possible_value(f).map(|v| v.get_name().to_owned()))
        .collect();
    names.dedup();
    names.join(", ")
}

// ---------------------------------------------------------------------------------------------
// SQL in Datasette's JSON shapes

/// `GET /sql?sql=...&_shape=...`: named parameters are the other arguments (`:actor` is
/// `actor=...`), as in Datasette; arguments starting with `_` are options.
async fn sql(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, Refusal> {
    let fields = pairs(raw_query.as_deref()).map_err(Refusal::in_json)?;
    let text = single(&fields, "sql")
        .map_err(Refusal::in_json)?
        .ok_or_else(|| Refusal::bad("no query: give one as `sql=`").in_json())?
        .to_owned();
    let shape = single(&fields, "_shape")
        .map_err(Refusal::in_json)?
        .unwrap_or("arrays")
        .to_owned();
    if !matches!(
        shape.as_str(),
        "array" | "arrays" | "objects" | "arrayfirst"
    ) {
        return Err(Refusal::bad(format!(
            "_shape={shape} is not one of array, arrays, objects, arrayfirst"
        ))
        .in_json());
    }
    let params: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k != "sql" && !k.starts_with('_'))
        .collect();
    run_limited(&shared, move |shared, _cancel| {
        answer_sql(shared, &text, &params, &shape)
    })
    .await
}

/// Collects a SQL answer for the shapes that wrap rows in an object.
#[derive(Default)]
struct Collected {
    columns: Vec<String>,
    rows: Vec<Vec<serde_json::Value>>,
    bytes: usize,
    cap: usize,
}

impl dossier::sqlite::RowSink for Collected {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }
    fn row(&mut self, values: &[rusqlite::types::Value]) -> Result<()> {
        let row: Vec<serde_json::Value> = values.iter().map(crate::output::json_of).collect();
        // A rough size, to refuse an answer too large before it is all in memory.
        self.bytes += row.iter().map(|v| v.to_string().len() + 1).sum::<usize>();
        if self.bytes > self.cap {
            anyhow::bail!("the answer is too large");
        }
        self.rows.push(row);
        Ok(())
    }
}

thread_local! {
    /// Each query thread keeps its read-only connection: opening one reads the whole schema.
    static CONNECTION: std::cell::RefCell<Option<rusqlite::Connection>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's connection to the database, opening it the first time.
fn with_connection<T>(
    shared: &Shared,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    CONNECTION.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(
                dossier::sqlite::open_read_only(&shared.paths.database()).map_err(|e| {
                    Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
                })?,
            );
        }
        f(slot.as_ref().expect("opened above"))
    })
}

fn answer_sql(
    shared: &Shared,
    text: &str,
    params: &[(String, String)],
    shape: &str,
) -> Result<Response, Refusal> {
    with_connection(shared, |conn| {
        answer_sql_on(shared, conn, text, params, shape)
    })
    .map_err(Refusal::in_json)
}

fn answer_sql_on(
    shared: &Shared,
    conn: &rusqlite::Connection,
    text: &str,
    params: &[(String, String)],
    shape: &str,
) -> Result<Response, Refusal> {
    let started = Instant::now();
    let refused = |e: dossier::sqlite::QueryError, too_large: bool| {
        use dossier::sqlite::QueryError;
        let cap = shared.max_answer_bytes >> 20;
        match e {
            _ if too_large => Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the answer is larger than {cap} MiB: narrow the query or add LIMIT"),
            ),
            QueryError::Write => Refusal::new(StatusCode::FORBIDDEN, e.to_string()),
            QueryError::Timeout(limit) => timed_out(limit),
            other => Refusal::bad(other.to_string()),
        }
        .in_json()
    };
    if shape == "array" {
        // The same writer as `dossier sql --format json`: the same bytes.
        let mut out = Capped::new(shared.max_answer_bytes);
        let mut writer = RowWriter::new(&mut out, RowFormat::Json);
        let result = dossier::sqlite::query(conn, text, params, shared.timeout, &mut writer);
        let finished = result.map(|()| writer.finish());
        return match finished {
            Ok(Ok(())) => Ok(answer("application/json", out.bytes)),
            Ok(Err(_)) => Err(refused(
                dossier::sqlite::QueryError::Sql(String::new()),
                true,
            )),
            Err(e) => {
                let over = out.over;
                Err(refused(e, over))
            }
        };
    }
    let mut rows = Collected {
        cap: shared.max_answer_bytes,
        ..Collected::default()
    };
    if let Err(e) = dossier::sqlite::query(conn, text, params, shared.timeout, &mut rows) {
        let over = rows.bytes > rows.cap;
        return Err(refused(e, over));
    }
    let body = match shape {
        "arrayfirst" => serde_json::Value::Array(
            rows.rows
                .into_iter()
                .map(|r| r.into_iter().next().unwrap_or(serde_json::Value::Null))
                .collect(),
        ),
        _ => {
            let as_rows: Vec<serde_json::Value> = if shape == "objects" {
                rows.rows
                    .into_iter()
                    .map(|r| {
                        serde_json::Value::Object(rows.columns.iter().cloned().zip(r).collect())
                    })
                    .collect()
            } else {
                rows.rows
                    .into_iter()
                    .map(serde_json::Value::Array)
                    .collect()
            };
            let params: serde_json::Map<String, serde_json::Value> = params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            serde_json::json!({
                "ok": true,
                "database": "dossier",
                "query": {"sql": text, "params": params},
                "columns": rows.columns,
                "rows": as_rows,
                "truncated": false,
                "query_ms": started.elapsed().as_secs_f64() * 1000.0,
            })
        }
    };
    Ok(answer("application/json", format!("{body}\n").into_bytes()))
}

// ---------------------------------------------------------------------------------------------
// Named queries

/// `GET /queries`: each named query with its parameters and its address.
async fn list_queries(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<serde_json::Value> = shared
        .queries
        .iter()
        .map(|q| {
            serde_json::json!({
                "name": q.name,
                "description": q.description,
                "url": format!("/queries/{}", q.name),
                "params": q.params.iter().map(|(name, p)| (name.clone(), serde_json::json!({
                    "default": p.default, "description": p.description,
                }))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    answer(
        "application/json",
        format!("{:#}\n", serde_json::Value::Array(list)).into_bytes(),
    )
}

const ROW_TYPES: &[(&str, RowFormat)] = &[
    ("application/json", RowFormat::Json),
    ("text/csv", RowFormat::Csv),
    ("text/tab-separated-values", RowFormat::Tsv),
    ("application/x-ndjson", RowFormat::Ndjson),
];

fn row_media_type(format: RowFormat) -> &'static str {
    match format {
        RowFormat::Csv => "text/csv; charset=utf-8",
        RowFormat::Tsv => "text/tab-separated-values; charset=utf-8",
        RowFormat::Ndjson => "application/x-ndjson",
        RowFormat::Json | RowFormat::Table => "application/json",
    }
}

/// `GET /queries/NAME?param=...&store=sql|rdf|both&format=json|csv|tsv|ndjson`.
async fn named_query(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, Refusal> {
    let q = shared
        .queries
        .iter()
        .find(|q| q.name == name)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = shared.queries.iter().map(|q| q.name.as_str()).collect();
            let hint = dossier::diagnostic::closest(&name, &names)
                .map(|c| format!(" (did you mean '{c}'?)"))
                .unwrap_or_default();
            Refusal::new(
                StatusCode::NOT_FOUND,
                format!("no named query '{name}'{hint}: GET /queries lists them"),
            )
        })?;
    let fields = pairs(raw_query.as_deref())?;
    let store = match single(&fields, "store")?.unwrap_or("sql") {
        "sql" => crate::StoreChoice::Sql,
        "rdf" => crate::StoreChoice::Rdf,
        "both" => crate::StoreChoice::Both,
        other => {
            return Err(Refusal::bad(format!(
                "store={other} is not one of sql, rdf, both"
            )));
        }
    };
    let format = match single(&fields, "format")? {
        Some(name) => <RowFormat as clap::ValueEnum>::from_str(name, true)
            .ok()
            .filter(|f| *f != RowFormat::Table)
            .ok_or_else(|| {
                Refusal::bad(format!(
                    "format={name} is not one of json, csv, tsv, ndjson"
                ))
            })?,
        None => negotiate(
            headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()),
            ROW_TYPES,
        )
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                "named queries answer as application/json, text/csv, text/tab-separated-values \
                 or application/x-ndjson",
            )
        })?,
    };
    let given: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k != "store" && k != "format")
        .collect();
    let params = q.bind(&given).map_err(|e| Refusal::bad(format!("{e:#}")))?;
    run_limited(&shared, move |shared, cancel| {
        let rows = named_rows(shared, &q, &params, store, cancel)?;
        let mut out = Capped::new(shared.max_answer_bytes);
        let mut writer = RowWriter::new(&mut out, format);
        let written = (|| -> Result<()> {
            dossier::sqlite::RowSink::columns(&mut writer, &rows.columns)?;
            for row in &rows.rows {
                writer.json_row(row)?;
            }
            writer.finish()
        })();
        match written {
            Ok(()) => Ok(answer(row_media_type(format), out.bytes)),
            Err(_) if out.over => Err(out.too_large()),
            Err(e) => Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{e:#}"),
            )),
        }
    })
    .await
}

fn named_rows(
    shared: &Shared,
    q: &NamedQuery,
    params: &[(String, String)],
    store: crate::StoreChoice,
    cancel: CancellationToken,
) -> Result<dossier::queries::Rows, Refusal> {
    use dossier::queries::{Comparison, run_sparql_until, run_sql};
    let failed = |e: anyhow::Error| {
        if cancel.is_cancelled() {
            timed_out(shared.timeout)
        } else {
            Refusal::bad(format!("{e:#}"))
        }
    };
    let sql = || -> Result<dossier::queries::Rows, Refusal> {
        with_connection(shared, |conn| {
            run_sql(conn, q, params, shared.timeout).map_err(failed)
        })
    };
    let rdf = || run_sparql_until(&shared.store, q, params, cancel.clone()).map_err(failed);
    match store {
        crate::StoreChoice::Sql => sql(),
        crate::StoreChoice::Rdf => rdf(),
        crate::StoreChoice::Both => {
            let comparison = Comparison {
                sql: sql()?,
                rdf: rdf()?,
            };
            if comparison.agrees() {
                Ok(comparison.sql)
            } else {
                Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "the stores disagree on '{}' (run `dossier check`):\n{}",
                        q.name,
                        comparison.diff()
                    ),
                ))
            }
        }
    }
}
