//! Work spread over the machine's cores with scoped threads: serializing and hashing the nested
//! templates of a split stack, and writing the files. Results come back in input order, so the
//! output is the same bytes whatever the number of cores. (Fifteen lines of `std::thread::scope`
//! rather than a thread-pool dependency for two call sites.)

use std::num::NonZeroUsize;
use std::thread;

/// `f` over `items`, on up to one thread per core (the calling thread alone for fewer than two
/// items or one core), in input order. Results may borrow from `items`.
pub(crate) fn map<'a, T: Sync, R: Send>(items: &'a [T], f: impl Fn(&'a T) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> =
            items.chunks(items.len().div_ceil(threads)).map(|chunk| s.spawn(move || chunk.iter().map(f).collect::<Vec<R>>())).collect();
        // A panic in `f` is re-raised here, as if `f` had run on this thread.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(super::map(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&[7], |i| i + 1), vec![8]);
        assert!(super::map(&[] as &[u8], |i| *i).is_empty());
    }
}
