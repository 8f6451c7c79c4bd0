//! What each map holds as a function runs: nil, made, or unknown.
//!
//! A forward dataflow over the syntax tree of each function body. The tracked
//! places are local variables (and parameters), fields reached from them
//! (`t.M`, promoted fields are canonicalised to their full path), entries of
//! maps of maps (`m[k]`, keyed by the index expression's text), and the
//! package-level maps the package model proves are always nil.
//!
//! Branches are joined (a place is nil only when nil on every path), nil
//! comparisons refine the branches they guard, loops iterate to a fixpoint,
//! and anything the analysis cannot follow — a name assigned inside a closure
//! or whose address is taken, a call that may mutate a struct, code with
//! syntax errors — becomes unknown. Unknown never produces a finding.

use super::facts::{
    AccessKind, CopySource, CtxId, CtxKind, FileFacts, FnCtx, MapAccess, MapRange, MethodCall,
    Target, VarId, VarInfo,
};
use super::locks::{Locks, Mode};
use super::{Package, Ty, for_each_named, named_children, walk_pruned};
use crate::diagnostic::Span;
use crate::fields::FieldExt;
use crate::syntax::Node;
// foldhash: the analysis hashes paths and names constantly, and SipHash's
// protection against crafted keys buys nothing here.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::rc::Rc;

