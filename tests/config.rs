//! mapvet.toml: discovery, precedence of flags, every error path.

use std::path::{Path, PathBuf};
use std::process::Command;

const BAD: &str = "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapvet-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mapvet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn rules_and_severities(stdout: &str) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn found_upward_and_applied() {
    let d = scratch("found");
    write(&d, "pkg/a.go", BAD);
    write(&d, "gen/a.go", BAD);
    write(
        &d,
        ".mapvet.toml",
        "exclude = [\"gen/**\"]\n[severity]\nnil-map-write = \"warning\"\n",
    );
    // Run from a subdirectory: the file is found above it.
    let (code, out, err) = run(&d.join("pkg"), &["check", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rules_and_severities(&out),
        vec![("a.go".into(), "nil-map-write".into(), "warning".into())]
    );
    let (_, out, _) = run(&d, &["check", "--format", "json"]);
    assert_eq!(
        rules_and_severities(&out),
        vec![("pkg/a.go".into(), "nil-map-write".into(), "warning".into())]
    );
}

#[test]
fn off_select_and_flags_override() {
    let d = scratch("flags");
    write(&d, "a.go", BAD);
    write(&d, "mapvet.toml", "[severity]\nnil-map-write = \"off\"\n");
    assert_eq!(run(&d, &["check"]).0, 0, "severity off turns the rule off");
    write(&d, "mapvet.toml", "select = [\"unsorted-map-range\"]\n");
    assert_eq!(run(&d, &["check"]).0, 0);
    // --select on the command line wins over the file's select.
    assert_eq!(run(&d, &["check", "--select", "nil-map-write"]).0, 1);
    write(&d, "mapvet.toml", "");
    assert_eq!(run(&d, &["check", "--ignore", "nil-map-write"]).0, 0);
    assert_eq!(run(&d, &["check", "--exclude", "a.go"]).0, 0);
    // --config names another file.
    write(&d, "other.toml", "ignore = [\"nil-map-write\"]\n");
    assert_eq!(run(&d, &["check", "--config", "other.toml"]).0, 0);
}

#[test]
fn errors_point_into_the_toml() {
    let d = scratch("errors");
    write(&d, "a.go", BAD);
    for (toml, expect) in [
        (
            "select = [\"nil-map-writes\"]\n",
            "unknown rule `nil-map-writes`",
        ),
        (
            "[severity]\nnil-map-write = \"fatal\"\n",
            "unknown severity `fatal`",
        ),
        ("selec = []\n", "unknown field `selec`"),
        ("select = [\n", "mapvet.toml"),
        ("go = \"latest\"\n", "not a Go version"),
        ("exclude = [\"a[\"]\n", "bad glob"),
    ] {
        write(&d, "mapvet.toml", toml);
        let (code, _, err) = run(&d, &["check"]);
        assert_eq!(code, 2, "{toml}: {err}");
        assert!(err.contains(expect), "{toml}: {err}");
        assert!(err.contains("mapvet.toml"), "names the file: {err}");
    }
    write(&d, "mapvet.toml", "select = [\"nil-map-writes\"]\n");
    let (_, _, err) = run(&d, &["check"]);
    assert!(
        err.contains("1 │ select = [\"nil-map-writes\"]"),
        "shows the line: {err}"
    );
    let (code, _, err) = run(&d, &["check", "--config", "missing.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file"), "{err}");
}

#[test]
fn config_show() {
    let d = scratch("show");
    write(
        &d,
        "mapvet.toml",
        "ignore = [\"unsorted-map-range\"]\ngo = \"1.22\"\n[severity]\nstruct-copied-map = \"error\"\n",
    );
    let (code, out, err) = run(&d, &["config", "--show"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("mapvet.toml"));
    assert!(!out.contains("select = [\"deferred-map-mutation\", \"nil-map-write\", \"struct-copied-map\", \"unguarded-map-write\", \"unsorted-map-range\"]"));
    assert!(out.contains("go = \"1.22\""));
    assert!(out.contains("struct-copied-map = \"error\""));
    let (_, out, _) = run(&scratch("show-none"), &["config", "--show"]);
    assert!(out.contains("defaults"));
}

#[test]
fn rule_options_teach_the_model() {
    let d = scratch("options");
    write(
        &d,
        "a.go",
        "package p\n\ntype Emitter struct{}\n\nfunc (Emitter) Emit(k string) {}\n\nfunc list(e Emitter, m map[string]int) {\n\tfor k := range m {\n\t\te.Emit(k)\n\t}\n}\n",
    );
    // A method of a package type is not taken as output...
    assert_eq!(run(&d, &["check"]).0, 0);
    // ...unless the configuration names it.
    write(
        &d,
        "mapvet.toml",
        "[rules.unsorted-map-range]\noutput-functions = [\"Emit\"]\n",
    );
    let (code, out, err) = run(&d, &["check", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("range over map m writes output in iteration order"),
        "{out}"
    );

    let guarded = "package p\n\nimport \"sync\"\n\ntype Cache struct {\n\tmu    sync.Mutex\n\titems map[string]int\n}\n\nfunc (c *Cache) Acquire() {}\nfunc (c *Cache) Release() {}\n\nfunc (c *Cache) Get(k string) int {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\treturn c.items[k]\n}\n\nfunc (c *Cache) Set(k string) {\n\tc.mu.Acquire()\n\tc.items[k] = 1\n\tc.mu.Release()\n}\n\nfunc (c *Cache) PutUnsafe(k string) {\n\tc.items[k] = 2\n}\n";
    write(&d, "a.go", guarded);
    write(&d, "mapvet.toml", "");
    let (_, out, _) = run(&d, &["check", "--format", "json"]);
    assert_eq!(
        out.matches("unguarded write to map c.items").count(),
        2,
        "{out}"
    );
    write(
        &d,
        "mapvet.toml",
        "[rules.unguarded-map-write]\nlock-methods = [\"Acquire\"]\nunlock-methods = [\"Release\"]\ncaller-holds-lock = [\"*Unsafe\"]\n",
    );
    let (code, out, err) = run(&d, &["check", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    write(
        &d,
        "mapvet.toml",
        "[rules.unguarded-map-write]\nlock-method = [\"Acquire\"]\n",
    );
    let (code, _, err) = run(&d, &["check"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `lock-method`"), "{err}");
}
