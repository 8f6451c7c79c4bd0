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

use super::{Package, Ty, for_each_node, named_children};
use crate::diagnostic::Span;
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

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

/// An index write `m[k] = v`, `m[k] op= v`, `m[k]++`/`--` and what the map
/// held just before it.
#[derive(Debug, Clone)]
pub struct MapWrite {
    /// The index expression `m[k]`.
    pub span: Span,
    /// The map operand `m`.
    pub map_span: Span,
    pub state: MapVal,
}

/// Facts for one file.
#[derive(Debug, Default)]
pub struct FileFacts {
    pub writes: Vec<MapWrite>,
}

type VarId = u32;

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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct State {
    vals: HashMap<Path, MapVal>,
    /// Maps of maps made in this function whose entries are all known: an
    /// entry not in `vals` is nil.
    fresh: HashMap<Path, Origin>,
}

impl State {
    /// Forgets `path` and everything below it.
    fn clear(&mut self, path: &Path) {
        self.vals.retain(|p, _| !p.starts_with(path));
        self.fresh.retain(|p, _| !p.starts_with(path));
    }

    /// Forgets what is below `path`, keeping its own value: what a callee or
    /// an alias may change through it.
    fn escape(&mut self, path: &Path) {
        self.vals.retain(|p, _| p == path || !p.starts_with(path));
        self.fresh.retain(|p, _| !p.starts_with(path));
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
        if !key_literal {
            self.fresh.remove(&parent);
        }
        let depth = parent.segs.len();
        self.vals.retain(|p, _| {
            if !p.starts_with(&parent) || p.segs.len() <= depth {
                return true;
            }
            match &p.segs[depth] {
                Seg::Key(k) if k != key => key_literal && literal(k),
                _ => true,
            }
        });
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
        (Some(a), Some(b)) => {
            let mut out = State::default();
            let keys: HashSet<&Path> = a.vals.keys().chain(b.vals.keys()).collect();
            for k in keys {
                let v = join_vals(a.get(k), b.get(k));
                if v != MapVal::Unknown || a.get(k) != b.get(k) {
                    out.vals.insert(k.clone(), v);
                }
            }
            for (k, o) in &a.fresh {
                if b.fresh.contains_key(k) {
                    out.fresh.insert(k.clone(), o.clone());
                }
            }
            Some(out)
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
const DEPTH_LIMIT: usize = 300;

struct Analyzer<'a> {
    pkg: &'a Package,
    src: &'a str,
    scopes: Vec<HashMap<String, VarId>>,
    var_types: Vec<Option<Ty>>,
    volatile: HashSet<String>,
    local_types: HashSet<String>,
    frames: Vec<Frame>,
    report: bool,
    writes: Vec<MapWrite>,
    pending_label: Option<String>,
    work: usize,
    depth: usize,
    gave_up: bool,
}

/// Runs the analysis over every function of `file` in `pkg`.
pub fn analyze_file(pkg: &Package, file: usize) -> FileFacts {
    let pf = &pkg.files[file];
    let src = pf.text();
    let root = pf.tree.root_node();
    let mut facts = FileFacts::default();
    for decl in named_children(root) {
        match decl.kind() {
            "function_declaration" | "method_declaration" => {
                if let Some(body) = decl.child_by_field_name("body") {
                    facts.writes.extend(analyze_function(pkg, src, decl, body));
                }
            }
            "var_declaration" => {
                // Function literals in package-level initialisers.
                let mut lits = Vec::new();
                for_each_node(decl, |n| {
                    if n.kind() == "func_literal" && !has_func_ancestor(n, decl) {
                        lits.push(n);
                    }
                });
                for lit in lits {
                    if let Some(body) = lit.child_by_field_name("body") {
                        facts.writes.extend(analyze_function(pkg, src, lit, body));
                    }
                }
            }
            _ => {}
        }
    }
    facts
}

fn has_func_ancestor(n: Node<'_>, stop: Node<'_>) -> bool {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if p == stop {
            return false;
        }
        if p.kind() == "func_literal" {
            return true;
        }
        cur = p.parent();
    }
    false
}

fn analyze_function<'t>(pkg: &Package, src: &str, func: Node<'t>, body: Node<'t>) -> Vec<MapWrite> {
    let mut a = Analyzer {
        pkg,
        src,
        scopes: vec![HashMap::new()],
        var_types: Vec::new(),
        volatile: HashSet::new(),
        local_types: HashSet::new(),
        frames: Vec::new(),
        report: true,
        writes: Vec::new(),
        pending_label: None,
        work: 0,
        depth: 0,
        gave_up: false,
    };
    if !a.prescan(func) {
        return Vec::new();
    }
    let mut st = State::default();
    if let Some(tp) = func.child_by_field_name("type_parameters") {
        for_each_node(tp, |n| {
            if n.kind() == "identifier" {
                a.local_types.insert(src[n.byte_range()].to_string());
            }
        });
    }
    if let Some(r) = func.child_by_field_name("receiver") {
        a.declare_params(r, &mut st, false);
    }
    if let Some(p) = func.child_by_field_name("parameters") {
        a.declare_params(p, &mut st, false);
    }
    if let Some(r) = func.child_by_field_name("result")
        && r.kind() == "parameter_list"
    {
        a.declare_params(r, &mut st, true);
    }
    a.block(body, Some(st));
    if a.gave_up { Vec::new() } else { a.writes }
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
        let mut volatile = HashSet::new();
        let mut local_types = HashSet::new();
        for_each_node(func, |n| match n.kind() {
            "goto_statement" => ok = false,
            "type_spec" | "type_alias" => {
                if let Some(name) = n.child_by_field_name("name") {
                    local_types.insert(src[name.byte_range()].to_string());
                }
            }
            "unary_expression" if op_text(n, src) == "&" => {
                if let Some(r) = n
                    .child_by_field_name("operand")
                    .and_then(|o| root_ident(o, src))
                {
                    volatile.insert(r.to_string());
                }
            }
            "func_literal" => {
                // Anything a closure assigns, mutates or passes on may change
                // whenever the closure runs: never track it. Names the
                // closure declares itself are its own.
                let mut own = HashSet::new();
                for_each_node(n, |m| {
                    let declared: Vec<Node<'_>> = match m.kind() {
                        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" => {
                            let mut c = m.walk();
                            m.children_by_field_name("name", &mut c).collect()
                        }
                        "short_var_declaration" => m
                            .child_by_field_name("left")
                            .map(|l| named_children(l).collect())
                            .unwrap_or_default(),
                        "range_clause" if has_token(m, ":=") => m
                            .child_by_field_name("left")
                            .map(|l| named_children(l).collect())
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    own.extend(declared.into_iter().map(|d| &src[d.byte_range()]));
                });
                for_each_node(n, |m| {
                    let targets: Vec<Node<'_>> = match m.kind() {
                        "assignment_statement" | "short_var_declaration" => m
                            .child_by_field_name("left")
                            .map(|l| named_children(l).collect())
                            .unwrap_or_default(),
                        "inc_statement" | "dec_statement" => m.named_child(0).into_iter().collect(),
                        "call_expression" => {
                            let mut t: Vec<Node<'_>> = m
                                .child_by_field_name("arguments")
                                .map(|l| named_children(l).collect())
                                .unwrap_or_default();
                            if let Some(f) = m.child_by_field_name("function")
                                && f.kind() == "selector_expression"
                                && let Some(o) = f.child_by_field_name("operand")
                            {
                                t.push(o);
                            }
                            t
                        }
                        _ => Vec::new(),
                    };
                    for t in targets {
                        if let Some(r) = root_ident(t, src)
                            && !own.contains(r)
                        {
                            volatile.insert(r.to_string());
                        }
                    }
                });
            }
            _ => {}
        });
        self.volatile = volatile;
        self.local_types = local_types;
        ok
    }

    fn declare_params(&mut self, list: Node<'_>, st: &mut State, results: bool) {
        for p in named_children(list) {
            if !matches!(
                p.kind(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let ty = p
                .child_by_field_name("type")
                .map(|t| Ty::from_node(t, self.src));
            let variadic = p.kind() == "variadic_parameter_declaration";
            let mut c = p.walk();
            let names: Vec<_> = p.children_by_field_name("name", &mut c).collect();
            for n in names {
                let ty = if variadic { None } else { ty.clone() };
                let id = self.declare(self.text(n), ty.clone());
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

    fn declare(&mut self, name: &str, ty: Option<Ty>) -> Option<VarId> {
        if name == "_" {
            return None;
        }
        let id = self.var_types.len() as VarId;
        self.var_types.push(ty);
        self.scopes.last_mut().unwrap().insert(name.to_string(), id);
        Some(id)
    }

    fn lookup(&self, name: &str) -> Option<VarId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
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

    /// The tracked place an expression denotes, with its type when known.
    fn path_of(&self, node: Node<'_>) -> Option<(Path, Option<Ty>)> {
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                if self.volatile.contains(name) {
                    return None;
                }
                if let Some(id) = self.lookup(name) {
                    return Some((local(id), self.var_types[id as usize].clone()));
                }
                if self.pkg.nil_globals.contains(name) {
                    let ty = self.pkg.vars.get(name).and_then(|v| v.ty.clone());
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
            "unary_expression" if op_text(node, self.src) == "*" => {
                self.path_of(node.child_by_field_name("operand")?)
            }
            "selector_expression" => {
                let (base, ty) = self.path_of(node.child_by_field_name("operand")?)?;
                let field = self.text(node.child_by_field_name("field")?);
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
                let (base, ty) = self.path_of(node.child_by_field_name("operand")?)?;
                let index = node.child_by_field_name("index")?;
                let mut stable = true;
                for_each_node(index, |n| {
                    if matches!(
                        n.kind(),
                        "call_expression" | "func_literal" | "unary_expression"
                    ) {
                        stable = false;
                    }
                });
                if !stable {
                    return None;
                }
                let key: String = self.text(index).split_whitespace().collect();
                let elem = match ty.as_ref().map(|t| self.resolve(t)) {
                    Some(Ty::Map(v)) => Some((**v).clone()),
                    _ => None,
                };
                Some((base.child(Seg::Key(key)), elem))
            }
            _ => None,
        }
    }

    /// What `path` holds in `st`; package-level maps proven nil by the
    /// package model are nil until written.
    fn value(&self, st: &State, path: &Path) -> MapVal {
        let v = st.get(path);
        if v == MapVal::Unknown
            && path.segs.is_empty()
            && !st.vals.contains_key(path)
            && let Root::Global(name) = &path.root
            && let Some(var) = self.pkg.vars.get(name)
        {
            return MapVal::Nil(Origin {
                span: var.spec,
                kind: OriginKind::PkgVar { file: var.file },
            });
        }
        v
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
        self.scopes.push(HashMap::new());
        let mut st = st;
        for child in named_children(node) {
            st = match child.kind() {
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
        if node.kind() == "comment" {
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
        let out = match node.kind() {
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
                    match spec.kind() {
                        "var_spec" => self.var_spec(spec, &mut st),
                        "var_spec_list" => {
                            for s in named_children(spec).filter(|s| s.kind() == "var_spec") {
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
            "go_statement" | "defer_statement" => {
                if let Some(e) = node.named_child(0) {
                    self.expr(e, &mut st, Ctx::Bare);
                }
                Some(st)
            }
            "return_statement" => {
                for c in named_children(node) {
                    self.expr(c, &mut st, Ctx::Bare);
                }
                None
            }
            "if_statement" => self.if_stmt(node, st),
            "for_statement" => self.for_stmt(node, st, label),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                self.switch_stmt(node, st, label)
            }
            "labeled_statement" => {
                let l = node
                    .child_by_field_name("label")
                    .map(|l| self.text(l).to_string());
                match named_children(node).find(|c| c.kind() != "label_name") {
                    Some(inner) => {
                        self.pending_label = l;
                        self.stmt(inner, Some(st))
                    }
                    None => Some(st),
                }
            }
            "break_statement" | "continue_statement" => {
                let is_break = node.kind() == "break_statement";
                let target = named_children(node)
                    .find(|c| c.kind() == "label_name")
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
        let ty = spec
            .child_by_field_name("type")
            .map(|t| Ty::from_node(t, self.src));
        let values: Vec<Node<'_>> = spec
            .child_by_field_name("value")
            .map(|v| named_children(v).collect())
            .unwrap_or_default();
        for v in &values {
            self.expr(*v, st, Ctx::Bare);
        }
        let mut c = spec.walk();
        let names: Vec<_> = spec.children_by_field_name("name", &mut c).collect();
        let single_call = values.len() == 1 && names.len() > 1;
        for (i, n) in names.iter().enumerate() {
            let Some(id) = self.declare(self.text(*n), ty.clone()) else {
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
                        self.var_types[id as usize] = inferred;
                    }
                }
                None => {
                    if let Some(ty) = &ty {
                        let fix =
                            (names.len() == 1 && self.pkg.is_map(ty) && !self.local_shadowed(ty))
                                .then(|| {
                                    let t = spec.child_by_field_name("type").unwrap();
                                    (t.end_byte(), self.text(t).to_string())
                                });
                        let kind = if matches!(self.resolve(ty), Ty::Struct(_)) {
                            OriginKind::ZeroStruct {
                                type_name: self
                                    .text(spec.child_by_field_name("type").unwrap())
                                    .to_string(),
                            }
                        } else {
                            OriginKind::VarDecl { fix }
                        };
                        let origin = Origin {
                            span: Span::of(spec),
                            kind,
                        };
                        self.zero_init(st, &path, ty, origin, 0);
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
            .child_by_field_name("left")
            .map(|l| named_children(l).collect())
            .unwrap_or_default();
        let right: Vec<Node<'_>> = node
            .child_by_field_name("right")
            .map(|r| named_children(r).collect())
            .unwrap_or_default();
        for r in &right {
            self.expr(*r, st, Ctx::Bare);
        }
        let paired = left.len() == right.len();
        for (i, l) in left.iter().enumerate() {
            let name = self.text(*l);
            // `a, err := ...` redeclares only names new to this scope.
            let existing = self.scopes.last().unwrap().get(name).copied();
            let id = match existing {
                Some(id) => {
                    st.clear(&local(id));
                    Some(id)
                }
                None => self.declare(name, None),
            };
            let Some(id) = id else { continue };
            if paired && !self.volatile.contains(name) {
                let inferred = self.assign_value(st, &local(id), None, right[i], Span::of(node));
                if existing.is_none() {
                    self.var_types[id as usize] = inferred;
                }
            }
        }
    }

    /// Returns true when the statement certainly panics on a nil map write.
    fn assignment(&mut self, node: Node<'_>, st: &mut State) -> bool {
        let left: Vec<Node<'_>> = node
            .child_by_field_name("left")
            .map(|l| named_children(l).collect())
            .unwrap_or_default();
        let right: Vec<Node<'_>> = node
            .child_by_field_name("right")
            .map(|r| named_children(r).collect())
            .unwrap_or_default();
        let plain = node
            .child_by_field_name("operator")
            .is_none_or(|o| self.text(o) == "=");
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
            let Some((path, ty)) = self.path_of(*l) else {
                continue;
            };
            st.entry_assigned(&path);
            if !paired {
                st.clear(&path);
            } else if let Some(before) = &before {
                let mut scratch = before.clone();
                self.assign_value(&mut scratch, &path, ty.as_ref(), right[i], Span::of(node));
                st.clear(&path);
                st.vals.extend(
                    scratch
                        .vals
                        .into_iter()
                        .filter(|(p, _)| p.starts_with(&path)),
                );
                st.fresh.extend(
                    scratch
                        .fresh
                        .into_iter()
                        .filter(|(p, _)| p.starts_with(&path)),
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
        if t.kind() == "index_expression" {
            let operand = t.child_by_field_name("operand");
            if let Some(i) = t.child_by_field_name("index") {
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
                    None => MapVal::Unknown,
                };
                if is_map_write && self.report {
                    self.writes.push(MapWrite {
                        span: Span::of(t),
                        map_span: Span::of(o),
                        state: state.clone(),
                    });
                }
                return is_map_write && matches!(state, MapVal::Nil(_));
            }
        } else {
            match t.kind() {
                "identifier" => {}
                "selector_expression" => {
                    if let Some(o) = t.child_by_field_name("operand") {
                        self.expr(o, st, Ctx::Read);
                    }
                }
                _ => self.expr(t, st, Ctx::Read),
            }
        }
        false
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
        match rhs.kind() {
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
                let ty = Ty::from_node(rhs.child_by_field_name("type")?, self.src);
                let operand = rhs.child_by_field_name("operand").map(strip_parens);
                if operand.is_some_and(|o| o.kind() == "nil") && self.pkg.is_map(&ty) {
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
                let f = rhs.child_by_field_name("function")?;
                let fname = self.text(f);
                let args = rhs.child_by_field_name("arguments")?;
                if f.kind() == "identifier"
                    && self.lookup(fname).is_none()
                    && !matches!(fname, "make" | "new")
                {
                    // `Set(nil)`: a conversion of nil to a map type of this package.
                    let ty = Ty::Named(fname.to_string());
                    let only_nil = named_children(args)
                        .map(strip_parens)
                        .map(|a| a.kind())
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
                    return None;
                }
                if f.kind() != "identifier"
                    || !matches!(fname, "make" | "new")
                    || self.lookup(fname).is_some()
                {
                    return None;
                }
                let ty = Ty::from_node(named_children(args).next()?, self.src);
                if fname == "make" {
                    if let Ty::Map(v) = self.resolve(&ty).clone() {
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
                let inner = strip_parens(rhs.child_by_field_name("operand")?);
                if inner.kind() == "composite_literal" {
                    let ty = self.composite(st, path, inner)?;
                    Some(Ty::Pointer(Box::new(ty)))
                } else {
                    None
                }
            }
            "composite_literal" => self.composite(st, path, rhs),
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
        let ty = Ty::from_node(lit.child_by_field_name("type")?, self.src);
        let body = lit.child_by_field_name("body")?;
        match self.resolve(&ty).clone() {
            Ty::Map(v) => {
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
                        if el.kind() != "keyed_element" {
                            continue;
                        }
                        let (Some(k), Some(val)) = (
                            el.child_by_field_name("key"),
                            el.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        let key: String = self.text(k).split_whitespace().collect();
                        let entry = path.child(Seg::Key(key));
                        let inner = val.named_child(0);
                        match inner {
                            Some(i) if i.kind() == "literal_value" => {
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
                let type_name = self.text(lit.child_by_field_name("type")?).to_string();
                let elements: Vec<Node<'_>> = named_children(body)
                    .filter(|e| matches!(e.kind(), "keyed_element" | "literal_element"))
                    .collect();
                let keyed = elements.iter().any(|e| e.kind() == "keyed_element");
                for (i, f) in fields.iter().enumerate() {
                    let fpath = path.child(Seg::Field(f.name.clone()));
                    let given = if keyed {
                        elements.iter().find_map(|e| {
                            let k = e.child_by_field_name("key")?;
                            (self.text(k).trim() == f.name)
                                .then(|| e.child_by_field_name("value")?.named_child(0))
                                .flatten()
                        })
                    } else {
                        elements.get(i).and_then(|e| e.named_child(0))
                    };
                    match given {
                        Some(v) if v.kind() != "literal_value" => {
                            self.assign_value(st, &fpath, Some(&f.ty), v, Span::of(lit));
                        }
                        Some(_) => {}
                        None if keyed || elements.is_empty() => {
                            let origin = Origin {
                                span: Span::of(lit),
                                kind: OriginKind::LiteralOmits {
                                    type_name: type_name.clone(),
                                },
                            };
                            self.zero_init(st, &fpath, &f.ty, origin, 1);
                        }
                        None => {}
                    }
                }
            }
            _ => {}
        }
        Some(ty)
    }

    /// The zero value of `ty` at `path`: nil maps, recursively through
    /// struct fields held by value.
    fn zero_init(&mut self, st: &mut State, path: &Path, ty: &Ty, origin: Origin, depth: usize) {
        if depth > 4 {
            return;
        }
        match self.resolve(ty).clone() {
            Ty::Map(_) => {
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
        self.scopes.push(HashMap::new());
        if let Some(init) = node.child_by_field_name("initializer") {
            match self.stmt(init, Some(st)) {
                Some(s) => st = s,
                None => {
                    self.scopes.pop();
                    return None;
                }
            }
        }
        let cond = node.child_by_field_name("condition");
        if let Some(c) = cond {
            self.expr(c, &mut st, Ctx::Read);
        }
        let mut then_st = st.clone();
        let mut else_st = st;
        if let Some(c) = cond {
            self.refine(c, true, &mut then_st);
            self.refine(c, false, &mut else_st);
        }
        let then_out = match node.child_by_field_name("consequence") {
            Some(b) => self.block(b, Some(then_st)),
            None => Some(then_st),
        };
        let else_out = match node.child_by_field_name("alternative") {
            Some(alt) if alt.kind() == "block" => self.block(alt, Some(else_st)),
            Some(alt) => self.stmt(alt, Some(else_st)),
            None => Some(else_st),
        };
        self.scopes.pop();
        join(then_out, else_out)
    }

    /// Narrows `st` to the branch where `cond` evaluated to `truth`.
    fn refine(&mut self, cond: Node<'_>, truth: bool, st: &mut State) {
        let cond = strip_parens(cond);
        match cond.kind() {
            "unary_expression" if op_text(cond, self.src) == "!" => {
                if let Some(o) = cond.child_by_field_name("operand") {
                    self.refine(o, !truth, st);
                }
            }
            "binary_expression" => {
                let (Some(l), Some(r), Some(op)) = (
                    cond.child_by_field_name("left"),
                    cond.child_by_field_name("right"),
                    cond.child_by_field_name("operator"),
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
                        let other = if r.kind() == "nil" {
                            l
                        } else if l.kind() == "nil" {
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
        self.scopes.push(HashMap::new());
        let clause = named_children(node).find(|c| c.kind() != "block" && c.kind() != "comment");
        let body = node.child_by_field_name("body");
        let mut cond = None;
        let mut update = None;
        let mut range_left = None;
        let mut is_range = false;
        match clause {
            Some(c) if c.kind() == "for_clause" => {
                if let Some(init) = c.child_by_field_name("initializer") {
                    match self.stmt(init, Some(st)) {
                        Some(s) => st = s,
                        None => {
                            self.scopes.pop();
                            return None;
                        }
                    }
                }
                cond = c.child_by_field_name("condition");
                update = c.child_by_field_name("update");
            }
            Some(c) if c.kind() == "range_clause" => {
                is_range = true;
                if let Some(r) = c.child_by_field_name("right") {
                    self.expr(r, &mut st, Ctx::Read);
                }
                range_left = c
                    .child_by_field_name("left")
                    .map(|l| (l, has_token(c, ":=")));
            }
            Some(c) => cond = Some(c),
            None => {}
        }
        // Iterate the body to a fixpoint without reporting, then once more
        // from the fixpoint with reporting as the caller had it.
        let outer_report = self.report;
        self.report = false;
        let mut head = st.clone();
        let mut converged = false;
        for _ in 0..4 {
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
            head = State::default();
        }
        self.report = outer_report;
        let (_, breaks) = self.loop_body(node, body, cond, update, range_left, &head, label);
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
        let mut st = head.clone();
        if let Some(c) = cond {
            self.expr(c, &mut st, Ctx::Read);
            self.refine(c, true, &mut st);
        }
        self.scopes.push(HashMap::new());
        if let Some((left, declares)) = range_left {
            for l in named_children(left) {
                if declares {
                    let name = self.text(l);
                    if let Some(id) = self.declare(name, None) {
                        st.clear(&local(id));
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
        (back, frame.breaks)
    }

    fn switch_stmt(
        &mut self,
        node: Node<'_>,
        mut st: State,
        label: Option<String>,
    ) -> Option<State> {
        self.scopes.push(HashMap::new());
        if let Some(init) = node.child_by_field_name("initializer") {
            match self.stmt(init, Some(st)) {
                Some(s) => st = s,
                None => {
                    self.scopes.pop();
                    return None;
                }
            }
        }
        if let Some(v) = node.child_by_field_name("value") {
            self.expr(v, &mut st, Ctx::Read);
        }
        let alias: Vec<String> = node
            .child_by_field_name("alias")
            .map(|a| {
                named_children(a)
                    .map(|n| self.text(n).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let cases: Vec<Node<'_>> = named_children(node)
            .filter(|c| {
                matches!(
                    c.kind(),
                    "expression_case" | "type_case" | "default_case" | "communication_case"
                )
            })
            .collect();
        let has_default = cases.iter().any(|c| c.kind() == "default_case");
        self.frames.push(Frame {
            label,
            is_loop: false,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let mut exit: Option<State> = None;
        let mut carried: Option<State> = None;
        for case in &cases {
            let mut cs = st.clone();
            self.scopes.push(HashMap::new());
            for a in &alias {
                self.declare(a, None);
            }
            if let Some(v) = case.child_by_field_name("value") {
                self.expr(v, &mut cs, Ctx::Read);
            }
            if let Some(comm) = case.child_by_field_name("communication") {
                match comm.kind() {
                    "receive_statement" => {
                        if let Some(r) = comm.child_by_field_name("right") {
                            self.expr(r, &mut cs, Ctx::Bare);
                        }
                        if let Some(l) = comm.child_by_field_name("left") {
                            let declares = has_token(comm, ":=");
                            for n in named_children(l) {
                                if declares {
                                    self.declare(self.text(n), None);
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
                if s.kind() == "statement_list" {
                    falls = named_children(s)
                        .last()
                        .is_some_and(|l| l.kind() == "fallthrough_statement");
                    out = self.stmts(s, out);
                }
            }
            self.scopes.pop();
            if falls {
                carried = out;
            } else {
                exit = join(exit, out);
            }
        }
        let frame = self.frames.pop().unwrap();
        if !has_default && node.kind() != "select_statement" {
            exit = join(exit, Some(st.clone()));
        }
        if cases.is_empty() && node.kind() == "select_statement" {
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
        match node.kind() {
            "identifier" => {
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
                if let Some(o) = node.child_by_field_name("operand") {
                    self.expr(o, st, Ctx::Read);
                }
                if let Some(i) = node.child_by_field_name("index") {
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
                if let Some(o) = node.child_by_field_name("operand") {
                    if op == "&" {
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
                let nil_cmp = named_children(node).any(|c| c.kind() == "nil");
                for c in named_children(node) {
                    self.expr(c, st, if nil_cmp { Ctx::Read } else { Ctx::Bare });
                }
            }
            "call_expression" => self.call(node, st),
            "func_literal" => self.closure(node, st),
            "type_conversion_expression" => {
                if let Some(o) = node.child_by_field_name("operand") {
                    self.expr(o, st, Ctx::Bare);
                }
            }
            "composite_literal" => {
                if let Some(b) = node.child_by_field_name("body") {
                    self.expr(b, st, Ctx::Bare);
                }
            }
            "keyed_element" => {
                // A struct literal's keys are field names, not variables.
                if let Some(v) = node.child_by_field_name("value") {
                    self.expr(v, st, Ctx::Bare);
                }
                if let Some(k) = node.child_by_field_name("key")
                    && k.named_child(0).is_some_and(|c| c.kind() != "identifier")
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

    fn call(&mut self, node: Node<'_>, st: &mut State) {
        let f = node.child_by_field_name("function");
        let args: Vec<Node<'_>> = node
            .child_by_field_name("arguments")
            .map(|a| named_children(a).collect())
            .unwrap_or_default();
        let builtin = f
            .filter(|f| f.kind() == "identifier")
            .map(|f| self.text(f))
            .filter(|n| self.lookup(n).is_none());
        match builtin {
            Some("len" | "cap") => {
                for a in args {
                    self.expr(a, st, Ctx::Read);
                }
                return;
            }
            Some("delete" | "clear") => {
                if let Some(m) = args.first() {
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
        if let Some(f) = f {
            if f.kind() == "selector_expression" {
                // A method may change its receiver (pointer receivers), and
                // through it anything the receiver holds.
                if let Some(o) = f.child_by_field_name("operand") {
                    if let Some((p, _)) = self.path_of(o) {
                        st.escape(&p);
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

    /// A function literal is analysed on its own: what it captures is
    /// unknown inside it (it may run at any time).
    fn closure(&mut self, node: Node<'_>, _st: &mut State) {
        if !self.report {
            return;
        }
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        let saved_frames = std::mem::take(&mut self.frames);
        self.scopes.push(HashMap::new());
        let mut st = State::default();
        if let Some(p) = node.child_by_field_name("parameters") {
            self.declare_params(p, &mut st, false);
        }
        if let Some(r) = node.child_by_field_name("result")
            && r.kind() == "parameter_list"
        {
            self.declare_params(r, &mut st, true);
        }
        self.block(body, Some(st));
        self.scopes.pop();
        self.frames = saved_frames;
    }

    fn is_terminating_call(&self, e: Node<'_>) -> bool {
        if e.kind() != "call_expression" {
            return false;
        }
        let Some(f) = e.child_by_field_name("function") else {
            return false;
        };
        match f.kind() {
            "identifier" => self.text(f) == "panic" && self.lookup("panic").is_none(),
            "selector_expression" => {
                let (Some(o), Some(m)) = (
                    f.child_by_field_name("operand"),
                    f.child_by_field_name("field"),
                ) else {
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

fn local(id: VarId) -> Path {
    Path {
        root: Root::Local(id),
        segs: Vec::new(),
    }
}

fn strip_parens(mut n: Node<'_>) -> Node<'_> {
    while n.kind() == "parenthesized_expression" {
        match n.named_child(0) {
            Some(i) => n = i,
            None => break,
        }
    }
    n
}

fn op_text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    n.child_by_field_name("operator")
        .map(|o| &src[o.byte_range()])
        .unwrap_or("")
}

fn has_token(n: Node<'_>, tok: &str) -> bool {
    let mut c = n.walk();
    n.children(&mut c)
        .any(|ch| !ch.is_named() && ch.kind() == tok)
}

/// The variable an expression is rooted at: `a` for `a`, `a.b.c`, `a[i]`, `*a`.
pub fn root_ident<'s>(mut n: Node<'_>, src: &'s str) -> Option<&'s str> {
    loop {
        match n.kind() {
            "identifier" => return Some(&src[n.byte_range()]),
            "selector_expression"
            | "index_expression"
            | "unary_expression"
            | "slice_expression" => n = n.child_by_field_name("operand")?,
            "parenthesized_expression" => n = n.named_child(0)?,
            _ => return None,
        }
    }
}
