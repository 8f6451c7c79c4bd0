//! The syntax tree the analysis reads: tree-sitter's tree, copied once into
//! one flat array.
//!
//! Tree-sitter keeps only what parsing needs: a node knows neither its
//! parent nor its place among its siblings, so `Node::parent` searches down
//! from the root, the i-th child is found by stepping over the ones before
//! it, and every step computes positions from sizes. The rules ask those
//! questions constantly. Here every node is one 28-byte record (kind, field,
//! byte range, parent, flags, first child) and each node's children are
//! consecutive records: each of those questions is one or two array reads.
//! The copy is a walk over the parser's own subtrees (src/flatten.c, about
//! 4% of the parse), after which tree-sitter's tree (about three times as
//! large) is dropped. [`compare`] checks a copy against tree-sitter's
//! cursor (tests/flat_copy.rs).
//!
//! `Node` and `TreeCursor` mirror the part of tree-sitter's API that mapvet
//! uses, with the same meaning.

use std::fmt;
use std::hash::{Hash, Hasher};

const NONE: u32 = u32::MAX;
const NAMED: u8 = 1;
const ERROR: u8 = 2;
const MISSING: u8 = 4;
const EXTRA: u8 = 8;
const HAS_ERROR: u8 = 16;

/// One node, as src/flatten.c writes it (`MvNode`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct Raw {
    start: u32,
    end: u32,
    parent: u32,
    /// This node's children are nodes `first..first + nkids`.
    first: u32,
    nkids: u32,
    kind: u16,
    /// The field under which the node is its parent's child (0: none).
    field: u16,
    flags: u8,
}

unsafe extern "C" {
    fn mv_node_count(root: tree_sitter::ffi::TSNode) -> u32;
    fn mv_flatten(root: tree_sitter::ffi::TSNode, out: *mut Raw, capacity: u32) -> u32;
}

/// One file's syntax tree (see the module docs).
pub struct SyntaxTree {
    nodes: Vec<Raw>,
}

impl fmt::Debug for SyntaxTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SyntaxTree({} nodes)", self.nodes.len())
    }
}

impl SyntaxTree {
    /// Copies `tree`, parsed from `text`. `None` when the text is too large
    /// for 32-bit offsets (4 GiB) or memory ran out.
    pub fn new(tree: &tree_sitter::Tree, text: &str) -> Option<SyntaxTree> {
        u32::try_from(text.len()).ok()?;
        let root = tree.root_node().into_raw();
        // SAFETY: `root` is the root of a live tree (borrowed for this
        // call); the C walk reads it and writes at most `count` nodes.
        let nodes = unsafe {
            let count = mv_node_count(root);
            let mut nodes: Vec<Raw> = Vec::with_capacity(count as usize);
            let written = mv_flatten(root, nodes.as_mut_ptr(), count);
            if written == 0 || written > count {
                return None;
            }
            nodes.set_len(written as usize);
            nodes
        };
        Some(SyntaxTree { nodes })
    }

    pub fn root_node(&self) -> Node<'_> {
        Node { tree: self, idx: 0 }
    }
}

/// A node of a [`SyntaxTree`].
#[derive(Clone, Copy)]
pub struct Node<'t> {
    tree: &'t SyntaxTree,
    idx: u32,
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.idx == other.idx && std::ptr::eq(self.tree, other.tree)
    }
}

impl Eq for Node<'_> {}

impl Hash for Node<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.idx.hash(state);
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{Node {} {}..{}}}",
            self.kind(),
            self.start_byte(),
            self.end_byte()
        )
    }
}

