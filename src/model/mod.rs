//! The configuration model: contexts, the directive table, and (later) the graph.

pub mod context;
pub mod directives;
pub mod listen;
pub mod tree;
pub mod values;
pub mod variables;
