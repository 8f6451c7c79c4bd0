//! What the per-function analysis records for the rules: variables, the
//! function contexts code runs in (a function, a goroutine, a deferred call,
//! an HTTP handler), every access to a map with the locks held there, and
//! method calls with theirs.

use super::Ty;
use super::locks::Locks;
use super::mapstate::MapVal;
use crate::diagnostic::Span;

pub type VarId = u32;
pub type CtxId = usize;

#[derive(Debug, Clone)]
pub struct VarInfo {
    pub name: String,
    /// The identifier declaring it.
    pub span: Span,
    pub ty: Option<Ty>,
    pub named_result: bool,
    /// A parameter or receiver.
    pub param: bool,
    /// The context that declares it.
    pub ctx: CtxId,
    /// Loops around the declaration (counting enclosing functions' loops).
    pub loop_depth: usize,
    /// The variable holds a copy of a struct value made at its declaration.
    pub copy_of: Option<CopySource>,
}

/// Where a struct-valued variable's copy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopySource {
    /// The value variable of a `range` over a slice, array or map of
    /// structs: the container expression, and whether it is a map.
    Range(Span, bool),
    /// `v := m[k]` or `v := s[i]`: the index expression.
    Index(Span),
    /// `b := a` of another variable.
    Var(VarId),
    /// `b := *p`.
    Deref(VarId),
    /// `b := g` of a package-level variable: the `g` copied.
    Global(Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtxKind {
    /// A function or method declaration, or a package-level function literal.
    Func,
    /// The function literal of a `go` statement.
    Go,
    /// A function literal run on another goroutine by a library: the argument
    /// of `g.Go(...)` (errgroup, `sync.WaitGroup.Go`), `time.AfterFunc`, or
    /// a `t.Run` subtest that calls `t.Parallel()`.
    GoLike,
    /// A `defer` statement (its function literal, or the deferred builtin).
    Defer,
    /// A function literal serving HTTP requests.
    Handler,
    /// Any other function literal.
    Closure,
}

#[derive(Debug, Clone)]
pub struct FnCtx {
    pub kind: CtxKind,
    pub parent: Option<CtxId>,
    /// The function or literal.
    pub span: Span,
    /// The statement or call that starts it (`go ...`, `defer ...`, `g.Go(...)`).
    pub start: Span,
    /// Go/GoLike: started inside a loop (of any enclosing function). Defer:
    /// registered inside a loop of its own function.
    pub in_loop: bool,
    /// Loops around the start (counting enclosing functions' loops): a
    /// goroutine shares a variable across iterations when it is started in
    /// more loops than the variable is declared in.
    pub loop_depth: usize,
    /// Func: its name; the receiver type's name for a method.
    pub name: Option<String>,
    pub receiver: Option<VarId>,
    pub type_name: Option<String>,
    /// Func: an HTTP handler (`(http.ResponseWriter, *http.Request)`
    /// parameters, or a method named `ServeHTTP`).
    pub handler: bool,
    /// Func: its name ends in `Locked` or its doc comment says the caller
    /// holds the lock.
    pub caller_holds_lock: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKind {
    /// `m[k] = v`, `m[k] op= v`, `m[k]++`, `m[k]--`.
    IndexWrite,
    Delete,
    Clear,
    /// `m = ...` (the map variable or field itself).
    Reassign,
    Read,
}

impl AccessKind {
    pub fn is_write(self) -> bool {
        matches!(
            self,
            AccessKind::IndexWrite | AccessKind::Delete | AccessKind::Clear
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Local(VarId),
    /// A package-level variable (not shadowed at the access).
    Global(String),
    /// A field of a struct declared in this package.
    Field {
        /// Source text of the struct expression, normalised (`c`, `s.cache`).
        base: String,
        /// The local variable the base expression is rooted at.
        base_root: Option<VarId>,
        type_name: String,
        field: String,
    },
    Other,
}

#[derive(Debug, Clone)]
pub struct MapAccess {
    pub kind: AccessKind,
    /// The write (`m[k]`, the `delete(...)` call, the assignment) or read.
    pub span: Span,
    /// The map expression.
    pub map_span: Span,
    pub target: Target,
    /// The model knows this is a Go map (declared or made as one).
    pub is_map: bool,
    /// What the map held just before (meaningful for index writes).
    pub nil: MapVal,
    pub locks: Locks,
    pub ctx: CtxId,
    /// Inside a loop of its own function context.
    pub in_loop: bool,
    /// The struct (or map) was created in this function and has not escaped.
    pub owned: bool,
    /// Inside an event loop (a `select` receive case in a loop): the
    /// goroutine running the loop owns the state it touches.
    pub event_loop: bool,
}

#[derive(Debug, Clone)]
pub struct MethodCall {
    pub name: String,
    /// Source text of the receiver expression, normalised.
    pub base: String,
    /// The receiver's type, when it is a type of this package.
    pub type_name: Option<String>,
    pub locks: Locks,
    pub ctx: CtxId,
    /// The receiver was created in this function and has not escaped.
    pub owned: bool,
    /// Called from an event loop (see `MapAccess::event_loop`).
    pub event_loop: bool,
    pub span: Span,
}

/// A `for ... range` over a map, and what its body does in iteration order.
#[derive(Debug, Clone)]
pub struct MapRange {
    /// The `for` statement.
    pub span: Span,
    /// `for k, v := range m` up to the body.
    pub head: Span,
    pub map_span: Span,
    /// Output written from the body (outside nested function literals):
    /// the call or send, and what it is (`fmt.Println`, `a channel send`).
    pub sinks: Vec<(Span, String)>,
    /// `s = append(s, ...)` to a slice declared before the loop.
    pub appends: Vec<(VarId, Span)>,
    /// `s += ...` to a string declared before the loop.
    pub concats: Vec<(VarId, Span)>,
    /// The body ends in an unconditional `break` or `return`: at most one
    /// element is visited.
    pub runs_once: bool,
    pub ctx: CtxId,
    /// The map's key type, when known.
    pub key_ty: Option<Ty>,
    /// The range clause `k, v := range m`, its variables (when it declares
    /// them with `:=`), and the offset just inside the body's `{`.
    pub clause: Option<Span>,
    pub vars: Vec<String>,
    pub declares: bool,
    pub body_start: usize,
}

/// Facts for one file.
#[derive(Debug, Default)]
pub struct FileFacts {
    pub vars: Vec<VarInfo>,
    pub ctxs: Vec<FnCtx>,
    pub accesses: Vec<MapAccess>,
    pub calls: Vec<MethodCall>,
    /// Functions and methods started with `go name(...)` / `go x.name(...)`,
    /// and whether that statement may run more than once (it is not in
    /// `main` or `init` outside any loop).
    pub go_calls: Vec<(String, Span, bool)>,
    /// `return v` of a local variable, by context.
    pub returns: Vec<(CtxId, VarId)>,
    /// A context referring to a variable declared in an enclosing one:
    /// (context, variable, byte offset of the reference).
    pub captures: Vec<(CtxId, VarId, usize)>,
    /// Variables whose address is taken (`&v`, `&v.f`).
    pub addr_taken: Vec<VarId>,
    /// Ranges over maps.
    pub map_ranges: Vec<MapRange>,
    /// Mutex fields of this package's struct types locked somewhere:
    /// (type name, field name).
    pub locked_fields: Vec<(String, String)>,
    /// Points where a function waits for others (`.Wait()`, a channel
    /// receive, `select`): byte offset, by context.
    pub sync_points: Vec<(CtxId, usize)>,
}

/// Lengths of the fact lists, to undo what a speculative pass recorded.
pub struct Marks([usize; 12]);

impl FileFacts {
    pub fn marks(&self) -> Marks {
        Marks([
            self.vars.len(),
            self.ctxs.len(),
            self.accesses.len(),
            self.calls.len(),
            self.go_calls.len(),
            self.returns.len(),
            self.captures.len(),
            self.addr_taken.len(),
            self.map_ranges.len(),
            self.locked_fields.len(),
            self.sync_points.len(),
            0,
        ])
    }

    pub fn truncate(&mut self, m: &Marks) {
        let [
            vars,
            ctxs,
            accesses,
            calls,
            go_calls,
            returns,
            captures,
            addr,
            ranges,
            locked,
            syncs,
            _,
        ] = m.0;
        self.vars.truncate(vars);
        self.ctxs.truncate(ctxs);
        self.accesses.truncate(accesses);
        self.calls.truncate(calls);
        self.go_calls.truncate(go_calls);
        self.returns.truncate(returns);
        self.captures.truncate(captures);
        self.addr_taken.truncate(addr);
        self.map_ranges.truncate(ranges);
        self.locked_fields.truncate(locked);
        self.sync_points.truncate(syncs);
    }

    /// The contexts from `ctx` out to its function.
    pub fn chain(&self, ctx: CtxId) -> impl Iterator<Item = &FnCtx> + '_ {
        let mut cur = Some(ctx);
        std::iter::from_fn(move || {
            let c = &self.ctxs[cur?];
            cur = c.parent;
            Some(c)
        })
    }

    /// The function declaration a context belongs to.
    pub fn func_of(&self, ctx: CtxId) -> &FnCtx {
        self.chain(ctx)
            .last()
            .expect("a context chain ends in a function")
    }

    /// Is `ctx` (or one of its enclosing contexts, up to `outer`) run
    /// concurrently with `outer`? Returns the innermost such context.
    pub fn concurrent_within(&self, ctx: CtxId, outer: CtxId) -> Option<&FnCtx> {
        self.concurrent_within_id(ctx, outer).map(|c| &self.ctxs[c])
    }

    /// [`FileFacts::concurrent_within`], the context's id.
    pub fn concurrent_within_id(&self, ctx: CtxId, outer: CtxId) -> Option<CtxId> {
        let mut cur = Some(ctx);
        while let Some(c) = cur {
            if c == outer {
                return None;
            }
            let fc = &self.ctxs[c];
            if matches!(fc.kind, CtxKind::Go | CtxKind::GoLike | CtxKind::Handler) {
                return Some(c);
            }
            cur = fc.parent;
        }
        None
    }

    pub fn var(&self, id: VarId) -> &VarInfo {
        &self.vars[id as usize]
    }
}

/// Moves facts computed for a declaration that stood at `old` to where it
/// stands now (`delta` bytes later), with variable and context ids after
/// those already in the list they are appended to.
struct Relocate {
    old: std::ops::Range<usize>,
    delta: isize,
    var_base: VarId,
    ctx_base: CtxId,
}

impl Relocate {
    fn offset(&self, at: usize) -> usize {
        // Only positions inside the declaration move: anything else (a
        // package variable declared elsewhere) stays where it is.
        if self.old.contains(&at) || at == self.old.end {
            at.saturating_add_signed(self.delta)
        } else {
            at
        }
    }

    fn span(&self, s: Span) -> Span {
        if self.old.contains(&s.start) {
            Span {
                start: self.offset(s.start),
                end: self.offset(s.end),
            }
        } else {
            s
        }
    }

    fn var(&self, v: VarId) -> VarId {
        v + self.var_base
    }

    fn ctx(&self, c: CtxId) -> CtxId {
        c + self.ctx_base
    }

    fn map_val(&self, v: &MapVal) -> MapVal {
        use super::mapstate::{Origin, OriginKind};
        match v {
            MapVal::Nil(o) => {
                let kind = match &o.kind {
                    // Declared at package level: not in this declaration.
                    OriginKind::PkgVar { .. } => return v.clone(),
                    OriginKind::VarDecl { fix } => OriginKind::VarDecl {
                        fix: fix.as_ref().map(|(at, t)| (self.offset(*at), t.clone())),
                    },
                    k => k.clone(),
                };
                MapVal::Nil(Origin {
                    span: self.span(o.span),
                    kind,
                })
            }
            other => other.clone(),
        }
    }

    fn target(&self, t: &Target) -> Target {
        match t {
            Target::Local(v) => Target::Local(self.var(*v)),
            Target::Field {
                base,
                base_root,
                type_name,
                field,
            } => Target::Field {
                base: base.clone(),
                base_root: base_root.map(|v| self.var(v)),
                type_name: type_name.clone(),
                field: field.clone(),
            },
            other => other.clone(),
        }
    }
}

impl FileFacts {
    /// Appends the facts of one declaration, computed when it spanned
    /// `old`, now that it starts at `new_start`.
    pub fn append_moved(
        &mut self,
        unit: &FileFacts,
        old: std::ops::Range<usize>,
        new_start: usize,
    ) {
        let r = Relocate {
            delta: new_start as isize - old.start as isize,
            old,
            var_base: self.vars.len() as VarId,
            ctx_base: self.ctxs.len(),
        };
        // Destructured in full: a new kind of fact must say how it moves.
        let FileFacts {
            vars,
            ctxs,
            accesses,
            calls,
            go_calls,
            returns,
            captures,
            addr_taken,
            map_ranges,
            locked_fields,
            sync_points,
        } = unit;
        self.vars.extend(vars.iter().map(|v| VarInfo {
            span: r.span(v.span),
            ctx: r.ctx(v.ctx),
            copy_of: v.copy_of.map(|c| match c {
                CopySource::Range(s, m) => CopySource::Range(r.span(s), m),
                CopySource::Index(s) => CopySource::Index(r.span(s)),
                CopySource::Var(x) => CopySource::Var(r.var(x)),
                CopySource::Deref(x) => CopySource::Deref(r.var(x)),
                CopySource::Global(s) => CopySource::Global(r.span(s)),
            }),
            ..v.clone()
        }));
        self.ctxs.extend(ctxs.iter().map(|c| FnCtx {
            parent: c.parent.map(|p| r.ctx(p)),
            span: r.span(c.span),
            start: r.span(c.start),
            receiver: c.receiver.map(|v| r.var(v)),
            ..c.clone()
        }));
        self.accesses.extend(accesses.iter().map(|a| MapAccess {
            span: r.span(a.span),
            map_span: r.span(a.map_span),
            target: r.target(&a.target),
            nil: r.map_val(&a.nil),
            ctx: r.ctx(a.ctx),
            ..a.clone()
        }));
        self.calls.extend(calls.iter().map(|c| MethodCall {
            ctx: r.ctx(c.ctx),
            span: r.span(c.span),
            ..c.clone()
        }));
        self.go_calls
            .extend(go_calls.iter().map(|(n, s, m)| (n.clone(), r.span(*s), *m)));
        self.returns
            .extend(returns.iter().map(|(c, v)| (r.ctx(*c), r.var(*v))));
        self.captures.extend(
            captures
                .iter()
                .map(|(c, v, at)| (r.ctx(*c), r.var(*v), r.offset(*at))),
        );
        self.addr_taken.extend(addr_taken.iter().map(|v| r.var(*v)));
        self.map_ranges.extend(map_ranges.iter().map(|m| {
            MapRange {
                span: r.span(m.span),
                head: r.span(m.head),
                map_span: r.span(m.map_span),
                sinks: m
                    .sinks
                    .iter()
                    .map(|(s, w)| (r.span(*s), w.clone()))
                    .collect(),
                appends: m
                    .appends
                    .iter()
                    .map(|(v, s)| (r.var(*v), r.span(*s)))
                    .collect(),
                concats: m
                    .concats
                    .iter()
                    .map(|(v, s)| (r.var(*v), r.span(*s)))
                    .collect(),
                ctx: r.ctx(m.ctx),
                clause: m.clause.map(|s| r.span(s)),
                body_start: r.offset(m.body_start),
                ..m.clone()
            }
        }));
        self.locked_fields.extend(locked_fields.iter().cloned());
        self.sync_points
            .extend(sync_points.iter().map(|(c, at)| (r.ctx(*c), r.offset(*at))));
    }
}
