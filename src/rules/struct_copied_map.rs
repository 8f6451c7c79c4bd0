//! `struct-copied-map`: a struct holding a map, copied by value, then its map
//! field reassigned (the write is lost) or written through the copy (the
//! original changes too). Docs: `rules/struct-copied-map.md`.

use super::{Lookups, RuleContext};
use crate::diagnostic::{Diagnostic, Edit, Span};
use crate::fields::FieldExt;
use crate::model::facts::{AccessKind, CopySource, MapAccess, Target, VarId};
use crate::model::mapstate::norm;
use crate::model::{Ancestors, Ty, named_children};
use std::collections::HashMap;

const ID: &str = "struct-copied-map";

/// Cloning advice for the module's Go version (`maps.Clone` from Go 1.21),
/// naming the map written (`cfg.Labels`).
fn help_clone(cx: &RuleContext<'_>, name: &str) -> String {
    match cx.pkg.go_version {
        Some(v) if v < (1, 21) => format!(
            "copy {name} into a new map in a loop before writing (maps.Clone needs Go 1.21), or use a pointer so there is one struct"
        ),
        _ => format!(
            "clone the map before writing ({name} = maps.Clone({name})), or use a pointer so there is one struct"
        ),
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
                base,
                field,
                ..
            } = &o.target
            && !only_when_nil(cx, o.span, base, field)
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
        // Through a pointer field or an element of a slice or map, the
        // write reaches shared data: the copy is beside the point.
        if base != &var.name && !through_values(cx, var.ty.as_ref(), &base[var.name.len() + 1..]) {
            continue;
        }
        let func = f.func_of(a.ctx);
        let by_value = matches!(var.ty, Some(Ty::Named(_)));
        let value_receiver = func.receiver == Some(*r) && by_value;
        let by_value_param = var.param && by_value && func.receiver != Some(*r);
        let name = cx.text(a.map_span);
        let d = match a.kind {
            AccessKind::Reassign => {
                let own = base == &var.name;
                if (value_receiver || (by_value_param && own))
                    && !returned(cx, *r)
                    && !used_after(cx, &lk, &mut later, a, *r, field)
                {
                    Some(if value_receiver {
                        lost_on_receiver(cx, a, *r, name, type_name)
                    } else {
                        lost_on_param(cx, a, *r, name)
                    })
                } else if let Some(src @ (CopySource::Range(..) | CopySource::Index(_))) =
                    var.copy_of
                {
                    // Stored back (`m[k] = v`), or the new map read for local
                    // use: not lost.
                    // A range variable lives in its loop: a later loop's
                    // variable of the same name is another one.
                    let until = match src {
                        CopySource::Range(..) => loop_end(cx, var.span),
                        _ => usize::MAX,
                    };
                    let (stored, read) =
                        later.get(cx, &lk, var.ctx, &var.name, field, a.span.end, until);
                    (!stored && !read).then(|| {
                        let kind = if matches!(src, CopySource::Range(..)) {
                            "range copy"
                        } else {
                            "copy"
                        };
                        Diagnostic::new(
                            ID,
                            a.span,
                            format!(
                                "reassignment of map field {name} on {kind} {} is lost",
                                var.name
                            ),
                        )
                        .label(var.span, format!("{} is a copy of the element", var.name))
                        .help(store_back_help(cx, src, &var.name, var.span, field))
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
                            .help(help_clone(cx, name)),
                    )
                } else {
                    match var.copy_of {
                        Some(CopySource::Var(o) | CopySource::Deref(o)) => {
                            diverging_copy(cx, &lk, a, *r, o, name)
                        }
                        Some(CopySource::Global(g)) => global_copy(cx, a, *r, g, name),
                        Some(CopySource::Index(at)) => {
                            diverging_element(cx, &lk, a, *r, at, field, name)
                        }
                        _ => None,
                    }
                }
            }
            AccessKind::Read => None,
        };
        out.extend(d);
    }
}

