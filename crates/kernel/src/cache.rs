//! A bounded cache of compiled kernels, keyed by source text, `params`
//! names, which params are arrays and of what element kind, and entry mode
//! (the same source with a number param and with an array param, or with a
//! `Float64Array` and an `Int8Array`, compiles different code).
//!
//! The store is `quick_cache`'s concurrent cache; a lookup hashes and
//! compares a borrowed key ([`KeyRef`], through `Equivalent`), so a hit
//! allocates nothing. Only a miss builds the owned key.

use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use quick_cache::Equivalent;
use quick_cache::sync::Cache;

use crate::codegen::{self, Kernel, Mode, ParamKind};
use crate::error::KernelError;

/// The owned key: source text, `params` names, their kinds (empty when all
/// are numbers: see [`canonical_kinds`]), entry mode.
type Key = (String, Vec<String>, Vec<ParamKind>, Mode);

/// A borrowed [`Key`]. Its derived `Hash` hashes exactly what the owned
/// tuple's does (`&str` as `String`, `&[T]` as `Vec<T>`), which
/// `Equivalent` requires.
#[derive(Hash)]
struct KeyRef<'a>(&'a str, &'a [String], &'a [ParamKind], Mode);

impl Equivalent<Key> for KeyRef<'_> {
  fn equivalent(&self, key: &Key) -> bool {
    self.0 == key.0 && self.1 == key.1.as_slice() && self.2 == key.2.as_slice() && self.3 == key.3
  }
}

/// One spelling per set of kinds: all numbers (what callers without arrays
/// pass as `&[]`) is the empty slice, so both spellings share an entry.
fn canonical_kinds(kinds: &[ParamKind]) -> &[ParamKind] {
  if kinds.iter().all(|k| *k == ParamKind::Number) {
    &[]
  } else {
    kinds
  }
}

/// A bounded cache of compiled kernels (at most `capacity`; which kernel
/// leaves first is quick_cache's CLOCK-Pro-style choice, so a kernel in
/// steady use stays while one-off kernels pass through).
pub struct KernelCache {
  inner: Cache<Key, Arc<Kernel>>,
}

impl KernelCache {
  /// A cache holding at most `capacity` kernels.
  pub fn new(capacity: usize) -> Self {
    let capacity = capacity.max(1);
    // One shard: the bound is exact (shards would split it), and lookups
    // are rare next to the kernel runs they start.
    let options = quick_cache::OptionsBuilder::new()
      .estimated_items_capacity(capacity)
      .weight_capacity(capacity as u64)
      .shards(1)
      .build()
      .expect("capacity and weight are set");
    Self {
      inner: Cache::with_options(
        options,
        Default::default(),
        Default::default(),
        Default::default(),
      ),
    }
  }

  /// Returns the cached kernel or compiles it. A hit allocates nothing.
  /// Compilation runs outside any lock; two threads racing on the same key
  /// may both compile (the first stored wins).
  pub fn get_or_compile(
    &self,
    source: &str,
    consts: &[String],
    mode: Mode,
  ) -> Result<Arc<Kernel>, KernelError> {
    self.get_or_compile_with(source, consts, &[], mode)
  }

  /// [`Self::get_or_compile`] with each param's kind (`kinds[k]` for
  /// `consts[k]`; empty: all numbers).
  pub fn get_or_compile_with(
    &self,
    source: &str,
    consts: &[String],
    kinds: &[ParamKind],
    mode: Mode,
  ) -> Result<Arc<Kernel>, KernelError> {
    let kinds = canonical_kinds(kinds);
    let key = KeyRef(source, consts, kinds, mode);
    if let Some(k) = self.inner.get(&key) {
      return Ok(k);
    }
    let kernel = Arc::new(compile_with(source, consts, kinds, mode)?);
    if let Some(existing) = self.inner.get(&key) {
      return Ok(existing);
    }
    self.inner.insert(
      (source.to_owned(), consts.to_vec(), kinds.to_vec(), mode),
      kernel.clone(),
    );
    Ok(kernel)
  }

