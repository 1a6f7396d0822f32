//! `dossier serve`: a built knowledge base over HTTP, read-only — the SPARQL 1.1 Protocol over
//! the dataset, SQL answered in Datasette's JSON shapes, and every named query.
//!
//! The server is a second face of the binary beside the CLI: it calls the same library
//! functions and writes answers with the same writers (`output.rs`), so an answer over HTTP is
//! byte for byte what the command prints. Queries run at most `--max-concurrent` at a time,
//! each stopped at the time limit: SQL on blocking threads, SPARQL in worker processes (which a
//! stop kills); an answer is held whole (to give a status and a length) and refused past
//! `--max-answer-mb`.

use std::collections::HashMap;
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
use maud::Render;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use dossier::bounds::{Bounds, Outrun};
use dossier_stores::kb::KbPaths;
use dossier_stores::queries::NamedQuery;
use dossier_stores::sparql::{CancellationToken, RdfTerm, Store};

use crate::output::{RowFormat, RowWriter, SelectWriter, SparqlFormat};

/// What `dossier serve` was asked for.
pub struct Settings {
    pub addr: SocketAddr,
    /// Every query's time bound; a SPARQL worker's memory bound (and the server's, for all).
    pub bounds: Bounds,
    pub max_concurrent: usize,
    pub max_body_bytes: usize,
    /// How long a client may take to send a request's headers (and how long an idle
    /// connection stays open), and its body.
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// Connections open at once, in all and from one address.
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub max_answer_bytes: usize,
    /// Origins whose pages may call the server; `*` for any.
    pub cors_origins: Vec<String>,
    pub queries: Vec<NamedQuery>,
}

/// What every request reads: opened once at start.
struct Shared {
    paths: KbPaths,
    store: Store,
    base: String,
    title: String,
    /// Each article's id and title: its IRI names its graph (the service description's).
    articles: Vec<(String, String)>,
    queries: Vec<NamedQuery>,
    bounds: Bounds,
    max_answer_bytes: usize,
    cors_origins: Vec<String>,
    permits: Arc<Semaphore>,
    /// SPARQL worker processes waiting for a query.
    workers: std::sync::Mutex<Vec<Worker>>,
    /// How many queries may run at once (and so how many workers are kept).
    permits_total: usize,
    /// The queries running now, so that the memory watch can stop them.
    running: std::sync::Mutex<HashMap<u64, Arc<Stop>>>,
    next_query: std::sync::atomic::AtomicU64,
}

/// How long, past the time limit, requests in flight may take to finish once the server is
/// told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How long a request waits for a free slot before it is told the server is busy.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// The parser and the evaluator recurse over a query's structure (bounded by the nesting
/// check): query threads get a large stack, of which only the pages used are committed.
const QUERY_STACK_BYTES: usize = 256 << 20;

/// Serves until SIGINT or SIGTERM, then lets the requests in flight finish.
pub fn run(paths: KbPaths, settings: Settings) -> Result<()> {
    let store = dossier::Kb::with_paths(paths.clone()).graph()?;
    let conn = dossier_stores::sqlite::open_read_only(&paths.database())?;
    let base = dossier_stores::sqlite::base_iri(&conn)?;
    let title: String = conn
        .query_row("SELECT title FROM knowledge_base", [], |r| r.get(0))
        .context("the database has no knowledge_base row: rebuild it with `dossier build`")?;
    let articles = {
        let mut statement = conn.prepare("SELECT id, title FROM articles ORDER BY id")?;
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<(String, String)>, _>>()?
    };
    drop(conn);
    let shared = Arc::new(Shared {
        paths,
        store,
        base,
        title,
        articles,
        queries: settings.queries,
        bounds: settings.bounds,
        max_answer_bytes: settings.max_answer_bytes,
        cors_origins: settings.cors_origins,
        permits: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
        workers: Default::default(),
        permits_total: settings.max_concurrent.max(1),
        running: Default::default(),
        next_query: Default::default(),
    });
    for origin in &shared.cors_origins {
        HeaderValue::from_str(origin)
            .with_context(|| format!("--cors-origin '{origin}' is not a valid header value"))?;
    }
    watch_memory(shared.clone(), settings.bounds.memory_bytes());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .thread_stack_size(QUERY_STACK_BYTES)
        .max_blocking_threads(settings.max_concurrent.max(1) + 2)
        .thread_name("dossier-serve")
        .build()
        .context("cannot start the server's threads")?;
    let limits = ConnectionLimits {
        max_body_bytes: settings.max_body_bytes,
        header_timeout: settings.header_timeout,
        body_timeout: settings.body_timeout,
        max_connections: settings.max_connections.max(1),
        max_connections_per_client: settings.max_connections_per_client.max(1),
    };
    let served = runtime.block_on(serve(shared, settings.addr, limits));
    // SQL still running on a query thread is interrupted at its time limit; nothing else is
    // waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    served
}

/// Every 50 ms, the process's own memory (anonymous resident pages: the memory-mapped index is
/// the system's to page in and out, and does not count): past the limit, the allocator gives
/// back what it holds unused, and if that is not enough every running query is stopped
/// (answers held whole and evaluations in progress are what grows).
fn watch_memory(shared: Arc<Shared>, limit: u64) {
    std::thread::Builder::new()
        .name("memory-watch".into())
        .spawn(move || {
            let over = || dossier::memory::own().is_some_and(|m| m.anonymous > limit);
            loop {
                std::thread::sleep(Duration::from_millis(50));
                if over() {
                    dossier_stores::kb::return_free_memory();
                    if over() {
                        let running = shared.running.lock().unwrap_or_else(|e| e.into_inner());
                        running.values().for_each(|stop| stop.stop(Why::Memory));
                    }
                }
            }
        })
        .expect("a thread can be started");
}

/// What one connection may take of the server.
#[derive(Clone, Copy)]
struct ConnectionLimits {
    max_body_bytes: usize,
    header_timeout: Duration,
    body_timeout: Duration,
    max_connections: usize,
    max_connections_per_client: usize,
}

