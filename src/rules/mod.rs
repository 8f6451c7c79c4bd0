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

    /// The body of the function or function literal of context `ctx`.
    pub fn ctx_body(&self, ctx: crate::model::facts::CtxId) -> Option<tree_sitter::Node<'a>> {
        let span = self.facts.ctxs[ctx].span;
        let root = self.pkg.files[self.file].tree.root_node();
        let mut n = root.descendant_for_byte_range(span.start, span.end)?;
        while n.start_byte() != span.start || n.end_byte() != span.end {
            n = n.parent()?;
        }
        n.field("body")
    }

    /// Identifiers named `name` in the body of context `ctx` at or after
    /// byte `from`, in order.
    pub fn refs_after(
        &self,
        ctx: crate::model::facts::CtxId,
        name: &str,
        from: usize,
    ) -> Vec<tree_sitter::Node<'a>> {
        let mut refs = Vec::new();
        if let Some(b) = self.ctx_body(ctx) {
            let src = self.pkg.files[self.file].text();
            crate::model::for_each_node(b, |n| {
                if n.kind() == "identifier"
                    && n.start_byte() >= from
                    && &src[n.byte_range()] == name
                {
                    refs.push(n);
                }
            });
        }
        refs
    }
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
