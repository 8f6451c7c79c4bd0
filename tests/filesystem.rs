//! The file system as it is: FIFOs and devices, symbolic links (loops, out
//! of the tree, broken), unreadable files and directories, files removed
//! while mapvet runs, file names that are not UTF-8 or hold control
//! characters. Each case gets a warning naming it, exit code 2 when
//! something asked for could not be checked, and every other file is still
//! checked (a nil-map write in a sibling is still found).
#![cfg(unix)]

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BAD: &str = "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n";

fn bad(func: &str) -> String {
    BAD.replace("func f", &format!("func {func}"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapvet-fs-{}-{name}", std::process::id()));
    if dir.exists() {
        // A previous run may have left unreadable directories behind.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+rwx")
            .arg(&dir)
            .status();
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, rel: impl AsRef<Path>, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json_paths(&self) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", self.stdout));
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect()
    }

    fn warns(&self, needle: &str) {
        assert!(
            self.stderr.contains(needle),
            "expected `{needle}` on stderr:\n{}",
            self.stderr
        );
    }
}

/// Runs the real binary (behind `prefix`, e.g. to drop privileges) and
/// kills it after 20 s: a FIFO opened for reading blocks forever.
fn run_as(prefix: &[&str], dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let bin = env!("CARGO_BIN_EXE_mapvet");
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mapvet {args:?} still running after 20 s: did it open a FIFO?");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "mapvet panicked: {}",
        run.stderr
    );
    run
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_as(&[], dir, args, None)
}

#[test]
fn fifos_and_devices_are_skipped_and_never_opened() {
    let d = scratch("fifo");
    write(&d, "a.go", BAD);
    write(&d, "sub/b.go", bad("g"));
    if !mkfifo(&d.join("fifo.go")) || !mkfifo(&d.join("sub/pipe.go")) {
        eprintln!("note: mkfifo is not available; FIFO test skipped");
        return;
    }
    symlink("/dev/null", d.join("null.go")).unwrap();

    // Walking: a warning each, the other files checked, no error.
    let r = run(&d, &["check", "--format", "json"]);
    assert_eq!(r.json_paths(), vec!["a.go", "sub/b.go"], "{}", r.stderr);
    r.warns("mapvet: warning: fifo.go: named pipe (FIFO), not a regular file; skipped");
    r.warns("mapvet: warning: sub/pipe.go: named pipe (FIFO), not a regular file; skipped");
    r.warns(
        "mapvet: warning: null.go: symbolic link to a character device, not a regular file; skipped",
    );
    assert_eq!(r.code, 1, "skipped FIFOs are warnings: {}", r.stderr);
    // Excluded, they are not mentioned.
    let r = run(
        &d,
        &[
            "check",
            "--format",
            "json",
            "--exclude",
            "**/*pipe.go,fifo.go",
        ],
    );
    assert!(!r.stderr.contains("pipe.go"), "{}", r.stderr);
    assert!(!r.stderr.contains("fifo.go"), "{}", r.stderr);

    // Named on the command line: could not be checked, exit code 2.
    let r = run(&d, &["check", "--format", "json", "a.go", "fifo.go"]);
    assert_eq!(r.json_paths(), vec!["a.go"]);
    r.warns("mapvet: error: fifo.go: named pipe (FIFO), not a regular file or directory; skipped");
    assert_eq!(r.code, 2);
    let r = run(&d, &["check", "--format", "json", "/dev/null", "a.go"]);
    r.warns("mapvet: error: /dev/null: character device, not a regular file or directory");
    assert_eq!(r.json_paths(), vec!["a.go"]);
    assert_eq!(r.code, 2);

    // A named file reads its siblings for package context: not the FIFO.
    let r = run(&d, &["check", "--format", "json", "sub/b.go"]);
    assert_eq!(r.json_paths(), vec!["sub/b.go"], "{}", r.stderr);
    assert_eq!(r.code, 1);

    // Nor does a buffer read from standard input.
    let r = run_as(
        &[],
        &d,
        &["check", "--format", "json", "--stdin-filename", "a.go"],
        Some(BAD),
    );
    assert_eq!(r.json_paths(), vec!["a.go"], "{}", r.stderr);
    assert_eq!(r.code, 1);
}

#[test]
fn symbolic_links() {
    let d = scratch("links");
    let root = d.join("root");
    write(&root, "a.go", BAD);
    write(&root, "pkg/b.go", bad("g"));
    write(&d, "outside/o.go", bad("o"));
    write(&d, "outside/dir/x.go", bad("x"));
    // Loops: to an enclosing directory, and two links naming each other.
    symlink("..", root.join("pkg/up")).unwrap();
    symlink("loop2.go", root.join("loop1.go")).unwrap();
    symlink("loop1.go", root.join("loop2.go")).unwrap();
    // Out of the checked tree: a file and a directory.
    symlink("../outside/o.go", root.join("out.go")).unwrap();
    symlink("../outside/dir", root.join("outdir")).unwrap();
    // Inside the tree: a file (the go tool compiles it) and a directory.
    symlink("../a.go", root.join("pkg/same.go")).unwrap();
    symlink("pkg", root.join("alias")).unwrap();
    // Broken.
    symlink("gone.go", root.join("broken.go")).unwrap();
    symlink("nowhere", root.join("notes")).unwrap();

    let r = run(&root, &["check", "--format", "json", "--verbose"]);
    assert_eq!(
        r.json_paths(),
        vec!["a.go", "pkg/b.go", "pkg/same.go"],
        "{}",
        r.stderr
    );
    r.warns("mapvet: warning: pkg/up: symbolic link loop (to a directory that contains it); not followed");
    r.warns("mapvet: warning: loop1.go: symbolic link loop; skipped");
    r.warns("mapvet: warning: loop2.go: symbolic link loop; skipped");
    r.warns("mapvet: warning: out.go: symbolic link out of the checked directory (to /");
    r.warns("outside/o.go); not followed (name it on the command line to check it)");
    r.warns(
        "mapvet: warning: broken.go: broken symbolic link (its target does not exist); skipped",
    );
    r.warns("mapvet: skipped outdir: symbolic link to a directory; not followed");
    r.warns("mapvet: skipped alias: symbolic link to a directory; not followed");
    assert!(
        !r.stderr.contains("notes"),
        "a broken link that is not Go source is no concern: {}",
        r.stderr
    );
    assert_eq!(r.code, 1, "links skipped are warnings: {}", r.stderr);

    // Directory links are only listed with --verbose.
    let r = run(&root, &["check", "--format", "json"]);
    assert!(!r.stderr.contains("outdir"), "{}", r.stderr);

    // Named on the command line, links are followed, out of the tree too.
    let r = run(&root, &["check", "--format", "json", "out.go", "outdir"]);
    assert_eq!(
        r.json_paths(),
        vec!["out.go", "outdir/x.go"],
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 1);
    // A named loop cannot be checked: exit code 2.
    let r = run(&root, &["check", "--format", "json", "loop1.go", "a.go"]);
    r.warns("mapvet: error: loop1.go: symbolic link loop");
    assert_eq!(r.json_paths(), vec!["a.go"]);
    assert_eq!(r.code, 2);
    // A named link to an enclosing directory is walked once.
    let r = run(&root, &["check", "--format", "json", "pkg/up"]);
    assert_eq!(
        r.json_paths(),
        vec!["pkg/up/a.go", "pkg/up/pkg/b.go", "pkg/up/pkg/same.go"],
        "{}",
        r.stderr
    );
}

/// How to run mapvet as a user the permission bits apply to: directly when
/// we are not root; as `nobody` through setpriv when we are root and may
/// switch; `None` (the test is skipped) otherwise.
fn unprivileged(probe: &Path) -> Option<Vec<&'static str>> {
    if std::fs::read(probe).is_err() {
        return Some(Vec::new());
    }
    let prefix = vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let unreadable = Command::new(prefix[0])
        .args(&prefix[1..])
        .arg("cat")
        .arg(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| !s.success());
    let runs = Command::new(prefix[0])
        .args(&prefix[1..])
        .arg(env!("CARGO_BIN_EXE_mapvet"))
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (unreadable && runs).then_some(prefix)
}

