//! `unguarded-map-write`: a write to a map shared between goroutines with no
//! lock held. Docs: `rules/unguarded-map-write.md`.
//!
//! Three ways the model shows a map is shared: a local map captured by a
//! goroutine (started in a loop, or with the map used outside it before any
//! wait), a map field of a struct that holds a mutex guarding it, and a
//! package-level map written from a goroutine or an HTTP handler.

use super::RuleContext;
use crate::diagnostic::{Diagnostic, Span};
use crate::fields::FieldExt;
use crate::model::facts::{CtxKind, FileFacts, MapAccess, Target};
use crate::model::locks::Mode;
use crate::syntax::Node;
use std::collections::HashMap;

const ID: &str = "unguarded-map-write";

pub fn check(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    let guarded = GuardedStructs;
    // Functions started with `go`, and whether some start may run twice.
    let mut go_started: HashMap<&str, bool> = HashMap::new();
    for (n, _, repeatable) in cx.all.iter().flat_map(|f| f.go_calls.iter()) {
        *go_started.entry(n.as_str()).or_default() |= *repeatable;
    }
    // Deferred mutations are `deferred-map-mutation`'s to report.
    let deferred = |ctx: usize| cx.facts.chain(ctx).any(|c| c.kind == CtxKind::Defer);
    let mut others = HashMap::new();
    // Functions called from goroutine literals run on those goroutines
    // too (`go func() { out[i] = fib(n) }()` in a loop): one level. Only
    // package-level maps use it.
    let writes_globals = cx
        .facts
        .accesses
        .iter()
        .any(|a| a.kind.is_write() && matches!(a.target, Target::Global(_)));
    for (fi, ff) in cx.all.iter().enumerate().filter(|_| writes_globals) {
        for c in ff
            .ctxs
            .iter()
            .filter(|c| matches!(c.kind, CtxKind::Go | CtxKind::GoLike))
        {
            for name in called_functions(cx, fi, c.span) {
                *go_started.entry(name).or_default() |= c.in_loop;
            }
        }
    }
    for w in cx
        .facts
        .accesses
        .iter()
        .filter(|a| a.kind.is_write() && a.is_map && !deferred(a.ctx))
        // Held through a sync.Cond's locker (`q.cond.L.Lock()`): the
        // mutex given to sync.NewCond, whichever it is.
        .filter(|a| !a.locks.must.keys().any(|k| k.ends_with(".L")))
    {
        let d = match &w.target {
            Target::Local(_) => captured_by_goroutine(cx, w, &mut others)
                .or_else(|| param_of_pooled_worker(cx, w))
                .or_else(|| written_while_goroutine_uses(cx, w)),
            Target::Field { .. } => guarded.check(cx, w).or_else(|| handler_field(cx, w)),
            Target::Global(name) => package_level(cx, w, name, &go_started),
            Target::Other => None,
        };
        out.extend(d);
    }
}

/// The package functions called by name in the function literal spanning
/// `span` of file `fi`.
fn called_functions<'a>(cx: &RuleContext<'a>, fi: usize, span: Span) -> Vec<&'a str> {
    let file = &cx.pkg.files[fi];
    let src = file.text();
    let Some(lit) = file
        .tree
        .root_node()
        .descendant_for_byte_range(span.start, span.end)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    crate::model::for_each_named(lit, |n| {
        if n.kind_name() == "call_expression"
            && let Some(f) = n.field("function")
            && f.kind_name() == "identifier"
        {
            let name = &src[f.byte_range()];
            if cx
                .pkg
                .funcs
                .iter()
                .any(|d| d.receiver.is_none() && d.name == name)
            {
                out.push(name);
            }
        }
    });
    out
}

fn text<'a>(cx: &'a RuleContext<'_>, span: Span) -> &'a str {
    cx.text(span)
}

const HELP_LOCAL: &str = "guard the map with a sync.Mutex held around every access, give each goroutine its own map and merge them after wg.Wait(), or use a sync.Map where the access pattern fits";

