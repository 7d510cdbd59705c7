use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::{Config, Learner, Templater};

const FIRST: &[&str] = &[
    "alice", "bob", "carla", "diego", "emma", "felix", "grace", "hiro", "ivan", "julia", "kenji",
    "lena", "maya", "noah", "omar", "priya", "rosa", "sam", "tara", "victor", "wei", "yara",
];
const LAST: &[&str] = &[
    "smith", "garcia", "chen", "kumar", "rossi", "novak", "tanaka", "silva", "weber", "park",
    "cohen", "diaz", "evans", "jensen",
];
const WORDS: &[&str] = &[
    "atlas", "beacon", "canyon", "comet", "ember", "falcon", "glacier", "harbor", "lotus", "maple",
    "meadow", "nebula", "orbit", "pebble", "quartz", "raven", "summit", "tundra", "willow",
    "zebra",
];

/// Deterministic pseudo-random numbers for test traffic (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn user(&mut self) -> String {
        let f = FIRST[self.below(FIRST.len())];
        let l = LAST[self.below(LAST.len())];
        match self.below(3) {
            0 => format!("{f}{l}"),
            1 => format!("{f}-{l}"),
            _ => format!("{f}{}", self.below(90) + 10),
        }
    }
    fn slug(&mut self) -> String {
        let a = WORDS[self.below(WORDS.len())];
        let b = WORDS[self.below(WORDS.len())];
        format!("{a}-{b}")
    }
}

fn learn(paths: &[(&str, String)]) -> Templater {
    let mut l = Learner::default();
    for (m, p) in paths {
        l.observe("api", m, p);
    }
    l.finish()
}

fn set(t: &Templater, scope: &str) -> BTreeSet<String> {
    t.templates(scope).into_iter().collect()
}

#[test]
fn typed_segments_are_replaced_in_observe() {
    let mut l = Learner::default();
    assert_eq!(
        l.observe("s", "GET", "/users/12345/orders"),
        "/users/{id}/orders"
    );
    assert_eq!(
        l.observe(
            "s",
            "GET",
            "/v1/files/123e4567-e89b-12d3-a456-426614174000?x=1"
        ),
        "/v1/files/{uuid}"
    );
    assert_eq!(
        l.observe(
            "s",
            "GET",
            "https://api.example.com/v1/customers/cus_NffrFeUfNV2Hib"
        ),
        "/v1/customers/{id}"
    );
    assert_eq!(
        l.observe("s", "GET", "/people/jane%40example.com"),
        "/people/{email}"
    );
    assert_eq!(l.observe("s", "GET", "/"), "/");
    assert_eq!(l.observe("s", "GET", ""), "/");
    assert_eq!(l.observe("s", "GET", "//a//b/"), "/a/b");
    let mut buf = String::from("junk");
    l.observe_into("s", "GET", "/users/77777/orders", &mut buf);
    assert_eq!(buf, "/users/{id}/orders");
}

#[test]
fn constant_sibling_beside_typed_parameter_stays_constant() {
    let mut traffic = Vec::new();
    let mut rng = Rng(7);
    for _ in 0..200 {
        traffic.push(("GET", format!("/videos/{}", rng.below(1_000_000) + 1000)));
    }
    for _ in 0..25 {
        traffic.push(("POST", "/videos/convert_video".to_string()));
    }
    let t = learn(&traffic);
    assert_eq!(t.template("api", "/videos/48213"), "/videos/{id}");
    assert_eq!(
        t.template("api", "/videos/convert_video"),
        "/videos/convert_video"
    );
    assert_eq!(
        set(&t, "api"),
        ["/videos/convert_video", "/videos/{id}"]
            .map(String::from)
            .into()
    );
}

