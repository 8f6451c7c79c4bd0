//! `mapvet server`: the Language Server Protocol over standard input and
//! output.
//!
//! The message loop only keeps documents up to date and answers requests
//! from the last published results; linting runs on a worker thread. The
//! worker waits for a burst of changes to settle, lints each dirty document
//! against its package ([`engine`]), and drops results for a version the
//! editor has already moved past.

pub mod convert;
pub mod document;
pub mod engine;
pub mod transport;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use document::{Document, Encoding};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, HoverParams, HoverProviderCapability,
    InitializeParams, PositionEncodingKind, PublishDiagnosticsParams, SaveOptions,
    ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Changes closer together than this are linted once.
const DEBOUNCE: Duration = Duration::from_millis(30);
/// However long a burst goes on, lint at least this often.
const MAX_DELAY: Duration = Duration::from_millis(300);

struct Published {
    version: Option<i32>,
    source: Arc<crate::source::SourceFile>,
    findings: Vec<crate::Finding>,
}

struct Shared {
    docs: Mutex<HashMap<Url, Document>>,
    published: Mutex<HashMap<Url, Published>>,
    encoding: Encoding,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the server down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

enum Job {
    /// A document changed: it first, then the other open documents of its
    /// directory (their package context changed).
    Changed(Url, PathBuf),
    Lint(Url),
    /// Every open document of a directory (a file of it changed on disk).
    LintDir(PathBuf),
    /// The configuration changed: forget it and lint every open document.
    Reload,
    Close(Url, PathBuf),
}

/// Runs the server on standard input and output until `exit`. Returns the
/// process exit code: 0 after an orderly `shutdown`, 1 otherwise.
pub fn run(config: Option<PathBuf>) -> i32 {
    let (connection, io) = transport::stdio();
    let code = serve(&connection, config);
    drop(connection);
    let _ = io.join();
    code
}

/// The whole session over an established connection (tests use an
/// in-memory one).
pub fn serve(connection: &Connection, config: Option<PathBuf>) -> i32 {
    let Ok((id, params)) = connection.initialize_start() else {
        return 1;
    };
    let init: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = negotiate(&init);
    let capabilities = ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "mapvet", "version": env!("CARGO_PKG_VERSION") },
    });
    if connection.initialize_finish(id, result).is_err() {
        return 1;
    }
    let watch = init
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    if watch {
        let _ = connection.sender.send(register_watchers());
    }
    let shared = Arc::new(Shared {
        docs: Mutex::new(HashMap::new()),
        published: Mutex::new(HashMap::new()),
        encoding,
    });
    let (jobs, queue) = crossbeam_channel::unbounded();
    let worker = {
        let shared = shared.clone();
        let out = connection.sender.clone();
        std::thread::Builder::new()
            .name("mapvet-lint".into())
            .stack_size(crate::WORKER_STACK)
            .spawn(move || work(&shared, &queue, &out, config))
            .expect("spawning a thread")
    };
    let code = main_loop(connection, &shared, &jobs);
    drop(jobs);
    let _ = worker.join();
    code
}

/// UTF-8 when the client offers it (no conversions), else UTF-16, the
/// protocol's default.
fn negotiate(init: &InitializeParams) -> Encoding {
    let offered = init
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn register_watchers() -> Message {
    let watchers: Vec<serde_json::Value> =
        ["**/mapvet.toml", "**/.mapvet.toml", "**/go.mod", "**/*.go"]
            .iter()
            .map(|g| serde_json::json!({ "globPattern": g }))
            .collect();
    Request::new(
        RequestId::from("mapvet-watch".to_string()),
        "client/registerCapability".into(),
        serde_json::json!({ "registrations": [{
            "id": "mapvet-watch",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": { "watchers": watchers },
        }]}),
    )
    .into()
}

fn main_loop(connection: &Connection, shared: &Shared, jobs: &Sender<Job>) -> i32 {
    let mut shutdown = false;
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                let resp = if shutdown {
                    Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".into(),
                    )
                } else if req.method == "shutdown" {
                    shutdown = true;
                    Response::new_ok(req.id, ())
                } else {
                    request(shared, req)
                };
                if connection.sender.send(resp.into()).is_err() {
                    break;
                }
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return if shutdown { 0 } else { 1 };
                }
                if let Err(message) = notification(connection, shared, jobs, n) {
                    let _ = connection.sender.send(transport::log_message(2, &message));
                }
            }
            Message::Response(_) => {}
        }
    }
    if shutdown { 0 } else { 1 }
}

fn path_of(uri: &Url) -> Option<PathBuf> {
    (uri.scheme() == "file")
        .then(|| uri.to_file_path().ok())
        .flatten()
}

fn is_config(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "mapvet.toml" || n == ".mapvet.toml" || n == "go.mod")
}