/// Shape 1: a local map written inside a goroutine that captures it.
/// `others` keeps, per (variable, goroutine context), the access found
/// outside the goroutine: every write inside it asks the same question.
fn captured_by_goroutine(
    cx: &RuleContext<'_>,
    w: &MapAccess,
    others: &mut HashMap<(u32, usize), Option<usize>>,
) -> Option<Diagnostic> {
    let Target::Local(v) = w.target else {
        return None;
    };
    let f = cx.facts;
    if !w.locks.unlocked_on_some_path() {
        return None;
    }
    let decl_ctx = f.var(v).ctx;
    let g_id = f.concurrent_within_id(w.ctx, decl_ctx)?;
    let g = &f.ctxs[g_id];
    // Handlers are the package-level shape's evidence; a local map captured
    // by a handler literal runs as often as requests come, which the code
    // around it (tests sending one request at a time) may serialise.
    if g.kind == CtxKind::Handler {
        return None;
    }
    let name = text(cx, w.map_span);
    let mut d = Diagnostic::new(
        ID,
        w.span,
        format!("unguarded write to map {name} shared with a goroutine"),
    );
    // A binary semaphore (`sem <- x` ... `<-sem` on a channel made with
    // capacity 1) held around the write works as a lock.
    if semaphore_held(cx, w.span) {
        return None;
    }
    if g.loop_depth > f.var(v).loop_depth && !waited_in_iteration(cx, g.start) {
        d = d.label(g.start, format!("{name} is captured by this goroutine, started in a loop: every iteration's goroutine writes it"));
        return Some(d.help(HELP_LOCAL));
    }
    // Another access to the same map that can run at the same time. `w`
    // runs in `g` (its context or one enclosing it), so it is never the one
    // found: the answer is the same for every write in `g`.
    let other = (*others.entry((v, g_id)).or_insert_with(|| {
        f.accesses.iter().position(|a| {
            a.target == w.target
                && !within(f, a.ctx, g_id)
                && (f.concurrent_within(a.ctx, decl_ctx).is_some()
                    || (a.span.start > g.start.end
                        && !synced_between(f, decl_ctx, g.start.end, a.span.start)))
        })
    }))
    .map(|i| &f.accesses[i])?;
    d = d
        .label(g.start, format!("{name} is captured by this goroutine"))
        .label(
            other.span,
            "also accessed here while the goroutine may be running",
        );
    Some(d.help(HELP_LOCAL))
}

/// The statement holding `n` directly in a statement list, with the list.
fn statement_of(n: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let mut cur = n;
    loop {
        let p = cur.parent()?;
        if matches!(p.kind_name(), "statement_list" | "block") {
            return Some((cur, p));
        }
        if matches!(
            p.kind_name(),
            "func_literal" | "function_declaration" | "method_declaration"
        ) {
            return None;
        }
        cur = p;
    }
}

/// A receive from a channel as a whole statement: `<-ch`, `v := <-ch`,
/// `v, ok = <-ch`. Returns the channel's text.
fn received<'a>(cx: &RuleContext<'a>, stmt: Node<'a>) -> Option<&'a str> {
    let e = match stmt.kind_name() {
        "expression_statement" => stmt.named_child(0)?,
        "short_var_declaration" | "assignment_statement" => {
            let r = stmt.field("right")?;
            if r.named_child_count() != 1 {
                return None;
            }
            r.named_child(0)?
        }
        _ => return None,
    };
    if e.kind_name() != "unary_expression" || !cx.text(Span::of(e)).starts_with("<-") {
        return None;
    }
    Some(cx.text(Span::of(e.field("operand")?)).trim())
}

