//! Binding for `Memo`: a `#[napi]` class wrapping `Arc<MemoCore>` from the
//! napi-free crate `napi-parallel-memo`.
//!
//! The hot paths (`get`, `set`) read keys and primitive values straight off
//! the napi values with raw `napi_*` calls. Objects, arrays, Buffers, typed
//! arrays and bigints are encoded by `lib/memo.js` into one byte string
//! (`setEncoded`); on a hit they are copied into the thread's scratch block
//! that JS decodes, so a `get` allocates nothing natively.
//!
//! No native pointer here points at memory JS owns: the scratch, the
//! generation table and the near-hit counter are native blocks leased from
//! never-freed pools (`napi_parallel_memo::jsmem`) that JS sees through
//! external ArrayBuffers, so detaching or transferring a view, or letting
//! it be collected, cannot leave native code writing into freed memory.

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use napi::bindgen_prelude::{JsValue, Object, Unknown};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;
use napi_parallel_memo::cache::Ttl;
use napi_parallel_memo::format::{self, Prim};
use napi_parallel_memo::jsmem::{self, Lease, ScratchBlock};
use napi_parallel_memo::near::{self, Generations};
use napi_parallel_memo::{Limits, MemoCore, limits, registry};

use crate::alloc::try_room;
use crate::args::ReadOptions;
use crate::args::{callback_args, type_of, with_u8_view};
use crate::error::{NpError, call_guarded, check};

// The scratch layout is part of the wire format (`format`), which the JS
// codec reads through `memoWireFormat()` below.
use format::{
  FLAG_BUFFER, FLAG_DIRECT, FLAG_SCRATCH, SCRATCH_DATA, SCRATCH_FLAG, SCRATCH_NEAR_GEN,
  SCRATCH_NEAR_OK, SCRATCH_NEAR_SLOT,
};

fn key_type_error() -> NpError {
  NpError::invalid_arg_type("key", "of type string, number, bigint or Buffer")
}

thread_local! {
  /// UTF-16 scratch for reading string keys and values (one per JS thread).
  static KEY_UNITS: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
  /// UTF-16 scratch for building string values (one per JS thread).
  static VALUE_UNITS: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
  /// This JS thread's `get` scratch, shared by all its handles: a `get`
  /// fills it and JS reads it before any user code can run, and a `get`
  /// made while a value is decoded reads a copy instead (`lib/memo.js`).
  /// One block per thread, so creating handles in a loop leases nothing.
  static THREAD_SCRATCH: Arc<Lease<ScratchBlock>> = Arc::new(jsmem::scratch());
}

/// Reads the UTF-16 code units of `v` into `units` (exactly, lone
/// surrogates included); false if `v` is not a string.
///
/// # Safety
/// `env` and `v` are live on the calling JS thread.
unsafe fn read_utf16(
  env: sys::napi_env,
  v: sys::napi_value,
  units: &mut Vec<u16>,
  name: &str,
) -> std::result::Result<bool, NpError> {
  units.clear();
  if units.capacity() < 256 {
    try_room(units, 256, name)?;
  }
  let mut len = 0usize;
  // SAFETY: caller contract; the buffer holds `capacity` units.
  let status = unsafe {
    sys::napi_get_value_string_utf16(env, v, units.as_mut_ptr(), units.capacity(), &mut len)
  };
  if status == sys::Status::napi_string_expected {
    return Ok(false);
  }
  check(status)?;
  // napi writes at most capacity - 1 units and a NUL: a full buffer may be cut.
  if len + 1 >= units.capacity() {
    // SAFETY: as above; the first call asks for the length only.
    unsafe {
      check(sys::napi_get_value_string_utf16(
        env,
        v,
        ptr::null_mut(),
        0,
        &mut len,
      ))?;
      try_room(units, len + 1, name)?;
      check(sys::napi_get_value_string_utf16(
        env,
        v,
        units.as_mut_ptr(),
        len + 1,
        &mut len,
      ))?;
    }
  }
  // SAFETY: napi initialised `len` units.
  unsafe { units.set_len(len) };
  Ok(true)
}

