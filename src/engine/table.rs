//! The process-wide table of engines (engine workers live in other
//! environments and find their engine by id) and batch tokens.
//!
//! No thread-locals here: the addon's static TLS block is nearly full (a
//! few dozen bytes more and `dlopen` fails with "cannot allocate memory in
//! static TLS block"). The table is lock-free to read (two levels of
//! `OnceLock`), and a worker's token names its engine and worker, so a
//! lookup is an atomic load and the worker's own (uncontended) held list.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex, OnceLock};

use napi_parallel_workq::{Batch, FnTable, WorkQueue};

use super::entry::EngineTask;

/// One engine: its queue and who owns it.
pub struct Engine {
  /// Its id (index in the table + 1).
  pub id: u32,
  /// Batches and counters.
  pub queue: WorkQueue<EngineTask>,
  /// Its functions by fn id (`engineDefine`, `engineFunction`).
  pub functions: FnTable,
  /// The owning environment (`napi_env` as an address), for its cleanup hook.
  pub owner: usize,
  /// Whether the owner's cleanup hook is still registered.
  pub hooked: AtomicBool,
  /// The cleanup hook's argument (0: none).
  pub hook_arg: AtomicUsize,
}

/// Batches held by workers.
pub type HeldBatch = Arc<Batch<EngineTask>>;

const CHUNK: usize = 1024;
const ENGINE_BITS: u32 = 20;
const WORKER_BITS: u32 = 10;
const SEQ_BITS: u32 = 53 - ENGINE_BITS - WORKER_BITS;

/// Most engines a process can create.
pub const MAX_ENGINES: usize = CHUNK * CHUNK - 1;
/// Most worker slots of one engine.
pub const MAX_WORKERS: usize = 1 << WORKER_BITS;

type Chunk = Box<[OnceLock<Arc<Engine>>]>;
static CHUNKS: [OnceLock<Chunk>; CHUNK] = [const { OnceLock::new() }; CHUNK];
static CREATE: Mutex<usize> = Mutex::new(0);
static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

/// Adds an engine; `None` when [`MAX_ENGINES`] exist.
pub fn create(workers: usize, max_queue: usize, owner: usize) -> Option<Arc<Engine>> {
  let mut count = CREATE.lock().unwrap_or_else(|e| e.into_inner());
  if *count >= MAX_ENGINES {
    return None;
  }
  let id = *count as u32 + 1;
  let engine = Arc::new(Engine {
    id,
    queue: WorkQueue::new(workers, max_queue),
    functions: FnTable::new(),
    owner,
    hooked: AtomicBool::new(true),
    hook_arg: AtomicUsize::new(0),
  });
  let chunk =
    CHUNKS[id as usize / CHUNK].get_or_init(|| (0..CHUNK).map(|_| OnceLock::new()).collect());
  let _ = chunk[id as usize % CHUNK].set(engine.clone());
  *count += 1;
  Some(engine)
}

/// The engine `id`, if it exists (closed engines stay: late reports of
/// batches their workers held still find them).
pub fn get(id: u32) -> Option<&'static Arc<Engine>> {
  let id = id as usize;
  if id == 0 || id > MAX_ENGINES {
    return None;
  }
  CHUNKS[id / CHUNK].get()?[id % CHUNK].get()
}

/// A fresh batch token of `engine`: unique among live batches (a sequence
/// that wraps after 2^23 batches), with the engine id in the low bits.
pub fn token(engine: u32) -> u64 {
  let seq = NEXT_SEQ.fetch_add(1, Relaxed) & ((1 << SEQ_BITS) - 1);
  (seq << (ENGINE_BITS + WORKER_BITS)) | engine as u64
}

/// The token a worker names a batch by: the batch's, plus the worker.
pub fn worker_token(batch: &HeldBatch, worker: u32) -> u64 {
  batch.token | (worker as u64) << ENGINE_BITS
}

/// Runs `f` on the engine and the batch that the worker named in `token`
/// holds; `None` if it holds no such batch.
pub fn with_held<R>(token: u64, f: impl FnOnce(&Engine, &HeldBatch) -> R) -> Option<R> {
  let engine = get((token & ((1 << ENGINE_BITS) - 1)) as u32)?;
  let worker = ((token >> ENGINE_BITS) & ((1 << WORKER_BITS) - 1)) as u32;
  let batch_token = token & !((((1 << WORKER_BITS) - 1) as u64) << ENGINE_BITS);
  let batch = engine.queue.held_batch(worker, batch_token)?;
  Some(f(engine, &batch))
}
