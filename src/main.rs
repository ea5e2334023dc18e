// mimalloc instead of glibc's malloc: an audit builds and frees hundreds of
// thousands of small strings, where glibc spent a fifth of the CPU
// (bench/audit-live.sh profile, BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(kvault::run());
}
