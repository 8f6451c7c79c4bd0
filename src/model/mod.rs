//! The semantic model: facts about a Go package derived from its syntax trees,
//! built once before any rule runs. Rules read it; they do not re-derive it.
//!
//! Per package: declared types (struct fields, map and mutex fields, named
//! map types, aliases, embedding), package-level variables, functions and
//! methods with their receivers. Per function: what each map-typed name holds
//! as the code runs ([`mapstate`]).

use crate::fields::FieldExt;
pub mod concurrency;
pub mod facts;
pub mod locks;
pub mod mapstate;
pub mod types;
pub mod units;

use crate::diagnostic::Span;
use crate::source::SourceFile;
use crate::syntax::{Node, SyntaxTree as Tree};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
pub use types::{Field, Ty};

/// One parsed file of a package.
pub struct ParsedFile {
    pub source: Arc<SourceFile>,
    /// Shared: the language server keeps it between runs.
    pub tree: Arc<Tree>,
    /// Findings in this file are reported (false for files loaded only as
    /// context for the package, e.g. siblings of a file named on the CLI).
    pub report: bool,
}

impl ParsedFile {
    pub fn text(&self) -> &str {
        &self.source.text
    }
}

#[derive(Debug, Clone)]
pub struct TypeDecl {
    pub name: String,
    /// The declared type (`type T struct{...}` gives `Ty::Struct`).
    pub ty: Ty,
    pub file: usize,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct PkgVar {
    pub name: String,
    pub ty: Option<Ty>,
    pub has_value: bool,
    pub file: usize,
    /// The `var_spec` declaring it.
    pub spec: Span,
    /// The identifier naming it.
    pub name_span: Span,
}

#[derive(Debug, Clone)]
pub struct Receiver {
    pub name: Option<String>,
    pub type_name: String,
    pub pointer: bool,
}

#[derive(Debug, Clone)]
pub struct FuncDecl {
    pub name: String,
    pub receiver: Option<Receiver>,
    /// Result types, in order (one per name for named results).
    pub results: Vec<Ty>,
    pub file: usize,
    /// The whole `function_declaration` / `method_declaration` node.
    pub span: Span,
}

/// What a lock helper method does to its receiver's mutex: the mutex
/// relative to the receiver (`.mu`), and the mode acquired (`None`: released).
pub type LockHelperOp = (String, Option<locks::Mode>);

/// All files of one directory that share a package clause.
pub struct Package {
    pub dir: std::path::PathBuf,
    pub name: String,
    pub files: Vec<ParsedFile>,
    /// Type declarations by name; a name declared more than once (files
    /// behind different build tags) is kept out: the model cannot tell which.
    pub types: HashMap<String, TypeDecl>,
    /// Package-level variables by name, with the same rule for duplicates.
    pub vars: HashMap<String, PkgVar>,
    pub funcs: Vec<FuncDecl>,
    /// Indices into `funcs` by function name, made when first needed.
    funcs_by_name: std::sync::OnceLock<HashMap<String, Vec<usize>>>,
    /// Unexported package-level maps that are declared without a value and
    /// never assigned, address-taken or passed anywhere in the package: nil
    /// for the whole life of the program.
    pub nil_globals: HashSet<String>,
    /// Unexported map fields, by (struct type, field), that nothing in the
    /// package ever sets: values of the type can only be made here, so the
    /// field is nil in every one of them.
    pub nil_fields: HashSet<(String, String)>,
    /// Methods that only lock or only unlock their receiver's mutex
    /// (`func (c *C) lock() { c.mu.Lock() }`), by (type, method): the mutex
    /// relative to the receiver (`.mu`) and the mode acquired (`None`:
    /// released).
    pub lock_helpers: HashMap<(String, String), Vec<LockHelperOp>>,
    /// The Go version the package targets (major, minor): the configuration's
    /// `go`, else the `go` directive of the nearest `go.mod` above it.
    pub go_version: Option<(u32, u32)>,
    /// What the configuration adds to the model's knowledge.
    pub extensions: Extensions,
}

/// Names the configuration teaches the model: more output functions, lock
/// and unlock methods, and functions whose callers hold the lock.
#[derive(Debug, Clone, Default)]
pub struct Extensions {
    pub output_functions: Vec<String>,
    pub lock_methods: Vec<String>,
    pub unlock_methods: Vec<String>,
    pub caller_holds_lock: Option<globset::GlobSet>,
}

impl Extensions {
    pub fn new(o: &crate::config::RuleOptions) -> Extensions {
        let caller_holds_lock = (!o.caller_holds_lock.is_empty()).then(|| {
            let mut b = globset::GlobSetBuilder::new();
            for p in &o.caller_holds_lock {
                if let Ok(g) = globset::Glob::new(p) {
                    b.add(g);
                }
            }
            b.build().ok()
        });
        Extensions {
            output_functions: o.output_functions.clone(),
            lock_methods: o.lock_methods.clone(),
            unlock_methods: o.unlock_methods.clone(),
            caller_holds_lock: caller_holds_lock.flatten(),
        }
    }
}

/// What one file declares at package level: the part of the package model
/// that can be collected file by file.
#[derive(Debug, Clone, Default)]
pub struct FileDecls {
    pub types: Vec<TypeDecl>,
    pub vars: Vec<PkgVar>,
    pub funcs: Vec<FuncDecl>,
    pub lock_helpers: Vec<((String, String), Vec<LockHelperOp>)>,
}

impl FileDecls {
    /// The declarations of `file`, which is file `fi` of its package.
    pub fn collect(file: &ParsedFile, fi: usize) -> FileDecls {
        let mut out = FileDecls::default();
        let src = file.text();
        let root = file.tree.root_node();
        for decl in named_children_long(root) {
            match decl.kind_name() {
                "type_declaration" => {
                    for spec in named_children(decl) {
                        if !matches!(spec.kind_name(), "type_spec" | "type_alias") {
                            continue;
                        }
                        let (Some(n), Some(t)) = (spec.field("name"), spec.field("type")) else {
                            continue;
                        };
                        out.types.push(TypeDecl {
                            name: src[n.byte_range()].to_string(),
                            ty: Ty::from_node(t, src),
                            file: fi,
                            span: Span::of(spec),
                        });
                    }
                }
                "var_declaration" => {
                    for spec in var_specs(decl) {
                        let ty = spec
                            .field("type")
                            .map(|t| Ty::from_node(t, src))
                            .or_else(|| initializer_type(spec, src));
                        let has_value = spec.field("value").is_some();
                        let mut c = spec.walk();
                        for n in spec.children_by_field_name("name", &mut c) {
                            let name = src[n.byte_range()].to_string();
                            if name == "_" {
                                continue;
                            }
                            out.vars.push(PkgVar {
                                name,
                                ty: ty.clone(),
                                has_value,
                                file: fi,
                                spec: Span::of(spec),
                                name_span: Span::of(n),
                            });
                        }
                    }
                }
                "function_declaration" | "method_declaration" => {
                    if let Some(f) = func_decl(decl, src, fi) {
                        if let Some(r) = &f.receiver
                            && let Some(rname) = &r.name
                        {
                            let ops = lock_helper_ops(decl, rname, src);
                            if !ops.is_empty() {
                                out.lock_helpers
                                    .push(((r.type_name.clone(), f.name.clone()), ops));
                            }
                        }
                        out.funcs.push(f);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

impl Package {
    pub fn build(dir: std::path::PathBuf, name: String, files: Vec<ParsedFile>) -> Package {
        let decls: Vec<FileDecls> = files
            .iter()
            .enumerate()
            .map(|(fi, f)| FileDecls::collect(f, fi))
            .collect();
        Package::assemble(dir, name, files, decls)
    }

    /// Builds the package from its files and what each declares
    /// (`decls[i]` for `files[i]`, whatever file index it was collected
    /// with: the language server keeps them for unchanged files).
    pub fn assemble(
        dir: std::path::PathBuf,
        name: String,
        files: Vec<ParsedFile>,
        decls: Vec<FileDecls>,
    ) -> Package {
        let mut pkg = Package {
            dir,
            name,
            files,
            types: HashMap::new(),
            vars: HashMap::new(),
            funcs: Vec::new(),
            funcs_by_name: std::sync::OnceLock::new(),
            nil_globals: HashSet::new(),
            nil_fields: HashSet::new(),
            lock_helpers: HashMap::new(),
            go_version: None,
            extensions: Extensions::default(),
        };
        let mut dup_types = HashSet::new();
        let mut dup_vars = HashSet::new();
        for (fi, d) in decls.into_iter().enumerate() {
            for mut td in d.types {
                td.file = fi;
                let name = td.name.clone();
                if pkg.types.insert(name.clone(), td).is_some() {
                    dup_types.insert(name);
                }
            }
            for mut v in d.vars {
                v.file = fi;
                let name = v.name.clone();
                if pkg.vars.insert(name.clone(), v).is_some() {
                    dup_vars.insert(name);
                }
            }
            for (key, ops) in d.lock_helpers {
                pkg.lock_helpers.insert(key, ops);
            }
            pkg.funcs.extend(d.funcs.into_iter().map(|mut f| {
                f.file = fi;
                f
            }));
        }
        for d in dup_types {
            pkg.types.remove(&d);
        }
        for d in dup_vars {
            pkg.vars.remove(&d);
        }
        pkg.nil_globals = pkg.find_nil_globals();
        pkg.nil_fields = pkg.find_nil_fields();
        // A helper's `c.Lock()` on an embedded mutex locks `c.Mutex`.
        let embedded: HashMap<String, String> = pkg
            .types
            .iter()
            .filter_map(|(n, d)| match &d.ty {
                Ty::Struct(fields) => fields
                    .iter()
                    .find(|f| f.embedded && f.ty.is_mutex())
                    .map(|f| (n.clone(), format!(".{}", f.name))),
                _ => None,
            })
            .collect();
        for ((t, _), ops) in pkg.lock_helpers.iter_mut() {
            for (suffix, _) in ops.iter_mut() {
                if suffix.is_empty()
                    && let Some(e) = embedded.get(t)
                {
                    *suffix = e.clone();
                }
            }
        }
        pkg
    }

    /// Follows named types declared in this package to the type they stand
    /// for. Returns `Ty::Other` for anything it cannot see.
    pub fn resolve<'a>(&'a self, ty: &'a Ty) -> &'a Ty {
        let mut ty = ty;
        for _ in 0..16 {
            match ty {
                Ty::Named(n) => match self.types.get(n) {
                    Some(d) => ty = &d.ty,
                    None => return &Ty::Other,
                },
                _ => return ty,
            }
        }
        &Ty::Other
    }

    pub fn is_map(&self, ty: &Ty) -> bool {
        matches!(self.resolve(ty), Ty::Map(..))
    }

    /// Fields of a struct type, following names (not pointers).
    pub fn struct_fields<'a>(&'a self, ty: &'a Ty) -> Option<&'a [Field]> {
        match self.resolve(ty) {
            Ty::Struct(f) => Some(f),
            _ => None,
        }
    }

    /// Finds the field `name` of a struct type (auto-dereferencing one
    /// pointer), following Go's promotion through embedded structs: the
    /// shallowest match wins and an ambiguous depth gives `None`. Returns the
    /// path of field names from `ty` and the field's type. Promotion through
    /// an embedded pointer is not followed (its value is not known).
    pub fn field_path(&self, ty: &Ty, name: &str) -> Option<(Vec<String>, Ty)> {
        let base = match self.resolve(ty) {
            Ty::Pointer(inner) => inner.as_ref(),
            other => other,
        };
        let mut level: Vec<(Vec<String>, &Ty)> = vec![(Vec::new(), base)];
        for _ in 0..6 {
            let mut found: Vec<(Vec<String>, Ty)> = Vec::new();
            let mut next = Vec::new();
            for (path, ty) in &level {
                let Some(fields) = self.struct_fields(ty) else {
                    continue;
                };
                for f in fields {
                    if f.name == name {
                        let mut p = path.clone();
                        p.push(f.name.clone());
                        found.push((p, f.ty.clone()));
                    } else if f.embedded && !matches!(f.ty, Ty::Pointer(_)) {
                        let mut p = path.clone();
                        p.push(f.name.clone());
                        next.push((p, &f.ty));
                    }
                }
            }
            match found.len() {
                0 => {}
                1 => return found.pop(),
                _ => return None,
            }
            if next.is_empty() {
                return None;
            }
            level = next;
        }
        None
    }

    /// The mutex fields a struct type declares itself, as they are named
    /// from a value of it: `mu` for `mu sync.Mutex`, `Mutex` for an embedded
    /// one. (A mutex promoted from an embedded struct guards that struct's
    /// fields.)
    pub fn mutex_fields(&self, type_name: &str) -> Vec<String> {
        let Some(fields) = self
            .types
            .get(type_name)
            .and_then(|d| self.struct_fields(&d.ty))
        else {
            return Vec::new();
        };
        fields
            .iter()
            .filter(|f| match &f.ty {
                Ty::Pointer(t) if f.embedded => t.is_mutex(),
                t => t.is_mutex(),
            })
            .map(|f| f.name.clone())
            .collect()
    }

    /// Does the comment on mutex field `mu` of `type_name` say it guards
    /// other fields and not `field`? (`// mu protects a and b`.)
    pub fn mutex_doc_excludes(&self, type_name: &str, mu: &str, field: &str) -> bool {
        let Some(fields) = self
            .types
            .get(type_name)
            .and_then(|d| self.struct_fields(&d.ty))
        else {
            return false;
        };
        let Some(doc) = fields.iter().find(|f| f.name == mu).map(|f| f.doc.as_str()) else {
            return false;
        };
        // "fields below are protected by usageMu", "the following...":
        // a comment about the fields that follow, not a list.
        let lower = doc.to_lowercase();
        if ["following", "fields", "below", "protected by", "guarded by"]
            .iter()
            .any(|p| lower.contains(p))
        {
            return false;
        }
        let words: HashSet<&str> = doc
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let names_other = fields
            .iter()
            .any(|f| f.name != mu && f.name != field && words.contains(f.name.as_str()));
        names_other && !words.contains(field)
    }

    fn find_nil_globals(&self) -> HashSet<String> {
        let candidates: HashSet<&str> = self
            .vars
            .values()
            .filter(|v| {
                !v.has_value
                    && !is_exported(&v.name)
                    && v.ty.as_ref().is_some_and(|t| self.is_map(t))
            })
            .map(|v| v.name.as_str())
            .collect();
        if candidates.is_empty() {
            return HashSet::new();
        }
        let mut touched = HashSet::new();
        // Only declarations whose text names a candidate can use one (with
        // a handful of candidates, a substring search is far cheaper than a
        // walk of the tree).
        let mentions =
            |text: &str| candidates.len() > 16 || candidates.iter().any(|c| text.contains(c));
        for file in &self.files {
            let src = file.text();
            let root = file.tree.root_node();
            if !mentions(src) {
                continue;
            }
            let decls: Vec<Node<'_>> = named_children_long(root)
                .into_iter()
                .filter(|d| mentions(&src[d.byte_range()]))
                .collect();
            for_each_named_with_ancestors_of(root, decls, |n, ancestors| {
                if n.kind_name() != "identifier" {
                    return;
                }
                let name = &src[n.byte_range()];
                if candidates.contains(name) {
                    let parent = ancestors.last().copied();
                    let grandparent = ancestors.len().checked_sub(2).map(|i| ancestors[i]);
                    if !is_harmless_use(n, parent, grandparent, src) {
                        touched.insert(name.to_string());
                    }
                }
            });
        }
        candidates
            .into_iter()
            .filter(|c| !touched.contains(*c))
            .map(str::to_string)
            .collect()
    }

    /// See [`Package::nil_fields`]. A field counts as set when a keyed
    /// literal names it, an unkeyed literal of its type exists, or a
    /// selector with its name (on any type: promotion is not followed) is
    /// assigned to or has its address taken. Reflection is not seen.
    fn find_nil_fields(&self) -> HashSet<(String, String)> {
        let mut cands: HashMap<&str, Vec<&str>> = HashMap::new();
        for (tname, td) in &self.types {
            let Ty::Struct(fields) = &td.ty else {
                continue;
            };
            for f in fields {
                if f.embedded || is_exported(&f.name) || f.name == "_" {
                    continue;
                }
                if matches!(self.resolve(&f.ty), Ty::Map(..)) {
                    cands
                        .entry(f.name.as_str())
                        .or_default()
                        .push(tname.as_str());
                }
            }
        }
        if cands.is_empty() {
            return HashSet::new();
        }
        let types: HashSet<&str> = cands.values().flatten().copied().collect();
        let mut set: HashSet<&str> = HashSet::new();
        let mut positional: HashSet<String> = HashSet::new();
        // Types the package makes values of (a literal, `new(T)`, `var x
        // T`): a type never made here is dead code, or made elsewhere.
        let mut made: HashSet<String> = HashSet::new();
        // Where a declaration can set a field (its name) or make a value of
        // a type (`T{`, `new(T)`, `var x T`): a type's bare name is in every
        // method's receiver, so it alone does not call for a walk.
        let mut patterns: Vec<String> = Vec::new();
        for t in &types {
            patterns.extend([format!("{t}{{"), format!("new({t})"), format!(" {t}\n")]);
        }
        for c in cands.keys() {
            patterns.extend([format!(".{c}"), format!("{c}:")]);
        }
        // One pass over each file for every pattern at once.
        let Ok(finder) = aho_corasick::AhoCorasick::new(&patterns) else {
            return HashSet::new();
        };
        for file in &self.files {
            let src = file.text();
            let hits: Vec<usize> = finder.find_iter(src).map(|m| m.start()).collect();
            if hits.is_empty() {
                continue;
            }
            let root = file.tree.root_node();
            let decls: Vec<Node<'_>> = named_children_long(root)
                .into_iter()
                .filter(|d| {
                    let i = hits.partition_point(|&h| h < d.start_byte());
                    hits.get(i).is_some_and(|&h| h < d.end_byte())
                })
                .collect();
            for_each_named_with_ancestors_of(root, decls, |n, ancestors| {
                let text = |n: Node<'_>| &src[n.byte_range()];
                match n.kind_name() {
                    "keyed_element" => {
                        let key = n.named_child(0).map(|k| {
                            // tree-sitter-go wraps the key in a literal_element.
                            if k.kind_name() == "literal_element" {
                                k.named_child(0).unwrap_or(k)
                            } else {
                                k
                            }
                        });
                        if let Some(k) = key
                            && let Some(c) = cands.get_key_value(text(k))
                        {
                            set.insert(c.0);
                        }
                    }
                    "composite_literal" => {
                        let ty = n.field("type").map(text).unwrap_or("");
                        let ty = ty.rsplit('.').next().unwrap_or(ty);
                        if types.contains(ty) {
                            made.insert(ty.to_string());
                        }
                        if types.contains(ty)
                            && let Some(body) = n.field("body")
                            && named_children(body).any(|e| e.kind_name() != "keyed_element")
                        {
                            positional.insert(ty.to_string());
                        }
                    }
                    "call_expression" => {
                        if n.field("function").map(text) == Some("new")
                            && let Some(a) = n.field("arguments").and_then(|a| a.named_child(0))
                            && types.contains(text(a))
                        {
                            made.insert(text(a).to_string());
                        }
                    }
                    "var_spec" => {
                        if let Some(t) = n.field("type")
                            && types.contains(text(t))
                        {
                            made.insert(text(t).to_string());
                        }
                    }
                    "selector_expression" => {
                        let Some(field) = n.field("field") else {
                            return;
                        };
                        let Some(c) = cands.get_key_value(text(field)) else {
                            return;
                        };
                        let parent = ancestors.last().copied();
                        let grandparent = ancestors.len().checked_sub(2).map(|i| ancestors[i]);
                        let assigned = parent.is_some_and(|p| {
                            p.kind_name() == "expression_list"
                                && grandparent.is_some_and(|g| {
                                    matches!(
                                        g.kind_name(),
                                        "assignment_statement" | "short_var_declaration"
                                    ) && g.field("left") == Some(p)
                                })
                        });
                        let addressed = parent.is_some_and(|p| {
                            p.kind_name() == "unary_expression" && text(p).starts_with('&')
                        });
                        if assigned || addressed {
                            set.insert(c.0);
                        }
                    }
                    _ => {}
                }
            });
        }
        let mut out = HashSet::new();
        for (field, tys) in &cands {
            if set.contains(field) {
                continue;
            }
            for t in tys {
                if !positional.contains(*t) && made.contains(*t) {
                    out.insert((t.to_string(), field.to_string()));
                }
            }
        }
        out
    }

    /// The first result type of a function of this package, or of method
    /// `name` of type `recv_type` when given.
    pub fn result_of(&self, recv_type: Option<&str>, name: &str) -> Option<&Ty> {
        self.result_at(recv_type, name, 0)
    }

    /// Result `i` of a function of this package (see [`Package::result_of`]).
    pub fn result_at(&self, recv_type: Option<&str>, name: &str, i: usize) -> Option<&Ty> {
        let by_name = self.funcs_by_name.get_or_init(|| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, f) in self.funcs.iter().enumerate() {
                m.entry(f.name.clone()).or_default().push(i);
            }
            m
        });
        let mut found = by_name
            .get(name)?
            .iter()
            .map(|&i| &self.funcs[i])
            .filter(|f| f.receiver.as_ref().map(|r| r.type_name.as_str()) == recv_type);
        let f = found.next()?;
        // Declared twice (build tags) with different results: unknown.
        if found.any(|g| g.results != f.results) {
            return None;
        }
        f.results.get(i)
    }

    pub fn func_at(&self, file: usize, span: Span) -> Option<&FuncDecl> {
        self.funcs.iter().find(|f| f.file == file && f.span == span)
    }
}

/// A use of a map variable that can neither assign it nor let it escape:
/// its declaration without value, indexing, `len`, `range`, `delete`,
/// `clear`, and comparison with nil. `parent` and `grandparent` are `n`'s.
fn is_harmless_use<'t>(
    n: Node<'t>,
    parent: Option<Node<'t>>,
    grandparent: Option<Node<'t>>,
    src: &str,
) -> bool {
    let Some(parent) = parent else {
        return false;
    };
    match parent.kind_name() {
        // Declarations of other variables with the same name: a `:=` in a
        // function never assigns a package-level variable.
        "var_spec" | "parameter_declaration" | "variadic_parameter_declaration" => true,
        "expression_list" => grandparent.is_some_and(|g| {
            (g.kind_name() == "short_var_declaration"
                || (g.kind_name() == "range_clause" && src[g.byte_range()].contains(":=")))
                && g.field("left") == Some(parent)
        }),
        "index_expression" => parent.field("operand") == Some(n),
        "range_clause" => parent.field("right") == Some(n),
        "binary_expression" => {
            let other = if parent.field("left") == Some(n) {
                parent.field("right")
            } else {
                parent.field("left")
            };
            other.is_some_and(|o| o.kind_name() == "nil")
        }
        "argument_list" => grandparent
            .and_then(|call| call.field("function"))
            .is_some_and(|f| {
                f.kind_name() == "identifier"
                    && matches!(&src[f.byte_range()], "len" | "delete" | "clear")
            }),
        _ => false,
    }
}

/// The type of a package-level `var x = make(T)` or `var x = T{...}`.
fn initializer_type(spec: Node<'_>, src: &str) -> Option<Ty> {
    let value = spec.field("value")?.named_child(0)?;
    match value.kind_name() {
        "composite_literal" => Some(Ty::from_node(value.field("type")?, src)),
        "call_expression" => {
            let f = value.field("function")?;
            if &src[f.byte_range()] != "make" {
                return None;
            }
            Some(Ty::from_node(
                value.field("arguments")?.named_child(0)?,
                src,
            ))
        }
        _ => None,
    }
}

/// For a method whose body locks its receiver's mutex and never unlocks
/// (or only unlocks), the mutexes (relative to the receiver) and modes.
fn lock_helper_ops(
    decl: Node<'_>,
    receiver: &str,
    src: &str,
) -> Vec<(String, Option<locks::Mode>)> {
    let Some(body) = decl.field("body") else {
        return Vec::new();
    };
    let text = &src[body.byte_range()];
    let has_unlock = text.contains("Unlock()");
    let has_lock = text.contains(".Lock()") || text.contains(".RLock()");
    // A helper only locks or only unlocks.
    if has_lock == has_unlock {
        return Vec::new();
    }
    let mut ops = Vec::new();
    for list in named_children(body).filter(|c| c.kind_name() == "statement_list") {
        for stmt in named_children(list) {
            if stmt.kind_name() != "expression_statement" {
                continue;
            }
            let Some(call) = stmt
                .named_child(0)
                .filter(|c| c.kind_name() == "call_expression")
            else {
                continue;
            };
            let Some(f) = call
                .field("function")
                .filter(|f| f.kind_name() == "selector_expression")
            else {
                continue;
            };
            let (Some(o), Some(m)) = (f.field("operand"), f.field("field")) else {
                continue;
            };
            let operand = mapstate::norm(&src[o.byte_range()]);
            let Some(suffix) = operand.strip_prefix(receiver) else {
                continue;
            };
            if !(suffix.is_empty() || suffix.starts_with('.')) {
                continue;
            }
            let mode = match &src[m.byte_range()] {
                "Lock" if !has_unlock => Some(locks::Mode::Write),
                "RLock" if !has_unlock => Some(locks::Mode::Read),
                "Unlock" | "RUnlock" if !has_lock => None,
                _ => continue,
            };
            ops.push((suffix.to_string(), mode));
        }
    }
    ops
}

/// `"1.22"`, `"1.21.3"` -> (1, 22) / (1, 21).
pub fn parse_go_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    Some((major, minor))
}

/// The `go` directive of the nearest `go.mod` in `dir` or above it.
pub fn go_mod_version(dir: &std::path::Path) -> Option<(u32, u32)> {
    let abs = std::path::absolute(dir).ok()?;
    let mut d = Some(abs.as_path());
    while let Some(cur) = d {
        let gomod = cur.join("go.mod");
        if gomod.is_file() {
            let text = std::fs::read_to_string(gomod).ok()?;
            return text
                .lines()
                .find_map(|l| l.trim().strip_prefix("go ").and_then(parse_go_version));
        }
        d = cur.parent();
    }
    None
}

pub fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

fn func_decl(decl: Node<'_>, src: &str, file: usize) -> Option<FuncDecl> {
    let name = src[decl.field("name")?.byte_range()].to_string();
    let receiver = decl.field("receiver").and_then(|r| {
        let p = named_children(r).find(|c| c.kind_name() == "parameter_declaration")?;
        let rname = p.field("name").map(|n| src[n.byte_range()].to_string());
        let t = p.field("type")?;
        let (pointer, t) = if t.kind_name() == "pointer_type" {
            (true, t.named_child(0)?)
        } else {
            (false, t)
        };
        let type_name = match Ty::from_node(t, src) {
            Ty::Named(n) => n,
            _ => return None,
        };
        Some(Receiver {
            name: rname,
            type_name,
            pointer,
        })
    });
    let results = match decl.field("result") {
        Some(r) if r.kind_name() == "parameter_list" => named_children(r)
            .filter(|p| p.kind_name() == "parameter_declaration")
            .flat_map(|p| {
                let ty = p.field("type").map_or(Ty::Other, |t| Ty::from_node(t, src));
                let mut c = p.walk();
                let n = p.children_by_field_name("name", &mut c).count().max(1);
                std::iter::repeat_n(ty, n)
            })
            .collect(),
        Some(r) => vec![Ty::from_node(r, src)],
        None => Vec::new(),
    };
    Some(FuncDecl {
        name,
        receiver,
        results,
        file,
        span: Span::of(decl),
    })
}

/// The named children of `node`, in order.
pub fn named_children(node: Node<'_>) -> impl DoubleEndedIterator<Item = Node<'_>> {
    node.named_kids()
}

/// [`named_children`], collected.
pub fn named_children_long(node: Node<'_>) -> Vec<Node<'_>> {
    node.named_kids().collect()
}

/// The parameter names of a `parameter_list`, one per parameter in order
/// (`""` for an unnamed one; `a, b int` gives two; a variadic one counts
/// as one). `None` when the list holds anything else.
pub fn param_names<'s>(params: Node<'_>, src: &'s str) -> Option<Vec<&'s str>> {
    let mut names = Vec::new();
    for p in named_children(params) {
        if !matches!(
            p.kind_name(),
            "parameter_declaration" | "variadic_parameter_declaration"
        ) {
            return None;
        }
        let mut c = p.walk();
        let ns: Vec<Node<'_>> = p.children_by_field_name("name", &mut c).collect();
        if ns.is_empty() {
            names.push("");
        }
        names.extend(ns.iter().map(|n| &src[n.byte_range()]));
    }
    Some(names)
}

/// Every child of `node`, anonymous ones too, in order.
pub fn all_children(node: Node<'_>) -> Vec<Node<'_>> {
    node.kids().collect()
}

fn var_specs(decl: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    for c in named_children(decl) {
        match c.kind_name() {
            "var_spec" => out.push(c),
            "var_spec_list" => {
                out.extend(named_children(c).filter(|s| s.kind_name() == "var_spec"))
            }
            _ => {}
        }
    }
    out
}

/// Visits every node under `root` in document order, iteratively (deeply
/// nested code must not overflow the stack).
pub fn for_each_node<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        f(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Visits `root` and the named nodes under it in document order (the
/// anonymous tokens between them are skipped), iteratively.
pub fn for_each_named<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    walk_pruned(root, |n| {
        f(n);
        true
    });
}

/// [`for_each_named`], entering a node's children only when `f` returns
/// true for it.
pub fn walk_pruned<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>) -> bool) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if f(n) {
            stack.extend(named_children(n).rev());
        }
    }
}

/// The ancestors of `n` from `top` down to its parent (empty when `n` is
/// `top` or not under it).
pub fn path_to<'t>(top: Node<'t>, n: Node<'t>) -> Vec<Node<'t>> {
    let mut path = Vec::new();
    let mut cur = n;
    while cur != top {
        match cur.parent() {
            Some(p) => {
                path.push(p);
                cur = p;
            }
            None => return Vec::new(),
        }
    }
    path.reverse();
    path
}

/// The ancestors of a node up to a node above it (past that node, with
/// `Node::parent`).
pub struct Ancestors<'t> {
    node: Node<'t>,
    /// From the top down to the node's parent.
    path: Vec<Node<'t>>,
}

impl<'t> Ancestors<'t> {
    pub fn new(top: Node<'t>, node: Node<'t>) -> Ancestors<'t> {
        Ancestors {
            node,
            path: path_to(top, node),
        }
    }