/// If `v` is a string, appends its key ([`format::KEY_STR`] + UTF-8, lone
/// surrogates as WTF-8 so that distinct strings stay distinct keys) and
/// returns true. It reads UTF-16 and encodes here: V8's `WriteUtf8` (behind
/// `napi_get_value_string_utf8`) was 15% of a `get` hit under perf, while the
/// UTF-16 copy is a plain widening loop, and ASCII narrows back in one pass.
///
/// # Safety
/// `env` and `v` are live on the calling JS thread.
unsafe fn string_key(
  env: sys::napi_env,
  v: sys::napi_value,
  out: &mut Vec<u8>,
) -> std::result::Result<bool, NpError> {
  KEY_UNITS.with_borrow_mut(|units| {
    // SAFETY: caller contract.
    if !unsafe { read_utf16(env, v, units, "key")? } {
      return Ok(false);
    }
    try_room(out, 1 + units.len().saturating_mul(3), "key")?;
    out.push(format::KEY_STR);
    format::push_wtf8(units, out);
    Ok(true)
  })
}

/// Appends the key bytes of JS value `v` (see `napi_parallel_memo::format`).
///
/// # Safety
/// `env` and `v` are live on the calling JS thread.
unsafe fn key_bytes(
  env: sys::napi_env,
  v: sys::napi_value,
  out: &mut Vec<u8>,
) -> std::result::Result<(), NpError> {
  out.clear();
  // SAFETY: caller contract.
  if unsafe { string_key(env, v, out)? } {
    return Ok(());
  }
  let mut t = 0;
  // SAFETY: caller contract for every napi call below; out-params are valid.
  unsafe {
    check(sys::napi_typeof(env, v, &mut t))?;
    match t {
      sys::ValueType::napi_number => {
        let mut n = 0f64;
        check(sys::napi_get_value_double(env, v, &mut n))?;
        format::num_key(n, out);
      }
      sys::ValueType::napi_bigint => {
        let (mut sign, mut count) = (0i32, 0usize);
        // Node returns the word count only when both `sign` and `words` are null.
        check(sys::napi_get_value_bigint_words(
          env,
          v,
          ptr::null_mut(),
          &mut count,
          ptr::null_mut(),
        ))?;
        let mut words = Vec::new();
        try_room(&mut words, count, "key")?;
        words.resize(count, 0u64);
        check(sys::napi_get_value_bigint_words(
          env,
          v,
          &mut sign,
          &mut count,
          words.as_mut_ptr(),
        ))?;
        format::bigint_key(sign != 0, &words[..count], out);
      }
      sys::ValueType::napi_object => {
        // A detached Buffer reads as empty, as it does in JS (`length` 0).
        with_u8_view(env, v, |bytes| {
          try_room(out, 1 + bytes.len(), "key")?;
          format::bytes_key(bytes, out);
          Ok::<_, NpError>(())
        })
        .ok_or_else(key_type_error)??;
      }
      _ => return Err(key_type_error()),
    }
  }
  Ok(())
}

/// Parses a per-call `ttl` argument (`undefined`: the cache default).
fn ttl_arg(ttl: Option<f64>) -> std::result::Result<Ttl, NpError> {
  Ok(match ttl {
    None => Ttl::Default,
    Some(v) => match limits::ttl("ttl", v)? {
      None => Ttl::Never,
      Some(ms) => Ttl::Ms(ms),
    },
  })
}

/// The options of a `NativeMemo` (`NativeMemo.shared` takes all but `name`).
/// A bad bound is a RangeError `ERR_OUT_OF_RANGE` naming the option.
#[napi(object, object_to_js = false, object_from_js = false)]
#[derive(Debug, Default, Clone)]
pub struct MemoOptions {
  /// At most this many entries, an integer in 1..=2^32.
  /// @default 100000 when `maxBytes` is not given either, else unbounded
  pub max_entries: Option<f64>,
  /// At most this many encoded bytes (key + value), an integer in 1..=2^53. @default unbounded
  pub max_bytes: Option<f64>,
  /// Default time to live in ms of an entry set without one (0 or Infinity: never expires). @default never
  pub ttl: Option<f64>,
  /// The cache's name, reported by `name`. @default null
  pub name: Option<String>,
}

crate::read_options!(MemoOptions {
  max_entries: "maxEntries" => number(),
  max_bytes: "maxBytes" => number(),
  ttl: "ttl" => number(),
  name: "name" => string(),
});

/// Validates the bounds (`crates/memo`'s `ConfigError` becomes the RangeError).
impl TryFrom<&MemoOptions> for Limits {
  type Error = NpError;

