use super::*;

fn dag(deps: &[&[u32]]) -> Result<Dag, GraphError> {
  Dag::new(deps.iter().map(|d| d.to_vec()).collect())
}

/// A small deterministic generator (xorshift), so the random DAGs repeat.
struct Rng(u64);
impl Rng {
  fn next(&mut self) -> u64 {
    self.0 ^= self.0 << 13;
    self.0 ^= self.0 >> 7;
    self.0 ^= self.0 << 17;
    self.0
  }
}

/// A random DAG: node i takes up to `fan` inputs among the nodes before it.
fn random_deps(rng: &mut Rng, n: usize, fan: u64) -> Vec<Vec<u32>> {
  (0..n)
    .map(|i| {
      if i == 0 {
        return Vec::new();
      }
      let k = rng.next() % (fan + 1);
      (0..k).map(|_| (rng.next() % i as u64) as u32).collect()
    })
    .collect()
}

#[test]
fn a_two_node_cycle_is_named_in_data_flow_order() {
  // 0 takes 1, 1 takes 0.
  let err = dag(&[&[1], &[0]]).unwrap_err();
  let GraphError::Cycle(c) = err else {
    panic!("{err:?}")
  };
  assert_eq!(c.len(), 3);
  assert_eq!(c[0], c[2]);
  assert_ne!(c[0], c[1]);
}

#[test]
fn a_longer_cycle_behind_a_clean_prefix_is_named_exactly() {
  // 0 is a source; 1 takes 0 and 3; 2 takes 1; 3 takes 2: 1 -> 2 -> 3 -> 1.
  let err = dag(&[&[], &[0, 3], &[1], &[2]]).unwrap_err();
  let GraphError::Cycle(c) = err else {
    panic!("{err:?}")
  };
  // Rotate to start at 1 and compare: each node is an input of the next.
  let start = c.iter().position(|&v| v == 1).unwrap();
  let body = &c[..c.len() - 1];
  let rotated: Vec<u32> = (0..body.len())
    .map(|k| body[(start + k) % body.len()])
    .collect();
  assert_eq!(rotated, vec![1, 2, 3]);
  assert_eq!(
    err_text(&[&[], &[0, 3], &[1], &[2]]).matches("->").count(),
    3
  );
}

fn err_text(deps: &[&[u32]]) -> String {
  dag(deps).unwrap_err().to_string()
}

#[test]
fn a_self_loop_is_a_cycle() {
  assert_eq!(dag(&[&[0]]).unwrap_err(), GraphError::Cycle(vec![0, 0]));
}

#[test]
fn an_input_out_of_range_is_unknown() {
  assert_eq!(
    dag(&[&[], &[7]]).unwrap_err(),
    GraphError::UnknownNode { node: 1, dep: 7 }
  );
}

#[test]
fn priority_is_the_critical_path_length() {
  // 0 -> 1 -> 2 -> 3 (chain), 4 alone, 5 takes 0 and 4.
  let g = dag(&[&[], &[0], &[1], &[2], &[], &[0, 4]]).unwrap();
  assert_eq!(g.priority(0), 4);
  assert_eq!(g.priority(3), 1);
  assert_eq!(g.priority(4), 2);
  assert_eq!(g.priority(5), 1);
  // Ready at first: 0 (prio 4) and 4 (prio 2): the long chain starts first.
  assert_eq!(g.order()[0], 0);
}

#[test]
fn order_is_topological_and_complete_on_random_dags() {
  let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
  for round in 0..50 {
    let n = 1 + (rng.next() % 300) as usize;
    let deps = random_deps(&mut rng, n, 1 + round % 5);
    let g = Dag::new(deps.clone()).unwrap();
    let mut pos = vec![usize::MAX; n];
    for (k, &v) in g.order().iter().enumerate() {
      assert_eq!(pos[v as usize], usize::MAX, "node {v} twice");
      pos[v as usize] = k;
    }
    for (v, ds) in deps.iter().enumerate() {
      assert_ne!(pos[v], usize::MAX);
      for &d in ds {
        assert!(pos[d as usize] < pos[v], "input {d} after {v}");
        // A node's critical path is longer than each dependent's.
        assert!(g.priority(d) > g.priority(v as u32));
      }
    }
  }
}

