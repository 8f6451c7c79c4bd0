//! `unsorted-map-range`: output produced in map iteration order, which Go
//! randomises. Docs: `rules/unsorted-map-range.md`.

use super::{Lookups, RuleContext, at_or_after};
use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::fields::FieldExt;
use crate::model::facts::MapRange;
use crate::model::{Ancestors, Package, Ty, for_each_named, named_children};
use crate::syntax::Node;

const ID: &str = "unsorted-map-range";

pub fn check(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    // Test logs and test helpers' output order matter to nobody's diff.
    if cx.pkg.files[cx.file].source.display.ends_with("_test.go") {
        return;
    }
    let lk = Lookups::new(cx.pkg);
    let found: Vec<Found> = cx
        .facts
        .map_ranges
        .iter()
        .filter_map(|r| {
            report(cx, &lk, r).map(|d| Found {
                span: r.span,
                map: cx.text(r.map_span),
                diagnostic: d,
            })
        })
        .collect();
    out.extend(outermost(found));
}

/// A reported range: its `for` statement, the map's text, the report.
struct Found<'a> {
    span: Span,
    map: &'a str,
    diagnostic: Diagnostic,
}

/// The report on one range, if it emits in iteration order.
fn report<'a>(cx: &RuleContext<'a>, lk: &Lookups<'a>, r: &MapRange) -> Option<Diagnostic> {
    // A dump written explicitly to standard output is the program's
    // output, whatever the function's name.
    let to_stdout = r
        .sinks
        .iter()
        .any(|(span, _)| cx.text(*span).contains("os.Stdout"));
    if r.runs_once || (debug_dump(cx, r) && !to_stdout) || single_entry(cx, r) {
        return None;
    }
    let name = cx.text(r.map_span).to_string();
    // Sends to a channel that several workers drain: the order is lost
    // whatever the loop does.
    let sinks: Vec<&(Span, String)> = r
        .sinks
        .iter()
        .filter(|(span, what)| what != "a channel send" || !fan_out(cx, r, *span))
        .collect();
    if !sinks.is_empty() {
        let mut d = Diagnostic::new(
            ID,
            head(cx, r.head),
            format!("range over map {name} writes output in iteration order"),
        );
        for (span, what) in sinks.into_iter().take(3) {
            d = d.label(
                *span,
                format!("{what} runs once per entry, in random order"),
            );
        }
        return Some(with_fix(cx, r, &name, d.help(help(cx))));
    }
    if let Some(d) = collected_unsorted(cx, lk, r, &name) {
        return Some(with_fix(cx, r, &name, d));
    }
    // A named result is used by the function's return, bare or not.
    let used = |v: u32| cx.facts.var(v).named_result || used_after(cx, lk, r, v).is_some();
    let &(v, span) = r.concats.iter().find(|(v, _)| used(*v))?;
    let s = &cx.facts.var(v).name;
    let d = Diagnostic::new(
        ID,
        head(cx, r.head),
        format!("range over map {name} builds string {s} in iteration order"),
    )
    .label(span, "appended in iteration order")
    .help(help(cx));
    Some(with_fix(cx, r, &name, d))
}

/// The map is a local made from a literal with one entry and never written
/// in the function: one order only.
fn single_entry(cx: &RuleContext<'_>, r: &MapRange) -> bool {
    let name = cx.text(r.map_span);
    let f = cx.facts;
    let Some((id, var)) = f
        .vars
        .iter()
        .enumerate()
        .filter(|(_, v)| v.name == name && v.span.start < r.span.start)
        .max_by_key(|(_, v)| v.span.start)
    else {
        return false;
    };
    let id = id as u32;
    if f.accesses
        .iter()
        .any(|a| a.target == crate::model::facts::Target::Local(id) && a.kind.is_write())
        || f.addr_taken.contains(&id)
    {
        return false;
    }
    let Some(decl) = cx
        .node_at(var.span)
        .and_then(|n| n.parent())
        .and_then(|l| l.parent())
        .filter(|d| d.kind_name() == "short_var_declaration")
    else {
        return false;
    };
    let Some(right) = decl.field("right") else {
        return false;
    };
    // Not named between the declaration and the loop (a call could fill it).
    let between = &cx.pkg.files[cx.file].text()[decl.end_byte()..r.span.start.max(decl.end_byte())];
    if right.named_child_count() != 1 || between.contains(name) {
        return false;
    }
    right
        .named_child(0)
        .filter(|v| v.kind_name() == "composite_literal")
        .and_then(|v| v.field("body"))
        .is_some_and(|b| b.named_child_count() == 1)
}