async fn serve(shared: Arc<Shared>, addr: SocketAddr, limits: ConnectionLimits) -> Result<()> {
    let app = Router::new()
        .route("/", get(index))
        .route("/sparql", get(sparql).post(sparql))
        .route("/sql", get(sql))
        .route("/queries", get(list_queries))
        .route("/queries/{name}", get(named_query))
        .route("/report", get(report))
        .route("/report/", get(site_index))
        .route("/report/{*page}", get(site_page))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(limits, bounded_body))
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
    let signalled = Arc::new(tokio::sync::Notify::new());
    let on_signal = signalled.clone();
    ctrlc::set_handler(move || on_signal.notify_waiters())
        .context("cannot watch for Ctrl-C and SIGTERM")?;
    let grace = shared.bounds.time + SHUTDOWN_GRACE;
    // Connections are told to finish through this channel; each holds a receiver, so the
    // sender's `closed()` says when the last has ended.
    let (closing, close) = tokio::sync::watch::channel(false);
    let stopped = signalled.notified();
    tokio::pin!(stopped);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let per_client: Arc<std::sync::Mutex<HashMap<std::net::IpAddr, usize>>> = Default::default();
    loop {
        let (stream, client) = tokio::select! {
            () = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: the connections open will end and free some.
                    eprintln!("dossier: cannot accept a connection ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Past a cap the connection is closed at once: a client holding many open (slowly,
        // or never finishing them) cannot take the server's descriptors from everyone else.
        let Ok(slot) = open.clone().try_acquire_owned() else {
            continue;
        };
        let Some(client_slot) = ClientSlot::take(&per_client, client.ip(), limits) else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(
            app.clone().layer(axum::Extension(ConnectInfo(client))),
        );
        let mut close = close.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = close.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop((slot, client_slot, close));
        });
    }
    drop(close);
    eprintln!(
        "dossier: stopping; requests in flight have {} ms to finish",
        grace.as_millis()
    );
    let _ = closing.send(true);
    // A request cannot run past the time limit, but its connection can stay open: past the
    // grace, whatever is left is dropped (and its query's process killed).
    if tokio::time::timeout(grace, closing.closed()).await.is_err() {
        eprintln!("dossier: the grace ran out; open connections were closed");
    }
    eprintln!("dossier: stopped");
    Ok(())
}

/// One of the connections a client address may hold; given back when dropped.
struct ClientSlot {
    counts: Arc<std::sync::Mutex<HashMap<std::net::IpAddr, usize>>>,
    client: std::net::IpAddr,
}

impl ClientSlot {
    fn take(
        counts: &Arc<std::sync::Mutex<HashMap<std::net::IpAddr, usize>>>,
        client: std::net::IpAddr,
        limits: ConnectionLimits,
    ) -> Option<ClientSlot> {
        let mut held = counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(client).or_insert(0);
        if *n >= limits.max_connections_per_client {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            counts: counts.clone(),
            client,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut held = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.client);
            }
        }
    }
}

/// A request's body, bounded before it is read: a declared length past `--max-body-kb` is
/// refused at once (so no `100 Continue` invites it), and the body must arrive within the body
/// timeout (a huge chunk size with a few bytes behind it waits no longer than that).
async fn bounded_body(
    State(limits): State<ConnectionLimits>,
    request: Request,
    next: Next,
) -> Result<Response, Refusal> {
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request's body is larger than {} KiB (--max-body-kb): send the query as \
                 a GET, or shorten it",
                limits.max_body_bytes >> 10
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return Err(too_large());
    }
    let chunked = request
        .headers()
        .get(header::TRANSFER_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    if declared.unwrap_or(0) == 0 && !chunked {
        return Ok(next.run(request).await);
    }
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, limits.max_body_bytes);
    let bytes = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return Err(too_large()),
        Err(_) => {
            return Err(Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request's body did not arrive within {} ms",
                    limits.body_timeout.as_millis()
                ),
            ));
        }
    };
    Ok(next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await)
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
    // The header names one origin: `*`, or the caller's when it is allowed.
    let allowed = if shared.cors_origins.iter().any(|o| o == "*") {
        Some(HeaderValue::from_static("*"))
    } else {
        request
            .headers()
            .get(header::ORIGIN)
            .filter(|o| {
                shared
                    .cors_origins
                    .iter()
                    .any(|a| a.as_bytes() == o.as_bytes())
            })
            .cloned()
    };
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
    let any = allowed.as_ref().is_some_and(|a| a == "*");
    if let Some(origin) = allowed {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    if !any {
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

async fn not_found(uri: axum::http::Uri) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        format!(
            "nothing at {}: the endpoints are /sparql, /sql, /queries and /report (GET / lists them)",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Refusal {
    let allowed = if uri.path() == "/sparql" {
        "GET or POST"
    } else {
        "GET"
    };
    Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{method} is not answered at {}: use {allowed} (the server is read-only)",
            uri.path()
        ),
    )
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

/// Runs `work` on a blocking thread, holding a slot, and stops it at the time limit.
async fn run_limited<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce(&Shared, &Stop) -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Refusal> {
    let permit = slot(shared).await?;
    let stop = Arc::new(Stop::default());
    // Dropped when this returns: after the answer, at the time limit, and when the client goes
    // away (its request's future is dropped); the work stops at its next step in every case.
    let _registered = Registered::new(shared, stop.clone());
    let worker_stop = stop.clone();
    let worker_shared = shared.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&worker_shared, &worker_stop)
    });
    match tokio::time::timeout(shared.bounds.time, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the query stopped unexpectedly: {e}"),
        )),
        Err(_) => {
            // The work stops at its next step and gives its slot back then.
            stop.stop(Why::Time);
            Err(stop.refusal(shared))
        }
    }
}

/// Why a query was stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Why {
    /// Its time ran out, or its client went away.
    Time = 1,
    /// The server held more memory than --max-memory-mb.
    Memory = 2,
}

/// How a running query is stopped, and why it was: SPARQL checks the token at each step; SQL
/// is interrupted through its connection.
#[derive(Default)]
struct Stop {
    cancel: CancellationToken,
    sql: std::sync::Mutex<Option<rusqlite::InterruptHandle>>,
    why: std::sync::atomic::AtomicU8,
}

