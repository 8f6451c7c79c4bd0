//! The rules. Each lives in its own module with a `check` function that reads
//! the semantic model; its id, severity and docs come from `rules/<id>.md`,
//! from which `build.rs` generates the registry below.

use crate::fields::FieldExt;
mod deferred_map_mutation;
mod nil_map_write;
mod struct_copied_map;
mod unguarded_map_write;
mod unsorted_map_range;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Package;
use crate::model::facts::FileFacts;
use crate::syntax::Node;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// What a rule sees: one file of a package, with the package model and the
/// per-function facts for that file.
pub struct RuleContext<'a> {
    pub pkg: &'a Package,
    pub file: usize,
    /// Facts of this file.
    pub facts: &'a FileFacts,
    /// Facts of every file of the package, by file index.
    pub all: &'a [FileFacts],
    /// Package-wide concurrency facts derived from `all`.
    pub conc: &'a crate::model::concurrency::Concurrency,
}

impl<'a> RuleContext<'a> {
    pub fn text(&self, span: crate::diagnostic::Span) -> &'a str {
        &self.pkg.files[self.file].text()[span.start..span.end]
    }

    /// The smallest node of this file that spans `span`.
    pub fn node_at(&self, span: crate::diagnostic::Span) -> Option<crate::syntax::Node<'a>> {
        let root = self.pkg.files[self.file].tree.root_node();
        let mut n = root.descendant_for_byte_range(span.start, span.end)?;
        while n.start_byte() > span.start || n.end_byte() < span.end {
            n = n.parent()?;
        }
        Some(n)
    }

    /// The body of the function or function literal of context `ctx`.
    pub fn ctx_body(&self, ctx: crate::model::facts::CtxId) -> Option<crate::syntax::Node<'a>> {
        let span = self.facts.ctxs[ctx].span;
        let mut n = self.node_at(span)?;
        while n.start_byte() != span.start || n.end_byte() != span.end {
            n = n.parent()?;
        }
        n.field("body")
    }

    /// The identifiers named `name` in the body of context `ctx`, in order.
    pub fn refs(
        &self,
        lk: &Lookups<'a>,
        ctx: crate::model::facts::CtxId,
        name: &str,
    ) -> Option<Rc<Vec<Node<'a>>>> {
        self.ctx_body(ctx).map(|b| lk.refs(self.file, b, name))
    }
}

/// Lookups over the package's trees that a rule would otherwise repeat for
/// every candidate finding: the references to a variable in a function
/// body, the calls of a function in the package. The first names asked
/// about a body (or the package's calls) are found by a walk each, kept;
/// past a few, one walk indexes them all, so hostile input with thousands of
/// names costs one walk, not thousands.
pub struct Lookups<'a> {
    pub pkg: &'a Package,
    /// (file, body node id) -> references by name.
    idents: RefCell<HashMap<(usize, usize), ByName<Node<'a>>>>,
    /// (is a method call, callee name) -> (file, call), for the package.
    calls: RefCell<ByName<(usize, Node<'a>)>>,
}

/// Walk results by name, and whether every name has been indexed.
struct ByName<T> {
    found: HashMap<(bool, String), Rc<Vec<T>>>,
    complete: bool,
}

impl<T> Default for ByName<T> {
    fn default() -> Self {
        ByName {
            found: HashMap::new(),
            complete: false,
        }
    }
}

/// Distinct names asked about one body (or the package's calls) before one
/// walk indexes every name.
const WALKS_BEFORE_INDEX: usize = 8;

impl<T: Clone> ByName<T> {
    fn get(
        &mut self,
        key: (bool, &str),
        walk_one: impl FnOnce() -> Vec<T>,
        walk_all: impl FnOnce() -> HashMap<(bool, String), Vec<T>>,
    ) -> Rc<Vec<T>> {
        let k = (key.0, key.1.to_string());
        if let Some(v) = self.found.get(&k) {
            return v.clone();
        }
        if self.complete {
            return Rc::new(Vec::new());
        }
        if self.found.len() < WALKS_BEFORE_INDEX {
            let v = Rc::new(walk_one());
            self.found.insert(k, v.clone());
            return v;
        }
        self.found = walk_all()
            .into_iter()
            .map(|(k, v)| (k, Rc::new(v)))
            .collect();
        self.complete = true;
        self.found.get(&k).cloned().unwrap_or_default()
    }
}

