//! The configuration graph: the blocks of the expanded configuration (http,
//! server, location, `if`, upstream, ...), the files they include, and where
//! each location sends its requests (`proxy_pass`, `fastcgi_pass`, ...), plus
//! effective-value queries that follow nginx's inheritance.
//!
//! Built once per run from the [`Tree`], in one pass over its instances, and
//! shared by the rules that need it. Lookups go through an index keyed by
//! (level, directive name), so an effective-value query costs one hash
//! lookup per enclosing level (three or four), never a scan.

use super::context::Context;
use super::directives::table;
use super::listen::{self, Listen};
use super::tree::{InstId, Status, Tree};
use crate::load::Loaded;
use crate::span::{FileId, Span};
use crate::syntax::ast::{Arg, Directive};
use compact_str::CompactString;
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::FxHashMap;

/// A node of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// The top level of a root (a main config or a checked snippet).
    Root(u32),
    /// A block directive instance (http, server, location, upstream, ...).
    Block(InstId),
    /// A file brought in by `include`.
    File(FileId),
    /// A literal backend address: `host:port` or `unix:/path`.
    Address(String),
}

/// An edge of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// A block contains another one (includes are transparent here).
    Contains,
    /// The `include` directive (an instance) reads the target file.
    Includes(InstId),
    /// A `*_pass` directive (an index into [`Model::passes`]) sends requests there.
    PassesTo(u32),
    /// `error_page` or `try_files` falls back to a named location.
    FallsBackTo(InstId),
}

/// Which module passes requests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PassKind {
    Proxy,
    Fastcgi,
    Uwsgi,
    Scgi,
    Grpc,
    Memcached,
    /// `proxy_pass` in a stream server.
    StreamProxy,
}

impl PassKind {
    pub fn from_directive(name: &str, ctx: Context) -> Option<PassKind> {
        Some(match name {
            "proxy_pass" if ctx == Context::StreamServer => PassKind::StreamProxy,
            "proxy_pass" => PassKind::Proxy,
            "fastcgi_pass" => PassKind::Fastcgi,
            "uwsgi_pass" => PassKind::Uwsgi,
            "scgi_pass" => PassKind::Scgi,
            "grpc_pass" => PassKind::Grpc,
            "memcached_pass" => PassKind::Memcached,
            _ => return None,
        })
    }
    /// The directive's name.
    pub fn directive(self) -> &'static str {
        match self {
            PassKind::Proxy | PassKind::StreamProxy => "proxy_pass",
            PassKind::Fastcgi => "fastcgi_pass",
            PassKind::Uwsgi => "uwsgi_pass",
            PassKind::Scgi => "scgi_pass",
            PassKind::Grpc => "grpc_pass",
            PassKind::Memcached => "memcached_pass",
        }
    }
    /// The wire protocol, for messages.
    pub fn protocol(self) -> &'static str {
        match self {
            PassKind::Proxy => "HTTP",
            PassKind::StreamProxy => "TCP",
            PassKind::Fastcgi => "FastCGI",
            PassKind::Uwsgi => "uwsgi",
            PassKind::Scgi => "SCGI",
            PassKind::Grpc => "gRPC",
            PassKind::Memcached => "memcached",
        }
    }
    /// Prefix of the module's directives (`proxy`, `fastcgi`, ...).
    pub fn prefix(self) -> &'static str {
        match self {
            PassKind::Proxy | PassKind::StreamProxy => "proxy",
            PassKind::Fastcgi => "fastcgi",
            PassKind::Uwsgi => "uwsgi",
            PassKind::Scgi => "scgi",
            PassKind::Grpc => "grpc",
            PassKind::Memcached => "memcached",
        }
    }
}

/// Where a `*_pass` sends requests, as far as the text tells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// `http`, `https`, `grpc`, `grpcs`, `uwsgi`, `suwsgi`, when written.
    pub scheme: Option<String>,
    /// Host name or IP address (lowercase, IPv6 without brackets); empty for unix sockets.
    pub host: String,
    /// The port written in the URL, if any.
    pub port: Option<u16>,
    /// The socket path of `unix:` targets.
    pub unix: Option<String>,
    /// The host part holds variables: resolved per request.
    pub dynamic: bool,
    /// The URL has a URI part after the address.
    pub has_uri: bool,
    /// The upstream block the host names (an instance), when there is one.
    pub upstream: Option<InstId>,
}

impl Target {
    /// TLS on the wire (https, grpcs, suwsgi).
    pub fn tls(&self) -> bool {
        matches!(self.scheme.as_deref(), Some("https" | "grpcs" | "suwsgi"))
    }
    /// The port requests go to: the written one, or the scheme's default.
    pub fn effective_port(&self) -> Option<u16> {
        self.port.or(match self.scheme.as_deref() {
            Some("http" | "grpc") => Some(80),
            Some("https" | "grpcs") => Some(443),
            _ => None,
        })
    }
    /// `host:port` or `unix:/path`, for graph nodes and messages.
    pub fn address(&self) -> String {
        match (&self.unix, self.effective_port()) {
            (Some(p), _) => format!("unix:{p}"),
            (None, Some(port)) => format!("{}:{port}", show_host(&self.host)),
            (None, None) => show_host(&self.host),
        }
    }
}

fn show_host(h: &str) -> String {
    if h.contains(':') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

/// One `*_pass` directive.
#[derive(Clone, Debug)]
pub struct Pass {
    pub inst: InstId,
    pub kind: PassKind,
    /// The level it stands in (a location, `if`, `limit_except`, stream server).
    pub level: InstId,
    pub target: Target,
    /// For a target resolved through a variable (see
    /// [`Model::passes_via_variables`]): the `set` directive or `map` line
    /// whose value it takes.
    pub via: Option<InstId>,
}

/// Where a variable may get its value: a `set` directive, or a line of a
/// `map` block (see [`Model::var_sources`]).
#[derive(Clone, Copy, Debug)]
pub struct VarSource<'a> {
    /// The `set` directive, or the `map` line (`default`, a key, ...).
    pub at: InstId,
    /// The value assigned (may hold variables itself).
    pub value: &'a str,
    /// For a `map` line: the `map` block.
    pub map: Option<InstId>,
}