impl Stop {
    fn stop(&self, why: Why) {
        use std::sync::atomic::Ordering;
        // The first reason stays.
        let _ = self
            .why
            .compare_exchange(0, why as u8, Ordering::Relaxed, Ordering::Relaxed);
        self.cancel.cancel();
        if let Some(sql) = self.sql.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            sql.interrupt();
        }
    }

    fn is_stopped(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The answer for a query stopped for this reason.
    fn refusal(&self, shared: &Shared) -> Refusal {
        if self.why.load(std::sync::atomic::Ordering::Relaxed) == Why::Memory as u8 {
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the query was stopped when the server held more than --max-memory-mb: narrow \
                 it, or retry when fewer queries run",
            )
        } else {
            timed_out(shared.bounds.time)
        }
    }
}

/// A running query: listed for the memory watch, stopped and unlisted when dropped.
struct Registered<'s> {
    shared: &'s Shared,
    id: u64,
    stop: Arc<Stop>,
}

impl<'s> Registered<'s> {
    fn new(shared: &'s Shared, stop: Arc<Stop>) -> Registered<'s> {
        let id = shared
            .next_query
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, stop.clone());
        Registered { shared, id, stop }
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.stop.stop(Why::Time);
        self.shared
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

fn timed_out(limit: Duration) -> Refusal {
    // As Datasette does: a query that runs too long is the request's problem.
    Refusal::bad(format!(
        "the query was interrupted after {} ms: simplify it, or ask for a higher --timeout-ms",
        limit.as_millis()
    ))
}

/// Collects an answer, refusing it once it passes the size bound or its query is stopped
/// (so that writing a large answer stops with the query).
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
    over: bool,
    cancel: Option<CancellationToken>,
}

impl Capped {
    fn new(cap: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            cap,
            over: false,
            cancel: None,
        }
    }
    fn until(cap: usize, cancel: &CancellationToken) -> Capped {
        Capped {
            cancel: Some(cancel.clone()),
            ..Capped::new(cap)
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
        if self
            .cancel
            .as_ref()
            .is_some_and(CancellationToken::is_cancelled)
        {
            return Err(std::io::Error::other("the query was stopped"));
        }
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
            "report": "/report (one page), /report/ (the same as a site of small pages)",
        },
        "queries": shared.queries.iter().map(|q| &q.name).collect::<Vec<_>>(),
    });
    answer("application/json", format!("{body:#}\n").into_bytes())
}

/// `GET /report`: the generation's HTML report, when the build wrote one.
async fn report(State(shared): State<Arc<Shared>>) -> Result<Response, Refusal> {
    // Read on a query thread, holding a slot: at archive scale the page is large.
    run_limited(&shared, |shared, _stop| {
        let path = shared.paths.report();
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > shared.max_answer_bytes as u64) {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the report is larger than {} MiB: open {} directly, or raise \
                     --max-answer-mb",
                    shared.max_answer_bytes >> 20,
                    path.display()
                ),
            ));
        }
        match std::fs::read(&path) {
            Ok(html) => Ok(answer("text/html; charset=utf-8", html)),
            Err(_) => Err(Refusal::new(
                StatusCode::NOT_FOUND,
                "this knowledge base has no report: rebuild it with `dossier build`",
            )),
        }
    })
    .await
}

/// `GET /report/`: the site's overview.
async fn site_index(state: State<Arc<Shared>>) -> Result<Response, Refusal> {
    site_page(state, Path(dossier_stores::site::INDEX_PAGE.to_owned())).await
}

/// `GET /report/PAGE`: a page of the generation's site. Only names a build writes are
/// served (slugs, folders and dots, ending in `.html`), so no path leaves the site's folder.
async fn site_page(
    State(shared): State<Arc<Shared>>,
    Path(page): Path<String>,
) -> Result<Response, Refusal> {
    let well_formed = page.ends_with(".html")
        && !page.contains("..")
        && !page.starts_with('/')
        && page
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-./".contains(&b));
    let not_found = |page: &str| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            format!(
                "the report has no page '{page}': start at /report/ (rebuild with `dossier \
                 build` if it has no site)"
            ),
        )
    };
    if !well_formed {
        return Err(not_found(&page));
    }
    run_limited(&shared, move |shared, _stop| {
        match std::fs::read(shared.paths.site().join(&page)) {
            Ok(html) => Ok(answer("text/html; charset=utf-8", html)),
            Err(_) => Err(not_found(&page)),
        }
    })
    .await
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

/// The media types offered for triples, first the default. JSON and XML mean JSON-LD and
/// RDF/XML here, as clients that ask for "json" or "xml" whatever the query form expect
/// (SPARQLWrapper, rdflib); N3 readers read Turtle.
const GRAPH_TYPES: &[(&str, SparqlFormat)] = &[
    ("text/turtle", SparqlFormat::Turtle),
    ("application/turtle", SparqlFormat::Turtle),
    ("application/x-turtle", SparqlFormat::Turtle),
    ("text/n3", SparqlFormat::Turtle),
    ("text/rdf+n3", SparqlFormat::Turtle),
    ("application/n3", SparqlFormat::Turtle),
    ("application/n-triples", SparqlFormat::Ntriples),
    ("text/plain", SparqlFormat::Ntriples),
    ("application/ld+json", SparqlFormat::Jsonld),
    ("application/x-json+ld", SparqlFormat::Jsonld),
    ("application/json", SparqlFormat::Jsonld),
    ("application/rdf+xml", SparqlFormat::Rdfxml),
    ("application/xml", SparqlFormat::Rdfxml),
    ("text/xml", SparqlFormat::Rdfxml),
];

/// The names `format=` takes (besides media types), for rows and booleans.
const RESULT_NAMES: &[(&str, SparqlFormat)] = &[
    ("json", SparqlFormat::Json),
    ("srj", SparqlFormat::Json),
    ("xml", SparqlFormat::Xml),
    ("srx", SparqlFormat::Xml),
    ("csv", SparqlFormat::Csv),
    ("tsv", SparqlFormat::Tsv),
    ("ndjson", SparqlFormat::Ndjson),
    ("jsonl", SparqlFormat::Ndjson),
];