  fn try_from(o: &MemoOptions) -> std::result::Result<Self, NpError> {
    Ok(Limits::new(o.max_entries, o.max_bytes, o.ttl)?)
  }
}

fn parse_limits(
  env: &Env,
  opts: Option<Unknown<'_>>,
) -> std::result::Result<(Limits, Option<String>), NpError> {
  let o = MemoOptions::from_arg(env, opts, "options")?;
  Ok((Limits::try_from(&o)?, o.name))
}

/// # Safety
/// `env` is live; `p` is a primitive the binding decodes itself.
unsafe fn prim_to_js(env: sys::napi_env, p: &Prim<'_>) -> sys::napi_value {
  let mut out = ptr::null_mut();
  // SAFETY: caller contract.
  unsafe {
    match p {
      Prim::Undefined | Prim::Complex(_) => sys::napi_get_undefined(env, &mut out),
      Prim::Null => sys::napi_get_null(env, &mut out),
      Prim::Bool(b) => sys::napi_get_boolean(env, *b, &mut out),
      Prim::Num(n) => sys::napi_create_double(env, *n, &mut out),
      Prim::Latin1(b) => {
        sys::napi_create_string_latin1(env, b.as_ptr().cast(), b.len() as isize, &mut out)
      }
      Prim::Utf16(_) => VALUE_UNITS.with_borrow_mut(|units| {
        if try_room(units, p_len(p), "value").is_err() {
          return sys::napi_get_undefined(env, &mut out);
        }
        format::str_units(p, units);
        sys::napi_create_string_utf16(env, units.as_ptr(), units.len() as isize, &mut out)
      }),
    };
  }
  out
}

/// UTF-16 units of a [`Prim::Utf16`] payload.
fn p_len(p: &Prim<'_>) -> usize {
  match p {
    Prim::Utf16(b) => b.len() / 2,
    _ => 0,
  }
}

/// Per-wrapper state behind the raw hot-path functions: the shared core, the
/// key buffer and the scratch block (native memory that is never freed, see
/// `napi_parallel_memo::jsmem`; JS reads it through an external ArrayBuffer
/// whose owner shares the lease).
struct Handle {
  core: Arc<MemoCore>,
  key: RefCell<Vec<u8>>,
  scratch: *mut u8,
  scratch_len: usize,
  _lease: Arc<Lease<ScratchBlock>>,
}

impl Handle {
  /// Tells JS that this hit may be kept in its near cache: a primitive
  /// value without TTL, under a string, number or bigint key.
  fn offer_to_near_cache(&self, key: &[u8], slot: usize, generation: u32) {
    if key.first() == Some(&format::KEY_BYTES) {
      return; // a Buffer key has no identity a JS Map could look up
    }
    // SAFETY: in bounds of the live scratch (see set_flag).
    unsafe {
      *self.scratch.add(SCRATCH_NEAR_OK) = 1;
      ptr::copy_nonoverlapping(
        (slot as u16).to_le_bytes().as_ptr(),
        self.scratch.add(SCRATCH_NEAR_SLOT),
        2,
      );
      ptr::copy_nonoverlapping(
        generation.to_le_bytes().as_ptr(),
        self.scratch.add(SCRATCH_NEAR_GEN),
        4,
      );
    }
  }

  fn set_flag(&self, flag: u8) {
    // SAFETY: the scratch block (SCRATCH_BYTES >= SCRATCH_DATA) is never
    // freed; only this JS thread touches it.
    unsafe { *self.scratch.add(SCRATCH_FLAG) = flag };
  }

  /// Converts a stored value: primitives directly, complex ones into the
  /// scratch (flag 1, returns the length) or a fresh Buffer (flag 2).
  ///
  /// # Safety
  /// `env` is live (this handle's JS thread).
  unsafe fn value_to_js(
    &self,
    env: sys::napi_env,
    bytes: &[u8],
    use_scratch: bool,
  ) -> sys::napi_value {
    let p = format::decode_prim(bytes);
    let Prim::Complex(b) = p else {
      // SAFETY: caller contract.
      return unsafe { prim_to_js(env, &p) };
    };
    let mut out = ptr::null_mut();
    if use_scratch && self.scratch_len >= SCRATCH_DATA + b.len() {
      // SAFETY: in bounds of the live scratch (see set_flag).
      unsafe {
        ptr::copy_nonoverlapping(b.as_ptr(), self.scratch.add(SCRATCH_DATA), b.len());
        sys::napi_create_double(env, b.len() as f64, &mut out);
      }
      self.set_flag(FLAG_SCRATCH);
      return out;
    }
    if use_scratch {
      self.set_flag(FLAG_BUFFER);
    }
    let mut data = ptr::null_mut();
    // SAFETY: caller contract; copies b.
    unsafe { sys::napi_create_buffer_copy(env, b.len(), b.as_ptr().cast(), &mut data, &mut out) };
    out
  }
}