/// Passes through a variable: the values resolved for each (the first ones
/// in source order), and in all.
const MAX_VIA_PER_PASS: usize = 64;
const MAX_VIA_TOTAL: usize = 20_000;
/// Map lines [`Model::var_sources_at`] gives besides a map's `default`.
const MAX_MAP_LINES: usize = 256;

/// Variable (lowercase name) to its `set` directives and `map` lines (with their `map`).
type VarIndex = FxHashMap<String, Vec<(InstId, Option<InstId>)>>;

/// Passes whose target is a variable, resolved for each value it may take.
#[derive(Default)]
struct ViaVariables {
    passes: Vec<Pass>,
    by_upstream: FxHashMap<InstId, Vec<u32>>,
}

/// A `server` inside an `upstream` block.
#[derive(Clone, Debug)]
pub struct UpstreamServer {
    pub inst: InstId,
    /// Inline up to 24 bytes: no allocation per server for usual host names.
    pub host: CompactString,
    pub port: Option<u16>,
    pub unix: Option<String>,
    pub backup: bool,
    pub down: bool,
}

/// An `upstream` block.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub inst: InstId,
    /// Lowercase; inline up to 24 bytes (dense inputs hold tens of thousands of upstreams).
    pub name: CompactString,
    pub stream: bool,
    /// Its `server` lines: a range of the model's list (see [`Model::servers_of`]),
    /// not a list per block (dense inputs hold tens of thousands of blocks).
    pub servers: std::ops::Range<u32>,
}

/// A `server` block of http.
#[derive(Clone, Debug)]
pub struct Server {
    pub inst: InstId,
    /// Its `listen` directives, parsed (a server without one listens on `*:80`).
    pub listens: Vec<(Option<InstId>, Listen)>,
    /// Its `server_name` values.
    pub names: Vec<String>,
}

/// The configuration graph and its indexes.
pub struct Model<'a> {
    pub loaded: &'a Loaded,
    pub tree: &'a Tree,
    pub graph: DiGraph<Node, Edge>,
    /// Graph node of each block instance.
    pub block_node: FxHashMap<InstId, NodeIndex>,
    /// Compiled location patterns, by (pattern, caseless).
    regexes: std::sync::Mutex<FxHashMap<(String, bool), Option<SharedRegex>>>,
    /// Dispatched directives directly at each level (includes transparent), by name.
    /// (level, name) -> range of `ids`; the top level of root `r` is level `u32::MAX - r`.
    index: FxHashMap<(InstId, u32), (u32, u32)>,
    /// Instances grouped by (level, name), in source order within a group.
    ids: Vec<InstId>,
    /// Levels holding an `include` of a file that could not be read.
    unresolved: rustc_hash::FxHashSet<InstId>,
    /// Indexes into `passes` of the passes to each upstream.
    passes_by_upstream: FxHashMap<InstId, Vec<u32>>,
    /// Every dispatched instance grouped by name (in source order): the
    /// range of `by_name_ids` of each interned name.
    by_name: Vec<(u32, u32)>,
    by_name_ids: Vec<InstId>,
    pub servers: Vec<Server>,
    pub upstreams: Vec<Upstream>,
    /// The `server` lines of every upstream, block after block.
    upstream_servers: Vec<UpstreamServer>,
    pub passes: Vec<Pass>,
    /// Locations, `if` and `limit_except` levels, in order.
    pub locations: Vec<InstId>,
    /// (hash of (root, name, stream), index into `upstreams`), sorted: the
    /// first entry of a hash whose key matches is the upstream a name refers
    /// to. (A sorted list instead of a map keyed by name copies: 8 bytes per
    /// upstream.)
    upstream_by_name: Vec<(u32, u32)>,
    /// Variable (lowercase name) to its `set` directives and `map` lines; built on first use.
    /// (A list of instances, not of [`VarSource`]: a lifetime inside a
    /// `OnceLock` would make the model invariant in it.)
    var_index: std::sync::OnceLock<VarIndex>,
    /// Built on first use.
    via_variables: std::sync::OnceLock<ViaVariables>,
}

/// Directives whose values nginx keeps as one list per level: a level that
/// sets any of a group inherits none of the group from above.
pub const LIST_GROUPS: &[&[&str]] = &[
    &["add_header"],
    &["add_trailer"],
    &["proxy_set_header"],
    &["fastcgi_param"],
    &["uwsgi_param"],
    &["scgi_param"],
    &["grpc_set_header"],
    &["error_page"],
    &["allow", "deny"],
    &["access_log"],
    &["limit_req"],
    &["limit_conn"],
    &["proxy_hide_header"],
    &["proxy_pass_header"],
    &["fastcgi_hide_header"],
    &["index"],
    &["sub_filter"],
    &["more_set_headers"],
];