#[test]
fn word_like_values_with_high_cardinality_become_a_parameter() {
    let mut rng = Rng(11);
    let mut traffic = Vec::new();
    for _ in 0..150 {
        traffic.push(("GET", format!("/users/{}", rng.user())));
        traffic.push(("GET", format!("/users/{}/repos", rng.user())));
    }
    for _ in 0..25 {
        traffic.push(("GET", "/users/search".to_string()));
    }
    for _ in 0..120 {
        let (o, r) = (rng.user(), rng.slug());
        traffic.push(("GET", format!("/repos/{o}/{r}/issues")));
        traffic.push((
            "GET",
            format!("/repos/{o}/{r}/pulls/{}", rng.below(5000) + 100),
        ));
    }
    let t = learn(&traffic);
    assert_eq!(t.template("api", "/users/zoe-nguyen"), "/users/{user}");
    assert_eq!(
        t.template("api", "/users/zoe-nguyen/repos"),
        "/users/{user}/repos"
    );
    assert_eq!(t.template("api", "/users/search"), "/users/search");
    assert_eq!(
        t.template("api", "/repos/someone/something/pulls/{id}"),
        "/repos/{repo}/{name}/pulls/{id}"
    );
    assert_eq!(
        t.template("api", "/repos/a/b/issues"),
        "/repos/{repo}/{name}/issues"
    );
}

#[test]
fn a_few_constant_children_stay_constants_even_when_rarely_used() {
    let mut traffic = Vec::new();
    let busy = [
        "users",
        "settings",
        "audit_logs",
        "billing",
        "roles",
        "teams",
        "keys",
    ];
    let quiet = ["export", "import", "maintenance"];
    for w in busy {
        for _ in 0..40 {
            traffic.push(("GET", format!("/admin/{w}")));
        }
    }
    for w in quiet {
        traffic.push(("POST", format!("/admin/{w}")));
    }
    let t = learn(&traffic);
    for w in busy.iter().chain(quiet.iter()) {
        assert_eq!(
            t.template("api", &format!("/admin/{w}")),
            format!("/admin/{w}")
        );
    }
}

#[test]
fn a_small_api_with_25_requests_per_operation() {
    // petstore-like: a user-name parameter beside constant siblings, int ids.
    let mut rng = Rng(3);
    let mut traffic = Vec::new();
    for m in ["GET", "PUT", "DELETE"] {
        for _ in 0..25 {
            traffic.push((m, format!("/user/{}", rng.user())));
        }
    }
    for c in ["login", "logout", "createWithList"] {
        for _ in 0..25 {
            traffic.push(("GET", format!("/user/{c}")));
        }
    }
    for _ in 0..25 {
        traffic.push(("GET", format!("/pet/{}", rng.below(100_000))));
        traffic.push(("GET", "/pet/findByStatus".into()));
    }
    let t = learn(&traffic);
    let want: BTreeSet<String> = [
        "/pet/findByStatus",
        "/pet/{id}",
        "/user/createWithList",
        "/user/login",
        "/user/logout",
        "/user/{user}",
    ]
    .map(String::from)
    .into();
    assert_eq!(set(&t, "api"), want);
}

#[test]
fn enumerated_parameter_with_repeating_subtrees() {
    // `/packages/{type}/{name}`: few values, each recurring, but every one of them has the
    // same structure below.
    let mut rng = Rng(5);
    let mut traffic = Vec::new();
    for _ in 0..60 {
        for ty in ["npm", "maven", "docker", "nuget"] {
            let name = rng.slug();
            traffic.push(("GET", format!("/packages/{ty}/{name}")));
            traffic.push(("GET", format!("/packages/{ty}/{}/versions", rng.slug())));
            traffic.push(("DELETE", format!("/packages/{ty}/{}/restore", rng.slug())));
        }
    }
    // Constant siblings with distinct subtrees stay constants.
    for _ in 0..30 {
        traffic.push(("GET", format!("/apps/{}/settings", rng.below(9000) + 1000)));
        traffic.push(("GET", format!("/orgs/{}/billing", rng.below(9000) + 1000)));
        traffic.push((
            "GET",
            format!("/hooks/{}/deliveries", rng.below(9000) + 1000),
        ));
    }
    let t = learn(&traffic);
    assert_eq!(
        t.template("api", "/packages/npm/left-pad/versions"),
        "/packages/{package}/{name}/versions"
    );
    assert_eq!(
        t.template("api", "/apps/1234/settings"),
        "/apps/{id}/settings"
    );
    assert_eq!(
        t.template("api", "/hooks/1234/deliveries"),
        "/hooks/{id}/deliveries"
    );
}