/// The reassignment at `span` only runs when the field was nil (`if
/// o.Headers == nil { o.Headers = map[string]string{} }`): when it was
/// not, the copy still shares the caller's map.
fn only_when_nil(cx: &RuleContext<'_>, span: Span, base: &str, field: &str) -> bool {
    let Some(mut n) = cx.node_at(span) else {
        return false;
    };
    let nil_test = format!("{base}.{field}==nil");
    while let Some(p) = n.parent() {
        match p.kind_name() {
            "function_declaration" | "method_declaration" | "func_literal" => return false,
            "if_statement" if p.field("consequence") == Some(n) => {
                let cond: String = p
                    .field("condition")
                    .map(|c| cx.text(Span::of(c)))
                    .unwrap_or("")
                    .split_whitespace()
                    .collect();
                if cond.contains(&nil_test) {
                    return true;
                }
            }
            _ => {}
        }
        n = p;
    }
    false
}

/// `rest` (`cfg.limits`) names fields held by value, one inside the other,
/// from a value of type `ty`: no pointer, index or call on the way.
fn through_values(cx: &RuleContext<'_>, ty: Option<&Ty>, rest: &str) -> bool {
    if rest.contains(['[', '(', '*']) {
        return false;
    }
    let Some(mut ty) = ty.cloned() else {
        return false;
    };
    for seg in rest.split('.') {
        if matches!(cx.pkg.resolve(&ty), Ty::Pointer(_)) {
            return false;
        }
        let Some((_, next)) = cx.pkg.field_path(&ty, seg) else {
            return false;
        };
        if !matches!(cx.pkg.resolve(&next), Ty::Struct(_)) {
            return false;
        }
        ty = next;
    }
    true
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
    let mut others = cx
        .pkg
        .funcs
        .iter()
        .filter(|m| {
            m.receiver
                .as_ref()
                .is_some_and(|r| r.type_name == type_name)
        })
        .filter(|m| m.span != func.span)
        .peekable();
    let others_pointer =
        others.peek().is_some() && others.all(|m| m.receiver.as_ref().is_some_and(|r| r.pointer));
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

/// A struct parameter taken by value whose map field is reassigned and the
/// copy never used again.
fn lost_on_param(cx: &RuleContext<'_>, a: &MapAccess, r: VarId, name: &str) -> Diagnostic {
    let var = cx.facts.var(r);
    let ty = match &var.ty {
        Some(Ty::Named(n)) => n.as_str(),
        _ => "",
    };
    Diagnostic::new(
        ID,
        a.span,
        format!(
            "reassignment of map field {name} on parameter {} is lost when the function returns",
            var.name
        ),
    )
    .label(
        var.span,
        format!(
            "{} is passed by value: the function works on a copy",
            var.name
        ),
    )
    .help(format!(
        "take a pointer (*{ty}) so the caller sees the change, or return the modified copy"
    ))
}

/// Is the receiver or parameter `r` used after the reassignment `a` of its
/// map `field`: passed on, stored, a method called on it, the field read
/// back? A copy a closure captures, or one reassigned in a loop, counts as
/// used.
fn used_after<'a>(
    cx: &RuleContext<'a>,
    lk: &Lookups<'a>,
    later: &mut LaterUses,
    a: &MapAccess,
    r: VarId,
    field: &str,
) -> bool {
    let f = cx.facts;
    if f.captures.iter().any(|&(_, id, _)| id == r) {
        return true;
    }
    let var = f.var(r);
    let from = if a.in_loop { 0 } else { a.span.end };
    let (stored, read) = later.get(cx, lk, var.ctx, &var.name, field, from, usize::MAX);
    stored || read
}