impl<'a> Model<'a> {
    /// Builds the graph in one pass over the tree.
    pub fn build(loaded: &'a Loaded, tree: &'a Tree) -> Model<'a> {
        // Counted first so that the per-block tables are allocated once at
        // their size: doubling them costs up to twice the memory on dense
        // input (tens of thousands of upstream blocks in one file).
        let (mut blocks, mut ups, mut servers, mut ups_servers) = (0usize, 0usize, 0usize, 0usize);
        for inst in &tree.insts {
            if let (Status::Found(spec), Context::Upstream | Context::StreamUpstream) = (inst.status, inst.ctx) {
                ups_servers += usize::from(spec.name == "server");
            }
            if let (Status::Found(_), Some(inner)) = (inst.status, inst.inner) {
                match inner {
                    Context::Lua | Context::Unknown => continue,
                    Context::Upstream | Context::StreamUpstream => ups += 1,
                    Context::Server => servers += 1,
                    _ => {}
                }
                blocks += 1;
            }
        }
        let roots_n = loaded.roots.len();
        let mut m = Model {
            loaded,
            tree,
            graph: DiGraph::with_capacity(blocks + roots_n, blocks),
            block_node: FxHashMap::with_capacity_and_hasher(blocks, Default::default()),
            regexes: Default::default(),
            index: FxHashMap::default(),
            ids: Vec::new(),
            passes_by_upstream: FxHashMap::default(),
            unresolved: Default::default(),
            by_name: Vec::new(),
            by_name_ids: Vec::new(),
            servers: Vec::with_capacity(servers),
            upstreams: Vec::with_capacity(ups),
            upstream_servers: Vec::with_capacity(ups_servers),
            passes: Vec::new(),
            locations: Vec::new(),
            upstream_by_name: Vec::new(),
            var_index: std::sync::OnceLock::new(),
            via_variables: std::sync::OnceLock::new(),
        };
        let roots: Vec<NodeIndex> = (0..loaded.roots.len() as u32).map(|r| m.graph.add_node(Node::Root(r))).collect();
        let mut file_node: FxHashMap<FileId, NodeIndex> = FxHashMap::default();
        let mut pending_passes = Vec::new();
        let mut fallbacks = Vec::new();
        let mut entries: Vec<(u32, u32, InstId)> = Vec::with_capacity(tree.insts.len());
        for (i, inst) in tree.insts.iter().enumerate() {
            let id = i as InstId;
            if !matches!(inst.status, Status::Found(_)) {
                continue;
            }
            // Only what nginx accepts here has a value to inherit.
            let Status::Found(spec) = inst.status else { continue };
            // The table's name, not the statement's (the same text): reading
            // each statement back from its file was most of this loop's time.
            let name: &'static str = spec.name;
            let key = spec.key;
            entries.push((inst.parent.unwrap_or(u32::MAX - inst.root), key, id));
            let parent_node = match inst.parent {
                Some(p) => m.block_node.get(&p).copied().unwrap_or(roots[inst.root as usize]),
                None => roots[inst.root as usize],
            };
            if let Some(inner) = inst.inner {
                if inner != Context::Lua && inner != Context::Unknown {
                    let n = m.graph.add_node(Node::Block(id));
                    m.block_node.insert(id, n);
                    m.graph.add_edge(parent_node, n, Edge::Contains);
                    if matches!(
                        inner,
                        Context::Location | Context::IfInLocation | Context::IfInServer | Context::LimitExcept
                    ) {
                        m.locations.push(id);
                    }
                    match inner {
                        Context::Upstream | Context::StreamUpstream => {
                            let mut uname = CompactString::new(m.arg(id, 0).unwrap_or(""));
                            uname.make_ascii_lowercase();
                            let stream = inner == Context::StreamUpstream;
                            let at = m.upstream_servers.len() as u32;
                            m.upstreams.push(Upstream { inst: id, name: uname, stream, servers: at..at });
                        }
                        Context::Server => m.servers.push(Server { inst: id, listens: Vec::new(), names: Vec::new() }),
                        _ => {}
                    }
                }
            }
            if name == "include" {
                let files = loaded.included(loaded.roots[inst.root as usize].conf_dir, inst.file, inst.node);
                let glob = m.args(id).first().is_some_and(|a| a.as_str().contains(['*', '?', '[']));
                if files.is_empty() && !glob {
                    if let Some(p) = inst.parent {
                        m.unresolved.insert(p);
                    }
                }
                for &f in files {
                    let n = *file_node.entry(f).or_insert_with(|| m.graph.add_node(Node::File(f)));
                    m.graph.add_edge(parent_node, n, Edge::Includes(id));
                }
                continue;
            }
            match (name, inst.ctx) {
                ("server", Context::Upstream | Context::StreamUpstream) => {
                    if let Some(u) = m.upstreams.last_mut() {
                        if inst.parent == Some(u.inst) {
                            let f = loaded.file(inst.file);
                            let args = f.ast.args(f.ast.node(inst.node));
                            if let Some(us) = parse_upstream_server(id, args) {
                                // The servers of the last upstream are the end of the list.
                                m.upstream_servers.push(us);
                                u.servers.end = m.upstream_servers.len() as u32;
                            }
                        }
                    }
                }
                ("listen", Context::Server) => {
                    let args: Vec<&str> = m.args(id).iter().map(|a| a.as_str()).collect();
                    if let (Ok(l), Some(s)) =
                        (listen::parse(&args), m.servers.iter_mut().rev().find(|s| Some(s.inst) == inst.parent))
                    {
                        s.listens.push((Some(id), l));
                    }
                }
                ("server_name", Context::Server) => {
                    let names: Vec<String> = m.args(id).iter().map(|a| a.as_str().to_ascii_lowercase()).collect();
                    if let Some(s) = m.servers.iter_mut().rev().find(|s| Some(s.inst) == inst.parent) {
                        s.names.extend(names);
                    }
                }
                ("error_page" | "try_files", _) => fallbacks.push(id),
                _ => {
                    if let Some(kind) = PassKind::from_directive(name, inst.ctx) {
                        if let Some(level) = inst.parent {
                            pending_passes.push((id, kind, level));
                        }
                    }
                }
            }
        }
        // One allocation for the whole index, in two passes (count, then
        // fill), keeping source order within each (level, name) group.
        m.index.reserve(entries.len() / 2);
        for &(level, name, _) in &entries {
            m.index.entry((level, name)).or_insert((0, 0)).1 += 1;
        }
        let mut next = 0u32;
        for v in m.index.values_mut() {
            let n = v.1;
            *v = (next, next);
            next += n;
        }
        m.ids = vec![0; entries.len()];
        for &(level, name, id) in &entries {
            if let Some(v) = m.index.get_mut(&(level, name)) {
                m.ids[v.1 as usize] = id;
                v.1 += 1;
            }
        }
        // The same, by name alone, for rules that look at every occurrence.
        m.by_name = vec![(0, 0); table().key_count()];
        for &(_, name, _) in &entries {
            m.by_name[name as usize].1 += 1;
        }
        let mut next = 0u32;
        for v in m.by_name.iter_mut() {
            let n = v.1;
            *v = (next, next);
            next += n;
        }
        m.by_name_ids = vec![0; entries.len()];
        for &(_, name, id) in &entries {
            let v = &mut m.by_name[name as usize];
            m.by_name_ids[v.1 as usize] = id;
            v.1 += 1;
        }
        drop(entries);
        let mut order: Vec<(u32, u32)> = m
            .upstreams
            .iter()
            .enumerate()
            .map(|(i, u)| (name_hash(tree.insts[u.inst as usize].root, &u.name, u.stream), i as u32))
            .collect();
        order.sort_unstable();
        m.upstream_by_name = order;
        // A server without `listen` listens on *:80, unless an include that
        // could not be read may hold its listen directives.
        let unknown: Vec<bool> =
            m.servers.iter().map(|s| s.listens.is_empty() && m.has_unresolved_include(s.inst)).collect();
        for (s, unknown) in m.servers.iter_mut().zip(unknown) {
            if s.listens.is_empty() && !unknown {
                if let Ok(l) = listen::parse(&["80"]) {
                    s.listens.push((None, l));
                }
            }
        }
        // Targets, now that every upstream is known (nginx resolves them at the end too).
        for (id, kind, level) in pending_passes {
            let Some(raw) = m.arg(id, 0) else { continue };
            let mut target = parse_target(kind, raw);
            let root = tree.insts[id as usize].root;
            let stream = kind == PassKind::StreamProxy;
            if !target.dynamic && target.unix.is_none() {
                if let Some(u) = m.upstream_named(root, &target.host, stream) {
                    target.upstream = Some(u.inst);
                }
            }
            let pi = m.passes.len() as u32;
            let from = m.block_node.get(&level).copied();
            let to = match target.upstream {
                Some(u) => m.block_node.get(&u).copied(),
                None if !target.dynamic => Some(m.graph.add_node(Node::Address(target.address()))),
                None => None,
            };
            if let (Some(a), Some(b)) = (from, to) {
                m.graph.add_edge(a, b, Edge::PassesTo(pi));
            }
            if let Some(u) = target.upstream {
                m.passes_by_upstream.entry(u).or_default().push(pi);
            }
            m.passes.push(Pass { inst: id, kind, level, target, via: None });
        }
        // Fallbacks to named locations of the same server.
        for id in fallbacks {
            let Some(server) = m.enclosing(id, Context::Server) else { continue };
            let Some(last) = m.args(id).last() else { continue };
            let Some(at) = last.as_str().strip_prefix('@') else { continue };
            if let (Some(named), Some(from)) =
                (m.named_location(server, at), m.tree.insts[id as usize].parent.and_then(|p| m.block_node.get(&p)))
            {
                if let Some(&to) = m.block_node.get(&named) {
                    m.graph.add_edge(*from, to, Edge::FallsBackTo(id));
                }
            }
        }
        m
    }

    /// The directive of an instance.
    pub fn directive(&self, id: InstId) -> &'a Directive {
        self.tree.directive(self.loaded, id)
    }
    /// The arguments of an instance.
    pub fn args(&self, id: InstId) -> &'a [Arg] {
        let inst = &self.tree.insts[id as usize];
        let f = self.loaded.file(inst.file);
        f.ast.args(f.ast.node(inst.node))
    }
    /// One argument's value.
    pub fn arg(&self, id: InstId, i: usize) -> Option<&'a str> {
        self.args(id).get(i).map(|a| a.as_str())
    }
    /// The statement's span (name to terminator).
    pub fn span(&self, id: InstId) -> Span {
        self.directive(id).head_span()
    }
    /// The context a level's block opens.
    pub fn inner(&self, id: InstId) -> Option<Context> {
        self.tree.insts[id as usize].inner
    }
    /// The enclosing level of an instance.
    pub fn parent(&self, id: InstId) -> Option<InstId> {
        self.tree.insts[id as usize].parent
    }

    /// Where the user fixes a directive set at `level`: the directive itself,
    /// or, when it comes from a distribution's stock file (`proxy_params`,
    /// `fastcgi.conf`) included at `level`, that `include`.
    pub fn user_site(&self, id: InstId, level: InstId) -> InstId {
        let mut site = id;
        while let Some(v) = self.tree.insts[site as usize].via.filter(|&v| self.parent(v) == Some(level)) {
            let file = &self.loaded.file(self.tree.insts[site as usize].file).path;
            if crate::load::stock::lookup(file).is_none() {
                break;
            }
            site = v;
        }
        site
    }

    /// The interned key of a directive name (`None`: no such directive anywhere).
    pub fn key(&self, name: &str) -> Option<u32> {
        table().key(name).filter(|&k| self.by_name.get(k as usize).is_some_and(|(a, b)| a < b))
    }

    /// [`Model::local`] with a key from [`Model::key`].
    pub fn local_key(&self, level: InstId, key: u32) -> &[InstId] {
        match self.index.get(&(level, key)) {
            Some(&(a, b)) => &self.ids[a as usize..b as usize],
            None => &[],
        }
    }

    /// [`Model::effective`] with a key from [`Model::key`].
    pub fn effective_key(&self, level: InstId, key: u32) -> Option<InstId> {
        self.chain(level).find_map(|l| self.local_key(l, key).last().copied())
    }

    /// Directives named `name` directly at `level` (includes transparent).
    pub fn local(&self, level: InstId, name: &str) -> &[InstId] {
        let Some(key) = self.key(name) else { return &[] };
        match self.index.get(&(level, key)) {
            Some(&(a, b)) => &self.ids[a as usize..b as usize],
            None => &[],
        }
    }

    /// Every occurrence of a directive, in source order (instances inside
    /// handler blocks such as `map` are not directives and not listed).
    pub fn named(&self, name: &str) -> &[InstId] {
        let Some(key) = self.key(name) else { return &[] };
        let (a, b) = self.by_name[key as usize];
        &self.by_name_ids[a as usize..b as usize]
    }

    /// Directives named `name` at the top level of a root.
    pub fn top(&self, root: u32, name: &str) -> &[InstId] {
        let Some(key) = self.key(name) else { return &[] };
        match self.index.get(&(u32::MAX - root, key)) {
            Some(&(a, b)) => &self.ids[a as usize..b as usize],
            None => &[],
        }
    }

    /// The levels a value at `level` is inherited from, nearest first:
    /// the level itself, then its enclosing locations, server and http (or
    /// stream/mail); upstream, map and similar blocks inherit nothing.
    pub fn chain(&self, level: InstId) -> impl Iterator<Item = InstId> + '_ {
        let mut cur = Some(level);
        std::iter::from_fn(move || {
            let c = cur?;
            let inner = self.inner(c);
            cur = match inner {
                Some(
                    Context::Server
                    | Context::Location
                    | Context::IfInServer
                    | Context::IfInLocation
                    | Context::LimitExcept
                    | Context::StreamServer
                    | Context::MailServer,
                ) => self.parent(c),
                _ => None,
            };
            Some(c)
        })
    }

    /// The instance whose value applies at `level` for a scalar directive.
    pub fn effective(&self, level: InstId, name: &str) -> Option<InstId> {
        self.chain(level).find_map(|l| self.local(l, name).last().copied())
    }

    /// The values that apply at `level` for a list directive group (see
    /// [`LIST_GROUPS`]): those of the nearest level that sets any of the
    /// group, in source order, and that level.
    pub fn effective_list(&self, level: InstId, group: &[&str]) -> Option<(InstId, Vec<InstId>)> {
        for l in self.chain(level) {
            let mut found: Vec<InstId> = group.iter().flat_map(|n| self.local(l, n).iter().copied()).collect();
            if !found.is_empty() {
                found.sort_unstable();
                return Some((l, found));
            }
        }
        None
    }

    /// The nearest enclosing block of the given context.
    pub fn enclosing(&self, id: InstId, ctx: Context) -> Option<InstId> {
        let mut cur = self.parent(id);
        while let Some(c) = cur {
            if self.inner(c) == Some(ctx) {
                return Some(c);
            }
            cur = self.parent(c);
        }
        None
    }

    /// A named location `@name` of a server.
    pub fn named_location(&self, server: InstId, name: &str) -> Option<InstId> {
        self.local(server, "location")
            .iter()
            .copied()
            .find(|&l| self.arg(l, 0).and_then(|a| a.strip_prefix('@')) == Some(name))
    }

    /// The upstream block an instance stands for.
    pub fn upstream(&self, inst: InstId) -> Option<&Upstream> {
        // `upstreams` is in instance order.
        self.upstreams.binary_search_by_key(&inst, |u| u.inst).ok().map(|i| &self.upstreams[i])
    }

    /// The upstream block a (lowercase) name refers to in a root: the first
    /// one declared, as nginx keeps the first.
    fn upstream_named(&self, root: u32, name: &str, stream: bool) -> Option<&Upstream> {
        let h = name_hash(root, name, stream);
        let at = self.upstream_by_name.partition_point(|&(x, _)| x < h);
        self.upstream_by_name[at..].iter().take_while(|&&(x, _)| x == h).find_map(|&(_, i)| {
            let u = &self.upstreams[i as usize];
            (u.name == name && u.stream == stream && self.tree.insts[u.inst as usize].root == root).then_some(u)
        })
    }

    /// The `server` lines of an upstream block.
    pub fn servers_of(&self, u: &Upstream) -> &[UpstreamServer] {
        self.upstream_servers.get(u.servers.start as usize..u.servers.end as usize).unwrap_or(&[])
    }

    /// The passes that send requests to an upstream block, also through a
    /// variable (`proxy_pass http://$pool;` with `map ... $pool { default app; }`).
    pub fn passes_to(&self, upstream: InstId) -> impl Iterator<Item = &Pass> + '_ {
        let via = self.via_variables();
        let direct = self.passes_by_upstream.get(&upstream).into_iter().flatten().map(|&i| &self.passes[i as usize]);
        direct.chain(via.by_upstream.get(&upstream).into_iter().flatten().map(|&i| &via.passes[i as usize]))
    }

    /// Every `set` directive and `map` line that gives `$var` a value, in
    /// source order (a variable name is case-insensitive).
    pub fn var_sources(&self, var: &str) -> impl Iterator<Item = VarSource<'a>> + '_ {
        let index = self.var_index.get_or_init(|| {
            let mut index = VarIndex::default();
            for &id in self.named("set") {
                if let (Some(var), Some(_)) = (self.arg(id, 0), self.arg(id, 1)) {
                    if let Some(name) = var.strip_prefix('$') {
                        index.entry(name.to_ascii_lowercase()).or_default().push((id, None));
                    }
                }
            }
            for &map in self.named("map") {
                let Some(name) = self.arg(map, 1).and_then(|v| v.strip_prefix('$')) else { continue };
                let lines = index.entry(name.to_ascii_lowercase()).or_default();
                for line in self.block_lines(map) {
                    let key = self.directive(line).name();
                    if !matches!(key, "hostnames" | "volatile" | "include") && self.args(line).len() == 1 {
                        lines.push((line, Some(map)));
                    }
                }
            }
            index
        });
        let list = if var.bytes().any(|b| b.is_ascii_uppercase()) {
            index.get(&var.to_ascii_lowercase())
        } else {
            index.get(var)
        };
        let list = list.map(|v| v.as_slice()).unwrap_or(&[]);
        list.iter().map(move |&(at, map)| {
            let value = if map.is_some() { self.arg(at, 0) } else { self.arg(at, 1) };
            VarSource { at, value: value.unwrap_or(""), map }
        })
    }

    /// The values `$var` may hold where `at` reads it: the `set` directives
    /// of the nearest level (from `at` outward) that sets it, and the lines
    /// of a `map` that defines it (its `default`, then its first 256 lines:
    /// callers run per request site, and a map may list thousands of hosts).
    pub fn var_sources_at(&self, at: InstId, var: &str) -> impl Iterator<Item = VarSource<'a>> + '_ {
        let level = if self.inner(at).is_some() { Some(at) } else { self.parent(at) };
        let sets = level.and_then(|level| {
            self.chain(level).find_map(|l| {
                // The index lists a variable's `set`s before its map lines.
                let here: Vec<VarSource<'a>> = self
                    .var_sources(var)
                    .take_while(|s| s.map.is_none())
                    .filter(|s| self.parent(s.at) == Some(l))
                    .collect();
                (!here.is_empty()).then_some(here)
            })
        });
        // A map of thousands of hosts is read per request site: its
        // `default` and its first lines stand for it (bounded work).
        let is_default = move |s: &VarSource<'a>| s.map.is_some() && self.directive(s.at).name() == "default";
        let defaults = self.var_sources(var).filter(is_default);
        let others = self.var_sources(var).filter(move |s| s.map.is_some() && !is_default(s)).take(MAX_MAP_LINES);
        defaults.chain(others).chain(sets.into_iter().flatten())
    }

    /// Passes whose address is one variable (`proxy_pass http://$backend;`),
    /// once for each value a `set` in scope or a `map` line gives it that
    /// holds no variable itself: the target nginx connects to for that value.
    /// Bounded: the first 64 values of each pass, 20,000 in all.
    pub fn passes_via_variables(&self) -> &[Pass] {
        &self.via_variables().passes
    }

    fn via_variables(&self) -> &ViaVariables {
        self.via_variables.get_or_init(|| {
            let mut out = ViaVariables::default();
            for p in &self.passes {
                if !p.target.dynamic {
                    continue;
                }
                let Some(raw) = self.arg(p.inst, 0) else { continue };
                let vars = crate::model::vars::variables(address_part(p.kind, raw));
                let [var] = vars.as_slice() else { continue };
                let root = self.tree.insts[p.inst as usize].root;
                // Bounded: a map of thousands of hosts read by thousands of
                // passes must not multiply into millions of targets.
                if out.passes.len() >= MAX_VIA_TOTAL {
                    break;
                }
                for s in self.var_sources_at(p.inst, var).take(MAX_VIA_PER_PASS) {
                    if s.value.contains('$') || s.value.is_empty() {
                        continue;
                    }
                    let resolved = substitute(raw, var, s.value);
                    let mut target = parse_target(p.kind, &resolved);
                    if target.dynamic {
                        continue;
                    }
                    if target.unix.is_none() {
                        if let Some(u) = self.upstream_named(root, &target.host, p.kind == PassKind::StreamProxy) {
                            target.upstream = Some(u.inst);
                            out.by_upstream.entry(u.inst).or_default().push(out.passes.len() as u32);
                        }
                    }
                    out.passes.push(Pass { inst: p.inst, kind: p.kind, level: p.level, target, via: Some(s.at) });
                }
            }
            out
        })
    }

    /// The (name, value) pairs of a list directive such as `proxy_set_header`
    /// or `fastcgi_param` in effect at `level`, with the instance of each.
    pub fn pairs(&self, level: InstId, directive: &str) -> Vec<(InstId, &'a str, &'a str)> {
        let Some((_, list)) = self.effective_list(level, &[directive]) else { return Vec::new() };
        list.into_iter()
            .filter_map(|id| {
                let a = self.args(id);
                Some((id, a.first()?.as_str(), a.get(1).map(|v| v.as_str()).unwrap_or("")))
            })
            .collect()
    }

    /// The value of one header or parameter (case-insensitive name) in effect at `level`.
    pub fn pair(&self, level: InstId, directive: &str, key: &str) -> Option<(InstId, &'a str)> {
        let list = self.chain(level).map(|l| self.local(l, directive)).find(|l| !l.is_empty())?;
        list.iter().rev().find_map(|&id| {
            let a = self.args(id);
            (a.first()?.as_str().eq_ignore_ascii_case(key)).then(|| (id, a.get(1).map(|v| v.as_str()).unwrap_or("")))
        })
    }

    /// The effective value of a scalar directive's first argument, and where it is set.
    pub fn value(&self, level: InstId, name: &str) -> Option<(InstId, &'a str)> {
        let id = self.effective(level, name)?;
        Some((id, self.arg(id, 0)?))
    }

    /// A location's match argument (`/api/`, `\.php$`) and whether it is a regex.
    pub fn location_pattern(&self, loc: InstId) -> Option<(&'a str, bool)> {
        let a = self.args(loc);
        match a {
            [m, p] if matches!(m.as_str(), "~" | "~*") => Some((p.as_str(), true)),
            [_, p] => Some((p.as_str(), false)),
            [p] => match p.as_str() {
                s if s.starts_with("~*") => Some((&s[2..], true)),
                s if s.starts_with('~') => Some((&s[1..], true)),
                s if s.starts_with("^~") => Some((&s[2..], false)),
                s if s.starts_with('=') => Some((&s[1..], false)),
                s => Some((s, false)),
            },
            _ => None,
        }
    }

    /// The server block a level belongs to.
    pub fn server_of(&self, level: InstId) -> Option<&Server> {
        let s = if self.inner(level) == Some(Context::Server) {
            Some(level)
        } else {
            self.enclosing(level, Context::Server)
        }?;
        // `servers` is in instance order.
        self.servers.binary_search_by_key(&s, |x| x.inst).ok().map(|i| &self.servers[i])
    }
}

