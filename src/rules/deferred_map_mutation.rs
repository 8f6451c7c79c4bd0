//! `deferred-map-mutation`: `delete`, `clear` or reassignment of a map in a
//! deferred call, where running at return is wrong: the caller already holds
//! the returned map, the map is shared and the lock is gone, the defer sits
//! in a loop, or the reassignment is a dead store.
//! Docs: `rules/deferred-map-mutation.md`.

use super::RuleContext;
use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::model::facts::{AccessKind, CtxKind, FileFacts, MapAccess, Target};

const ID: &str = "deferred-map-mutation";

pub fn check(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    let f = cx.facts;
    for a in &f.accesses {
        if !matches!(
            a.kind,
            AccessKind::Delete | AccessKind::Clear | AccessKind::Reassign
        ) {
            continue;
        }
        let defer = &f.ctxs[a.ctx];
        if defer.kind != CtxKind::Defer {
            continue;
        }
        let Some(func) = defer.parent else { continue };
        let op = match a.kind {
            AccessKind::Delete => "delete",
            AccessKind::Clear => "clear",
            _ => "reassignment",
        };
        let name = cx.text(a.map_span).to_string();
        let deferred_here = |d: Diagnostic| {
            d.label(
                head(cx, defer.start),
                "deferred here: runs when the function returns",
            )
        };
        if a.kind != AccessKind::Reassign {
            if let Some(ret) = returned(f, a, func) {
                let d = Diagnostic::new(ID, a.span, format!("deferred {op} on returned map {name} runs after the return"))
                    .help(format!(
                        "{op} before returning, or return a copy (maps.Clone) if the caller must not see the change"
                    ));
                let d = match ret {
                    Some(r) => d.label(r, "the function returns this map"),
                    None => d,
                };
                out.push(deferred_here(d));
                continue;
            }
            if a.locks.unlocked_on_some_path()
                && let Some(evidence) = shared(cx, a, func)
            {
                let mut d = Diagnostic::new(ID, a.span, format!("deferred {op} on shared map {name} without holding its lock"))
                    .help("take the lock inside the deferred function (defer func() { mu.Lock(); delete(m, k); mu.Unlock() }()), or register the defer after mu.Lock(); defer mu.Unlock() so it runs before the unlock");
                if let Some((span, why)) = evidence {
                    d = d.label(span, why);
                }
                out.push(deferred_here(d));
                continue;
            }
            if defer.in_loop {
                let d = Diagnostic::new(
                    ID,
                    a.span,
                    format!("deferred {op} on map {name} inside a loop runs only when the function returns"),
                )
                .help(format!(
                    "{op} at the end of each iteration instead, or move the loop body into a function so the defer runs per iteration"
                ));
                out.push(d.label(head(cx, defer.start), "deferred inside a loop"));
                continue;
            }
        } else if let Some(d) = dead_store(cx, a, func, &name) {
            out.push(deferred_here(d));
        }
    }
}

/// The first line of a span, for labels on multi-line statements.
fn head(cx: &RuleContext<'_>, span: Span) -> Span {
    let text = cx.text(span);
    Span {
        start: span.start,
        end: span.start + text.find('\n').unwrap_or(text.len()),
    }
}

/// The map is the function's result: a named result, or a local the
/// function returns. Gives the return statement's span when known.
fn returned(f: &FileFacts, a: &MapAccess, func: usize) -> Option<Option<Span>> {
    let Target::Local(v) = a.target else {
        return None;
    };
    let var = f.var(v);
    if var.ctx != func {
        return None;
    }
    if var.named_result {
        return Some(Some(var.span));
    }
    f.returns
        .iter()
        .any(|&(c, r)| c == func && r == v)
        .then_some(None)
}

