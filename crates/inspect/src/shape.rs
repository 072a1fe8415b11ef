//! The shapes `Function.prototype.toString` gives, and how each one is
//! wrapped so that it parses as a program holding exactly one expression.

/// What kind of function a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
  /// `x => …`, `async (a) => …`.
  Arrow,
  /// `function …`, `async function …`, `function* …`.
  Function,
  /// Method shorthand as an object or class gives it: `m(x) {}`, `async m() {}`,
  /// `*g() {}`, `get x() {}`, `set x(v) {}`, `[key]() {}`, `#private() {}`.
  Method,
  /// `class …`.
  Class,
  /// `function name() { [native code] }`: no source to analyse.
  Native,
  /// A native source whose name starts with `bound ` (older engines print
  /// bound functions so; Node 20 prints them as plain native sources).
  Bound,
}

impl Kind {
  /// The name JS sees.
  pub fn as_str(self) -> &'static str {
    match self {
      Kind::Arrow => "arrow",
      Kind::Function => "function",
      Kind::Method => "method",
      Kind::Class => "class",
      Kind::Native => "native",
      Kind::Bound => "bound",
    }
  }
}

/// One way to wrap a source: the text before and after it. The suffix starts
/// with a newline so that a trailing `// comment` cannot swallow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
  /// `(SRC\n)`: arrows, functions, classes.
  Paren,
  /// `({SRC\n})`: object methods, getters, setters.
  Object,
  /// `(class{SRC\n})`: private methods (`#m() {}`), which only a class body accepts.
  Class,
}

impl Wrap {
  /// Text before the source.
  pub fn prefix(self) -> &'static str {
    match self {
      Wrap::Paren => "(",
      Wrap::Object => "({",
      Wrap::Class => "(class{",
    }
  }

  /// Text after the source.
  pub fn suffix(self) -> &'static str {
    match self {
      Wrap::Paren => "\n)",
      Wrap::Object => "\n})",
      Wrap::Class => "\n})",
    }
  }
}

/// The wraps to try for `source`, most likely first.
pub fn wraps(source: &str) -> &'static [Wrap] {
  let s = source.trim_start();
  if s.starts_with('#') {
    &[Wrap::Class, Wrap::Paren]
  } else if looks_like_method(s) {
    &[Wrap::Object, Wrap::Class, Wrap::Paren]
  } else {
    &[Wrap::Paren, Wrap::Object, Wrap::Class]
  }
}

/// A quick guess (the parse decides): the source starts with a property
/// name, optionally after `async`/`get`/`set`/`*`, followed by `(`, or with `[`.
fn looks_like_method(s: &str) -> bool {
  if s.starts_with('[') || s.starts_with('*') || s.starts_with('"') || s.starts_with('\'') {
    return true;
  }
  let word_end = |s: &str| {
    s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
      .unwrap_or(s.len())
  };
  let n = word_end(s);
  let (word, rest) = s.split_at(n);
  let rest = rest.trim_start();
  match word {
    "" => false,
    // `function(){}` / `class(){}` / `async(x){}` are ambiguous: the
    // expression reading is tried first.
    "function" | "class" => false,
    "async" | "get" | "set" => {
      let m = word_end(rest);
      // `async function(){}` is a function, not a method named `function`.
      let fn_kw = word == "async" && &rest[..m] == "function";
      (m > 0 && !fn_kw && rest[m..].trim_start().starts_with('('))
        || rest.starts_with('*')
        || rest.starts_with('[')
    }
    _ => rest.starts_with('('),
  }
}

/// `Native` / `Bound` when `source` is `function NAME() { [native code] }`
/// (any spacing), else `None`.
pub fn native_kind(source: &str) -> Option<Kind> {
  let s = source.trim().strip_prefix("function")?;
  let open = s.find('(')?;
  let name = s[..open].trim();
  let rest: String = s[open..].chars().filter(|c| !c.is_whitespace()).collect();
  if rest != "(){[nativecode]}" {
    return None;
  }
  Some(if name.starts_with("bound ") {
    Kind::Bound
  } else {
    Kind::Native
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn native_sources() {
    assert_eq!(
      native_kind("function max() { [native code] }"),
      Some(Kind::Native)
    );
    assert_eq!(
      native_kind("function () { [native code] }"),
      Some(Kind::Native)
    );
    assert_eq!(
      native_kind("function bound f() {\n    [native code]\n}"),
      Some(Kind::Bound)
    );
    assert_eq!(native_kind("function f() { return 1 }"), None);
    assert_eq!(native_kind("x => x"), None);
  }

  #[test]
  fn method_guesses() {
    for m in [
      "m(x){}",
      "async m(){}",
      "get x(){}",
      "set x(v){}",
      "*g(){}",
      "[k](){}",
      "async *g(){}",
      "\"a b\"(){}",
    ] {
      assert!(looks_like_method(m), "{m}");
    }
    for f in [
      "x => x",
      "async x => x",
      "async (x) => x",
      "function f(){}",
      "async function f(){}",
      "(x) => x",
      "class A {}",
    ] {
      assert!(!looks_like_method(f), "{f}");
    }
  }
}
