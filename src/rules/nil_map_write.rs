//! `nil-map-write`: a write into a map that is nil on every path reaching it.
//! Docs: `rules/nil-map-write.md`.

use super::RuleContext;
use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::model::facts::{AccessKind, Target};
use crate::model::mapstate::{MapVal, OriginKind};

const ID: &str = "nil-map-write";

pub fn check(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    never_set_fields(cx, out);
    for w in &cx.facts.accesses {
        let (AccessKind::IndexWrite, MapVal::Nil(origin)) = (w.kind, &w.nil) else {
            continue;
        };
        let name = short(cx.text(w.map_span));
        let mut d = Diagnostic::new(ID, w.span, format!("write to nil map {name}"));
        let (label, help) = match &origin.kind {
            OriginKind::VarDecl { fix } => (
                format!("{name} is declared here without a value, so it is nil"),
                match fix {
                    Some((_, ty)) => {
                        format!("make the map before writing to it: {name} = make({ty})")
                    }
                    None => format!("make the map before writing to it: {name} = make(...)"),
                },
            ),
            OriginKind::NilAssign => (
                format!("{name} is set to nil here"),
                format!("make the map before writing to it: {name} = make(...)"),
            ),
            OriginKind::ZeroStruct { type_name } => (
                format!("zero value of {type_name} here: its map fields are nil"),
                format!(
                    "set {name} = make(...) before writing, or write a constructor that makes it"
                ),
            ),
            OriginKind::LiteralOmits { type_name } => (
                format!("this {type_name} literal leaves {name} nil"),
                format!(
                    "initialise the field in the literal, or set {name} = make(...) before writing"
                ),
            ),
            OriginKind::NamedResult => (
                format!("named result {name} starts out nil"),
                format!("make the map first: {name} = make(...)"),
            ),
            OriginKind::NilCompare => (
                format!("{name} is nil in this branch"),
                format!("make the map in this branch before writing: {name} = make(...)"),
            ),
            OriginKind::PkgVar { .. } => (
                format!("{name} is declared here and never assigned in this package"),
                format!("initialise it at its declaration: var {name} = make(...)"),
            ),
            OriginKind::MissingEntry => (
                format!("this map's entries start out absent, so {name} has no inner map yet"),
                format!("create the inner map first: if {name} == nil {{ {name} = make(...) }}"),
            ),
        };
        let same_file = !matches!(origin.kind, OriginKind::PkgVar { file } if file != cx.file);
        if same_file {
            d = d.label(origin.span, label);
        }
        d = d.help(help);
        if let OriginKind::VarDecl {
            fix: Some((at, ty)),
        } = &origin.kind
        {
            d = d.fix(
                format!("initialise {name} with make({ty})"),
                vec![Edit {
                    span: Span {
                        start: *at,
                        end: *at,
                    },
                    replacement: format!(" = make({ty})"),
                }],
            );
        }
        out.push(d);
    }
}

/// Writes into an unexported map field that nothing in the package ever
/// sets (`Package::nil_fields`): every value of the type has it nil, so the
/// write panics whenever it runs.
fn never_set_fields(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    if cx.pkg.nil_fields.is_empty() {
        return;
    }
    for w in &cx.facts.accesses {
        if w.kind != AccessKind::IndexWrite || matches!(w.nil, MapVal::Nil(_) | MapVal::Made) {
            continue;
        }
        let Target::Field {
            type_name, field, ..
        } = &w.target
        else {
            continue;
        };
        if !cx
            .pkg
            .nil_fields
            .contains(&(type_name.clone(), field.clone()))
        {
            continue;
        }
        let name = short(cx.text(w.map_span));
        let mut d = Diagnostic::new(ID, w.span, format!("write to nil map {name}"));
        let decl = cx.pkg.types.get(type_name).and_then(|t| {
            cx.pkg
                .struct_fields(&t.ty)
                .and_then(|fs| fs.iter().find(|f| &f.name == field))
                .map(|f| (t.file, f.span))
        });
        let why = format!(
            "nothing in package {} sets {type_name}.{field}, so it is nil in every {type_name}",
            cx.pkg.name
        );
        match decl {
            Some((file, span)) if file == cx.file => d = d.label(span, why),
            _ => d = d.label(w.map_span, why),
        }
        out.push(d.help(format!(
            "make the map where {type_name} values are created ({field}: make(...) in the constructor or literal), or lazily before writing: if {name} == nil {{ {name} = make(...) }}"
        )));
    }
}

/// The map expression as shown in a message: whitespace collapsed, long
/// expressions shortened.
fn short(text: &str) -> String {
    let s: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}