impl<'t> Node<'t> {
    fn raw(&self) -> &'t Raw {
        &self.tree.nodes[self.idx as usize]
    }

    fn at(&self, idx: u32) -> Node<'t> {
        Node {
            tree: self.tree,
            idx,
        }
    }

    fn kid_ids(&self) -> std::ops::Range<u32> {
        let r = self.raw();
        r.first..r.first + r.nkids
    }

    /// This node's index among its parent's children.
    fn nth(&self) -> u32 {
        match self.raw().parent {
            NONE => 0,
            p => self.idx - self.tree.nodes[p as usize].first,
        }
    }

    /// A number unique to this node within its tree.
    pub fn id(&self) -> usize {
        self.idx as usize
    }

    pub fn kind_id(&self) -> u16 {
        self.raw().kind
    }

    pub fn kind(&self) -> &'static str {
        crate::fields::kind_name_of(self.raw().kind)
    }

    pub fn is_named(&self) -> bool {
        self.raw().flags & NAMED != 0
    }

    pub fn is_error(&self) -> bool {
        self.raw().flags & ERROR != 0
    }

    pub fn is_missing(&self) -> bool {
        self.raw().flags & MISSING != 0
    }

    pub fn is_extra(&self) -> bool {
        self.raw().flags & EXTRA != 0
    }

    /// This node or one under it is an `ERROR` or a `MISSING` node.
    pub fn has_error(&self) -> bool {
        self.raw().flags & HAS_ERROR != 0
    }

    pub fn start_byte(&self) -> usize {
        self.raw().start as usize
    }

    pub fn end_byte(&self) -> usize {
        self.raw().end as usize
    }

    pub fn byte_range(&self) -> std::ops::Range<usize> {
        let r = self.raw();
        r.start as usize..r.end as usize
    }

    pub fn parent(&self) -> Option<Node<'t>> {
        match self.raw().parent {
            NONE => None,
            p => Some(self.at(p)),
        }
    }

    pub fn child_count(&self) -> u32 {
        self.raw().nkids
    }

    pub fn child(&self, i: u32) -> Option<Node<'t>> {
        (i < self.raw().nkids).then(|| self.at(self.raw().first + i))
    }

    pub fn named_child_count(&self) -> usize {
        let tree = self.tree;
        self.kid_ids()
            .filter(|&k| tree.nodes[k as usize].flags & NAMED != 0)
            .count()
    }

    pub fn named_child(&self, i: u32) -> Option<Node<'t>> {
        self.named_kids().nth(i as usize)
    }

    /// Every child, anonymous tokens too, in order.
    pub fn kids(&self) -> impl DoubleEndedIterator<Item = Node<'t>> + ExactSizeIterator + use<'t> {
        let tree = self.tree;
        self.kid_ids().map(move |idx| Node { tree, idx })
    }

    /// The named children, in order.
    pub fn named_kids(&self) -> impl DoubleEndedIterator<Item = Node<'t>> + use<'t> {
        let tree = self.tree;
        self.kid_ids()
            .filter(move |&k| tree.nodes[k as usize].flags & NAMED != 0)
            .map(move |idx| Node { tree, idx })
    }

    /// tree-sitter's `children`: the cursor is not needed here.
    pub fn children(
        &self,
        _cursor: &mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + use<'t> {
        self.kids()
    }

    pub fn named_children(
        &self,
        _cursor: &mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + use<'t> {
        self.named_kids()
    }

    /// The first child under field id `id`.
    pub fn child_by_field_id(&self, id: u16) -> Option<Node<'t>> {
        let tree = self.tree;
        self.kid_ids()
            .find(|&k| tree.nodes[k as usize].field == id)
            .map(|k| self.at(k))
    }

    /// Every child under field id `id`, in order.
    pub fn children_by_field_id(&self, id: u16) -> impl Iterator<Item = Node<'t>> + use<'t> {
        let tree = self.tree;
        self.kid_ids()
            .filter(move |&k| id != 0 && tree.nodes[k as usize].field == id)
            .map(move |idx| Node { tree, idx })
    }

    pub fn child_by_field_name(&self, name: &str) -> Option<Node<'t>> {
        match crate::fields::field_id(name) {
            0 => None,
            id => self.child_by_field_id(id),
        }
    }

    pub fn children_by_field_name(
        &self,
        name: &str,
        _cursor: &mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + use<'t> {
        self.children_by_field_id(crate::fields::field_id(name))
    }

    pub fn next_sibling(&self) -> Option<Node<'t>> {
        self.parent()?.child(self.nth() + 1)
    }

    pub fn prev_sibling(&self) -> Option<Node<'t>> {
        let nth = self.nth();
        if nth == 0 {
            None
        } else {
            self.parent()?.child(nth - 1)
        }
    }

    pub fn next_named_sibling(&self) -> Option<Node<'t>> {
        let p = self.parent()?;
        p.kids()
            .skip(self.nth() as usize + 1)
            .find(|k| k.is_named())
    }

    /// The child of this node that is `descendant` or holds it.
    pub fn child_with_descendant(&self, descendant: Node<'t>) -> Option<Node<'t>> {
        let mut n = descendant;
        loop {
            let p = n.parent()?;
            if p == *self {
                return Some(n);
            }
            n = p;
        }
    }

    /// The smallest node under this one (anonymous ones too) that spans
    /// `start..end`, as tree-sitter's `descendant_for_byte_range` finds it.
    pub fn descendant_for_byte_range(&self, start: usize, end: usize) -> Option<Node<'t>> {
        if start > end {
            return None;
        }
        let mut node = *self;
        'down: loop {
            for child in node.kids() {
                let (cs, ce) = (child.start_byte(), child.end_byte());
                if ce < end {
                    continue;
                }
                let empty = cs == ce;
                if if empty { ce < start } else { ce <= start } {
                    continue;
                }
                if start < cs {
                    break;
                }
                node = child;
                continue 'down;
            }
            return Some(node);
        }
    }

    pub fn walk(&self) -> TreeCursor<'t> {
        TreeCursor {
            root: *self,
            node: *self,
        }
    }

    /// The tree below this node as an S-expression (named nodes, with
    /// field names), as tree-sitter prints it.
    pub fn to_sexp(&self) -> String {
        let mut out = String::new();
        self.sexp(&mut out, None);
        out
    }

    fn sexp(&self, out: &mut String, field: Option<&str>) {
        if !out.is_empty() {
            out.push(' ');
        }
        if let Some(f) = field {
            out.push_str(f);
            out.push_str(": ");
        }
        if self.is_missing() {
            if self.is_named() {
                out.push_str(&format!("(MISSING {})", self.kind()));
            } else {
                out.push_str(&format!("(MISSING {:?})", self.kind()));
            }
            return;
        }
        out.push('(');
        out.push_str(self.kind());
        for k in self.kids() {
            if k.is_named() || k.is_missing() {
                let f = match k.raw().field {
                    0 => None,
                    id => crate::fields::field_name_of(id),
                };
                k.sexp(out, f);
            }
        }
        out.push(')');
    }
}

