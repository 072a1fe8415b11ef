//! JS memory an async job uses in place, kept alive by a napi reference
//! ([`RefGuard`]) that is deleted on its JS thread: [`SharedInput`], the
//! splitter's `Uint8Array` over a `SharedArrayBuffer`, and the map's
//! shared inputs and outputs (`crate::map_io`).
//!
//! Why it is sound where a plain Buffer is not: a `SharedArrayBuffer` can be
//! neither detached nor transferred away (`postMessage` shares it, and it has
//! no `transfer()`), and a growable one only grows in place; so its memory
//! lives exactly as long as the object. A strong napi reference to the view
//! keeps the object alive until the job has stopped reading: the reference is
//! dropped with the job (on a pool thread), queued, and deleted on the JS
//! thread by the next splitter call of that environment or by the
//! conversion of the job's result. A plain `ArrayBuffer` could be detached
//! (`transfer()`, `postMessage(…, [buf])`) under the job, and napi cannot
//! forbid that, so its bytes are copied (see `read_input_owned`).
//!
//! Like `splitSync` on a `SharedArrayBuffer` view, the scan reads memory
//! that other threads may write meanwhile: the result then reflects some mix
//! of old and new bytes, as with any reader of shared memory.

use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::{LazyLock, Mutex, MutexGuard};

use napi::sys;

/// Views shorter than this are copied: a copy is cheaper than the reference.
pub const IN_PLACE_MIN: usize = 64 * 1024;

/// The bytes of a `SharedArrayBuffer`-backed `Uint8Array`, read in place by
/// an async job while a napi reference keeps the buffer alive.
pub struct SharedInput {
  data: *const u8,
  len: usize,
  guard: RefGuard,
}

// SAFETY: the bytes are shared memory kept alive by `guard` (see the module
// doc); the guard's reference is only ever deleted on its JS thread.
unsafe impl Send for SharedInput {}
// SAFETY: as above; the job only reads.
unsafe impl Sync for SharedInput {}

impl std::ops::Deref for SharedInput {
  type Target = [u8];
  fn deref(&self) -> &[u8] {
    // SAFETY: `data..data + len` is inside the SharedArrayBuffer, which the
    // reference keeps alive and which cannot be detached or shrunk.
    unsafe { std::slice::from_raw_parts(self.data, self.len) }
  }
}

impl SharedInput {
  /// A `SharedInput` for `value` when it is a `Uint8Array`/`Buffer` of at
  /// least [`IN_PLACE_MIN`] bytes over a `SharedArrayBuffer`; `None` for
  /// anything else (the caller copies it).
  ///
  /// # Safety
  /// `env` and `value` are live, on the JS thread.
  pub unsafe fn from_view(env: sys::napi_env, value: sys::napi_value) -> Option<SharedInput> {
    // SAFETY: caller contract.
    unsafe {
      let (data, len) = shared_view(env, value)?;
      let guard = RefGuard::new(env, value)?;
      Some(SharedInput { data, len, guard })
    }
  }

  /// Deletes the reference now (on the JS thread that made it).
  ///
  /// # Safety
  /// `env` is the live env this input was read in, on its JS thread, and the
  /// job has finished reading.
  pub unsafe fn release_now(self, env: sys::napi_env) {
    // SAFETY: caller contract.
    unsafe { self.guard.release_now(env) }
  }
}

/// Whether `value` is a view [`SharedInput::from_view`] reads in place (a
/// `Uint8Array` of at least [`IN_PLACE_MIN`] bytes over a `SharedArrayBuffer`);
/// makes no reference.
///
/// # Safety
/// `env` and `value` are live, on the JS thread.
pub unsafe fn is_shared_view(env: sys::napi_env, value: sys::napi_value) -> bool {
  // SAFETY: caller contract.
  unsafe { shared_view(env, value) }.is_some()
}