/// The names `format=` takes (besides media types), for triples.
const GRAPH_NAMES: &[(&str, SparqlFormat)] = &[
    ("turtle", SparqlFormat::Turtle),
    ("ttl", SparqlFormat::Turtle),
    ("n3", SparqlFormat::Turtle),
    ("ntriples", SparqlFormat::Ntriples),
    ("n-triples", SparqlFormat::Ntriples),
    ("nt", SparqlFormat::Ntriples),
    ("jsonld", SparqlFormat::Jsonld),
    ("json-ld", SparqlFormat::Jsonld),
    ("json", SparqlFormat::Jsonld),
    ("rdfxml", SparqlFormat::Rdfxml),
    ("rdf+xml", SparqlFormat::Rdfxml),
    ("rdf", SparqlFormat::Rdfxml),
    ("xml", SparqlFormat::Rdfxml),
];

/// What a query answers with.
#[derive(Clone, Copy)]
enum Form {
    Rows,
    Boolean,
    Graph,
}

/// The answer's format: from `format=` (a name or media types; given more than once, as
/// SPARQLWrapper does, the values that fit the query must agree), else from `Accept`. A known
/// format that does not fit the query form (`csv` for a CONSTRUCT) is passed over for the
/// `Accept` header, as clients that send one format for every query expect; an unknown one is
/// refused.
fn choose_format(
    format: &[String],
    accept: Option<&str>,
    form: Form,
) -> Result<SparqlFormat, Refusal> {
    // W3C's CSV and TSV formats are for rows: a boolean in them is read by no client (rdflib
    // fails on it), so an ASK answers in JSON or XML.
    let boolean = |list: &[(&'static str, SparqlFormat)]| -> Vec<(&'static str, SparqlFormat)> {
        list.iter()
            .copied()
            .filter(|(_, f)| matches!(f, SparqlFormat::Json | SparqlFormat::Xml))
            .collect()
    };
    let (offered, names): (Vec<_>, Vec<_>) = match form {
        Form::Graph => (GRAPH_TYPES.to_vec(), GRAPH_NAMES.to_vec()),
        Form::Rows => (RESULT_TYPES.to_vec(), RESULT_NAMES.to_vec()),
        Form::Boolean => (boolean(RESULT_TYPES), boolean(RESULT_NAMES)),
    };
    let (offered, names) = (offered.as_slice(), names.as_slice());
    let mut chosen: Option<(SparqlFormat, &str)> = None;
    for value in format.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let fits = if value.contains('/') {
            negotiate(Some(value), offered)
        } else {
            let name = value.to_ascii_lowercase();
            let known = |list: &[(&str, SparqlFormat)]| list.iter().any(|(n, _)| *n == name);
            if !known(RESULT_NAMES) && !known(GRAPH_NAMES) {
                return Err(Refusal::bad(format!(
                    "format={value} is not a format dossier writes: use one of {}",
                    names.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                )));
            }
            names.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
        };
        match (fits, chosen) {
            (Some(f), Some((earlier, earlier_value))) if f != earlier => {
                return Err(Refusal::bad(format!(
                    "format={earlier_value} and format={value} ask for different formats: give \
                     one"
                )));
            }
            (Some(f), None) => chosen = Some((f, value)),
            _ => {}
        }
    }
    if let Some((f, _)) = chosen {
        return Ok(f);
    }
    // A client that sends one Accept header whatever the query form (rdflib asks for CSV for
    // a CONSTRUCT too) gets the form's default, which it reads by its Content-Type; a header
    // that names nothing SPARQL answers with is refused.
    let any: Vec<_> = RESULT_TYPES.iter().chain(GRAPH_TYPES).copied().collect();
    negotiate(accept, offered)
        .or_else(|| negotiate(accept, &any).map(|_| offered[0].1))
        .ok_or_else(|| {
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
        })
}

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
        SparqlFormat::Rdfxml => "application/rdf+xml",
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
        // RFC 9110: a weight is a number from 0 to 1; anything else counts as none.
        let q = if q.is_finite() {
            q.clamp(0.0, 1.0)
        } else {
            0.0
        };
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
    /// Every `format=` given (SPARQLWrapper sends a name and a media type).
    format: Vec<String>,
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
        format: all("format"),
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
        // Without named-graph-uri the named graphs are none, as FROM without FROM NAMED.
        named: Some(named.iter().map(iri).collect::<Result<_, _>>()?),
    };
    match parsed {
        spargebra::Query::Select { dataset: d, .. }
        | spargebra::Query::Construct { dataset: d, .. }
        | spargebra::Query::Describe { dataset: d, .. }
        | spargebra::Query::Ask { dataset: d, .. } => *d = Some(dataset),
    }
    Ok(())
}

/// `GET|POST /sparql`: the query is read and its answer's format chosen here; it runs in a
/// worker process (`in_worker`).
async fn sparql(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    body: Bytes,
) -> Result<Response, Refusal> {
    if method == Method::GET
        && !pairs(raw_query.as_deref())?
            .iter()
            .any(|(k, _)| k == "query" || k == "update")
    {
        return describe_service(&shared, &headers);
    }
    let request = sparql_request(&method, &headers, raw_query.as_deref(), &body)?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let permit = slot(&shared).await?;
    let stop = Arc::new(Stop::default());
    let _registered = Registered::new(&shared, stop.clone());
    let planned = {
        let shared = shared.clone();
        let query = request.query.clone();
        let graphs = (request.default_graphs.clone(), request.named_graphs.clone());
        let format = request.format.clone();
        // The parser recurses over the query: on a query thread with its large stack.
        tokio::task::spawn_blocking(move || {
            plan_sparql(
                &shared,
                &query,
                &graphs.0,
                &graphs.1,
                &format,
                accept.as_deref(),
            )
        })
        .await
        .map_err(|e| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the query could not be read: {e}"),
            )
        })??
    };
    let body = in_worker(&shared, &request, planned, &stop).await?;
    drop(permit);
    Ok(answer(media_type(planned), body))
}