#[test]
fn a_random_dag_with_one_back_edge_reports_a_real_cycle() {
  let mut rng = Rng(12345);
  for _ in 0..30 {
    let n = 2 + (rng.next() % 100) as usize;
    let mut deps = random_deps(&mut rng, n, 3);
    // Chain n-1 to 0 through a path, then close it: 0 takes n-1.
    for (i, d) in deps.iter_mut().enumerate().skip(1) {
      d.push((i - 1) as u32);
    }
    deps[0].push((n - 1) as u32);
    let GraphError::Cycle(c) = Dag::new(deps.clone()).unwrap_err() else {
      panic!()
    };
    assert_eq!(c.first(), c.last());
    for w in c.windows(2) {
      assert!(
        deps[w[1] as usize].contains(&w[0]),
        "{} is not an input of {}",
        w[0],
        w[1]
      );
    }
  }
}

#[test]
fn affected_is_the_changed_nodes_and_their_dependents() {
  // 0 -> 2, 1 -> 2, 2 -> 3, 1 -> 4
  let g = dag(&[&[], &[], &[0, 1], &[2], &[1]]).unwrap();
  assert_eq!(g.affected(&[0]), vec![true, false, true, true, false]);
  assert_eq!(g.affected(&[1]), vec![false, true, true, true, true]);
  assert_eq!(g.affected(&[]), vec![false; 5]);
}

#[test]
fn duplicate_inputs_count_once() {
  let g = dag(&[&[], &[0, 0]]).unwrap();
  assert_eq!(g.order(), &[0, 1]);
  assert_eq!(g.dependents(0), &[1]);
}

#[test]
fn execute_fails_dependents_and_finishes_independent_branches() {
  // 0 fails; 1 takes 0; 2 takes 1; 3 is independent; 4 takes 3.
  let g = dag(&[&[], &[0], &[1], &[], &[3]]).unwrap();
  let mut ran = Vec::new();
  let cancel = AtomicBool::new(false);
  let states = execute(&g, &[true; 5], &cancel, |v| {
    ran.push(v);
    v != 0
  });
  assert_eq!(
    states,
    vec![
      NodeState::Failed,
      NodeState::DepFailed(0),
      NodeState::DepFailed(0),
      NodeState::Done,
      NodeState::Done
    ]
  );
  ran.sort();
  assert_eq!(ran, vec![0, 3, 4]);
}

#[test]
fn execute_runs_only_active_nodes_and_stops_when_cancelled() {
  let g = dag(&[&[], &[0], &[1]]).unwrap();
  let cancel = AtomicBool::new(false);
  let mut ran = Vec::new();
  let states = execute(&g, &[false, true, true], &cancel, |v| {
    ran.push(v);
    true
  });
  assert_eq!(ran, vec![1, 2]);
  assert_eq!(states[0], NodeState::Kept);
  let states = execute(&g, &[true; 3], &cancel, |v| {
    cancel.store(v == 0, Relaxed);
    true
  });
  assert_eq!(
    states,
    vec![NodeState::Done, NodeState::Cancelled, NodeState::Cancelled]
  );
}

#[test]
fn execute_runs_active_nodes_in_the_planned_order_inputs_first() {
  let mut rng = Rng(0x5eed);
  for _ in 0..50 {
    let deps = random_deps(&mut rng, 200, 3);
    let g = Dag::new(deps.clone()).unwrap();
    // Every third node changed: its dependents are active too.
    let changed: Vec<u32> = (0..200).filter(|i| i % 3 == 0).collect();
    let active = g.affected(&changed);
    let cancel = AtomicBool::new(false);
    let mut ran = Vec::new();
    let states = execute(&g, &active, &cancel, |v| {
      ran.push(v);
      true
    });
    let want: Vec<u32> = g
      .order()
      .iter()
      .copied()
      .filter(|&v| active[v as usize])
      .collect();
    assert_eq!(ran, want);
    let mut pos = vec![usize::MAX; 200];
    for (k, &v) in ran.iter().enumerate() {
      pos[v as usize] = k;
    }
    for &v in &ran {
      for &d in &deps[v as usize] {
        if active[d as usize] {
          assert!(pos[d as usize] < pos[v as usize], "input {d} ran after {v}");
        }
      }
    }
    for (i, s) in states.iter().enumerate() {
      let want = if active[i] {
        NodeState::Done
      } else {
        NodeState::Kept
      };
      assert_eq!(*s, want);
    }
  }
}
