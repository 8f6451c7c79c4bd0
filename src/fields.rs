//! Field ids of the Go grammar, resolved once. `Node::child_by_field_name`
//! compares the name with every field name of the grammar on each call;
//! the analysis asks for fields constantly, so it goes through ids.

use crate::syntax::Node;
use std::sync::OnceLock;

struct Ids {
    operand: u16,
    function: u16,
    r#type: u16,
    left: u16,
    field: u16,
    right: u16,
    value: u16,
    body: u16,
    arguments: u16,
    name: u16,
    operator: u16,
    result: u16,
    parameters: u16,
    key: u16,
    initializer: u16,
    index: u16,
    condition: u16,
    receiver: u16,
    consequence: u16,
    communication: u16,
    update: u16,
    type_parameters: u16,
    package: u16,
    label: u16,
    element: u16,
    channel: u16,
    alternative: u16,
    alias: u16,
}

fn ids() -> &'static Ids {
    static IDS: OnceLock<Ids> = OnceLock::new();
    IDS.get_or_init(|| {
        let lang: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
        let id = |n: &str| lang.field_id_for_name(n).map_or(0, |i| i.get());
        Ids {
            operand: id("operand"),
            function: id("function"),
            r#type: id("type"),
            left: id("left"),
            field: id("field"),
            right: id("right"),
            value: id("value"),
            body: id("body"),
            arguments: id("arguments"),
            name: id("name"),
            operator: id("operator"),
            result: id("result"),
            parameters: id("parameters"),
            key: id("key"),
            initializer: id("initializer"),
            index: id("index"),
            condition: id("condition"),
            receiver: id("receiver"),
            consequence: id("consequence"),
            communication: id("communication"),
            update: id("update"),
            type_parameters: id("type_parameters"),
            package: id("package"),
            label: id("label"),
            element: id("element"),
            channel: id("channel"),
            alternative: id("alternative"),
            alias: id("alias"),
        }
    })
}

/// `node.field("operand")`: `child_by_field_name` through cached ids.
pub trait FieldExt<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>>;
    fn fields(&self, name: &'static str) -> Vec<Node<'t>>;
    /// `node.kind()`, looked up by the node's kind id: `Node::kind` measures
    /// and validates the grammar's C string on every call, and the analysis
    /// asks for kinds constantly.
    fn kind_name(&self) -> &'static str;
}

/// The grammar's node kind names, by kind id.
fn kind_names() -> &'static [&'static str] {
    static LANG: OnceLock<tree_sitter::Language> = OnceLock::new();
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let lang: &'static tree_sitter::Language =
            LANG.get_or_init(|| tree_sitter_go::LANGUAGE.into());
        (0..lang.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| lang.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect()
    })
}

/// The grammar's id of field `name` (0: no such field).
pub fn field_id(name: &str) -> u16 {
    let ids = ids();
    match name {
        "operand" => ids.operand,
        "function" => ids.function,
        "type" => ids.r#type,
        "left" => ids.left,
        "field" => ids.field,
        "right" => ids.right,
        "value" => ids.value,
        "body" => ids.body,
        "arguments" => ids.arguments,
        "name" => ids.name,
        "operator" => ids.operator,
        "result" => ids.result,
        "parameters" => ids.parameters,
        "key" => ids.key,
        "initializer" => ids.initializer,
        "index" => ids.index,
        "condition" => ids.condition,
        "receiver" => ids.receiver,
        "consequence" => ids.consequence,
        "communication" => ids.communication,
        "update" => ids.update,
        "type_parameters" => ids.type_parameters,
        "package" => ids.package,
        "label" => ids.label,
        "element" => ids.element,
        "channel" => ids.channel,
        "alternative" => ids.alternative,
        "alias" => ids.alias,
        other => {
            let lang: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
            lang.field_id_for_name(other).map_or(0, |i| i.get())
        }
    }
}

/// The kind name of kind id `id`.
pub fn kind_name_of(id: u16) -> &'static str {
    match id {
        // The parser's own symbols, past the grammar's.
        u16::MAX => "ERROR",
        0xFFFE => "_ERROR",
        id => kind_names().get(usize::from(id)).copied().unwrap_or(""),
    }
}

/// The name of field id `id`.
pub fn field_name_of(id: u16) -> Option<&'static str> {
    static LANG: OnceLock<tree_sitter::Language> = OnceLock::new();
    LANG.get_or_init(|| tree_sitter_go::LANGUAGE.into())
        .field_name_for_id(id)
}

impl<'t> FieldExt<'t> for Node<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        match field_id(name) {
            0 => None,
            id => self.child_by_field_id(id),
        }
    }

    fn fields(&self, name: &'static str) -> Vec<Node<'t>> {
        self.children_by_field_id(field_id(name)).collect()
    }

    fn kind_name(&self) -> &'static str {
        kind_name_of(self.kind_id())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kind_names_are_the_kinds() {
        let sources = [
            "package p\nimport \"fmt\"\ntype T[K comparable] struct{ m map[K]int; _ int }\nfunc (t *T[K]) f(k K, xs ...int) (r int, err error) {\n\tdefer func() { recover() }()\n\tfor i, x := range xs { r += i * x; t.m[k]++ }\n\tselect { case v := <-make(chan int): _ = v; default: }\n\tswitch y := any(r).(type) { case int: fmt.Println(y) }\n\tgoto L\nL:\n\treturn -r &^ 3, nil\n}\nvar _ = []any{1.5, 'c', `raw`, \"s\", 2i, nil, true, struct{}{}, [...]int{1}}\n",
            // Syntax errors: ERROR and MISSING nodes.
            "package p\nfunc f( {\n\tx := [}\n\tif {\n",
        ];
        for text in sources {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&tree_sitter_go::LANGUAGE.into())
                .unwrap();
            let tree = parser.parse(text, None).unwrap();
            let mut c = tree.walk();
            'walk: loop {
                let n = c.node();
                assert_eq!(super::kind_name_of(n.kind_id()), n.kind(), "{n:?}");
                if c.goto_first_child() {
                    continue;
                }
                while !c.goto_next_sibling() {
                    if !c.goto_parent() {
                        break 'walk;
                    }
                }
            }
        }
    }

    #[test]
    fn every_field_name_used_exists_in_the_grammar() {
        let lang: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
        for n in [
            "operand",
            "function",
            "type",
            "left",
            "field",
            "right",
            "value",
            "body",
            "arguments",
            "name",
            "operator",
            "result",
            "parameters",
            "key",
            "initializer",
            "index",
            "condition",
            "receiver",
            "consequence",
            "communication",
            "update",
            "type_parameters",
            "package",
            "label",
            "element",
            "channel",
            "alternative",
            "alias",
        ] {
            assert!(lang.field_id_for_name(n).is_some(), "{n}");
        }
    }
}
