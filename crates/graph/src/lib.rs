//! Task graphs (DAGs) for `graph()`: napi-free.
//!
//! A graph is `n` nodes, each listing the nodes it depends on (its inputs).
//! [`Dag::new`] checks it once: a dependency out of range is
//! [`GraphError::UnknownNode`], a cycle is [`GraphError::Cycle`] with the
//! nodes on it in data-flow order (`a -> b -> a`: `a` is an input of `b`, `b` of
//! `a`). It then precomputes each node's dependents and its *priority*, the
//! number of nodes on the longest path from it to a sink (its critical path):
//! a ready node with a longer critical path starts first.
//!
//! [`Ready`] is the readiness scheduler (no layer barriers: a node is ready
//! as soon as its inputs are done, highest priority first); [`Dag::affected`]
//! is the incremental part (what depends on changed inputs); [`execute`]
//! runs a graph serially in the planned readiness order ([`Dag::order`])
//! with per-node outcomes, so that a failed node fails its dependents while
//! independent branches finish.

use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

mod error;
pub use error::GraphError;

/// A checked DAG with its dependents and critical-path priorities.
#[derive(Debug, Clone)]
pub struct Dag {
  deps: Vec<Vec<u32>>,
  dependents: Vec<Vec<u32>>,
  priority: Vec<u32>,
  order: Vec<u32>,
}

impl Dag {
  /// Checks `deps` (`deps[i]`: the inputs of node `i`; a node listed twice
  /// counts once for readiness) and precomputes the schedule data.
  pub fn new(deps: Vec<Vec<u32>>) -> Result<Dag, GraphError> {
    let n = deps.len();
    let mut dependents: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut missing = vec![0u32; n];
    for (i, ds) in deps.iter().enumerate() {
      for (k, &d) in ds.iter().enumerate() {
        if d as usize >= n {
          return Err(GraphError::UnknownNode {
            node: i as u32,
            dep: d,
          });
        }
        if ds[..k].contains(&d) {
          continue;
        }
        dependents[d as usize].push(i as u32);
        missing[i] += 1;
      }
    }
    // Kahn's algorithm: a plain topological order (what is left is cyclic).
    let mut topo: Vec<u32> = (0..n as u32)
      .filter(|&i| missing[i as usize] == 0)
      .collect();
    let mut left = missing.clone();
    let mut head = 0;
    while head < topo.len() {
      let v = topo[head] as usize;
      head += 1;
      for &w in &dependents[v] {
        left[w as usize] -= 1;
        if left[w as usize] == 0 {
          topo.push(w);
        }
      }
    }
    if topo.len() < n {
      return Err(GraphError::Cycle(find_cycle(&deps, &left)));
    }
    // Critical path: nodes on the longest path to a sink, in reverse order.
    let mut priority = vec![1u32; n];
    for &v in topo.iter().rev() {
      let best = dependents[v as usize]
        .iter()
        .map(|&w| priority[w as usize])
        .max();
      priority[v as usize] = 1 + best.unwrap_or(0);
    }
    let mut dag = Dag {
      deps,
      dependents,
      priority,
      order: Vec::new(),
    };
    let all = vec![true; n];
    let mut ready = Ready::new(&dag, &all);
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop() {
      order.push(v);
      ready.done(&dag, v);
    }
    dag.order = order;
    Ok(dag)
  }

  /// Number of nodes.
  pub fn len(&self) -> usize {
    self.deps.len()
  }

  /// Whether the graph has no node.
  pub fn is_empty(&self) -> bool {
    self.deps.is_empty()
  }

  /// The inputs of `node`, as given.
  pub fn deps(&self, node: u32) -> &[u32] {
    &self.deps[node as usize]
  }

  /// The nodes that take `node` as an input.
  pub fn dependents(&self, node: u32) -> &[u32] {
    &self.dependents[node as usize]
  }

  /// Nodes on the longest path from `node` to a sink (1 for a sink).
  pub fn priority(&self, node: u32) -> u32 {
    self.priority[node as usize]
  }

  /// Every node, in the order a one-thread readiness scheduler starts them
  /// (topological; among ready nodes, the longest critical path first).
  pub fn order(&self) -> &[u32] {
    &self.order
  }

  /// The nodes to recompute when `changed` changed: those and everything
  /// that depends on them, transitively (`result[i]`).
  pub fn affected(&self, changed: &[u32]) -> Vec<bool> {
    let mut hit = vec![false; self.len()];
    let mut stack: Vec<u32> = Vec::new();
    for &c in changed {
      if (c as usize) < hit.len() && !hit[c as usize] {
        hit[c as usize] = true;
        stack.push(c);
      }
    }
    while let Some(v) = stack.pop() {
      for &w in &self.dependents[v as usize] {
        if !hit[w as usize] {
          hit[w as usize] = true;
          stack.push(w);
        }
      }
    }
    hit
  }
}