/// The write at `span` sits between `sem <- x` and `<-sem` (or a deferred
/// receive) in one block, and `sem` is made with capacity 1.
fn semaphore_held(cx: &RuleContext<'_>, span: Span) -> bool {
    let Some((stmt, list)) = cx.node_at(span).and_then(statement_of) else {
        return false;
    };
    let stmts: Vec<Node<'_>> = crate::model::named_children(list).collect();
    let Some(i) = stmts.iter().position(|s| *s == stmt) else {
        return false;
    };
    let Some(sem) = stmts[..i].iter().rev().find_map(|s| {
        (s.kind_name() == "send_statement")
            .then(|| s.field("channel"))
            .flatten()
            .map(|c| cx.text(Span::of(c)))
    }) else {
        return false;
    };
    let released = stmts[i + 1..].iter().any(|s| received(cx, *s) == Some(sem))
        || stmts[..i].iter().any(|s| {
            s.kind_name() == "defer_statement"
                && cx.text(Span::of(*s)).contains(&format!("<-{sem}"))
        });
    released && made_with_capacity_one(cx.pkg.files[cx.file].text(), sem)
}

/// `name := make(chan T, 1)` (or `=`) somewhere in the file.
fn made_with_capacity_one(src: &str, name: &str) -> bool {
    [
        format!("{name} := make(chan "),
        format!("{name} = make(chan "),
    ]
    .iter()
    .any(|needle| {
        src.match_indices(needle.as_str()).any(|(at, _)| {
            let rest = &src[at + needle.len()..];
            rest.find(')')
                .is_some_and(|end| rest[..end].replace(' ', "").ends_with(",1"))
        })
    })
}

/// The goroutine started at `start`, in a loop, is waited for in the same
/// iteration: a later statement of the loop body (at its top level)
/// receives from a channel or calls `Wait()`, so the goroutines of two
/// iterations never overlap.
fn waited_in_iteration(cx: &RuleContext<'_>, start: Span) -> bool {
    let Some((stmt, list)) = cx.node_at(start).and_then(statement_of) else {
        return false;
    };
    // The list must be a loop's body.
    let body = if list.kind_name() == "block" {
        list
    } else {
        match list.parent() {
            Some(b) => b,
            None => return false,
        }
    };
    if body
        .parent()
        .is_none_or(|f| f.kind_name() != "for_statement")
    {
        return false;
    }
    let stmts: Vec<Node<'_>> = crate::model::named_children(list).collect();
    let Some(i) = stmts.iter().position(|s| *s == stmt) else {
        return false;
    };
    stmts[i + 1..].iter().any(|s| {
        received(cx, *s).is_some()
            || (s.kind_name() == "expression_statement"
                && cx.text(Span::of(*s)).trim_end().ends_with(".Wait()"))
    })
}

/// Shape 1c: a local map written by its own function after starting a
/// goroutine that uses it (reads included), before any wait: `go func() {
/// for { _ = cfg["mode"] } }(); cfg["mode"] = "fast"`.
fn written_while_goroutine_uses(cx: &RuleContext<'_>, w: &MapAccess) -> Option<Diagnostic> {
    let Target::Local(v) = w.target else {
        return None;
    };
    let f = cx.facts;
    let decl_ctx = f.var(v).ctx;
    if w.locks.unknown
        || !w.locks.must.is_empty()
        || w.event_loop
        || f.concurrent_within(w.ctx, decl_ctx).is_some()
    {
        return None;
    }
    let (a, g) = f.accesses.iter().find_map(|a| {
        // A goroutine that writes the map is reported at its own write
        // (shape 1), with this write as the other access.
        if a.target != w.target || a.kind.is_write() || !a.locks.must.is_empty() || a.locks.unknown
        {
            return None;
        }
        let g_id = f.concurrent_within_id(a.ctx, decl_ctx)?;
        let g = &f.ctxs[g_id];
        // The goroutine waits (a receive, `Wait()`) before its access: a
        // hand-over after the write, most likely.
        let waits_first = f
            .sync_points
            .iter()
            .any(|&(c, at)| within(f, c, g_id) && at < a.span.start);
        (matches!(g.kind, CtxKind::Go | CtxKind::GoLike)
            && !waits_first
            && g.start.end < w.span.start
            && !synced_between(f, decl_ctx, g.start.end, w.span.start))
        .then_some((a, g))
    })?;
    let name = text(cx, w.map_span);
    let how = "reads";
    Some(
        Diagnostic::new(
            ID,
            w.span,
            format!("unguarded write to map {name} shared with a goroutine"),
        )
        .label(
            first_line(cx, g.start),
            format!("this goroutine {how} {name}, and may still be running"),
        )
        .label(a.span, format!("{how} {name} here"))
        .help(HELP_LOCAL),
    )
}

