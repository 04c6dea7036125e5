//! `SessionStore::append_turn` against moto: turns that read the same version all get in,
//! after each other, whole; a turn written twice (its first answer lost) is kept once.

use agentcdk_runtime::agent::Message;
use agentcdk_runtime::store::sessions::MAX_APPEND_ATTEMPTS;
use agentcdk_runtime::store::SessionStore;
use agentcdk_testkit::moto::{self, Moto};

async fn store(moto: &Moto) -> SessionStore {
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    moto::create_sessions_table(&ddb, "sessions").await;
    SessionStore::new(ddb, "sessions", 100, 3600)
}

fn turn(n: usize) -> Vec<Message> {
    vec![Message::user_text(format!("q{n}")), Message::assistant_text(format!("a{n}"))]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn turns_saved_against_the_same_version_all_survive() {
    let moto = Moto::start();
    let s = store(&moto).await;
    s.append_turn("u#s", s.load("u#s").await.expect("load"), &turn(0), "r-0").await.expect("first turn");
    // Every writer read version 1; as many writers as attempts still all get in.
    let base = s.load("u#s").await.expect("load");
    let n = MAX_APPEND_ATTEMPTS as usize;
    let writes = (1..=n).map(|i| {
        let (s, base) = (s.clone(), base.clone());
        tokio::spawn(async move { s.append_turn("u#s", base, &turn(i), &format!("r-{i}")).await })
    });
    for w in writes.collect::<Vec<_>>() {
        w.await.expect("task").expect("append");
    }
    let h = s.load("u#s").await.expect("load");
    assert_eq!(h.version, 1 + n as u64);
    let texts: Vec<String> = h.messages.iter().map(Message::text).collect();
    assert_eq!(texts.len(), 2 * (n + 1), "{texts:?}");
    assert_eq!(texts[..2], ["q0", "a0"], "the turn before stays first");
    for i in 1..=n {
        let at = texts.iter().position(|t| *t == format!("q{i}")).unwrap_or_else(|| panic!("turn {i} lost: {texts:?}"));
        assert_eq!(texts[at + 1], format!("a{i}"), "turns are not interleaved: {texts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_appended_twice_is_kept_once() {
    let moto = Moto::start();
    let s = store(&moto).await;
    let base = s.load("u#s").await.expect("load");
    s.append_turn("u#s", base.clone(), &turn(1), "r-1").await.expect("write");
    // The same turn again from its stale base (a write whose answer was lost, then retried).
    s.append_turn("u#s", base, &turn(1), "r-1").await.expect("retry");
    let h = s.load("u#s").await.expect("load");
    assert_eq!((h.version, h.messages.len()), (1, 2));
}