  /// Number of cached kernels.
  pub fn len(&self) -> usize {
    self.inner.len()
  }

  /// True if empty.
  pub fn is_empty(&self) -> bool {
    self.inner.is_empty()
  }

  /// Drops every cached kernel (running tasks keep theirs alive).
  pub fn clear(&self) {
    self.inner.clear();
  }
}

/// Stack for the compiler thread: parsing, lowering and code generation
/// recurse on the kernel's nesting (bounded by the checker).
const COMPILER_STACK: usize = 64 << 20;

/// Parses, checks and compiles without caching. Runs on a helper thread with
/// a large stack, so a deeply nested kernel is an error rather than a stack
/// overflow of the caller (the JS thread): the persistent compiler thread
/// when it is free (no thread start per kernel), else a scoped thread of
/// its own (concurrent compiles never wait for each other).
pub fn compile(source: &str, consts: &[String], mode: Mode) -> Result<Kernel, KernelError> {
  compile_with(source, consts, &[], mode)
}

/// [`compile`] with each param's kind (`kinds[k]` for `consts[k]`; empty:
/// all numbers).
pub fn compile_with(
  source: &str,
  consts: &[String],
  kinds: &[ParamKind],
  mode: Mode,
) -> Result<Kernel, KernelError> {
  if let Some(result) = on_compiler_thread(source, consts, kinds, mode) {
    return result;
  }
  std::thread::scope(|scope| {
    std::thread::Builder::new()
      .name("napi-parallel-compile".into())
      .stack_size(COMPILER_STACK)
      .spawn_scoped(scope, || compile_here_with(source, consts, kinds, mode))
      .map_err(|e| KernelError::Internal(format!("cannot start the compiler thread: {e}")))?
      .join()
      .unwrap_or_else(|_| Err(KernelError::Internal("the kernel compiler panicked".into())))
  })
}

/// A compile job for the persistent compiler thread.
type Job = Box<dyn FnOnce() + Send>;

/// The persistent compiler thread's queue, started on first use (`None`
/// if it could not be started).
fn compiler_thread() -> Option<&'static Mutex<mpsc::Sender<Job>>> {
  static THREAD: OnceLock<Option<Mutex<mpsc::Sender<Job>>>> = OnceLock::new();
  THREAD
    .get_or_init(|| {
      let (tx, rx) = mpsc::channel::<Job>();
      std::thread::Builder::new()
        .name("napi-parallel-compile".into())
        .stack_size(COMPILER_STACK)
        .spawn(move || {
          while let Ok(job) = rx.recv() {
            job();
          }
        })
        .ok()
        .map(|_| Mutex::new(tx))
    })
    .as_ref()
}

/// Starts the compiler thread and compiles a throw-away kernel on it, in the
/// background (once per process): the first real compile then finds the
/// code generator initialised (the ISA, the symbol table, the compiler's
/// code paged in) instead of paying for it.
pub fn prewarm() {
  static ONCE: std::sync::Once = std::sync::Once::new();
  ONCE.call_once(|| {
    let Some(Ok(queue)) = compiler_thread().map(Mutex::lock) else {
      return;
    };
    let job: Job = Box::new(|| {
      let _ = std::panic::catch_unwind(|| {
        compile_here("(x, i) => x * 2 + (i | 0)", &[], Mode::Map { n_inputs: 1 })
      });
    });
    let _ = queue.send(job);
  });
}

/// Runs the compile on the persistent compiler thread if no other compile
/// holds it; `None` if it is busy or gone (the caller starts a thread).
fn on_compiler_thread(
  source: &str,
  consts: &[String],
  kinds: &[ParamKind],
  mode: Mode,
) -> Option<Result<Kernel, KernelError>> {
  let queue = compiler_thread()?.try_lock().ok()?;
  let (reply, result) = mpsc::sync_channel(1);
  let (source, consts, kinds) = (source.to_owned(), consts.to_vec(), kinds.to_vec());
  let job: Job = Box::new(move || {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
      compile_here_with(&source, &consts, &kinds, mode)
    }))
    .unwrap_or_else(|_| Err(KernelError::Internal("the kernel compiler panicked".into())));
    let _ = reply.send(r);
  });
  queue.send(job).ok()?;
  result.recv().ok()
}

