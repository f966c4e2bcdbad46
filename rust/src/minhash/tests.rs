use super::*;

fn params() -> Params {
    Params {
        ngram: 3,
        num_perm: 64,
        bands: 16,
        rows_per_band: 4,
        threshold: 0.5,
        seed: 7,
    }
}

fn words(seed: u64, n: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| format!("w{}", rng.random_range(0..5000)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn texts(rows: &[String]) -> Vec<Option<&str>> {
    rows.iter().map(|t| Some(t.as_str())).collect()
}

#[test]
fn union_find_roots_are_the_lowest_rows() {
    let mut sets = UnionFind::new(6);
    sets.union(4, 2);
    sets.union(5, 4);
    sets.union(3, 1);
    assert_eq!(
        (0..6).map(|r| sets.find(r)).collect::<Vec<_>>(),
        [0, 1, 2, 1, 2, 2]
    );
}

#[test]
fn case_punctuation_and_spacing_do_not_matter() {
    assert_eq!(
        word_shingles("Hello,  World! How are you?", 2, 1),
        word_shingles("hello world how ARE you", 2, 1)
    );
    assert_eq!(word_shingles("", 5, 1), Vec::<u64>::new());
    assert_eq!(word_shingles("two words", 5, 1).len(), 1);
}

#[test]
fn near_copies_cluster_and_others_do_not() {
    let base = words(1, 200);
    let edited = base.replacen('w', "x", 3); // a few words changed
    let rows = vec![
        words(2, 200),
        base.clone(),
        edited,
        words(3, 200),
        base.to_uppercase(),
    ];
    let roots = near_duplicates(Rows::Texts(&texts(&rows)), &params(), 1).unwrap();
    assert_eq!(roots, [0, 1, 1, 3, 1]);
}

#[test]
fn the_result_does_not_depend_on_threads() {
    let rows: Vec<String> = (0..300)
        .map(|i| {
            if i % 3 == 0 {
                words(i / 3, 60)
            } else {
                words(i, 60)
            }
        })
        .collect();
    let one = near_duplicates(Rows::Texts(&texts(&rows)), &params(), 1).unwrap();
    let four = near_duplicates(Rows::Texts(&texts(&rows)), &params(), 4).unwrap();
    assert_eq!(one, four);
}

#[test]
fn token_ids_and_nulls() {
    let ids: Vec<Option<Vec<i64>>> = vec![
        Some((0..100).collect()),
        None,
        Some((0..100).collect()),
        Some(Vec::new()),
        Some((500..600).collect()),
    ];
    let slices: Vec<Option<&[i64]>> = ids.iter().map(Option::as_deref).collect();
    let roots = near_duplicates(Rows::Ids64(&slices), &params(), 2).unwrap();
    let narrow: Vec<Option<Vec<i32>>> = ids
        .iter()
        .map(|row| {
            row.as_ref()
                .map(|r| r.iter().map(|&id| i32::try_from(id).unwrap()).collect())
        })
        .collect();
    let narrow: Vec<Option<&[i32]>> = narrow.iter().map(Option::as_deref).collect();
    assert_eq!(
        near_duplicates(Rows::Ids32(&narrow), &params(), 1).unwrap(),
        roots
    );
    assert_eq!(roots, [0, 1, 0, 3, 4]);
}

#[test]
fn the_estimate_tracks_the_jaccard_similarity() {
    // Two sets of 1,000 shingles sharing 600: Jaccard 600 / 1,400.
    let permutations = Permutations::new(512, 3);
    let a: Vec<u64> = (0..1000).collect();
    let b: Vec<u64> = (400..1400).collect();
    let estimate = estimated_jaccard(
        &permutations.signature(&a).unwrap(),
        &permutations.signature(&b).unwrap(),
    );
    assert!((estimate - 600.0 / 1400.0).abs() < 0.07, "{estimate}");
}

#[test]
fn bad_parameters_are_refused() {
    let too_many = Params {
        bands: 20,
        ..params()
    };
    assert!(too_many.check().is_err());
    let zero = Params {
        ngram: 0,
        ..params()
    };
    assert!(zero.check().is_err());
    let threshold = Params {
        threshold: 1.5,
        ..params()
    };
    assert!(threshold.check().is_err());
    assert!(params().check().is_ok());
}

#[test]
fn the_estimate_is_unbiased_across_similarities() {
    // Random 64-bit shingle hashes, as xxh3 gives: 40 pairs per similarity, 112 functions.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for shared in [50_usize, 100, 160] {
        let mut total = 0.0;
        for pair in 0..40 {
            let permutations = Permutations::new(112, pair);
            let common: Vec<u64> = (0..shared).map(|_| rng.random()).collect();
            let mut a = common.clone();
            let mut b = common;
            a.extend((0..200 - shared).map(|_| rng.random::<u64>()));
            b.extend((0..200 - shared).map(|_| rng.random::<u64>()));
            total += estimated_jaccard(
                &permutations.signature(&a).unwrap(),
                &permutations.signature(&b).unwrap(),
            );
        }
        let jaccard = count_f64(shared) / count_f64(400 - shared);
        let mean = total / 40.0;
        assert!(
            (mean - jaccard).abs() < 0.03,
            "J {jaccard}: mean estimate {mean}"
        );
    }
}

#[test]
fn band_edges_of_whole_buckets_equal_those_of_all_rows() {
    let rows: Vec<String> = (0..200).map(|i| words(i % 50, 30)).collect();
    let signatures = signatures(Rows::Texts(&texts(&rows)), &params(), 2).unwrap();
    let all: Vec<(usize, &[u32])> = signatures
        .iter()
        .enumerate()
        .filter_map(|(row, s)| s.as_deref().map(|s| (row, s)))
        .collect();
    for band in 0..params().bands {
        let range = band * 4..band * 4 + 4;
        // Two groups, split by the band's first value: buckets stay whole.
        let (even, odd): (Vec<_>, Vec<_>) = all.iter().partition(|(_, s)| s[range.start] % 2 == 0);
        let mut grouped = band_edges(&even, band, &params());
        grouped.extend(band_edges(&odd, band, &params()));
        grouped.sort_unstable();
        let mut whole = band_edges(&all, band, &params());
        whole.sort_unstable();
        assert_eq!(grouped, whole);
        assert!(!whole.is_empty(), "every row has three copies");
    }
    assert_eq!(
        roots_of_edges(4, &[(1, 3), (0, 2), (2, 3), (9, 1)]),
        [0, 0, 0, 0]
    );
}
