//! `graph()`'s native side (see `lib/graph.js`): a graph's structure is
//! checked and planned once by `napi-parallel-graph` (cycle → the nodes on
//! it, critical-path priorities), the kernels of its nodes are compiled
//! together at that time (through the kernel cache), and a graph whose
//! nodes to run are all kernels runs as ONE task on the pool: every node in
//! readiness order on one pool thread, values passed between nodes as
//! numbers, no JS between nodes. Held tasks (`graphHold`/`graphRelease`)
//! give a graph that JS drives (worker nodes) one TaskHandle.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::{Float64ArraySlice, ToNapiValue, Uint8ArraySlice, Uint32ArraySlice};
use napi::{Env, Result, sys};
use napi_derive::napi;
use napi_parallel_graph::{Dag, GraphError, NodeState, execute};
use napi_parallel_kernel::{Kernel, KernelValue, Mode, compile_cached};

use crate::error::{NpError, check};
use crate::task::{self, TaskArg, TaskSlot};
use crate::typed::copy_to_js_or_throw;

/// A planned graph: its DAG and each node's kernel (`None`: an input, or a
/// node that is not a kernel and runs elsewhere).
struct NativeGraph {
  dag: Dag,
  kernels: Vec<Option<Arc<Kernel>>>,
}

/// A planned graph and the environment that planned it (its address).
struct Entry {
  graph: Arc<NativeGraph>,
  owner: usize,
}

/// Planned graphs by handle; a free list reuses released handles. Each
/// environment that planned a graph has a cleanup hook (`hooked`) that
/// releases its graphs when it is torn down: a worker's FinalizationRegistry
/// never runs then, and its graphs would stay in this process-wide table.
struct Graphs {
  graphs: Vec<Option<Entry>>,
  free: Vec<u32>,
  hooked: Vec<usize>,
}

static GRAPHS: std::sync::Mutex<Graphs> = std::sync::Mutex::new(Graphs {
  graphs: Vec::new(),
  free: Vec::new(),
  hooked: Vec::new(),
});

fn graphs() -> std::sync::MutexGuard<'static, Graphs> {
  // Each update is one push or store: consistent after any panic.
  GRAPHS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The graph `handle` of environment `env` (another environment's handle is not live here).
fn lookup(env: &Env, handle: u32) -> std::result::Result<Arc<NativeGraph>, NpError> {
  graphs()
    .graphs
    .get(handle as usize)
    .and_then(|e| e.as_ref())
    .filter(|e| e.owner == env.raw() as usize)
    .map(|e| e.graph.clone())
    .ok_or_else(|| NpError::invalid_arg_value("handle", "is not a live graph handle"))
}

/// Registers `env`'s cleanup hook, once per environment.
fn hook_env(table: &mut Graphs, env: &Env) {
  let owner = env.raw() as usize;
  if table.hooked.contains(&owner) || table.hooked.try_reserve(1).is_err() {
    return;
  }
  // SAFETY: a live env on its JS thread; the hook's argument is the env's address.
  let status =
    unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(release_env_graphs), owner as *mut _) };
  if status == sys::Status::napi_ok {
    table.hooked.push(owner);
  }
}

/// The environment `arg` is torn down: release its graphs (runs in flight keep theirs).
unsafe extern "C" fn release_env_graphs(arg: *mut std::ffi::c_void) {
  let owner = arg as usize;
  let mut table = graphs();
  let Graphs {
    graphs,
    free,
    hooked,
  } = &mut *table;
  for (h, slot) in graphs.iter_mut().enumerate() {
    if slot.as_ref().is_some_and(|e| e.owner == owner) {
      *slot = None;
      // Reserved when the handle was made (see graph_plan), so this cannot fail.
      free.push(h as u32);
    }
  }
  hooked.retain(|&e| e != owner);
}

/// How many planned graphs are live, in every environment (a test probe).
#[napi(namespace = "internal", catch_unwind)]
pub fn graph_live_count() -> u32 {
  graphs().graphs.iter().filter(|e| e.is_some()).count() as u32
}