#[test]
fn versions_hosts_and_fixed_segments_are_never_templated() {
    let mut rng = Rng(9);
    let mut l = Learner::default();
    for v in 1..=12 {
        for _ in 0..5 {
            l.observe(
                "a.example",
                "GET",
                &format!("/api/v{v}/items/{}", rng.below(9999) + 100),
            );
        }
    }
    for _ in 0..30 {
        l.observe(
            "b.example",
            "GET",
            &format!("/rest/api/2/issue/{}", rng.below(9999) + 100),
        );
        l.observe(
            "b.example",
            "GET",
            &format!("/2015-03-31/functions/{}", rng.slug()),
        );
        l.observe(
            "b.example",
            "GET",
            &format!("/v4.0/things/{}", rng.below(99999) + 100),
        );
    }
    let t = l.finish();
    assert_eq!(
        t.template("a.example", "/api/v7/items/555"),
        "/api/v7/items/{id}"
    );
    assert_eq!(
        t.template("a.example", "/api/v12/items/{id}"),
        "/api/v12/items/{id}"
    );
    assert_eq!(
        t.template("b.example", "/rest/api/2/issue/4242"),
        "/rest/api/2/issue/{id}"
    );
    assert_eq!(
        t.template("b.example", "/2015-03-31/functions/foo-bar"),
        "/2015-03-31/functions/{function}"
    );
    assert_eq!(
        t.template("b.example", "/v4.0/things/777"),
        "/v4.0/things/{id}"
    );
    // Scopes are separate APIs: what is a parameter in one says nothing about the other.
    let mut scopes: Vec<&str> = t.scopes().collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["a.example", "b.example"]);
}

#[test]
fn dates_in_paths_are_parameters_when_they_vary() {
    let mut rng = Rng(13);
    let mut traffic = Vec::new();
    for _ in 0..40 {
        traffic.push((
            "GET",
            format!(
                "/reports/2024-{:02}-{:02}",
                rng.below(12) + 1,
                rng.below(28) + 1
            ),
        ));
    }
    let t = learn(&traffic);
    assert_eq!(t.template("api", "/reports/2023-05-06"), "/reports/{date}");
}

#[test]
fn several_parameters_get_distinct_names() {
    let mut rng = Rng(17);
    let mut traffic = Vec::new();
    for _ in 0..50 {
        traffic.push((
            "GET",
            format!(
                "/shops/{}/orders/{}/items/{}",
                rng.below(99999) + 100,
                rng.below(99999) + 100,
                rng.below(99999) + 100
            ),
        ));
    }
    let t = learn(&traffic);
    assert_eq!(
        t.template("api", "/shops/1/orders/2/items/3"),
        "/shops/{id}/orders/{id2}/items/{id3}"
    );
}

#[test]
fn saturated_positions_keep_heavy_constants() {
    let cfg = Config {
        open_children: 16,
        ..Config::default()
    };
    let mut l = Learner::new(cfg);
    let mut rng = Rng(19);
    let mut keys = BTreeSet::new();
    for i in 0..3000 {
        let p = if i % 4 == 0 {
            "/users/me/settings".to_string()
        } else {
            format!("/users/{}{}/settings", rng.user(), rng.below(1000))
        };
        keys.insert(l.observe("api", "GET", &p));
    }
    let t = l.finish();
    assert_eq!(
        t.template("api", "/users/me/settings"),
        "/users/me/settings"
    );
    assert_eq!(
        t.template("api", "/users/somebody/settings"),
        "/users/{user}/settings"
    );
    // Keys stay few once the position is known to be a parameter.
    assert!(keys.len() < 40, "{}", keys.len());
    let finals: BTreeSet<String> = keys.iter().map(|k| t.template("api", k)).collect();
    assert_eq!(
        finals,
        ["/users/me/settings", "/users/{user}/settings"]
            .map(String::from)
            .into()
    );
}

#[test]
fn learner_and_templater_are_thread_safe() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Learner>();
    send_sync::<Templater>();
}