/// What a bare `GET /sparql` answers: the query page for a browser, else the SPARQL 1.1 Service
/// Description (Turtle by default, or any graph format the `Accept` header prefers).
fn describe_service(shared: &Shared, headers: &HeaderMap) -> Result<Response, Refusal> {
    #[derive(Clone, Copy, PartialEq)]
    enum Shape {
        Page,
        Description(SparqlFormat),
    }
    let mut offered: Vec<(&str, Shape)> = GRAPH_TYPES
        .iter()
        .map(|(t, f)| (*t, Shape::Description(*f)))
        .collect();
    offered.push(("text/html", Shape::Page));
    offered.push(("application/xhtml+xml", Shape::Page));
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let shape = negotiate(accept, &offered).ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            "without a query, /sparql answers with its query page (text/html) or its service \
             description (text/turtle, application/rdf+xml, application/ld+json, \
             application/n-triples)",
        )
    })?;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    match shape {
        Shape::Page => {
            let mut r = answer("text/html; charset=utf-8", query_page(shared).into_bytes());
            // The page loads nothing and talks only to this server.
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                     connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'",
                ),
            );
            Ok(r)
        }
        Shape::Description(format) => {
            let triples = service_description(shared, &format!("http://{host}/sparql"));
            let mut out = Vec::new();
            crate::output::write_answer(
                &mut out,
                &dossier_stores::sparql::Answer::Graph(triples),
                format,
                &shared.base,
            )
            .map_err(|e| {
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the service description could not be written: {e:#}"),
                )
            })?;
            Ok(answer(media_type(format), out))
        }
    }
}

/// The W3C SPARQL 1.1 Service Description of this endpoint: the dataset (the default graph is
/// the union of every graph; each article's IRI names its graph), the result formats, and the
/// limits a query runs under.
fn service_description(shared: &Shared, endpoint: &str) -> Vec<[RdfTerm; 3]> {
    const SD: &str = "http://www.w3.org/ns/sparql-service-description#";
    const FORMATS: &str = "http://www.w3.org/ns/formats/";
    let iri = |s: String| RdfTerm::Iri(s);
    let sd = |local: &str| iri(format!("{SD}{local}"));
    let text = |s: String| RdfTerm::Literal {
        value: s,
        datatype: dossier_model::vocab::xsd::STRING.to_owned(),
        language: None,
    };
    let a = || iri(dossier_model::vocab::rdf::TYPE.to_owned());
    let service = iri(endpoint.to_owned());
    let dataset = RdfTerm::BlankNode("dataset".into());
    let default_graph = RdfTerm::BlankNode("default".into());
    let mut t = vec![
        [service.clone(), a(), sd("Service")],
        [service.clone(), sd("endpoint"), service.clone()],
        [
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Query"),
        ],
        [service.clone(), sd("feature"), sd("UnionDefaultGraph")],
        [service.clone(), sd("feature"), sd("BasicFederatedQuery")],
        [
            service.clone(),
            iri(dossier_model::vocab::dcterms::TITLE.to_owned()),
            text(shared.title.clone()),
        ],
        [
            service.clone(),
            iri(format!("{}comment", dossier_model::vocab::rdfs::NS)),
            text(format!(
                "Read-only. A query stops after {} ms, or when it holds over {} MiB; an answer \
                 is at most {} MiB; {} queries run at once. Updates are refused.",
                shared.bounds.time.as_millis(),
                shared.bounds.memory_mb,
                shared.max_answer_bytes >> 20,
                shared.permits_total,
            )),
        ],
        [service.clone(), sd("defaultDataset"), dataset.clone()],
        [dataset.clone(), a(), sd("Dataset")],
        [dataset.clone(), sd("defaultGraph"), default_graph.clone()],
        [default_graph.clone(), a(), sd("Graph")],
    ];
    for format in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ] {
        t.push([
            service.clone(),
            sd("resultFormat"),
            iri(format!("{FORMATS}{format}")),
        ]);
    }
    for (n, (id, title)) in shared.articles.iter().enumerate() {
        let named = RdfTerm::BlankNode(format!("graph{n}"));
        let name = dossier_model::vocab::record_iri(
            &shared.base,
            dossier_model::model::RecordKind::Article,
            id,
        );
        t.push([dataset.clone(), sd("namedGraph"), named.clone()]);
        t.push([named.clone(), a(), sd("NamedGraph")]);
        t.push([named.clone(), sd("name"), iri(name)]);
        t.push([
            named.clone(),
            iri(dossier_model::vocab::dcterms::TITLE.to_owned()),
            text(title.clone()),
        ]);
    }
    t
}

/// The query page: an editor with dossier's prefixes and the named queries as examples; it
/// POSTs to this endpoint and shows the answer as a table. Everything is inline.
fn query_page(shared: &Shared) -> String {
    let examples: Vec<serde_json::Value> = shared
        .queries
        .iter()
        .map(|q| serde_json::json!({"name": q.name, "description": q.description, "sparql": q.sparql.trim()}))
        .collect();
    let data = serde_json::json!({
        "title": shared.title,
        "prefixes": dossier_model::mapping::prefixes(&shared.base),
        "examples": examples,
    });
    // Inside a <script> element the HTML tokenizer still reads "</script" and "<!--" (after
    // which "<script" makes the real end tag not end it), whatever the element's type: written
    // as JSON's escapes, no "<", ">" or "&" of a value reaches the tokenizer, as in Go's
    // html/template and Jinja's tojson.
    let data = data
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    // One pass, so that neither value is read as a placeholder.
    let mut page = String::with_capacity(QUERY_PAGE.len() + data.len());
    let mut rest = QUERY_PAGE;
    while let Some(at) = rest.find("{{") {
        page.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("{{title}}") {
            // The knowledge base's title is text, never markup: maud escapes it, as in the report.
            shared.title.render_to(&mut page);
            rest = after;
        } else if let Some(after) = rest.strip_prefix("{{data}}") {
            page.push_str(&data);
            rest = after;
        } else {
            page.push_str("{{");
            rest = &rest[2..];
        }
    }
    page.push_str(rest);
    page
}

