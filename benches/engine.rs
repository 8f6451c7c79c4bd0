//! In-process benchmarks of the engine's phases on one large Go file:
//! parsing, the package model (`Package::build`), the per-function facts
//! (`mapstate::analyze_file`), the package's concurrency facts, and each
//! rule on its own; then the whole pipeline through `check_package_sources`.
//!
//! `cargo bench --bench engine`. The file is generated here (deterministic,
//! about 5,700 lines (100 KB) of map-heavy code that every rule has something to say
//! about), so the numbers do not depend on anything being installed. When
//! the Go tree is at `GOROOT_SRC` or /usr/local/go/src, the same phases are
//! also measured on `net/http/server.go` (skipped when absent).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mapvet::fields::FieldExt;
use mapvet::model::concurrency::Concurrency;
use mapvet::model::facts::FileFacts;
use mapvet::model::{self, Package, ParsedFile, mapstate};
use mapvet::rules::{self, RuleContext};
use mapvet::source::SourceFile;
use mapvet::{Options, check_package_sources, parse_source};
use std::fmt::Write;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Types the generated functions use: a struct with a mutex guarding maps,
/// a struct held by value in slices and maps, a named map type.
const PRELUDE: &str = r#"package bench

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

type Store struct {
	mu    sync.Mutex
	items map[string]int
	index map[string][]string
}

type Item struct {
	Name  string
	Attrs map[string]string
}

type Set map[string]bool

var registry map[string]int

var cache = map[string]string{}
"#;

/// Function templates, each about 15-30 lines; `{n}` is the function's
/// number. Together they touch every rule: nil maps, unguarded writes,
/// ranges that print, deferred deletes, struct copies.
const TEMPLATES: &[&str] = &[
    r#"
func (s *Store) Add{n}(keys []string) map[string]int {
	counts := make(map[string]int)
	var seen map[string]bool
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		counts[k] += i
		if len(k) > 3 {
			s.items[k] = i
		}
	}
	if seen == nil {
		seen = map[string]bool{}
	}
	seen["{n}"] = true
	return counts
}
"#,
    r#"
func (s *Store) Update{n}(k string, v int) {
	if v > 10 {
		s.items[k] = v
		return
	}
	s.mu.Lock()
	s.index[k] = append(s.index[k], fmt.Sprint(v))
	s.mu.Unlock()
}
"#,
    r#"
func Report{n}(m map[string]int) string {
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "%s=%d\n", k, v)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k)
	}
	return b.String()
}
"#,
    r#"
func Collect{n}(m map[string]Item) []string {
	var names []string
	for _, it := range m {
		it.Attrs = map[string]string{"n": "{n}"}
		names = append(names, it.Name)
	}
	fmt.Println(names)
	return names
}
"#,
    r#"
func Spawn{n}(keys []string) {
	results := map[string]int{}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k] = len(k)
		}()
	}
	wg.Wait()
	for k, v := range results {
		if v > 0 && k != "" {
			registry[k] = v
		}
	}
}
"#,
    r#"
func Handle{n}(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	cache[q] = r.URL.Path
	var local map[string]int
	if q == "" {
		local = make(map[string]int)
	}
	local[q]++
	fmt.Fprintln(w, local[q])
}
"#,
    r#"
func Drain{n}(m map[string]int, ch chan string) map[string]int {
	defer delete(m, "{n}")
	for {
		select {
		case k, ok := <-ch:
			if !ok {
				return m
			}
			m[k]++
		}
	}
}
"#,
    r#"
func Copy{n}(items []Item, set Set) Set {
	out := Set{}
	for i := range items {
		it := items[i]
		it.Attrs["copied"] = "{n}"
		for k := range it.Attrs {
			if set[k] {
				out[k] = true
			}
		}
	}
	var missing Set
	if len(out) == 0 {
		missing["none"] = true
	}
	return out
}
"#,
];

/// The generated file: the prelude and `functions` functions, cycling
/// through the templates.
fn generated(functions: usize) -> String {
    let mut s = String::from(PRELUDE);
    for i in 0..functions {
        let t = TEMPLATES[i % TEMPLATES.len()];
        let _ = write!(s, "{}", t.replace("{n}", &i.to_string()));
    }
    s
}

fn parse(path: &Path, text: &str) -> ParsedFile {
    let source = SourceFile::new(path.to_path_buf(), path.display().to_string(), text.into());
    parse_source(source, true)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .file
}

fn copy(f: &ParsedFile) -> ParsedFile {
    ParsedFile {
        source: f.source.clone(),
        tree: f.tree.clone(),
        report: f.report,
    }
}

fn package(file: &ParsedFile) -> Package {
    Package::build(PathBuf::from("bench"), "bench".into(), vec![copy(file)])
}

