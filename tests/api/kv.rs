//! Both key-value implementations pass the same tests.

use crate::helpers::{delete_redis_prefix, random_hex, test_redis_url};
use linli::kv::{Kv, KvError};
use std::collections::HashSet;
use std::time::Duration;

struct Backend {
    kv: Kv,
    cleanup: Option<(String, String)>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((url, prefix)) = self.cleanup.take() {
            delete_redis_prefix(&url, &prefix);
        }
    }
}

/// The in-process store always; Redis too when `TEST_REDIS_URL` is set.
async fn backends() -> Vec<Backend> {
    let mut out = vec![Backend {
        kv: Kv::connect(None, "").await.unwrap(),
        cleanup: None,
    }];
    if let Some(url) = test_redis_url() {
        let prefix = format!("linli-test:{}:", random_hex(6));
        let kv = Kv::connect(Some(&url), &prefix)
            .await
            .expect("TEST_REDIS_URL is set but Redis is unreachable");
        out.push(Backend {
            kv,
            cleanup: Some((url, prefix)),
        });
    } else {
        eprintln!("note: TEST_REDIS_URL is not set; Redis runs in the PostgreSQL + Redis suite");
    }
    out
}

#[tokio::test]
async fn get_set_del() {
    for b in backends().await {
        let (kv, name) = (&b.kv, b.kv.backend());
        assert_eq!(kv.get("a").await.unwrap(), None, "{name}");
        kv.set("a", "1", None).await.unwrap();
        kv.set("a", "2", None).await.unwrap();
        assert_eq!(kv.get("a").await.unwrap().as_deref(), Some("2"), "{name}");
        assert_eq!(kv.ttl("a").await.unwrap(), None, "{name}: no expiry");
        assert!(kv.del("a").await.unwrap(), "{name}");
        assert!(!kv.del("a").await.unwrap(), "{name}");
        assert_eq!(kv.get("a").await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    for b in backends().await {
        let (kv, name) = (&b.kv, b.kv.backend());
        kv.set("short", "v", Some(Duration::from_millis(300)))
            .await
            .unwrap();
        let ttl = kv.ttl("short").await.unwrap().expect("has a ttl");
        assert!(
            ttl <= Duration::from_millis(300) && ttl > Duration::ZERO,
            "{name}: {ttl:?}"
        );
        assert_eq!(kv.get("short").await.unwrap().as_deref(), Some("v"), "{name}");
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(
            kv.get("short").await.unwrap(),
            None,
            "{name}: still there after its ttl"
        );
        assert_eq!(kv.ttl("short").await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn incr_counts_within_a_window_then_restarts() {
    for b in backends().await {
        let (kv, name) = (&b.kv, b.kv.backend());
        let window = Duration::from_millis(400);
        let c1 = kv.incr("hits", window).await.unwrap();
        let c2 = kv.incr("hits", window).await.unwrap();
        assert_eq!((c1.value, c2.value), (1, 2), "{name}");
        assert!(
            c2.ttl <= window && c2.ttl > Duration::ZERO,
            "{name}: {:?}",
            c2.ttl
        );
        assert!(
            c2.ttl <= c1.ttl,
            "{name}: the window must not be extended by later hits"
        );
        tokio::time::sleep(Duration::from_millis(550)).await;
        assert_eq!(
            kv.incr("hits", window).await.unwrap().value,
            1,
            "{name}: a new window"
        );

        kv.set("word", "abc", None).await.unwrap();
        assert!(
            matches!(kv.incr("word", window).await, Err(KvError::NotAnInteger(_))),
            "{name}: incr on text"
        );
    }
}

#[tokio::test]
async fn decr_gives_back_a_hit_without_creating_or_going_below_zero() {
    for b in backends().await {
        let (kv, name) = (&b.kv, b.kv.backend());
        let window = Duration::from_secs(30);
        kv.incr("n", window).await.unwrap();
        kv.incr("n", window).await.unwrap();
        kv.decr("n").await.unwrap();
        assert_eq!(kv.get("n").await.unwrap().as_deref(), Some("1"), "{name}");
        let ttl = kv.ttl("n").await.unwrap().expect("the window stays");
        assert!(ttl > Duration::from_secs(20), "{name}: {ttl:?}");
        kv.decr("n").await.unwrap();
        kv.decr("n").await.unwrap();
        assert_eq!(
            kv.get("n").await.unwrap().as_deref(),
            Some("0"),
            "{name}: not below zero"
        );
        kv.decr("absent").await.unwrap();
        assert_eq!(kv.get("absent").await.unwrap(), None, "{name}: not created");
        assert_eq!(kv.incr("n", window).await.unwrap().value, 1, "{name}");
    }
}

#[tokio::test]
async fn concurrent_increments_are_atomic() {
    for b in backends().await {
        let name = b.kv.backend();
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let kv = b.kv.clone();
                tokio::spawn(async move { kv.incr("race", Duration::from_secs(30)).await.unwrap().value })
            })
            .collect();
        let mut values = HashSet::new();
        for t in tasks {
            values.insert(t.await.unwrap());
        }
        assert_eq!(
            values,
            (1..=100).collect::<HashSet<i64>>(),
            "{name}: each increment saw its own value"
        );
        assert_eq!(b.kv.get("race").await.unwrap().as_deref(), Some("100"), "{name}");
    }
}

#[tokio::test]
async fn set_if_absent_has_one_winner_under_concurrency() {
    for b in backends().await {
        let name = b.kv.backend();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let kv = b.kv.clone();
                tokio::spawn(async move {
                    let me = format!("owner-{i}");
                    kv.set_nx("lock", &me, Duration::from_millis(400))
                        .await
                        .unwrap()
                        .then_some(me)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            winners.extend(t.await.unwrap());
        }
        assert_eq!(winners.len(), 1, "{name}: winners {winners:?}");
        let owner = &winners[0];
        assert_eq!(b.kv.get("lock").await.unwrap().as_ref(), Some(owner), "{name}");

        assert!(!b.kv.del_if_eq("lock", "someone-else").await.unwrap(), "{name}");
        assert_eq!(
            b.kv.get("lock").await.unwrap().as_ref(),
            Some(owner),
            "{name}: a stranger released the lock"
        );
        assert!(b.kv.del_if_eq("lock", owner).await.unwrap(), "{name}");
        assert!(
            b.kv.set_nx("lock", "next", Duration::from_millis(200))
                .await
                .unwrap(),
            "{name}: free again"
        );
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(
            b.kv.set_nx("lock", "after-expiry", Duration::from_secs(5))
                .await
                .unwrap(),
            "{name}: the lock expired"
        );
    }
}

#[tokio::test]
async fn pubsub_delivers_to_every_subscriber_of_the_channel_only() {
    for b in backends().await {
        let (kv, name) = (&b.kv, b.kv.backend());
        let mut a1 = kv.subscribe("region:1").await.unwrap();
        let mut a2 = kv.subscribe("region:1").await.unwrap();
        let mut other = kv.subscribe("region:2").await.unwrap();
        kv.publish("region:nobody", "lost").await.unwrap();
        for m in ["one", "two", "three"] {
            kv.publish("region:1", m).await.unwrap();
        }
        for sub in [&mut a1, &mut a2] {
            for want in ["one", "two", "three"] {
                let got = tokio::time::timeout(Duration::from_secs(5), sub.recv()).await;
                assert_eq!(got.expect("message arrives").as_deref(), Some(want), "{name}");
            }
        }
        kv.publish("region:2", "for-two").await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), other.recv())
            .await
            .unwrap();
        assert_eq!(
            got.as_deref(),
            Some("for-two"),
            "{name}: the other channel saw only its own message"
        );

        drop(a1);
        drop(a2);
        kv.publish("region:1", "after-unsubscribe").await.unwrap();
    }
}

#[tokio::test]
async fn redis_prefixes_keep_deployments_apart() {
    let Some(url) = test_redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is not set");
        return;
    };
    let (p1, p2) = (
        format!("linli-test:{}:", random_hex(6)),
        format!("linli-test:{}:", random_hex(6)),
    );
    let a = Kv::connect(Some(&url), &p1).await.unwrap();
    let b = Kv::connect(Some(&url), &p2).await.unwrap();
    a.set("k", "a", Some(Duration::from_secs(30))).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), None);
    assert_eq!(a.get("k").await.unwrap().as_deref(), Some("a"));
    delete_redis_prefix(&url, &p1);
}