const QUERY_PAGE: &str = include_str!("query_page.html");

/// Reads the query (syntax errors are answered here, without a process) and chooses the
/// answer's format from `format=` or the `Accept` header.
fn plan_sparql(
    shared: &Shared,
    query: &str,
    default_graphs: &[String],
    named_graphs: &[String],
    format: &[String],
    accept: Option<&str>,
) -> Result<SparqlFormat, Refusal> {
    let mut parsed =
        shared.store.parse_with(query, &[]).map_err(|e| match e
            .downcast_ref::<dossier_stores::sparql::SyntaxError>()
        {
            Some(syntax) if syntax.refused => read_only(),
            Some(syntax) => Refusal::bad(syntax.to_string()),
            None => Refusal::bad(format!("{e:#}")),
        })?;
    set_dataset(&mut parsed, default_graphs, named_graphs)?;
    let form = match parsed {
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => Form::Graph,
        spargebra::Query::Ask { .. } => Form::Boolean,
        spargebra::Query::Select { .. } => Form::Rows,
    };
    choose_format(format, accept, form)
}

/// How often a query's process is looked at (its memory; whether it was stopped).
const WORKER_WATCH: Duration = Duration::from_millis(20);

/// What a query's process holds past which it is not kept for the next query (the allocator
/// keeps some of what a large answer used).
const WORKER_KEEP_BYTES: u64 = 256 << 20;

/// One query for a worker: a line of JSON on its standard input.
#[derive(serde::Serialize, serde::Deserialize)]
struct WorkerRequest {
    query: String,
    format: String,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    max_answer_bytes: usize,
}

/// How a worker's answer begins: one byte, then the length of what follows (8 bytes, little
/// endian), then the answer or the message.
const ANSWERED: u8 = b'0';
const FAILED: u8 = b'1';
const TOO_LARGE: u8 = b'2';

/// A `dossier sparql-worker` process waiting for queries, one at a time.
struct Worker {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::BufReader<tokio::process::ChildStdout>,
}

impl Worker {
    fn start(shared: &Shared) -> Result<Worker, Refusal> {
        let exe = std::env::current_exe().map_err(|e| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot find dossier's own program to run the query: {e}"),
            )
        })?;
        let mut child = tokio::process::Command::new(exe)
            .arg("sparql-worker")
            .arg("--kb")
            .arg(&shared.paths.dir)
            .args(["--base", &shared.base])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            // A request dropped (its client gone, the server stopping) kills its query.
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("cannot start a process for the query ({e}): retry shortly"),
                )
            })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = tokio::io::BufReader::new(child.stdout.take().expect("piped"));
        Ok(Worker {
            child,
            stdin,
            stdout,
        })
    }

    fn anonymous_resident_bytes(&self) -> Option<u64> {
        dossier::memory::of(self.child.id()?).map(|m| m.anonymous)
    }

    /// Sends one query and reads its answer: (the first byte, the answer or message).
    async fn ask(&mut self, request: &WorkerRequest) -> std::io::Result<(u8, Vec<u8>)> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut line = serde_json::to_vec(request).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.stdin.write_all(&line).await?;
        self.stdin.flush().await?;
        let outcome = self.stdout.read_u8().await?;
        let length = self.stdout.read_u64_le().await?;
        let mut answer = Vec::with_capacity(length.min(64 << 20) as usize);
        (&mut self.stdout)
            .take(length)
            .read_to_end(&mut answer)
            .await?;
        Ok((outcome, answer))
    }
}

/// Runs a SPARQL query in a worker process and returns its answer.
///
/// The evaluator checks for a stop only when it reads the graph, and some of its loops (a
/// product of unrelated patterns, a sort) run long without reading it: a thread told to stop
/// went on for minutes with a core and its memory. A process is stopped for certain, at
/// once, whatever it was doing, and the system takes back all it held. Each query's memory
/// is its own process's, so stopping one that grew stops no other. Workers wait for the next
/// query once they have answered (starting one costs milliseconds, a query often less);
/// a stopped one is killed, and one that kept much memory is let go.
async fn in_worker(
    shared: &Shared,
    request: &SparqlRequest,
    format: SparqlFormat,
    stop: &Stop,
) -> Result<Vec<u8>, Refusal> {
    let started = Instant::now();
    let idle = shared
        .workers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop();
    let mut worker = match idle {
        Some(worker) => worker,
        None => Worker::start(shared)?,
    };
    let ask = WorkerRequest {
        query: request.query.clone(),
        format: clap::ValueEnum::to_possible_value(&format)
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default(),
        default_graphs: request.default_graphs.clone(),
        named_graphs: request.named_graphs.clone(),
        max_answer_bytes: shared.max_answer_bytes,
    };
    let watch = |worker_memory: Option<u64>| {
        match shared.bounds.outrun(started, worker_memory) {
            Some(Outrun::Time) => stop.stop(Why::Time),
            Some(Outrun::Memory) => stop.stop(Why::Memory),
            None => {}
        }
        stop.is_stopped()
    };
    let pid = worker.child.id();
    let answered = {
        let asked = worker.ask(&ask);
        tokio::pin!(asked);
        loop {
            tokio::select! {
                answered = &mut asked => break Some(answered),
                () = tokio::time::sleep(WORKER_WATCH) => {
                    let memory = pid.and_then(dossier::memory::of).map(|m| m.anonymous);
                    if watch(memory) {
                        break None;
                    }
                }
            }
        }
    };
    let (outcome, bytes) = match answered {
        Some(Ok(answer)) => answer,
        Some(Err(e)) => {
            let _ = worker.child.kill().await;
            return Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the query's process stopped unexpectedly: {e}"),
            ));
        }
        None => {
            let _ = worker.child.kill().await;
            return Err(stop.refusal(shared));
        }
    };
    if worker
        .anonymous_resident_bytes()
        .is_some_and(|bytes| bytes < WORKER_KEEP_BYTES)
    {
        let mut idle = shared.workers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < shared.permits_total {
            idle.push(worker);
        }
    }
    match outcome {
        ANSWERED => Ok(bytes),
        TOO_LARGE => Err(Capped::new(shared.max_answer_bytes).too_large()),
        _ => Err(Refusal::bad(
            String::from_utf8_lossy(&bytes).trim_end().to_owned(),
        )),
    }
}

