//! `unsorted-map-range`: output produced in map iteration order, which Go
//! randomises. Docs: `rules/unsorted-map-range.md`.

use super::RuleContext;
use crate::diagnostic::{Diagnostic, Span};
use crate::model::facts::MapRange;
use crate::model::for_each_node;
use tree_sitter::Node;

const ID: &str = "unsorted-map-range";

const HELP: &str = "iterate in a fixed order: for _, k := range slices.Sorted(maps.Keys(m)) (Go 1.23+), or collect the keys, sort them (slices.Sort, sort.Strings) and range over the sorted slice";

pub fn check(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    for r in &cx.facts.map_ranges {
        if r.runs_once {
            continue;
        }
        let name = cx.text(r.map_span).to_string();
        if !r.sinks.is_empty() {
            let mut d = Diagnostic::new(
                ID,
                head(cx, r.head),
                format!("range over map {name} writes output in iteration order"),
            );
            for (span, what) in r.sinks.iter().take(3) {
                d = d.label(
                    *span,
                    format!("{what} runs once per entry, in random order"),
                );
            }
            out.push(d.help(HELP));
            continue;
        }
        if let Some(d) = collected_unsorted(cx, r, &name) {
            out.push(d);
            continue;
        }
        // A named result is used by the function's return, bare or not.
        let used = |v: u32| cx.facts.var(v).named_result || used_after(cx, r, v).is_some();
        if let Some(&(v, span)) = r.concats.iter().find(|(v, _)| used(*v)) {
            let s = &cx.facts.var(v).name;
            let d = Diagnostic::new(
                ID,
                head(cx, r.head),
                format!("range over map {name} builds string {s} in iteration order"),
            )
            .label(span, "appended in iteration order")
            .help(HELP);
            out.push(d);
        }
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
/// without sorting it first.
fn collected_unsorted(cx: &RuleContext<'_>, r: &MapRange, name: &str) -> Option<Diagnostic> {
    for &(v, append) in &r.appends {
        let Some((at, what)) = first_use(cx, r, v) else {
            continue;
        };
        if what == "returned here" && documents_unordered(cx, r) {
            continue;
        }
        let s = &cx.facts.var(v).name;
        let d = Diagnostic::new(
            ID,
            head(cx, r.head),
            format!("range over map {name} collects {s} in iteration order and uses it unsorted"),
        )
        .label(append, "collected in iteration order")
        .label(at, format!("{what} without sorting it first"))
        .help(format!(
            "sort {s} after the loop (slices.Sort({s}), sort.Strings({s})), or {HELP}"
        ));
        return Some(d);
    }
    None
}

/// The enclosing function's doc comment says its result is unordered
/// (`in unspecified order`, `in no particular order`).
fn documents_unordered(cx: &RuleContext<'_>, r: &MapRange) -> bool {
    let Some(func) = body(cx, r).and_then(|b| b.parent()) else {
        return false;
    };
    let src = cx.pkg.files[cx.file].text();
    let mut doc = String::new();
    let mut cur = func.prev_sibling();
    while let Some(c) = cur.filter(|c| c.kind() == "comment") {
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

/// The function body the range sits in.
fn body<'t>(cx: &RuleContext<'t>, r: &MapRange) -> Option<Node<'t>> {
    cx.ctx_body(r.ctx)
}

/// References to variable `v` after the loop, in order.
fn refs_after<'t>(cx: &RuleContext<'t>, r: &MapRange, v: u32) -> Vec<Node<'t>> {
    cx.refs_after(r.ctx, &cx.facts.var(v).name, r.span.end)
}

fn used_after(cx: &RuleContext<'_>, r: &MapRange, v: u32) -> Option<Span> {
    refs_after(cx, r, v).first().map(|n| Span::of(*n))
}

/// The first use of the collected slice after the loop that decides: a
/// sort (None), or an emitting use (its span and what it does). Anything
/// the rule does not understand also gives None.
fn first_use(cx: &RuleContext<'_>, r: &MapRange, v: u32) -> Option<(Span, &'static str)> {
    let src = cx.pkg.files[cx.file].text();
    let text = |n: Node<'_>| &src[n.byte_range()];
    for id in refs_after(cx, r, v) {
        let mut cur = id;
        let mut neutral = false;
        while let Some(p) = cur.parent() {
            match p.kind() {
                "call_expression" => {
                    let f = p.child_by_field_name("function").map(text).unwrap_or("");
                    if is_sort(f) {
                        return None;
                    }
                    if matches!(f, "len" | "cap") {
                        neutral = true;
                        break;
                    }
                    if is_emit(f) {
                        return Some((Span::of(p), "emitted here"));
                    }
                }
                "return_statement" => return Some((Span::of(p), "returned here")),
                "range_clause" if p.child_by_field_name("right") == Some(cur) => {
                    let f = p.parent();
                    let prints = f.is_some_and(|f| {
                        let mut found = false;
                        for_each_node(f, |n| {
                            if n.kind() == "call_expression"
                                && n.child_by_field_name("function")
                                    .is_some_and(|g| is_emit(text(g)))
                            {
                                found = true;
                            }
                        });
                        found
                    });
                    if prints {
                        return Some((Span::of(p), "written out in this order here"));
                    }
                    return None;
                }
                k if k.ends_with("_statement") || k == "block" => return None,
                _ => {}
            }
            cur = p;
        }
        if !neutral {
            return None;
        }
    }
    None
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

fn is_emit(f: &str) -> bool {
    f.starts_with("fmt.")
        || f.starts_with("log.")
        || matches!(
            f,
            "strings.Join"
                | "json.Marshal"
                | "json.MarshalIndent"
                | "xml.Marshal"
                | "io.WriteString"
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