    /// The `k`-th ancestor: 1 is the parent.
    pub fn get(&self, k: usize) -> Option<Node<'t>> {
        if k == 0 {
            return Some(self.node);
        }
        if k <= self.path.len() {
            return Some(self.path[self.path.len() - k]);
        }
        let mut cur = self.path.first().copied().unwrap_or(self.node);
        for _ in 0..k - self.path.len() {
            cur = cur.parent()?;
        }
        Some(cur)
    }
}

/// [`for_each_named`], also giving each node its ancestors (root first;
/// every node with children is named), as a slice: the walk keeps the
/// path it is on.
pub fn for_each_named_with_ancestors<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>, &[Node<'t>])) {
    let mut stack = vec![(root, 0)];
    walk_with_path(Vec::new(), &mut stack, &mut f);
}

/// [`for_each_named_with_ancestors`] over some children of `root` (in
/// order), `root` itself not visited.
pub fn for_each_named_with_ancestors_of<'t>(
    root: Node<'t>,
    children: Vec<Node<'t>>,
    mut f: impl FnMut(Node<'t>, &[Node<'t>]),
) {
    let mut stack: Vec<(Node<'t>, usize)> = children.into_iter().rev().map(|c| (c, 1)).collect();
    walk_with_path(vec![root], &mut stack, &mut f);
}

fn walk_with_path<'t>(
    mut path: Vec<Node<'t>>,
    stack: &mut Vec<(Node<'t>, usize)>,
    f: &mut impl FnMut(Node<'t>, &[Node<'t>]),
) {
    while let Some((n, depth)) = stack.pop() {
        path.truncate(depth);
        f(n, &path);
        path.push(n);
        stack.extend(named_children(n).rev().map(|c| (c, depth + 1)));
    }
}

