//! The expanded configuration: every directive occurrence as nginx reads it,
//! with includes spliced in and the context each one stands in.
//!
//! A file included from three places yields three occurrences ("instances"),
//! each in its own context, exactly as nginx interprets it three times.
//! Built with an explicit stack: depth never becomes recursion.

use super::context::Context;
use super::directives::{table, DirectiveSpec, Dispatch};
use crate::load::{Loaded, RootKind};
use crate::span::FileId;
use crate::syntax::ast::{NodeId, Terminator};

/// Index of an [`Inst`] in [`Tree::insts`].
pub type InstId = u32;

/// One occurrence of a directive in the expanded configuration.
#[derive(Clone, Debug)]
pub struct Inst {
    pub file: FileId,
    pub node: NodeId,
    /// The context the directive stands in.
    pub ctx: Context,
    /// The context its block opens (if it has a block).
    pub inner: Option<Context>,
    /// The enclosing block directive (across include boundaries).
    pub parent: Option<InstId>,
    /// The include directive that brought this instance's file in, when the
    /// directive is at the top level of an included file.
    pub via: Option<InstId>,
    /// Index of the root in [`Loaded::roots`].
    pub root: u32,
    /// How nginx dispatches the directive here.
    pub status: Status,
}

/// The outcome of nginx's directive dispatch for one instance.
#[derive(Clone, Copy, Debug)]
pub enum Status {
    /// A known directive, allowed here.
    Found(&'static DirectiveSpec),
    /// A known directive, not allowed in this context.
    NotAllowed,
    /// No module defines the name.
    Unknown,
    /// Not dispatched: a line of a handler block (map, types...), a statement
    /// inside an unknown block, or one that is not terminated.
    Skipped,
}

/// The expanded configuration of every root.
#[derive(Debug, Default)]
pub struct Tree {
    pub insts: Vec<Inst>,
    /// Inferred or given context of each root's top level.
    pub root_ctx: Vec<Context>,
    /// The expansion stopped at its limit (includes that fan out can
    /// multiply a small tree into billions of occurrences).
    pub truncated: bool,
    /// Per file: how many times it is expanded (as a root or by an include).
    /// Rules that need to look at a statement once, not once per
    /// occurrence, only have to remember the ones of files expanded twice or more.
    pub expansions: Vec<u32>,
    /// See [`Tree::occurrences`]; built on first use.
    by_key: std::sync::OnceLock<KeyIndex>,
}

/// Dispatched instances grouped by directive, so that a rule about a few
/// directives does not walk all the others.
#[derive(Debug, Default)]
struct KeyIndex {
    /// Per key ([`DirectiveSpec::key`]): a range of `ids`.
    ranges: Vec<(u32, u32)>,
    /// Instances of known names (found or not allowed), grouped by key,
    /// in source order within a group.
    ids: Vec<InstId>,
    /// Instances nginx refuses to dispatch (not allowed or unknown), in order.
    refused: Vec<InstId>,
}

impl KeyIndex {
    fn get(&self, key: u32) -> &[InstId] {
        match self.ranges.get(key as usize) {
            Some(&(a, b)) => &self.ids[a as usize..b as usize],
            None => &[],
        }
    }
}

/// Guesses the context of a snippet from its top-level directives: the
/// candidate context with the fewest "not allowed here" among them, ties
/// broken by the order below (server before location before http ...).
pub fn infer_context(loaded: &Loaded, file: FileId) -> Context {
    const CANDIDATES: [Context; 6] =
        [Context::Http, Context::Server, Context::Location, Context::Main, Context::Stream, Context::Upstream];
    // Preference when counts tie.
    const PREFER: [Context; 6] =
        [Context::Server, Context::Http, Context::Location, Context::Main, Context::Stream, Context::Upstream];
    let f = loaded.file(file);
    let t = table();
    let mut best = (usize::MAX, usize::MAX, Context::Server);
    for ctx in CANDIDATES {
        let mut bad = 0usize;
        for id in f.ast.top() {
            let d = f.ast.node(id);
            match t.dispatch(d.name(), ctx) {
                Dispatch::Found(spec) => {
                    // A nested block whose children do not fit also counts.
                    if let (Some(_), Some(inner)) = (&d.block, spec.opened_context(ctx)) {
                        for c in f.ast.children(id) {
                            if matches!(t.dispatch(f.ast.node(c).name(), inner), Dispatch::NotAllowed(_)) {
                                bad += 1;
                            }
                        }
                    }
                }
                Dispatch::NotAllowed(_) => bad += 2,
                Dispatch::Unknown => {}
            }
        }
        let pref = PREFER.iter().position(|c| *c == ctx).unwrap_or(9);
        if (bad, pref) < (best.0, best.1) {
            best = (bad, pref, ctx);
        }
    }
    best.2
}

/// Expands every root of `loaded`, up to `max` directive occurrences.
pub fn build(loaded: &Loaded, max: usize) -> Tree {
    let cap = loaded.files.iter().map(|f| f.ast.nodes.len()).sum::<usize>().min(max);
    let mut tree = Tree {
        insts: Vec::with_capacity(cap),
        root_ctx: Vec::new(),
        truncated: false,
        expansions: vec![0; loaded.files.len()],
        by_key: Default::default(),
    };
    let t = table();
    // Each statement's name looked up once, in parallel, rather than at
    // every expansion (a snippet included by 1,000 sites is expanded 1,000
    // times) on this serial path.
    let keys: Vec<Vec<u32>> = {
        use rayon::prelude::*;
        let key = |d: &crate::syntax::ast::Directive| t.key(d.name()).unwrap_or(u32::MAX);
        loaded.files.par_iter().map(|f| f.ast.nodes.iter().map(key).collect()).collect()
    };
    for (ri, root) in loaded.roots.iter().enumerate() {
        let ctx = match root.kind {
            RootKind::Main => Context::Main,
            RootKind::Snippet(Some(c)) => c,
            RootKind::Snippet(None) => infer_context(loaded, root.file),
        };
        tree.root_ctx.push(ctx);
        // Frames: the siblings still to visit in one block or file.
        struct Frame {
            file: FileId,
            next: NodeId,
            end: NodeId,
            ctx: Context,
            parent: Option<InstId>,
            via: Option<InstId>,
            /// Files on the include path (to cut cycles).
            depth: u32,
        }
        let f = loaded.file(root.file);
        if let Some(n) = tree.expansions.get_mut(root.file as usize) {
            *n += 1;
        }
        let mut stack = vec![Frame {
            file: root.file,
            next: 0,
            end: f.ast.nodes.len() as NodeId,
            ctx,
            parent: None,
            via: None,
            depth: 0,
        }];
        while let Some(top) = stack.last_mut() {
            if top.next >= top.end {
                stack.pop();
                continue;
            }
            let (file, node, ctx, parent, via, depth) = (top.file, top.next, top.ctx, top.parent, top.via, top.depth);
            let src = loaded.file(file);
            let d = src.ast.node(node);
            top.next = d.subtree_end;
            let id = tree.insts.len() as InstId;
            if tree.insts.len() >= max {
                tree.truncated = true;
                break;
            }
            let in_handler = ctx.is_handler_block() || ctx == Context::Unknown;
            let handler_line = in_handler && !(d.name() == "include" && ctx.handler_accepts_include());
            let (status, opens) =
                if handler_line || ctx == Context::Lua || d.terminator == Terminator::Missing || d.broken {
                    (Status::Skipped, None)
                } else {
                    match t.dispatch_key(keys[file as usize][node as usize], ctx) {
                        Dispatch::Found(spec) => (Status::Found(spec), spec.opened_context(ctx)),
                        Dispatch::NotAllowed(specs) => {
                            (Status::NotAllowed, specs.iter().find_map(|s| s.opened_context(ctx)))
                        }
                        Dispatch::Unknown => (Status::Unknown, None),
                    }
                };
            let inner = match &d.block {
                None => None,
                Some(b) if b.raw.is_some() => Some(Context::Lua),
                Some(_) => opens.or(Some(Context::Unknown)),
            };
            tree.insts.push(Inst { file, node, ctx, inner, parent, via, root: ri as u32, status });
            if let Some(inner) = inner {
                if inner != Context::Lua && d.subtree_end > node + 1 {
                    stack.push(Frame {
                        file,
                        next: node + 1,
                        end: d.subtree_end,
                        ctx: inner,
                        parent: Some(id),
                        via,
                        depth,
                    });
                }
            } else if d.name() == "include" && (!in_handler || ctx.handler_accepts_include()) {
                // Files on the include path from the root to here.
                let mut chain = vec![file];
                let mut v = via;
                while let Some(i) = v {
                    let inst = &tree.insts[i as usize];
                    chain.push(inst.file);
                    v = inst.via;
                }
                // Reversed: the stack is last-in first-out.
                for &target in loaded.included(root.conf_dir, file, node).iter().rev() {
                    if chain.contains(&target) || depth > 64 {
                        continue; // a cycle: reported by the loader
                    }
                    let tf = loaded.file(target);
                    if let Some(n) = tree.expansions.get_mut(target as usize) {
                        *n += 1;
                    }
                    stack.push(Frame {
                        file: target,
                        next: 0,
                        end: tf.ast.nodes.len() as NodeId,
                        ctx,
                        parent,
                        via: Some(id),
                        depth: depth + 1,
                    });
                }
            }
        }
    }
    tree
}

impl Tree {
    /// Instances nginx dispatches as directives (see [`Status::Skipped`]).
    pub fn dispatched<'a>(
        &'a self,
        loaded: &'a Loaded,
    ) -> impl Iterator<Item = (InstId, &'a Inst, &'a crate::syntax::ast::Directive)> + 'a {
        self.insts.iter().enumerate().filter_map(move |(i, inst)| {
            if matches!(inst.status, Status::Skipped) {
                return None;
            }
            Some((i as InstId, inst, loaded.file(inst.file).ast.node(inst.node)))
        })
    }

    /// [`Tree::dispatched`] restricted to the directives named in `names`,
    /// in the same (source) order.
    pub fn occurrences<'a>(
        &'a self,
        loaded: &'a Loaded,
        names: &[&str],
    ) -> impl Iterator<Item = (InstId, &'a Inst, &'a crate::syntax::ast::Directive)> + 'a {
        let idx = self.key_index(loaded);
        let t = table();
        let ids: std::borrow::Cow<'a, [InstId]> = match names {
            [one] => std::borrow::Cow::Borrowed(t.key(one).map_or(&[][..], |k| idx.get(k))),
            _ => {
                let mut v: Vec<InstId> =
                    names.iter().filter_map(|n| t.key(n)).flat_map(|k| idx.get(k)).copied().collect();
                v.sort(); // merges the sorted runs
                std::borrow::Cow::Owned(v)
            }
        };
        self.iter_ids(loaded, ids)
    }

    /// [`Tree::dispatched`] restricted to the directives for which `keep`
    /// holds on one of the name's rows in the directive table, in the same
    /// (source) order. For rules about a property of the table (deprecated,
    /// a block, a flag...).
    pub fn occurrences_where<'a>(
        &'a self,
        loaded: &'a Loaded,
        keep: impl Fn(&DirectiveSpec) -> bool,
    ) -> impl Iterator<Item = (InstId, &'a Inst, &'a crate::syntax::ast::Directive)> + 'a {
        let idx = self.key_index(loaded);
        let rows = table().all();
        let mut v: Vec<InstId> = Vec::new();
        let mut k = 0;
        while k < rows.len() {
            // Rows of one name are adjacent; the key is the first row's index.
            let mut end = k + 1;
            while end < rows.len() && rows[end].key == k as u32 {
                end += 1;
            }
            let ids = idx.get(k as u32);
            if !ids.is_empty() && rows[k..end].iter().any(&keep) {
                v.extend_from_slice(ids);
            }
            k = end;
        }
        v.sort(); // merges the sorted runs
        self.iter_ids(loaded, std::borrow::Cow::Owned(v))
    }

    /// Dispatched instances nginx refuses (not allowed here, or unknown), in order.
    pub fn refused<'a>(
        &'a self,
        loaded: &'a Loaded,
    ) -> impl Iterator<Item = (InstId, &'a Inst, &'a crate::syntax::ast::Directive)> + 'a {
        self.iter_ids(loaded, std::borrow::Cow::Borrowed(&self.key_index(loaded).refused[..]))
    }

    fn iter_ids<'a>(
        &'a self,
        loaded: &'a Loaded,
        ids: std::borrow::Cow<'a, [InstId]>,
    ) -> impl Iterator<Item = (InstId, &'a Inst, &'a crate::syntax::ast::Directive)> + 'a {
        (0..ids.len()).map(move |i| {
            let id = ids[i];
            let inst = &self.insts[id as usize];
            (id, inst, loaded.file(inst.file).ast.node(inst.node))
        })
    }

    fn key_index(&self, loaded: &Loaded) -> &KeyIndex {
        self.by_key.get_or_init(|| {
            let t = table();
            // Two passes (count, then fill): one allocation, source order kept.
            let mut ranges = vec![(0u32, 0u32); t.key_count()];
            let mut refused = Vec::new();
            let keys: Vec<u32> = self
                .insts
                .iter()
                .enumerate()
                .map(|(i, inst)| {
                    let k = match inst.status {
                        Status::Found(spec) => Some(spec.key),
                        Status::NotAllowed => {
                            refused.push(i as InstId);
                            t.key(loaded.file(inst.file).ast.node(inst.node).name())
                        }
                        Status::Unknown => {
                            refused.push(i as InstId);
                            None
                        }
                        Status::Skipped => None,
                    };
                    match k {
                        Some(k) => {
                            ranges[k as usize].1 += 1;
                            k
                        }
                        None => u32::MAX,
                    }
                })
                .collect();
            let mut next = 0u32;
            for r in ranges.iter_mut() {
                let n = r.1;
                *r = (next, next);
                next += n;
            }
            let mut ids = vec![0; next as usize];
            for (i, &k) in keys.iter().enumerate() {
                if let Some(r) = ranges.get_mut(k as usize) {
                    ids[r.1 as usize] = i as InstId;
                    r.1 += 1;
                }
            }
            KeyIndex { ranges, ids, refused }
        })
    }

    /// The directive of an instance.
    pub fn directive<'a>(&self, loaded: &'a Loaded, id: InstId) -> &'a crate::syntax::ast::Directive {
        let i = &self.insts[id as usize];
        loaded.file(i.file).ast.node(i.node)
    }
}