#[tokio::test]
async fn subscribers_of_a_channel_share_one_redis_subscription() {
    let Some(url) = test_redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is not set");
        return;
    };
    let prefix = format!("linli-test:{}:", random_hex(6));
    let kv = Kv::connect(Some(&url), &prefix).await.unwrap();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let channel = format!("{prefix}region:7");
    let mut numsub = async || {
        let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut conn)
            .await
            .unwrap();
        counts[0].1
    };
    let mut subs = Vec::new();
    for _ in 0..3 {
        subs.push(kv.subscribe("region:7").await.unwrap());
    }
    assert_eq!(numsub().await, 1, "three consoles, one Redis subscription");
    kv.publish("region:7", "hello").await.unwrap();
    for sub in &mut subs {
        let got = tokio::time::timeout(Duration::from_secs(5), sub.recv()).await;
        assert_eq!(got.unwrap().as_deref(), Some("hello"));
    }

    drop(subs);
    kv.publish("region:7", "anyone?").await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while numsub().await != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the subscription outlived its listeners"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    delete_redis_prefix(&url, &prefix);
}

#[tokio::test]
async fn expire_renews_a_lease_and_never_creates_a_key() {
    for b in backends().await {
        let (kv, name) = (&b.kv, b.kv.backend());
        kv.expire("absent", Duration::from_secs(30)).await.unwrap();
        assert_eq!(kv.get("absent").await.unwrap(), None, "{name}");
        kv.incr("lease", Duration::from_millis(200)).await.unwrap();
        kv.expire("lease", Duration::from_secs(30)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(
            kv.get("lease").await.unwrap().as_deref(),
            Some("1"),
            "{name}: renewed past its first window"
        );
    }
}
