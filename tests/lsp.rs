//! Drives `mapvet server` over stdio the way an editor does: initialize,
//! open files, receive diagnostics, edit, request code actions and apply
//! them, hover, send garbage, shut down.

use mapvet::lsp::document::{Encoding, offset_of};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    /// Notifications received and not yet consumed.
    pending: Vec<Value>,
    next_id: i64,
    encoding: Encoding,
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(dir: &Path, capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mapvet"))
            .arg("server")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mapvet server");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            while let Some(v) = read_frame(&mut stdout) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 0,
            encoding: Encoding::Utf16,
        };
        let root = url(dir);
        let init = c.request(
            "initialize",
            json!({ "processId": null, "rootUri": root, "capabilities": capabilities }),
        );
        if init["result"]["capabilities"]["positionEncoding"] == "utf-8" {
            c.encoding = Encoding::Utf8;
        }
        c.notify("initialized", json!({}));
        c
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn recv(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.incoming
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no message from the server; pending: {:#?}", self.pending))
    }

    /// Sends a request and waits for its response (keeping notifications).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + WAIT;
        loop {
            let m = self.recv(deadline);
            if m["id"] == id && m.get("method").is_none() {
                return m;
            }
            self.pending.push(m);
        }
    }

    /// Waits for a notification matching `pred`, consuming it.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.pending.push(m),
                Err(_) => panic!("timed out waiting for {what}; got: {:#?}", self.pending),
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics for {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = url(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "go", "version": 1, "text": text } }),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    fn shutdown(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn url(path: &Path) -> String {
    lsp_types::Url::from_file_path(path).unwrap().to_string()
}

fn temp_package(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mapvet-lsp-{}-{}",
        std::process::id(),
        files[0].0.replace('/', "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn range(d: &Value) -> (u64, u64, u64, u64) {
    let r = &d["range"];
    (
        r["start"]["line"].as_u64().unwrap(),
        r["start"]["character"].as_u64().unwrap(),
        r["end"]["line"].as_u64().unwrap(),
        r["end"]["character"].as_u64().unwrap(),
    )
}

/// Applies a WorkspaceEdit's text edits for one document, as an editor does.
fn apply(text: &str, edits: &[Value], enc: Encoding) -> String {
    let pos = |p: &Value| serde_json::from_value::<lsp_types::Position>(p.clone()).unwrap();
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset_of(text, pos(&e["range"]["start"]), enc),
                offset_of(text, pos(&e["range"]["end"]), enc),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

const TYPES: &str = "package main\n\ntype Config struct {\n\tTags map[string]string\n}\n";
const MAIN: &str =
    "package main\n\nfunc main() {\n\tvar c Config\n\tc.Tags[\"env\"] = \"prod\"\n\t_ = c\n}\n";

#[test]
fn diagnostics_edits_code_actions_and_shutdown() {
    let dir = temp_package(&[("types.go", TYPES), ("main.go", MAIN)]);
    let mut c = Client::start(&dir, json!({}));
    let uri = c.open(&dir.join("main.go"), MAIN);

    // The struct comes from types.go on disk: the package is the context.
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["code"], "nil-map-write");
    assert_eq!(d["source"], "mapvet");
    assert_eq!(d["severity"], 1);
    assert!(d["message"].as_str().unwrap().contains("c.Tags"), "{d}");
    assert_eq!(range(d), (4, 1, 4, 14));
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("rules/nil-map-write.md")
    );
    assert!(
        !d["relatedInformation"].as_array().unwrap().is_empty(),
        "labels become related information: {d}"
    );

    // Hover on the finding shows the rule's summary.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4, "character": 3 } }),
    );
    let hover = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(hover.contains("nil-map-write"), "{hover}");
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(h["result"].is_null(), "{h}");

    // Code actions: the ignore comment, applied, silences the finding.
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
    );
    let actions = r["result"].as_array().unwrap().clone();
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore nil-map-write on this line")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(ignore["kind"], "quickfix");
    let edits = ignore["edit"]["changes"][&uri].as_array().unwrap();
    let ignored = apply(MAIN, edits, c.encoding);
    assert!(
        ignored.contains("\t//mapvet:ignore nil-map-write "),
        "{ignored}"
    );
    c.change(&uri, 2, json!([{ "text": ignored }]));
    assert_eq!(c.diagnostics(&uri, 2), Vec::<Value>::new());

    // Back to the bug, with an incremental edit that removes the comment.
    c.change(
        &uri,
        3,
        json!([{ "range": { "start": { "line": 4, "character": 0 }, "end": { "line": 5, "character": 0 } }, "text": "" }]),
    );
    assert_eq!(c.diagnostics(&uri, 3).len(), 1);

    // Fix it: `var c Config` becomes a literal with the map made.
    c.change(
        &uri,
        4,
        json!([{ "range": { "start": { "line": 3, "character": 1 }, "end": { "line": 3, "character": 13 } },
                 "text": "c := Config{Tags: map[string]string{}}" }]),
    );
    assert_eq!(c.diagnostics(&uri, 4), Vec::<Value>::new());

    // A burst of edits: only the last version is published.
    for v in 5..=9 {
        let text = if v == 9 {
            "var c Config"
        } else {
            "c := Config{Tags: map[string]string{}}"
        };
        c.change(
            &uri,
            v,
            json!([{ "range": { "start": { "line": 3, "character": 1 }, "end": { "line": 3, "character": 39 } }, "text": text }]),
        );
    }
    assert_eq!(c.diagnostics(&uri, 9).len(), 1);
    assert!(
        !c.pending
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"
                && (5..9).contains(&m["params"]["version"].as_i64().unwrap_or(0))),
        "stale versions were published: {:#?}",
        c.pending
    );

    // Editing the sibling buffer (open buffers win over the disk) lints
    // main.go again: without the map field, nothing is known of c.Tags.
    let types_uri = c.open(&dir.join("types.go"), TYPES);
    c.diagnostics(&types_uri, 1);
    c.change(
        &types_uri,
        2,
        json!([{ "text": "package main\n\ntype Config struct {\n\tTags *int\n}\n" }]),
    );
    c.diagnostics(&types_uri, 2);
    c.wait_for("main.go linted again", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["diagnostics"] == json!([])
    });

    // Closing clears the document's diagnostics.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": types_uri } }),
    );
    c.wait_for("cleared diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == types_uri
            && m["params"]["diagnostics"] == json!([])
    });

    assert_eq!(c.shutdown(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_rule_fix_is_offered_and_applies() {
    let src = "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tm := map[string]int{\"a\": 1, \"b\": 2}\n\tfor k, v := range m {\n\t\tfmt.Println(k, v)\n\t}\n}\n";
    let dir = temp_package(&[("fix.go", src), ("go.mod", "module x\n\ngo 1.23\n")]);
    let mut c = Client::start(&dir, json!({}));
    let uri = c.open(&dir.join("fix.go"), src);
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "unsorted-map-range");
    assert_eq!(diags[0]["severity"], 2);
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": diags[0]["range"], "context": { "diagnostics": [] } }),
    );
    let actions = r["result"].as_array().unwrap();
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert!(
        fix["title"].as_str().unwrap().contains("slices.Sorted"),
        "{fix}"
    );
    let fixed = apply(
        src,
        fix["edit"]["changes"][&uri].as_array().unwrap(),
        c.encoding,
    );
    assert!(
        fixed.contains("range slices.Sorted(maps.Keys(m))"),
        "{fixed}"
    );
    c.change(&uri, 2, json!([{ "text": fixed }]));
    assert_eq!(c.diagnostics(&uri, 2), Vec::<Value>::new());

    // Asking for other kinds of actions gives none.
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": diags[0]["range"],
                "context": { "diagnostics": [], "only": ["refactor"] } }),
    );
    assert_eq!(r["result"], json!([]));
    assert_eq!(c.shutdown(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn utf8_positions_when_negotiated_and_utf16_otherwise() {
    let src =
        "package main\n\nfunc main() {\n\tvar m map[string]int\n\t/* é😀 */ m[\"ü\"] = 1\n}\n";
    let dir = temp_package(&[("enc.go", src)]);
    for (caps, enc, col) in [
        (
            json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
            "utf-8",
            14,
        ),
        (json!({}), "utf-16", 11),
    ] {
        let mut c = Client::start(&dir, caps);
        assert_eq!(
            c.encoding,
            if enc == "utf-8" {
                Encoding::Utf8
            } else {
                Encoding::Utf16
            }
        );
        let uri = c.open(&dir.join("enc.go"), src);
        let diags = c.diagnostics(&uri, 1);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let (line, start, _, _) = range(&diags[0]);
        assert_eq!((line, start), (4, col), "{enc}: {:#?}", diags[0]);
        assert_eq!(c.shutdown(), 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn garbage_unknown_methods_and_vanished_files_do_not_crash() {
    let dir = temp_package(&[("ok.go", MAIN), ("types.go", TYPES)]);
    let mut c = Client::start(&dir, json!({}));
    // Not JSON, then JSON that is no message, then a request of no method.
    c.send_raw(b"Content-Length: 9\r\n\r\n{garbage}");
    c.send(json!({ "hello": "world" }));
    c.send(json!({ "jsonrpc": "2.0", "id": 99, "params": {} }));
    let r = c.wait_for("an error for the request without method", |m| m["id"] == 99);
    assert!(r["error"].is_object(), "{r}");
    c.wait_for("a log message about the garbage", |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("JSON")
    });
    // Unknown request: MethodNotFound. Unknown notification: ignored.
    let r = c.request("mapvet/unknown", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("$/unknownNotification", json!({}));
    // Bad parameters: InvalidParams.
    let r = c.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // Requests about documents never opened, or vanished from disk.
    let gone = url(&dir.join("gone.go"));
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": gone }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "context": { "diagnostics": [] } }),
    );
    assert_eq!(r["result"], json!([]), "{r}");
    c.change(&gone, 2, json!([{ "text": "x" }]));
    // A binary file, and an open file deleted from disk, still lint.
    let bin = c.open(&dir.join("bin.go"), "\u{0}\u{1}\u{2}package \u{7f}\u{0}");
    c.diagnostics(&bin, 1);
    std::fs::remove_file(dir.join("types.go")).unwrap();
    let ok = c.open(&dir.join("ok.go"), MAIN);
    assert_eq!(
        c.diagnostics(&ok, 1),
        Vec::<Value>::new(),
        "no Config type: no finding"
    );
    // A position far past the end of the text is clamped.
    let r = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ok }, "position": { "line": 999, "character": 999 } }),
    );
    assert!(r.get("error").is_none(), "{r}");
    // Still alive after all that.
    assert_eq!(c.shutdown(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configuration_changes_relint_open_files() {
    let dir = temp_package(&[("cfg.go", MAIN), ("types.go", TYPES)]);
    let mut c = Client::start(&dir, json!({}));
    let uri = c.open(&dir.join("cfg.go"), MAIN);
    assert_eq!(c.diagnostics(&uri, 1).len(), 1);
    std::fs::write(dir.join("mapvet.toml"), "ignore = [\"nil-map-write\"]\n").unwrap();
    let cfg = url(&dir.join("mapvet.toml"));
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": cfg } }),
    );
    assert_eq!(c.diagnostics(&uri, 1), Vec::<Value>::new());
    // A broken configuration: the defaults, and the user is told.
    std::fs::write(dir.join("mapvet.toml"), "ignore = [\n").unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": {} }),
    );
    assert_eq!(c.diagnostics(&uri, 1).len(), 1);
    c.wait_for("a message about the configuration", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("mapvet.toml")
    });
    assert_eq!(c.shutdown(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_without_shutdown_is_an_error_exit() {
    let dir = temp_package(&[("exit.go", MAIN)]);
    let mut c = Client::start(&dir, json!({}));
    c.notify("exit", Value::Null);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = c.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(1));
            break;
        }
        assert!(Instant::now() < deadline, "server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
