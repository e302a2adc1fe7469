fn main() {
    eprintln!("rnats: not yet implemented");
    std::process::exit(1);
}