/// Walks from a node left over by Kahn's algorithm along left-over inputs
/// (each such node has one) until a node repeats: that loop is a cycle.
/// Returned in data-flow order, the first node repeated at the end.
fn find_cycle(deps: &[Vec<u32>], left: &[u32]) -> Vec<u32> {
  let n = deps.len();
  let Some(start) = (0..n).find(|&i| left[i] > 0) else {
    return Vec::new();
  };
  let mut seen_at = vec![usize::MAX; n];
  let mut path: Vec<u32> = Vec::new();
  let mut v = start;
  while seen_at[v] == usize::MAX {
    seen_at[v] = path.len();
    path.push(v as u32);
    // Some input of a left-over node is left over too.
    v = deps[v]
      .iter()
      .map(|&d| d as usize)
      .find(|&d| left[d] > 0)
      .unwrap_or(v);
  }
  // path[seen_at[v]..] follows inputs: reverse it into data-flow order.
  let mut cycle: Vec<u32> = path[seen_at[v]..].to_vec();
  cycle.reverse();
  cycle.push(cycle[0]);
  cycle
}

/// Readiness scheduling: nodes become ready when all their inputs are done;
/// `pop` gives the ready node with the longest critical path (ties: the
/// lower index, so runs are deterministic).
#[derive(Debug)]
pub struct Ready {
  heap: BinaryHeap<(u32, std::cmp::Reverse<u32>)>,
  waiting: Vec<u32>,
  active: Vec<bool>,
}

impl Ready {
  /// A scheduler over the nodes with `active[i]`; the others count as done
  /// (their values are kept from an earlier run).
  pub fn new(dag: &Dag, active: &[bool]) -> Ready {
    let n = dag.len();
    let mut waiting = vec![0u32; n];
    let mut heap = BinaryHeap::new();
    for v in 0..n {
      if !active[v] {
        continue;
      }
      let ds = &dag.deps[v];
      let count = ds
        .iter()
        .enumerate()
        .filter(|&(k, &d)| active[d as usize] && !ds[..k].contains(&d))
        .count() as u32;
      waiting[v] = count;
      if count == 0 {
        heap.push((dag.priority[v], std::cmp::Reverse(v as u32)));
      }
    }
    Ready {
      heap,
      waiting,
      active: active.to_vec(),
    }
  }

  /// The next ready node, if any.
  pub fn pop(&mut self) -> Option<u32> {
    self.heap.pop().map(|(_, std::cmp::Reverse(v))| v)
  }

  /// Marks `node` done (whatever its outcome): dependents whose inputs are
  /// now all done become ready.
  pub fn done(&mut self, dag: &Dag, node: u32) {
    for &w in &dag.dependents[node as usize] {
      let w = w as usize;
      if self.active[w] {
        self.waiting[w] -= 1;
        if self.waiting[w] == 0 {
          self
            .heap
            .push((dag.priority[w], std::cmp::Reverse(w as u32)));
        }
      }
    }
  }
}

/// How a node ended in [`execute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
  /// Not run: not asked for (its value from an earlier run stands).
  Kept,
  /// Ran and succeeded.
  Done,
  /// Ran and failed.
  Failed,
  /// Not run: the input node it names (transitively) failed.
  DepFailed(u32),
  /// Not run: the run was cancelled first.
  Cancelled,
}

/// Runs the nodes with `active[i]` serially: `run(node)` computes one node
/// (its inputs are done) and says whether it succeeded. The nodes run in
/// [`Dag::order`] (planned once per graph, so a run builds no heap): one
/// thread gains nothing from reordering, and every node's inputs come before
/// it. A node whose input failed is not run: it is [`NodeState::DepFailed`]
/// with the failed node at the root. `cancel` is checked before each node.
pub fn execute(
  dag: &Dag,
  active: &[bool],
  cancel: &AtomicBool,
  mut run: impl FnMut(u32) -> bool,
) -> Vec<NodeState> {
  let mut state: Vec<NodeState> = active
    .iter()
    .map(|&a| {
      if a {
        NodeState::Cancelled
      } else {
        NodeState::Kept
      }
    })
    .collect();
  for &v in &dag.order {
    if !active[v as usize] {
      continue;
    }
    if cancel.load(Relaxed) {
      break;
    }
    let failed_input = dag.deps[v as usize]
      .iter()
      .find_map(|&d| match state[d as usize] {
        NodeState::Failed => Some(d),
        NodeState::DepFailed(root) => Some(root),
        _ => None,
      });
    state[v as usize] = match failed_input {
      Some(root) => NodeState::DepFailed(root),
      None if run(v) => NodeState::Done,
      None => NodeState::Failed,
    };
  }
  state
}

#[cfg(test)]
mod tests;
