struct Adapter<'a, T, S = std::collections::hash_map::RandomState> where T: Send {
    #[hft(opaque)]
    client: Box<dyn Fn(&'a str) -> Vec<T> + Send>,
    rules: StaticCache<String, Rules>,
    #[hft(opaque)]
    raw: <T as Iterator>::Item,
    seen: std::collections::HashMap<String, u64, S>,
    m: my_macro!(T),
}
