//! A small, syntax-derived view of Go types: enough to know what is a map,
//! a struct (and its fields), a mutex, or something the model cannot see.

use crate::diagnostic::Span;
use crate::fields::FieldExt;
use crate::syntax::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `map[K]V`: the value type, then the key type.
    Map(Box<Ty>, Box<Ty>),
    /// A type name declared in this package (generic instantiations keep the
    /// base name). Resolve it through [`super::Package::resolve`].
    Named(String),
    Pointer(Box<Ty>),
    Struct(Vec<Field>),
    Slice(Box<Ty>),
    Mutex,
    RWMutex,
    /// `sync.Map`: safe for concurrent use, not a Go map.
    SyncMap,
    /// A channel type.
    Chan,
    /// A named type of another package, as written: `strings.Builder`.
    /// (Pointers to it are `Pointer(Ext)`.)
    Ext(String),
    /// Anything else: builtin scalars, other packages' types, interfaces,
    /// type parameters.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
    pub embedded: bool,
    pub span: Span,
    /// Comments on the lines above the field and at the end of its line.
    pub doc: String,
}

impl Ty {
    /// Builds a `Ty` from a type node of the syntax tree.
    pub fn from_node(node: Node<'_>, src: &str) -> Ty {
        Self::from_node_depth(node, src, 0)
    }

    fn from_node_depth(node: Node<'_>, src: &str, depth: usize) -> Ty {
        if depth > 32 {
            return Ty::Other;
        }
        let text = |n: Node<'_>| &src[n.byte_range()];
        let sub = |n: Option<Node<'_>>| match n {
            Some(n) => Ty::from_node_depth(n, src, depth + 1),
            None => Ty::Other,
        };
        match node.kind_name() {
            "map_type" => Ty::Map(
                Box::new(sub(node.field("value"))),
                Box::new(sub(node.field("key"))),
            ),
            "type_identifier" => Ty::Named(text(node).to_string()),
            "generic_type" => match node.field("type") {
                Some(t) if t.kind_name() == "type_identifier" => Ty::Named(text(t).to_string()),
                _ => Ty::Other,
            },
            "pointer_type" => Ty::Pointer(Box::new(sub(node.named_child(0)))),
            // Arrays behave like slices for what the model needs (elements
            // copied by range and index).
            "slice_type" | "array_type" | "implicit_length_array_type" => {
                Ty::Slice(Box::new(sub(node.field("element"))))
            }
            "parenthesized_type" => sub(node.named_child(0)),
            "channel_type" => Ty::Chan,
            "struct_type" => Ty::Struct(struct_fields(node, src, depth)),
            "qualified_type" => {
                let pkg = node.field("package").map(text);
                let name = node.field("name").map(text);
                match (pkg, name) {
                    (Some("sync"), Some("Mutex")) => Ty::Mutex,
                    (Some("sync"), Some("RWMutex")) => Ty::RWMutex,
                    (Some("sync"), Some("Map")) => Ty::SyncMap,
                    (Some(p), Some(n)) => Ty::Ext(format!("{p}.{n}")),
                    _ => Ty::Other,
                }
            }
            _ => Ty::Other,
        }
    }

    pub fn is_mutex(&self) -> bool {
        matches!(self, Ty::Mutex | Ty::RWMutex)
    }
}

fn struct_fields(node: Node<'_>, src: &str, depth: usize) -> Vec<Field> {
    let mut fields = Vec::new();
    let Some(list) = node.named_child(0) else {
        return fields;
    };
    // Every child, anonymous ones too: the comments around a field.
    let children = crate::model::all_children(list);
    for (i, &decl) in children.iter().enumerate() {
        if !decl.is_named() || decl.kind_name() != "field_declaration" {
            continue;
        }
        let Some(ty_node) = decl.field("type") else {
            continue;
        };
        let mut ty = Ty::from_node_depth(ty_node, src, depth + 1);
        let doc = field_doc(decl, &children[..i], children.get(i + 1).copied(), src);
        let mut names = Vec::new();
        let mut c = decl.walk();
        for n in decl.children_by_field_name("name", &mut c) {
            names.push(n);
        }
        if names.is_empty() {
            // An embedded `*T` keeps its star as a bare token of the field.
            if (0..decl.child_count())
                .filter_map(|i| decl.child(i))
                .any(|ch| ch.kind_name() == "*")
            {
                ty = Ty::Pointer(Box::new(ty));
            }
            // Embedded field: its name is the type's name without package
            // or pointer.
            let name = embedded_name(ty_node, src);
            if let Some(name) = name {
                fields.push(Field {
                    name,
                    ty,
                    embedded: true,
                    span: Span::of(decl),
                    doc,
                });
            }
        } else {
            for n in names {
                fields.push(Field {
                    name: src[n.byte_range()].to_string(),
                    ty: ty.clone(),
                    embedded: false,
                    span: Span::of(n),
                    doc: doc.clone(),
                });
            }
        }
    }
    fields
}

/// The comment lines right above a field declaration and the comment at
/// the end of its line.
/// `before` are the siblings before it, `next` the one after it.
fn field_doc(decl: Node<'_>, before: &[Node<'_>], next: Option<Node<'_>>, src: &str) -> String {
    let lines_between = |a: usize, b: usize| src[a..b].bytes().filter(|&c| c == b'\n').count();
    let mut doc = String::new();
    let mut top = decl.start_byte();
    for c in before.iter().rev() {
        if c.kind_name() != "comment" || lines_between(c.end_byte(), top) > 1 {
            break;
        }
        doc.insert_str(0, &src[c.byte_range()]);
        top = c.start_byte();
    }
    if let Some(n) = next
        && n.kind_name() == "comment"
        && lines_between(decl.end_byte(), n.start_byte()) == 0
    {
        doc.push_str(&src[n.byte_range()]);
    }
    doc
}

fn embedded_name(ty_node: Node<'_>, src: &str) -> Option<String> {
    match ty_node.kind_name() {
        "type_identifier" => Some(src[ty_node.byte_range()].to_string()),
        "pointer_type" => embedded_name(ty_node.named_child(0)?, src),
        "qualified_type" => ty_node
            .field("name")
            .map(|n| src[n.byte_range()].to_string()),
        "generic_type" => embedded_name(ty_node.field("type")?, src),
        _ => None,
    }
}
