use napi_parallel_inspect::{InspectError, Kind, inspect};

fn free(src: &str) -> Vec<(String, u32, u32)> {
  inspect(src)
    .unwrap()
    .free
    .into_iter()
    .map(|f| (f.name, f.line, f.column))
    .collect()
}

fn names(src: &str) -> Vec<String> {
  free(src).into_iter().map(|f| f.0).collect()
}

#[test]
fn shapes() {
  let cases: &[(&str, Kind, bool, bool)] = &[
    ("x => x", Kind::Arrow, false, false),
    ("async x => x", Kind::Arrow, true, false),
    ("async (a, b) => a", Kind::Arrow, true, false),
    ("function f(a) { return a }", Kind::Function, false, false),
    ("async function () {}", Kind::Function, true, false),
    ("function* g() {}", Kind::Function, false, true),
    ("async function*(){}", Kind::Function, true, true),
    ("m(x){ return x }", Kind::Method, false, false),
    ("async am(){}", Kind::Method, true, false),
    ("*gm(){}", Kind::Method, false, true),
    ("async *ag(){}", Kind::Method, true, true),
    ("get x(){return 1}", Kind::Method, false, false),
    ("set x(v){}", Kind::Method, false, false),
    ("\"str key\"(){}", Kind::Method, false, false),
    ("1(){}", Kind::Method, false, false),
    ("[Symbol.iterator](){}", Kind::Method, false, false),
    ("#p(){ return this.#p }", Kind::Method, false, false),
    ("class {}", Kind::Class, false, false),
    (
      "class A extends B { constructor(a, b) { super() } }",
      Kind::Class,
      false,
      false,
    ),
    (
      "function max() { [native code] }",
      Kind::Native,
      false,
      false,
    ),
    (
      "function bound f() { [native code] }",
      Kind::Bound,
      false,
      false,
    ),
    ("function(){}", Kind::Function, false, false),
    ("async(x){}", Kind::Method, false, false),
    ("async(x) => x", Kind::Arrow, true, false),
  ];
  for &(src, kind, is_async, generator) in cases {
    let r = inspect(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(
      (r.kind, r.is_async, r.generator),
      (kind, is_async, generator),
      "{src}"
    );
  }
  assert_eq!(free("[Symbol.iterator](){}")[0].0, "Symbol");
  assert_eq!(names("class A extends B { m() { return A } }"), ["B"]);
}

#[test]
fn params() {
  let r = inspect("function (a, b = 1, {c}, [d], ...rest) {}").unwrap();
  assert_eq!(
    r.params,
    [
      Some("a".into()),
      Some("b".into()),
      None,
      None,
      Some("rest".into())
    ]
  );
  assert_eq!(
    inspect("({a} = {}, ...[b]) => a").unwrap().params,
    [None, None]
  );
  assert_eq!(
    inspect("class { constructor(x, y) {} }").unwrap().params,
    [Some("x".into()), Some("y".into())]
  );
}

#[test]
fn free_variables() {
  assert_eq!(free("x => x * k"), [("k".into(), 1, 10)]);
  assert_eq!(
    free("function f(a) {\n  const b = a + c;\n  return f(b) + Math.max(c, d);\n}"),
    [
      ("c".into(), 2, 17),
      ("Math".into(), 3, 17),
      ("d".into(), 3, 29)
    ]
  );
  // UTF-16 columns: 😀 is two units, é one.
  assert_eq!(free("x => '😀é' + k"), [("k".into(), 1, 14)]);
  // Shadowing, nested functions, catch params, labels, classes.
  assert!(names("x => { let k = 1; return (() => k + x)() }").is_empty());
  assert_eq!(names("x => { { let k = 1 } return k }"), ["k"]);
  assert!(names("function () { try {} catch (e) { return e } }").is_empty());
  assert!(names("() => { outer: for (;;) { break outer } }").is_empty());
  assert!(names("() => { class C { m() { return C } } return new C() }").is_empty());
  assert!(names("function () { return arguments[0] }").is_empty());
  assert_eq!(names("() => arguments[0]"), ["arguments"]);
  assert_eq!(names("() => typeof undeclared"), ["undeclared"]);
  assert_eq!(names("() => { y = 1 }"), ["y"]);
  assert_eq!(
    names("function () { var v = 1; function g() { return v + h } }"),
    ["h"]
  );
  // A method's name is not in its own scope.
  assert_eq!(names("m() { return m }"), ["m"]);
  // Deduplicated by name, first position kept.
  assert_eq!(
    free("() => k + k\n + j + k"),
    [("k".into(), 1, 7), ("j".into(), 2, 4)]
  );
}

#[test]
fn this_and_imports() {
  assert!(inspect("function () { return this.x }").unwrap().uses_this);
  assert!(inspect("() => this").unwrap().uses_this);
  assert!(
    !inspect("() => function () { return this }")
      .unwrap()
      .uses_this
  );
  assert!(
    !inspect("() => class { x = this; static { this } m() { this } }")
      .unwrap()
      .uses_this
  );
  assert!(inspect("m() { return () => this }").unwrap().uses_this);
  let src = "async () => { const a = await import('a'); /*😀*/ return import(\"b\") }";
  let r = inspect(src).unwrap();
  let utf16: Vec<u16> = src.encode_utf16().collect();
  assert_eq!(r.imports.len(), 2);
  for off in r.imports {
    assert_eq!(
      String::from_utf16(&utf16[off as usize..off as usize + 6]).unwrap(),
      "import"
    );
  }
}

#[test]
fn bad_sources() {
  for src in [
    "",
    "1 + 1",
    "x => x), (y",
    "x => x);(y",
    "m(){}, n(){}",
    "m(){}}), ({n(){}",
    "x => x /*",
    "x => {",
    "'use strict'",
    "x => x\n)(1",
  ] {
    match inspect(src) {
      Err(InspectError::Syntax { line, column, .. }) => assert!(line >= 1 && column >= 1, "{src}"),
      other => panic!("{src}: {other:?}"),
    }
  }
  // A trailing line comment is fine.
  assert_eq!(inspect("x => x // done").unwrap().kind, Kind::Arrow);
  let e = inspect("x => {\n  let = ;\n}").unwrap_err();
  assert!(matches!(e, InspectError::Syntax { line: 2, .. }), "{e:?}");
  assert!(matches!(
    inspect(&"x".repeat((1 << 20) + 1)),
    Err(InspectError::TooLarge { .. })
  ));
}

#[test]
fn deep_nesting_is_no_crash() {
  let n = 100_000;
  for src in [
    format!("x => {}x", "!".repeat(n)),
    format!("x => {}x{}", "(".repeat(n), ")".repeat(n)),
    format!("x => {}x{}", "[".repeat(n), "]".repeat(n)),
    format!("x => x{}", "+x".repeat(n)),
    format!("x => {}1", "x ? 1 : ".repeat(n / 8)),
    format!("x => {}x", "x => ".repeat(n / 5)),
    format!("x => {{ {}return 1 }}", "if (x) ".repeat(n / 7)),
    format!("x => {}x{}", "{a: ".repeat(n / 4), "}".repeat(n / 4)),
    format!("x => {}x{}", "`${".repeat(n / 3), "}`".repeat(n / 3)),
  ] {
    // Debug builds budget far more stack per token: the largest may be refused.
    let r = inspect(&src);
    assert!(
      matches!(r, Ok(_) | Err(InspectError::TooDeep)),
      "{:?}",
      r.err()
    );
  }
}