/// The first line of `span`.
fn first_line(cx: &RuleContext<'_>, span: Span) -> Span {
    let text = cx.text(span);
    Span {
        start: span.start,
        end: span.start + text.find('\n').unwrap_or(text.len()),
    }
}

/// Is `ctx` `outer` or nested in it?
fn within(f: &FileFacts, ctx: usize, outer: usize) -> bool {
    let mut cur = Some(ctx);
    while let Some(c) = cur {
        if c == outer {
            return true;
        }
        cur = f.ctxs[c].parent;
    }
    false
}

/// A wait (`wg.Wait()`, a channel receive, `select`) in the function of
/// `ctx` between two offsets.
fn synced_between(f: &FileFacts, ctx: usize, from: usize, to: usize) -> bool {
    f.sync_points.iter().any(|&(c, at)| {
        at > from
            && at < to
            && (c == ctx || within(f, c, ctx) && f.concurrent_within(c, ctx).is_none())
    })
}

/// Shape 3: a package-level map written from code that runs concurrently.
fn package_level(
    cx: &RuleContext<'_>,
    w: &MapAccess,
    name: &str,
    go_started: &HashMap<&str, bool>,
) -> Option<Diagnostic> {
    if !w.locks.unlocked_on_some_path() {
        return None;
    }
    let f = cx.facts;
    let func = f.func_of(w.ctx);
    if matches!(func.name.as_deref(), Some("init"))
        && f.concurrent_within(w.ctx, usize::MAX).is_none()
    {
        return None;
    }
    let (why, start, label): (&str, Span, &str) = match f.concurrent_within(w.ctx, usize::MAX) {
        Some(c) if c.kind == CtxKind::Handler => (
            "from an HTTP handler",
            c.start,
            "handlers serve requests concurrently",
        ),
        Some(c) => {
            // One goroutine writing a map nobody else touches is not a race;
            // but a function that starts a goroutine may itself run again.
            let once = !c.in_loop && matches!(func.name.as_deref(), Some("main" | "init"));
            let shared = !once || accessed_elsewhere(cx, w, name);
            if !shared {
                return None;
            }
            ("from a goroutine", c.start, "runs in this goroutine")
        }
        None if func.handler => (
            "from an HTTP handler",
            func.start,
            "handlers serve requests concurrently",
        ),
        None if func
            .name
            .as_deref()
            .is_some_and(|n| go_started.contains_key(n) && n != "main") =>
        {
            let repeatable = func
                .name
                .as_deref()
                .and_then(|n| go_started.get(n))
                .copied()
                .unwrap_or(false);
            if !repeatable && !accessed_elsewhere(cx, w, name) {
                return None;
            }
            (
                "from a goroutine",
                func.start,
                "this function is started with `go`",
            )
        }
        // The function itself reads or writes the map under a lock, then
        // writes it without: it expects other goroutines to be there
        // (a check under the lock, then an update after unlocking).
        None => match f.accesses.iter().find(|a| {
            matches!(&a.target, Target::Global(n) if n == name)
                && !a.locks.must.is_empty()
                && a.span.start < w.span.start
                && std::ptr::eq(f.func_of(a.ctx), func)
                && f.concurrent_within(a.ctx, usize::MAX).is_none()
        }) {
            Some(a) if w.locks.must.is_empty() && !w.locks.unknown => {
                let lock = a.locks.must.keys().next().cloned().unwrap_or_default();
                let map = text(cx, w.map_span);
                return Some(
                    Diagnostic::new(
                        ID,
                        w.span,
                        format!("unguarded write to package-level map {map}: {lock} is not held"),
                    )
                    .label(a.span, format!("accessed under {lock} here"))
                    .help(format!(
                        "hold {lock} from the check to the write ({lock}.Lock(); defer {lock}.Unlock()): another goroutine can change {map} in between"
                    )),
                );
            }
            _ => return None,
        },
    };
    let map = text(cx, w.map_span);
    let mut d = Diagnostic::new(
        ID,
        w.span,
        format!("unguarded write to package-level map {map} {why}"),
    );
    let head = first_line(cx, start);
    d = d.label(head, label);
    Some(d.help(format!(
        "hold a package-level sync.Mutex around every access to {map}, or use a sync.Map where the access pattern fits"
    )))
}

