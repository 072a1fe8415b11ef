//! Stack bounds for oxc's recursive parser and AST walkers, which recurse
//! once or more per nesting level and cannot be told to stop.
//!
//! Every nesting level of a JS program starts at a token of its own, and
//! [`units`] over-counts tokens without lexing: each non-whitespace ASCII
//! byte that does not continue an identifier or number counts, and so does
//! every non-ASCII byte. So `units(source) × PER_UNIT` bounds the stack the
//! analysis can need, where `PER_UNIT` is the worst stack per unit measured
//! over the constructs that nest per token (`tests::per_unit_bound_holds`).
//! When the calling thread has that much room the analysis runs there;
//! otherwise on a helper thread with a stack that size (its pages are only
//! committed as they are touched).

/// Stack bytes per unit the analysis may use (twice the worst measured).
pub const PER_UNIT: usize = if cfg!(debug_assertions) { 8192 } else { 2048 };
/// Stack for everything that does not scale with nesting.
const BASE: usize = 256 << 10;
/// Largest helper-thread stack (virtual; committed only as used).
pub const MAX_STACK: usize = 1 << 30;

/// Upper bound on the source's tokens (hence on its nesting levels).
pub fn units(source: &str) -> usize {
  let mut n = 0;
  let mut in_word = false;
  for &b in source.as_bytes() {
    let word = b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    if b >= 0x80 || (word && !in_word) || (!word && !b.is_ascii_whitespace()) {
      n += 1;
    }
    in_word = word;
  }
  n
}

/// Stack bytes the analysis of `source` may need.
pub fn needed(source: &str) -> usize {
  units(source).saturating_mul(PER_UNIT).saturating_add(BASE)
}

/// Stack of the persistent helper thread (virtual; pages are committed as used).
pub const HELPER_STACK: usize = 64 << 20;

/// Runs `f(source)` here if this thread's stack has room for it, else on
/// the persistent helper thread when its stack is large enough and it is
/// free (no thread start per call), else on a thread of its own with
/// enough stack.
pub fn run_bounded<T: Send + 'static>(
  source: &str,
  f: fn(&str) -> Result<T, crate::InspectError>,
) -> Result<T, crate::InspectError> {
  let need = needed(source);
  if need <= remaining() {
    return f(source);
  }
  if need > MAX_STACK {
    return Err(crate::InspectError::TooDeep);
  }
  if need <= HELPER_STACK
    && let Some(r) = on_helper(source, f)
  {
    return r;
  }
  std::thread::scope(|scope| {
    let handle = std::thread::Builder::new()
      .name("napi-parallel-inspect".into())
      .stack_size(need)
      .spawn_scoped(scope, || f(source))
      .map_err(|e| crate::InspectError::Thread(e.to_string()))?;
    match handle.join() {
      Ok(r) => r,
      Err(payload) => std::panic::resume_unwind(payload),
    }
  })
}

type Job = Box<dyn FnOnce() + Send>;

/// The persistent helper thread's queue, started on first use (`None` if it could not start).
fn helper() -> Option<&'static std::sync::Mutex<std::sync::mpsc::Sender<Job>>> {
  static THREAD: std::sync::OnceLock<Option<std::sync::Mutex<std::sync::mpsc::Sender<Job>>>> =
    std::sync::OnceLock::new();
  THREAD
    .get_or_init(|| {
      let (tx, rx) = std::sync::mpsc::channel::<Job>();
      std::thread::Builder::new()
        .name("napi-parallel-inspect".into())
        .stack_size(HELPER_STACK)
        .spawn(move || {
          while let Ok(job) = rx.recv() {
            job();
          }
        })
        .ok()
        .map(|_| std::sync::Mutex::new(tx))
    })
    .as_ref()
}

