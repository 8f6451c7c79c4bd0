//! `struct-copied-map`: a struct holding a map, copied by value, then its map
//! field reassigned (the write is lost) or written through the copy (the
//! original changes too). Docs: `rules/struct-copied-map.md`.

use super::RuleContext;
use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::fields::FieldExt;
use crate::model::facts::{AccessKind, CopySource, MapAccess, Target, VarId};
use crate::model::{Ty, named_children};

const ID: &str = "struct-copied-map";

/// Cloning advice for the module's Go version (`maps.Clone` from Go 1.21).
fn help_clone(cx: &RuleContext<'_>) -> &'static str {
    match cx.pkg.go_version {
        Some(v) if v < (1, 21) => {
            "copy the map into a new one in a loop before writing (maps.Clone needs Go 1.21), or use a pointer so there is one struct"
        }
        _ => {
            "clone the map before writing (c.M = maps.Clone(c.M)), or use a pointer so there is one struct"
        }
    }
}

pub fn check(cx: &RuleContext<'_>, out: &mut Vec<Diagnostic>) {
    let f = cx.facts;
    for a in &f.accesses {
        let Target::Field {
            base,
            base_root: Some(r),
            type_name,
            field,
        } = &a.target
        else {
            continue;
        };
        if !a.is_map || documented_shared(cx, type_name, field) {
            continue;
        }
        let var = f.var(*r);
        // The write goes through the variable itself (or a promoted field
        // of an embedded struct held by value).
        if base != &var.name && !base.starts_with(&format!("{}.", var.name)) {
            continue;
        }
        let func = f.func_of(a.ctx);
        let by_value = matches!(var.ty, Some(Ty::Named(_)));
        let value_receiver = func.receiver == Some(*r) && by_value;
        let by_value_param = var.param && by_value && func.receiver != Some(*r);
        let name = cx.text(a.map_span);
        let d = match a.kind {
            AccessKind::Reassign => {
                if value_receiver && !returned(cx, *r) {
                    Some(lost_on_receiver(cx, a, *r, name, type_name))
                } else if let Some(CopySource::Range(_) | CopySource::Index(_)) = var.copy_of {
                    // Stored back (`m[k] = v`), or the new map read for local
                    // use: not lost.
                    let later = cx.refs_after(var.ctx, &var.name, a.span.end);
                    let stored = later.iter().any(|n| !is_selector_operand(*n));
                    let read = later.iter().any(|n| reads_field(cx, *n, field));
                    (!stored && !read).then(|| {
                        let kind = if matches!(var.copy_of, Some(CopySource::Range(_))) { "range copy" } else { "copy" };
                        Diagnostic::new(ID, a.span, format!("reassignment of map field {name} on {kind} {} is lost", var.name))
                            .label(var.span, format!("{} is a copy of the element", var.name))
                            .help(format!(
                                "store the copy back (m[k] = {0}, items[i] = {0}), range by index (items[i].{field} = ...), or hold pointers to the elements",
                                var.name
                            ))
                    })
                } else {
                    None
                }
            }
            AccessKind::IndexWrite | AccessKind::Delete | AccessKind::Clear => {
                if reassigned_before(cx, a, *r, field) {
                    None
                } else if (value_receiver || by_value_param)
                    && returned(cx, *r)
                    && returns_own_type(cx, a, var.ty.as_ref())
                {
                    // Name the type that was copied (the variable's), not
                    // the embedded struct the field belongs to.
                    let copied = match &var.ty {
                        Some(Ty::Named(n)) => n.as_str(),
                        _ => type_name.as_str(),
                    };
                    Some(
                        Diagnostic::new(ID, a.span, format!("write to map field {name} of a copied {copied} also changes the original's map"))
                            .label(var.span, format!("{} is a copy of the caller's {copied}, sharing its map", var.name))
                            .help(help_clone(cx)),
                    )
                } else if let Some(CopySource::Var(o) | CopySource::Deref(o)) = var.copy_of {
                    diverging_copy(cx, a, *r, o, name)
                } else {
                    None
                }
            }
            AccessKind::Read => None,
        };
        out.extend(d);
    }
}

/// Shape 1, with the pointer-receiver fix when every other method of the
/// type already has a pointer receiver.
fn lost_on_receiver(
    cx: &RuleContext<'_>,
    a: &MapAccess,
    r: VarId,
    name: &str,
    type_name: &str,
) -> Diagnostic {
    let var = cx.facts.var(r);
    let mut d = Diagnostic::new(
        ID,
        a.span,
        format!(
            "reassignment of map field {name} on value receiver {} is lost when the method returns",
            var.name
        ),
    )
    .label(var.span, "value receiver: the method works on a copy")
    .help("use a pointer receiver, or return the modified copy");
    let func = cx.facts.func_of(a.ctx);
    let others_pointer = cx
        .pkg
        .funcs
        .iter()
        .filter(|m| {
            m.receiver
                .as_ref()
                .is_some_and(|r| r.type_name == type_name)
        })
        .filter(|m| m.span != func.span)
        .all(|m| m.receiver.as_ref().is_some_and(|r| r.pointer));
    if others_pointer && let Some(at) = receiver_type_start(cx, var.span) {
        d = d.fix(
            format!("use a pointer receiver (*{type_name}), like the type's other methods"),
            vec![Edit {
                span: Span { start: at, end: at },
                replacement: "*".into(),
            }],
        );
    }
    d
}

/// Shape 4: `b := a` then a write through `b`'s map while `a` lives on.
fn diverging_copy(
    cx: &RuleContext<'_>,
    a: &MapAccess,
    r: VarId,
    orig: VarId,
    name: &str,
) -> Option<Diagnostic> {
    let f = cx.facts;
    let (b, o) = (f.var(r), f.var(orig));
    // The original is alive after the write: used later here, or a
    // parameter the caller still holds.
    let alive = o.param || !cx.refs_after(o.ctx, &o.name, a.span.end).is_empty();
    if !alive {
        return None;
    }
    Some(
        Diagnostic::new(
            ID,
            a.span,
            format!(
                "write to map field {name} of copy {} also changes {}",
                b.name, o.name
            ),
        )
        .label(
            b.span,
            format!("{} is a copy of {} and shares its map", b.name, o.name),
        )
        .help(help_clone(cx)),
    )
}

/// The receiver or parameter is returned (`return c`, `return &c`).
fn returned(cx: &RuleContext<'_>, r: VarId) -> bool {
    cx.facts.returns.iter().any(|&(_, id)| id == r)
}

/// The copy's field was given a map of its own before this write.
fn reassigned_before(cx: &RuleContext<'_>, a: &MapAccess, r: VarId, field: &str) -> bool {
    cx.facts.accesses.iter().any(|o| {
        o.kind == AccessKind::Reassign
            && o.span.start < a.span.start
            && matches!(&o.target, Target::Field { base_root: Some(b), field: g, .. } if *b == r && g == field)
    })
}

/// The function returns the struct type itself (a copy-on-write builder),
/// not an interface it implements (`ast.Visitor`).
fn returns_own_type(cx: &RuleContext<'_>, a: &MapAccess, ty: Option<&Ty>) -> bool {
    let Some(Ty::Named(t)) = ty else { return false };
    let func = cx.facts.func_of(a.ctx);
    let Some(name) = &func.name else { return false };
    match cx.pkg.result_of(func.type_name.as_deref(), name) {
        Some(Ty::Named(r)) => r == t,
        Some(Ty::Pointer(p)) => matches!(p.as_ref(), Ty::Named(r) if r == t),
        _ => false,
    }
}

/// `v.field` read (not written into) at this reference of `v`.
fn reads_field(cx: &RuleContext<'_>, n: tree_sitter::Node<'_>, field: &str) -> bool {
    let Some(sel) = n.parent().filter(|p| p.kind() == "selector_expression") else {
        return false;
    };
    if sel
        .field("field")
        .is_none_or(|f| cx.pkg.files[cx.file].text()[f.byte_range()] != *field)
    {
        return false;
    }
    // `v.field[k] = x`, `v.field[k]++`, `delete(v.field, k)` write into it.
    let written = sel.parent().is_some_and(|p| {
        let index_target = p.kind() == "index_expression"
            && p.parent().is_some_and(|g| {
                matches!(g.kind(), "inc_statement" | "dec_statement")
                    || (g.kind() == "expression_list"
                        && g.parent().is_some_and(|a| {
                            a.kind() == "assignment_statement" && a.field("left") == Some(g)
                        }))
            });
        let deleted = p.kind() == "argument_list"
            && p.parent()
                .and_then(|c| c.field("function"))
                .is_some_and(|f| {
                    matches!(
                        &cx.pkg.files[cx.file].text()[f.byte_range()],
                        "delete" | "clear"
                    )
                });
        let reassigned = p.kind() == "expression_list"
            && p.parent()
                .is_some_and(|a| a.kind() == "assignment_statement" && a.field("left") == Some(p));
        index_target || deleted || reassigned
    });
    !written
}

fn is_selector_operand(n: tree_sitter::Node<'_>) -> bool {
    n.parent()
        .is_some_and(|p| p.kind() == "selector_expression" && p.field("operand") == Some(n))
}

/// A map field whose comment says copies share it on purpose.
fn documented_shared(cx: &RuleContext<'_>, type_name: &str, field: &str) -> bool {
    let Some(fields) = cx
        .pkg
        .types
        .get(type_name)
        .and_then(|d| cx.pkg.struct_fields(&d.ty))
    else {
        return false;
    };
    let direct = fields.iter().find(|f| f.name == field);
    let promoted = || {
        fields
            .iter()
            .filter(|f| f.embedded)
            .filter_map(|f| cx.pkg.struct_fields(&f.ty))
            .flat_map(|inner| inner.iter())
            .find(|f| f.name == field)
    };
    direct
        .or_else(promoted)
        .is_some_and(|f| f.doc.to_lowercase().contains("shared"))
}

/// Where to insert `*` to make a receiver a pointer.
fn receiver_type_start(cx: &RuleContext<'_>, name: Span) -> Option<usize> {
    let root = cx.pkg.files[cx.file].tree.root_node();
    let ident = root.descendant_for_byte_range(name.start, name.end)?;
    let decl = ident
        .parent()
        .filter(|p| p.kind() == "parameter_declaration")?;
    let ty = decl.field("type")?;
    let _ = named_children(decl);
    Some(ty.start_byte())
}