/// What `graphPlan` found.
#[napi(object, object_from_js = false)]
pub struct GraphPlan {
  /// The graph's handle for `graphRunAsync`/`graphAffected` (absent with a cycle).
  pub handle: Option<u32>,
  /// The nodes on a cycle in data-flow order, the first repeated at the end
  /// (`[a, b, a]`: a -> b -> a); absent when the graph is a DAG.
  pub cycle: Option<Vec<u32>>,
  /// Each node's critical-path length (nodes on its longest path to a sink).
  pub priority: Option<Vec<u32>>,
  /// 1 where the node's source compiled as a kernel taking its inputs.
  pub kernels: Option<Vec<u8>>,
}

/// Checks and plans a graph: node `i` takes the nodes
/// `deps[offsets[i] .. offsets[i + 1]]` as its arguments, and `sources[i]`
/// is its function's source or op name (null: an input or constant node).
/// Each source is compiled (cached) as a kernel taking that many numbers;
/// one that is not a kernel is marked 0 in `kernels`, not an error. Release
/// the handle with `graphRelease` (lib/graph.js does so when the graph is
/// collected or changed).
#[napi(catch_unwind)]
pub fn graph_plan(
  env: &Env,
  deps: Uint32ArraySlice,
  offsets: Uint32ArraySlice,
  sources: Vec<Option<String>>,
) -> Result<GraphPlan> {
  let n = sources.len();
  let parsed = (|| {
    if offsets.len() != n + 1 {
      return Err(NpError::invalid_arg_value(
        "offsets",
        "must hold one more entry than sources",
      ));
    }
    let mut lists: Vec<Vec<u32>> = crate::alloc::try_vec(n, "the graph's nodes")?;
    for i in 0..n {
      let (lo, hi) = (offsets[i] as usize, offsets[i + 1] as usize);
      if lo > hi || hi > deps.len() {
        return Err(NpError::invalid_arg_value(
          "offsets",
          "must be non-decreasing and within deps",
        ));
      }
      lists.push(deps[lo..hi].to_vec());
    }
    Ok(lists)
  })();
  let lists = parsed.map_err(|e| e.throw(env))?;
  let dag = match Dag::new(lists) {
    Ok(dag) => dag,
    Err(GraphError::Cycle(cycle)) => {
      return Ok(GraphPlan {
        handle: None,
        cycle: Some(cycle),
        priority: None,
        kernels: None,
      });
    }
    Err(e @ GraphError::UnknownNode { .. }) => {
      return Err(NpError::invalid_arg_value("deps", &e.to_string()).throw(env));
    }
  };
  let kernels: Vec<Option<Arc<Kernel>>> = sources
    .iter()
    .enumerate()
    .map(|(i, source)| {
      let source = crate::map::kernel_source(source.as_deref()?).ok()?;
      let n_args = dag.deps(i as u32).len();
      compile_cached(&source, &[], Mode::call(n_args)).ok()
    })
    .collect();
  let priority = (0..n as u32).map(|i| dag.priority(i)).collect();
  let flags = kernels.iter().map(|k| k.is_some() as u8).collect();
  let graph = Some(Entry {
    graph: Arc::new(NativeGraph { dag, kernels }),
    owner: env.raw() as usize,
  });
  let mut table = graphs();
  // Room for the handle on the free list too: releasing it never allocates.
  let room = (table.graphs.len() + 1).saturating_sub(table.free.len());
  if table.free.try_reserve(room).is_err() {
    return Err(NpError::out_of_memory("a graph handle", 8).throw(env));
  }
  hook_env(&mut table, env);
  let handle = match table.free.pop() {
    Some(h) => {
      table.graphs[h as usize] = graph;
      h
    }
    None => {
      if table.graphs.try_reserve(1).is_err() {
        return Err(NpError::out_of_memory("a graph handle", 8).throw(env));
      }
      table.graphs.push(graph);
      (table.graphs.len() - 1) as u32
    }
  };
  Ok(GraphPlan {
    handle: Some(handle),
    cycle: None,
    priority: Some(priority),
    kernels: Some(flags),
  })
}

