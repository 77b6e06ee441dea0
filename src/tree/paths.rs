//! An arena trie of every path seen in any layer: `u32` node ids, names in one byte buffer.
//!
//! A parent is always interned before its children, so a parent's id is smaller than its
//! children's: a reverse scan over ids visits children before parents, with no recursion.

use std::hash::BuildHasher;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;

/// Index of a node in [`Paths`].
pub type NodeId = u32;

/// The root directory `/`.
pub const ROOT: NodeId = 0;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    name_offset: u32,
    name_len: u32,
}

/// The interned path trie.
#[derive(Debug, Clone)]
pub struct Paths {
    nodes: Vec<Node>,
    names: Vec<u8>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Default for Paths {
    fn default() -> Self {
        Paths::new()
    }
}

impl Paths {
    pub fn new() -> Paths {
        Paths {
            nodes: vec![Node {
                parent: NONE,
                first_child: NONE,
                next_sibling: NONE,
                name_offset: 0,
                name_len: 0,
            }],
            names: Vec::new(),
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    fn hash(&self, parent: u32, name: &[u8]) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    /// Finds a child by name.
    pub fn child(&self, parent: NodeId, name: &[u8]) -> Option<NodeId> {
        let hash = self.hash(parent, name);
        self.table
            .find(hash, |&id| {
                let n = &self.nodes[id as usize];
                n.parent == parent && self.name_bytes(n) == name
            })
            .copied()
    }

    fn name_bytes(&self, n: &Node) -> &[u8] {
        let start = n.name_offset as usize;
        &self.names[start..start + n.name_len as usize]
    }

    /// Interns a cleaned relative path (`a/b/c`, empty for the root) and returns its node.
    pub fn intern(&mut self, path: &[u8]) -> NodeId {
        let mut node = ROOT;
        if path.is_empty() {
            return node;
        }
        for name in path.split(|&b| b == b'/') {
            node = self.intern_child(node, name);
        }
        node
    }

    fn intern_child(&mut self, parent: NodeId, name: &[u8]) -> NodeId {
        let hash = self.hash(parent, name);
        let nodes = &self.nodes;
        let names = &self.names;
        let found = self.table.find(hash, |&id| {
            let n = &nodes[id as usize];
            let start = n.name_offset as usize;
            n.parent == parent && &names[start..start + n.name_len as usize] == name
        });
        if let Some(&id) = found {
            return id;
        }
        let id = self.nodes.len() as u32;
        let name_offset = self.names.len() as u32;
        self.names.extend_from_slice(name);
        let parent_node = &mut self.nodes[parent as usize];
        let next_sibling = parent_node.first_child;
        parent_node.first_child = id;
        self.nodes.push(Node {
            parent,
            first_child: NONE,
            next_sibling,
            name_offset,
            name_len: name.len() as u32,
        });
        let nodes = &self.nodes;
        let hasher = &self.hasher;
        let names = &self.names;
        self.table.insert_unique(hash, id, |&other| {
            let n = &nodes[other as usize];
            let start = n.name_offset as usize;
            hasher.hash_one((n.parent, &names[start..start + n.name_len as usize]))
        });
        id
    }

    /// Looks a cleaned relative path up without interning it.
    pub fn find(&self, path: &[u8]) -> Option<NodeId> {
        let mut node = ROOT;
        if path.is_empty() {
            return Some(node);
        }
        for name in path.split(|&b| b == b'/') {
            node = self.child(node, name)?;
        }
        Some(node)
    }

    pub fn name(&self, id: NodeId) -> &[u8] {
        self.name_bytes(&self.nodes[id as usize])
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id as usize].parent;
        (p != NONE).then_some(p)
    }

    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            paths: self,
            next: self.nodes[id as usize].first_child,
        }
    }

    pub fn depth(&self, mut id: NodeId) -> usize {
        let mut depth = 0;
        while let Some(p) = self.parent(id) {
            depth += 1;
            id = p;
        }
        depth
    }

