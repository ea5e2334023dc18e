fn main() {
    std::process::exit(kvault::run());
}