/// The data pointer and length of `value` when it is such a view.
///
/// # Safety
/// `env` and `value` are live, on the JS thread.
unsafe fn shared_view(env: sys::napi_env, value: sys::napi_value) -> Option<(*const u8, usize)> {
  // SAFETY: caller contract.
  let info = unsafe { typed_info(env, value) }?;
  let wanted = info.kind == sys::TypedarrayType::uint8_array
    && info.len >= IN_PLACE_MIN
    && !info.data.is_null()
    // SAFETY: caller contract; `info` read in `env`.
    && unsafe { is_shared(env, &info) };
  wanted.then(|| (info.data.cast_const(), info.len))
}

/// What napi reports of a typed array.
#[derive(Clone, Copy)]
pub struct TypedInfo {
  /// The element type.
  pub kind: sys::napi_typedarray_type,
  /// Its length in elements.
  pub len: usize,
  /// Its first element.
  pub data: *mut u8,
  /// Its (Shared)ArrayBuffer.
  pub buffer: sys::napi_value,
}

/// `value`'s typed-array facts (`None` if it is not a typed array).
///
/// # Safety
/// Live env and value, on the JS thread.
pub unsafe fn typed_info(env: sys::napi_env, value: sys::napi_value) -> Option<TypedInfo> {
  let mut is_typed = false;
  let (mut kind, mut len, mut data, mut buffer, mut offset) =
    (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
  // SAFETY: caller contract; out-params valid.
  unsafe {
    if sys::napi_is_typedarray(env, value, &mut is_typed) != sys::Status::napi_ok
      || !is_typed
      || sys::napi_get_typedarray_info(
        env,
        value,
        &mut kind,
        &mut len,
        &mut data,
        &mut buffer,
        &mut offset,
      ) != sys::Status::napi_ok
    {
      return None;
    }
  }
  Some(TypedInfo {
    kind,
    len,
    data: data.cast(),
    buffer,
  })
}

/// Whether `info`'s buffer is a `SharedArrayBuffer`.
///
/// # Safety
/// Live env, on the JS thread; `info` read in it.
pub unsafe fn is_shared(env: sys::napi_env, info: &TypedInfo) -> bool {
  let mut is_array_buffer = true;
  // SAFETY: caller contract.
  unsafe {
    !info.buffer.is_null()
      && sys::napi_is_arraybuffer(env, info.buffer, &mut is_array_buffer) == sys::Status::napi_ok
      && !is_array_buffer
      && is_shared_array_buffer(env, info.buffer)
  }
}

/// `value instanceof SharedArrayBuffer`.
///
/// # Safety
/// Live env and value, on the JS thread.
pub unsafe fn is_shared_array_buffer(env: sys::napi_env, value: sys::napi_value) -> bool {
  let (mut global, mut ctor) = (ptr::null_mut(), ptr::null_mut());
  let mut yes = false;
  // SAFETY: caller contract; out-params valid.
  unsafe {
    sys::napi_get_global(env, &mut global) == sys::Status::napi_ok
      && sys::napi_get_named_property(env, global, c"SharedArrayBuffer".as_ptr(), &mut ctor)
        == sys::Status::napi_ok
      && sys::napi_instanceof(env, value, ctor, &mut yes) == sys::Status::napi_ok
      && yes
  }
}

/// A strong reference that, dropped on any thread, is deleted later on its
/// JS thread (or forgotten with its environment): [`drain`] deletes the
/// queued ones.
pub struct RefGuard {
  env: usize,
  generation: u64,
  reference: sys::napi_ref,
}

// SAFETY: the reference is only ever used or deleted on its JS thread
// (`value`, `release_now`, `drain`); other threads only queue it.
unsafe impl Send for RefGuard {}
// SAFETY: as above (no method reads it off the JS thread).
unsafe impl Sync for RefGuard {}

impl RefGuard {
  /// A strong reference to `value`; `None` if napi refuses one.
  ///
  /// # Safety
  /// Live env and value, on the JS thread.
  pub unsafe fn new(env: sys::napi_env, value: sys::napi_value) -> Option<RefGuard> {
    // SAFETY: caller contract.
    let generation = unsafe { live_generation(env) }?;
    let mut reference = ptr::null_mut();
    // SAFETY: caller contract; out-param valid.
    if unsafe { sys::napi_create_reference(env, value, 1, &mut reference) } != sys::Status::napi_ok
    {
      return None;
    }
    Some(RefGuard {
      env: env as usize,
      generation,
      reference,
    })
  }

  /// The referenced value (alive: the reference is strong).
  ///
  /// # Safety
  /// `env` is this guard's live env, on its JS thread.
  pub unsafe fn value(&self, env: sys::napi_env) -> Option<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: caller contract: the reference belongs to `env`.
    let status = unsafe { sys::napi_get_reference_value(env, self.reference, &mut value) };
    (status == sys::Status::napi_ok && !value.is_null()).then_some(value)
  }

  /// Deletes the reference now.
  ///
  /// # Safety
  /// `env` is this guard's live env, on its JS thread.
  pub unsafe fn release_now(mut self, env: sys::napi_env) {
    let reference = std::mem::replace(&mut self.reference, ptr::null_mut());
    if !reference.is_null() {
      // SAFETY: caller contract: the reference belongs to `env`.
      unsafe { sys::napi_delete_reference(env, reference) };
    }
  }
}