/// Nested ranges over maps that feed the same output (`for k, inner :=
/// range outer { for _, v := range inner { out = append(out, v) } }`): one
/// report, on the outer loop, naming the inner one.
fn outermost(found: Vec<Found<'_>>) -> Vec<Diagnostic> {
    let shares = |a: &Diagnostic, b: &Diagnostic| {
        a.labels
            .iter()
            .any(|x| b.labels.iter().any(|y| x.span == y.span))
    };
    // For each report, the report of a range around it with the same output.
    let outer: Vec<Option<usize>> = found
        .iter()
        .map(|i| {
            found.iter().position(|o| {
                o.span.start <= i.span.start
                    && i.span.end <= o.span.end
                    && o.span != i.span
                    && shares(&i.diagnostic, &o.diagnostic)
            })
        })
        .collect();
    let mut labels: Vec<Vec<crate::diagnostic::Label>> = vec![Vec::new(); found.len()];
    for (i, o) in outer.iter().enumerate() {
        if let Some(o) = *o {
            labels[o].push(crate::diagnostic::Label {
                span: found[i].diagnostic.span,
                message: format!(
                    "the inner range over map {} is in iteration order too",
                    found[i].map
                ),
            });
        }
    }
    found
        .into_iter()
        .zip(outer)
        .zip(labels)
        .filter(|((_, o), _)| o.is_none())
        .map(|((f, _), extra)| {
            let mut d = f.diagnostic;
            d.labels.extend(extra);
            d
        })
        .collect()
}

/// The channel send at `send` goes to a channel that several goroutines,
/// started in a loop of the same function, receive from: `go func() { for
/// j := range jobs {...} }()`, `go worker(jobs)`, `g.Go(...)` in a `for`.
fn fan_out(cx: &RuleContext<'_>, r: &MapRange, send: Span) -> bool {
    let Some(body) = cx.ctx_body(func_ctx(cx, r)) else {
        return false;
    };
    let src = cx.pkg.files[cx.file].text();
    let text = |n: Node<'_>| &src[n.byte_range()];
    let Some(ch) = body
        .descendant_for_byte_range(send.start, send.end)
        .filter(|n| n.kind_name() == "send_statement")
        .and_then(|n| n.field("channel"))
        .map(text)
    else {
        return false;
    };
    // Code that receives from `ch` or hands it to a function.
    let takes = |n: Node<'_>| {
        let mut found = false;
        crate::model::walk_pruned(n, |m| {
            if found {
                return false;
            }
            let is_ch = |x: Option<Node<'_>>| x.is_some_and(|x| text(x) == ch);
            found = match m.kind_name() {
                "range_clause" => is_ch(m.field("right")),
                "unary_expression" => {
                    is_ch(m.field("operand"))
                        && m.field("operator").is_some_and(|o| text(o) == "<-")
                }
                "argument_list" => named_children(m).any(|a| text(a) == ch),
                _ => false,
            };
            true
        });
        found
    };
    let mut found = false;
    crate::model::walk_pruned(body, |n| {
        if found {
            return false;
        }
        if n.kind_name() == "for_statement" && Span::of(n) != r.span {
            let Some(loop_body) = n.field("body") else {
                return true;
            };
            crate::model::walk_pruned(loop_body, |m| {
                if found {
                    return false;
                }
                let spawn = match m.kind_name() {
                    "go_statement" => true,
                    "call_expression" => m
                        .field("function")
                        .filter(|f| f.kind_name() == "selector_expression")
                        .and_then(|f| f.field("field"))
                        .is_some_and(|g| text(g) == "Go"),
                    _ => false,
                };
                if spawn && takes(m) {
                    found = true;
                }
                !spawn
            });
        }
        !found
    });
    found
}

