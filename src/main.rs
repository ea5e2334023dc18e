// mimalloc instead of glibc's malloc: an audit builds and frees hundreds of
// thousands of small strings, where glibc spent a fifth of the CPU
// (bench/audit-live.sh profile, BENCHMARKS.md). Built with `no_thp`: its
// arena asked for transparent huge pages, and the kernel zeroing the first
// 2 MiB page was half of a `kvault exec` start (bench/exec.sh, perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(kvault::run());
}
