fn main() {
    eprintln!(
        "gateway: not built yet (issues 4, 5 and 6); run the Interop engine with `cargo run -p interop -- serve`"
    );
    std::process::exit(2);
}