fn notification(
    connection: &Connection,
    shared: &Shared,
    jobs: &Sender<Job>,
    n: Notification,
) -> Result<(), String> {
    let bad = |e: serde_json::Error| format!("bad parameters for {}: {e}", n.method);
    let send = |job| {
        let _ = jobs.send(job);
    };
    match n.method.as_str() {
        "textDocument/didOpen" => {
            let p: DidOpenTextDocumentParams =
                serde_json::from_value(n.params.clone()).map_err(bad)?;
            let doc = p.text_document;
            let Some(path) = path_of(&doc.uri) else {
                return Ok(());
            };
            if is_config(&path) {
                return Ok(());
            }
            lock(&shared.docs).insert(doc.uri.clone(), Document::new(path, doc.version, doc.text));
            send(Job::Lint(doc.uri));
        }
        "textDocument/didChange" => {
            let p: DidChangeTextDocumentParams =
                serde_json::from_value(n.params.clone()).map_err(bad)?;
            let uri = p.text_document.uri;
            let mut docs = lock(&shared.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return Err(format!("change to a document that is not open: {uri}"));
            };
            for change in &p.content_changes {
                doc.apply(change, shared.encoding);
            }
            doc.version = p.text_document.version;
            let dir = doc.path.parent().unwrap_or(Path::new("")).to_path_buf();
            drop(docs);
            send(Job::Changed(uri, dir));
        }
        "textDocument/didSave" => {
            let p: DidSaveTextDocumentParams =
                serde_json::from_value(n.params.clone()).map_err(bad)?;
            if let Some(path) = path_of(&p.text_document.uri) {
                if is_config(&path) {
                    send(Job::Reload);
                } else if let Some(dir) = path.parent() {
                    send(Job::LintDir(dir.to_path_buf()));
                }
            }
        }
        "textDocument/didClose" => {
            let p: DidCloseTextDocumentParams =
                serde_json::from_value(n.params.clone()).map_err(bad)?;
            let uri = p.text_document.uri;
            if let Some(doc) = lock(&shared.docs).remove(&uri) {
                lock(&shared.published).remove(&uri);
                publish(&connection.sender, uri.clone(), Vec::new(), None);
                send(Job::Close(uri, doc.path));
            }
        }
        "workspace/didChangeConfiguration" => send(Job::Reload),
        "workspace/didChangeWatchedFiles" => {
            let p: DidChangeWatchedFilesParams =
                serde_json::from_value(n.params.clone()).map_err(bad)?;
            for change in p.changes {
                let Some(path) = path_of(&change.uri) else {
                    continue;
                };
                if is_config(&path) {
                    send(Job::Reload);
                } else if let Some(dir) = path.parent() {
                    send(Job::LintDir(dir.to_path_buf()));
                }
            }
        }
        // `initialized`, `$/cancelRequest`, `$/setTrace` and any other
        // notification: nothing to do.
        _ => {}
    }
    Ok(())
}

fn request(shared: &Shared, req: Request) -> Response {
    let id = req.id.clone();
    let invalid = |e: serde_json::Error| {
        Response::new_err(
            id.clone(),
            ErrorCode::InvalidParams as i32,
            format!("bad parameters for {}: {e}", req.method),
        )
    };
    match req.method.as_str() {
        "textDocument/codeAction" => {
            let p: CodeActionParams = match serde_json::from_value(req.params.clone()) {
                Ok(p) => p,
                Err(e) => return invalid(e),
            };
            if let Some(only) = &p.context.only
                && !only
                    .iter()
                    .any(|k| k == &CodeActionKind::QUICKFIX || k.as_str().is_empty())
            {
                return Response::new_ok(id, Vec::<()>::new());
            }
            let uri = &p.text_document.uri;
            let actions = current(shared, uri, |pubd| {
                convert::code_actions(
                    uri,
                    &pubd.findings,
                    &pubd.source.text,
                    p.range,
                    shared.encoding,
                )
            });
            Response::new_ok(id, actions.unwrap_or_default())
        }
        "textDocument/hover" => {
            let p: HoverParams = match serde_json::from_value(req.params.clone()) {
                Ok(p) => p,
                Err(e) => return invalid(e),
            };
            let uri = &p.text_document_position_params.text_document.uri;
            let pos = p.text_document_position_params.position;
            let hover = current(shared, uri, |pubd| {
                convert::hover(&pubd.findings, &pubd.source.text, pos, shared.encoding)
            })
            .flatten();
            Response::new_ok(id, hover)
        }
        _ => Response::new_err(
            id,
            ErrorCode::MethodNotFound as i32,
            format!("mapvet does not handle {}", req.method),
        ),
    }
}

/// Calls `f` with the published results of `uri` when they are for the
/// document's current version (positions would be off otherwise).
fn current<T>(shared: &Shared, uri: &Url, f: impl FnOnce(&Published) -> T) -> Option<T> {
    let version = lock(&shared.docs).get(uri).map(|d| d.version)?;
    let published = lock(&shared.published);
    let p = published.get(uri)?;
    (p.version == Some(version)).then(|| f(p))
}