/// Parses, checks and compiles on the calling thread.
pub fn compile_here(source: &str, consts: &[String], mode: Mode) -> Result<Kernel, KernelError> {
  compile_here_with(source, consts, &[], mode)
}

/// [`compile_here`] with each param's kind.
pub fn compile_here_with(
  source: &str,
  consts: &[String],
  kinds: &[ParamKind],
  mode: Mode,
) -> Result<Kernel, KernelError> {
  let program = crate::parse::parse_kernel_params(source, consts, kinds, mode)?;
  codegen::compile(&program, mode)
}

/// The process-wide cache (256 kernels).
pub fn global() -> &'static KernelCache {
  static CACHE: OnceLock<KernelCache> = OnceLock::new();
  CACHE.get_or_init(|| KernelCache::new(256))
}

/// Compiles through the process-wide cache.
pub fn compile_cached(
  source: &str,
  consts: &[String],
  mode: Mode,
) -> Result<Arc<Kernel>, KernelError> {
  global().get_or_compile(source, consts, mode)
}

/// [`compile_cached`] with each param's kind (`kinds[k]` for `consts[k]`;
/// empty: all numbers).
pub fn compile_cached_with(
  source: &str,
  consts: &[String],
  kinds: &[ParamKind],
  mode: Mode,
) -> Result<Arc<Kernel>, KernelError> {
  global().get_or_compile_with(source, consts, kinds, mode)
}

#[cfg(test)]
mod tests {
  use std::hash::BuildHasher;

  use super::*;
  use crate::codegen::ElemKind;

  /// Compiles from several threads at once: each runs on the persistent
  /// compiler thread or, while that is busy, on a thread of its own, and
  /// every kernel computes its own result.
  #[test]
  fn concurrent_compiles_all_finish() {
    prewarm();
    let threads: Vec<_> = (0..4)
      .map(|t| {
        std::thread::spawn(move || {
          for k in 0..5 {
            let src = format!("x => x * {t} + {k}");
            let kernel = compile(&src, &[], Mode::call(1)).unwrap();
            let no = std::sync::atomic::AtomicBool::new(false);
            assert_eq!(kernel.call(&[2.0], &[], &no), Ok(2.0 * t as f64 + k as f64));
          }
        })
      })
      .collect();
    for t in threads {
      t.join().unwrap();
    }
    // An error comes back as an error, and the thread goes on.
    assert!(compile("x => 'a'", &[], Mode::call(1)).is_err());
    assert!(compile("x => x", &[], Mode::call(1)).is_ok());
  }

  #[test]
  fn caches_and_bounds() {
    let cache = KernelCache::new(2);
    let m = Mode::Map { n_inputs: 1 };
    let a = cache.get_or_compile("x => x + 1", &[], m).unwrap();
    let b = cache.get_or_compile("x => x + 1", &[], m).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    // The bound holds however many distinct kernels pass through.
    for k in 2..20 {
      cache
        .get_or_compile(&format!("x => x + {k}"), &[], m)
        .unwrap();
      assert!(cache.len() <= 2, "{} kernels cached", cache.len());
    }
    assert!(!cache.is_empty());
    // Different params names, or a different mode → a different kernel.
    let c = cache.get_or_compile("x => x + 1", &[], m).unwrap();
    let d = cache
      .get_or_compile("x => x + 1", &["k".into()], m)
      .unwrap();
    assert!(!Arc::ptr_eq(&c, &d));
    let e = cache
      .get_or_compile("x => x + 1", &[], Mode::call(1))
      .unwrap();
    assert!(!Arc::ptr_eq(&c, &e));
    // Errors are not cached, and leave the cache as it was.
    let before = cache.len();
    assert!(cache.get_or_compile("x => 'a'", &[], m).is_err());
    assert_eq!(cache.len(), before);
    cache.clear();
    assert!(cache.is_empty());
  }