/// Releases a handle of `graphPlan` (running graphs keep their plan).
/// Unknown or released handles, and other environments' handles, are ignored.
#[napi(catch_unwind)]
pub fn graph_release(env: &Env, handle: u32) {
  let owner = env.raw() as usize;
  let mut table = graphs();
  if let Some(entry) = table.graphs.get_mut(handle as usize)
    && entry.as_ref().is_some_and(|e| e.owner == owner)
  {
    *entry = None;
    table.free.push(handle);
  }
}

/// The nodes to recompute when the nodes with `changed[i] != 0` changed:
/// those and all their dependents, transitively (1 in the result).
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn graph_affected(env: &Env, handle: u32, changed: Uint8ArraySlice) -> Result<Flags> {
  let graph = lookup(env, handle).map_err(|e| e.throw(env))?;
  let changed: Vec<u32> = (0..changed.len() as u32)
    .filter(|&i| changed[i as usize] != 0)
    .collect();
  Ok(Flags(
    graph
      .dag
      .affected(&changed)
      .into_iter()
      .map(u8::from)
      .collect(),
  ))
}

/// One byte per node, returned as a V8-owned `Uint8Array`.
pub struct Flags(Vec<u8>);

impl ToNapiValue for Flags {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    // SAFETY: forwarded from the caller's contract (a live env, JS thread).
    unsafe { copy_to_js_or_throw(env, &value.0) }
  }
}

/// Per-node result kinds of `graphRunAsync`.
mod kind {
  pub const NUMBER: u8 = 0;
  pub const BOOLEAN: u8 = 1;
  pub const UNDEFINED: u8 = 2;
  pub const FAILED: u8 = 3;
  pub const DEP_FAILED: u8 = 4;
  pub const KEPT: u8 = 5;
  pub const CANCELLED: u8 = 6;
}

/// A native run's outcome: `[values, kinds, errors]` in JS.
pub struct GraphOutput {
  values: Vec<f64>,
  kinds: Vec<u8>,
  errors: Vec<(u32, NpError)>,
}

impl ToNapiValue for GraphOutput {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    // SAFETY: forwarded from the caller's contract (a live env, JS thread).
    unsafe {
      let mut out = ptr::null_mut();
      check(sys::napi_create_array_with_length(env, 3, &mut out))?;
      // V8-owned copies (an external buffer is freed only from setImmediate).
      let values = copy_to_js_or_throw(env, &value.values)?;
      check(sys::napi_set_element(env, out, 0, values))?;
      let kinds = copy_to_js_or_throw(env, &value.kinds)?;
      check(sys::napi_set_element(env, out, 1, kinds))?;
      let mut errors = ptr::null_mut();
      check(sys::napi_create_array_with_length(
        env,
        value.errors.len() * 2,
        &mut errors,
      ))?;
      for (k, (node, error)) in value.errors.iter().enumerate() {
        let index = u32::to_napi_value(env, *node)?;
        check(sys::napi_set_element(env, errors, (2 * k) as u32, index))?;
        check(sys::napi_set_element(
          env,
          errors,
          (2 * k + 1) as u32,
          error.to_js(env)?,
        ))?;
      }
      check(sys::napi_set_element(env, out, 2, errors))?;
      Ok(out)
    }
  }
}

/// Runs one node's kernel on its inputs' values; false (and the error kept)
/// if it failed.
fn run_node(
  graph: &NativeGraph,
  node: u32,
  out: &mut GraphOutput,
  args: &mut Vec<f64>,
  cancel: &AtomicBool,
) -> bool {
  let Some(kernel) = &graph.kernels[node as usize] else {
    // Not a kernel: lib/graph.js never activates it; keep its value.
    out.kinds[node as usize] = kind::KEPT;
    return true;
  };
  args.clear();
  args.extend(graph.dag.deps(node).iter().map(|&d| out.values[d as usize]));
  let i = node as usize;
  match napi_parallel_kernel::call_value(kernel, args, &[], cancel) {
    Ok(KernelValue::Number(x)) => {
      out.values[i] = x;
      out.kinds[i] = kind::NUMBER;
      true
    }
    Ok(KernelValue::Boolean(b)) => {
      out.values[i] = f64::from(u8::from(b));
      out.kinds[i] = kind::BOOLEAN;
      true
    }
    Ok(KernelValue::Undefined) => {
      out.values[i] = f64::NAN;
      out.kinds[i] = kind::UNDEFINED;
      true
    }
    Err(e) => {
      out.kinds[i] = kind::FAILED;
      out.errors.push((node, NpError::from(e)));
      false
    }
  }
}

