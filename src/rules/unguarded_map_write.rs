//! `unguarded-map-write`: a write to a map shared between goroutines with no
//! lock held. Docs: `rules/unguarded-map-write.md`.
//!
//! Three ways the model shows a map is shared: a local map captured by a
//! goroutine (started in a loop, or with the map used outside it before any
//! wait), a map field of a struct that holds a mutex guarding it, and a
//! package-level map written from a goroutine or an HTTP handler.

use super::RuleContext;
use crate::diagnostic::{Diagnostic, Span};
use crate::model::facts::{CtxKind, FileFacts, MapAccess, Target};
use crate::model::locks::Mode;
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
    for w in cx
        .facts
        .accesses
        .iter()
        .filter(|a| a.kind.is_write() && a.is_map && !deferred(a.ctx))
    {
        let d = match &w.target {
            Target::Local(_) => captured_by_goroutine(cx, w, &mut others),
            Target::Field { .. } => guarded.check(cx, w),
            Target::Global(name) => package_level(cx, w, name, &go_started),
            Target::Other => None,
        };
        out.extend(d);
    }
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
    if g.loop_depth > f.var(v).loop_depth {
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
        None => return None,
    };
    let map = text(cx, w.map_span);
    let mut d = Diagnostic::new(
        ID,
        w.span,
        format!("unguarded write to package-level map {map} {why}"),
    );
    let head = Span {
        start: start.start,
        end: start.start
            + cx.pkg.files[cx.file].text()[start.start..start.end]
                .find('\n')
                .unwrap_or(start.end - start.start),
    };
    d = d.label(head, label);
    Some(d.help(format!(
        "hold a package-level sync.Mutex around every access to {map}, or use a sync.Map where the access pattern fits"
    )))
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
            Diagnostic::new(ID, w.span, format!("unguarded write to map {name}: {lock} is not held")).help(format!(
                "lock {lock} around the write ({lock}.Lock(); defer {lock}.Unlock()), or use a sync.Map where the access pattern fits"
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
