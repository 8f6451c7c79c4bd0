//! The stdio transport: `Content-Length` framed JSON-RPC on standard input
//! and output. lsp-server's own stdio reader stops at the first message it
//! cannot decode, which would end the session; this one reports the bad
//! message to the client's log (an error response when it has an id) and
//! reads on.

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, RequestId, Response};
use std::io::{self, BufRead, Read, Write};
use std::thread;

/// Messages larger than this are drained and refused: a corrupt length must
/// not make the server allocate gigabytes.
const MAX_MESSAGE: usize = 256 << 20;

pub struct IoThreads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<io::Result<()>>,
}

impl IoThreads {
    /// Waits for the writer to flush everything sent before the connection
    /// was dropped. The reader may still be blocked on standard input; it is
    /// left to end with the process.
    pub fn join(self) -> io::Result<()> {
        drop(self.reader);
        match self.writer.join() {
            Ok(r) => r,
            Err(_) => Err(io::Error::other("the writer thread panicked")),
        }
    }
}

pub fn stdio() -> (Connection, IoThreads) {
    let (to_writer, from_server) = crossbeam_channel::unbounded::<Message>();
    let writer = thread::Builder::new()
        .name("mapvet-lsp-writer".into())
        .spawn(move || write_loop(&from_server, &mut io::stdout().lock()))
        .expect("spawning a thread");
    let (to_server, from_reader) = crossbeam_channel::unbounded::<Message>();
    let replies = to_writer.clone();
    let reader = thread::Builder::new()
        .name("mapvet-lsp-reader".into())
        .spawn(move || read_loop(&mut io::stdin().lock(), &to_server, &replies))
        .expect("spawning a thread");
    (
        Connection {
            sender: to_writer,
            receiver: from_reader,
        },
        IoThreads { reader, writer },
    )
}

fn write_loop(messages: &Receiver<Message>, out: &mut impl Write) -> io::Result<()> {
    for msg in messages {
        msg.write(out)?;
    }
    Ok(())
}

/// Reads framed messages until end of input, passing good ones to the
/// server and answering bad ones itself.
pub fn read_loop(input: &mut impl BufRead, server: &Sender<Message>, client: &Sender<Message>) {
    loop {
        match read_frame(input) {
            Ok(None) => return,
            Ok(Some(body)) => match decode(&body) {
                Ok(msg) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if server.send(msg).is_err() || exit {
                        return;
                    }
                }
                Err((id, message)) => {
                    let reply = match id {
                        Some(id) => {
                            Response::new_err(id, ErrorCode::InvalidRequest as i32, message).into()
                        }
                        None => log_message(1, &message),
                    };
                    if client.send(reply).is_err() {
                        return;
                    }
                }
            },
            Err(FrameError::Io) => return,
            Err(FrameError::Bad(message)) => {
                if client.send(log_message(1, &message)).is_err() {
                    return;
                }
            }
        }
    }
}

/// A `window/logMessage` notification (1 error, 2 warning, 3 info, 4 log).
pub fn log_message(kind: u8, message: &str) -> Message {
    Notification::new(
        "window/logMessage".into(),
        serde_json::json!({ "type": kind, "message": format!("mapvet: {message}") }),
    )
    .into()
}

enum FrameError {
    Io,
    /// A frame that could not be read; the stream is positioned after it.
    Bad(String),
}

fn read_frame(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, FrameError> {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    let mut line = Vec::new();
    let mut saw_header = false;
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|_| FrameError::Io)?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            // Blank lines between messages: tolerated.
            continue;
        }
        saw_header = true;
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length header {text:?}")),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header line {text:?}")),
        }
    }
    let Some(length) = length else {
        return Err(FrameError::Bad(bad_header.unwrap_or_else(|| {
            "message without a Content-Length header; ignored".into()
        })));
    };
    if length > MAX_MESSAGE {
        io::copy(&mut input.take(length as u64), &mut io::sink()).map_err(|_| FrameError::Io)?;
        return Err(FrameError::Bad(format!(
            "message of {length} bytes refused (limit {MAX_MESSAGE})"
        )));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body).map_err(|_| FrameError::Io)?;
    Ok(Some(body))
}

/// Decodes a message body. On failure: the request id when one can be
/// read, and what is wrong.
fn decode(body: &[u8]) -> Result<Message, (Option<RequestId>, String)> {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Err((None, format!("message is not valid JSON ({e}); ignored"))),
    };
    let id = value
        .get("id")
        .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
    let has = |k: &str| value.get(k).is_some();
    if !has("method") && !has("result") && !has("error") {
        return Err((id, "not a JSON-RPC message (no method); ignored".into()));
    }
    serde_json::from_value::<Message>(value)
        .map_err(|e| (id, format!("not a JSON-RPC message ({e}); ignored")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> (Vec<Message>, Vec<Message>) {
        let (s_tx, s_rx) = crossbeam_channel::unbounded();
        let (c_tx, c_rx) = crossbeam_channel::unbounded();
        read_loop(&mut io::Cursor::new(input.to_vec()), &s_tx, &c_tx);
        drop((s_tx, c_tx));
        (s_rx.iter().collect(), c_rx.iter().collect())
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn garbage_between_good_messages_is_reported_and_skipped() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "{}{}Content-Type: x\r\n\r\n{}{}{}",
            frame(good),
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":7,"params":3}"#),
            "Content-Length: nope\r\n\r\n",
            frame(good),
        );
        let (server, client) = frames(input.as_bytes());
        assert_eq!(server.len(), 2, "{server:?}");
        let text = format!("{client:?}");
        assert!(text.contains("not valid JSON"), "{text}");
        assert!(text.contains("Content-Length"), "{text}");
        // The request with an id but no method gets an error response.
        assert!(
            client
                .iter()
                .any(|m| matches!(m, Message::Response(r) if r.error.is_some())),
            "{text}"
        );
    }

    #[test]
    fn truncated_input_ends_quietly() {
        let (server, _) = frames(b"Content-Length: 100\r\n\r\n{\"a\":");
        assert!(server.is_empty());
    }
}