/// `f(source)` on the helper thread; `None` when it is busy (another
/// caller holds it) or unavailable.
fn on_helper<T: Send + 'static>(
  source: &str,
  f: fn(&str) -> Result<T, crate::InspectError>,
) -> Option<Result<T, crate::InspectError>> {
  let queue = helper()?.try_lock().ok()?;
  let (reply, result) = std::sync::mpsc::sync_channel(1);
  let source = source.to_owned();
  let job: Job = Box::new(move || {
    let r = std::panic::catch_unwind(|| f(&source)).unwrap_or_else(|_| {
      Err(crate::InspectError::Thread(
        "the inspection panicked".into(),
      ))
    });
    let _ = reply.send(r);
  });
  queue.send(job).ok()?;
  result.recv().ok()
}

/// An address in the caller's frame.
#[inline(never)]
fn approx_sp() -> usize {
  let marker = 0u8;
  std::hint::black_box(&marker) as *const u8 as usize
}

/// The lowest address of this thread's stack (0 when unknown).
#[cfg(target_os = "linux")]
fn stack_low() -> usize {
  thread_local! {
    static LOW: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
  }
  LOW.with(|low| {
    if low.get() == usize::MAX {
      let mut v = 0;
      // SAFETY: pthread_getattr_np fills `attr` for the calling thread; it is destroyed after use.
      unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0 {
          let mut addr: *mut libc::c_void = std::ptr::null_mut();
          let mut size: libc::size_t = 0;
          if libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0 {
            v = addr as usize;
          }
          libc::pthread_attr_destroy(&mut attr);
        }
      }
      low.set(v);
    }
    low.get()
  })
}

#[cfg(not(target_os = "linux"))]
fn stack_low() -> usize {
  0
}

/// Bytes of stack left below the caller (with a 64 KiB guard margin); 0 when unknown.
pub fn remaining() -> usize {
  let low = stack_low();
  let sp = approx_sp();
  if low == 0 || sp <= low {
    return 0;
  }
  (sp - low).saturating_sub(64 << 10)
}

#[cfg(test)]
mod tests {
  use super::*;

  /// Sources that nest once per few tokens, each built with `n` levels.
  pub(crate) fn deep_sources(n: usize) -> Vec<(&'static str, String)> {
    let r = |s: &str, k: usize| s.repeat(k);
    vec![
      ("!", format!("x => {}x", r("!", n))),
      ("-", format!("x => {}x", r("- ", n))),
      ("typeof", format!("x => {}x", r("typeof ", n))),
      ("void", format!("x => {}x", r("void ", n))),
      ("await", format!("async x => {}x", r("await ", n))),
      ("new", format!("x => {}x", r("new ", n))),
      ("(", format!("x => {}x{}", r("(", n), r(")", n))),
      ("[", format!("x => {}x{}", r("[", n), r("]", n))),
      ("{a:", format!("x => {}x{}", r("({a:", n), r("})", n))),
      ("{", format!("x => {}{}", r("{", n), r("}", n))),
      ("f(", format!("x => {}x{}", r("f(", n), r(")", n))),
      ("a[", format!("x => {}x{}", r("a[", n), r("]", n))),
      ("...", format!("x => {}x{}", r("[...", n), r("]", n))),
      ("?:", format!("x => {}1", r("x ? 1 : ", n))),
      ("**", format!("x => x{}", r("**x", n))),
      ("=", format!("x => {{ let a; {}1 }}", r("a=", n))),
      ("+=", format!("x => {{ let a; {}1 }}", r("a+=", n))),
      ("+", format!("x => x{}", r("+x", n))),
      ("||", format!("x => x{}", r("||x", n))),
      ("??", format!("x => x{}", r("??x", n))),
      (".", format!("x => x{}", r(".a", n))),
      ("?.", format!("x => x{}", r("?.a", n))),
      ("()", format!("x => x{}", r("()", n))),
      ("``", format!("x => x{}", r("``", n))),
      ("${", format!("x => {}x{}", r("`${", n), r("}`", n))),
      ("=>", format!("x => {}x", r("x=>", n))),
      ("async=>", format!("x => {}x", r("async x=>", n))),
      ("if", format!("x => {{ {}return 1 }}", r("if(x)", n))),
      (
        "else",
        format!("x => {{ if(x){{}} {}return 1 }}", r("else if(x){}", n)),
      ),
      ("while", format!("x => {{ {}x }}", r("while(x)", n))),
      ("for", format!("x => {{ {}x }}", r("for(;;)", n))),
      (
        "do",
        format!("x => {{ {}x;{} }}", r("do ", n), r(" while(x);", n)),
      ),
      ("label", format!("x => {{ {}x }}", r("a:", n))),
      (
        "function",
        format!("x => {}x{}", r("function(){return ", n), r("}", n)),
      ),
      (
        "class",
        format!("x => {}x{}", r("class{m(){return ", n), r("}}", n)),
      ),
      ("[[x]]", format!("({}x{}) => 1", r("[", n), r("]", n))),
      ("{a:{}}", format!("({}x{}) => 1", r("{a:", n), r("}", n))),
      (
        "[a]=",
        format!("x => {{ {}x{} }}", r("[", n), r("]", n) + "=x"),
      ),
      (
        "try",
        format!("x => {{ {}x{} }}", r("try{", n), r("}finally{}", n)),
      ),
      (
        "switch",
        format!("x => {}x{}", r("{switch(x){case 1:", n), r("}}", n)),
      ),
    ]
  }