/// Iterating in sorted order: `slices.Sorted(maps.Keys(m))` from Go 1.23
/// (as the module's go.mod or the configuration says), else collecting and
/// sorting the keys.
fn help(cx: &RuleContext<'_>) -> &'static str {
    match cx.pkg.go_version {
        Some(v) if v >= (1, 23) => {
            "iterate in a fixed order: for _, k := range slices.Sorted(maps.Keys(m)) { v := m[k]; ... }"
        }
        _ => {
            "iterate in a fixed order: collect the keys into a slice, sort it (sort.Strings, or slices.Sort from Go 1.21) and range over the slice; from Go 1.23, for _, k := range slices.Sorted(maps.Keys(m))"
        }
    }
}

/// The fix, when it is one clear edit: the simple `for k, v := range m`
/// form over a map with an orderable key, in a module on Go 1.23 or later.
fn with_fix(cx: &RuleContext<'_>, r: &MapRange, name: &str, d: Diagnostic) -> Diagnostic {
    if cx.pkg.go_version.is_none_or(|v| v < (1, 23)) || !r.declares {
        return d;
    }
    let (Some(clause), Some(key)) = (r.clause, r.key_ty.as_ref()) else {
        return d;
    };
    if !orderable(cx, key)
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return d;
    }
    let (k, v) = match r.vars.as_slice() {
        [k] => (k.as_str(), None),
        [k, v] => (k.as_str(), Some(v.as_str()).filter(|v| *v != "_")),
        _ => return d,
    };
    if k == "_" {
        return d;
    }
    let src = cx.pkg.files[cx.file].text();
    let mut edits = vec![Edit {
        span: clause,
        replacement: format!("_, {k} := range slices.Sorted(maps.Keys({name}))"),
    }];
    if let Some(v) = v {
        // Indent one tab deeper than the `for` line.
        let line_start = src[..r.span.start].rfind('\n').map_or(0, |i| i + 1);
        let indent: String = src[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        edits.push(Edit {
            span: Span {
                start: r.body_start,
                end: r.body_start,
            },
            replacement: format!("\n{indent}\t{v} := {name}[{k}]"),
        });
    }
    // A file where `maps` or `slices` names something else: no fix.
    let Some(imports) = import_edits(cx, &["maps", "slices"]) else {
        return d;
    };
    edits.extend(imports);
    d.fix(
        format!("range over slices.Sorted(maps.Keys({name}))"),
        edits,
    )
}

/// Basic types that `slices.Sorted` accepts (cmp.Ordered), directly or as
/// the underlying type of a package type.
fn orderable(cx: &RuleContext<'_>, t: &Ty) -> bool {
    const ORDERED: &[&str] = &[
        "string", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
        "uint64", "uintptr", "float32", "float64", "byte", "rune",
    ];
    match t {
        Ty::Named(n) if ORDERED.contains(&n.as_str()) => true,
        Ty::Named(n) => cx
            .pkg
            .types
            .get(n)
            .is_some_and(|d| matches!(&d.ty, Ty::Named(b) if ORDERED.contains(&b.as_str()))),
        _ => false,
    }
}

/// Edits importing the packages `pkgs` (standard library, sorted) that the
/// file does not import: inside its parenthesised import block, among the
/// standard-library imports in order, else as `import "p"` lines after
/// the imports. `None` when a name in `pkgs` is taken in the file or the
/// package (a variable, parameter, import alias, another package of that
/// name), where the import would not compile or the code would not mean it.
fn import_edits(cx: &RuleContext<'_>, pkgs: &[&str]) -> Option<Vec<Edit>> {
    let file = &cx.pkg.files[cx.file];
    let src = file.text();
    let root = file.tree.root_node();
    let text = |n: Node<'_>| &src[n.byte_range()];
    let unquote = |n: Node<'_>| text(n).trim_matches(|c| c == '"' || c == '`').to_string();
    // Taken at package level, in any file.
    if pkgs.iter().any(|p| {
        cx.pkg.vars.contains_key(*p)
            || cx.pkg.types.contains_key(*p)
            || cx
                .pkg
                .funcs
                .iter()
                .any(|f| f.receiver.is_none() && f.name == *p)
    }) {
        return None;
    }
    // Taken in this file: any name `p` that is not the qualifier of
    // `p.X` (declarations, import aliases, uses of a variable).
    let mut taken = false;
    crate::model::for_each_named_with_ancestors(root, |n, up| {
        if taken
            || !matches!(
                n.kind_name(),
                "identifier" | "package_identifier" | "type_identifier"
            )
            || !pkgs.contains(&text(n))
        {
            return;
        }
        let qualifier = up.last().is_some_and(|p| {
            (p.kind_name() == "selector_expression" && p.field("operand") == Some(n))
                || (p.kind_name() == "qualified_type" && p.field("package") == Some(n))
        });
        if !qualifier {
            taken = true;
        }
    });
    if taken {
        return None;
    }
    let mut imported: Vec<String> = Vec::new();
    let mut block = None;
    let mut after = None;
    for n in crate::model::named_children_long(root) {
        match n.kind_name() {
            "package_clause" => after = Some(n.end_byte()),
            "import_declaration" => {
                after = Some(n.end_byte());
                for_each_named(n, |s| {
                    if s.kind_name() == "import_spec"
                        && let Some(path) = s.field("path")
                    {
                        imported.push(unquote(path));
                    }
                });
                if block.is_none() {
                    block = named_children(n).find(|c| c.kind_name() == "import_spec_list");
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for p in pkgs {
        if imported.iter().any(|i| i == p) {
            continue;
        }
        // Another package that the file calls `p` (golang.org/x/exp/maps).
        if imported.iter().any(|i| i.ends_with(&format!("/{p}"))) {
            return None;
        }
        missing.push(*p);
    }
    if missing.is_empty() {
        return Some(Vec::new());
    }
    let Some(list) = block else {
        let at = after?;
        return Some(vec![Edit {
            span: Span { start: at, end: at },
            replacement: missing
                .iter()
                .map(|p| format!("\nimport \"{p}\""))
                .collect(),
        }]);
    };
    // Inside `import ( ... )`: before the first standard-library import
    // that sorts after the package, else after the last one, else first.
    let specs: Vec<(Node<'_>, String)> = named_children(list)
        .filter(|s| s.kind_name() == "import_spec")
        .filter_map(|s| s.field("path").map(|p| (s, unquote(p))))
        .collect();
    let std_lib = |p: &str| !p.split('/').next().is_some_and(|first| first.contains('.'));
    let line_start = |at: usize| src[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent_of = |n: Node<'_>| -> String {
        src[line_start(n.start_byte())..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    };
    let indent = specs
        .first()
        .map_or_else(|| "\t".to_string(), |(s, _)| indent_of(*s));
    let mut edits: Vec<Edit> = Vec::new();
    let mut add = |at: usize, line: String, before: bool| {
        let replacement = if before {
            format!("{line}\n")
        } else {
            format!("\n{line}")
        };
        match edits.iter_mut().find(|e| e.span.start == at) {
            Some(e) => e.replacement.push_str(&replacement),
            None => edits.push(Edit {
                span: Span { start: at, end: at },
                replacement,
            }),
        }
    };
    for p in missing {
        let line = format!("{indent}\"{p}\"");
        let std_specs: Vec<&(Node<'_>, String)> =
            specs.iter().filter(|(_, path)| std_lib(path)).collect();
        if let Some((s, _)) = std_specs.iter().find(|(_, path)| path.as_str() > p) {
            add(line_start(s.start_byte()), line, true);
        } else if let Some((s, _)) = std_specs.last() {
            // At the end of its line, past any comment.
            let end = src[s.end_byte()..]
                .find('\n')
                .map_or(src.len(), |i| s.end_byte() + i);
            add(end, line, false);
        } else {
            // After the `(`.
            let open = list.start_byte() + 1;
            add(open, line, false);
        }
    }
    Some(edits)
}

/// Debug dumps: functions named `dump*`/`debug*`, and `String`/`GoString`
/// methods of types that are not flag values (a `Set` method too).
fn debug_dump(cx: &RuleContext<'_>, r: &MapRange) -> bool {
    let func = cx.facts.func_of(r.ctx);
    let Some(name) = func.name.as_deref() else {
        return false;
    };
    let lower = name.to_lowercase();
    if lower.starts_with("dump") || lower.starts_with("debug") {
        // A dump to a writer the caller passes in is the function's output.
        let to_writer = cx.facts.vars.iter().any(|v| {
            v.param && v.ctx == func_ctx(cx, r) && matches!(&v.ty, Some(t) if writer_type(t))
        });
        return !to_writer;
    }
    matches!(name, "String" | "GoString")
        && !cx.pkg.funcs.iter().any(|f| {
            f.name == "Set" && f.receiver.as_ref().map(|r| &r.type_name) == func.type_name.as_ref()
        })
}

/// The function context a range belongs to.
fn func_ctx(cx: &RuleContext<'_>, r: &MapRange) -> usize {
    let mut c = r.ctx;
    while let Some(p) = cx.facts.ctxs[c].parent {
        c = p;
    }
    c
}

/// `io.Writer`, `*bytes.Buffer`, `*strings.Builder`, `*bufio.Writer`...
fn writer_type(t: &Ty) -> bool {
    match t {
        Ty::Pointer(p) => writer_type(p),
        Ty::Ext(n) => n.ends_with("Writer") || n.ends_with("Buffer") || n.ends_with("Builder"),
        _ => false,
    }
}

/// The `for` line.
fn head(cx: &RuleContext<'_>, span: Span) -> Span {
    let text = cx.text(span);
    Span {
        start: span.start,
        end: span.start
            + text
                .find('\n')
                .unwrap_or(text.len())
                .min(text.trim_end().len()),
    }
}

/// A slice collected in the loop whose first use afterwards emits it
/// without sorting it first. A slice that is returned is reported when a
/// caller in the package emits the result unsorted.
fn collected_unsorted<'a>(
    cx: &RuleContext<'a>,
    lk: &Lookups<'a>,
    r: &MapRange,
    name: &str,
) -> Option<Diagnostic> {
    for &(v, append) in &r.appends {
        let s = &cx.facts.var(v).name;
        // A named result of the range's own function is also returned by
        // a bare `return`.
        let var = cx.facts.var(v);
        let bare = var.named_result && var.ctx == r.ctx;
        let (at, what) = match first_use(lk, cx.file, r.ctx_span(cx), s, r.span.end, bare) {
            Use::Emitted(at, what) => (at, what.to_string()),
            // Returned: reported when a caller in the package emits the
            // result unsorted, or when no caller here shows how it is used
            // (exported API); silent when every caller here does something
            // else with it (sorts it, treats it as a set).
            Use::Returned(at) if !documents_unordered(cx, r) => match callers(cx, lk, r) {
                Callers::Emit(fi, at) if fi == cx.file => {
                    (at, "returned, then emitted by this caller".to_string())
                }
                Callers::Emit(fi, at) => {
                    let src = &cx.pkg.files[fi].source;
                    let p = src.position(at.start);
                    (
                        append,
                        format!(
                            "returned, then emitted by a caller at {}:{}",
                            src.display, p.line
                        ),
                    )
                }
                Callers::None => (at, "returned here".to_string()),
                Callers::Other => continue,
            },
            _ => continue,
        };
        let d = Diagnostic::new(
            ID,
            head(cx, r.head),
            format!("range over map {name} collects {s} in iteration order and uses them unsorted"),
        )
        .label(append, "collected in iteration order")
        .label(at, format!("{what} without sorting it first"))
        .help(collected_help(cx, r, v, append));
        return Some(d);
    }
    None
}

/// How to fix a collected slice: sort it after the loop, with the sort its
/// element type takes; when it collects values only (the key is not in what
/// is appended), range over the sorted keys instead.
fn collected_help(cx: &RuleContext<'_>, r: &MapRange, v: u32, append: Span) -> String {
    let s = &cx.facts.var(v).name;
    let src = cx.pkg.files[cx.file].text();
    let var = |i: usize| r.vars.get(i).map(String::as_str).filter(|k| *k != "_");
    let (key, value) = (var(0), var(1));
    // The appended expressions: `append(s, <these>)`.
    let appended = cx.pkg.files[cx.file]
        .tree
        .root_node()
        .descendant_for_byte_range(append.start, append.end)
        .and_then(|n| n.field("right"))
        .and_then(|r| r.named_child(0))
        .and_then(|c| c.field("arguments"));
    let mentions = |name: Option<&str>| {
        name.is_some()
            && appended.is_some_and(|a| {
                named_children(a).skip(1).any(|x| {
                    let mut found = false;
                    for_each_named(x, |n| {
                        if n.kind_name() == "identifier" && Some(&src[n.byte_range()]) == name {
                            found = true;
                        }
                    });
                    found
                })
            })
    };
    // Values only: append them in key order.
    if mentions(value) && !mentions(key) {
        return format!(
            "{s} holds the map's values, not its keys: append them in key order; {}",
            help(cx)
        );
    }
    let elem = match &cx.facts.var(v).ty {
        Some(Ty::Slice(e)) => Some(e.as_ref()),
        _ => None,
    };
    let how = match elem {
        Some(Ty::Named(n)) if n == "string" => {
            format!("slices.Sort({s}) or sort.Strings({s})")
        }
        Some(Ty::Named(n)) if n == "int" => format!("slices.Sort({s}) or sort.Ints({s})"),
        Some(Ty::Named(n)) if n == "float64" => {
            format!("slices.Sort({s}) or sort.Float64s({s})")
        }
        Some(t) if orderable(cx, t) => format!("slices.Sort({s})"),
        Some(_) => format!("slices.SortFunc({s}, ...) or sort.Slice({s}, ...)"),
        None => String::new(),
    };
    if how.is_empty() {
        format!("sort {s} after the loop, or {}", help(cx))
    } else {
        format!("sort {s} after the loop ({how}), or {}", help(cx))
    }
}

/// What happens to a value first, looking outward from where it is used.
enum Use {
    Sorted,
    Emitted(Span, &'static str),
    Returned(Span),
    /// `len(s)`: look at the next use.
    Neutral,
    /// Assigned to this variable: follow it.
    Assigned(String, Via),
    Unknown,
}

/// How a variable holds the value it was assigned from.
#[derive(Clone, PartialEq)]
enum Via {
    /// The value itself: `x := names`.
    Direct,
    /// A field of a struct literal: `resp := Resp{Names: names}`.
    Field(String),
    /// Somewhere in a composite literal (an element, a map value).
    Literal,
}

/// Classifies the use of the value at `node` (an identifier or a call of
/// file `file`).
/// `top` is a node above it (its function's body, the file's root).
fn classify(pkg: &Package, src: &str, top: Node<'_>, node: Node<'_>) -> Use {
    let text = |n: Node<'_>| &src[n.byte_range()];
    let up = Ancestors::new(top, node);
    let mut cur = node;
    let mut k = 1;
    let mut via = Via::Direct;
    // The node below `cur` (an argument, when `cur` is an argument list).
    let mut below = node;
    while let Some(p) = up.get(k) {
        k += 1;
        match p.kind_name() {
            // Inside a composite literal: which field holds it, if any.
            "keyed_element" if p.field("value") == Some(cur) => {
                via = match p.field("key").and_then(|k| k.named_child(0)) {
                    Some(key) if key.kind_name() == "identifier" => {
                        Via::Field(text(key).to_string())
                    }
                    _ => Via::Literal,
                };
            }
            "literal_value" if cur.kind_name() != "keyed_element" => via = Via::Literal,
            "call_expression" if p.field("function") != Some(cur) => {
                let f = p.field("function").map(text).unwrap_or("");
                return if is_sort(f) {
                    Use::Sorted
                } else if matches!(f, "len" | "cap") {
                    Use::Neutral
                } else if is_emit(f) {
                    Use::Emitted(Span::of(p), "emitted here")
                } else if let Some(u) = p
                    .field("arguments")
                    .and_then(|a| named_children(a).position(|x| x == below))
                    .and_then(|i| helper_use(pkg, f, i))
                {
                    match u {
                        HelperUse::Sorts => Use::Sorted,
                        HelperUse::Emits => Use::Emitted(Span::of(p), "emitted by this helper"),
                    }
                } else {
                    // Passed to another function: what it does is unknown.
                    Use::Unknown
                };
            }
            "return_statement" => return Use::Returned(Span::of(p)),
            "range_clause" if p.field("right") == Some(cur) => {
                let prints = up.get(k).is_some_and(|f| {
                    let mut found = false;
                    for_each_named(f, |n| {
                        if n.kind_name() == "call_expression"
                            && n.field("function").is_some_and(|g| is_print(text(g)))
                        {
                            found = true;
                        }
                    });
                    found
                });
                return if prints {
                    Use::Emitted(Span::of(p), "written out in this order here")
                } else {
                    Use::Unknown
                };
            }
            "expression_list" => {
                let stmt = up.get(k);
                let is_rhs = stmt.is_some_and(|s| {
                    matches!(
                        s.kind_name(),
                        "short_var_declaration" | "assignment_statement"
                    ) && s.field("right") == Some(p)
                });
                if is_rhs {
                    let index = named_children(p).position(|c| c == cur);
                    let target = stmt
                        .and_then(|s| s.field("left"))
                        .and_then(|l| index.and_then(|i| named_children(l).nth(i)))
                        .filter(|t| t.kind_name() == "identifier");
                    return match target {
                        Some(t) => Use::Assigned(text(t).to_string(), via),
                        None => Use::Unknown,
                    };
                }
            }
            k if k.ends_with("_statement") || k == "block" => return Use::Unknown,
            _ => {}
        }
        below = cur;
        cur = p;
    }
    Use::Unknown
}

/// The first deciding use of variable `name` in the function body `body`
/// after byte `from`. With `bare_return` (`name` is the function's named
/// result), a bare `return` returns it.
fn first_use<'a>(
    lk: &Lookups<'a>,
    file: usize,
    body: Option<Node<'a>>,
    name: &str,
    from: usize,
    bare_return: bool,
) -> Use {
    first_use_via(lk, file, body, name, from, bare_return, &Via::Direct, 0)
}

/// How many assignments to another variable [`first_use_via`] follows.
const MAX_HOPS: usize = 3;

/// [`first_use`] of the value that variable `name` holds `via`: with a
/// field, `name.F` is the value, and uses of its other fields do not count.
/// An assignment to another variable is followed up to [`MAX_HOPS`] times.
#[allow(clippy::too_many_arguments)]
fn first_use_via<'a>(
    lk: &Lookups<'a>,
    file: usize,
    body: Option<Node<'a>>,
    name: &str,
    from: usize,
    bare_return: bool,
    via: &Via,
    hops: usize,
) -> Use {
    let Some(body) = body else {
        return Use::Unknown;
    };
    let src = lk.pkg.files[file].text();
    let refs = lk.refs(file, body, name);
    let bare = if bare_return {
        first_bare_return(body, from)
    } else {
        None
    };
    for &r in at_or_after(&refs, from) {
        if let Some(b) = bare
            && b.start_byte() < r.start_byte()
        {
            return Use::Returned(Span::of(b));
        }
        // The node that stands for the value: `name`, or `name.F`.
        let value = match via {
            Via::Direct => r,
            _ => match r.parent() {
                Some(p)
                    if p.kind_name() == "selector_expression" && p.field("operand") == Some(r) =>
                {
                    match (via, p.field("field")) {
                        (Via::Field(f), Some(g)) if src[g.byte_range()] == **f => p,
                        // Another field: not the value.
                        (Via::Field(_), _) => continue,
                        _ => return Use::Unknown,
                    }
                }
                Some(p) if p.kind_name() == "index_expression" => return Use::Unknown,
                _ => r,
            },
        };
        match classify(lk.pkg, src, body, value) {
            Use::Neutral => continue,
            Use::Assigned(next, how) if hops < MAX_HOPS => {
                // Held through two literals: too far to follow.
                let how = match (via, how) {
                    (v, Via::Direct) if value == r => v.clone(),
                    (_, how) if value != r || *via == Via::Direct => how,
                    _ => return Use::Unknown,
                };
                return first_use_via(
                    lk,
                    file,
                    Some(body),
                    &next,
                    value.end_byte(),
                    false,
                    &how,
                    hops + 1,
                );
            }
            Use::Assigned(..) => return Use::Unknown,
            other => return other,
        }
    }
    match bare {
        Some(b) => Use::Returned(Span::of(b)),
        None => Use::Unknown,
    }
}

/// The first `return` without results in `body` (not in a function
/// literal) at or after byte `from`.
fn first_bare_return(body: Node<'_>, from: usize) -> Option<Node<'_>> {
    let mut first: Option<Node<'_>> = None;
    crate::model::walk_pruned(body, |n| {
        if n.end_byte() < from || n.kind_name() == "func_literal" {
            return false;
        }
        if n.kind_name() == "return_statement" {
            if n.start_byte() >= from
                && n.named_child_count() == 0
                && first.is_none_or(|f| n.start_byte() < f.start_byte())
            {
                first = Some(n);
            }
            return false;
        }
        true
    });
    first
}

impl MapRange {
    fn ctx_span<'t>(&self, cx: &RuleContext<'t>) -> Option<Node<'t>> {
        cx.ctx_body(self.ctx)
    }
}

/// What the package's callers do with a returned slice.
enum Callers {
    /// One emits it unsorted: the file and the emitting call.
    Emit(usize, Span),
    /// There are callers, and none emits it.
    Other,
    /// No caller in the package.
    None,
}

fn callers<'a>(cx: &RuleContext<'a>, lk: &Lookups<'a>, r: &MapRange) -> Callers {
    let func = cx.facts.func_of(r.ctx);
    let Some(name) = func.name.as_deref() else {
        return Callers::Other;
    };
    let calls = lk.calls(func.type_name.is_some(), name);
    for &(fi, call) in calls.iter() {
        let file = &cx.pkg.files[fi];
        let root = file.tree.root_node();
        let decided = match classify(cx.pkg, file.text(), root, call) {
            Use::Assigned(var, how) => first_use_via(
                lk,
                fi,
                enclosing_body(root, call),
                &var,
                call.end_byte(),
                false,
                &how,
                1,
            ),
            other => other,
        };
        if let Use::Emitted(at, _) = decided {
            return Callers::Emit(fi, at);
        }
    }
    if calls.is_empty() {
        Callers::None
    } else {
        Callers::Other
    }
}

fn enclosing_body<'t>(root: Node<'t>, n: Node<'t>) -> Option<Node<'t>> {
    let up = Ancestors::new(root, n);
    (1..)
        .map_while(|k| up.get(k))
        .find(|p| {
            matches!(
                p.kind_name(),
                "function_declaration" | "method_declaration" | "func_literal"
            )
        })
        .and_then(|p| p.field("body"))
}

fn is_sort(f: &str) -> bool {
    matches!(
        f,
        "sort.Strings"
            | "sort.Ints"
            | "sort.Float64s"
            | "sort.Slice"
            | "sort.SliceStable"
            | "sort.Sort"
            | "sort.Stable"
            | "slices.Sort"
            | "slices.SortFunc"
            | "slices.SortStableFunc"
    ) || f
        .rsplit('.')
        .next()
        .is_some_and(|last| last.starts_with("sort") || last.starts_with("Sort"))
}

/// Calls that put the slice's order into output or a message.
fn is_emit(f: &str) -> bool {
    f.starts_with("fmt.")
        || f.starts_with("log.")
        || f.starts_with("slog.")
        || matches!(
            f,
            "strings.Join"
                | "json.Marshal"
                | "json.MarshalIndent"
                | "xml.Marshal"
                | "io.WriteString"
                | "errors.New"
                | "errors.Join"
                | "panic"
        )
        || [
            ".Write",
            ".WriteString",
            ".Encode",
            ".Log",
            ".Logf",
            ".Print",
            ".Printf",
            ".Println",
        ]
        .iter()
        .any(|m| f.ends_with(m))
}

/// `f` is a function of this package whose parameter `i` it encodes or
/// joins (`func writeJSON(w http.ResponseWriter, code int, v any) {
/// ...json.NewEncoder(w).Encode(v) }`): one level, by its text.
enum HelperUse {
    Sorts,
    Emits,
}

fn helper_use(pkg: &Package, f: &str, i: usize) -> Option<HelperUse> {
    let body = helper_body_for(pkg, f, i)?;
    let (body, name) = (body.0, body.1);
    let sorts = [
        format!("Sort({name})"),
        format!("Strings({name})"),
        format!("Ints({name})"),
        format!("Sort({name},"),
        format!("SortFunc({name},"),
        format!("SortStableFunc({name},"),
        format!("Slice({name},"),
        format!("SliceStable({name},"),
    ];
    if sorts.iter().any(|p| body.contains(p.as_str())) {
        return Some(HelperUse::Sorts);
    }
    helper_emits(body, name).then_some(HelperUse::Emits)
}

/// The body text of package function `f` and the name of its parameter `i`.
fn helper_body_for<'p>(pkg: &'p Package, f: &str, i: usize) -> Option<(&'p str, &'p str)> {
    let mut found = pkg
        .funcs
        .iter()
        .filter(|d| d.name == f && d.receiver.is_none());
    let (Some(decl), None) = (found.next(), found.next()) else {
        return None;
    };
    let file = &pkg.files[decl.file];
    let src = file.text();
    let node = file
        .tree
        .root_node()
        .descendant_for_byte_range(decl.span.start, decl.span.end)
        .filter(|n| n.kind_name() == "function_declaration")?;
    let names = crate::model::param_names(node.field("parameters")?, src)?;
    let name = *names.get(i).filter(|n| !n.is_empty() && **n != "_")?;
    let body = node.field("body")?;
    Some((&src[body.byte_range()], name))
}

/// The helper's body encodes, marshals or joins its parameter `name`.
fn helper_emits(body: &str, name: &str) -> bool {
    [
        format!("Encode({name})"),
        format!("Marshal({name})"),
        format!("MarshalIndent({name},"),
        format!("strings.Join({name},"),
    ]
    .iter()
    .any(|p| body.contains(p.as_str()))
}

/// Calls that print (for a loop over the collected slice).
fn is_print(f: &str) -> bool {
    f.starts_with("fmt.Print")
        || f.starts_with("fmt.Fprint")
        || f.starts_with("log.Print")
        || f.ends_with(".WriteString")
}

/// The first reference to variable `v` after the loop.
fn used_after<'a>(cx: &RuleContext<'a>, lk: &Lookups<'a>, r: &MapRange, v: u32) -> Option<Span> {
    let refs = cx.refs(lk, r.ctx, &cx.facts.var(v).name)?;
    at_or_after(&refs, r.span.end).first().map(|n| Span::of(*n))
}

/// The enclosing function's doc comment says its result is unordered
/// (`in unspecified order`, `in no particular order`).
fn documents_unordered(cx: &RuleContext<'_>, r: &MapRange) -> bool {
    let Some(func) = cx.ctx_body(r.ctx).and_then(|b| b.parent()) else {
        return false;
    };
    let src = cx.pkg.files[cx.file].text();
    let mut doc = String::new();
    let mut cur = func.prev_sibling();
    while let Some(c) = cur.filter(|c| c.kind_name() == "comment") {
        doc.push_str(&src[c.byte_range()].to_lowercase());
        cur = c.prev_sibling();
    }
    [
        "in unspecified order",
        "in no particular order",
        "in any order",
        "in arbitrary order",
        "in random order",
        "in undefined order",
        "order is unspecified",
        "order is not specified",
        "order is not guaranteed",
        "order is undefined",
    ]
    .iter()
    .any(|p| doc.contains(p))
}
