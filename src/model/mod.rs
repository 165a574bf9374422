//! The configuration model: contexts, the directive table, the expanded tree and the graph.

pub mod backends;
pub mod context;
pub mod directives;
pub mod graph;
pub mod listen;
pub mod tree;
pub mod values;
pub mod variables;
pub mod vars;
