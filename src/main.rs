fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(ngxlint::cli::main())
}