/// The first `ERROR` or `MISSING` node under `root` in document order: a
/// walk that enters only the subtrees that have one.
pub fn first_error(root: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = root.walk();
    loop {
        let n = cursor.node();
        if n.is_error() || n.is_missing() {
            return Some(n);
        }
        if n.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// The syntax errors of a file, for asking whether a span lies inside one
/// (findings there are dropped). Collected in one walk that only enters
/// subtrees with errors; each question is then a binary search.
pub struct ErrorRegions<'t> {
    root: Node<'t>,
    /// Outermost non-empty `ERROR` nodes, by start (siblings do not overlap).
    spans: Vec<(usize, usize)>,
}

impl<'t> ErrorRegions<'t> {
    pub fn new(root: Node<'t>) -> ErrorRegions<'t> {
        let mut spans = Vec::new();
        if root.has_error() {
            let mut cursor = root.walk();
            'walk: loop {
                let n = cursor.node();
                if n.is_error() {
                    if n.start_byte() < n.end_byte() {
                        spans.push((n.start_byte(), n.end_byte()));
                    }
                } else if n.has_error() && cursor.goto_first_child() {
                    continue;
                }
                loop {
                    if cursor.goto_next_sibling() {
                        break;
                    }
                    if !cursor.goto_parent() {
                        break 'walk;
                    }
                }
            }
        }
        ErrorRegions { root, spans }
    }

    /// Is the node `span` denotes (the smallest one covering it) an `ERROR`
    /// node or inside one?
    pub fn contains(&self, span: Span) -> bool {
        if !self.root.has_error() {
            return false;
        }
        if span.start >= span.end {
            // An empty span may sit between siblings: ask the tree.
            let mut n = self.root.descendant_for_byte_range(span.start, span.end);
            while let Some(node) = n {
                if node.is_error() {
                    return true;
                }
                n = node.parent();
            }
            return false;
        }
        // A non-empty range is covered by at most one child of each node,
        // so the ERROR nodes covering it are exactly those on its path from
        // the root.
        let i = self.spans.partition_point(|&(s, _)| s <= span.start);
        i > 0 && self.spans[i - 1].1 >= span.end
    }
}
