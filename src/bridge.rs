//! The batched completion path from pool threads back to one JS thread.
//!
//! Each environment (the main thread and every worker_thread) owns one
//! [`Bridge`]: a lock-free queue of [`Completion`]s plus one raw napi
//! threadsafe function. A finished job pushes its completion and calls the
//! threadsafe function only if the `scheduled` flag was clear, so a burst of
//! completions costs one wake-up of the JS thread, and that wake-up settles
//! all of them in one pass (see `task::settle`).
//!
//! The threadsafe function is created weak (unref'd): `task::env` refs it while
//! tasks are pending and unrefs it when none is, so an idle process exits.
//!
//! Bridges are `&'static`: every job holds one, and a reference count would
//! put a contended atomic increment and decrement on every task (the JS
//! thread and the pool threads would bounce its cache line). When an
//! environment is torn down its bridge is disabled and recycled for the next
//! environment; a late completion from a job of the dead environment then
//! carries an id that no slot of the new environment holds, and is dropped.

use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use crossbeam::queue::SegQueue;
use napi::sys;

use crate::error::{NpError, check};

/// A job's result on its way to JS: a number travels inline (the common
/// small result; no allocation), anything else as a boxed conversion that
/// runs on the JS thread.
pub enum ToJs {
  /// Becomes a JS number.
  Number(f64),
  /// Converts itself on the JS thread.
  Boxed(Box<dyn FnOnce(sys::napi_env) -> napi::Result<sys::napi_value> + Send>),
}

impl ToJs {
  /// Wraps any `ToNapiValue` result, inlining `f64`.
  pub fn new<T: napi::bindgen_prelude::ToNapiValue + Send + 'static>(value: T) -> Self {
    let mut slot = Some(value);
    if let Some(n) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<f64>>() {
      return ToJs::Number(n.take().unwrap_or_default());
    }
    let value = slot.take().expect("just set");
    // SAFETY: the closure runs on the JS thread with that thread's env.
    ToJs::Boxed(Box::new(move |env| unsafe { T::to_napi_value(env, value) }))
  }

  /// Creates the JS value. JS thread only.
  ///
  /// # Safety
  /// `env` is the live env of the calling JS thread.
  pub unsafe fn into_js(self, env: sys::napi_env) -> napi::Result<sys::napi_value> {
    match self {
      ToJs::Number(n) => {
        let mut out = ptr::null_mut();
        // SAFETY: caller contract.
        check(unsafe { sys::napi_create_double(env, n, &mut out) })?;
        Ok(out)
      }
      ToJs::Boxed(f) => f(env),
    }
  }
}

/// A finished task on its way to the JS thread.
pub struct Completion {
  /// The task's slot in its environment's registry.
  pub slot: u32,
  /// The task id, which must still hold that slot.
  pub id: u64,
  /// Its value, or the error its Promise rejects with.
  pub outcome: Result<ToJs, NpError>,
}

/// Results an engine worker reported in one `engineFinish` call, for tasks
/// of one environment: the worker's payload (an array, element `k` for the
/// `k`-th outcome of the call) and which tasks it settles or advances.
pub struct WorkerResult {
  /// The worker's serialized results, handed to JS as a Buffer without a copy.
  pub payload: Vec<u8>,
  /// The worker's index in its engine (its port carries any SharedArrayBuffers).
  pub worker: u32,
  /// The tasks it reports, in payload order.
  pub parts: Vec<WorkerPart>,
}

/// One task entry of a [`WorkerResult`].
pub struct WorkerPart {
  /// The task's slot in its environment's registry.
  pub slot: u32,
  /// The task id, which must still hold that slot.
  pub id: u64,
  /// Its element in the payload array.
  pub element: u32,
  /// A worker kind of `task::batch::kind` (part, done or error).
  pub kind: u8,
}

/// What travels on a bridge.
pub enum Message {
  /// A task (or internal Promise) finished.
  Task(Completion),
  /// An engine worker reported results.
  Worker(Box<WorkerResult>),
  /// A task running on an engine worker was cancelled or timed out: JS may
  /// terminate that worker if it still runs the task after a grace period.
  Control {
    /// The engine id.
    engine: u32,
    /// The worker index.
    worker: u32,
    /// The task id.
    task: u64,
  },
}

struct TsfnPtr(sys::napi_threadsafe_function);
// SAFETY: napi threadsafe functions are made to be called from any thread;
// the pointer is only used while the Mutex says the environment is alive.
unsafe impl Send for TsfnPtr {}

/// One environment's completion queue and wake-up handle.
pub struct Bridge {
  queue: SegQueue<Message>,
  scheduled: AtomicBool,
  tsfn: Mutex<Option<TsfnPtr>>,
}

impl Bridge {
  /// Queues a completion and wakes the JS thread unless a wake-up is already
  /// scheduled. Callable from any thread; a no-op after the environment died.
  pub fn push(&self, completion: Completion) {
    self.send(Message::Task(completion));
  }

  /// Queues any [`Message`] (see [`push`](Self::push)).
  pub fn send(&self, message: Message) {
    self.queue.push(message);
    // Load first: while a wake-up is pending, pushes only read the flag.
    if !self.scheduled.load(SeqCst) && !self.scheduled.swap(true, SeqCst) {
      let tsfn = self.tsfn.lock().unwrap_or_else(|e| e.into_inner());
      if let Some(t) = tsfn.as_ref() {
        // SAFETY: the environment is alive while the Option is Some (the
        // cleanup hook clears it under this lock before Node frees the tsfn).
        unsafe {
          sys::napi_call_threadsafe_function(
            t.0,
            ptr::null_mut(),
            sys::ThreadsafeFunctionCallMode::nonblocking,
          );
        }
      }
    }
  }