/// `dossier sparql-worker`: answers queries for `serve`, one a line of JSON on standard
/// input, each answer on standard output as `serve` reads it (see [`ANSWERED`]); ends at the
/// end of its input, or with `serve` (which keeps the time and memory limits by killing it).
pub fn sparql_worker(paths: KbPaths, base: String) -> i32 {
    #[cfg(target_os = "linux")]
    {
        unsafe extern "C" {
            fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
        }
        const PR_SET_PDEATHSIG: std::ffi::c_int = 1;
        const SIGKILL: std::ffi::c_ulong = 9;
        // SAFETY: asks the system to kill this process when its parent ends, so that a query
        // never outlives the server that asked it.
        unsafe {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
        }
    }
    let serve_queries = move || -> Result<(), String> {
        let store = Store::open(&paths.index(), &base).map_err(|e| format!("{e:#}"))?;
        let mut input = std::io::stdin().lock();
        let mut out = std::io::stdout().lock();
        let mut line = String::new();
        loop {
            line.clear();
            if std::io::BufRead::read_line(&mut input, &mut line).map_err(|e| e.to_string())? == 0 {
                return Ok(());
            }
            let request: WorkerRequest = serde_json::from_str(&line)
                .map_err(|e| format!("a request not understood: {e}"))?;
            let (outcome, bytes) = match answer_one(&store, &base, &request) {
                Ok(None) => (TOO_LARGE, Vec::new()),
                Ok(Some(bytes)) => (ANSWERED, bytes),
                Err(message) => (FAILED, message.into_bytes()),
            };
            out.write_all(&[outcome])
                .and_then(|()| out.write_all(&(bytes.len() as u64).to_le_bytes()))
                .and_then(|()| out.write_all(&bytes))
                .and_then(|()| out.flush())
                .map_err(|e| e.to_string())?;
            drop(bytes);
            dossier_stores::kb::return_free_memory();
        }
    };
    // The parser and the evaluator recurse over the query's structure.
    let outcome = std::thread::Builder::new()
        .name("sparql".into())
        .stack_size(QUERY_STACK_BYTES)
        .spawn(serve_queries)
        .map(|t| t.join());
    match outcome {
        Ok(Ok(Ok(()))) => 0,
        Ok(Ok(Err(message))) => {
            eprintln!("dossier sparql-worker: {message}");
            1
        }
        _ => 2,
    }
}

/// One query's answer, in the format asked for (`None` past the size bound), or the message
/// saying why there is none.
fn answer_one(
    store: &Store,
    base: &str,
    request: &WorkerRequest,
) -> Result<Option<Vec<u8>>, String> {
    let format = <SparqlFormat as clap::ValueEnum>::from_str(&request.format, true)?;
    let mut parsed =
        store.parse_with(&request.query, &[]).map_err(|e| match e
            .downcast_ref::<dossier_stores::sparql::SyntaxError>(
        ) {
            Some(syntax) => syntax.to_string(),
            None => format!("{e:#}"),
        })?;
    set_dataset(&mut parsed, &request.default_graphs, &request.named_graphs)
        .map_err(|r| r.reason)?;
    // Held whole, like the server's answers; past the cap the writer stops.
    let mut out = Capped::new(request.max_answer_bytes);
    let written = if let spargebra::Query::Select { .. } = parsed {
        SelectWriter::new(&mut out, format, base).and_then(|mut rows| {
            store
                .query_streaming(parsed, CancellationToken::new(), &mut rows)
                .and_then(|_| rows.finish())
        })
    } else {
        store
            .query_parsed(parsed)
            .and_then(|a| crate::output::write_answer(&mut out, &a, format, base))
    };
    match written {
        Ok(()) => Ok(Some(out.bytes)),
        Err(_) if out.over => Ok(None),
        Err(e) => Err(format!("{e:#}")),
    }
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
    // As in Datasette, an argument is a parameter when the SQL names it (`:actor`); others are
    // ignored, so a dashboard may pass more than one query needs.
    let params: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k != "sql" && !k.starts_with('_') && names_parameter(&text, k))
        .collect();
    run_limited(&shared, move |shared, stop| {
        answer_sql(shared, &text, &params, &shape, stop)
    })
    .await
}

/// Whether `sql` holds the parameter `:name` (not as the start of a longer name).
fn names_parameter(sql: &str, name: &str) -> bool {
    let token = format!(":{name}");
    sql.match_indices(&token).any(|(at, _)| {
        !sql[at + token.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
    })
}

/// Writes a SQL answer in one of Datasette's shapes as its rows come, into the capped answer.
struct Shaped<'a> {
    out: &'a mut Capped,
    shape: &'a str,
    columns: Vec<String>,
    rows: usize,
    /// The envelope's opening, written before the first row (`arrays` and `objects`).
    head: String,
}

impl Shaped<'_> {
    fn finish(mut self, started: Instant) -> std::io::Result<()> {
        if self.rows == 0 {
            self.start()?;
        }
        match self.shape {
            "arrayfirst" => self.out.write_all(b"]\n"),
            _ => writeln!(
                self.out,
                "], \"truncated\": false, \"query_ms\": {:.3}}}",
                started.elapsed().as_secs_f64() * 1000.0
            ),
        }
    }

    fn start(&mut self) -> std::io::Result<()> {
        let head = std::mem::take(&mut self.head);
        self.out.write_all(head.as_bytes())
    }
}