  /// Which params are arrays, and their element kinds, are part of the key:
  /// the same source with a number param, a `Float64Array` and an
  /// `Int8Array` param compiles three kernels; all-number kinds spelled out
  /// share the entry of `&[]`.
  #[test]
  fn param_kinds_are_part_of_the_key() {
    let cache = KernelCache::new(8);
    let m = Mode::Map { n_inputs: 1 };
    let names = ["a".to_string()];
    let num = cache.get_or_compile("x => x + 1", &names, m).unwrap();
    let num2 = cache
      .get_or_compile_with("x => x + 1", &names, &[ParamKind::Number], m)
      .unwrap();
    assert!(Arc::ptr_eq(&num, &num2));
    let f64s = cache
      .get_or_compile_with(
        "x => x + 1",
        &names,
        &[ParamKind::Array(ElemKind::Float64)],
        m,
      )
      .unwrap();
    let i8s = cache
      .get_or_compile_with("x => x + 1", &names, &[ParamKind::Array(ElemKind::Int8)], m)
      .unwrap();
    assert!(!Arc::ptr_eq(&num, &f64s) && !Arc::ptr_eq(&f64s, &i8s));
    assert_eq!(f64s.arrays, [ElemKind::Float64]);
    assert_eq!(i8s.arrays, [ElemKind::Int8]);
    assert!(num.arrays.is_empty());
    // The kinds must match the names.
    assert!(matches!(
      cache.get_or_compile_with(
        "x => x",
        &names,
        &[ParamKind::Number, ParamKind::Array(ElemKind::Int8)],
        m
      ),
      Err(KernelError::Internal(_))
    ));
  }

  /// The borrowed key hashes as the owned one and compares field by field:
  /// what `Equivalent` lookups rely on.
  #[test]
  fn borrowed_keys_hash_and_compare_as_owned() {
    let hasher = std::collections::hash_map::RandomState::new();
    let names = vec!["a".to_string(), "bc".to_string()];
    for (src, consts, mode) in [
      ("x => x", &names[..], Mode::Map { n_inputs: 1 }),
      ("", &[][..], Mode::call(0)),
      ("ab", &names[1..], Mode::Map { n_inputs: 3 }),
    ] {
      let owned: Key = (src.to_string(), consts.to_vec(), Vec::new(), mode);
      let borrowed = KeyRef(src, consts, &[], mode);
      assert_eq!(hasher.hash_one(&owned), hasher.hash_one(&borrowed));
      assert!(borrowed.equivalent(&owned));
    }
    let owned: Key = (
      "x => x".into(),
      names.clone(),
      Vec::new(),
      Mode::Map { n_inputs: 1 },
    );
    assert!(!KeyRef("x => y", &names, &[], Mode::Map { n_inputs: 1 }).equivalent(&owned));
    assert!(!KeyRef("x => x", &names[..1], &[], Mode::Map { n_inputs: 1 }).equivalent(&owned));
    assert!(!KeyRef("x => x", &names, &[], Mode::Map { n_inputs: 2 }).equivalent(&owned));
    let arr = [ParamKind::Number, ParamKind::Array(ElemKind::Int8)];
    assert!(!KeyRef("x => x", &names, &arr, Mode::Map { n_inputs: 1 }).equivalent(&owned));
    let with_kinds: Key = (
      "x => x".into(),
      names.clone(),
      arr.to_vec(),
      Mode::Map { n_inputs: 1 },
    );
    let borrowed = KeyRef("x => x", &names, &arr, Mode::Map { n_inputs: 1 });
    assert_eq!(hasher.hash_one(&with_kinds), hasher.hash_one(&borrowed));
    assert!(borrowed.equivalent(&with_kinds));
    // ("ab", ["c"]) and ("a", ["bc"]) must not collide by concatenation.
    let one = ["c".to_string()];
    let two = ["bc".to_string()];
    assert_ne!(
      hasher.hash_one(KeyRef("ab", &one, &[], Mode::call(1))),
      hasher.hash_one(KeyRef("a", &two, &[], Mode::call(1)))
    );
  }
}