#[test]
fn memory_stays_bounded_with_millions_of_distinct_urls() {
    let max_bytes = 8 << 20;
    let mut l = Learner::new(Config {
        max_bytes,
        ..Config::default()
    });
    let mut rng = Rng(23);
    let mut keys = BTreeSet::new();
    let mut buf = String::new();
    let n = 1_500_000;
    for i in 0..n {
        // Word-like values at several positions, in a few shapes, so nothing is typed away.
        let p = match i % 3 {
            0 => format!(
                "/users/{}{}/repos/{}",
                rng.user(),
                rng.below(1000),
                rng.slug()
            ),
            1 => format!(
                "/tenants/t{}/{}/{}/{}",
                rng.below(200),
                rng.slug(),
                WORDS[rng.below(WORDS.len())],
                rng.user()
            ),
            _ => format!("/static/{}/{}{}", rng.slug(), rng.slug(), rng.below(10_000)),
        };
        l.observe_into("api", "GET", &p, &mut buf);
        if keys.len() < 200_000 {
            keys.insert(buf.clone());
        }
        if i % 100_000 == 0 {
            assert!(
                l.memory_estimate() <= max_bytes + (1 << 20),
                "{}",
                l.memory_estimate()
            );
        }
    }
    assert!(l.memory_estimate() <= max_bytes + (1 << 20));
    assert!(l.node_count() < 200_000, "{}", l.node_count());
    // The keys the pipeline groups by stay bounded too.
    assert!(keys.len() < 100_000, "{}", keys.len());
    let t = l.finish();
    assert_eq!(
        // Most generated user values end in digits (`alice-smith42`) and are typed as ids.
        t.template("api", "/users/x/repos/y"),
        "/users/{id}/repos/{repo}"
    );
}

fn grammar_path(choice: u8, a: u16, b: u16) -> String {
    let user = format!(
        "{}{}",
        FIRST[a as usize % FIRST.len()],
        LAST[b as usize % LAST.len()]
    );
    match choice % 8 {
        0 => format!("/users/{user}"),
        1 => format!("/users/{user}/repos"),
        2 => format!("/videos/{}", 1000 + u32::from(a) * 7 + u32::from(b)),
        3 => "/videos/convert_video".into(),
        4 => format!("/admin/{}", WORDS[a as usize % 6]),
        5 => format!("/v1/items/{}/tags/{}", a, WORDS[b as usize % WORDS.len()]),
        6 => "/users/search".into(),
        _ => format!("/reports/2024-01-{:02}", 1 + a % 28),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Splitting a stream across two learners in any way, and merging in either order, gives
    /// the same templates as one learner.
    #[test]
    fn merge_is_commutative(
        stream in prop::collection::vec((any::<u8>(), any::<u16>(), any::<u16>(), any::<bool>()), 1..400),
        small in any::<bool>(),
    ) {
        let cfg = Config {
            // Also exercise saturation.
            open_children: if small { 6 } else { 256 },
            ..Config::default()
        };
        let mut one = Learner::new(cfg.clone());
        let mut a = Learner::new(cfg.clone());
        let mut b = Learner::new(cfg.clone());
        let mut a2 = Learner::new(cfg.clone());
        let mut b2 = Learner::new(cfg);
        let mut paths = Vec::new();
        for (c, x, y, side) in &stream {
            let p = grammar_path(*c, *x, *y);
            one.observe("api", "GET", &p);
            if *side { a.observe("api", "GET", &p); a2.observe("api", "GET", &p); }
            else { b.observe("api", "GET", &p); b2.observe("api", "GET", &p); }
            paths.push(p);
        }
        a.merge(b);
        b2.merge(a2);
        let (t1, ta, tb) = (one.finish(), a.finish(), b2.finish());
        prop_assert_eq!(t1.templates("api"), ta.templates("api"));
        prop_assert_eq!(t1.templates("api"), tb.templates("api"));
        for p in &paths {
            let want = t1.template("api", p);
            prop_assert_eq!(&want, &ta.template("api", p));
            prop_assert_eq!(&want, &tb.template("api", p));
        }
        prop_assert_eq!(one.memory_estimate(), a.memory_estimate());
    }
}