impl dossier_stores::sqlite::RowSink for Shaped<'_> {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        // As `dossier sql --format json` names them: a repeated name made unique.
        self.columns = crate::output::unique_names(names);
        if self.shape != "arrayfirst" {
            let columns = serde_json::to_string(&self.columns)?;
            self.head
                .push_str(&format!("\"columns\": {columns}, \"rows\": ["));
        }
        Ok(())
    }
    fn row(&mut self, values: &[rusqlite::types::Value]) -> Result<()> {
        if self.rows == 0 {
            self.start()?;
        } else {
            self.out.write_all(b", ")?;
        }
        self.rows += 1;
        let values = values.iter().map(crate::output::json_of);
        let row = match self.shape {
            "arrayfirst" => values.take(1).next().unwrap_or(serde_json::Value::Null),
            "objects" => {
                serde_json::Value::Object(self.columns.iter().cloned().zip(values).collect())
            }
            _ => serde_json::Value::Array(values.collect()),
        };
        serde_json::to_writer(&mut *self.out, &row)?;
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
    stop: &Stop,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    CONNECTION.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(
                dossier_stores::sqlite::open_read_only(&shared.paths.database()).map_err(|e| {
                    Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
                })?,
            );
        }
        let conn = slot.as_ref().expect("opened above");
        // Stopping the query interrupts this connection from then on (and an interrupt that
        // came before is not missed).
        *stop.sql.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.get_interrupt_handle());
        if stop.is_stopped() {
            conn.get_interrupt_handle().interrupt();
        }
        let result = f(conn);
        *stop.sql.lock().unwrap_or_else(|e| e.into_inner()) = None;
        // BEGIN or SAVEPOINT are read-only statements, but a transaction left open would hold
        // its read lock into the next request on this thread.
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        result
    })
}

fn answer_sql(
    shared: &Shared,
    text: &str,
    params: &[(String, String)],
    shape: &str,
    stop: &Stop,
) -> Result<Response, Refusal> {
    with_connection(shared, stop, |conn| {
        answer_sql_on(shared, conn, text, params, shape, stop)
    })
    .map_err(Refusal::in_json)
}

fn answer_sql_on(
    shared: &Shared,
    conn: &rusqlite::Connection,
    text: &str,
    params: &[(String, String)],
    shape: &str,
    stop: &Stop,
) -> Result<Response, Refusal> {
    use dossier_stores::sqlite::QueryError;
    let started = Instant::now();
    let mut out = Capped::until(shared.max_answer_bytes, &stop.cancel);
    let result = if shape == "array" {
        // The same writer as `dossier sql --format json`: the same bytes.
        let mut writer = RowWriter::new(&mut out, RowFormat::Json);
        dossier_stores::sqlite::query(conn, text, params, shared.bounds.time, &mut writer)
            .and_then(|()| writer.finish().map_err(QueryError::Output))
    } else {
        let head = if shape == "arrayfirst" {
            "[".to_owned()
        } else {
            let params: serde_json::Map<String, serde_json::Value> = params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            let query = serde_json::json!({"sql": text, "params": params});
            // The column names are written once they are known, just before the rows.
            format!("{{\"ok\": true, \"database\": \"dossier\", \"query\": {query}, ")
        };
        let mut rows = Shaped {
            out: &mut out,
            shape,
            columns: Vec::new(),
            rows: 0,
            head,
        };
        dossier_stores::sqlite::query(conn, text, params, shared.bounds.time, &mut rows).and_then(
            |()| {
                rows.finish(started)
                    .map_err(|e| QueryError::Output(e.into()))
            },
        )
    };
    match result {
        Ok(()) => Ok(answer("application/json", out.bytes)),
        Err(_) if out.over => Err(out.too_large().in_json()),
        Err(_) if stop.is_stopped() => Err(stop.refusal(shared).in_json()),
        Err(QueryError::Write) => {
            Err(Refusal::new(StatusCode::FORBIDDEN, QueryError::Write.to_string()).in_json())
        }
        Err(QueryError::Timeout(limit)) => Err(timed_out(limit).in_json()),
        Err(other) => Err(Refusal::bad(other.to_string()).in_json()),
    }
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
    let Some(q) = shared.queries.iter().find(|q| q.name == name).cloned() else {
        // `queries::find` words its advice for the command line.
        let names: Vec<&str> = shared.queries.iter().map(|q| q.name.as_str()).collect();
        let hint = dossier_model::diagnostic::closest(&name, &names)
            .map(|c| format!(" (did you mean '{c}'?)"))
            .unwrap_or_default();
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            format!("no named query '{name}'{hint}: GET /queries lists them"),
        ));
    };
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
    run_limited(&shared, move |shared, stop| {
        let rows = named_rows(shared, &q, &params, store, stop)?;
        let mut out = Capped::until(shared.max_answer_bytes, &stop.cancel);
        let mut writer = RowWriter::new(&mut out, format);
        let written = (|| -> Result<()> {
            dossier_stores::sqlite::RowSink::columns(&mut writer, &rows.columns)?;
            for row in &rows.rows {
                writer.json_row(row)?;
            }
            writer.finish()
        })();
        match written {
            Ok(()) => Ok(answer(row_media_type(format), out.bytes)),
            Err(_) if out.over => Err(out.too_large()),
            Err(_) if stop.is_stopped() => Err(stop.refusal(shared)),
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
    stop: &Stop,
) -> Result<dossier_stores::queries::Rows, Refusal> {
    use dossier_stores::queries::{Comparison, run_sparql_until, run_sql};
    let failed = |e: anyhow::Error| {
        if stop.is_stopped() {
            stop.refusal(shared)
        } else {
            Refusal::bad(format!("{e:#}"))
        }
    };
    let sql = || -> Result<dossier_stores::queries::Rows, Refusal> {
        with_connection(shared, stop, |conn| {
            run_sql(conn, q, params, shared.bounds.time).map_err(failed)
        })
    };
    let rdf = || run_sparql_until(&shared.store, q, params, stop.cancel.clone()).map_err(failed);
    match store {
        crate::StoreChoice::Sql => sql(),
        crate::StoreChoice::Rdf => rdf(),
        crate::StoreChoice::Postgres => Err(Refusal::bad(
            "serve answers from the knowledge base it serves: ask the published PostgreSQL copy \
             with `dossier query NAME --store postgres`, or PostgreSQL itself"
                .to_owned(),
        )),
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