#[test]
fn permission_denied_files_and_directories() {
    use std::os::unix::fs::PermissionsExt;
    let d = scratch("perm");
    write(&d, "a.go", BAD);
    write(&d, "locked.go", bad("l"));
    write(&d, "closed/c.go", bad("c"));
    std::fs::set_permissions(d.join("locked.go"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(d.join("closed"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let Some(prefix) = unprivileged(&d.join("locked.go")) else {
        eprintln!(
            "note: running as root and cannot switch to an unprivileged user (setpriv); \
             permission test skipped"
        );
        return;
    };
    let r = run_as(&prefix, &d, &["check", "--format", "json"], None);
    assert_eq!(r.json_paths(), vec!["a.go"], "{}", r.stderr);
    r.warns("mapvet: error: locked.go: cannot read file: permission denied");
    r.warns("mapvet: error: closed: cannot read directory: permission denied");
    assert_eq!(r.code, 2);
    // Named: the same.
    let r = run_as(
        &prefix,
        &d,
        &["check", "--format", "json", "locked.go", "a.go"],
        None,
    );
    r.warns("mapvet: error: locked.go: cannot read file: permission denied");
    assert_eq!(r.json_paths(), vec!["a.go"]);
    assert_eq!(r.code, 2);
    // A locked sibling is only context for a named file: no complaint.
    let r = run_as(&prefix, &d, &["check", "--format", "json", "a.go"], None);
    assert_eq!(r.json_paths(), vec!["a.go"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    std::fs::set_permissions(d.join("closed"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn files_removed_while_checking() {
    // Discovery listed both files; one is gone by the time it is read.
    let d = scratch("removed");
    write(&d, "a.go", BAD);
    let files = vec![d.join("a.go"), d.join("gone.go")];
    let report = mapvet::check_files(&files, &mapvet::Options::default());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.files_checked, 1);
    let p = &report.problems;
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].path.ends_with("gone.go"), "{p:?}");
    assert_eq!(
        p[0].message,
        "cannot read file: it was removed while mapvet ran"
    );
    assert!(p[0].is_error);
    assert_eq!(report.exit_code(), 2);
    // Its whole directory gone: the same.
    let report = mapvet::check_files(&[d.join("gone/x.go")], &mapvet::Options::default());
    assert_eq!(report.exit_code(), 2, "{:?}", report.problems);
}

/// Creates a file whose name is not UTF-8, or says why it cannot.
fn non_utf8_name(dir: &Path, raw: &[u8], text: &str) -> bool {
    let path = dir.join(std::ffi::OsStr::from_bytes(raw));
    std::fs::write(path, text).is_ok()
}

#[test]
fn file_names_that_are_not_utf8_or_hold_control_characters() {
    let d = scratch("names");
    write(&d, "a.go", BAD);
    if !non_utf8_name(&d, b"caf\xe9.go", &bad("latin1")) {
        eprintln!("note: this file system refuses names that are not UTF-8; test skipped");
        return;
    }
    write(&d, "esc\x1b[31mred.go", bad("esc"));

    // JSON is valid and shows the name lossily; the conversion is reported.
    let r = run(&d, &["check", "--format", "json"]);
    let mut paths = r.json_paths();
    paths.sort();
    assert_eq!(paths, vec!["a.go", "caf\u{FFFD}.go", "esc\u{1b}[31mred.go"]);
    r.warns("mapvet: warning: caf\u{FFFD}.go: file name is not valid UTF-8; checked");
    assert_eq!(r.code, 1, "{}", r.stderr);

    // SARIF is valid; the URI keeps the real bytes, percent-encoded.
    let r = run(&d, &["check", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("SARIF is valid JSON");
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|res| {
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"caf%E9.go"), "{uris:?}");
    assert!(uris.contains(&"esc%1B%5B31mred.go"), "{uris:?}");

    // Terminals never get the control characters: not in the text report,
    // not in warnings, not in GitHub annotations.
    for format in ["text", "github"] {
        let r = run(&d, &["check", "--format", format]);
        assert!(r.stdout.contains("esc\u{FFFD}[31mred.go"), "{}", r.stdout);
        for out in [&r.stdout, &r.stderr] {
            assert!(!out.contains('\u{1b}'), "escape reached the output: {out}");
        }
    }
    write(&d, "sub/\x07bell.go", "");
    let r = run(&d, &["check", "sub"]);
    r.warns("mapvet: warning: sub/\u{FFFD}bell.go: empty file; skipped");
    assert!(!r.stderr.contains('\u{7}'));
}