/// Why the analysis knows a map is nil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginKind {
    /// `var m map[K]V` without a value. `fix` is where to insert
    /// ` = make(T)` and the type text, when that is one obvious edit.
    VarDecl { fix: Option<(usize, String)> },
    /// `m = nil` or `var m = map[K]V(nil)`.
    NilAssign,
    /// The zero value of a struct (`var t T`, `new(T)`): its map fields are nil.
    ZeroStruct { type_name: String },
    /// A composite literal that leaves the field out.
    LiteralOmits { type_name: String },
    /// A named result, nil until assigned.
    NamedResult,
    /// A branch guarded by `m == nil`.
    NilCompare,
    /// A package-level map that nothing in the package ever assigns.
    PkgVar { file: usize },
    /// An entry of a map of maps that was never set: `m := make(map[K]map[K2]V)`.
    MissingEntry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub span: Span,
    pub kind: OriginKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapVal {
    Nil(Origin),
    Made,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Root {
    Local(VarId),
    Global(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Seg {
    Field(String),
    Key(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Path {
    root: Root,
    segs: Vec<Seg>,
}

impl Path {
    fn child(&self, seg: Seg) -> Path {
        let mut segs = self.segs.clone();
        segs.push(seg);
        Path {
            root: self.root.clone(),
            segs,
        }
    }

    fn starts_with(&self, prefix: &Path) -> bool {
        self.root == prefix.root && self.segs.starts_with(&prefix.segs)
    }

    fn parent(&self) -> Option<Path> {
        let mut segs = self.segs.clone();
        segs.pop()?;
        Some(Path {
            root: self.root.clone(),
            segs,
        })
    }
}

/// What is known at one point of a function. Branches, loop passes and
/// saved copies start from the state before them and most never write it,
/// so a copy shares the data (an `Rc`) until its first write copies it
/// (`Rc::make_mut` through `DerefMut`). It also keeps the analysis' frames
/// small: it recurses with states in them (a debug build's stack).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct State(Rc<StateData>);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct StateData {
    vals: HashMap<Path, MapVal>,
    /// Maps of maps made in this function whose entries are all known: an
    /// entry not in `vals` is nil.
    fresh: HashMap<Path, Origin>,
    locks: Locks,
    /// Values created in this function that nothing else can see yet.
    owned: HashSet<Path>,
}

impl std::ops::Deref for State {
    type Target = StateData;
    fn deref(&self) -> &StateData {
        &self.0
    }
}

impl std::ops::DerefMut for State {
    fn deref_mut(&mut self) -> &mut StateData {
        Rc::make_mut(&mut self.0)
    }
}

impl State {
    fn with_locks(locks: Locks) -> State {
        State(Rc::new(StateData {
            locks,
            ..StateData::default()
        }))
    }

    /// Removes the places `gone` selects from the maps and the owned set:
    /// without copying shared data when there are none.
    fn forget(&mut self, gone: impl Fn(&Path, bool) -> bool) {
        if Rc::strong_count(&self.0) > 1
            && !self.vals.keys().any(|p| gone(p, true))
            && !self.fresh.keys().any(|p| gone(p, false))
            && !self.owned.iter().any(|p| gone(p, false))
        {
            return;
        }
        let d = &mut **self;
        d.vals.retain(|p, _| !gone(p, true));
        d.fresh.retain(|p, _| !gone(p, false));
        d.owned.retain(|p| !gone(p, false));
    }

    /// Forgets `path` and everything below it.
    fn clear(&mut self, path: &Path) {
        self.forget(|p, _| p.starts_with(path));
    }

    /// Forgets every place rooted at a local declared from `first` on.
    fn forget_vars_from(&mut self, first: VarId) {
        self.forget(|p, _| matches!(p.root, Root::Local(id) if id >= first));
    }

    /// Forgets what is below `path`, keeping its own value: what a callee or
    /// an alias may change through it.
    fn escape(&mut self, path: &Path) {
        self.forget(|p, val| !(val && p == path) && p.starts_with(path));
    }

    /// Is every stored `Unknown` one that overrides an entry of a fresh map
    /// of maps? (Then joining the state with itself gives it back.)
    fn minimal(&self) -> bool {
        self.vals.iter().all(|(k, v)| {
            *v != MapVal::Unknown
                || (matches!(k.segs.last(), Some(Seg::Key(_)))
                    && k.parent().is_some_and(|p| self.fresh.contains_key(&p)))
        })
    }

    /// Before `m[k] = ...`: a key that is not a literal may equal any other
    /// key, so what is known of the other entries no longer holds (literal
    /// keys stay apart from other literal keys).
    fn entry_assigned(&mut self, path: &Path) {
        let (Some(Seg::Key(key)), Some(parent)) = (path.segs.last(), path.parent()) else {
            return;
        };
        let literal = |k: &str| {
            k.starts_with('"')
                || k.starts_with('`')
                || k.starts_with('\'')
                || k.chars().all(|c| c.is_ascii_digit())
        };
        let key_literal = literal(key);
        let depth = parent.segs.len();
        let keep = |p: &Path| {
            if !p.starts_with(&parent) || p.segs.len() <= depth {
                return true;
            }
            match &p.segs[depth] {
                Seg::Key(k) if k != key => key_literal && literal(k),
                _ => true,
            }
        };
        if Rc::strong_count(&self.0) > 1
            && (key_literal || !self.fresh.contains_key(&parent))
            && self.vals.keys().all(keep)
        {
            return;
        }
        let d = &mut **self;
        if !key_literal {
            d.fresh.remove(&parent);
        }
        d.vals.retain(|p, _| keep(p));
    }

    /// Before assigning to `s[i].f` or `s[i]` (`i` not a literal): the
    /// struct elements `s[j]` tracked under other keys may be that element.
    fn element_written(&mut self, path: &Path) {
        let literal = |k: &str| {
            k.starts_with('"')
                || k.starts_with('`')
                || k.starts_with('\'')
                || k.chars().all(|c| c.is_ascii_digit())
        };
        for (d, seg) in path.segs.iter().enumerate() {
            let Seg::Key(key) = seg else { continue };
            if literal(key) {
                continue;
            }
            let prefix = Path {
                root: path.root.clone(),
                segs: path.segs[..d].to_vec(),
            };
            self.forget(|p, _| {
                p.starts_with(&prefix)
                    && p.segs.len() > d + 1
                    && matches!(&p.segs[d], Seg::Key(k) if k != key)
                    && matches!(p.segs[d + 1], Seg::Field(_))
            });
        }
    }

    fn get(&self, path: &Path) -> MapVal {
        if let Some(v) = self.vals.get(path) {
            return v.clone();
        }
        if matches!(path.segs.last(), Some(Seg::Key(_)))
            && let Some(o) = path.parent().and_then(|p| self.fresh.get(&p))
        {
            return MapVal::Nil(Origin {
                span: o.span,
                kind: OriginKind::MissingEntry,
            });
        }
        MapVal::Unknown
    }
}

fn join_vals(a: MapVal, b: MapVal) -> MapVal {
    match (a, b) {
        (MapVal::Nil(o), MapVal::Nil(_)) => MapVal::Nil(o),
        (MapVal::Made, MapVal::Made) => MapVal::Made,
        _ => MapVal::Unknown,
    }
}

fn join(a: Option<State>, b: Option<State>) -> Option<State> {
    match (a, b) {
        (None, x) | (x, None) => x,
        // The same data on both sides: the join is that data (when it holds
        // no `Unknown` the join below would drop).
        (Some(a), Some(b)) if Rc::ptr_eq(&a.0, &b.0) && a.minimal() => Some(a),
        (Some(a), Some(b)) => {
            let mut out = StateData::default();
            for (k, o) in &a.fresh {
                if b.fresh.contains_key(k) {
                    out.fresh.insert(k.clone(), o.clone());
                }
            }
            let keys: HashSet<&Path> = a.vals.keys().chain(b.vals.keys()).collect();
            for k in keys {
                let v = join_vals(a.get(k), b.get(k));
                // Unknown is the default; it is stored only to override an
                // entry the fresh parent would otherwise make nil. (Keeping
                // states minimal lets loops converge at their first pass.)
                let derived = matches!(k.segs.last(), Some(Seg::Key(_)))
                    && k.parent().is_some_and(|p| out.fresh.contains_key(&p));
                if v != MapVal::Unknown || derived {
                    out.vals.insert(k.clone(), v);
                }
            }
            out.locks = a.locks.join(&b.locks);
            out.owned = a.owned.intersection(&b.owned).cloned().collect();
            Some(State(Rc::new(out)))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// The value flows somewhere: into a call, an alias, a return.
    Bare,
    /// The value is only read through (indexed, field read, compared, len).
    Read,
}

struct Frame {
    label: Option<String>,
    is_loop: bool,
    breaks: Vec<State>,
    continues: Vec<State>,
}

/// Upper bound on statement visits for one function, loops included; past it
/// the function's facts are dropped rather than risk slow or wrong ones.
const WORK_LIMIT: usize = 200_000;
/// Statement and expression nesting the analysis follows (a debug build
/// spends about 12 KiB of stack a level; test threads have 2 MiB).
const DEPTH_LIMIT: usize = 100;
/// How deep the analysis follows one expression chain.
const CHAIN_LIMIT: usize = 64;

struct Analyzer<'a> {
    pkg: &'a Package,
    src: &'a str,
    scopes: Scopes<'a>,
    facts: &'a mut FileFacts,
    /// The context the code being analysed runs in.
    ctx: CtxId,
    /// Loops around the current point in this function context / in all.
    loop_fn: usize,
    loop_total: usize,
    volatile: HashSet<String>,
    local_types: HashSet<String>,
    /// The function (or package-level function literal) analysed.
    func: Node<'a>,
    /// Start bytes, in order, of the calls, function literals and unary
    /// expressions of the function, found when first needed (`stable_key`).
    unstable_at: std::cell::OnceCell<Vec<usize>>,
    frames: Vec<Frame>,
    report: bool,
    /// Inside a receive case of a `select` in a loop.
    event_loop: usize,
    /// Depth in the current expression chain (see `nested`).
    chain_depth: std::cell::Cell<usize>,
    pending_label: Option<String>,
    work: usize,
    depth: usize,
    gave_up: bool,
    /// Local maps declared without a value and never assigned, incremented
    /// through `&`, or redeclared anywhere in the function (closures
    /// included): nil wherever they are used. Found when first needed.
    never_assigned: std::cell::OnceCell<HashMap<String, (Span, Origin)>>,
}

/// Runs the analysis over every function of `file` in `pkg`.
pub fn analyze_file(pkg: &Package, file: usize) -> FileFacts {
    let pf = &pkg.files[file];
    let src = pf.text();
    let root = pf.tree.root_node();
    let mut facts = FileFacts::default();
    // Every child, anonymous ones too: what precedes a declaration (its doc
    // comment).
    let children = super::all_children(root);
    for (i, &decl) in children.iter().enumerate() {
        if decl.is_named() {
            analyze_decl(pkg, src, decl, &children[..i], &mut facts);
        }
    }
    facts
}

/// Does the analysis record anything for this top-level declaration?
pub fn is_analyzed(decl: Node<'_>) -> bool {
    matches!(
        decl.kind_name(),
        "function_declaration" | "method_declaration" | "var_declaration"
    )
}

/// Runs the analysis over one top-level declaration of a file (`src` is
/// its text; `before`, the file's children before it, for its doc
/// comment). Declarations are analyzed independently of each other: the
/// language server keeps the facts of those that did not change.
pub fn analyze_decl<'t>(
    pkg: &Package,
    src: &str,
    decl: Node<'t>,
    before: &[Node<'t>],
    facts: &mut FileFacts,
) {
    match decl.kind_name() {
        "function_declaration" | "method_declaration" => {
            if let Some(body) = decl.field("body") {
                let doc = doc_comment(src, before.iter().rev().copied());
                analyze_function(pkg, src, facts, decl, body, doc);
            }
        }
        "var_declaration" => {
            // Function literals in package-level initialisers (those
            // nested in another literal are analysed with it).
            let mut lits = Vec::new();
            walk_pruned(decl, |n| {
                if n.kind_name() == "func_literal" {
                    lits.push(n);
                    return false;
                }
                true
            });
            for lit in lits {
                if let Some(body) = lit.field("body") {
                    let doc = doc_comment(
                        src,
                        std::iter::successors(lit.prev_sibling(), |c| c.prev_sibling()),
                    );
                    analyze_function(pkg, src, facts, lit, body, doc);
                }
            }
        }
        _ => {}
    }
}

fn analyze_function<'a>(
    pkg: &'a Package,
    src: &'a str,
    facts: &'a mut FileFacts,
    func: Node<'a>,
    body: Node<'a>,
    doc: String,
) {
    let marks = (
        facts.accesses.len(),
        facts.calls.len(),
        facts.go_calls.len(),
        facts.returns.len(),
        facts.sync_points.len(),
    );
    let name = func.field("name").map(|n| src[n.byte_range()].to_string());
    let ctx = facts.ctxs.len();
    facts.ctxs.push(FnCtx {
        kind: CtxKind::Func,
        parent: None,
        span: Span::of(func),
        start: Span::of(func),
        in_loop: false,
        loop_depth: 0,
        handler: name.as_deref() == Some("ServeHTTP") || is_handler_signature(func, src),
        caller_holds_lock: name.as_deref().is_some_and(|n| {
            n.ends_with("Locked")
                || pkg
                    .extensions
                    .caller_holds_lock
                    .as_ref()
                    .is_some_and(|g| g.is_match(n))
        }) || doc_says_caller_holds_lock(&doc),
        name,
        receiver: None,
        type_name: None,
    });
    let mut a = Analyzer {
        pkg,
        src,
        scopes: Scopes::default(),
        facts,
        ctx,
        loop_fn: 0,
        loop_total: 0,
        volatile: HashSet::default(),
        local_types: HashSet::default(),
        func,
        unstable_at: std::cell::OnceCell::new(),
        frames: Vec::new(),
        report: true,
        event_loop: 0,
        chain_depth: std::cell::Cell::new(0),
        pending_label: None,
        work: 0,
        depth: 0,
        gave_up: false,
        never_assigned: std::cell::OnceCell::new(),
    };
    if !a.prescan(func) {
        return;
    }
    let mut st = State::default();
    if let Some(tp) = func.field("type_parameters") {
        for_each_named(tp, |n| {
            if n.kind_name() == "identifier" {
                a.local_types.insert(src[n.byte_range()].to_string());
            }
        });
    }
    if let Some(r) = func.field("receiver") {
        let first = a.facts.vars.len();
        a.declare_params(r, &mut st, false);
        if let Some(v) = a.facts.vars.get(first) {
            let type_name = match v.ty.as_ref() {
                Some(Ty::Pointer(t)) => match t.as_ref() {
                    Ty::Named(n) => Some(n.clone()),
                    _ => None,
                },
                Some(Ty::Named(n)) => Some(n.clone()),
                _ => None,
            };
            let c = &mut a.facts.ctxs[ctx];
            c.receiver = Some(first as VarId);
            c.type_name = type_name;
        }
    }
    if let Some(p) = func.field("parameters") {
        a.declare_params(p, &mut st, false);
    }
    if let Some(r) = func.field("result")
        && r.kind_name() == "parameter_list"
    {
        a.declare_params(r, &mut st, true);
    }
    a.block(body, Some(st));
    if a.gave_up {
        // Facts from a function the analysis could not finish are dropped.
        let f = &mut a.facts;
        f.accesses.truncate(marks.0);
        f.calls.truncate(marks.1);
        f.go_calls.truncate(marks.2);
        f.returns.truncate(marks.3);
        f.sync_points.truncate(marks.4);
    }
}

/// `func(w http.ResponseWriter, r *http.Request)`.
fn is_handler_signature(func: Node<'_>, src: &str) -> bool {
    let Some(params) = func.field("parameters") else {
        return false;
    };
    if !src[params.byte_range()].contains("http") {
        return false;
    }
    let types: Vec<String> = named_children(params)
        .filter(|p| p.kind_name() == "parameter_declaration")
        .flat_map(|p| {
            let n = {
                let mut c = p.walk();
                p.children_by_field_name("name", &mut c).count().max(1)
            };
            let t = p
                .field("type")
                .map(|t| src[t.byte_range()].split_whitespace().collect::<String>())
                .unwrap_or_default();
            std::iter::repeat_n(t, n)
        })
        .collect();
    types == ["http.ResponseWriter", "*http.Request"]
}

/// The comments right above a declaration, lowercased: `before` are its
/// preceding siblings, nearest first.
fn doc_comment<'t>(src: &str, before: impl Iterator<Item = Node<'t>>) -> String {
    let mut doc = String::new();
    for c in before {
        if c.kind_name() != "comment" {
            break;
        }
        doc.insert_str(0, &src[c.byte_range()].to_lowercase());
    }
    doc
}

/// The doc comment right above a declaration (lowercased) says callers
/// hold the lock.
fn doc_says_caller_holds_lock(doc: &str) -> bool {
    // "No lock held on entry", "Lock not held on entry".
    const NEGATED: &[&str] = &[
        "not held",
        "no lock",
        "not be held",
        "must not",
        "not hold",
        "without hold",
    ];
    if NEGATED.iter().any(|p| doc.contains(p)) {
        return false;
    }
    // Phrases that state the contract on their own.
    const STRONG: &[&str] = &[
        "must hold",
        "should hold",
        "already hold",
        "must be held",
        "should be held",
        "assumed to be held",
        "held on entry",
        "held by the caller",
        "must be called with",
        "with the lock held",
        "with the mutex held",
        "while holding the",
        "locked by the caller",
        "requires the lock",
        "assumes the lock",
        "expects the lock",
        "caller holds",
        "callers hold",
        "caller has locked",
        "caller must lock",
        "called with the lock",
        "called with the mutex",
        "called under the lock",
        "called with lock held",
    ];
    // Phrases that only describe, unless the comment also speaks of the
    // caller or of what the function assumes ("Assumes write lock is held").
    const WEAK: &[&str] = &[
        "is held",
        "are held",
        "lock held",
        "locks held",
        "hold the lock",
    ];
    const CONTRACT: &[&str] = &[
        "assume", "caller", "entry", "must", "should", "expect", "require",
    ];
    STRONG.iter().any(|p| doc.contains(p))
        || (WEAK.iter().any(|p| doc.contains(p)) && CONTRACT.iter().any(|p| doc.contains(p)))
        || (doc.contains("called with") && doc.contains(" held"))
}

impl<'a> Analyzer<'a> {
    fn text(&self, n: Node<'_>) -> &'a str {
        &self.src[n.byte_range()]
    }

    /// Collects the names the analysis must not track in this function and
    /// local type names. Returns false when the function cannot be analysed
    /// (it uses `goto`).
    fn prescan(&mut self, func: Node<'_>) -> bool {
        let mut ok = true;
        let src = self.src;
        let mut volatile = HashSet::default();
        let mut local_types = HashSet::default();
        // End of the outermost function literal being walked: literals
        // nested in it are covered by its own walk.
        let mut lit_end = 0;
        let mut visit = |n: Node<'_>| match n.kind_name() {
            "goto_statement" => ok = false,
            "type_spec" | "type_alias" => {
                if let Some(name) = n.field("name") {
                    local_types.insert(src[name.byte_range()].to_string());
                }
            }
            "unary_expression" if op_text(n, src) == "&" => {
                if let Some(r) = n.field("operand").and_then(|o| root_ident(o, src)) {
                    volatile.insert(r.to_string());
                }
            }
            "func_literal" if n != func && n.start_byte() >= lit_end => {
                lit_end = n.end_byte();
                // Anything a closure assigns, mutates or passes on may change
                // whenever the closure runs: never track it. Names the
                // closure declares itself are its own.
                let mut own = HashSet::default();
                let mut targets: Vec<&str> = Vec::new();
                for_each_named(n, |m| {
                    let declared: Vec<Node<'_>> = match m.kind_name() {
                        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" => {
                            let mut c = m.walk();
                            m.children_by_field_name("name", &mut c).collect()
                        }
                        "short_var_declaration" => m
                            .field("left")
                            .map(|l| named_children(l).collect())
                            .unwrap_or_default(),
                        "range_clause" if has_token(m, ":=") => m
                            .field("left")
                            .map(|l| named_children(l).collect())
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    own.extend(declared.into_iter().map(|d| &src[d.byte_range()]));
                    let assigned: Vec<Node<'_>> = match m.kind_name() {
                        "assignment_statement" | "short_var_declaration" => m
                            .field("left")
                            .map(|l| named_children(l).collect())
                            .unwrap_or_default(),
                        "inc_statement" | "dec_statement" => m.named_child(0).into_iter().collect(),
                        "call_expression" => {
                            let mut t: Vec<Node<'_>> = m
                                .field("arguments")
                                .map(|l| named_children(l).collect())
                                .unwrap_or_default();
                            if let Some(f) = m.field("function")
                                && f.kind_name() == "selector_expression"
                                && let Some(o) = f.field("operand")
                            {
                                t.push(o);
                            }
                            t
                        }
                        _ => Vec::new(),
                    };
                    targets.extend(assigned.into_iter().filter_map(|t| root_ident(t, src)));
                });
                for r in targets {
                    if !own.contains(r) {
                        volatile.insert(r.to_string());
                    }
                }
            }
            _ => {}
        };
        // The parts of the function (its parameters, results, and each
        // statement of its body) whose text has none of `&` (as an operator
        // of its own, not in `&&`), `func`, `goto` and the `type` keyword
        // hold nothing of the above: they are not walked.
        visit(func);
        let body = func.field("body");
        for part in named_children(func) {
            if Some(part) == body {
                for s in named_children(part) {
                    if s.kind_name() == "statement_list" {
                        for st in named_children(s) {
                            if may_matter(&src[st.byte_range()]) {
                                for_each_named(st, &mut visit);
                            }
                        }
                    } else if may_matter(&src[s.byte_range()]) {
                        for_each_named(s, &mut visit);
                    }
                }
            } else if may_matter(&src[part.byte_range()]) {
                for_each_named(part, &mut visit);
            }
        }
        self.volatile = volatile;
        self.local_types = local_types;
        ok
    }

    fn declare_params(&mut self, list: Node<'_>, st: &mut State, results: bool) {
        for p in named_children(list) {
            if !matches!(
                p.kind_name(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let ty = p.field("type").map(|t| Ty::from_node(t, self.src));
            let variadic = p.kind_name() == "variadic_parameter_declaration";
            let mut c = p.walk();
            let names: Vec<_> = p.children_by_field_name("name", &mut c).collect();
            for n in names {
                let ty = if variadic { None } else { ty.clone() };
                let id = self.declare(n, ty.clone());
                if let Some(id) = id {
                    let v = &mut self.facts.vars[id as usize];
                    v.param = !results;
                    v.named_result = results;
                }
                if results && let (Some(id), Some(ty)) = (id, ty) {
                    let origin = Origin {
                        span: Span::of(n),
                        kind: OriginKind::NamedResult,
                    };
                    self.zero_init(st, &local(id), &ty, origin, 0);
                }
            }
        }
    }

    fn declare(&mut self, node: Node<'_>, ty: Option<Ty>) -> Option<VarId> {
        let name = self.text(node);
        if name == "_" {
            return None;
        }
        let id = self.facts.vars.len() as VarId;
        self.facts.vars.push(VarInfo {
            name: name.to_string(),
            span: Span::of(node),
            ty,
            named_result: false,
            param: false,
            ctx: self.ctx,
            loop_depth: self.loop_total,
            copy_of: None,
        });
        self.scopes.declare(name, id);
        Some(id)
    }

    fn var_ty(&self, id: VarId) -> Option<Ty> {
        self.facts.vars[id as usize].ty.clone()
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.scopes.lookup(name)
    }

    /// The type a place has, as far as the model knows. Type names declared
    /// inside the function (or type parameters) shadow the package's.
    fn resolve<'b>(&'b self, ty: &'b Ty) -> &'b Ty {
        if let Ty::Named(n) = ty
            && self.local_types.contains(n)
        {
            return &Ty::Other;
        }
        self.pkg.resolve(ty)
    }

    /// Runs `f` one level deeper into an expression chain (`a.b.c[d]`,
    /// `x && y && z`), giving up past a bound: chains in real code are
    /// short, and hostile ones must not cost quadratic time or the stack.
    fn nested<T>(&self, f: impl FnOnce() -> Option<T>) -> Option<T> {
        let d = self.chain_depth.get();
        if d >= CHAIN_LIMIT {
            return None;
        }
        self.chain_depth.set(d + 1);
        let out = f();
        self.chain_depth.set(d);
        out
    }

    /// The tracked place an expression denotes, with its type when known.
    fn path_of(&self, node: Node<'_>) -> Option<(Path, Option<Ty>)> {
        self.nested(|| self.path_of_inner(node))
    }

    fn path_of_inner(&self, node: Node<'_>) -> Option<(Path, Option<Ty>)> {
        match node.kind_name() {
            "identifier" => {
                let name = self.text(node);
                if self.volatile.contains(name) {
                    return None;
                }
                if let Some(id) = self.lookup(name) {
                    return Some((local(id), self.var_ty(id)));
                }
                if let Some(v) = self.pkg.vars.get(name) {
                    let ty = v.ty.clone();
                    return Some((
                        Path {
                            root: Root::Global(name.to_string()),
                            segs: Vec::new(),
                        },
                        ty,
                    ));
                }
                None
            }
            "parenthesized_expression" => self.path_of(node.named_child(0)?),
            // `m[a.b]` read as a generic type (in `m[a.b][c.d]`).
            "generic_type" => {
                let name = node
                    .field("type")
                    .filter(|n| n.kind_name() == "type_identifier")?;
                let args = node.field("type_arguments")?;
                if args.named_child_count() != 1 {
                    return None;
                }
                let name = self.text(name);
                if self.volatile.contains(name) {
                    return None;
                }
                let (base, ty) = match self.lookup(name) {
                    Some(id) => (local(id), self.var_ty(id)),
                    None => (
                        Path {
                            root: Root::Global(name.to_string()),
                            segs: Vec::new(),
                        },
                        self.pkg.vars.get(name)?.ty.clone(),
                    ),
                };
                let key: String = self.text(args.named_child(0)?).split_whitespace().collect();
                let elem = match ty.as_ref().map(|t| self.resolve(t)) {
                    Some(Ty::Map(v, _)) => Some((**v).clone()),
                    _ => return None,
                };
                Some((base.child(Seg::Key(key)), elem))
            }
            "unary_expression" if op_text(node, self.src) == "*" => {
                self.path_of(node.field("operand")?)
            }
            "selector_expression" => {
                let (base, ty) = self.path_of(node.field("operand")?)?;
                let field = self.text(node.field("field")?);
                match ty {
                    Some(ty) if !matches!(self.resolve(&ty), Ty::Other) => {
                        let (segs, fty) = self.pkg.field_path(self.resolve(&ty), field)?;
                        let mut p = base;
                        for s in segs {
                            p = p.child(Seg::Field(s));
                        }
                        Some((p, Some(fty)))
                    }
                    _ => Some((base.child(Seg::Field(field.to_string())), None)),
                }
            }
            "index_expression" => {
                let (base, ty) = self.path_of(node.field("operand")?)?;
                let index = node.field("index")?;
                if !self.stable_key(index) {
                    return None;
                }
                let key: String = self.text(index).split_whitespace().collect();
                let elem = match ty.as_ref().map(|t| self.resolve(t)) {
                    Some(Ty::Map(v, _)) => Some((**v).clone()),
                    _ => None,
                };
                Some((base.child(Seg::Key(key)), elem))
            }
            _ => None,
        }
    }

    /// An index expression without calls, function literals or unary
    /// expressions: the same key each time it is evaluated.
    fn stable_key(&self, index: Node<'_>) -> bool {
        let unstable = |n: Node<'_>| {
            matches!(
                n.kind_name(),
                "call_expression" | "func_literal" | "unary_expression"
            )
        };
        if index.end_byte() - index.start_byte() <= 64 || self.func.has_error() {
            let mut stable = true;
            for_each_named(index, |n| stable &= !unstable(n));
            return stable;
        }
        // A long index is looked up, not walked: nested indexes
        // (`m[m[m[k]]]`) would make walking quadratic. Without syntax
        // errors, the nodes starting inside a node's range are its
        // descendants (no ancestor starts where an `index` does).
        let at = self.unstable_at.get_or_init(|| {
            let mut at = Vec::new();
            for_each_named(self.func, |n| {
                if unstable(n) {
                    at.push(n.start_byte());
                }
            });
            at
        });
        let i = at.partition_point(|&p| p < index.start_byte());
        at.get(i).is_none_or(|&p| p >= index.end_byte())
    }

    /// What `path` holds in `st`; package-level maps proven nil by the
    /// package model are nil until written.
    fn value(&self, st: &State, path: &Path) -> MapVal {
        let v = st.get(path);
        if v == MapVal::Unknown
            && path.segs.is_empty()
            && !st.vals.contains_key(path)
            && let Root::Global(name) = &path.root
            && self.pkg.nil_globals.contains(name)
            && let Some(var) = self.pkg.vars.get(name)
        {
            return MapVal::Nil(Origin {
                span: var.spec,
                kind: OriginKind::PkgVar { file: var.file },
            });
        }
        v
    }

    /// The type of an expression, as far as the model can see it.
    fn expr_type(&self, node: Node<'_>) -> Option<Ty> {
        self.nested(|| self.expr_type_inner(node))
    }

    fn expr_type_inner(&self, node: Node<'_>) -> Option<Ty> {
        match node.kind_name() {
            "identifier" => {
                let name = self.text(node);
                match self.lookup(name) {
                    Some(id) => self.var_ty(id),
                    None => self.pkg.vars.get(name).and_then(|v| v.ty.clone()),
                }
            }
            "parenthesized_expression" => self.expr_type(node.named_child(0)?),
            "unary_expression" if op_text(node, self.src) == "*" => {
                match self.expr_type(node.field("operand")?)? {
                    Ty::Pointer(t) => Some(*t),
                    t => Some(t),
                }
            }
            "selector_expression" => {
                let base = self.expr_type(node.field("operand")?)?;
                let field = self.text(node.field("field")?);
                self.pkg
                    .field_path(self.resolve(&base), field)
                    .map(|(_, t)| t)
            }
            "index_expression" => match self.resolve(&self.expr_type(node.field("operand")?)?) {
                Ty::Map(v, _) | Ty::Slice(v) => Some((**v).clone()),
                _ => None,
            },
            "call_expression" => self.call_result(node, 0),
            _ => None,
        }
    }

    /// Result `i` of a call of a function or method of this package.
    fn call_result(&self, node: Node<'_>, i: usize) -> Option<Ty> {
        let f = node.field("function")?;
        match f.kind_name() {
            "identifier" if self.lookup(self.text(f)).is_none() => {
                self.pkg.result_at(None, self.text(f), i).cloned()
            }
            "selector_expression" => {
                let recv = match self.expr_type(f.field("operand")?)? {
                    Ty::Pointer(p) => *p,
                    t => t,
                };
                let Ty::Named(t) = recv else { return None };
                let m = self.text(f.field("field")?);
                self.pkg.result_at(Some(&t), m, i).cloned()
            }
            _ => None,
        }
    }

    /// The name of a struct type of this package that `ty` is (or points to).
    fn struct_name(&self, ty: &Ty) -> Option<String> {
        let named = match ty {
            Ty::Pointer(t) => t.as_ref(),
            t => t,
        };
        match named {
            Ty::Named(n)
                if !self.local_types.contains(n)
                    && matches!(self.pkg.resolve(named), Ty::Struct(_)) =>
            {
                Some(n.clone())
            }
            _ => None,
        }
    }

    /// What map an expression denotes, whether the model knows it is a map,
    /// and the local variable it is rooted at.
    fn target_of(&self, node: Node<'_>) -> (Target, bool) {
        let node = strip_parens(node);
        let is_map = self
            .expr_type(node)
            .is_some_and(|t| self.pkg.is_map(&t) && !self.local_shadowed(&t));
        let target = match node.kind_name() {
            "identifier" => {
                let name = self.text(node);
                match self.lookup(name) {
                    Some(id) => Target::Local(id),
                    None if self.pkg.vars.contains_key(name) => Target::Global(name.to_string()),
                    None => Target::Other,
                }
            }
            "selector_expression" => {
                let (Some(o), Some(f)) = (node.field("operand"), node.field("field")) else {
                    return (Target::Other, is_map);
                };
                match self.expr_type(o).and_then(|t| self.struct_name(&t)) {
                    Some(type_name) => Target::Field {
                        base: norm(self.text(o)),
                        base_root: root_ident(o, self.src).and_then(|r| self.lookup(r)),
                        type_name,
                        field: self.text(f).to_string(),
                    },
                    None => Target::Other,
                }
            }
            _ => Target::Other,
        };
        (target, is_map)
    }

    /// Was the value `node` is rooted at created here, unseen by others?
    fn owned(&self, st: &State, node: Node<'_>) -> bool {
        root_ident(node, self.src)
            .and_then(|r| self.lookup(r))
            .is_some_and(|id| st.owned.contains(&local(id)))
    }

    fn record(&mut self, st: &State, kind: AccessKind, span: Span, map: Node<'_>, nil: MapVal) {
        if !self.report {
            return;
        }
        let (target, is_map) = self.target_of(map);
        let owned = self.owned(st, map);
        self.facts.accesses.push(MapAccess {
            kind,
            span,
            map_span: Span::of(map),
            target,
            is_map,
            nil,
            locks: st.locks.clone(),
            ctx: self.ctx,
            in_loop: self.loop_fn > 0,
            owned,
            event_loop: self.event_loop > 0,
        });
    }

    /// The name of the lock an expression denotes: its text, plus the
    /// embedded mutex's name when it is a struct embedding one (`c.Lock()`
    /// locks `c.Mutex`).
    fn lock_key(&self, operand: Node<'_>) -> String {
        let mut key = norm(self.text(operand));
        if let Some(ty) = self.expr_type(operand) {
            let base = match self.resolve(&ty) {
                Ty::Pointer(t) => self.resolve(t),
                t => t,
            };
            if let Ty::Struct(fields) = base
                && let Some(f) = fields.iter().find(|f| f.embedded && f.ty.is_mutex())
            {
                key.push('.');
                key.push_str(&f.name);
            }
        }
        key
    }

    /// Applies `x.Lock()`, `x.Unlock()`, `x.RLock()`, `x.RUnlock()` and
    /// calls of this package's lock helpers. Returns true if `call` was one.
    fn lock_op(&mut self, call: Node<'_>, st: &mut State, deferred: bool) -> bool {
        let Some(f) = call
            .field("function")
            .filter(|f| f.kind_name() == "selector_expression")
        else {
            return false;
        };
        let (Some(o), Some(m)) = (f.field("operand"), f.field("field")) else {
            return false;
        };
        let method = self.text(m);
        let ext = &self.pkg.extensions;
        let mut ops: Vec<(String, Option<Mode>)> = match method {
            "Lock" => vec![(self.lock_key(o), Some(Mode::Write))],
            "RLock" => vec![(self.lock_key(o), Some(Mode::Read))],
            "Unlock" | "RUnlock" => vec![(self.lock_key(o), None)],
            m if ext.lock_methods.iter().any(|x| x == m) => {
                vec![(self.lock_key(o), Some(Mode::Write))]
            }
            m if ext.unlock_methods.iter().any(|x| x == m) => vec![(self.lock_key(o), None)],
            _ => Vec::new(),
        };
        if ops.is_empty()
            && let Some(helper) = self
                .expr_type(o)
                .and_then(|t| self.struct_name(&t))
                .and_then(|t| self.pkg.lock_helpers.get(&(t, method.to_string())))
        {
            let base = norm(self.text(o));
            ops = helper
                .iter()
                .map(|(suffix, mode)| (format!("{base}{suffix}"), *mode))
                .collect();
        }
        if ops.is_empty() {
            return false;
        }
        if self.report
            && (matches!(method, "Lock" | "RLock")
                || self.pkg.extensions.lock_methods.iter().any(|x| x == method))
        {
            // Which struct's mutex field this is: `x.mu` with x of struct
            // type T, or `x` itself with T embedding the mutex.
            let field = match o.kind_name() {
                "selector_expression" => o
                    .field("operand")
                    .and_then(|b| self.expr_type(b))
                    .and_then(|t| self.struct_name(&t))
                    .zip(o.field("field").map(|f| self.text(f).to_string())),
                _ => self
                    .expr_type(o)
                    .and_then(|t| self.struct_name(&t))
                    .and_then(|t| {
                        let key = self.lock_key(o);
                        key.rsplit_once('.').map(|(_, f)| (t, f.to_string()))
                    }),
            };
            if let Some(f) = field {
                self.facts.locked_fields.push(f);
            }
        }
        for (key, mode) in ops {
            match (mode, deferred) {
                (Some(m), false) => st.locks.acquire(&key, m),
                (None, false) => st.locks.release(&key),
                (None, true) => {
                    st.locks.deferred.insert(key);
                }
                (Some(_), true) => {}
            }
        }
        true
    }

    fn tick(&mut self) -> bool {
        self.work += 1;
        if self.work > WORK_LIMIT {
            self.gave_up = true;
        }
        !self.gave_up
    }

    // ----- statements -------------------------------------------------

    fn block(&mut self, node: Node<'_>, st: Option<State>) -> Option<State> {
        self.scopes.push();
        let mut st = st;
        for child in named_children(node) {
            st = match child.kind_name() {
                "statement_list" => self.stmts(child, st),
                _ => self.stmt(child, st),
            };
        }
        self.scopes.pop();
        st
    }

    fn stmts(&mut self, list: Node<'_>, mut st: Option<State>) -> Option<State> {
        for s in named_children(list) {
            st = self.stmt(s, st);
        }
        st
    }

    fn stmt(&mut self, node: Node<'_>, st: Option<State>) -> Option<State> {
        let mut st = st?;
        if !self.tick() {
            return None;
        }
        if node.kind_name() == "comment" {
            return Some(st);
        }
        if node.has_error() || node.is_missing() {
            // The parser recovered from a syntax error here: nothing inside
            // is reported and nothing is known after it.
            return Some(State::default());
        }
        if self.depth > DEPTH_LIMIT {
            self.gave_up = true;
            return None;
        }
        self.depth += 1;
        let label = self.pending_label.take();
        let out = match node.kind_name() {
            "block" => self.block(node, Some(st)),
            "expression_statement" => {
                let e = node.named_child(0);
                if let Some(e) = e {
                    self.expr(e, &mut st, Ctx::Bare);
                }
                if e.is_some_and(|e| self.is_terminating_call(e)) {
                    None
                } else {
                    Some(st)
                }
            }
            "var_declaration" => {
                for spec in named_children(node) {
                    match spec.kind_name() {
                        "var_spec" => self.var_spec(spec, &mut st),
                        "var_spec_list" => {
                            for s in named_children(spec).filter(|s| s.kind_name() == "var_spec") {
                                self.var_spec(s, &mut st);
                            }
                        }
                        _ => {}
                    }
                }
                Some(st)
            }
            "short_var_declaration" => {
                self.short_var(node, &mut st);
                Some(st)
            }
            "assignment_statement" => {
                if self.assignment(node, &mut st) {
                    None
                } else {
                    Some(st)
                }
            }
            "inc_statement" | "dec_statement" => match node.named_child(0) {
                Some(e) if self.write_target(e, &mut st) => None,
                _ => Some(st),
            },
            "send_statement" => {
                for c in named_children(node) {
                    self.expr(c, &mut st, Ctx::Bare);
                }
                Some(st)
            }
            "go_statement" => {
                if let Some(e) = node.named_child(0) {
                    if self.report
                        && let Some(f) = e.field("function")
                    {
                        let name = match f.kind_name() {
                            "identifier" => Some(f),
                            "selector_expression" => f.field("field"),
                            _ => None,
                        };
                        if let Some(n) = name {
                            let once = self.loop_total == 0
                                && matches!(
                                    self.facts.func_of(self.ctx).name.as_deref(),
                                    Some("main" | "init")
                                );
                            self.facts.go_calls.push((
                                self.text(n).to_string(),
                                Span::of(node),
                                !once,
                            ));
                        }
                    }
                    self.expr(e, &mut st, Ctx::Bare);
                }
                Some(st)
            }
            "defer_statement" => {
                if let Some(e) = node.named_child(0) {
                    self.defer_stmt(node, e, &mut st);
                }
                Some(st)
            }
            "return_statement" => {
                for c in named_children(node) {
                    let exprs: Vec<Node<'_>> = if c.kind_name() == "expression_list" {
                        named_children(c).collect()
                    } else {
                        vec![c]
                    };
                    for e in exprs {
                        let e = strip_parens(e);
                        // `return v` and `return &v`.
                        let e =
                            if e.kind_name() == "unary_expression" && op_text(e, self.src) == "&" {
                                e.field("operand").map(strip_parens).unwrap_or(e)
                            } else {
                                e
                            };
                        if self.report
                            && e.kind_name() == "identifier"
                            && let Some(id) = self.lookup(self.text(e))
                        {
                            self.facts.returns.push((self.ctx, id));
                        }
                    }
                    self.expr(c, &mut st, Ctx::Bare);
                }
                None
            }
            "if_statement" => self.if_stmt(node, st),
            "for_statement" => self.for_stmt(node, st, label),
            "select_statement" => {
                if self.report {
                    self.facts.sync_points.push((self.ctx, node.start_byte()));
                }
                self.switch_stmt(node, st, label)
            }
            "expression_switch_statement" | "type_switch_statement" => {
                self.switch_stmt(node, st, label)
            }
            "labeled_statement" => {
                let l = node.field("label").map(|l| self.text(l).to_string());
                match named_children(node).find(|c| c.kind_name() != "label_name") {
                    Some(inner) => {
                        self.pending_label = l;
                        self.stmt(inner, Some(st))
                    }
                    None => Some(st),
                }
            }
            "break_statement" | "continue_statement" => {
                let is_break = node.kind_name() == "break_statement";
                let target = named_children(node)
                    .find(|c| c.kind_name() == "label_name")
                    .map(|l| self.text(l).to_string());
                let frame = self.frames.iter_mut().rev().find(|f| match &target {
                    Some(l) => f.label.as_deref() == Some(l),
                    None => is_break || f.is_loop,
                });
                match frame {
                    Some(f) if is_break => f.breaks.push(st),
                    Some(f) => f.continues.push(st),
                    None => {}
                }
                None
            }
            "fallthrough_statement"
            | "empty_statement"
            | "const_declaration"
            | "type_declaration" => Some(st),
            _ => {
                // Unknown statement kinds: visit what they contain so that
                // nothing they do is missed.
                for c in named_children(node) {
                    self.expr(c, &mut st, Ctx::Bare);
                }
                Some(st)
            }
        };
        self.depth -= 1;
        out
    }

    fn var_spec(&mut self, spec: Node<'_>, st: &mut State) {
        let ty = spec.field("type").map(|t| Ty::from_node(t, self.src));
        let values: Vec<Node<'_>> = spec
            .field("value")
            .map(|v| named_children(v).collect())
            .unwrap_or_default();
        for v in &values {
            self.expr(*v, st, Ctx::Bare);
        }
        let mut c = spec.walk();
        let names: Vec<_> = spec.children_by_field_name("name", &mut c).collect();
        let single_call = values.len() == 1 && names.len() > 1;
        for (i, n) in names.iter().enumerate() {
            let Some(id) = self.declare(*n, ty.clone()) else {
                continue;
            };
            let path = local(id);
            if single_call {
                continue;
            }
            match values.get(i) {
                Some(v) => {
                    let inferred = self.assign_value(st, &path, ty.as_ref(), *v, Span::of(spec));
                    if ty.is_none() {
                        self.facts.vars[id as usize].ty = inferred;
                    }
                    if let Some((src, t)) = self.copy_source(*v) {
                        let var = &mut self.facts.vars[id as usize];
                        var.copy_of = Some(src);
                        var.ty.get_or_insert(t);
                    }
                }
                None => {
                    if let Some(ty) = &ty {
                        let fix =
                            (names.len() == 1 && self.pkg.is_map(ty) && !self.local_shadowed(ty))
                                .then(|| {
                                    let t = spec.field("type").unwrap();
                                    (t.end_byte(), self.text(t).to_string())
                                });
                        let kind = if matches!(self.resolve(ty), Ty::Struct(_)) {
                            OriginKind::ZeroStruct {
                                type_name: self.text(spec.field("type").unwrap()).to_string(),
                            }
                        } else {
                            OriginKind::VarDecl { fix }
                        };
                        let origin = Origin {
                            span: Span::of(spec),
                            kind,
                        };
                        self.zero_init(st, &path, ty, origin, 0);
                        self.zero_array(st, &path, spec);
                    }
                }
            }
        }
    }

    fn local_shadowed(&self, ty: &Ty) -> bool {
        matches!(ty, Ty::Named(n) if self.local_types.contains(n))
    }

    fn short_var(&mut self, node: Node<'_>, st: &mut State) {
        let left: Vec<Node<'_>> = node
            .field("left")
            .map(|l| named_children(l).collect())
            .unwrap_or_default();
        let right: Vec<Node<'_>> = node
            .field("right")
            .map(|r| named_children(r).collect())
            .unwrap_or_default();
        for r in &right {
            self.expr(*r, st, Ctx::Bare);
        }
        let paired = left.len() == right.len();
        for (i, l) in left.iter().enumerate() {
            let name = self.text(*l);
            // `a, err := ...` redeclares only names new to this scope.
            let existing = self.scopes.in_innermost(name);
            let id = match existing {
                Some(id) => {
                    st.clear(&local(id));
                    Some(id)
                }
                None => self.declare(*l, None),
            };
            let Some(id) = id else { continue };
            if paired {
                // A volatile name's value is not tracked, but its type is
                // still what the right-hand side says.
                let mut scratch = State::default();
                let target = if self.volatile.contains(name) {
                    &mut scratch
                } else {
                    &mut *st
                };
                let inferred =
                    self.assign_value(target, &local(id), None, right[i], Span::of(node));
                if existing.is_none() {
                    self.facts.vars[id as usize].ty = inferred;
                }
            } else if right.len() == 1 && existing.is_none() {
                // `m, err := load()`: result i; `v, ok := m[k]` (and type
                // assertions, receives): the value's type.
                let r = strip_parens(right[0]);
                let ty = match r.kind_name() {
                    "call_expression" => self.call_result(r, i),
                    "index_expression" | "type_assertion_expression" | "unary_expression"
                        if i == 0 =>
                    {
                        self.expr_type(r)
                    }
                    _ => None,
                };
                self.facts.vars[id as usize].ty = ty;
            }
            // `v := m[k]`, `v, ok := m[k]`, `b := a`, `b := *p`: a struct copy.
            let rhs = if paired {
                Some(right[i])
            } else if i == 0
                && right.len() == 1
                && strip_parens(right[0]).kind_name() == "index_expression"
            {
                Some(right[0])
            } else {
                None
            };
            if existing.is_none()
                && let Some((src, ty)) = rhs.and_then(|r| self.copy_source(r))
            {
                let v = &mut self.facts.vars[id as usize];
                v.copy_of = Some(src);
                v.ty = Some(ty);
            }
        }
    }

    /// Returns true when the statement certainly panics on a nil map write.
    fn assignment(&mut self, node: Node<'_>, st: &mut State) -> bool {
        let left: Vec<Node<'_>> = node
            .field("left")
            .map(|l| named_children(l).collect())
            .unwrap_or_default();
        let right: Vec<Node<'_>> = node
            .field("right")
            .map(|r| named_children(r).collect())
            .unwrap_or_default();
        let plain = node.field("operator").is_none_or(|o| self.text(o) == "=");
        for r in &right {
            self.expr(*r, st, Ctx::Bare);
        }
        let paired = plain && left.len() == right.len();
        // Go evaluates every right-hand side before assigning any: in
        // `a, b = b, a` each value comes from the state before the statement.
        let before = (paired && left.len() > 1).then(|| st.clone());
        let mut panics = false;
        for (i, l) in left.iter().enumerate() {
            panics |= self.write_target(*l, st);
            let lk = strip_parens(*l).kind_name();
            if lk == "identifier" {
                self.note_ref(strip_parens(*l));
            }
            if plain && matches!(lk, "identifier" | "selector_expression") {
                let (_, is_map) = self.target_of(*l);
                let rhs_map = paired && self.is_map_value(right[i]);
                if is_map || rhs_map {
                    self.record(
                        st,
                        AccessKind::Reassign,
                        Span::of(node),
                        *l,
                        MapVal::Unknown,
                    );
                }
            }
            let Some((path, ty)) = self.path_of(*l) else {
                // `m[f(x)] = v`: any entry of `m` may now be set.
                let l = strip_parens(*l);
                if l.kind_name() == "index_expression"
                    && let Some((parent, _)) = l.field("operand").and_then(|o| self.path_of(o))
                {
                    let depth = parent.segs.len();
                    st.forget(|p, _| {
                        p.starts_with(&parent)
                            && p.segs.len() > depth
                            && matches!(p.segs[depth], Seg::Key(_))
                    });
                    st.fresh.remove(&parent);
                }
                continue;
            };
            st.entry_assigned(&path);
            st.element_written(&path);
            if !paired {
                st.clear(&path);
            } else if let Some(before) = &before {
                let mut scratch = before.clone();
                self.assign_value(&mut scratch, &path, ty.as_ref(), right[i], Span::of(node));
                st.clear(&path);
                let below = |p: &Path| p.starts_with(&path);
                st.vals.extend(
                    scratch
                        .vals
                        .iter()
                        .filter(|(p, _)| below(p))
                        .map(|(p, v)| (p.clone(), v.clone())),
                );
                st.fresh.extend(
                    scratch
                        .fresh
                        .iter()
                        .filter(|(p, _)| below(p))
                        .map(|(p, o)| (p.clone(), o.clone())),
                );
            } else {
                self.assign_value(st, &path, ty.as_ref(), right[i], Span::of(node));
            }
        }
        panics
    }

    /// Records an index write if `target` is one, and visits the target's
    /// sub-expressions. Returns true when the write certainly panics (the
    /// map is nil): nothing after it runs.
    fn write_target(&mut self, target: Node<'_>, st: &mut State) -> bool {
        let t = strip_parens(target);
        if let Some(outer) = self.nested_index(t) {
            // `m[a.b][c.d] = v`, parsed as a generic instantiation: a write
            // into the inner map `m[a.b]`.
            self.expr(outer, st, Ctx::Read);
            let map = self.path_of(outer);
            let is_map = match &map {
                Some((_, Some(ty))) => matches!(self.resolve(ty), Ty::Map(..)),
                _ => false,
            };
            if !is_map {
                return false;
            }
            let state = match &map {
                Some((p, _)) => self.value(st, p),
                None => MapVal::Unknown,
            };
            self.record(
                st,
                AccessKind::IndexWrite,
                Span::of(t),
                outer,
                state.clone(),
            );
            return matches!(state, MapVal::Nil(_));
        }
        if t.kind_name() == "index_expression" {
            let operand = t.field("operand");
            if let Some(i) = t.field("index") {
                self.expr(i, st, Ctx::Bare);
            }
            if let Some(o) = operand {
                self.expr(o, st, Ctx::Read);
                let map = self.path_of(o);
                let is_map_write = match &map {
                    Some((_, Some(ty))) => {
                        !matches!(self.resolve(ty), Ty::Slice(_) | Ty::Pointer(_))
                    }
                    _ => true,
                };
                let state = match &map {
                    Some((p, _)) => self.value(st, p),
                    None => self
                        .unkeyed_entry(st, o)
                        .or_else(|| self.never_assigned_nil(o))
                        .unwrap_or(MapVal::Unknown),
                };
                if is_map_write {
                    self.record(st, AccessKind::IndexWrite, Span::of(t), o, state.clone());
                }
                return is_map_write && matches!(state, MapVal::Nil(_));
            }
        } else {
            match t.kind_name() {
                "identifier" => {}
                "selector_expression" => {
                    if let Some(o) = t.field("operand") {
                        self.expr(o, st, Ctx::Read);
                    }
                }
                _ => self.expr(t, st, Ctx::Read),
            }
        }
        false
    }

    /// `m[a.b][c.d]`: tree-sitter reads it as a generic type instantiation
    /// (`m[a.b]` a generic type, `c.d` a qualified type). When `m` is a
    /// variable, not a type, it is an index of an index: returns the inner
    /// map's expression (the `generic_type` node, `m[a.b]`).
    fn nested_index<'n>(&self, t: Node<'n>) -> Option<Node<'n>> {
        if t.kind_name() != "type_instantiation_expression" || t.named_child_count() != 2 {
            return None;
        }
        let outer = t
            .field("type")
            .filter(|g| g.kind_name() == "generic_type")?;
        let name = outer
            .field("type")
            .filter(|n| n.kind_name() == "type_identifier")?;
        let args = outer.field("type_arguments")?;
        if args.named_child_count() != 1 {
            return None;
        }
        let name = self.text(name);
        if self.lookup(name).is_none() && !self.pkg.vars.contains_key(name) {
            return None;
        }
        Some(outer)
    }

    /// `m[f(x)][k] = v` with `m` a fresh map of maps: a key the analysis
    /// cannot follow still names an entry never set when no entry of `m`
    /// is known to be anything but nil.
    fn unkeyed_entry(&self, st: &State, index: Node<'_>) -> Option<MapVal> {
        let index = strip_parens(index);
        if index.kind_name() != "index_expression" {
            return None;
        }
        let (parent, _) = self.path_of(index.field("operand")?)?;
        let origin = st.fresh.get(&parent)?;
        let depth = parent.segs.len();
        let all_nil = st.vals.iter().all(|(p, v)| {
            !(p.starts_with(&parent) && p.segs.len() > depth) || matches!(v, MapVal::Nil(_))
        });
        all_nil.then_some(MapVal::Nil(Origin {
            span: origin.span,
            kind: OriginKind::MissingEntry,
        }))
    }

    /// A local map the analysis does not follow (a closure touches it)
    /// that is nil everywhere: declared without a value, and never
    /// assigned, redeclared or given away by address in the function.
    fn never_assigned_nil(&self, map: Node<'_>) -> Option<MapVal> {
        let map = strip_parens(map);
        if map.kind_name() != "identifier" {
            return None;
        }
        let name = self.text(map);
        if !self.volatile.contains(name) {
            return None;
        }
        let (decl, origin) = self
            .never_assigned
            .get_or_init(|| self.find_never_assigned())
            .get(name)?;
        let id = self.lookup(name)?;
        (self.facts.vars[id as usize].span == *decl).then(|| MapVal::Nil(origin.clone()))
    }

    fn find_never_assigned(&self) -> HashMap<String, (Span, Origin)> {
        let src = self.src;
        let mut decls: HashMap<&str, Vec<Option<(Span, Origin)>>> = HashMap::default();
        let mut changed: HashSet<&str> = HashSet::default();
        let lefts = |n: Node<'_>| -> Vec<&str> {
            n.field("left")
                .map(|l| {
                    named_children(l)
                        .filter_map(|c| {
                            let c = strip_parens(c);
                            (c.kind_name() == "identifier").then(|| &src[c.byte_range()])
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for_each_named(self.func, |n| match n.kind_name() {
            "var_spec" => {
                let ty = n.field("type");
                let valued = n.field("value").is_some();
                let mut c = n.walk();
                let names: Vec<Node<'_>> = n.children_by_field_name("name", &mut c).collect();
                for nm in &names {
                    let entry = match ty {
                        Some(t)
                            if !valued
                                && self.pkg.is_map(&Ty::from_node(t, src))
                                && !self.local_shadowed(&Ty::from_node(t, src)) =>
                        {
                            let fix = (names.len() == 1)
                                .then(|| (t.end_byte(), src[t.byte_range()].to_string()));
                            Some((
                                Span::of(*nm),
                                Origin {
                                    span: Span::of(n),
                                    kind: OriginKind::VarDecl { fix },
                                },
                            ))
                        }
                        _ => None,
                    };
                    decls.entry(&src[nm.byte_range()]).or_default().push(entry);
                }
            }
            "parameter_declaration" | "variadic_parameter_declaration" | "const_spec" => {
                let mut c = n.walk();
                for nm in n.children_by_field_name("name", &mut c) {
                    decls.entry(&src[nm.byte_range()]).or_default().push(None);
                }
            }
            "short_var_declaration" => {
                for l in lefts(n) {
                    decls.entry(l).or_default().push(None);
                }
            }
            "range_clause" | "assignment_statement" | "receive_statement" => {
                changed.extend(lefts(n));
            }
            "inc_statement" | "dec_statement" => {
                if let Some(c) = n.named_child(0).map(strip_parens)
                    && c.kind_name() == "identifier"
                {
                    changed.insert(&src[c.byte_range()]);
                }
            }
            "unary_expression" if op_text(n, src) == "&" => {
                if let Some(r) = n.field("operand").and_then(|o| root_ident(o, src)) {
                    changed.insert(r);
                }
            }
            _ => {}
        });
        decls
            .into_iter()
            .filter(|(name, _)| !changed.contains(name))
            .filter_map(|(name, d)| match d.as_slice() {
                [Some(one)] => Some((name.to_string(), one.clone())),
                _ => None,
            })
            .collect()
    }

    /// A struct value copied by evaluating `rhs`: where from, and its type.
    fn copy_source(&self, rhs: Node<'_>) -> Option<(CopySource, Ty)> {
        let rhs = strip_parens(rhs);
        let value_struct = |t: &Ty| !matches!(t, Ty::Pointer(_)) && self.struct_name(t).is_some();
        match rhs.kind_name() {
            "identifier" => {
                let name = self.text(rhs);
                let Some(id) = self.lookup(name) else {
                    let t = self.pkg.vars.get(name)?.ty.clone()?;
                    return value_struct(&t).then(|| (CopySource::Global(Span::of(rhs)), t));
                };
                let t = self.var_ty(id)?;
                value_struct(&t).then_some((CopySource::Var(id), t))
            }
            "unary_expression" if op_text(rhs, self.src) == "*" => {
                let o = strip_parens(rhs.field("operand")?);
                if o.kind_name() != "identifier" {
                    return None;
                }
                let id = self.lookup(self.text(o))?;
                match self.var_ty(id)? {
                    Ty::Pointer(inner) if value_struct(&inner) => {
                        Some((CopySource::Deref(id), *inner))
                    }
                    _ => None,
                }
            }
            "index_expression" => {
                let t = self.expr_type(rhs)?;
                value_struct(&t).then_some((CopySource::Index(Span::of(rhs)), t))
            }
            // `dev := base.Clone()` where Clone only copies the struct.
            "call_expression" => {
                let f = rhs.field("function")?;
                if f.kind_name() != "selector_expression"
                    || rhs.field("arguments")?.named_child_count() != 0
                {
                    return None;
                }
                let o = strip_parens(f.field("operand")?);
                if o.kind_name() != "identifier" {
                    return None;
                }
                let method = self.text(f.field("field")?);
                let name = self.text(o);
                let (src, ty) = match self.lookup(name) {
                    Some(id) => (CopySource::Var(id), self.var_ty(id)?),
                    None => (
                        CopySource::Global(Span::of(o)),
                        self.pkg.vars.get(name)?.ty.clone()?,
                    ),
                };
                let inner = match ty {
                    Ty::Pointer(t) => *t,
                    t => t,
                };
                let type_name = self.struct_name(&inner)?;
                self.shallow_clone(&type_name, method)
                    .then_some((src, inner))
            }
            _ => None,
        }
    }

    /// Method `method` of `type_name` returns a copy of its receiver's
    /// struct (`cp := *c; return &cp`) without giving any map field a map
    /// of its own: the copy shares every map with the original.
    fn shallow_clone(&self, type_name: &str, method: &str) -> bool {
        let mut found = self.pkg.funcs.iter().filter(|f| {
            f.name == method
                && f.receiver
                    .as_ref()
                    .is_some_and(|r| r.type_name == type_name)
        });
        let (Some(decl), None) = (found.next(), found.next()) else {
            return false;
        };
        let Some(recv) = decl.receiver.as_ref().and_then(|r| r.name.as_deref()) else {
            return false;
        };
        let text = &self.pkg.files[decl.file].text()[decl.span.start..decl.span.end];
        let Some(body) = text.find('{').map(|i| &text[i..]) else {
            return false;
        };
        // `cp := *c` (pointer receiver) or `cp := c` (value receiver).
        let Some(cp) = body.lines().find_map(|l| {
            let (lhs, rhs) = l.split_once(":=")?;
            let rhs = rhs.trim();
            (rhs == format!("*{recv}") || rhs == recv)
                .then(|| lhs.trim())
                .filter(|c| c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
        }) else {
            return false;
        };
        let returns = body.contains(&format!("return &{cp}\n"))
            || body.contains(&format!("return {cp}\n"))
            || body.contains(&format!("return &{cp}}}"))
            || body.contains(&format!("return {cp}}}"));
        let maps: Vec<&str> = self
            .pkg
            .types
            .get(type_name)
            .and_then(|t| self.pkg.struct_fields(&t.ty))
            .map(|fs| {
                fs.iter()
                    .filter(|f| matches!(self.pkg.resolve(&f.ty), Ty::Map(..)))
                    .map(|f| f.name.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let gives_own = maps.iter().any(|m| body.contains(&format!("{cp}.{m} =")))
            || body.contains("maps.Clone")
            || body.contains("make(");
        returns && !maps.is_empty() && !gives_own
    }

    /// A package function named `new...`/`New...` returning one of the
    /// package's types: a constructor, whose result nobody else has seen.
    fn is_constructor(&self, f: Node<'_>) -> bool {
        if f.kind_name() != "identifier" || self.lookup(self.text(f)).is_some() {
            return false;
        }
        let name = self.text(f);
        if !(name.starts_with("new") || name.starts_with("New")) {
            return false;
        }
        match self.pkg.result_of(None, name) {
            Some(Ty::Pointer(t)) => {
                matches!(t.as_ref(), Ty::Named(n) if self.pkg.types.contains_key(n))
            }
            Some(Ty::Named(n)) => self.pkg.types.contains_key(n),
            _ => false,
        }
    }

    /// `make(map...)` or a map literal.
    fn is_map_value(&self, rhs: Node<'_>) -> bool {
        let rhs = strip_parens(rhs);
        let ty = match rhs.kind_name() {
            "composite_literal" => rhs.field("type"),
            "call_expression"
                if rhs
                    .field("function")
                    .is_some_and(|f| self.text(f) == "make") =>
            {
                rhs.field("arguments").and_then(|a| a.named_child(0))
            }
            _ => None,
        };
        ty.is_some_and(|t| self.pkg.is_map(&Ty::from_node(t, self.src)))
    }

    /// Assigns the value of `rhs` to `path` and returns the type it gives
    /// the place, when the expression shows it.
    fn assign_value(
        &mut self,
        st: &mut State,
        path: &Path,
        declared: Option<&Ty>,
        rhs: Node<'_>,
        stmt: Span,
    ) -> Option<Ty> {
        st.clear(path);
        let rhs = strip_parens(rhs);
        let creates = match rhs.kind_name() {
            "composite_literal" => true,
            "unary_expression" => rhs
                .field("operand")
                .is_some_and(|o| strip_parens(o).kind_name() == "composite_literal"),
            "call_expression" => rhs
                .field("function")
                .is_some_and(|f| matches!(self.text(f), "make" | "new") || self.is_constructor(f)),
            _ => false,
        };
        if creates {
            st.owned.insert(path.clone());
        }
        match rhs.kind_name() {
            "nil" => {
                if declared.is_none_or(|t| self.pkg.is_map(t)) {
                    st.vals.insert(
                        path.clone(),
                        MapVal::Nil(Origin {
                            span: stmt,
                            kind: OriginKind::NilAssign,
                        }),
                    );
                }
                None
            }
            "type_conversion_expression" => {
                let ty = Ty::from_node(rhs.field("type")?, self.src);
                let operand = rhs.field("operand").map(strip_parens);
                if operand.is_some_and(|o| o.kind_name() == "nil") && self.pkg.is_map(&ty) {
                    st.vals.insert(
                        path.clone(),
                        MapVal::Nil(Origin {
                            span: stmt,
                            kind: OriginKind::NilAssign,
                        }),
                    );
                }
                Some(ty)
            }
            "call_expression" => {
                let f = rhs.field("function")?;
                let fname = self.text(f);
                let args = rhs.field("arguments")?;
                if matches!(
                    fname,
                    "fmt.Sprint" | "fmt.Sprintf" | "fmt.Sprintln" | "strings.Join"
                ) {
                    return Some(Ty::Named("string".into()));
                }
                if f.kind_name() == "identifier"
                    && self.lookup(fname).is_none()
                    && !matches!(fname, "make" | "new")
                {
                    // `Set(nil)`: a conversion of nil to a map type of this package.
                    let ty = Ty::Named(fname.to_string());
                    let only_nil = named_children(args)
                        .map(strip_parens)
                        .map(|a| a.kind_name())
                        .eq(["nil"]);
                    if only_nil && self.pkg.is_map(&ty) && !self.local_shadowed(&ty) {
                        st.vals.insert(
                            path.clone(),
                            MapVal::Nil(Origin {
                                span: stmt,
                                kind: OriginKind::NilAssign,
                            }),
                        );
                        return Some(ty);
                    }
                    return self.call_result(rhs, 0);
                }
                if f.kind_name() != "identifier"
                    || !matches!(fname, "make" | "new")
                    || self.lookup(fname).is_some()
                {
                    return self.call_result(rhs, 0);
                }
                let ty = Ty::from_node(named_children(args).next()?, self.src);
                if fname == "make" {
                    // `make([]T, 4)`: each element (up to 16) is a zero `T`.
                    if let Ty::Slice(elem) = self.resolve(&ty).clone()
                        && !matches!(*elem, Ty::Pointer(_))
                        && self.struct_name(&elem).is_some()
                        && let Some(n) = named_children(args)
                            .nth(1)
                            .and_then(|l| self.text(l).parse::<usize>().ok())
                        && n <= 16
                    {
                        let origin = Origin {
                            span: Span::of(rhs),
                            kind: OriginKind::ZeroStruct {
                                type_name: named_children(args)
                                    .next()
                                    .map(|t| self.text(t).trim_start_matches("[]").to_string())
                                    .unwrap_or_default(),
                            },
                        };
                        for i in 0..n {
                            let e = path.child(Seg::Key(i.to_string()));
                            self.zero_init(st, &e, &elem, origin.clone(), 0);
                        }
                    }
                    if let Ty::Map(v, _) = self.resolve(&ty).clone() {
                        st.vals.insert(path.clone(), MapVal::Made);
                        if self.pkg.is_map(&v) && !self.local_shadowed(&v) {
                            st.fresh.insert(
                                path.clone(),
                                Origin {
                                    span: Span::of(rhs),
                                    kind: OriginKind::MissingEntry,
                                },
                            );
                        }
                    }
                    Some(ty)
                } else {
                    let origin = Origin {
                        span: Span::of(rhs),
                        kind: OriginKind::ZeroStruct {
                            type_name: self.text(named_children(args).next()?).to_string(),
                        },
                    };
                    if matches!(self.resolve(&ty), Ty::Struct(_)) {
                        self.zero_init(st, path, &ty, origin, 0);
                    }
                    Some(Ty::Pointer(Box::new(ty)))
                }
            }
            "unary_expression" if op_text(rhs, self.src) == "&" => {
                let inner = strip_parens(rhs.field("operand")?);
                if inner.kind_name() == "composite_literal" {
                    let ty = self.composite(st, path, inner)?;
                    Some(Ty::Pointer(Box::new(ty)))
                } else {
                    None
                }
            }
            "composite_literal" => self.composite(st, path, rhs),
            "interpreted_string_literal" | "raw_string_literal" => Some(Ty::Named("string".into())),
            "identifier" | "selector_expression" | "index_expression" => {
                let (src_path, ty) = self.path_of(rhs)?;
                if ty.as_ref().is_some_and(|t| self.pkg.is_map(t)) || ty.is_none() {
                    match self.value(st, &src_path) {
                        v @ (MapVal::Nil(_) | MapVal::Made) => {
                            st.vals.insert(path.clone(), v);
                        }
                        MapVal::Unknown => {}
                    }
                }
                ty
            }
            _ => None,
        }
    }

    /// A composite literal assigned to `path`: maps are made (and, for maps
    /// of maps, their listed entries known), structs get their omitted map
    /// fields nil.
    fn composite(&mut self, st: &mut State, path: &Path, lit: Node<'_>) -> Option<Ty> {
        let ty = Ty::from_node(lit.field("type")?, self.src);
        let body = lit.field("body")?;
        match self.resolve(&ty).clone() {
            Ty::Map(v, _) => {
                st.vals.insert(path.clone(), MapVal::Made);
                if self.pkg.is_map(&v) && !self.local_shadowed(&v) {
                    st.fresh.insert(
                        path.clone(),
                        Origin {
                            span: Span::of(lit),
                            kind: OriginKind::MissingEntry,
                        },
                    );
                    for el in named_children(body) {
                        if el.kind_name() != "keyed_element" {
                            continue;
                        }
                        let (Some(k), Some(val)) = (el.field("key"), el.field("value")) else {
                            continue;
                        };
                        let key: String = self.text(k).split_whitespace().collect();
                        let entry = path.child(Seg::Key(key));
                        let inner = val.named_child(0);
                        match inner {
                            Some(i) if i.kind_name() == "literal_value" => {
                                st.vals.insert(entry, MapVal::Made);
                            }
                            Some(i) => {
                                self.assign_value(st, &entry, Some(&v), i, Span::of(el));
                            }
                            None => {}
                        }
                    }
                }
            }
            Ty::Struct(fields) => {
                let type_name = self.text(lit.field("type")?).to_string();
                self.struct_lit(st, path, &type_name, &fields, body, lit);
            }
            Ty::Slice(elem) => {
                // `[]T{{...}, {...}}`: each element a struct literal (up to
                // 16, unkeyed), tracked as `s[0]`, `s[1]`, ...
                let elem_node = lit.field("type").and_then(|t| t.field("element"));
                let fields = match self.resolve(&elem) {
                    Ty::Struct(f) if self.struct_name(&elem).is_some() => f.clone(),
                    _ => return Some(ty),
                };
                let (Some(elem_node), false) = (
                    elem_node,
                    named_children(body).any(|e| e.kind_name() == "keyed_element"),
                ) else {
                    return Some(ty);
                };
                let type_name = self.text(elem_node).to_string();
                for (i, e) in named_children(body)
                    .filter(|e| e.kind_name() == "literal_element")
                    .enumerate()
                    .take(16)
                {
                    let epath = path.child(Seg::Key(i.to_string()));
                    match e.named_child(0) {
                        Some(v) if v.kind_name() == "literal_value" => {
                            self.struct_lit(st, &epath, &type_name, &fields, v, v);
                        }
                        Some(v) if v.kind_name() == "composite_literal" => {
                            self.composite(st, &epath, v);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        Some(ty)
    }

    /// The fields of a struct literal of `type_name` at `path`: the ones
    /// given get their values, the ones left out their zero values.
    fn struct_lit(
        &mut self,
        st: &mut State,
        path: &Path,
        type_name: &str,
        fields: &[super::Field],
        body: Node<'_>,
        lit: Node<'_>,
    ) {
        let elements: Vec<Node<'_>> = named_children(body)
            .filter(|e| matches!(e.kind_name(), "keyed_element" | "literal_element"))
            .collect();
        let keyed = elements.iter().any(|e| e.kind_name() == "keyed_element");
        for (i, f) in fields.iter().enumerate() {
            let fpath = path.child(Seg::Field(f.name.clone()));
            let given = if keyed {
                elements.iter().find_map(|e| {
                    let k = e.field("key")?;
                    (self.text(k).trim() == f.name)
                        .then(|| e.field("value")?.named_child(0))
                        .flatten()
                })
            } else {
                elements.get(i).and_then(|e| e.named_child(0))
            };
            match given {
                Some(v) if v.kind_name() != "literal_value" => {
                    self.assign_value(st, &fpath, Some(&f.ty), v, Span::of(lit));
                }
                Some(_) => {}
                None if keyed || elements.is_empty() => {
                    let origin = Origin {
                        span: Span::of(lit),
                        kind: OriginKind::LiteralOmits {
                            type_name: type_name.to_string(),
                        },
                    };
                    self.zero_init(st, &fpath, &f.ty, origin, 1);
                }
                None => {}
            }
        }
    }

    /// `var a [4]T` with `T` a struct: each element (up to 16) is a zero
    /// `T`, tracked as `a[0]`, `a[1]`, ...
    fn zero_array(&mut self, st: &mut State, path: &Path, spec: Node<'_>) {
        let Some(t) = spec.field("type").filter(|t| t.kind_name() == "array_type") else {
            return;
        };
        let (Some(len), Some(elem)) = (t.field("length"), t.field("element")) else {
            return;
        };
        let Ok(n) = self.text(len).parse::<usize>() else {
            return;
        };
        let ety = Ty::from_node(elem, self.src);
        if n > 16 || self.struct_name(&ety).is_none() || matches!(ety, Ty::Pointer(_)) {
            return;
        }
        let origin = Origin {
            span: Span::of(spec),
            kind: OriginKind::ZeroStruct {
                type_name: self.text(elem).to_string(),
            },
        };
        for i in 0..n {
            let e = path.child(Seg::Key(i.to_string()));
            self.zero_init(st, &e, &ety, origin.clone(), 0);
        }
    }

    /// The zero value of `ty` at `path`: nil maps, recursively through
    /// struct fields held by value.
    fn zero_init(&mut self, st: &mut State, path: &Path, ty: &Ty, origin: Origin, depth: usize) {
        if depth > 4 {
            return;
        }
        match self.resolve(ty).clone() {
            Ty::Map(..) => {
                st.vals.insert(path.clone(), MapVal::Nil(origin));
            }
            Ty::Struct(fields) => {
                for f in fields {
                    if matches!(f.ty, Ty::Pointer(_)) {
                        continue;
                    }
                    self.zero_init(
                        st,
                        &path.child(Seg::Field(f.name.clone())),
                        &f.ty,
                        origin.clone(),
                        depth + 1,
                    );
                }
            }
            _ => {}
        }
    }

    fn if_stmt(&mut self, node: Node<'_>, mut st: State) -> Option<State> {
        self.scopes.push();
        if let Some(init) = node.field("initializer") {
            match self.stmt(init, Some(st)) {
                Some(s) => st = s,
                None => {
                    self.scopes.pop();
                    return None;
                }
            }
        }
        let cond = node.field("condition");
        if let Some(c) = cond {
            self.expr(c, &mut st, Ctx::Read);
        }
        let mut then_st = st.clone();
        let mut else_st = st;
        if let Some(c) = cond {
            self.refine(c, true, &mut then_st);
            self.refine(c, false, &mut else_st);
        }
        let then_out = match node.field("consequence") {
            Some(b) => self.block(b, Some(then_st)),
            None => Some(then_st),
        };
        let else_out = match node.field("alternative") {
            Some(alt) if alt.kind_name() == "block" => self.block(alt, Some(else_st)),
            Some(alt) => self.stmt(alt, Some(else_st)),
            None => Some(else_st),
        };
        self.scopes.pop();
        let flag = cond.is_some_and(|c| self.is_flag(c));
        let (t_locks, e_locks) = (
            then_out.as_ref().map(|s| s.locks.clone()),
            else_out.as_ref().map(|s| s.locks.clone()),
        );
        let mut out = join(then_out, else_out);
        // `if !hasLock { mu.Lock(); defer mu.Unlock() }`: a flag selects the
        // mode where the caller holds the lock; either way it is held after.
        if flag && let (Some(o), Some(t), Some(e)) = (out.as_mut(), t_locks, e_locks) {
            for (a, b) in [(&t, &e), (&e, &t)] {
                for (k, m) in &a.must {
                    if !b.must.contains_key(k) {
                        o.locks.acquire(k, *m);
                        if a.deferred.contains(k) {
                            o.locks.deferred.insert(k.clone());
                        }
                    }
                }
            }
        }
        out
    }

    /// A condition that is a plain boolean flag: `x`, `!x`, `s.locked`.
    fn is_flag(&self, cond: Node<'_>) -> bool {
        let c = strip_parens(cond);
        match c.kind_name() {
            "identifier" | "selector_expression" => true,
            "unary_expression" if op_text(c, self.src) == "!" => {
                c.field("operand").is_some_and(|o| {
                    matches!(
                        strip_parens(o).kind_name(),
                        "identifier" | "selector_expression"
                    )
                })
            }
            _ => false,
        }
    }

    /// Narrows `st` to the branch where `cond` evaluated to `truth`.
    fn refine(&mut self, cond: Node<'_>, truth: bool, st: &mut State) {
        let d = self.chain_depth.get();
        if d >= CHAIN_LIMIT {
            return;
        }
        self.chain_depth.set(d + 1);
        self.refine_inner(cond, truth, st);
        self.chain_depth.set(d);
    }

    fn refine_inner(&mut self, cond: Node<'_>, truth: bool, st: &mut State) {
        let cond = strip_parens(cond);
        match cond.kind_name() {
            "unary_expression" if op_text(cond, self.src) == "!" => {
                if let Some(o) = cond.field("operand") {
                    self.refine(o, !truth, st);
                }
            }
            "binary_expression" => {
                let (Some(l), Some(r), Some(op)) = (
                    cond.field("left"),
                    cond.field("right"),
                    cond.field("operator"),
                ) else {
                    return;
                };
                match (self.text(op), truth) {
                    ("&&", true) | ("||", false) => {
                        self.refine(l, truth, st);
                        self.refine(r, truth, st);
                    }
                    (op @ ("==" | "!="), _) => {
                        let (l, r) = (strip_parens(l), strip_parens(r));
                        let other = if r.kind_name() == "nil" {
                            l
                        } else if l.kind_name() == "nil" {
                            r
                        } else {
                            return;
                        };
                        let Some((path, ty)) = self.path_of(other) else {
                            return;
                        };
                        if ty.as_ref().is_some_and(|t| !self.pkg.is_map(t)) {
                            return;
                        }
                        let is_nil = (op == "==") == truth;
                        let v = if is_nil {
                            MapVal::Nil(Origin {
                                span: Span::of(cond),
                                kind: OriginKind::NilCompare,
                            })
                        } else {
                            MapVal::Made
                        };
                        st.vals.insert(path, v);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn for_stmt(&mut self, node: Node<'_>, mut st: State, label: Option<String>) -> Option<State> {
        self.scopes.push();
        let clause =
            named_children(node).find(|c| c.kind_name() != "block" && c.kind_name() != "comment");
        let body = node.field("body");
        let mut cond = None;
        let mut update = None;
        let mut range_left = None;
        let mut is_range = false;
        match clause {
            Some(c) if c.kind_name() == "for_clause" => {
                if let Some(init) = c.field("initializer") {
                    match self.stmt(init, Some(st)) {
                        Some(s) => st = s,
                        None => {
                            self.scopes.pop();
                            return None;
                        }
                    }
                }
                cond = c.field("condition");
                update = c.field("update");
            }
            Some(c) if c.kind_name() == "range_clause" => {
                is_range = true;
                if let Some(r) = c.field("right") {
                    self.record_read(&st, r);
                    self.expr(r, &mut st, Ctx::Read);
                    if self.report
                        && self
                            .expr_type(r)
                            .is_some_and(|t| self.pkg.is_map(&t) && !self.local_shadowed(&t))
                    {
                        let range = self.map_range(node, r);
                        self.facts.map_ranges.push(range);
                    }
                    // Ranging over a channel until it is closed waits for
                    // the senders: what follows the loop is synchronised.
                    if self.report
                        && matches!(
                            self.expr_type(r).as_ref().map(|t| self.resolve(t)),
                            Some(Ty::Chan)
                        )
                    {
                        self.facts.sync_points.push((self.ctx, node.end_byte()));
                    }
                }
                range_left = c.field("left").map(|l| (l, has_token(c, ":=")));
            }
            Some(c) => cond = Some(c),
            None => {}
        }
        // Iterate the body to a fixpoint without reporting, then once more
        // from the fixpoint with reporting as the caller had it.
        let outer_report = self.report;
        let mut head = st.clone();
        self.loop_fn += 1;
        self.loop_total += 1;
        // First pass from the entry state, recording facts as the caller
        // does: most loops converge at once, and then this pass is the final
        // one. Otherwise its facts are dropped and the loop is iterated to a
        // fixpoint without reporting, then passed once more with reporting.
        let marks = self.facts.marks();
        let (back, first_breaks) =
            self.loop_body(node, body, cond, update, range_left, &head, label.clone());
        let next = join(Some(head.clone()), back).unwrap_or_default();
        let breaks = if next == head || self.gave_up {
            first_breaks
        } else {
            self.facts.truncate(&marks);
            self.report = false;
            head = next;
            let mut converged = false;
            for _ in 0..3 {
                let (back, _) =
                    self.loop_body(node, body, cond, update, range_left, &head, label.clone());
                let next = join(Some(head.clone()), back).unwrap_or_default();
                if next == head {
                    converged = true;
                    break;
                }
                head = next;
                if self.gave_up {
                    break;
                }
            }
            if !converged {
                // What the maps hold is not known at the head; which locks
                // are held is (the locks' lattice is finite and joined above).
                head = State::with_locks(head.locks.clone());
            }
            self.report = outer_report;
            let (_, breaks) = self.loop_body(node, body, cond, update, range_left, &head, label);
            breaks
        };
        self.loop_fn -= 1;
        self.loop_total -= 1;
        let mut exit = None;
        // The loop ends when its condition is false (or a range runs out).
        if cond.is_some() || is_range {
            let mut s = head;
            if let Some(c) = cond {
                self.refine(c, false, &mut s);
            }
            exit = Some(s);
        }
        for b in breaks {
            exit = join(exit, Some(b));
        }
        self.scopes.pop();
        exit
    }

    /// One pass over a loop body from `head`: the state flowing back to the
    /// loop head, and the states leaving by `break`.
    #[allow(clippy::too_many_arguments)]
    fn loop_body(
        &mut self,
        _node: Node<'_>,
        body: Option<Node<'_>>,
        cond: Option<Node<'_>>,
        update: Option<Node<'_>>,
        range_left: Option<(Node<'_>, bool)>,
        head: &State,
        label: Option<String>,
    ) -> (Option<State>, Vec<State>) {
        let first_var = self.facts.vars.len() as VarId;
        let mut st = head.clone();
        if let Some(c) = cond {
            self.expr(c, &mut st, Ctx::Read);
            self.refine(c, true, &mut st);
        }
        self.scopes.push();
        // The element type of the ranged container, when its elements are
        // struct values (copied into the value variable).
        let right = named_children(_node)
            .find(|c| c.kind_name() == "range_clause")
            .and_then(|c| c.field("right"));
        let (elem, over_map) = right
            .and_then(
                |r| match self.expr_type(r).map(|t| self.resolve(&t).clone()) {
                    Some(Ty::Slice(e)) => Some((Some(*e), false)),
                    Some(Ty::Map(e, _)) => Some((Some(*e), true)),
                    _ => None,
                },
            )
            .unwrap_or((None, false));
        if let Some((left, declares)) = range_left {
            for (i, l) in named_children(left).enumerate() {
                if declares {
                    let value_var = i == 1;
                    let ty = elem.clone().filter(|_| value_var);
                    if let Some(id) = self.declare(l, ty.clone()) {
                        st.clear(&local(id));
                        if let (Some(t), Some(r)) = (ty, right)
                            && self.struct_name(&t).is_some()
                            && !matches!(t, Ty::Pointer(_))
                        {
                            self.facts.vars[id as usize].copy_of =
                                Some(CopySource::Range(Span::of(r), over_map));
                        }
                    }
                } else if let Some((p, _)) = self.path_of(l) {
                    st.clear(&p);
                }
            }
        }
        self.frames.push(Frame {
            label,
            is_loop: true,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let end = match body {
            Some(b) => self.block(b, Some(st)),
            None => Some(st),
        };
        let frame = self.frames.pop().unwrap();
        self.scopes.pop();
        let mut back = end;
        for c in frame.continues {
            back = join(back, Some(c));
        }
        if let Some(u) = update {
            back = self.stmt(u, back);
        }
        // Variables declared in the body are out of scope at the loop head
        // (and get new ids on the next pass): forget them.
        let mut breaks = frame.breaks;
        if let Some(b) = back.as_mut() {
            b.forget_vars_from(first_var);
        }
        for b in &mut breaks {
            b.forget_vars_from(first_var);
        }
        (back, breaks)
    }

    fn switch_stmt(
        &mut self,
        node: Node<'_>,
        mut st: State,
        label: Option<String>,
    ) -> Option<State> {
        self.scopes.push();
        if let Some(init) = node.field("initializer") {
            match self.stmt(init, Some(st)) {
                Some(s) => st = s,
                None => {
                    self.scopes.pop();
                    return None;
                }
            }
        }
        if let Some(v) = node.field("value") {
            self.expr(v, &mut st, Ctx::Read);
        }
        let alias: Vec<Node<'_>> = node
            .field("alias")
            .map(|a| named_children(a).collect())
            .unwrap_or_default();
        let cases: Vec<Node<'_>> = named_children(node)
            .filter(|c| {
                matches!(
                    c.kind_name(),
                    "expression_case" | "type_case" | "default_case" | "communication_case"
                )
            })
            .collect();
        let has_default = cases.iter().any(|c| c.kind_name() == "default_case");
        self.frames.push(Frame {
            label,
            is_loop: false,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let mut exit: Option<State> = None;
        let mut carried: Option<State> = None;
        // A case that takes a message (`case r := <-reqs:`) makes the loop
        // an actor handling requests, in all its cases. Bare ticks and
        // signals alone (`case <-t.C:`, `case <-stop:`) hand nothing over,
        // so they show no ownership.
        let actor = cases.iter().any(|case| {
            case.field("communication")
                .is_some_and(|c| c.kind_name() == "receive_statement" && c.field("left").is_some())
        });
        for case in &cases {
            let mut cs = st.clone();
            let receives = actor
                && case.field("communication").is_some_and(|c| {
                    c.kind_name() == "receive_statement"
                        || self.text(c).trim_start().starts_with("<-")
                });
            // An event loop blocks for its next message in a bare `for {}`;
            // a select with a default case just polls.
            let event_loop = receives && !has_default && self.loop_fn > 0 && in_bare_for(node);
            self.event_loop += usize::from(event_loop);
            self.scopes.push();
            for a in &alias {
                self.declare(*a, None);
            }
            if let Some(v) = case.field("value") {
                self.expr(v, &mut cs, Ctx::Read);
            }
            if let Some(comm) = case.field("communication") {
                match comm.kind_name() {
                    "receive_statement" => {
                        if let Some(r) = comm.field("right") {
                            self.expr(r, &mut cs, Ctx::Bare);
                        }
                        if let Some(l) = comm.field("left") {
                            let declares = has_token(comm, ":=");
                            for n in named_children(l) {
                                if declares {
                                    self.declare(n, None);
                                } else if let Some((p, _)) = self.path_of(n) {
                                    cs.clear(&p);
                                }
                            }
                        }
                    }
                    _ => {
                        if let Some(s) = self.stmt(comm, Some(cs.clone())) {
                            cs = s;
                        }
                    }
                }
            }
            let entry = join(Some(cs), carried.take());
            let mut out = entry;
            let mut falls = false;
            for s in named_children(*case) {
                if s.kind_name() == "statement_list" {
                    falls = named_children(s)
                        .last()
                        .is_some_and(|l| l.kind_name() == "fallthrough_statement");
                    out = self.stmts(s, out);
                }
            }
            self.scopes.pop();
            self.event_loop -= usize::from(event_loop);
            if falls {
                carried = out;
            } else {
                exit = join(exit, out);
            }
        }
        let frame = self.frames.pop().unwrap();
        if !has_default && node.kind_name() != "select_statement" {
            exit = join(exit, Some(st.clone()));
        }
        if cases.is_empty() && node.kind_name() == "select_statement" {
            // `select {}` blocks forever.
            exit = None;
        }
        for b in frame.breaks {
            exit = join(exit, Some(b));
        }
        self.scopes.pop();
        exit
    }

    // ----- expressions ------------------------------------------------

    fn expr(&mut self, node: Node<'_>, st: &mut State, ctx: Ctx) {
        if self.depth > DEPTH_LIMIT {
            self.gave_up = true;
            return;
        }
        self.depth += 1;
        self.expr_inner(node, st, ctx);
        self.depth -= 1;
    }

    fn expr_inner(&mut self, node: Node<'_>, st: &mut State, ctx: Ctx) {
        match node.kind_name() {
            "identifier" => {
                self.note_ref(node);
                if ctx == Ctx::Bare
                    && let Some((p, _)) = self.path_of(node)
                {
                    st.escape(&p);
                }
            }
            "selector_expression" | "index_expression" => {
                if ctx == Ctx::Bare
                    && let Some((p, _)) = self.path_of(node)
                {
                    st.escape(&p);
                }
                if let Some(o) = node.field("operand") {
                    if node.kind_name() == "index_expression" {
                        self.record_read(st, o);
                    }
                    self.expr(o, st, Ctx::Read);
                }
                if let Some(i) = node.field("index") {
                    self.expr(i, st, Ctx::Bare);
                }
            }
            "parenthesized_expression" => {
                if let Some(i) = node.named_child(0) {
                    self.expr(i, st, ctx);
                }
            }
            "unary_expression" => {
                let op = op_text(node, self.src);
                if op == "<-" && self.report {
                    self.facts.sync_points.push((self.ctx, node.start_byte()));
                }
                if let Some(o) = node.field("operand") {
                    if op == "&" {
                        if self.report
                            && let Some(id) = root_ident(o, self.src).and_then(|r| self.lookup(r))
                        {
                            self.facts.addr_taken.push(id);
                        }
                        if let Some((p, _)) = self.path_of(o) {
                            st.clear(&p);
                        }
                        self.expr(o, st, Ctx::Read);
                    } else {
                        self.expr(o, st, if op == "*" { ctx } else { Ctx::Bare });
                    }
                }
            }
            "binary_expression" => {
                let nil_cmp = named_children(node).any(|c| c.kind_name() == "nil");
                for c in named_children(node) {
                    self.expr(c, st, if nil_cmp { Ctx::Read } else { Ctx::Bare });
                }
            }
            "call_expression" => self.call(node, st),
            "func_literal" => self.closure(node, st),
            "type_conversion_expression" => {
                if let Some(o) = node.field("operand") {
                    self.expr(o, st, Ctx::Bare);
                }
            }
            "composite_literal" => {
                if let Some(b) = node.field("body") {
                    self.expr(b, st, Ctx::Bare);
                }
            }
            "keyed_element" => {
                // A struct literal's keys are field names, not variables.
                if let Some(v) = node.field("value") {
                    self.expr(v, st, Ctx::Bare);
                }
                if let Some(k) = node.field("key")
                    && k.named_child(0)
                        .is_some_and(|c| c.kind_name() != "identifier")
                {
                    self.expr(k, st, Ctx::Bare);
                }
            }
            "ERROR" => *st = State::default(),
            _ => {
                for c in named_children(node) {
                    self.expr(c, st, Ctx::Bare);
                }
            }
        }
    }

    /// What the body of `for ... range m` (over a map) does in iteration
    /// order. Nested function literals are not looked into.
    fn map_range(&self, node: Node<'_>, map: Node<'_>) -> MapRange {
        let body = node.field("body");
        let head = Span {
            start: node.start_byte(),
            end: body.map_or(node.end_byte(), |b| b.start_byte()),
        };
        let mut range = MapRange {
            span: Span::of(node),
            head,
            map_span: Span::of(map),
            sinks: Vec::new(),
            appends: Vec::new(),
            concats: Vec::new(),
            runs_once: false,
            ctx: self.ctx,
            key_ty: match self.expr_type(map).map(|t| self.resolve(&t).clone()) {
                Some(Ty::Map(_, k)) => Some(*k),
                _ => None,
            },
            clause: None,
            vars: Vec::new(),
            declares: false,
            body_start: body.map_or(node.end_byte(), |b| b.start_byte() + 1),
        };
        if let Some(c) = named_children(node).find(|c| c.kind_name() == "range_clause") {
            range.clause = Some(Span::of(c));
            range.declares = has_token(c, ":=");
            range.vars = c
                .field("left")
                .map(|l| {
                    named_children(l)
                        .map(|n| self.text(n).to_string())
                        .collect()
                })
                .unwrap_or_default();
        }
        let Some(body) = body else { return range };
        range.runs_once = last_statement(body)
            .is_some_and(|s| matches!(s.kind_name(), "break_statement" | "return_statement"));
        let declared_before = |name: &str| {
            self.lookup(name)
                .filter(|id| self.facts.vars[*id as usize].span.start < node.start_byte())
        };
        // The loop's own variables: output to a per-entry channel or writer
        // is not one stream in iteration order.
        let loop_vars: Vec<&str> = named_children(node)
            .find(|c| c.kind_name() == "range_clause")
            .and_then(|c| c.field("left"))
            .map(|l| named_children(l).map(|n| self.text(n)).collect())
            .unwrap_or_default();
        let per_entry = |target: Option<Node<'_>>| {
            target
                .and_then(|t| root_ident(t, self.src))
                .is_some_and(|r| loop_vars.contains(&r))
        };
        // Writers made or reset in the body are per entry too.
        let mut fresh_in_body: HashSet<&str> = HashSet::default();
        for_each_named(body, |n| match n.kind_name() {
            "short_var_declaration" => {
                if let Some(l) = n.field("left") {
                    fresh_in_body.extend(named_children(l).map(|i| self.text(i)));
                }
            }
            "var_spec" => {
                let mut c = n.walk();
                fresh_in_body.extend(
                    n.children_by_field_name("name", &mut c)
                        .map(|i| self.text(i)),
                );
            }
            "call_expression" => {
                if let Some(f) = n.field("function")
                    && f.kind_name() == "selector_expression"
                    && f.field("field").is_some_and(|m| self.text(m) == "Reset")
                    && let Some(r) = f.field("operand").and_then(|o| root_ident(o, self.src))
                {
                    fresh_in_body.insert(r);
                }
            }
            _ => {}
        });
        let per_entry = |target: Option<Node<'_>>| {
            per_entry(target)
                || target
                    .and_then(|t| root_ident(t, self.src))
                    .is_some_and(|r| fresh_in_body.contains(r))
        };
        let mentions_loop_var = |n: Node<'_>| {
            let mut found = false;
            for_each_named(n, |m| {
                if m.kind_name() == "identifier" && loop_vars.contains(&self.text(m)) {
                    found = true;
                }
            });
            found
        };
        // The walk keeps each visited node's parent (an index into `seen`).
        let mut seen = Ancestry::default();
        let mut stack: Vec<(Node<'_>, Option<usize>)> = vec![(body, None)];
        while let Some((n, parent)) = stack.pop() {
            let me = seen.push(n, parent);
            match n.kind_name() {
                // A function literal runs later (or on another goroutine,
                // or at return), unless it is called right here.
                "func_literal"
                    if !seen.parent(me).is_some_and(|p| {
                        p.kind_name() == "call_expression"
                            && p.field("function") == Some(n)
                            && !seen.grandparent(me).is_some_and(|g| {
                                matches!(g.kind_name(), "go_statement" | "defer_statement")
                            })
                    }) =>
                {
                    continue;
                }
                // A send carries the entry's data in iteration order; a token
                // (`sem <- struct{}{}`) does not.
                "send_statement"
                    if !per_entry(n.field("channel"))
                        && n.field("value").is_some_and(mentions_loop_var)
                        && !self.sink_exempt(&mut seen, me, &loop_vars) =>
                {
                    range.sinks.push((Span::of(n), "a channel send".into()))
                }
                "call_expression" => {
                    if let Some((what, target)) = self.output_call(n)
                        && !per_entry(target)
                        && !self.sink_exempt(&mut seen, me, &loop_vars)
                        && !(is_log_call(&what) && self.in_error_branch(&seen, me))
                    {
                        range.sinks.push((Span::of(n), what));
                    }
                }
                "assignment_statement" => {
                    let op = n.field("operator").map_or("=", |o| self.text(o));
                    let left: Vec<Node<'_>> = n
                        .field("left")
                        .map(|l| named_children(l).collect())
                        .unwrap_or_default();
                    let right: Vec<Node<'_>> = n
                        .field("right")
                        .map(|r| named_children(r).collect())
                        .unwrap_or_default();
                    if let ([l], [r]) = (left.as_slice(), right.as_slice())
                        && l.kind_name() == "identifier"
                        && let Some(id) = declared_before(self.text(*l))
                    {
                        let name = self.text(*l);
                        let r = strip_parens(*r);
                        let is_append = r.kind_name() == "call_expression"
                            && r.field("function")
                                .is_some_and(|f| self.text(f) == "append")
                            && r.field("arguments")
                                .and_then(|a| a.named_child(0))
                                .is_some_and(|a| self.text(a) == name);
                        let is_string =
                            matches!(self.var_ty(id), Some(Ty::Named(ref t)) if t == "string");
                        let self_concat = self.builds_on(r, name);
                        if op == "=" && is_append {
                            range.appends.push((id, Span::of(n)));
                        } else if is_string && (op == "+=" || (op == "=" && self_concat)) {
                            range.concats.push((id, Span::of(n)));
                        }
                    }
                }
                _ => {}
            }
            stack.extend(named_children(n).rev().map(|c| (c, Some(me))));
        }
        range.sinks.sort();
        range
    }

    /// `r`, assigned to string `name`, extends it: `name` is the leftmost
    /// operand of a `+` chain (`s + k + "=" + v`), or an argument of
    /// `fmt.Sprintf` (`fmt.Sprintf("%s%s,", s, k)`).
    fn builds_on(&self, r: Node<'_>, name: &str) -> bool {
        match r.kind_name() {
            "binary_expression" => {
                let mut cur = r;
                while cur.kind_name() == "binary_expression"
                    && cur.field("operator").is_some_and(|o| self.text(o) == "+")
                {
                    let Some(l) = cur.field("left") else {
                        return false;
                    };
                    cur = strip_parens(l);
                }
                cur != r && cur.kind_name() == "identifier" && self.text(cur) == name
            }
            "call_expression" => {
                r.field("function")
                    .is_some_and(|f| self.text(f) == "fmt.Sprintf")
                    && r.field("arguments").is_some_and(|a| {
                        named_children(a).skip(1).any(|x| {
                            let x = strip_parens(x);
                            x.kind_name() == "identifier" && self.text(x) == name
                        })
                    })
            }
            _ => false,
        }
    }

    /// Output at `sink` in a range body that runs at most once per loop (its
    /// block ends by leaving the loop, or it is guarded by `k == x` on a loop
    /// variable), or only when debugging (`if false`, `if debug`).
    /// `sink` is entry `sink` of `seen`, whose first entry is the body.
    /// What is known of an ancestor is kept: a chain of nested sinks costs
    /// its length once.
    fn sink_exempt<'t>(&self, seen: &mut Ancestry<'t>, sink: usize, loop_vars: &[&str]) -> bool {
        // Climb to the first ancestor already judged (or the body's child).
        let mut chain = Vec::new();
        let mut cur = sink;
        let mut exempt = loop {
            let Some(p) = seen.nodes[cur].1 else {
                break false;
            };
            if seen.nodes[p].1.is_none() {
                // `p` is the body.
                break false;
            }
            if let Some(e) = seen.exempt[cur] {
                break e;
            }
            chain.push(cur);
            cur = p;
        };
        // Back down: below an exempting ancestor everything is exempt.
        for &c in chain.iter().rev() {
            let p = seen.nodes[c].1.expect("a parent");
            exempt = exempt || self.exempts(seen.nodes[p].0, seen.nodes[c].0, loop_vars);
            seen.exempt[c] = Some(exempt);
        }
        exempt
    }

    /// Entry `i` of `seen` is in the branch that handles an error: the
    /// body of `if err != nil` (or of `if ...; err != nil`), or the `else`
    /// of `if err == nil`. A log line there reports a failure of one entry;
    /// the order such lines come in is not the program's output.
    fn in_error_branch(&self, seen: &Ancestry<'_>, i: usize) -> bool {
        let mut cur = i;
        while let Some(p) = seen.nodes[cur].1 {
            let (node, child) = (seen.nodes[p].0, seen.nodes[cur].0);
            if node.kind_name() == "if_statement"
                && let Some(c) = node.field("condition")
            {
                let cond: String = self.text(c).split_whitespace().collect();
                if (node.field("consequence") == Some(child) && cond.contains("err!=nil"))
                    || (node.field("alternative") == Some(child) && cond.contains("err==nil"))
                {
                    return true;
                }
            }
            cur = p;
        }
        false
    }

    /// Ancestor `p` of a sink, entered through its child `cur`, makes the
    /// sink run at most once per loop or only when debugging.
    fn exempts(&self, p: Node<'_>, cur: Node<'_>, loop_vars: &[&str]) -> bool {
        match p.kind_name() {
            "block" => self.block_exits(p),
            "if_statement" if p.field("consequence") == Some(cur) => {
                p.field("condition").is_some_and(|c| {
                    let text = self.text(c).to_lowercase();
                    text == "false"
                        || ["debug", "trace", "verbose"]
                            .iter()
                            .any(|w| text.contains(w))
                        // `k == x` on the key: one entry. A value can
                        // match many (`if n == 1` over counts).
                        || self.compares_loop_var(c, &loop_vars[..loop_vars.len().min(1)])
                })
            }
            _ => false,
        }
    }

    /// The block's last statement leaves the loop or the function.
    fn block_exits(&self, block: Node<'_>) -> bool {
        last_statement(block).is_some_and(|s| match s.kind_name() {
            "return_statement" | "break_statement" | "goto_statement" => true,
            "expression_statement" => s.named_child(0).is_some_and(|e| {
                self.is_terminating_call(e)
                    || e.field("function").is_some_and(|f| {
                        let t = self.text(f);
                        t.ends_with(".FailNow") || t.ends_with(".Fatal") || t.ends_with(".Fatalf")
                    })
            }),
            _ => false,
        })
    }

    /// `k == x` (or `x == k`) with `k` a loop variable: true for one entry.
    fn compares_loop_var(&self, cond: Node<'_>, loop_vars: &[&str]) -> bool {
        let c = strip_parens(cond);
        match c.kind_name() {
            "binary_expression" => {
                let op = c.field("operator").map(|o| self.text(o));
                let side = |f: &'static str| {
                    c.field(f).map(strip_parens).is_some_and(|n| {
                        n.kind_name() == "identifier" && loop_vars.contains(&self.text(n))
                    })
                };
                match op {
                    Some("==") => side("left") || side("right"),
                    Some("&&") => ["left", "right"].iter().any(|f| {
                        c.field(f)
                            .is_some_and(|n| self.compares_loop_var(n, loop_vars))
                    }),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// A call that writes output: `fmt.Print*`, `fmt.Fprint*`, `log.*`,
    /// `slog.*`, `io.WriteString`, and `Write`/`WriteString`/`WriteByte`/
    /// `WriteRune`/`Encode`/`Print*`/`Log*` methods on values whose type is
    /// not one this package declares (writers, encoders, hashes, loggers,
    /// `testing.T`), and `Info`/`Warn`/`Error`/`Debug` (`...f`,
    /// `...Context`) on such values with a string literal message.
    fn output_call<'n>(&self, call: Node<'n>) -> Option<(String, Option<Node<'n>>)> {
        let f = call.field("function")?;
        if f.kind_name() != "selector_expression" {
            return None;
        }
        let o = f.field("operand")?;
        let m = self.text(f.field("field")?);
        let name = self.text(o);
        let qualifier = o.kind_name() == "identifier"
            && self.lookup(name).is_none()
            && !self.pkg.vars.contains_key(name);
        let text = self.text(f).to_string();
        // Output functions the configuration names (`logx.Info`, or a
        // method name such as `Emit`).
        let ext = &self.pkg.extensions.output_functions;
        if ext
            .iter()
            .any(|x| *x == text || (!x.contains('.') && x == m))
        {
            return Some((text, (!qualifier).then_some(o)));
        }
        if qualifier {
            // `log.Fatal*` and `log.Panic*` end the loop: one message at most.
            let out = match name {
                "fmt" => matches!(
                    m,
                    "Print" | "Printf" | "Println" | "Fprint" | "Fprintf" | "Fprintln"
                ),
                "log" => m.starts_with("Print"),
                // Debug-level logs are off unless debugging: not judged.
                "slog" => matches!(
                    m,
                    "Info"
                        | "Warn"
                        | "Error"
                        | "Log"
                        | "LogAttrs"
                        | "InfoContext"
                        | "WarnContext"
                        | "ErrorContext"
                ),
                "io" => m == "WriteString",
                _ => false,
            };
            // The writer of `fmt.Fprint*` and `io.WriteString`.
            let target = (m.starts_with("Fprint") || m == "WriteString")
                .then(|| call.field("arguments").and_then(|a| a.named_child(0)))
                .flatten();
            return out.then_some((text, target));
        }
        let writer_method = matches!(
            m,
            "Write"
                | "WriteString"
                | "WriteByte"
                | "WriteRune"
                | "Encode"
                | "Print"
                | "Printf"
                | "Println"
                | "Log"
                | "Logf"
        );
        // Leveled logging (`logger.Info("msg", ...)`, slog, zap, logrus):
        // a statement whose message is a string literal, so that
        // `c.Error(err)` or `v := x.Error("...")` are not taken for it.
        // Debug-level logs are off unless debugging: not judged.
        let log_method = is_leveled_log_method(m)
            && call
                .field("arguments")
                .and_then(|a| named_children(a).nth(usize::from(m.ends_with("Context"))))
                .is_some_and(|a| {
                    matches!(
                        a.kind_name(),
                        "interpreted_string_literal" | "raw_string_literal"
                    )
                })
            && call
                .parent()
                .is_some_and(|p| p.kind_name() == "expression_statement");
        if !writer_method && !log_method {
            return None;
        }
        // `t.Errorf`: test failures, not output (only `t.Log*` is).
        let testing = |t: &Ty| matches!(t, Ty::Ext(n) if n.starts_with("testing."));
        if log_method
            && self.expr_type(o).is_some_and(|t| match &t {
                Ty::Pointer(p) => testing(p),
                t => testing(t),
            })
        {
            return None;
        }
        // A type of this package may give these names any meaning.
        let own_type = self.expr_type(o).is_some_and(|t| match t {
            Ty::Pointer(p) => matches!(*p, Ty::Named(_)),
            Ty::Named(_) => true,
            _ => false,
        });
        (!own_type).then_some((text, Some(o)))
    }

    /// A reference to a variable of an enclosing context (a capture).
    fn note_ref(&mut self, node: Node<'_>) {
        if !self.report {
            return;
        }
        if let Some(id) = self.lookup(self.text(node))
            && self.facts.vars[id as usize].ctx != self.ctx
        {
            self.facts.captures.push((self.ctx, id, node.start_byte()));
        }
    }

    /// A read of the contents of a map the model knows (for the
    /// concurrency rules): indexing it, ranging over it, its `len`. Copying
    /// the map value elsewhere is not a read of its contents.
    /// Called by the places that read contents (index operands, range
    /// right-hand sides, `len` and `maps.*` arguments), which know it.
    fn record_read(&mut self, st: &State, node: Node<'_>) {
        let node = strip_parens(node);
        if !self.report || !matches!(node.kind_name(), "identifier" | "selector_expression") {
            return;
        }
        let (target, is_map) = self.target_of(node);
        if is_map && target != Target::Other {
            self.record(st, AccessKind::Read, Span::of(node), node, MapVal::Unknown);
        }
    }

    fn call(&mut self, node: Node<'_>, st: &mut State) {
        let f = node.field("function");
        let args: Vec<Node<'_>> = node
            .field("arguments")
            .map(|a| named_children(a).collect())
            .unwrap_or_default();
        let builtin = f
            .filter(|f| f.kind_name() == "identifier")
            .map(|f| self.text(f))
            .filter(|n| self.lookup(n).is_none());
        match builtin {
            Some("len" | "cap") => {
                for a in args {
                    self.record_read(st, a);
                    self.expr(a, st, Ctx::Read);
                }
                return;
            }
            Some(b @ ("delete" | "clear")) => {
                if let Some(m) = args.first() {
                    let kind = if b == "delete" {
                        AccessKind::Delete
                    } else {
                        AccessKind::Clear
                    };
                    let nil = self
                        .path_of(*m)
                        .map_or(MapVal::Unknown, |(p, _)| self.value(st, &p));
                    self.record(st, kind, Span::of(node), *m, nil);
                    self.expr(*m, st, Ctx::Read);
                    if let Some((p, _)) = self.path_of(*m) {
                        // Entries change; the map itself stays what it was.
                        st.escape(&p);
                    }
                }
                for a in args.iter().skip(1) {
                    self.expr(*a, st, Ctx::Bare);
                }
                return;
            }
            Some("make" | "new") => {
                for a in args.iter().skip(1) {
                    self.expr(*a, st, Ctx::Bare);
                }
                return;
            }
            _ => {}
        }
        if self.lock_op(node, st, false) {
            return;
        }
        if let Some(f) = f
            && f.kind_name() == "selector_expression"
            && matches!(
                self.text(f),
                "maps.Keys" | "maps.Values" | "maps.Clone" | "maps.Copy" | "maps.All"
            )
            && let Some(a) = args.first()
        {
            self.record_read(st, *a);
        }
        if let Some(f) = f {
            if f.kind_name() == "selector_expression" {
                if let Some(o) = f.field("operand")
                    && let Some(m) = f.field("field")
                    && self.report
                {
                    let name = self.text(m).to_string();
                    if name == "Wait" {
                        self.facts.sync_points.push((self.ctx, node.start_byte()));
                    }
                    let type_name = self.expr_type(o).and_then(|t| self.struct_name(&t));
                    self.facts.calls.push(MethodCall {
                        name,
                        base: norm(self.text(o)),
                        type_name,
                        locks: st.locks.clone(),
                        ctx: self.ctx,
                        owned: self.owned(st, o),
                        event_loop: self.event_loop > 0,
                        span: Span::of(node),
                    });
                }
                // A method may change its receiver (pointer receivers), and
                // through it anything the receiver holds; the receiver stays
                // unseen by others.
                if let Some(o) = f.field("operand") {
                    if let Some((p, _)) = self.path_of(o) {
                        let owned = st.owned.contains(&p);
                        st.escape(&p);
                        if owned {
                            st.owned.insert(p);
                        }
                    }
                    self.expr(o, st, Ctx::Read);
                }
            } else {
                self.expr(f, st, Ctx::Read);
            }
        }
        for a in args {
            self.expr(a, st, Ctx::Bare);
        }
    }

    /// `defer f(...)`: a deferred unlock is registered (the lock stays held
    /// until return), a deferred `delete`/`clear` is recorded in a deferred
    /// context that runs with the locks of deferred calls registered before.
    fn defer_stmt(&mut self, stmt: Node<'_>, call: Node<'_>, st: &mut State) {
        if call.kind_name() == "call_expression" && self.lock_op(call, st, true) {
            return;
        }
        let f = call.field("function");
        let builtin = f
            .filter(|f| f.kind_name() == "identifier")
            .map(|f| self.text(f))
            .filter(|n| matches!(*n, "delete" | "clear") && self.lookup(n).is_none());
        if let Some(b) = builtin {
            let args: Vec<Node<'_>> = call
                .field("arguments")
                .map(|a| named_children(a).collect())
                .unwrap_or_default();
            for a in args.iter().skip(1) {
                self.expr(*a, st, Ctx::Bare);
            }
            if let Some(m) = args.first()
                && self.report
            {
                let outer = self.ctx;
                self.ctx = self.push_ctx(CtxKind::Defer, call, stmt, self.loop_fn > 0);
                let mut at_run = st.clone();
                at_run.locks = st.locks.at_deferred_run();
                let kind = if b == "delete" {
                    AccessKind::Delete
                } else {
                    AccessKind::Clear
                };
                self.record(&at_run, kind, Span::of(call), *m, MapVal::Unknown);
                self.ctx = outer;
            }
            return;
        }
        self.expr(call, st, Ctx::Bare);
    }

    fn push_ctx(
        &mut self,
        kind: CtxKind,
        span_node: Node<'_>,
        start: Node<'_>,
        in_loop: bool,
    ) -> CtxId {
        self.facts.ctxs.push(FnCtx {
            kind,
            parent: Some(self.ctx),
            span: Span::of(span_node),
            start: Span::of(start),
            in_loop,
            loop_depth: self.loop_total,
            name: None,
            receiver: None,
            type_name: None,
            handler: kind == CtxKind::Handler,
            caller_holds_lock: false,
        });
        self.facts.ctxs.len() - 1
    }

    /// How a function literal runs: the context kind, the node that starts
    /// it, and the locks held when its body starts.
    fn closure_kind<'n>(&self, lit: Node<'n>, st: &State) -> (CtxKind, Node<'n>, Locks) {
        let fresh = Locks::default();
        let unknown = Locks {
            unknown: true,
            ..Locks::default()
        };
        let handler = is_handler_signature(lit, self.src);
        let Some(parent) = lit.parent() else {
            return (CtxKind::Closure, lit, unknown);
        };
        match parent.kind_name() {
            "call_expression" if parent.field("function") == Some(lit) => match parent.parent() {
                Some(g) if g.kind_name() == "go_statement" => (CtxKind::Go, g, fresh),
                Some(d) if d.kind_name() == "defer_statement" => {
                    (CtxKind::Defer, d, self.deferred_locks(lit, st))
                }
                _ => (CtxKind::Closure, lit, st.locks.clone()),
            },
            "argument_list" => {
                let call = parent.parent().unwrap_or(parent);
                let method = call
                    .field("function")
                    .and_then(|f| match f.kind_name() {
                        "selector_expression" => f.field("field"),
                        "identifier" => Some(f),
                        _ => None,
                    })
                    .map(|n| self.text(n))
                    .unwrap_or("");
                let parallel = self.text(lit).contains(".Parallel()");
                match method {
                    "Go" | "AfterFunc" => (CtxKind::GoLike, call, fresh),
                    "Run" if parallel => (CtxKind::GoLike, call, fresh),
                    "HandleFunc" | "HandlerFunc" | "Handle" => (CtxKind::Handler, call, fresh),
                    _ if handler => (CtxKind::Handler, call, fresh),
                    // The callee decides when it runs and under which locks
                    // (`c.withLock(func() {...})`, a callback run later).
                    _ => (CtxKind::Closure, lit, unknown),
                }
            }
            _ if handler => (CtxKind::Handler, lit, fresh),
            _ => match self.started_later(lit, parent) {
                // Its start is set by `closure`: the `go` statement.
                Some(_) => (CtxKind::Go, lit, fresh),
                None => (CtxKind::Closure, lit, unknown),
            },
        }
    }

    /// The locks a deferred literal runs under: those with a deferred
    /// unlock registered (see `Locks::at_deferred_run`), and those held at
    /// the `defer` that the literal itself unlocks (`mu.Lock(); defer
    /// func() { ...; mu.Unlock() }()`): held until it releases them.
    fn deferred_locks(&self, lit: Node<'_>, st: &State) -> Locks {
        let mut locks = st.locks.at_deferred_run();
        let text = self.text(lit);
        for (k, m) in &st.locks.must {
            let base = match k.rsplit_once('.') {
                Some((b, "Mutex" | "RWMutex")) => Some(b),
                _ => None,
            };
            let unlocks = |key: &str| {
                text.contains(&format!("{key}.Unlock()"))
                    || text.contains(&format!("{key}.RUnlock()"))
            };
            if unlocks(k) || base.is_some_and(unlocks) {
                locks.must.insert(k.clone(), *m);
                locks.may.insert(k.clone(), *m);
            }
        }
        locks
    }

    /// `worker := func() {...}` later started with `go worker()` in the same
    /// function: the `go` statement, and how many loops around it do not
    /// hold the literal (each of its runs starts another goroutine).
    fn started_later(&self, lit: Node<'_>, parent: Node<'_>) -> Option<(Span, usize)> {
        if parent.kind_name() != "expression_list" || parent.named_child_count() != 1 {
            return None;
        }
        let decl = parent.parent()?;
        if !matches!(
            decl.kind_name(),
            "short_var_declaration" | "assignment_statement" | "var_spec"
        ) {
            return None;
        }
        let left = match decl.kind_name() {
            "var_spec" => decl.field("name")?,
            _ => decl.field("left")?,
        };
        let name = match left.kind_name() {
            "identifier" => self.text(left),
            "expression_list" if left.named_child_count() == 1 => {
                let n = left.named_child(0)?;
                (n.kind_name() == "identifier").then(|| self.text(n))?
            }
            _ => return None,
        };
        let body = self.func.field("body")?;
        let rest = &self.src[lit.end_byte()..body.end_byte()];
        let needle = format!("go {name}(");
        let mut from = 0;
        while let Some(i) = rest[from..].find(&needle) {
            let at = lit.end_byte() + from + i;
            from += i + needle.len();
            let before = self.src[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let Some(go) = body.descendant_for_byte_range(at, at + 2).and_then(|n| {
                let mut cur = Some(n);
                while let Some(c) = cur {
                    if c.kind_name() == "go_statement" {
                        return Some(c);
                    }
                    if c.start_byte() < at {
                        return None;
                    }
                    cur = c.parent();
                }
                None
            }) else {
                continue;
            };
            // Loops around the `go` statement that do not hold the literal.
            let mut loops = 0;
            for a in crate::model::path_to(body, go) {
                if matches!(a.kind_name(), "for_statement")
                    && !(a.start_byte() <= lit.start_byte() && lit.end_byte() <= a.end_byte())
                {
                    loops += 1;
                }
            }
            return Some((Span::of(go), loops));
        }
        None
    }

    /// A function literal is analysed on its own: what it captures is
    /// unknown inside it (it may run at any time).
    fn closure(&mut self, node: Node<'_>, outer_st: &mut State) {
        if !self.report {
            return;
        }
        let Some(body) = node.field("body") else {
            return;
        };
        let (kind, start, locks) = self.closure_kind(node, outer_st);
        let in_loop = match kind {
            CtxKind::Defer => self.loop_fn > 0,
            _ => self.loop_total > 0,
        };
        let outer_ctx = self.ctx;
        self.ctx = self.push_ctx(kind, node, start, in_loop);
        if kind == CtxKind::Go
            && let Some(parent) = node.parent()
            && let Some((go, loops)) = self.started_later(node, parent)
        {
            let c = &mut self.facts.ctxs[self.ctx];
            c.start = go;
            c.loop_depth += loops;
            c.in_loop |= loops > 0;
        }
        let saved_loop = std::mem::take(&mut self.loop_fn);
        let saved_frames = std::mem::take(&mut self.frames);
        self.scopes.push();
        let mut st = State::with_locks(locks);
        if let Some(p) = node.field("parameters") {
            self.declare_params(p, &mut st, false);
        }
        if let Some(r) = node.field("result")
            && r.kind_name() == "parameter_list"
        {
            self.declare_params(r, &mut st, true);
        }
        self.block(body, Some(st));
        self.scopes.pop();
        self.frames = saved_frames;
        self.loop_fn = saved_loop;
        self.ctx = outer_ctx;
    }

    fn is_terminating_call(&self, e: Node<'_>) -> bool {
        if e.kind_name() != "call_expression" {
            return false;
        }
        let Some(f) = e.field("function") else {
            return false;
        };
        match f.kind_name() {
            "identifier" => self.text(f) == "panic" && self.lookup("panic").is_none(),
            "selector_expression" => {
                let (Some(o), Some(m)) = (f.field("operand"), f.field("field")) else {
                    return false;
                };
                let (o, m) = (self.text(o), self.text(m));
                matches!(
                    (o, m),
                    ("os", "Exit")
                        | ("runtime", "Goexit")
                        | (
                            "log",
                            "Fatal" | "Fatalf" | "Fatalln" | "Panic" | "Panicf" | "Panicln"
                        )
                ) || (matches!(o, "t" | "b" | "f" | "tb")
                    && matches!(
                        m,
                        "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow"
                    ))
            }
            _ => false,
        }
    }
}

/// The names in scope: each name's declarations, innermost last, with the
/// scope they belong to. A lookup hashes the name once (a stack of maps
/// hashed it once per open scope), and names are borrowed from the source.
struct Scopes<'a> {
    names: HashMap<&'a str, Vec<(usize, VarId)>>,
    /// The names declared in each open scope, innermost last.
    open: Vec<Vec<&'a str>>,
}

impl Default for Scopes<'_> {
    fn default() -> Self {
        Scopes {
            names: HashMap::default(),
            open: vec![Vec::new()],
        }
    }
}

impl<'a> Scopes<'a> {
    fn push(&mut self) {
        self.open.push(Vec::new());
    }

    fn pop(&mut self) {
        for name in self.open.pop().unwrap_or_default() {
            if let Some(decls) = self.names.get_mut(name) {
                decls.pop();
            }
        }
    }

    /// Declares `name` in the innermost scope (again: the new one wins).
    fn declare(&mut self, name: &'a str, id: VarId) {
        let depth = self.open.len();
        let decls = self.names.entry(name).or_default();
        match decls.last_mut() {
            Some(last) if last.0 == depth => last.1 = id,
            _ => {
                decls.push((depth, id));
                if let Some(open) = self.open.last_mut() {
                    open.push(name);
                }
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.names.get(name)?.last().map(|&(_, id)| id)
    }

    /// `name` declared in the innermost scope.
    fn in_innermost(&self, name: &str) -> Option<VarId> {
        let depth = self.open.len();
        self.names
            .get(name)?
            .last()
            .filter(|&&(d, _)| d == depth)
            .map(|&(_, id)| id)
    }
}

/// Nodes met in a walk, each with the index of its parent (`None` for where
/// the walk started), and for the sink walk whether the entry is exempt.
/// A logging call, by its text: the `log` and `slog` packages, and
/// leveled logger methods (`lg.Warn`, `log.G(ctx).Errorf`).
fn is_log_call(what: &str) -> bool {
    let method = what.rsplit('.').next().unwrap_or("");
    what.starts_with("log.")
        || what.starts_with("slog.")
        || is_leveled_log_method(method)
        || matches!(method, "Warning" | "Warningf")
}

/// Methods of leveled loggers (slog, zap, logrus, klog) that write at Info
/// level or above (Debug is off unless debugging).
fn is_leveled_log_method(m: &str) -> bool {
    matches!(
        m,
        "Info"
            | "Warn"
            | "Error"
            | "Infof"
            | "Warnf"
            | "Errorf"
            | "InfoContext"
            | "WarnContext"
            | "ErrorContext"
    )
}

#[derive(Default)]
struct Ancestry<'t> {
    nodes: Vec<(Node<'t>, Option<usize>)>,
    exempt: Vec<Option<bool>>,
}

impl<'t> Ancestry<'t> {
    fn push(&mut self, n: Node<'t>, parent: Option<usize>) -> usize {
        self.nodes.push((n, parent));
        self.exempt.push(None);
        self.nodes.len() - 1
    }

    fn parent(&self, i: usize) -> Option<Node<'t>> {
        match self.nodes[i].1 {
            Some(p) => Some(self.nodes[p].0),
            None => self.nodes[i].0.parent(),
        }
    }

    fn grandparent(&self, i: usize) -> Option<Node<'t>> {
        match self.nodes[i].1 {
            Some(p) => self.parent(p),
            None => self.nodes[i].0.parent().and_then(|p| p.parent()),
        }
    }
}

fn local(id: VarId) -> Path {
    Path {
        root: Root::Local(id),
        segs: Vec::new(),
    }
}

/// Expression text with whitespace and parentheses around a dereference
/// removed: `(*c) .mu` and `c.mu` name the same thing.
pub fn norm(text: &str) -> String {
    let t: String = text.split_whitespace().collect();
    t.replace("(*", "").replace([')', '('], "")
}

/// Could this code hold an address taken (`&`, alone: not `&&`), a function
/// literal, a `goto` or a type declaration? (Text that has none of them
/// cannot: the prescan skips it.)
fn may_matter(text: &str) -> bool {
    if text.contains("func") || text.contains("goto") {
        return true;
    }
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'&' => {
                let run = b[i..].iter().take_while(|&&c| c == b'&').count();
                if run != 2 {
                    return true;
                }
                i += run;
                continue;
            }
            b't' if b[i..].starts_with(b"type")
                && (i == 0 || !word(b[i - 1]))
                && b.get(i + 4).is_none_or(|&c| !word(c)) =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// `node` sits directly in the body of a `for { }` without a clause.
fn in_bare_for(node: Node<'_>) -> bool {
    let mut cur = node.parent();
    while let Some(p) = cur {
        match p.kind_name() {
            "for_statement" => {
                return named_children(p).all(|c| matches!(c.kind_name(), "block" | "comment"));
            }
            "func_literal" | "function_declaration" | "method_declaration" => return false,
            _ => cur = p.parent(),
        }
    }
    false
}

/// The last statement of a block, comments aside.
fn last_statement(block: Node<'_>) -> Option<Node<'_>> {
    named_children(block)
        .flat_map(|l| {
            if l.kind_name() == "statement_list" {
                named_children(l).collect::<Vec<_>>()
            } else {
                vec![l]
            }
        })
        .rfind(|s| s.kind_name() != "comment")
}

fn strip_parens(mut n: Node<'_>) -> Node<'_> {
    while n.kind_name() == "parenthesized_expression" {
        match n.named_child(0) {
            Some(i) => n = i,
            None => break,
        }
    }
    n
}

fn op_text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    n.field("operator")
        .map(|o| &src[o.byte_range()])
        .unwrap_or("")
}

fn has_token(n: Node<'_>, tok: &str) -> bool {
    (0..n.child_count())
        .filter_map(|i| n.child(i))
        .any(|ch| !ch.is_named() && ch.kind_name() == tok)
}

/// The variable an expression is rooted at: `a` for `a`, `a.b.c`, `a[i]`, `*a`.
pub fn root_ident<'s>(mut n: Node<'_>, src: &'s str) -> Option<&'s str> {
    loop {
        match n.kind_name() {
            "identifier" => return Some(&src[n.byte_range()]),
            "selector_expression"
            | "index_expression"
            | "unary_expression"
            | "slice_expression" => n = n.field("operand")?,
            "parenthesized_expression" => n = n.named_child(0)?,
            // `m[a.b][c.d]`, read as a generic instantiation.
            "type_instantiation_expression" | "generic_type" => n = n.field("type")?,
            "type_identifier" => return Some(&src[n.byte_range()]),
            _ => return None,
        }
    }
}
