//! Field ids of the Go grammar, resolved once. `Node::child_by_field_name`
//! compares the name with every field name of the grammar on each call;
//! the analysis asks for fields constantly, so it goes through ids.

use std::sync::OnceLock;
use tree_sitter::Node;

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
}

fn field_id(name: &str) -> u16 {
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

impl<'t> FieldExt<'t> for Node<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        match field_id(name) {
            0 => None,
            id => self.child_by_field_id(id),
        }
    }

    fn fields(&self, name: &'static str) -> Vec<Node<'t>> {
        let mut cursor = self.walk();
        match std::num::NonZeroU16::new(field_id(name)) {
            Some(id) => self.children_by_field_id(id, &mut cursor).collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {

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
