fn main() {
    eprintln!("mock-provider: not built yet (issue 6)");
    std::process::exit(2);
}
