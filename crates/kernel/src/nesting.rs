//! The one nesting budget every recursive pass of the compiler shares.
//!
//! Four passes recurse on a kernel's nesting: oxc's parser, the checker /
//! lowering ([`crate::lower`]), code generation ([`crate::codegen`]) and the
//! `Drop` of the IR. All of them run on the compiler thread
//! ([`crate::cache::compile`], 64 MiB of stack), and each is bounded here:
//!
//! - **Parsing** is oxc's, which recurses once per nested unary operator,
//!   `**`, `?:`, assignment, arrow, `if`/`else`/loop/label and bracket, and
//!   cannot be told to stop. So [`prescan`] bounds the input *before* it is
//!   parsed: a linear scan that over-estimates how deep the parser can
//!   recurse (it counts every operator and statement keyword still open at
//!   each bracket level, and forgets them only where the grammar guarantees
//!   the parser has returned: `,` `;` and statement ends). Past
//!   [`MAX_SCAN_NESTING`] the kernel is rejected. The estimate never
//!   under-counts; sources it cannot lex with certainty (strings, template
//!   literals, regular expressions, none of which a kernel may use) are
//!   scanned again with no forgetting at all, a plain count of every
//!   operator, keyword and bracket.
//! - **Checking and lowering** count one level per AST expression and
//!   statement against [`MAX_NESTING`].
//! - **Code generation, the IR walks and the IR's `Drop`** recurse on the IR,
//!   which is at most two levels per checked AST level (`a += b` is
//!   `Assign(Bin(…))`), so they are bounded by `2 × MAX_NESTING`.
//!
//! The oxc AST lives in an arena that is freed without recursion.
//!
//! Every rejection says "nested too deeply" and carries the line and column.

use crate::error::KernelError;

/// Deepest expression/statement nesting the checker accepts (AST levels).
pub const MAX_NESTING: u32 = 400;

/// Largest parser-nesting estimate [`prescan`] lets through. The estimate
/// counts operators rather than AST levels, so it is larger than
/// [`MAX_NESTING`] (an expression without brackets nests at least one AST
/// level per precedence class of its operators, about 16): anything the
/// checker would accept passes the scan. At this estimate oxc's parser
/// needs well under 16 MiB of stack for any construct (tested), a quarter
/// of the compiler thread's.
pub const MAX_SCAN_NESTING: u32 = MAX_NESTING * 16;

/// The error for nesting past a budget, at byte `offset` of `source`.
pub fn too_deep(source: &str, offset: u32, limit: u32) -> KernelError {
  KernelError::unsupported(
    source,
    offset,
    format!("nested too deeply for a kernel (more than {limit} levels)"),
  )
}

/// Checks that oxc's parser can parse `source` without recursing past the
/// budget. `Err` is the "nested too deeply" error at the offending token.
pub fn prescan(source: &str) -> Result<(), KernelError> {
  match scan(source.as_bytes(), true) {
    Scan::Within => Ok(()),
    Scan::TooDeep(at) => Err(too_deep(source, at, MAX_SCAN_NESTING)),
    Scan::Unsure => match scan(source.as_bytes(), false) {
      Scan::TooDeep(at) => Err(too_deep(source, at, MAX_SCAN_NESTING)),
      _ => Ok(()),
    },
  }
}

enum Scan {
  Within,
  TooDeep(u32),
  /// The source has something the exact scan cannot lex with certainty.
  Unsure,
}

/// What the previous token was, as far as the scan needs it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
  /// Start of a bracket level, an operator or a keyword: `/` here would
  /// start a regular expression, and an identifier here continues.
  Other,
  /// The end of an operand: an identifier, a number, `)` (not of a control
  /// statement's head), `]`.
  OperandEnd,
  /// `}`: ends an operand or a block; `/` after it may start a regex.
  Brace,
}

/// Open constructs at one bracket level.
#[derive(Default, Clone, Copy)]
struct Level {
  /// Expression-level operators whose operand may still be being parsed.
  expr: u32,
  /// Statement-level prefixes (`if`, `else`, loops, labels) still open.
  stmt: u32,
  /// `(` of `if (…)`, `while (…)`, `for (…)` and the like.
  control: bool,
}

/// Weight of one bracket level in the estimate: oxc's parser goes through
/// about ten functions per `(`, against two or three per operator.
const BRACKET_WEIGHT: u32 = 4;