/// A run's inputs, read on the JS thread: the graph, every node's value
/// (copied), the changed nodes and which of them were given.
struct RunInput {
  graph: Arc<NativeGraph>,
  values: Vec<f64>,
  changed: Vec<u32>,
  given: Vec<bool>,
}

fn read_run(
  env: &Env,
  handle: u32,
  values: &[f64],
  dirty: &[u8],
) -> std::result::Result<RunInput, NpError> {
  let graph = lookup(env, handle)?;
  let n = graph.dag.len();
  if values.len() != n || dirty.len() != n {
    return Err(NpError::invalid_arg_value(
      "values",
      &format!("and dirty must hold one entry per node ({n})"),
    ));
  }
  let mut held = crate::alloc::try_vec(n, "the graph's values")?;
  held.extend_from_slice(values);
  let changed: Vec<u32> = (0..n as u32).filter(|&i| dirty[i as usize] != 0).collect();
  let given: Vec<bool> = dirty.iter().map(|&d| d == 2).collect();
  Ok(RunInput {
    graph,
    values: held,
    changed,
    given,
  })
}

/// Runs a graph's kernel nodes (on a pool thread): what depends on the
/// changed nodes, in the planned readiness order.
fn run_graph(input: RunInput, cancel: &AtomicBool) -> GraphOutput {
  let RunInput {
    graph,
    values,
    changed,
    given,
  } = input;
  let n = graph.dag.len();
  let mut active = graph.dag.affected(&changed);
  for (i, a) in active.iter_mut().enumerate() {
    *a &= graph.kernels[i].is_some() && !given[i];
  }
  let mut out = GraphOutput {
    values,
    kinds: vec![kind::KEPT; n],
    errors: Vec::new(),
  };
  let mut args = Vec::with_capacity(8);
  let states = execute(&graph.dag, &active, cancel, |node| {
    run_node(&graph, node, &mut out, &mut args, cancel)
  });
  for (i, s) in states.into_iter().enumerate() {
    match s {
      NodeState::DepFailed(root) => {
        out.kinds[i] = kind::DEP_FAILED;
        out.values[i] = root as f64;
      }
      NodeState::Cancelled => out.kinds[i] = kind::CANCELLED,
      _ => {}
    }
  }
  out
}

/// Runs the kernel nodes of graph `handle` as one task on the pool, in
/// readiness order (critical path first), with `values[i]` as the value of
/// every node not recomputed. `dirty[i]` marks changed nodes: 1, recompute
/// it (if it has a kernel) and all its dependents; 2, its value was given
/// (in `values`): recompute only its dependents. Resolves to
/// `[values, kinds, errors]`: kinds 0 number, 1 boolean, 2 undefined, 3
/// failed (its error follows its index in `errors`), 4 an input failed
/// (`values[i]` = the failed node), 5 kept, 6 cancelled.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn graph_run_async(
  env: &Env,
  task: TaskArg,
  handle: u32,
  values: Float64ArraySlice,
  dirty: Uint8ArraySlice,
) -> Result<TaskSlot> {
  let input = read_run(env, handle, &values, &dirty).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    Ok(run_graph(input, ctx.cancel_flag()))
  })
}

/// Registers a task that JS completes (a graph run with worker nodes):
/// status, cancel, signal and timeout work as for any task. Returns its
/// slot; complete it with `graphFinish`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn graph_hold(env: &Env, task: TaskArg) -> Result<TaskSlot> {
  task::hold::hold(env, task)
}

/// Completes a task of `graphHold` (its handle's value comes from its JS
/// finisher). False if it already ended (cancelled, timed out).
#[napi(catch_unwind)]
pub fn graph_finish(env: &Env, slot: u32, id: f64) -> Result<bool> {
  if !(id >= 0.0 && id.fract() == 0.0 && id <= 9.0e15) {
    return Ok(false);
  }
  task::hold::release(env, slot, id as u64)
}
