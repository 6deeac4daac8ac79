//! The `chaperone` binary. Everything lives in the library; see `cli.rs`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match chaperone::cli::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chaperone: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