/// How to keep a reassignment made on a copy of an element, in the code's
/// own names.
fn store_back_help(
    cx: &RuleContext<'_>,
    src: CopySource,
    v: &str,
    v_span: Span,
    field: &str,
) -> String {
    match src {
        CopySource::Index(at) => {
            let elem = cx.text(at);
            format!("store the copy back ({elem} = {v}), or hold pointers to the elements")
        }
        CopySource::Range(at, over_map) => {
            let c = cx.text(at);
            let key = range_key(cx, v_span);
            let k = key.unwrap_or(if over_map { "k" } else { "i" });
            let store = match key {
                Some(_) => format!("store the copy back ({c}[{k}] = {v})"),
                None => format!(
                    "range with a key (for {k}, {v} := range {c}) and store the copy back ({c}[{k}] = {v})"
                ),
            };
            if over_map {
                format!("{store}, or hold pointers to the elements")
            } else {
                format!(
                    "{store}, range by index ({c}[{k}].{field} = ...), or hold pointers to the elements"
                )
            }
        }
        _ => "store the copy back, or hold pointers to the elements".into(),
    }
}

/// The key variable of the `range` clause declaring `v` (not `_`).
fn range_key<'a>(cx: &RuleContext<'a>, v: Span) -> Option<&'a str> {
    let root = cx.pkg.files[cx.file].tree.root_node();
    let ident = root.descendant_for_byte_range(v.start, v.end)?;
    let list = ident
        .parent()
        .filter(|p| p.kind_name() == "expression_list")?;
    let key = list.named_child(0).filter(|k| *k != ident)?;
    let text = &cx.pkg.files[cx.file].text()[key.byte_range()];
    (text != "_").then_some(text)
}

/// `cfg := defaultConfig` then a write into `cfg`'s map: the package-level
/// value's map changes, for every later copy too.
fn global_copy(
    cx: &RuleContext<'_>,
    a: &MapAccess,
    r: VarId,
    g: Span,
    name: &str,
) -> Option<Diagnostic> {
    let func = cx.facts.func_of(a.ctx);
    if func.name.as_deref() == Some("init") {
        return None;
    }
    let b = cx.facts.var(r);
    let g = cx.text(g);
    Some(
        Diagnostic::new(
            ID,
            a.span,
            format!(
                "write to map field {name} of copy {} also changes package-level {g}",
                b.name
            ),
        )
        .label(
            b.span,
            format!("{} is a copy of {g} and shares its map", b.name),
        )
        .help(help_clone(cx, name)),
    )
}

/// `c := items[0]`, made into a different value (another field of `c`
/// assigned), then a write into `c`'s map while the container lives on and
/// the copy is not stored back in its place.
fn diverging_element<'a>(
    cx: &RuleContext<'a>,
    lk: &Lookups<'a>,
    a: &MapAccess,
    r: VarId,
    at: Span,
    field: &str,
    name: &str,
) -> Option<Diagnostic> {
    let f = cx.facts;
    let b = f.var(r);
    let src = cx.pkg.files[cx.file].text();
    let body = cx.ctx_body(b.ctx)?;
    let refs = lk.refs(cx.file, body, &b.name);
    let elem = norm(cx.text(at));
    let mut diverges = false;
    let mut stored_back = false;
    for &n in refs.iter() {
        let up = Ancestors::new(body, n);
        // `c.ID = ...`: another field of the copy is given its own value.
        if let Some(other) = assigned_field(cx, &up)
            && other != field
        {
            diverges = true;
        }
        // `items[0] = c`: the copy goes back where it came from.
        if n.start_byte() >= a.span.end
            && let Some(list) = up.get(1).filter(|p| p.kind_name() == "expression_list")
            && let Some(assign) = up
                .get(2)
                .filter(|p| p.kind_name() == "assignment_statement")
            && assign.field("right") == Some(list)
            && assign
                .field("left")
                .is_some_and(|l| norm(&src[l.byte_range()]) == elem)
        {
            stored_back = true;
        }
    }
    if !diverges || stored_back {
        return None;
    }
    // The container: still used after the write, or the caller's.
    let root = cx.pkg.files[cx.file].tree.root_node();
    let mut node = root.descendant_for_byte_range(at.start, at.end)?;
    while node.start_byte() != at.start || node.end_byte() != at.end {
        node = node.parent()?;
    }
    let container = node.field("operand")?;
    let c = crate::model::mapstate::root_ident(container, src)?;
    let local = f
        .vars
        .iter()
        .rev()
        .find(|v| v.name == c && v.span.start < at.start && v.ctx == b.ctx);
    let alive = match local {
        Some(v) => {
            v.param
                || cx
                    .refs(lk, v.ctx, c)
                    .is_some_and(|refs| refs.last().is_some_and(|n| n.start_byte() >= a.span.end))
        }
        None => false,
    };
    if !alive {
        return None;
    }
    let b_name = &b.name;
    Some(
        Diagnostic::new(
            ID,
            a.span,
            format!(
                "write to map field {name} of copy {b_name} also changes {}",
                cx.text(at)
            ),
        )
        .label(
            b.span,
            format!("{b_name} is a copy of {} and shares its map", cx.text(at)),
        )
        .help(help_clone(cx, name)),
    )
}