/// A walk over a subtree, as tree-sitter's cursor: it never leaves the
/// node it was made from.
pub struct TreeCursor<'t> {
    root: Node<'t>,
    node: Node<'t>,
}

impl<'t> TreeCursor<'t> {
    pub fn node(&self) -> Node<'t> {
        self.node
    }

    /// Moves to `to` when there is one.
    fn go(&mut self, to: Option<Node<'t>>) -> bool {
        to.map(|n| self.node = n).is_some()
    }

    pub fn goto_first_child(&mut self) -> bool {
        self.go(self.node.child(0))
    }

    pub fn goto_next_sibling(&mut self) -> bool {
        let to = (self.node != self.root).then(|| self.node.next_sibling());
        self.go(to.flatten())
    }

    pub fn goto_parent(&mut self) -> bool {
        let to = (self.node != self.root).then(|| self.node.parent());
        self.go(to.flatten())
    }
}

/// Checks `flat` against tree-sitter's own view of `node` (through its
/// cursor): kind, range, flags, field and children, recursively. The
/// differences, as text (empty: the same).
pub fn compare(node: tree_sitter::Node<'_>, flat: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(node, flat, 0u16)];
    let mut cursor = node.walk();
    while let Some((t, f, field)) = stack.pop() {
        let here = || format!("{} at {}..{}", t.kind(), t.start_byte(), t.end_byte());
        if (t.kind_id(), t.start_byte(), t.end_byte())
            != (f.kind_id(), f.start_byte(), f.end_byte())
            || (
                t.is_named(),
                t.is_extra(),
                t.is_missing(),
                t.is_error(),
                t.has_error(),
            ) != (
                f.is_named(),
                f.is_extra(),
                f.is_missing(),
                f.is_error(),
                f.has_error(),
            )
            || field != f.raw().field
            || t.child_count() != f.child_count()
        {
            out.push(format!(
                "{}: flat copy differs: kind {}/{} flags (named, extra, missing, error, has_error) {:?}/{:?} field {}/{} children {}/{}",
                here(),
                t.kind_id(),
                f.kind_id(),
                (t.is_named(), t.is_extra(), t.is_missing(), t.is_error(), t.has_error()),
                (f.is_named(), f.is_extra(), f.is_missing(), f.is_error(), f.has_error()),
                field,
                f.raw().field,
                t.child_count(),
                f.child_count()
            ));
            if out.len() > 20 {
                break;
            }
            continue;
        }
        cursor.reset(t);
        if cursor.goto_first_child() {
            let mut i = 0;
            loop {
                let fid = cursor.field_id().map_or(0, |x| x.get());
                match f.child(i) {
                    Some(fc) => stack.push((cursor.node(), fc, fid)),
                    None => out.push(format!("{}: child {i} missing", here())),
                }
                i += 1;
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) {
        let tree = crate::parse_text(text, None).unwrap();
        let flat = SyntaxTree::new(&tree, text).unwrap();
        let diffs = compare(tree.root_node(), flat.root_node());
        assert!(diffs.is_empty(), "{text}\n{}", diffs.join("\n"));
        assert_eq!(flat.root_node().to_sexp(), tree.root_node().to_sexp());
    }

    #[test]
    fn the_copy_is_the_tree() {
        check(
            "package p\n\nimport \"fmt\"\n\ntype T[K comparable] struct {\n\tm map[K]int // c\n\t_ int\n}\n\nfunc (t *T[K]) f(k K, xs ...int) (r int, err error) {\n\tdefer func() { recover() }()\n\tfor i, x := range xs {\n\t\tr += i * x\n\t\tt.m[k]++\n\t}\n\tselect {\n\tcase v := <-make(chan int):\n\t\t_ = v\n\tdefault:\n\t}\n\tswitch y := any(r).(type) {\n\tcase int:\n\t\tfmt.Println(y)\n\t}\n\tgoto L\nL:\n\treturn -r &^ 3, nil\n}\n\nvar _ = []any{1.5, 'c', `raw`, \"s\\n\", 2i, nil, true, struct{}{}, [...]int{1}, map[string]int{\"a\": 1}}\n",
        );
        // Syntax errors: ERROR and MISSING nodes.
        check("package p\nfunc f( {\n\tx := [}\n\tif {\n");
        // Leading blank lines and comments (the root's padding).
        check("\n\n// doc\npackage p\n/* c */ var x = 1\n");
        check("   ");
    }

    #[test]
    fn navigation() {
        let text = "package p\nfunc f(a, b int) { g(a, b) }\n";
        let tree = crate::parse_text(text, None).unwrap();
        let flat = SyntaxTree::new(&tree, text).unwrap();
        let root = flat.root_node();
        let g = text.find("g(").unwrap();
        let call = root.descendant_for_byte_range(g, g + 1).unwrap();
        assert_eq!(call.kind(), "identifier");
        assert_eq!(&text[call.byte_range()], "g");
        let call = call.parent().unwrap();
        assert_eq!(call.kind(), "call_expression");
        let args = call.child_by_field_name("arguments").unwrap();
        let names: Vec<&str> = args.named_kids().map(|n| &text[n.byte_range()]).collect();
        assert_eq!(names, ["a", "b"]);
        let a = args.named_child(0).unwrap();
        assert_eq!(a.next_named_sibling(), args.named_child(1));
        assert_eq!(a.prev_sibling().map(|n| n.kind()), Some("("));
        assert_eq!(
            root.child_with_descendant(a).map(|n| n.kind()),
            Some("function_declaration")
        );
        let params = root
            .named_child(1)
            .unwrap()
            .child_by_field_name("parameters")
            .unwrap();
        let decl = params.named_child(0).unwrap();
        let mut c = decl.walk();
        let ns: Vec<&str> = decl
            .children_by_field_name("name", &mut c)
            .map(|n| &text[n.byte_range()])
            .collect();
        assert_eq!(ns, ["a", "b"]);
    }
}
