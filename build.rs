// `sqlx::migrate!` embeds the migrations when the crate compiles: rebuild
// when one is added or changed, not only when Rust code is.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
