//! Why a graph cannot run.

use std::fmt;

/// A graph that is not a DAG over its own nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
  /// The nodes on a cycle in data-flow order, the first repeated at the
  /// end: `[a, b, a]` is `a -> b -> a`.
  Cycle(Vec<u32>),
  /// `node` lists an input `dep` that is not a node.
  UnknownNode {
    /// The node that lists it.
    node: u32,
    /// The index it lists.
    dep: u32,
  },
}

impl fmt::Display for GraphError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      GraphError::Cycle(nodes) => {
        let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
        write!(f, "the graph has a cycle: {}", names.join(" -> "))
      }
      GraphError::UnknownNode { node, dep } => {
        write!(f, "node {node} depends on {dep}, which is not a node")
      }
    }
  }
}

impl std::error::Error for GraphError {}