/// `v.field = ...` at this reference of `v`: the field assigned.
fn assigned_field<'a>(cx: &RuleContext<'a>, n: &Ancestors<'a>) -> Option<&'a str> {
    let sel = n
        .get(1)
        .filter(|p| p.kind_name() == "selector_expression")?;
    let list = n.get(2).filter(|p| p.kind_name() == "expression_list")?;
    let assign = n
        .get(3)
        .filter(|p| p.kind_name() == "assignment_statement")?;
    if assign.field("left") != Some(list) || sel.field("operand") != n.get(0) {
        return None;
    }
    let f = sel.field("field")?;
    Some(&cx.pkg.files[cx.file].text()[f.byte_range()])
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
        .help(help_clone(cx, name)),
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

/// `v.m(...)`: a method (or function field) called on `v`, which may read
/// all of it.
fn is_method_call(n: &Ancestors<'_>) -> bool {
    n.get(2)
        .is_some_and(|c| c.kind_name() == "call_expression" && c.field("function") == n.get(1))
}

/// `return v.field`: the selector is a returned value.
fn returns_field(n: &Ancestors<'_>) -> bool {
    n.get(2).is_some_and(|l| l.kind_name() == "expression_list")
        && n.get(3)
            .is_some_and(|r| r.kind_name() == "return_statement")
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
    last: HashMap<(usize, String, String, usize), LastUses>,
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
        until: usize,
    ) -> (bool, bool) {
        let key = (ctx, name.to_string(), field.to_string(), until);
        let (stored, read) = *self.last.entry(key).or_insert_with(|| {
            let Some(body) = cx.ctx_body(ctx) else {
                return (None, None);
            };
            let refs = lk.refs(cx.file, body, name);
            let (mut stored, mut read) = (None, None);
            for &r in refs.iter().rev().filter(|r| r.start_byte() < until) {
                if stored.is_some() && read.is_some() {
                    break;
                }
                let up = Ancestors::new(body, r);
                if stored.is_none() && (!is_selector_operand(&up) || is_method_call(&up)) {
                    stored = Some(r.start_byte());
                }
                // `return v.field` hands out a map the struct does not
                // keep (a lazy-init getter on a copy): not a use.
                if read.is_none() && reads_field(cx, &up, field) && !returns_field(&up) {
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

/// The end of the `for` statement that declares the range variable at
/// `decl` (the end of the file when it cannot be found).
fn loop_end(cx: &RuleContext<'_>, decl: Span) -> usize {
    let mut n = cx.node_at(decl);
    while let Some(c) = n {
        if c.kind_name() == "for_statement" {
            return c.end_byte();
        }
        n = c.parent();
    }
    usize::MAX
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