/// A compiled location pattern, shared by the rules that test it.
pub type SharedRegex = std::sync::Arc<pcre2::bytes::Regex>;

/// A location regex as nginx compiles it (PCRE2), for matching sample URIs.
pub fn compile_location_regex(pattern: &str, caseless: bool) -> Option<pcre2::bytes::Regex> {
    pcre2::bytes::RegexBuilder::new().caseless(caseless).build(pattern).ok()
}

impl<'a> Model<'a> {
    /// A regex location's compiled pattern (`None` for prefix locations or bad regexes).
    /// Shared, not cloned: a cloned `Regex` starts with no match data and
    /// allocates its own (20 KB each, 12 MB over the 1,000-site tree).
    pub fn location_regex(&self, loc: InstId) -> Option<SharedRegex> {
        let a = self.args(loc);
        let caseless = a.first().is_some_and(|m| m.as_str().starts_with("~*"));
        let (p, regex) = self.location_pattern(loc)?;
        if !regex {
            return None;
        }
        // Thousands of servers repeat the same few patterns: each is compiled once.
        let key = (p.to_string(), caseless);
        if let Some(r) = self.regexes.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return r;
        }
        let r = compile_location_regex(p, caseless).map(std::sync::Arc::new);
        if let Ok(mut c) = self.regexes.lock() {
            c.insert(key, r.clone());
        }
        r
    }

    /// True when a FastCGI pass evidently talks to PHP: its location's
    /// pattern names `php`, or its target (or its upstream's servers) names
    /// `php` or `fpm` or uses port 9000.
    pub fn is_php_pass(&self, p: &Pass) -> bool {
        if p.kind != PassKind::Fastcgi {
            return false;
        }
        let hint = |s: &str| {
            let l = s.to_ascii_lowercase();
            l.contains("php") || l.contains("fpm")
        };
        let in_php_location = self.chain(p.level).any(|l| {
            self.directive(l).name() == "location" && self.location_pattern(l).is_some_and(|(pat, _)| hint(pat))
        });
        let t = &p.target;
        let target = hint(&t.host) || t.unix.as_deref().is_some_and(hint) || t.port == Some(9000);
        let upstream = t.upstream.and_then(|u| self.upstream(u)).is_some_and(|u| {
            hint(&u.name)
                || self
                    .servers_of(u)
                    .iter()
                    .any(|s| hint(&s.host) || s.unix.as_deref().is_some_and(hint) || s.port == Some(9000))
        });
        in_php_location || target || upstream
    }

    /// The condition of an `if`: the tested word, the operator and its
    /// operand (`($http_origin ~* ^https://a$)` -> (`$http_origin`, `~*`, `^https://a$`)).
    pub fn if_condition(&self, id: InstId) -> Option<(&'a str, Option<&'a str>, Option<&'a str>)> {
        let a: Vec<&'a str> = self.args(id).iter().map(|a| a.as_str()).collect();
        let strip_open = |s: &'a str| s.strip_prefix('(').unwrap_or(s);
        let strip_close = |s: &'a str| s.strip_suffix(')').unwrap_or(s);
        match a.as_slice() {
            [one] => Some((strip_close(strip_open(one)), None, None)),
            [v, ")"] => Some((strip_open(v), None, None)),
            [v, op, rhs] => Some((strip_open(v), Some(op), Some(strip_close(rhs)))),
            [v, op, rhs, ")"] => Some((strip_open(v), Some(op), Some(rhs))),
            _ => None,
        }
    }

    /// The regex whose captures (`$1`, `$name`) a directive sees: its own
    /// for `rewrite`, else that of the nearest enclosing regex `if` or
    /// regex location.
    pub fn capture_regex(&self, id: InstId) -> Option<(InstId, &'a str)> {
        if self.directive(id).name() == "rewrite" {
            return Some((id, self.arg(id, 0)?));
        }
        let mut cur = self.parent(id);
        while let Some(l) = cur {
            match self.directive(l).name() {
                "if" => {
                    if let Some((_, Some(op), Some(re))) = self.if_condition(l) {
                        if op.ends_with('~') || op.ends_with("~*") {
                            return Some((l, re));
                        }
                    }
                }
                "location" => match self.location_pattern(l) {
                    Some((p, true)) => return Some((l, p)),
                    _ => return None,
                },
                _ => return None,
            }
            cur = self.parent(l);
        }
        None
    }

    /// The lines of a handler block such as `map` or `geo` (their keys are
    /// the lines' names): they follow the block in the tree, and an
    /// include among them is transparent.
    pub fn block_lines(&self, block: InstId) -> impl Iterator<Item = InstId> + '_ {
        let insts = &self.tree.insts;
        (block as usize + 1..insts.len()).take_while(move |&i| insts[i].parent == Some(block)).map(|i| i as InstId)
    }

    /// True when a client must pass a check to be served at `level`: a
    /// `deny` among the effective `allow`/`deny` rules, or `auth_basic` or
    /// `auth_request` in effect and not `off`.
    pub fn restricts_access(&self, level: InstId) -> bool {
        self.effective_list(level, &["allow", "deny"])
            .is_some_and(|(_, l)| l.iter().any(|&d| self.directive(d).name() == "deny"))
            || ["auth_basic", "auth_request"].iter().any(|n| self.value(level, n).is_some_and(|(_, v)| v != "off"))
    }

    /// True when the server of `level` listens only on loopback addresses
    /// or unix sockets (a server without `listen` takes `*:80`).
    pub fn listens_locally(&self, level: InstId) -> bool {
        self.server_of(level).is_some_and(|s| {
            !s.listens.is_empty()
                && s.listens.iter().all(|(_, l)| {
                    l.socket.starts_with("127.") || l.socket.starts_with("[::1]") || l.socket.starts_with("unix:")
                })
        })
    }

    /// True when an `include` on the inheritance chain of `level` read no
    /// file (a missing file, not an empty glob): the level's lists are unknown.
    pub fn has_unresolved_include(&self, level: InstId) -> bool {
        !self.unresolved.is_empty() && self.chain(level).any(|l| self.unresolved.contains(&l))
    }
}