const STMT_KEYWORDS: &[&[u8]] = &[b"if", b"else", b"for", b"while", b"do", b"with"];
/// Words that continue a statement after its body ended (`if … else`,
/// `do … while`, `try … catch … finally`): statement prefixes stay open.
const CONTINUATIONS: &[&[u8]] = &[b"else", b"while", b"catch", b"finally"];
/// Words before a `(` whose `)` does not end an operand.
const CONTROL_HEADS: &[&[u8]] = &[
  b"if", b"while", b"for", b"with", b"await", b"switch", b"catch",
];
/// Keywords that are operators (they never end an operand, and an
/// identifier after them does not end the expression).
const OPERATOR_KEYWORDS: &[&[u8]] = &[
  b"in",
  b"instanceof",
  b"of",
  b"typeof",
  b"void",
  b"delete",
  b"new",
  b"await",
  b"yield",
  b"async",
];
/// Words after which `/` would start a regular expression.
const RESERVED: &[&[u8]] = &[
  b"if",
  b"else",
  b"for",
  b"while",
  b"do",
  b"with",
  b"return",
  b"throw",
  b"case",
  b"default",
  b"break",
  b"continue",
  b"let",
  b"const",
  b"var",
  b"function",
  b"class",
  b"extends",
  b"this",
  b"super",
  b"true",
  b"false",
  b"null",
  b"get",
  b"set",
  b"static",
];