fn publish(
    out: &Sender<Message>,
    uri: Url,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    let _ = out.send(Notification::new("textDocument/publishDiagnostics".into(), params).into());
}

/// The worker: debounces jobs, lints, publishes.
fn work(shared: &Shared, queue: &Receiver<Job>, out: &Sender<Message>, config: Option<PathBuf>) {
    let mut engine = engine::Engine::new(config);
    let mut shown: Option<String> = None;
    while let Ok(first) = queue.recv() {
        let mut dirty = Vec::new();
        take(shared, &mut engine, &mut dirty, first);
        let started = Instant::now();
        loop {
            let left = MAX_DELAY.saturating_sub(started.elapsed());
            match queue.recv_timeout(DEBOUNCE.min(left)) {
                Ok(job) => take(shared, &mut engine, &mut dirty, job),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        for uri in dirty {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lint(shared, &mut engine, &uri, out)
            }));
            match outcome {
                Ok(Some(problem)) if shown.as_ref() != Some(&problem) => {
                    let _ = out.send(
                        Notification::new(
                            "window/showMessage".into(),
                            serde_json::json!({ "type": 2, "message": format!("mapvet: {problem}") }),
                        )
                        .into(),
                    );
                    shown = Some(problem);
                }
                Ok(Some(_)) => {}
                Ok(None) => shown = None,
                Err(_) => {
                    let _ = out.send(transport::log_message(
                        1,
                        &format!("internal error while linting {uri}; please report it"),
                    ));
                    engine = engine::Engine::new(engine.config.clone());
                }
            }
        }
    }
}

/// Adds a job's documents to the dirty list (in linting order, each once).
fn take(shared: &Shared, engine: &mut engine::Engine, dirty: &mut Vec<Url>, job: Job) {
    let open_in = |dir: Option<&Path>| -> Vec<Url> {
        lock(&shared.docs)
            .iter()
            .filter(|(_, d)| dir.is_none_or(|dir| d.path.parent() == Some(dir)))
            .map(|(u, _)| u.clone())
            .collect()
    };
    let add = |dirty: &mut Vec<Url>, uris: Vec<Url>| {
        for u in uris {
            if !dirty.contains(&u) {
                dirty.push(u);
            }
        }
    };
    match job {
        Job::Changed(uri, dir) => {
            dirty.retain(|u| u != &uri);
            dirty.insert(0, uri);
            add(dirty, open_in(Some(&dir)));
        }
        Job::Lint(uri) => add(dirty, vec![uri]),
        Job::LintDir(dir) => add(dirty, open_in(Some(&dir))),
        Job::Reload => {
            engine.reload();
            add(dirty, open_in(None));
        }
        Job::Close(uri, path) => {
            dirty.retain(|u| u != &uri);
            let still_open = !open_in(path.parent()).is_empty();
            engine.close(&path, still_open);
        }
    }
}

/// Lints one open document and publishes the result unless the document
/// moved on meanwhile. Returns the configuration problem, if any.
fn lint(
    shared: &Shared,
    engine: &mut engine::Engine,
    uri: &Url,
    out: &Sender<Message>,
) -> Option<String> {
    let path = lock(&shared.docs).get(uri).map(|d| d.path.clone())?;
    let mut buffer = |p: &Path, known: Option<i32>| {
        let docs = lock(&shared.docs);
        match docs.values().find(|d| d.path == p) {
            None => engine::Buffer::Closed,
            Some(d) if Some(d.version) == known => engine::Buffer::Unchanged,
            Some(d) => engine::Buffer::Changed {
                version: d.version,
                text: d.text.clone(),
                tree: d.tree.clone(),
            },
        }
    };
    let linted = engine.lint(&path, &mut buffer);
    let version = linted.tree.as_ref().map(|(v, _)| *v);
    // Held until published, so that a close or change cannot slip between
    // the check and the publication.
    let mut docs = lock(&shared.docs);
    let Some(doc) = docs.get_mut(uri) else {
        return linted.problem;
    };
    if Some(doc.version) != version {
        // Stale: a newer version is queued already.
        return linted.problem;
    }
    if let Some((_, tree)) = linted.tree {
        doc.tree = Some(tree);
    }
    let text = &linted.source.text;
    let diagnostics = linted
        .findings
        .iter()
        .map(|f| convert::diagnostic(uri, f, text, shared.encoding))
        .collect();
    lock(&shared.published).insert(
        uri.clone(),
        Published {
            version,
            source: linted.source.clone(),
            findings: linted.findings,
        },
    );
    publish(out, uri.clone(), diagnostics, version);
    drop(docs);
    linted.problem
}
