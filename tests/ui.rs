//! Compile-time policy: every rule in ui-tests/fail must be rejected with the message in its
//! `.stderr`, and every correct use in ui-tests/pass must compile. The snapshots are made with the
//! toolchain pinned in rust-toolchain.toml; other compilers word errors differently.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui-tests/fail/*.rs");
    cases.pass("ui-tests/pass/*.rs");
}