/// Reads up to `N` arguments and this function's `Handle`.
///
/// # Safety
/// Called from a napi callback with its `env` and `info`; `data` was set by `fast`.
unsafe fn cb_args<'a, const N: usize>(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> ([sys::napi_value; N], usize, &'a Handle) {
  // SAFETY: caller contract.
  let (argv, argc, data) = unsafe { callback_args::<N>(env, info) };
  // SAFETY: `data` is the `Rc<Handle>` leaked for this function in `fast`.
  (argv, argc, unsafe { &*(data as *const Rc<Handle>) })
}

/// # Safety
/// `env` is live.
unsafe fn undefined(env: sys::napi_env) -> sys::napi_value {
  let mut u = ptr::null_mut();
  // SAFETY: caller contract.
  unsafe { sys::napi_get_undefined(env, &mut u) };
  u
}

/// # Safety
/// `env` and `v` are live.
unsafe fn opt_f64(
  env: sys::napi_env,
  v: sys::napi_value,
  name: &str,
) -> std::result::Result<Option<f64>, NpError> {
  let mut t = 0;
  // SAFETY: caller contract.
  unsafe {
    sys::napi_typeof(env, v, &mut t);
    match t {
      sys::ValueType::napi_undefined => Ok(None),
      sys::ValueType::napi_number => {
        let mut n = 0f64;
        sys::napi_get_value_double(env, v, &mut n);
        Ok(Some(n))
      }
      _ => Err(NpError::invalid_arg_type(name, "of type number")),
    }
  }
}

/// `get(key)`: the value, undefined on a miss; complex values via the scratch.
unsafe extern "C" fn raw_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
  // SAFETY: napi callback contract.
  unsafe {
    call_guarded(env, || {
      let (argv, _, h) = cb_args::<1>(env, info);
      let mut key = h.key.borrow_mut();
      key_bytes(env, argv[0], &mut key)?;
      // The generation is read before the lookup (see napi_parallel_memo::near).
      let slot = Generations::slot(&key);
      let generation = h.core.generations().get(slot);
      Ok(match h.core.get(&key) {
        Some(e) => {
          let value = h.value_to_js(env, e.value(), true);
          if e.never_expires() && *h.scratch.add(SCRATCH_FLAG) == FLAG_DIRECT {
            h.offer_to_near_cache(&key, slot, generation);
          }
          value
        }
        None => undefined(env),
      })
    })
  }
}

/// `has(key)`.
unsafe extern "C" fn raw_has(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
  // SAFETY: napi callback contract.
  unsafe {
    call_guarded(env, || {
      let (argv, _, h) = cb_args::<1>(env, info);
      let mut key = h.key.borrow_mut();
      key_bytes(env, argv[0], &mut key)?;
      let mut out = ptr::null_mut();
      sys::napi_get_boolean(env, h.core.has(&key), &mut out);
      Ok(out)
    })
  }
}

