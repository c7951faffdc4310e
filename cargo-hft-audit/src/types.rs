//! Walking a `syn::Type`: every path inside it, and the third-party cache types it names.

use syn::{GenericArgument, Path, PathArguments, ReturnType, Type, TypeParamBound};

/// Calls `f` on every path inside `ty` (outer paths first, then their generic arguments),
/// through references, pointers, tuples, arrays, slices, parentheses, `dyn`/`impl` bounds and
/// qualified paths, until `f` returns `Some`.
pub fn find_path<'t, R>(ty: &'t Type, f: &mut dyn FnMut(&'t Path) -> Option<R>) -> Option<R> {
    match ty {
        Type::Path(tp) => {
            if let Some(q) = &tp.qself {
                if let Some(r) = find_path(&q.ty, f) {
                    return Some(r);
                }
            }
            find_in_path(&tp.path, f)
        }
        Type::Reference(r) => find_path(&r.elem, f),
        Type::Ptr(p) => find_path(&p.elem, f),
        Type::Slice(s) => find_path(&s.elem, f),
        Type::Array(a) => find_path(&a.elem, f),
        Type::Paren(p) => find_path(&p.elem, f),
        Type::Group(g) => find_path(&g.elem, f),
        Type::Tuple(t) => t.elems.iter().find_map(|e| find_path(e, f)),
        Type::TraitObject(t) => find_in_bounds(t.bounds.iter(), f),
        Type::ImplTrait(t) => find_in_bounds(t.bounds.iter(), f),
        _ => None,
    }
}

fn find_in_bounds<'t, R>(
    bounds: impl Iterator<Item = &'t TypeParamBound>,
    f: &mut dyn FnMut(&'t Path) -> Option<R>,
) -> Option<R> {
    for b in bounds {
        if let TypeParamBound::Trait(t) = b {
            if let Some(r) = find_in_path(&t.path, f) {
                return Some(r);
            }
        }
    }
    None
}

/// `f` on `path` itself, then on every path in its segments' generic arguments.
pub fn find_in_path<'t, R>(path: &'t Path, f: &mut dyn FnMut(&'t Path) -> Option<R>) -> Option<R> {
    if let Some(r) = f(path) {
        return Some(r);
    }
    for seg in &path.segments {
        for arg in type_args(&seg.arguments) {
            if let Some(r) = find_path(arg, f) {
                return Some(r);
            }
        }
    }
    None
}

/// The types among a path segment's generic arguments (`<A, B>`, `Item = A`, `Fn(A) -> B`).
pub fn type_args(args: &PathArguments) -> Vec<&Type> {
    match args {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                GenericArgument::AssocType(a) => Some(&a.ty),
                _ => None,
            })
            .collect(),
        PathArguments::Parenthesized(p) => {
            let mut v: Vec<&Type> = p.inputs.iter().collect();
            if let ReturnType::Type(_, t) = &p.output {
                v.push(t);
            }
            v
        }
    }
}

/// The last segment's name: `moka::sync::Cache<K, V>` gives `Cache`.
pub fn last_name(path: &Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// `a::b::C` without generic arguments, for messages.
pub fn path_display(path: &Path) -> String {
    let mut s = String::new();
    if path.leading_colon.is_some() {
        s.push_str("::");
    }
    for (i, seg) in path.segments.iter().enumerate() {
        if i > 0 {
            s.push_str("::");
        }
        s.push_str(&seg.ident.to_string());
    }
    s
}

/// Type names of third-party caches and maps: a value of one of them that mentions live data
/// is a cache of live data. Matched on the last path segment, so `moka::sync::Cache`,
/// `mini_moka::sync::Cache`, `quick_cache::sync::Cache` and `cached::SizedCache` all count.
pub const CACHE_TYPES: &[&str] = &[
    // moka, mini-moka, quick_cache, stretto, foyer
    "Cache",
    "SegmentedCache",
    "AsyncCache",
    "HybridCache",
    // lru, schnellru, clru, hashlink, uluru
    "LruCache",
    "LruMap",
    "CLruCache",
    "LinkedHashMap",
    "LRUCache",
    // cached's stores
    "SizedCache",
    "TimedCache",
    "TimedSizedCache",
    "UnboundCache",
    "ExpiringValueCache",
    "ExpiringSizedCache",
    "DiskCache",
    "RedisCache",
    "AsyncRedisCache",
    // dashmap, papaya, flurry, evmap, scc, moka's friends
    "DashMap",
    "ReadOnlyView",
    "HashIndex",
    // maps
    "HashMap",
    "BTreeMap",
    "IndexMap",
    "AHashMap",
    "FxHashMap",
    "FnvHashMap",
    "IntMap",
    "SlotMap",
    "ArcSwap",
    "ArcSwapOption",
    "TtlCache",
    "TimedMap",
];

/// Whether `name` is a cache or map type of [`CACHE_TYPES`].
pub fn is_cache_type(name: &str) -> bool {
    CACHE_TYPES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(src: &str) -> Vec<String> {
        let ty: Type = syn::parse_str(src).expect("test type parses");
        let mut out = Vec::new();
        let _: Option<()> = find_path(&ty, &mut |p| {
            out.push(path_display(p));
            None
        });
        out
    }

    #[test]
    fn walks_every_path() {
        assert_eq!(
            names("Arc<Mutex<HashMap<String, (u8, &[Box<dyn Fn(Balance) -> Order>])>>>"),
            ["Arc", "Mutex", "HashMap", "String", "u8", "Box", "Fn", "Balance", "Order"]
        );
        assert_eq!(names("<Foo as Tr>::Bar"), ["Foo", "Tr::Bar"]);
        assert_eq!(names("[Fresh<Acct>; 3]"), ["Fresh", "Acct"]);
    }
}
