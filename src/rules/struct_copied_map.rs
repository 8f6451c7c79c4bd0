//! `struct-copied-map`: a struct holding a map, copied by value, then its map
//! field reassigned (the write is lost) or written through the copy (the
//! original changes too). Docs: `rules/struct-copied-map.md`.

use super::{Lookups, RuleContext};
use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::fields::FieldExt;
use crate::model::facts::{AccessKind, CopySource, MapAccess, Target, VarId};
use crate::model::{Ancestors, Ty, named_children};
use std::collections::HashMap;

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
    let lk = Lookups::new(cx.pkg);
    let mut later = LaterUses::default();
    // Where each copy's map field is first given a map of its own.
    let mut first_reassign: HashMap<(VarId, &str), usize> = HashMap::new();
    for o in &f.accesses {
        if o.kind == AccessKind::Reassign
            && let Target::Field {
                base_root: Some(b),
                field,
                ..
            } = &o.target
        {
            let at = first_reassign
                .entry((*b, field.as_str()))
                .or_insert(o.span.start);
            *at = (*at).min(o.span.start);
        }
    }
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
                    let (stored, read) = later.get(cx, &lk, var.ctx, &var.name, field, a.span.end);
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
                if first_reassign
                    .get(&(*r, field.as_str()))
                    .is_some_and(|&at| at < a.span.start)
                {
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
                    diverging_copy(cx, &lk, a, *r, o, name)
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
fn diverging_copy<'a>(
    cx: &RuleContext<'a>,
    lk: &Lookups<'a>,
    a: &MapAccess,
    r: VarId,
    orig: VarId,
    name: &str,
) -> Option<Diagnostic> {
    let f = cx.facts;
    let (b, o) = (f.var(r), f.var(orig));
    // The original is alive after the write: used later here, or a
    // parameter the caller still holds.
    let alive = o.param
        || cx
            .refs(lk, o.ctx, &o.name)
            .is_some_and(|refs| refs.last().is_some_and(|n| n.start_byte() >= a.span.end));
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

/// `v.field` read (not written into) at this reference of `v` (`up` has
/// its ancestors).
fn reads_field(cx: &RuleContext<'_>, n: &Ancestors<'_>, field: &str) -> bool {
    let Some(sel) = n.get(1).filter(|p| p.kind_name() == "selector_expression") else {
        return false;
    };
    if sel
        .field("field")
        .is_none_or(|f| cx.pkg.files[cx.file].text()[f.byte_range()] != *field)
    {
        return false;
    }
    // `v.field[k] = x`, `v.field[k]++`, `delete(v.field, k)` write into it.
    let written = n.get(2).is_some_and(|p| {
        let index_target = p.kind_name() == "index_expression"
            && n.get(3).is_some_and(|g| {
                matches!(g.kind_name(), "inc_statement" | "dec_statement")
                    || (g.kind_name() == "expression_list"
                        && n.get(4).is_some_and(|a| {
                            a.kind_name() == "assignment_statement" && a.field("left") == Some(g)
                        }))
            });
        let deleted = p.kind_name() == "argument_list"
            && n.get(3).and_then(|c| c.field("function")).is_some_and(|f| {
                matches!(
                    &cx.pkg.files[cx.file].text()[f.byte_range()],
                    "delete" | "clear"
                )
            });
        let reassigned = p.kind_name() == "expression_list"
            && n.get(3).is_some_and(|a| {
                a.kind_name() == "assignment_statement" && a.field("left") == Some(p)
            });
        index_target || deleted || reassigned
    });
    !written
}

fn is_selector_operand(n: &Ancestors<'_>) -> bool {
    n.get(1)
        .is_some_and(|p| p.kind_name() == "selector_expression" && p.field("operand") == n.get(0))
}

/// For a copy's references after a reassignment of its map field: is one
/// not a field access (the copy is stored back), is one a read of the
/// field? Kept per (context, variable, field) as the start of the last
/// reference of each kind, so each write asks in constant time.
#[derive(Default)]
struct LaterUses {
    /// (context, variable, field) -> (last stored, last read).
    last: HashMap<(usize, String, String), LastUses>,
}

type LastUses = (Option<usize>, Option<usize>);

impl LaterUses {
    #[allow(clippy::too_many_arguments)]
    fn get<'a>(
        &mut self,
        cx: &RuleContext<'a>,
        lk: &Lookups<'a>,
        ctx: usize,
        name: &str,
        field: &str,
        from: usize,
    ) -> (bool, bool) {
        let key = (ctx, name.to_string(), field.to_string());
        let (stored, read) = *self.last.entry(key).or_insert_with(|| {
            let Some(body) = cx.ctx_body(ctx) else {
                return (None, None);
            };
            let refs = lk.refs(cx.file, body, name);
            let (mut stored, mut read) = (None, None);
            for &r in refs.iter().rev() {
                if stored.is_some() && read.is_some() {
                    break;
                }
                let up = Ancestors::new(body, r);
                if stored.is_none() && !is_selector_operand(&up) {
                    stored = Some(r.start_byte());
                }
                if read.is_none() && reads_field(cx, &up, field) {
                    read = Some(r.start_byte());
                }
            }
            (stored, read)
        });
        (
            stored.is_some_and(|s| s >= from),
            read.is_some_and(|s| s >= from),
        )
    }
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
        .filter(|p| p.kind_name() == "parameter_declaration")?;
    let ty = decl.field("type")?;
    let _ = named_children(decl);
    Some(ty.start_byte())
}