impl Drop for RefGuard {
  fn drop(&mut self) {
    if self.reference.is_null() {
      return;
    }
    let mut registry = registry();
    // Queued only while its environment lives (a dead one freed it already).
    if registry.live.get(&self.env) == Some(&self.generation) {
      registry.queued.push(Queued {
        env: self.env,
        generation: self.generation,
        reference: self.reference,
      });
    }
  }
}

struct Queued {
  env: usize,
  generation: u64,
  reference: sys::napi_ref,
}

// SAFETY: a queued reference is only deleted on its JS thread (`drain`).
unsafe impl Send for Queued {}

#[derive(Default)]
struct Registry {
  /// Each live environment that made a reference, with its generation (an
  /// env's address may be reused by a later one).
  live: HashMap<usize, u64>,
  next_generation: u64,
  queued: Vec<Queued>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);

fn registry() -> MutexGuard<'static, Registry> {
  REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// The generation of `env`, registering it (and its cleanup hook) the first time.
///
/// # Safety
/// Live env, on its JS thread.
unsafe fn live_generation(env: sys::napi_env) -> Option<u64> {
  let mut registry = registry();
  if let Some(&generation) = registry.live.get(&(env as usize)) {
    return Some(generation);
  }
  // SAFETY: caller contract; the hook's argument is the env's address.
  if unsafe { sys::napi_add_env_cleanup_hook(env, Some(on_env_cleanup), env.cast()) }
    != sys::Status::napi_ok
  {
    return None;
  }
  let generation = registry.next_generation;
  registry.next_generation += 1;
  registry.live.insert(env as usize, generation);
  Some(generation)
}

/// The environment is going away and frees its references itself: forget them.
unsafe extern "C" fn on_env_cleanup(arg: *mut c_void) {
  let mut registry = registry();
  let env = arg as usize;
  registry.live.remove(&env);
  registry.queued.retain(|q| q.env != env);
}

/// Deletes the queued references of `env` (jobs that have ended).
///
/// # Safety
/// Live env, on its JS thread.
pub unsafe fn drain(env: sys::napi_env) {
  let mine: Vec<Queued> = {
    let mut registry = registry();
    if registry.queued.is_empty() {
      return;
    }
    let Some(&generation) = registry.live.get(&(env as usize)) else {
      return;
    };
    let (mine, rest) = std::mem::take(&mut registry.queued)
      .into_iter()
      .partition(|q| q.env == env as usize && q.generation == generation);
    registry.queued = rest;
    mine
  };
  for q in mine {
    // SAFETY: caller contract; the reference belongs to this live env.
    unsafe { sys::napi_delete_reference(env, q.reference) };
  }
}