impl<'a> Lookups<'a> {
    pub fn new(pkg: &'a Package) -> Lookups<'a> {
        Lookups {
            pkg,
            idents: RefCell::new(HashMap::new()),
            calls: RefCell::new(ByName::default()),
        }
    }

    /// The identifiers named `name` in `body` (of file `file`), in order.
    pub fn refs(&self, file: usize, body: Node<'a>, name: &str) -> Rc<Vec<Node<'a>>> {
        let src = self.pkg.files[file].text();
        let mut idents = self.idents.borrow_mut();
        idents.entry((file, body.id())).or_default().get(
            (false, name),
            || {
                let mut refs = Vec::new();
                crate::model::for_each_named(body, |n| {
                    if n.kind_name() == "identifier" && &src[n.byte_range()] == name {
                        refs.push(n);
                    }
                });
                refs
            },
            || {
                let mut all: HashMap<(bool, String), Vec<Node<'a>>> = HashMap::new();
                crate::model::for_each_named(body, |n| {
                    if n.kind_name() == "identifier" {
                        all.entry((false, src[n.byte_range()].to_string()))
                            .or_default()
                            .push(n);
                    }
                });
                all
            },
        )
    }

    /// The calls of the package whose callee is named `name` (`x.name(...)`
    /// when `method`), in file and document order.
    pub fn calls(&self, method: bool, name: &str) -> Rc<Vec<(usize, Node<'a>)>> {
        let pkg = self.pkg;
        // Each call's callee: (is a method call, its name node).
        let callee = |n: Node<'a>| {
            if n.kind_name() != "call_expression" {
                return None;
            }
            let f = n.field("function")?;
            match f.kind_name() {
                "identifier" => Some((false, f)),
                "selector_expression" => f.field("field").map(|c| (true, c)),
                _ => None,
            }
        };
        self.calls.borrow_mut().get(
            (method, name),
            || {
                // Only the top-level declarations whose text has the name
                // can hold a call of it: the others are not walked.
                let mut calls = Vec::new();
                for (fi, file) in pkg.files.iter().enumerate() {
                    let src = file.text();
                    if !src.contains(name) {
                        continue;
                    }
                    for decl in crate::model::named_children_long(file.tree.root_node()) {
                        if !src[decl.byte_range()].contains(name) {
                            continue;
                        }
                        crate::model::for_each_named(decl, |n| {
                            if let Some((m, c)) = callee(n)
                                && m == method
                                && &src[c.byte_range()] == name
                            {
                                calls.push((fi, n));
                            }
                        });
                    }
                }
                calls
            },
            || {
                let mut all: HashMap<(bool, String), Vec<(usize, Node<'a>)>> = HashMap::new();
                for (fi, file) in pkg.files.iter().enumerate() {
                    let src = file.text();
                    crate::model::for_each_named(file.tree.root_node(), |n| {
                        if let Some((m, c)) = callee(n) {
                            all.entry((m, src[c.byte_range()].to_string()))
                                .or_default()
                                .push((fi, n));
                        }
                    });
                }
                all
            },
        )
    }
}

/// The identifiers of `refs` (in order) that start at or after `from`.
pub fn at_or_after<'r, 'a>(refs: &'r [Node<'a>], from: usize) -> &'r [Node<'a>] {
    &refs[refs.partition_point(|n| n.start_byte() < from)..]
}

pub type CheckFn = fn(&RuleContext<'_>, &mut Vec<Diagnostic>);

/// A rule as registered: metadata from its doc, and its check.
pub struct RuleMeta {
    pub id: &'static str,
    pub default_severity: Severity,
    pub since: &'static str,
    pub summary: &'static str,
    /// The whole Markdown document, front matter included.
    pub doc: &'static str,
    pub check: CheckFn,
}

impl RuleMeta {
    /// The document without its front matter.
    pub fn body(&self) -> &'static str {
        let rest = self.doc.strip_prefix("---\n").unwrap_or(self.doc);
        match rest.find("\n---\n") {
            Some(i) => rest[i + 5..].trim_start(),
            None => self.doc,
        }
    }

    /// The text of one `## ` section of the doc.
    pub fn section(&self, title: &str) -> Option<&'static str> {
        let body = self.body();
        let head = format!("## {title}\n");
        let start = body.find(&head)? + head.len();
        let end = body[start..]
            .find("\n## ")
            .map_or(body.len(), |i| start + i + 1);
        Some(body[start..end].trim())
    }

    pub fn help_uri(&self) -> String {
        format!(
            "{}/blob/main/rules/{}.md",
            env!("CARGO_PKG_REPOSITORY"),
            self.id
        )
    }
}

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

pub fn all() -> &'static [RuleMeta] {
    RULES
}

pub fn find(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.id == id)
}