/// An ASCII identifier byte. Non-ASCII bytes are never part of a word: the
/// exact scan gives up on them, the plain count ignores them.
fn is_ident_byte(b: u8) -> bool {
  b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// JS white space and line terminators within ASCII.
fn is_space(b: u8) -> bool {
  matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Skips white space and comments from `i`.
fn skip_trivia(s: &[u8], mut i: usize) -> usize {
  loop {
    while i < s.len() && is_space(s[i]) {
      i += 1;
    }
    if i + 1 < s.len() && s[i] == b'/' && s[i + 1] == b'/' {
      while i < s.len() && s[i] != b'\n' && s[i] != b'\r' {
        i += 1;
      }
    } else if i + 1 < s.len() && s[i] == b'/' && s[i + 1] == b'*' {
      i += 2;
      while i + 1 < s.len() && !(s[i] == b'*' && s[i + 1] == b'/') {
        i += 1;
      }
      i = (i + 2).min(s.len());
    } else {
      return i;
    }
  }
}

/// The word starting at the next token at or after `i`.
fn next_word(s: &[u8], i: usize) -> &[u8] {
  let start = skip_trivia(s, i);
  let mut end = start;
  while end < s.len() && is_ident_byte(s[end]) {
    end += 1;
  }
  &s[start..end]
}

/// `exact`: lex comments, apply the forgetting rules, and report `Unsure`
/// at the first string, template, possible regex, backslash or non-ASCII
/// byte outside a comment. Otherwise: count every operator character,
/// keyword and opening bracket; forget nothing, skip nothing.
fn scan(s: &[u8], exact: bool) -> Scan {
  let mut levels: Vec<Level> = vec![Level::default()];
  let mut total: u32 = 0; // Σ (expr + stmt) + BRACKET_WEIGHT × bracket depth
  let mut prev = Prev::Other;
  let mut prev_word: &[u8] = b"";
  let mut i = 0usize;
  let n = s.len();
  macro_rules! add {
    ($field:ident, $at:expr, $w:expr) => {{
      let top = levels.last_mut().expect("level 0 is never popped");
      top.$field += $w;
      total += $w;
      if total > MAX_SCAN_NESTING {
        return Scan::TooDeep($at as u32);
      }
    }};
  }
  // Forgets the open constructs of the current level.
  fn forget(levels: &mut [Level], total: &mut u32, stmt_too: bool) {
    let top = levels.last_mut().expect("level 0 is never popped");
    *total -= top.expr;
    top.expr = 0;
    if stmt_too {
      *total -= top.stmt;
      top.stmt = 0;
    }
  }
  while i < n {
    if exact {
      i = skip_trivia(s, i);
      if i >= n {
        break;
      }
    }
    let b = s[i];
    if !exact && (is_space(b) || b >= 0x80) {
      i += 1;
      continue;
    }
    if is_ident_byte(b) {
      let start = i;
      while i < n && is_ident_byte(s[i]) {
        i += 1;
      }
      let word = &s[start..i];
      let is_number = b.is_ascii_digit();
      if !exact {
        if !is_number && (STMT_KEYWORDS.contains(&word) || OPERATOR_KEYWORDS.contains(&word)) {
          add!(expr, start, 1);
        }
        continue;
      }
      // `x.if` is a property name (the `.` left `prev` at Other).
      let after_dot = s[..start].trim_ascii_end().ends_with(b".");
      let keyword = !is_number && !after_dot;
      if keyword && OPERATOR_KEYWORDS.contains(&word) {
        add!(expr, start, 1);
        prev = Prev::Other;
        prev_word = word;
        continue;
      }
      // An operand right after an operand end cannot continue the
      // expression: the statement ended (ASI), or parsing stops there.
      // Statement prefixes end with it too, unless a continuation (`else`,
      // the `while` of a `do`, `catch`, `finally`) follows.
      if prev != Prev::Other {
        let continues = keyword && CONTINUATIONS.contains(&word);
        forget(&mut levels, &mut total, !continues);
      }
      if keyword && STMT_KEYWORDS.contains(&word) {
        add!(stmt, start, 1);
      }
      prev = if keyword && RESERVED.contains(&word) {
        Prev::Other
      } else {
        Prev::OperandEnd
      };
      prev_word = word;
      continue;
    }
    match b {
      b'(' | b'[' | b'{' => {
        total += BRACKET_WEIGHT;
        if total > MAX_SCAN_NESTING {
          return Scan::TooDeep(i as u32);
        }
        if exact {
          let control = b == b'(' && CONTROL_HEADS.contains(&prev_word);
          levels.push(Level {
            control,
            ..Level::default()
          });
        }
        prev = Prev::Other;
        i += 1;
      }
      b')' | b']' | b'}' if exact => {
        let mut control = false;
        if levels.len() > 1 {
          let top = levels.pop().expect("checked");
          total -= top.expr + top.stmt + BRACKET_WEIGHT;
          control = top.control;
        }
        prev = match b {
          b'}' => Prev::Brace,
          _ if control => Prev::Other,
          _ => Prev::OperandEnd,
        };
        i += 1;
      }
      b'\'' | b'"' | b'`' | b'\\' if exact => return Scan::Unsure,
      b'/' if exact && prev != Prev::OperandEnd => return Scan::Unsure,
      _ if exact && (b >= 0x80 || !b.is_ascii_graphic()) => return Scan::Unsure,
      b';' if exact => {
        i += 1;
        let next = next_word(s, i);
        forget(&mut levels, &mut total, !CONTINUATIONS.contains(&next));
        prev = Prev::Other;
      }
      b',' if exact => {
        forget(&mut levels, &mut total, false);
        prev = Prev::Other;
        i += 1;
      }
      b':' if exact => {
        add!(stmt, i, 1);
        prev = Prev::Other;
        i += 1;
      }
      b'.' if exact && !(i + 2 < n && s[i + 1] == b'.' && s[i + 2] == b'.') => {
        // Member access (`a.b.c` is parsed in a loop), or a number `.5`.
        prev = Prev::Other;
        i += 1;
      }
      _ => {
        // An operator (multi-character operators count once per
        // character: an over-estimate), or anything else in the plain count.
        add!(expr, i, 1);
        prev = Prev::Other;
        i += 1;
      }
    }
    prev_word = b"";
  }
  Scan::Within
}

#[cfg(test)]
mod tests {
  use super::*;

  fn deep(src: &str) -> bool {
    prescan(src).is_err()
  }

  #[test]
  fn ordinary_kernels_pass() {
    assert!(!deep("x => x * 2 + 1"));
    assert!(!deep(
      "(x, i) => { let s = 0\n for (let k = 0; k < 10; k++) { s += Math.sin(k * x) }\n return s / 2 }"
    ));
    let flat: String = (0..3000).map(|k| format!("a = a * {k} + 1\n")).collect();
    assert!(!deep(&format!("x => {{ let a = x\n{flat} return a }}")));
    let ifs: String = (0..3000)
      .map(|k| format!("if (a > {k}) a -= 1\n"))
      .collect();
    assert!(!deep(&format!("x => {{ let a = x\n{ifs} return a }}")));
    let blocks: String = (0..3000)
      .map(|k| format!("if (a > {k}) {{ a -= 1 }} else {{ a += 1 }}\n"))
      .collect();
    assert!(!deep(&format!("x => {{ let a = x\n{blocks} return a }}")));
    assert!(!deep("x => x / 2 // don't / divide 'this'\n"));
  }

  #[test]
  fn deep_constructs_are_caught() {
    let n = 100_000;
    for src in [
      format!("x => {}x", "!".repeat(n)),
      format!("x => {}x", "- ".repeat(n)),
      format!("x => {}1", "x ? 1 : ".repeat(n)),
      format!("x => {}", "x ? ".repeat(n)),
      format!("x => x{}", " ** x".repeat(n)),
      format!("x => {{ let a; {}1 }}", "a = ".repeat(n)),
      format!("x => {{ {}return 1 }}", "if (x) ".repeat(n)),
      format!(
        "x => {{ if (x) {{}} {}return 1 }}",
        "else if (x) {} ".repeat(n)
      ),
      format!("x => {{ {}return 1 }}", "if (x) x; else ".repeat(n)),
      format!("x => {{ {}return 1 }}", "if (x) x\n else ".repeat(n)),
      format!(
        "x => {{ {}return 1 }}",
        "if (x) try {} catch (e) {} else ".repeat(n)
      ),
      format!(
        "x => {{ {}return 1 }}",
        "if (x) try {} finally {} /* c */ else ".repeat(n)
      ),
      format!(
        "x => {{ {}return 1 }}",
        "if (x) do x; while (x); else ".repeat(n)
      ),
      format!("x => {{ {}return 1 }}", "for await (x of x) ".repeat(n)),
      format!("x => {}x", "x\u{a0}=> ".repeat(n)),
      format!("x => {}x", "typeof\u{a0}".repeat(n)),
      format!("x => {{ {}return 1 }}", "while (x) ".repeat(n)),
      format!("x => {{ {}x; }}", "do ".repeat(n)),
      format!("x => {{ {}x }}", "a: ".repeat(n)),
      format!("x => {}x", "x => ".repeat(n)),
      format!("x => {}x{}", "(".repeat(n), ")".repeat(n)),
      format!("x => {}", "typeof ".repeat(n)),
      format!("x => 'a' + {}x", "!".repeat(n)),
      format!("x => /;/ + {}x", "!".repeat(n)),
    ] {
      let e = prescan(&src).expect_err(&src[..40.min(src.len())]);
      assert!(e.to_string().contains("nested too deeply"), "{e}");
    }
  }
}

#[cfg(test)]
mod budget_tests {
  use super::*;
  use crate::codegen::Mode;

  /// Every construct nested as deep as the scan lets through: oxc's parser
  /// (and the checker after it) fits in a quarter of the compiler thread's
  /// stack, so the estimate's weights are safe.
  #[test]
  fn the_parser_fits_at_the_budget() {
    type Gen = fn(usize) -> String;
    let gens: &[Gen] = &[
      |n| format!("x => {}x", "!".repeat(n)),
      |n| format!("x => {}x", "-".repeat(n)),
      |n| format!("x => {}1", "x ? 1 : ".repeat(n)),
      |n| format!("x => x{}", " ** x".repeat(n)),
      |n| format!("x => {{ let a; {}1 }}", "a = ".repeat(n)),
      |n| format!("x => {{ {}return 1 }}", "if (x) ".repeat(n)),
      |n| {
        format!(
          "x => {{ if (x) {{}} {}return 1 }}",
          "else if (x) {} ".repeat(n)
        )
      },
      |n| format!("x => {{ {}x; }}", "while (x) ".repeat(n)),
      |n| format!("x => {}x", "x => ".repeat(n)),
      |n| format!("x => {}x{}", "(".repeat(n), ")".repeat(n)),
      |n| format!("x => {}x{}", "[".repeat(n), "]".repeat(n)),
      |n| format!("x => {}x{}", "{a: ".repeat(n), "}".repeat(n)),
      |n| format!("x => {}", "typeof ".repeat(n) + "x"),
    ];
    for g in gens {
      // The deepest source the scan accepts.
      let (mut lo, mut hi) = (1usize, MAX_SCAN_NESTING as usize + 1);
      while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if prescan(&g(mid)).is_ok() {
          lo = mid
        } else {
          hi = mid
        }
      }
      let src = g(lo);
      assert!(prescan(&g(lo + 1)).is_err());
      // Release builds (the addon) must fit a quarter of the compiler
      // thread's stack; unoptimised builds have far bigger frames and get
      // all of it.
      let stack = if cfg!(debug_assertions) {
        64 << 20
      } else {
        16 << 20
      };
      let r = std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || crate::parse::parse_kernel(&src, &[]).map(|_| ()))
        .unwrap()
        .join()
        .unwrap();
      if let Err(e) = r {
        assert!(matches!(e, KernelError::Unsupported { .. }), "{e}");
      }
    }
  }

  /// ~1M-deep constructs through the whole compiler: an error, quickly.
  #[test]
  fn a_million_levels_is_an_error() {
    let n = 1_000_000;
    let m = Mode::Map { n_inputs: 1 };
    for src in [
      format!("x => {}x", "!".repeat(n)),
      format!("x => {}1", "x ? 1 : ".repeat(n / 8)),
      format!("x => x{}", " ** x".repeat(n / 5)),
      format!("x => {{ let a; {}1 }}", "a = ".repeat(n / 4)),
      format!("x => {{ {}return 1 }}", "if (x) ".repeat(n / 7)),
      format!("x => {}x{}", "(".repeat(n), ")".repeat(n)),
    ] {
      let t = std::time::Instant::now();
      match crate::cache::compile(&src, &[], m) {
        Err(KernelError::Unsupported {
          message,
          line,
          column,
        }) => {
          assert!(message.contains("nested too deeply"), "{message}");
          assert!(line >= 1 && column >= 1);
        }
        other => panic!("{:?}", other.map(|_| ())),
      }
      assert!(t.elapsed().as_secs() < 10);
    }
    // Deep but under the parser's budget: the checker's share of it.
    let e = crate::cache::compile(&format!("x => {}x", "!".repeat(1000)), &[], m).unwrap_err();
    assert!(e.to_string().contains("nested too deeply"), "{e}");
  }
}