/// The key of [`Model::upstream_named`]'s index (collisions are told apart there).
fn name_hash(root: u32, name: &str, stream: bool) -> u32 {
    let mut h = rustc_hash::FxHasher::default();
    std::hash::Hash::hash(&(root, name, stream), &mut h);
    (std::hash::Hasher::finish(&h) >> 32) as u32
}

/// Parses the address argument of a `*_pass` directive.
pub fn parse_target(kind: PassKind, raw: &str) -> Target {
    let mut t = Target::default();
    let mut rest = raw;
    if let Some((scheme, after)) = split_scheme(raw) {
        let is = |a: &str, b: &str| scheme.eq_ignore_ascii_case(a) || scheme.eq_ignore_ascii_case(b);
        let known = match kind {
            PassKind::Proxy => is("http", "https"),
            PassKind::Grpc => is("grpc", "grpcs"),
            PassKind::Uwsgi => is("uwsgi", "suwsgi"),
            _ => false,
        };
        if known || !scheme.contains('$') {
            t.scheme = Some(scheme.to_ascii_lowercase());
            rest = after;
        } else {
            t.dynamic = true;
        }
    } else if raw.starts_with('$') {
        t.dynamic = true;
        return t;
    }
    if let Some(path) = rest.strip_prefix("unix:") {
        // unix:/path/to.sock  or, in URLs, unix:/path/to.sock:/uri
        let (p, uri) = match path.split_once(':') {
            Some((p, u)) => (p, !u.is_empty()),
            None => (path, false),
        };
        t.unix = Some(p.to_string());
        t.has_uri = uri;
        t.dynamic = p.contains('$');
        return t;
    }
    let (authority, uri) = match rest.find('/') {
        Some(i) => (&rest[..i], true),
        None => (rest, false),
    };
    t.has_uri = uri;
    if authority.contains('$') || authority.is_empty() {
        t.dynamic = true;
        return t;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => (v6, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    t.host = host.to_ascii_lowercase();
    t.port = port.and_then(|p| p.parse::<u16>().ok());
    t
}

/// `raw.split_once("://")`, without building a substring searcher (a pass
/// or upstream server is parsed for each of thousands of directives).
/// The scheme and address part of a pass argument: everything before its
/// URI (a URI variable such as `$request_uri` right after the address
/// starts the URI too).
pub fn address_part(kind: PassKind, raw: &str) -> &str {
    let after = raw.find("://").map(|i| i + 3).unwrap_or(0);
    let mut end = raw[after..].find('/').map(|i| after + i).unwrap_or(raw.len());
    for uri in ["$request_uri", "$uri", "$document_uri", "$is_args", "?"] {
        if let Some(i) = raw[after..end].find(uri).filter(|&i| i > 0) {
            end = end.min(after + i);
        }
    }
    if matches!(kind, PassKind::Fastcgi | PassKind::Scgi | PassKind::Memcached) && after == 0 {
        return raw.split(':').next().unwrap_or(raw);
    }
    &raw[..end]
}

/// `raw` with every `$var` and `${var}` (case-insensitive) replaced by `value`.
fn substitute(raw: &str, var: &str, value: &str) -> String {
    let mut out = String::with_capacity(raw.len() + value.len());
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let braced = after.strip_prefix('{').and_then(|b| b.find('}').map(|e| (&b[..e], e + 2)));
        let (name, len) = match braced {
            Some((name, len)) => (name, len),
            None => {
                let n = after.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
                (&after[..n], n)
            }
        };
        if !name.is_empty() && name.eq_ignore_ascii_case(var) {
            out.push_str(value);
        } else {
            out.push('$');
            out.push_str(&after[..len]);
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

fn split_scheme(raw: &str) -> Option<(&str, &str)> {
    let b = raw.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b':', &b[from..]) {
        let at = from + i;
        if b[at + 1..].starts_with(b"//") {
            return Some((&raw[..at], &raw[at + 3..]));
        }
        from = at + 1;
    }
    None
}

/// Parses `server ADDRESS [params]` inside an upstream block.
fn parse_upstream_server(inst: InstId, args: &[Arg]) -> Option<UpstreamServer> {
    let addr = args.first()?.as_str();
    let t = parse_target(PassKind::Scgi, addr);
    let has = |p: &str| args.iter().skip(1).any(|a| a.as_str() == p);
    Some(UpstreamServer {
        inst,
        host: CompactString::new(&t.host),
        port: t.port,
        unix: t.unix,
        backup: has("backup"),
        down: has("down"),
    })
}

/// Since nginx 1.29.7 (so in 1.30 stable), `upstream` blocks keep a pool of
/// 32 idle connections by default, `proxy_http_version` defaults to 1.1 and
/// no `Connection` header is sent to the backend.
pub const KEEPALIVE_BY_DEFAULT: crate::model::directives::Version =
    crate::model::directives::Version { major: 1, minor: 29, patch: 7 };

/// True for a host that is this machine.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "::1" | "0.0.0.0" | "::" | "ip6-localhost") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target(PassKind::Proxy, "http://127.0.0.1:8080/api/");
        assert_eq!((t.host.as_str(), t.port, t.has_uri, t.tls()), ("127.0.0.1", Some(8080), true, false));
        let t = parse_target(PassKind::Proxy, "https://Backend");
        assert_eq!((t.host.as_str(), t.effective_port(), t.tls()), ("backend", Some(443), true));
        let t = parse_target(PassKind::Fastcgi, "unix:/run/php/php8.2-fpm.sock");
        assert_eq!(t.unix.as_deref(), Some("/run/php/php8.2-fpm.sock"));
        let t = parse_target(PassKind::Proxy, "http://unix:/tmp/app.sock:/x");
        assert_eq!((t.unix.as_deref(), t.has_uri), (Some("/tmp/app.sock"), true));
        assert!(parse_target(PassKind::Proxy, "http://$backend").dynamic);
        assert!(parse_target(PassKind::Proxy, "$scheme://up").dynamic);
        let t = parse_target(PassKind::Proxy, "http://[::1]:9000");
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(9000)));
        assert_eq!(t.address(), "[::1]:9000");
        let t = parse_target(PassKind::Fastcgi, "127.0.0.1:9000");
        assert_eq!((t.scheme, t.port), (None, Some(9000)));
    }
}