  /// Whether any message is queued (a wake-up for it may still be on its way).
  pub fn has_queued(&self) -> bool {
    !self.queue.is_empty()
  }

  /// Takes every queued completion. Clears the flag first, so a completion
  /// pushed during the drain schedules a new wake-up rather than being stranded.
  pub fn take_all(&self, mut each: impl FnMut(Message)) {
    self.scheduled.store(false, SeqCst);
    while let Some(c) = self.queue.pop() {
      each(c);
    }
  }

  /// Keeps the event loop alive (`true`) or lets it exit (`false`). JS thread only.
  pub fn set_ref(&self, env: sys::napi_env, keep_alive: bool) {
    let tsfn = self.tsfn.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = tsfn.as_ref() {
      // SAFETY: called on the JS thread of `env`, which owns the tsfn.
      unsafe {
        if keep_alive {
          sys::napi_ref_threadsafe_function(env, t.0);
        } else {
          sys::napi_unref_threadsafe_function(env, t.0);
        }
      }
    }
  }
}

/// Called on the JS thread with the environment's bridge after a wake-up.
pub type OnWake = unsafe fn(sys::napi_env, &Bridge);

struct Context {
  bridge: &'static Bridge,
  on_wake: OnWake,
}

unsafe extern "C" fn call_js(
  env: sys::napi_env,
  _js_cb: sys::napi_value,
  context: *mut c_void,
  _data: *mut c_void,
) {
  if env.is_null() || context.is_null() {
    return; // the environment is being torn down
  }
  // SAFETY: `context` is the `Context` leaked in `install`, freed only in `finalize`.
  let ctx = unsafe { &*(context as *const Context) };
  // A panic must not unwind into Node (that aborts the process); the
  // completions already taken are lost, but the process lives on.
  // SAFETY: we are on the JS thread of `env`.
  let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
    (ctx.on_wake)(env, ctx.bridge)
  }));
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  if !data.is_null() {
    // SAFETY: `data` is the `Context` leaked in `install`; Node calls this once.
    drop(unsafe { Box::from_raw(data as *mut Context) });
  }
}

/// Bridges of dead environments, ready for reuse.
static RECYCLED: Mutex<Vec<&'static Bridge>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_env_cleanup(arg: *mut c_void) {
  // SAFETY: `arg` is the `&'static Bridge` passed in `install`.
  let bridge: &'static Bridge = unsafe { &*(arg as *const Bridge) };
  // No unwinding into Node (see `call_js`).
  let _ = std::panic::catch_unwind(move || {
    bridge.tsfn.lock().unwrap_or_else(|e| e.into_inner()).take();
    while bridge.queue.pop().is_some() {}
    bridge.scheduled.store(false, SeqCst);
    RECYCLED
      .lock()
      .unwrap_or_else(|e| e.into_inner())
      .push(bridge);
  });
}

fn fresh_bridge() -> &'static Bridge {
  let recycled = RECYCLED.lock().unwrap_or_else(|e| e.into_inner()).pop();
  recycled.unwrap_or_else(|| {
    Box::leak(Box::new(Bridge {
      queue: SegQueue::new(),
      scheduled: AtomicBool::new(false),
      tsfn: Mutex::new(None),
    }))
  })
}

/// Creates the environment's bridge: a weak threadsafe function whose
/// wake-ups call `on_wake`.
pub fn install(env: sys::napi_env, on_wake: OnWake) -> napi::Result<&'static Bridge> {
  let bridge = fresh_bridge();
  let context = Box::into_raw(Box::new(Context { bridge, on_wake }));
  let mut name = ptr::null_mut();
  let mut tsfn = ptr::null_mut();
  let label = "napi-parallel:bridge";
  // SAFETY: called on the JS thread during module init with a live env.
  unsafe {
    check(sys::napi_create_string_utf8(
      env,
      label.as_ptr().cast(),
      label.len() as isize,
      &mut name,
    ))?;
    check(sys::napi_create_threadsafe_function(
      env,
      ptr::null_mut(),
      ptr::null_mut(),
      name,
      0,
      1,
      context.cast(),
      Some(finalize),
      context.cast(),
      Some(call_js),
      &mut tsfn,
    ))?;
    check(sys::napi_unref_threadsafe_function(env, tsfn))?;
  }
  *bridge.tsfn.lock().unwrap_or_else(|e| e.into_inner()) = Some(TsfnPtr(tsfn));
  // A late job of a dead environment may have set the flag while the
  // recycled bridge had no threadsafe function; the next push must wake us.
  bridge.scheduled.store(false, SeqCst);
  // Registered after the tsfn, so it runs before Node's own cleanup of it
  // (cleanup hooks run in reverse order of registration).
  let hook_arg = bridge as *const Bridge as *mut c_void;
  // SAFETY: live env; the bridge is `'static`.
  unsafe {
    check(sys::napi_add_env_cleanup_hook(
      env,
      Some(on_env_cleanup),
      hook_arg,
    ))?
  };
  Ok(bridge)
}