/// Evidence that other goroutines use the map: a package-level map used
/// under a lock or from concurrent code, a map field of a mutex-holding
/// struct reached through the receiver or a parameter, a local captured by
/// a goroutine this function starts.
#[allow(clippy::option_option)]
fn shared(cx: &RuleContext<'_>, a: &MapAccess, func: usize) -> Option<Option<(Span, String)>> {
    let f = cx.facts;
    match &a.target {
        Target::Global(name) => {
            for (fi, ff) in cx.all.iter().enumerate() {
                for o in &ff.accesses {
                    if !matches!(&o.target, Target::Global(n) if n == name) || std::ptr::eq(o, a) {
                        continue;
                    }
                    let locked = !o.locks.must.is_empty();
                    let concurrent = ff.concurrent_within(o.ctx, usize::MAX).is_some();
                    if locked || concurrent {
                        let why = if locked {
                            format!("{name} is used under a lock here")
                        } else {
                            format!("{name} is used from another goroutine here")
                        };
                        return Some((fi == cx.file).then_some((o.span, why)));
                    }
                }
            }
            None
        }
        Target::Field {
            base_root,
            type_name,
            field,
            ..
        } => {
            let root = (*base_root)?;
            let var = f.var(root);
            if var.ctx != func || !var.param || cx.conc.guards(cx.pkg, type_name, field).is_empty()
            {
                return None;
            }
            // A method its callers enter with the lock held: the deferred
            // call runs before the caller's unlock.
            let decl = f.func_of(func);
            if decl.caller_holds_lock
                || decl
                    .type_name
                    .clone()
                    .zip(decl.name.clone())
                    .is_some_and(|k| cx.conc.entered_locked.contains(&k))
            {
                return None;
            }
            let evidence = cx
                .conc
                .guard_evidence
                .get(&(type_name.clone(), field.clone()));
            Some(match evidence {
                Some((fi, span, lock)) if *fi == cx.file && *span != a.span => {
                    Some((*span, format!("guarded by {lock} here")))
                }
                _ => Some((
                    var.span,
                    format!("a {type_name}, whose mutex guards this map"),
                )),
            })
        }
        Target::Local(v) => {
            let g = f.captures.iter().find_map(|&(c, id, at)| {
                (id == *v && f.concurrent_within(c, func).is_some()).then_some(at)
            })?;
            let go = f
                .ctxs
                .iter()
                .find(|c| {
                    matches!(c.kind, CtxKind::Go | CtxKind::GoLike)
                        && c.span.start <= g
                        && g < c.span.end
                })
                .map(|c| c.start);
            Some(go.map(|s| (head(cx, s), "shared with this goroutine".to_string())))
        }
        Target::Other => None,
    }
}

/// A deferred reassignment of a local map that nothing reads afterwards.
fn dead_store(cx: &RuleContext<'_>, a: &MapAccess, func: usize, name: &str) -> Option<Diagnostic> {
    let f = cx.facts;
    let Target::Local(v) = a.target else {
        return None;
    };
    if !a.is_map {
        return None;
    }
    let var = f.var(v);
    if var.ctx != func || var.named_result || f.addr_taken.contains(&v) {
        return None;
    }
    // Someone else may read the variable after the deferred call: another
    // closure (a later-running defer, a returned function, a goroutine), or
    // this deferred function after the assignment.
    let defer_start = f.ctxs[a.ctx].start.start;
    let observed = f.captures.iter().any(|&(c, id, at)| {
        if id != v {
            return false;
        }
        if c == a.ctx {
            return at >= a.span.end;
        }
        if inside(f, c, a.ctx) {
            return false;
        }
        // Deferred calls registered later run earlier (last in, first out).
        let runs_before = f
            .chain(c)
            .find(|x| x.parent == Some(func))
            .is_some_and(|x| x.kind == CtxKind::Defer && x.start.start > defer_start);
        !runs_before
    });
    if observed {
        return None;
    }
    let d = Diagnostic::new(ID, a.span, format!("deferred reassignment of local map {name} is a dead store"))
        .help("the function has returned when this runs and nothing reads the variable again: remove the assignment (to release the map, let it go out of scope)");
    // `defer func() { m = nil }()` with nothing else in it: the whole
    // `defer` goes.
    let ctx = &f.ctxs[a.ctx];
    let lit = cx.text(ctx.span);
    let only_statement = ctx.kind == CtxKind::Defer
        && lit
            .strip_prefix("func()")
            .map(str::trim_start)
            .and_then(|b| b.strip_prefix('{'))
            .and_then(|b| b.strip_suffix('}'))
            .is_some_and(|b| b.trim() == cx.text(a.span).trim());
    let (span, what) = if only_statement {
        (
            whole_line(cx, ctx.start),
            "remove the deferred dead assignment",
        )
    } else {
        (whole_line(cx, a.span), "remove the dead assignment")
    };
    Some(d.fix(
        what,
        vec![Edit {
            span,
            replacement: String::new(),
        }],
    ))
}

fn inside(f: &FileFacts, ctx: usize, outer: usize) -> bool {
    f.chain(ctx).any(|c| std::ptr::eq(c, &f.ctxs[outer]))
}

/// The span extended to its whole line when nothing else is on that line.
fn whole_line(cx: &RuleContext<'_>, span: Span) -> Span {
    let text = cx.pkg.files[cx.file].text();
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i + 1);
    let before = &text[start..span.start];
    let after = text[span.end..end].trim_end_matches(['\n', '\r']);
    if before.trim().is_empty() && (after.trim().is_empty()) {
        Span { start, end }
    } else {
        span
    }
}
