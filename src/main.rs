fn main() -> std::process::ExitCode {
    tune_allocator();
    std::process::ExitCode::from(ngxlint::cli::main())
}

/// glibc's malloc raises its trim and mmap thresholds as a program frees
/// large blocks, after which freed memory stays in the heap and the peak RSS
/// grows past what is live. Fixed thresholds return large blocks to the
/// system (measured: 21.7 to 19.2 MiB on a 240 KB stress mutant of 15,000
/// nested locations, 31.5 to 30.2 MiB on the 1,000-site tree, with no
/// measurable change in time). A single arena would save more memory but cost
/// about 25% of the wall time (the threads contend for it), so threads keep
/// their own. Set before any thread starts.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called once, before
    // the program starts any thread.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