/// Every phase on one file, under `group`.
fn phases(c: &mut Criterion, group: &str, path: &Path, text: &str, every_rule: bool) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("parse", |b| b.iter(|| parse(path, black_box(text))));
    let file = parse(path, text);
    g.bench_function("package_model", |b| {
        b.iter_batched(
            || vec![copy(&file)],
            |files| Package::build(PathBuf::from("bench"), "bench".into(), files),
            BatchSize::SmallInput,
        )
    });
    let pkg = package(&file);
    g.bench_function("function_facts", |b| {
        b.iter(|| mapstate::analyze_file(black_box(&pkg), 0))
    });
    let all: Vec<FileFacts> = vec![mapstate::analyze_file(&pkg, 0)];
    g.bench_function("concurrency", |b| {
        b.iter(|| Concurrency::build(black_box(&pkg), &all))
    });
    let conc = Concurrency::build(&pkg, &all);
    let cx = RuleContext {
        pkg: &pkg,
        file: 0,
        facts: &all[0],
        all: &all,
        conc: &conc,
    };
    if every_rule {
        for rule in rules::all() {
            g.bench_function(format!("rule/{}", rule.id), |b| {
                b.iter(|| {
                    let mut out = Vec::new();
                    (rule.check)(black_box(&cx), &mut out);
                    out
                })
            });
        }
    } else {
        g.bench_function("rules", |b| {
            b.iter(|| {
                let mut out = Vec::new();
                for rule in rules::all() {
                    (rule.check)(black_box(&cx), &mut out);
                }
                out
            })
        });
    }
    g.bench_function("check_package_sources", |b| {
        b.iter(|| {
            check_package_sources(
                Path::new("bench"),
                vec![(path.to_path_buf(), text.to_string(), true)],
                &Options::default(),
            )
        })
    });
    g.finish();
}

fn engine(c: &mut Criterion) {
    let text = generated(400);
    phases(c, "engine", Path::new("bench/generated.go"), &text, true);
    walks(c, &parse(Path::new("bench/generated.go"), &text));
    copies(c, &text);
}

/// What the flat copy of a tree costs (src/flatten.c), beside the parse
/// itself and beside a walk of tree-sitter's tree through its public
/// cursor (what the copy would cost through tree-sitter's API).
fn copies(c: &mut Criterion, text: &str) {
    let mut g = c.benchmark_group("copy");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let tree = mapvet::parse_text(text, None).unwrap();
    g.bench_function("parse", |b| b.iter(|| mapvet::parse_text(text, None)));
    g.bench_function("flatten", |b| {
        b.iter(|| mapvet::syntax::SyntaxTree::new(&tree, text))
    });
    g.bench_function("ts_cursor_walk", |b| {
        b.iter(|| {
            let mut cursor = tree.walk();
            let mut n = 0usize;
            loop {
                n += cursor.node().kind_id() as usize
                    + cursor.field_id().map_or(0, |f| f.get() as usize);
                if cursor.goto_first_child() {
                    continue;
                }
                while !cursor.goto_next_sibling() {
                    if !cursor.goto_parent() {
                        return n;
                    }
                }
            }
        })
    });
    g.finish();
}

/// What the analysis' tree walks cost: a cursor over every node, against
/// the named nodes only (what the model uses); and `Node::kind` against
/// the model's table lookup (`FieldExt::kind_name`).
fn walks(c: &mut Criterion, file: &ParsedFile) {
    let mut g = c.benchmark_group("walk");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let root = file.tree.root_node();
    g.bench_function("for_each_node", |b| {
        b.iter(|| {
            let mut n = 0usize;
            model::for_each_node(root, |_| n += 1);
            n
        })
    });
    g.bench_function("for_each_named", |b| {
        b.iter(|| {
            let mut n = 0usize;
            model::for_each_named(root, |_| n += 1);
            n
        })
    });
    g.bench_function("for_each_named/kind", |b| {
        b.iter(|| {
            let mut n = 0usize;
            model::for_each_named(root, |x| n += x.kind().len());
            n
        })
    });
    g.bench_function("for_each_named/kind_name", |b| {
        b.iter(|| {
            let mut n = 0usize;
            model::for_each_named(root, |x| n += x.kind_name().len());
            n
        })
    });
    g.finish();
}

/// `net/http/server.go` of the Go tree, when there is one.
fn net_http(c: &mut Criterion) {
    let root = std::env::var_os("GOROOT_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/local/go/src"));
    let path = root.join("net/http/server.go");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{}: not found; net_http_server skipped", path.display());
        return;
    };
    phases(c, "net_http_server", &path, &text, false);
}

criterion_group!(benches, engine, net_http);
criterion_main!(benches);