/// Shape 2b: a map field of a struct with no mutex at all, written through
/// the receiver of an HTTP handler method (`func (a *App) login(w
/// http.ResponseWriter, r *http.Request)`, `ServeHTTP`), or of a handler
/// literal inside a method: one value serves every request, concurrently.
fn handler_field(cx: &RuleContext<'_>, w: &MapAccess) -> Option<Diagnostic> {
    let Target::Field {
        base,
        base_root,
        type_name,
        ..
    } = &w.target
    else {
        return None;
    };
    let f = cx.facts;
    if w.owned
        || w.event_loop
        || w.locks.unknown
        || !w.locks.may.is_empty()
        || cx.pkg.files[cx.file].source.display.ends_with("_test.go")
        || !cx.pkg.mutex_fields(type_name).is_empty()
    {
        return None;
    }
    let func = f.func_of(w.ctx);
    if func.type_name.as_deref() != Some(type_name.as_str())
        || func.receiver.is_none()
        || *base_root != func.receiver
        || base.contains('.')
    {
        return None;
    }
    let start = match f.concurrent_within(w.ctx, usize::MAX) {
        Some(c) if c.kind == CtxKind::Handler => c.start,
        None if func.handler => func.start,
        _ => return None,
    };
    // A handler method some caller runs under a lock (a wrapping handler
    // that serialises requests) is guarded there.
    let method = func.name.as_deref().unwrap_or("");
    // A method only shaped like a handler: registered as a method value
    // (`mux.HandleFunc("/", a.login)`, `http.HandlerFunc(a.login)`), or
    // `ServeHTTP`. Called directly, it may get a fresh value per request.
    if method != "ServeHTTP" && f.concurrent_within(w.ctx, usize::MAX).is_none() {
        let needle = format!(".{method}");
        let registered = cx.pkg.files.iter().any(|file| {
            let src = file.text();
            src.match_indices(&needle).any(|(at, _)| {
                let rest = src[at + needle.len()..].trim_start();
                rest.starts_with(')') || rest.starts_with(',')
            })
        });
        if !registered {
            return None;
        }
    }
    if cx
        .all
        .iter()
        .flat_map(|f| f.calls.iter())
        .any(|c| c.name == method && !c.locks.may.is_empty())
    {
        return None;
    }
    let name = text(cx, w.map_span);
    let head = first_line(cx, start);
    Some(
        Diagnostic::new(
            ID,
            w.span,
            format!("unguarded write to map {name} from an HTTP handler"),
        )
        .label(head, format!("handlers serve requests concurrently, and they share {base}"))
        .help(format!(
            "add a sync.Mutex to {type_name} and hold it around every access to {name}, or use a sync.Map where the access pattern fits"
        )),
    )
}