    /// The absolute path, `/` for the root.
    pub fn path(&self, id: NodeId) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != ROOT {
            parts.push(cur);
            cur = self.nodes[cur as usize].parent;
        }
        let mut out = Vec::new();
        for &part in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(self.name(part));
        }
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }

    /// The absolute path as text, non-UTF-8 bytes replaced.
    pub fn display(&self, id: NodeId) -> String {
        String::from_utf8_lossy(&self.path(id)).into_owned()
    }

    /// Whether `ancestor` is `id` or one of its ancestors.
    pub fn is_within(&self, mut id: NodeId, ancestor: NodeId) -> bool {
        loop {
            if id == ancestor {
                return true;
            }
            match self.parent(id) {
                Some(p) => id = p,
                None => return false,
            }
        }
    }

    /// The deepest node that is `a` or an ancestor of it and also `b` or an ancestor of it.
    pub fn common_ancestor(&self, a: NodeId, b: NodeId) -> NodeId {
        let mut x = a;
        loop {
            if self.is_within(b, x) {
                return x;
            }
            match self.parent(x) {
                Some(p) => x = p,
                None => return ROOT,
            }
        }
    }

    /// All strict descendants of `id`, depth first, without recursion.
    pub fn descendants(&self, id: NodeId) -> Descendants<'_> {
        let mut stack = Vec::new();
        let first = self.nodes[id as usize].first_child;
        if first != NONE {
            stack.push(first);
        }
        Descendants { paths: self, stack }
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.names.capacity()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }
}

/// Iterator over a node's children (most recently interned first).
pub struct Children<'a> {
    paths: &'a Paths,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.paths.nodes[id as usize].next_sibling;
        Some(id)
    }
}

/// Depth-first iterator over a subtree. `skip_children` prunes the subtree of the node just returned.
pub struct Descendants<'a> {
    paths: &'a Paths,
    stack: Vec<u32>,
}

impl Descendants<'_> {
    /// Do not descend into the node most recently returned.
    pub fn skip_children(&mut self, id: NodeId) {
        let first = self.paths.nodes[id as usize].first_child;
        if self.stack.last() == Some(&first) && first != NONE {
            self.stack.pop();
        }
    }
}

impl Iterator for Descendants<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        let id = self.stack.pop()?;
        let node = &self.paths.nodes[id as usize];
        if node.next_sibling != NONE {
            self.stack.push(node.next_sibling);
        }
        if node.first_child != NONE {
            self.stack.push(node.first_child);
        }
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_parents_before_children_and_finds_paths() {
        let mut p = Paths::new();
        let c = p.intern(b"a/b/c");
        let b = p.find(b"a/b").unwrap();
        assert!(b < c);
        assert_eq!(p.path(c), b"/a/b/c");
        assert_eq!(p.intern(b"a/b/c"), c);
        assert_eq!(p.find(b"a/x"), None);
        assert_eq!(p.path(ROOT), b"/");
        assert!(p.is_within(c, b));
    }

    #[test]
    fn descendants_walk_whole_subtree_and_can_prune() {
        let mut p = Paths::new();
        for path in [&b"a/b/c"[..], b"a/b/d", b"a/e", b"f"] {
            p.intern(path);
        }
        let a = p.find(b"a").unwrap();
        let mut all: Vec<_> = p.descendants(a).map(|n| p.display(n)).collect();
        all.sort();
        assert_eq!(all, ["/a/b", "/a/b/c", "/a/b/d", "/a/e"]);

        let b = p.find(b"a/b").unwrap();
        let mut it = p.descendants(a);
        let mut seen = Vec::new();
        while let Some(n) = it.next() {
            if n == b {
                it.skip_children(n);
            }
            seen.push(p.display(n));
        }
        seen.sort();
        assert_eq!(seen, ["/a/b", "/a/e"]);
    }

    #[test]
    fn deep_paths_do_not_recurse() {
        let deep = vec!["d"; 5000].join("/");
        let mut p = Paths::new();
        let leaf = p.intern(deep.as_bytes());
        assert_eq!(p.depth(leaf), 5000);
        assert_eq!(p.descendants(ROOT).count(), 5000);
    }
}