/// `delete(key)`.
unsafe extern "C" fn raw_delete(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> sys::napi_value {
  // SAFETY: napi callback contract.
  unsafe {
    call_guarded(env, || {
      let (argv, _, h) = cb_args::<1>(env, info);
      let mut key = h.key.borrow_mut();
      key_bytes(env, argv[0], &mut key)?;
      let mut out = ptr::null_mut();
      sys::napi_get_boolean(env, h.core.delete(&key), &mut out);
      Ok(out)
    })
  }
}

/// `set(key, primitive, ttl?)`.
unsafe extern "C" fn raw_set(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
  // SAFETY: napi callback contract.
  unsafe {
    call_guarded(env, || {
      let (argv, _, h) = cb_args::<3>(env, info);
      let ttl = ttl_arg(opt_f64(env, argv[2], "ttl")?)?;
      let value = argv[1];
      let mut t = 0;
      sys::napi_typeof(env, value, &mut t);
      let bytes: Vec<u8> = match t {
        sys::ValueType::napi_undefined => vec![format::TAG_UNDEFINED],
        sys::ValueType::napi_null => vec![format::TAG_NULL],
        sys::ValueType::napi_boolean => {
          let mut b = false;
          sys::napi_get_value_bool(env, value, &mut b);
          vec![if b {
            format::TAG_TRUE
          } else {
            format::TAG_FALSE
          }]
        }
        sys::ValueType::napi_number => {
          let mut n = 0f64;
          sys::napi_get_value_double(env, value, &mut n);
          format::encode_prim(&Prim::Num(n))
        }
        sys::ValueType::napi_string => KEY_UNITS.with_borrow_mut(|units| {
          // Code units, exactly: latin1 bytes or raw UTF-16 (lone surrogates kept).
          read_utf16(env, value, units, "value")?;
          let mut v = Vec::new();
          try_room(&mut v, 1 + units.len().saturating_mul(2), "value")?;
          format::push_str_value(units, &mut v);
          Ok::<_, NpError>(v)
        })?,
        _ => {
          return Err(NpError::invalid_arg_type(
            "value",
            "a primitive (Memo encodes the others)",
          ));
        }
      };
      let mut key = h.key.borrow_mut();
      key_bytes(env, argv[0], &mut key)?;
      h.core.set(&key, bytes.into(), ttl);
      Ok(undefined(env))
    })
  }
}

/// `setEncoded(key, bytes, length, ttl?)`: stores the JS codec's output.
unsafe extern "C" fn raw_set_encoded(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> sys::napi_value {
  // SAFETY: napi callback contract.
  unsafe {
    call_guarded(env, || {
      let (argv, _, h) = cb_args::<4>(env, info);
      let ttl = ttl_arg(opt_f64(env, argv[3], "ttl")?)?;
      let len = opt_f64(env, argv[2], "length")?.unwrap_or(0.0).max(0.0) as usize;
      let value = with_u8_view(env, argv[1], |bytes| {
        let bytes = &bytes[..len.min(bytes.len())];
        let mut value = Vec::new();
        try_room(&mut value, bytes.len(), "encoded")?;
        value.extend_from_slice(bytes);
        Ok::<_, NpError>(value.into_boxed_slice())
      })
      .ok_or_else(|| NpError::invalid_arg_type("encoded", "a Uint8Array"))??;
      let mut key = h.key.borrow_mut();
      key_bytes(env, argv[0], &mut key)?;
      h.core.set(&key, value, ttl);
      Ok(undefined(env))
    })
  }
}

/// `getCopy(key)`: `get` without the scratch (complex values come back as a
/// Buffer of their encoding), for reads made while JS decodes the scratch.
unsafe extern "C" fn raw_get_copy(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> sys::napi_value {
  // SAFETY: napi callback contract.
  unsafe {
    call_guarded(env, || {
      let (argv, _, h) = cb_args::<1>(env, info);
      // A local buffer: `h.key` may be borrowed by the call being decoded.
      let mut key = Vec::with_capacity(64);
      key_bytes(env, argv[0], &mut key)?;
      Ok(match h.core.get(&key) {
        Some(e) => h.value_to_js(env, e.value(), false),
        None => undefined(env),
      })
    })
  }
}

/// A near cache's hit counter and the cache it counts for: dropping it (when
/// JS drops the counter's ArrayBuffer) retires the count into the cache's total.
struct NearHitsOwner(Arc<MemoCore>, Arc<near::Counter>);

impl Drop for NearHitsOwner {
  fn drop(&mut self) {
    self.0.near_hits().retire(&self.1);
  }
}

/// An ArrayBuffer over `len` bytes of native memory at `data`, kept alive by
/// `owner`, which is dropped when JS drops the buffer.
///
/// # Safety
/// `env` is live; `data..data + len` stays valid while `owner` lives.
unsafe fn external_buffer<T>(
  env: sys::napi_env,
  data: *const c_void,
  len: usize,
  owner: T,
) -> sys::napi_value {
  unsafe extern "C" fn drop_owner<T>(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Box<T> leaked below; Node calls this once.
    drop(unsafe { Box::from_raw(hint as *mut T) });
  }
  let owner = Box::into_raw(Box::new(owner));
  let mut buffer = ptr::null_mut();
  // SAFETY: caller contract; the finalizer reclaims `owner`.
  unsafe {
    sys::napi_create_external_arraybuffer(
      env,
      data as *mut c_void,
      len,
      Some(drop_owner::<T>),
      owner.cast(),
      &mut buffer,
    );
  }
  buffer
}

unsafe extern "C" fn finalize_fn(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  // SAFETY: `data` is the Box<Rc<Handle>> leaked for one function in `fast`.
  drop(unsafe { Box::from_raw(data as *mut Rc<Handle>) });
}

/// The native half of `Memo` (use `Memo` from the package root: it adds the
/// value codec for objects, arrays, Buffers, typed arrays and bigints).
/// A handle on a process-wide concurrent cache; `NativeMemo.shared(name)`
/// returns the same cache in every worker_thread.
#[napi]
pub struct NativeMemo {
  core: Arc<MemoCore>,
  name: Option<String>,
}

#[napi]
impl NativeMemo {
  /// A new private cache. `options`: `{ maxEntries?, maxBytes?, ttl?, name? }`;
  /// a bad bound is a RangeError `ERR_OUT_OF_RANGE` naming the option.
  #[napi(catch_unwind, constructor)]
  pub fn new(
    env: &Env,
    #[napi(ts_arg_type = "MemoOptions")] options: Option<Unknown<'_>>,
  ) -> Result<Self> {
    let (limits, name) = parse_limits(env, options).map_err(|e| e.throw(env))?;
    Ok(Self {
      core: MemoCore::new(limits),
      name,
    })
  }

  /// The process-wide cache named `name`, created with `options` on first use;
  /// every worker_thread gets the same native cache for the same name.
  #[napi(catch_unwind, factory)]
  pub fn shared(
    env: &Env,
    #[napi(ts_arg_type = "string")] name: Unknown<'_>,
    #[napi(ts_arg_type = "Omit<MemoOptions, 'name'>")] options: Option<Unknown<'_>>,
  ) -> Result<Self> {
    if type_of(env.raw(), name.raw()) != ValueType::String {
      return Err(NpError::invalid_arg_type("name", "of type string").throw(env));
    }
    // SAFETY: checked to be a string.
    let name: String = unsafe {
      <String as napi::bindgen_prelude::FromNapiValue>::from_napi_value(env.raw(), name.raw())
    }?;
    let (limits, _) = parse_limits(env, options).map_err(|e| e.throw(env))?;
    Ok(Self {
      core: registry::shared(&name, limits),
      name: Some(name),
    })
  }

  /// Forgets the shared cache `name` (handles already obtained keep working); true if it existed.
  #[napi(catch_unwind)]
  pub fn drop_shared(name: String) -> bool {
    registry::remove(&name)
  }

  /// The cache's name (`options.name` or the shared name), or null.
  #[napi(getter, catch_unwind)]
  pub fn name(&self) -> Option<String> {
    self.name.clone()
  }

  /// The hot-path functions, bound to this cache and to this thread's
  /// scratch block: `get(key)` (byte 0 of the scratch: 0 direct, 1 encoded value in
  /// the scratch from byte 8 and the result is its length, 2 the result is a
  /// Buffer of it), `has`, `delete`, `set(key, primitive, ttl?)`,
  /// `setEncoded(key, bytes, length, ttl?)`, `getCopy(key)`. They are plain
  /// napi functions (no class unwrap per call). `scratch` is the thread's
  /// scratch block (16 KiB, shared by every handle of the thread), `generations` the cache's slot generation table (1,024
  /// u32) that the JS near cache validates against, `nearHits` this handle's
  /// near-hit counter (one f64): all native memory that is never freed, so
  /// detaching or transferring them cannot hurt native code. The scratch
  /// layout is in `napi_parallel_memo::format`.
  #[napi(
    catch_unwind,
    ts_return_type = "{ get(key: string | number | bigint | Uint8Array): unknown; has(key: string | number | bigint | Uint8Array): boolean; delete(key: string | number | bigint | Uint8Array): boolean; set(key: string | number | bigint | Uint8Array, value: string | number | boolean | null | undefined, ttl?: number): void; setEncoded(key: string | number | bigint | Uint8Array, encoded: Uint8Array, length: number, ttl?: number): void; getCopy(key: string | number | bigint | Uint8Array): unknown; scratch: ArrayBuffer; generations: ArrayBuffer; nearHits: ArrayBuffer }"
  )]
  pub fn fast<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
    let raw = env.raw();
    // SAFETY: live env and values throughout; every out-param is valid.
    unsafe {
      let lease = THREAD_SCRATCH.with(Arc::clone);
      // Byte 0 (the flag) and 1 (the near-cache offer) start clear.
      ptr::write_bytes(lease.as_ptr(), 0, SCRATCH_DATA);
      let handle = Rc::new(Handle {
        core: self.core.clone(),
        key: RefCell::new(Vec::with_capacity(256)),
        scratch: lease.as_ptr(),
        scratch_len: jsmem::SCRATCH_BYTES,
        _lease: lease.clone(),
      });
      let mut obj = ptr::null_mut();
      sys::napi_create_object(raw, &mut obj);
      type Cb = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;
      let fns: [(&std::ffi::CStr, Cb); 6] = [
        (c"get", raw_get),
        (c"has", raw_has),
        (c"delete", raw_delete),
        (c"set", raw_set),
        (c"setEncoded", raw_set_encoded),
        (c"getCopy", raw_get_copy),
      ];
      for (name, cb) in fns {
        let data = Box::into_raw(Box::new(handle.clone())) as *mut c_void;
        let mut f = ptr::null_mut();
        sys::napi_create_function(
          raw,
          name.as_ptr(),
          usize::MAX as isize,
          Some(cb),
          data,
          &mut f,
        );
        sys::napi_add_finalizer(
          raw,
          f,
          data,
          Some(finalize_fn),
          ptr::null_mut(),
          ptr::null_mut(),
        );
        sys::napi_set_named_property(raw, obj, name.as_ptr(), f);
      }
      let scratch = external_buffer(raw, lease.as_ptr().cast(), jsmem::SCRATCH_BYTES, lease);
      sys::napi_set_named_property(raw, obj, c"scratch".as_ptr(), scratch);
      // The generation table, shared by every thread (the buffer keeps it checked out).
      let generations = self.core.generations().clone();
      let table = external_buffer(
        raw,
        generations.as_ptr().cast(),
        near::SLOTS * 4,
        generations,
      );
      sys::napi_set_named_property(raw, obj, c"generations".as_ptr(), table);
      // This handle's near-hit counter (one f64): native memory, so that
      // `stats()` from any thread can read it; retired when JS drops it.
      let counter = self.core.near_hits().new_counter();
      let hits = external_buffer(
        raw,
        (counter.block() as *const AtomicU64).cast(),
        8,
        NearHitsOwner(self.core.clone(), counter),
      );
      sys::napi_set_named_property(raw, obj, c"nearHits".as_ptr(), hits);
      Ok(Object::from_raw(raw, obj))
    }
  }

  /// Removes every entry (of the shared cache too, for every thread).
  #[napi(catch_unwind)]
  pub fn clear(&self) {
    self.core.clear()
  }

  /// Entries held now.
  #[napi(getter, catch_unwind)]
  pub fn size(&self) -> f64 {
    self.core.len() as f64
  }

  /// Counters: `{ hits, misses, evictions, size, bytes }` (bytes: encoded key + value).
  #[napi(
    catch_unwind,
    ts_return_type = "{ hits: number; misses: number; evictions: number; size: number; bytes: number }"
  )]
  pub fn stats<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
    let s = self.core.stats();
    let mut o = Object::new(env)?;
    o.set("hits", s.hits as f64)?;
    o.set("misses", s.misses as f64)?;
    o.set("evictions", s.evictions as f64)?;
    o.set("size", s.size as f64)?;
    o.set("bytes", s.bytes as f64)?;
    Ok(o)
  }
}

/// The Memo wire format: every value tag and the `get` scratch layout
/// (`napi_parallel_memo::format::WIRE`) as `{ TAG_NULL: 1, ..., SCRATCH_DATA: 8, ... }`.
/// `lib/memo/codec.js` takes its constants from here once at load, so Rust
/// and JS share one definition.
#[napi(catch_unwind, ts_return_type = "Record<string, number>")]
pub fn memo_wire_format(env: &Env) -> Result<Object<'_>> {
  let mut o = Object::new(env)?;
  for &(name, value) in format::WIRE {
    o.set(name, value)?;
  }
  Ok(o)
}
