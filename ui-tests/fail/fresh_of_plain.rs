use hft_cache::Fresh;

fn price(_: Fresh<f64>) {}

fn main() {}