/// Shape 1b: a map parameter of a function started with `go f(..., m,
/// ...)` in a loop, every goroutine given the same map, and written in the
/// function with no lock at all.
fn param_of_pooled_worker(cx: &RuleContext<'_>, w: &MapAccess) -> Option<Diagnostic> {
    let Target::Local(v) = w.target else {
        return None;
    };
    let f = cx.facts;
    let var = f.var(v);
    if !var.param
        || w.owned
        || w.event_loop
        || w.locks.unknown
        || !w.locks.may.is_empty()
        || f.concurrent_within(w.ctx, usize::MAX).is_some()
    {
        return None;
    }
    let func = f.func_of(w.ctx);
    if var.ctx != f.ctxs.iter().position(|c| std::ptr::eq(c, func))? || func.receiver.is_some() {
        return None;
    }
    let fname = func.name.as_deref()?;
    // The parameter's position.
    let decl = cx.node_at(func.span)?;
    let names = crate::model::param_names(decl.field("parameters")?, cx.pkg.files[cx.file].text())?;
    let index = names.iter().position(|n| *n == var.name)?;
    // A `go fname(...)` in a loop passing one map, declared outside it.
    for (fi, ff) in cx.all.iter().enumerate() {
        let file = &cx.pkg.files[fi];
        let src = file.text();
        for (name, span, _) in &ff.go_calls {
            if name != fname {
                continue;
            }
            let root = file.tree.root_node();
            let Some(go) = root
                .descendant_for_byte_range(span.start, span.end)
                .filter(|n| n.kind_name() == "go_statement")
            else {
                continue;
            };
            let Some(call) = go
                .named_child(0)
                .filter(|c| c.kind_name() == "call_expression")
            else {
                continue;
            };
            if call.field("function").map(|f| &src[f.byte_range()]) != Some(fname) {
                continue;
            }
            let Some(arg) = call
                .field("arguments")
                .and_then(|a| crate::model::named_children(a).nth(index))
                .filter(|a| a.kind_name() == "identifier")
            else {
                continue;
            };
            let arg = &src[arg.byte_range()];
            // The innermost loop around the `go`, within its function.
            let mut lp = None;
            let mut cur = go.parent();
            while let Some(c) = cur {
                match c.kind_name() {
                    "for_statement" => {
                        lp = Some(c);
                        break;
                    }
                    "func_literal" | "function_declaration" | "method_declaration" => break,
                    _ => cur = c.parent(),
                }
            }
            let Some(lp) = lp else { continue };
            let loop_text = &src[lp.byte_range()];
            // `arg :=`, `x, arg :=`, `var arg`: one map per iteration.
            let declared_inside = loop_text.match_indices(arg).any(|(at, _)| {
                let before = loop_text[..at].trim_end();
                let after = loop_text[at + arg.len()..].trim_start();
                let word = !loop_text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                    && !loop_text[at + arg.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_');
                word && (after.starts_with(":=")
                    || before.ends_with("var")
                    || (after.starts_with(',') && {
                        let rest = &after[1..];
                        rest.find(":=").is_some_and(|i| {
                            rest[..i]
                                .chars()
                                .all(|c| c.is_alphanumeric() || c == '_' || c == ',' || c == ' ')
                        })
                    }))
            });
            if declared_inside {
                continue;
            }
            let shown = if fi == cx.file {
                String::new()
            } else {
                let p = file.source.position(span.start);
                format!(" (at {}:{})", file.source.display, p.line)
            };
            let map = text(cx, w.map_span);
            let mut d = Diagnostic::new(
                ID,
                w.span,
                format!("unguarded write to map {map} shared with a goroutine"),
            )
            .help(format!(
                "every goroutine started by `go {fname}(...)` in a loop{shown} gets the same map {arg}: guard it with a sync.Mutex held around every access, or give each goroutine its own map and merge them after they finish"
            ));
            if fi == cx.file {
                d = d.label(
                    Span::of(go),
                    format!("started in a loop, every goroutine with the same map {arg}"),
                );
            }
            return Some(d);
        }
    }
    None
}

/// The package-level map is accessed somewhere outside the write's own
/// function context.
fn accessed_elsewhere(cx: &RuleContext<'_>, w: &MapAccess, name: &str) -> bool {
    cx.all.iter().enumerate().any(|(fi, f)| {
        f.accesses.iter().any(|a| {
            matches!(&a.target, Target::Global(n) if n == name)
                && !(fi == cx.file && (std::ptr::eq(a, w) || same_goroutine(f, a.ctx, w.ctx)))
        })
    })
}

/// Two contexts of one file run on the same goroutine instance.
fn same_goroutine(f: &FileFacts, a: usize, b: usize) -> bool {
    let root = |c: usize| -> usize {
        let mut cur = c;
        loop {
            let ctx = &f.ctxs[cur];
            if matches!(ctx.kind, CtxKind::Go | CtxKind::GoLike | CtxKind::Handler) {
                return cur;
            }
            match ctx.parent {
                Some(p) => cur = p,
                None => return cur,
            }
        }
    };
    root(a) == root(b)
}

/// Shape 2: a map field of a struct whose mutex guards it, written through
/// the receiver of one of its methods.
struct GuardedStructs;

impl GuardedStructs {
    fn check(&self, cx: &RuleContext<'_>, w: &MapAccess) -> Option<Diagnostic> {
        let Target::Field {
            base,
            base_root,
            type_name,
            field,
        } = &w.target
        else {
            return None;
        };
        let f = cx.facts;
        if w.owned || w.event_loop || w.locks.unknown {
            return None;
        }
        let conc = cx.conc;
        let mus = conc.guards(cx.pkg, type_name, field);
        if mus.is_empty() {
            return None;
        }
        // Only writes through the receiver of one of the type's methods.
        let func = f.func_of(w.ctx);
        if func.type_name.as_deref() != Some(type_name)
            || func.receiver.is_none()
            || *base_root != func.receiver
            || base.contains('.')
        {
            return None;
        }
        let in_goroutine = f.concurrent_within(w.ctx, usize::MAX).is_some();
        if !in_goroutine {
            let method = func.name.clone().unwrap_or_default();
            if func.caller_holds_lock || conc.entered_locked.contains(&(type_name.clone(), method))
            {
                return None;
            }
        }
        // The struct's own mutex must be held on every path to the write.
        let keys: Vec<String> = mus.iter().map(|mu| format!("{base}.{mu}")).collect();
        let held: Vec<Mode> = keys
            .iter()
            .filter_map(|k| w.locks.must.get(k).copied())
            .collect();
        if held.contains(&Mode::Write) {
            return None;
        }
        let evidence = conc.guard_evidence.get(&(type_name.clone(), field.clone()));
        let name = text(cx, w.map_span);
        // Name the mutex the map is used under elsewhere, when known.
        let lock = evidence
            .and_then(|(_, _, by)| by.rsplit_once('.'))
            .and_then(|(_, mu)| keys.iter().find(|k| k.ends_with(&format!(".{mu}"))))
            .unwrap_or(&keys[0]);
        let mut d = if !held.is_empty() {
            let rlocked = keys
                .iter()
                .find(|k| w.locks.must.get(*k) == Some(&Mode::Read))
                .unwrap_or(lock);
            Diagnostic::new(ID, w.span, format!("write to map {name} while holding only the read lock {rlocked}"))
                .help(format!("a read lock lets other readers in at the same time: take {rlocked}.Lock() for writes"))
        } else {
            // An embedded mutex is locked through the struct: `c.Lock()`.
            let call = match lock.rsplit_once('.') {
                Some((base, "Mutex" | "RWMutex")) => base.to_string(),
                _ => lock.clone(),
            };
            // A goroutine started under the lock does not hold it.
            let where_ = if in_goroutine {
                " in this goroutine"
            } else {
                ""
            };
            Diagnostic::new(ID, w.span, format!("unguarded write to map {name}: {lock} is not held{where_}")).help(format!(
                "lock {lock} around the write ({call}.Lock(); defer {call}.Unlock()), or use a sync.Map where the access pattern fits{}",
                if in_goroutine { "; a lock taken by the code that starts a goroutine is not held by the goroutine" } else { "" }
            ))
        };
        match evidence {
            Some((fi, span, by)) if *fi == cx.file => {
                d = d.label(*span, format!("guarded by {by} here"))
            }
            Some((fi, span, by)) => {
                let src = &cx.pkg.files[*fi].source;
                let p = src.position(span.start);
                let help = d.help.take().unwrap_or_default();
                d = d.help(format!(
                    "{help} ({name} is accessed under {by} at {}:{})",
                    src.display, p.line
                ));
            }
            None => {}
        }
        Some(d)
    }
}
