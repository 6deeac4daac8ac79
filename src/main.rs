//! The `chaperone` binary. Everything lives in the library; see `cli.rs`.

/// mimalloc instead of glibc's malloc. Rendering a page allocates and frees
/// many small strings, and glibc spent about a fifth of the server's CPU on
/// it (`perf`, the customer's invoices page under load); with mimalloc the
/// page takes about a fifth less CPU. It also hands Argon2's 19 MiB work
/// areas back to the system, which glibc needed a `mallopt` for: peak RSS
/// after 200 agent sessions stays near 80 MB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    match runtime.block_on(chaperone::cli::run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chaperone: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