  const PATTERN: u64 = 0x5A5A_A5A5_5A5A_A5A5;

  /// Stack bytes `f` uses, measured by painting this thread's free stack
  /// and finding the lowest overwritten word afterwards.
  fn stack_used(f: impl FnOnce()) -> usize {
    let low = stack_low() + (64 << 10);
    let top = approx_sp() - (16 << 10);
    assert!(low > 64 << 10 && top > low);
    // SAFETY: [low, top) is this thread's mapped, unused stack below the
    // caller's frames (64 KiB above the guard, 16 KiB below the caller).
    unsafe {
      let mut a = low;
      while a < top {
        std::ptr::write_volatile(a as *mut u64, PATTERN);
        a += 8;
      }
    }
    f();
    let mut a = low;
    // SAFETY: as above; reading back the painted words.
    while a < top && unsafe { std::ptr::read_volatile(a as *const u64) } == PATTERN {
      a += 8;
    }
    top - a
  }

  /// The analysis of every deep construct stays within `units × PER_UNIT / 2`.
  #[test]
  fn per_unit_bound_holds() {
    let n = if cfg!(debug_assertions) { 1500 } else { 4000 };
    let stack = 64 << 20;
    let report = std::thread::Builder::new()
      .stack_size(stack)
      .spawn(move || {
        let mut worst = (0.0f64, "");
        for (name, src) in deep_sources(n) {
          let mut ok = false;
          let used = stack_used(|| ok = crate::inspect_here(&src).is_ok());
          assert!(ok, "{name}: {:?}", crate::inspect_here(&src).err());
          let per_unit = used as f64 / units(&src) as f64;
          eprintln!("{name:>10}: {used:>10} bytes, {per_unit:>7.1} per unit");
          if per_unit > worst.0 {
            worst = (per_unit, name);
          }
        }
        worst
      })
      .unwrap()
      .join()
      .unwrap();
    eprintln!(
      "worst: {:.1} bytes per unit ({}), PER_UNIT = {PER_UNIT}",
      report.0, report.1
    );
    assert!(report.0 * 2.0 <= PER_UNIT as f64, "{report:?}");
  }

  #[test]
  fn units_over_count_tokens() {
    assert_eq!(units("typeof  typeof x"), 3);
    assert_eq!(units("a+=b"), 4);
    assert_eq!(units("é"), 2);
    assert_eq!(units("\t\n "), 0);
  }
}
