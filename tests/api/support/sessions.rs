//! Sessions: entry after the identity check, the banner, timeouts, revoke, and every way a session ends.

use super::*;
use crate::helpers::*;
use chaperone::clock::Clock;
use chaperone::seed::DEMO_PASSWORD;
use chrono::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_from_request_to_end() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only").await;
    let id: String = res.json().await.unwrap();
    // Recorded first, with the policy's words.
    let r = status(&app, &sarah, &id).await;
    assert_eq!(r["status"], "approved");
    assert!(r["policy_reasons"][0]
        .as_str()
        .unwrap()
        .contains("allowed without approval"));

    // Identity check: a wrong password is refused and recorded.
    let res = app
        .call(
            &sarah,
            "enter_support_session",
            &[("request_id", &id), ("password", "nope")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.identity_check_failed'"
        )
        .await,
        1
    );

    let res = app
        .call(
            &sarah,
            "enter_support_session",
            &[("request_id", &id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        session_cookie(&res).is_some(),
        "the login session id is cycled at entry"
    );
    assert_eq!(res.json::<String>().await.unwrap(), "/app");

    // Inside: the product renders as Tom, under the banner, and views are logged.
    let page = sarah
        .get(app.url("/app/billing/invoices"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Support session") && html.contains("viewing as Tom Becker"),
        "banner in the SSR HTML"
    );
    assert!(html.contains("20%"));
    let views = count(
        &app,
        "select count(*) from chaperone.events where kind = 'support.page_viewed'",
    )
    .await;
    assert!(views >= 1);
    let viewed: String = sqlx::query_scalar("select summary from chaperone.events where kind = 'support.page_viewed' order by id desc limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        viewed,
        "Sarah Lee viewed Acme Co › Billing › Invoices as Tom Becker"
    );

    // Read-only is enforced on the server, and the refusal is on the record.
    let eu = scalar_id(&app, "select w.id from product.workspaces w join product.accounts a on a.id = w.account_id where a.name = 'Acme Co' and w.name = 'EU'").await;
    let res = app
        .call(
            &sarah,
            "set_notification",
            &[("setting", "weekly_digest"), ("enabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("read-only"));
    let res = app
        .call(
            &sarah,
            "update_tax_rule",
            &[("workspace_id", &eu), ("rate", "10"), ("region", "EU")],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Both changes were refused before anything ran, because the session is
    // read-only (Tom could not change tax rules anyway), and both refusals
    // are recorded.
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.blocked'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from product.workspaces where name = 'EU' and tax_rate_bp = 2000"
        )
        .await,
        1
    );

    // End: back in the console as herself, with the cause recorded.
    let res = app.call(&sarah, "end_support_session", &[]).await;
    assert_eq!(
        res.json::<String>().await.unwrap(),
        "/console?ended=ended_by_agent"
    );
    // A product page opened afterwards (a tab left open, Back) says the
    // session ended, and is not recorded as a visit through the wrong door.
    let stale = sarah.get(app.url("/app/orders")).send().await.unwrap();
    assert_eq!(stale.status(), 303);
    assert_eq!(stale.headers()["location"], "/console?ended=ended_by_agent");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'access.wrong_door'"
        )
        .await,
        0
    );
    assert_eq!(
        sarah
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let cause: String = sqlx::query_scalar("select end_cause from chaperone.support_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cause, "ended_by_agent");

    // The approval admitted one session.
    let res = app
        .call(
            &sarah,
            "enter_support_session",
            &[("request_id", &id), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("already used"));
}

/// Entering a session gives the login a new id: an id copied before entry
/// (from a shared screen, a proxy log) opens neither the product as the
/// customer nor the console as the agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_at_session_start() {
    let app = demo().await;
    let sarah = new_client();
    let signed_in = app
        .staff_sign_in(&sarah, "sarah.lee@chaperone.test", DEMO_PASSWORD)
        .await;
    let before = session_cookie(&signed_in).expect("a session at sign-in");
    let res = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only").await;
    let id: String = res.json().await.unwrap();
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    let entered = app.call(&sarah, "enter_support_session", &form).await;
    assert_eq!(entered.status(), 200);
    let after = session_cookie(&entered).expect("a new session id at entry");
    assert_ne!(before, after, "the login session id is cycled at entry");

    let with = |cookie: String| {
        let url = app.url("/app/billing/invoices");
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(url)
                .header("Cookie", format!("chaperone_session={cookie}"))
                .send()
                .await
                .unwrap()
        }
    };
    let stale = with(before).await;
    assert_ne!(
        stale.status(),
        200,
        "the id from before entry still opens the product"
    );
    assert!(!stale.text().await.unwrap().contains("INV-"));
    let fresh = with(after).await;
    assert_eq!(fresh.status(), 200);
    assert!(fresh.text().await.unwrap().contains("INV-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_maximum_timeouts_end_sessions_on_the_server() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    // The banner's polling is not activity.
    for _ in 0..4 {
        app.clock.advance(Duration::minutes(4));
        let res = app.call(&sarah, "support_status", &[]).await;
        assert_eq!(res.status(), 200);
    }
    let res = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console?ended=idle_timeout");
    let (cause, idle_at): (String, bool) = sqlx::query_as(
        "select end_cause, ended_at = started_at + interval '15 minutes' from chaperone.support_sessions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (cause.as_str(), idle_at),
        ("idle_timeout", true),
        "ended at the idle deadline"
    );

    // Activity keeps a session alive, but never past the maximum.
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    for _ in 0..6 {
        app.clock.advance(Duration::minutes(10));
        // Read the page as a browser does: activity is counted where the
        // page's data is loaded, which the streamed body carries.
        let _ = sarah
            .get(app.url("/app/orders"))
            .send()
            .await
            .unwrap()
            .text()
            .await;
    }
    let (cause, at_max): (String, bool) = sqlx::query_as(
        "select end_cause, ended_at = started_at + interval '60 minutes' from chaperone.support_sessions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((cause.as_str(), at_max), ("max_duration", true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sweepers_end_each_session_once() {
    let app = demo().await;
    for email in [
        "sarah.lee@chaperone.test",
        "james.ortiz@chaperone.test",
        "dan.kim@chaperone.test",
    ] {
        let client = staff(&app, email).await;
        let id: String = request(&app, &client, "Acme Co", "tom@acme.test", "read_only")
            .await
            .json()
            .await
            .unwrap();
        let res = app
            .call(
                &client,
                "enter_support_session",
                &[("request_id", &id), ("password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let later = chaperone::clock::Clock::now(&app.clock) + Duration::minutes(20);
    let (a, b) = tokio::join!(
        chaperone::access::sessions::sweep(&app.pool, later),
        chaperone::access::sessions::sweep(&app.pool, later)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where ended_at is null"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.session_ended'"
        )
        .await,
        3
    );
    assert_eq!(
        chaperone::access::sessions::sweep(&app.pool, later)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_and_a_second_session_is_refused() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let res = request(
        &app,
        &sarah,
        "Northwind Traders",
        "laura@northwind.test",
        "read_only",
    )
    .await;
    let id: String = res.json().await.unwrap();
    assert_eq!(status(&app, &sarah, &id).await["status"], "refused");
    app.call(&sarah, "sign_out", &[]).await;
    let cause: String = sqlx::query_scalar("select end_cause from chaperone.support_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cause, "signed_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_can_revoke_a_live_session() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let session_id = scalar_id(&app, "select id from chaperone.support_sessions").await;
    let james = staff(&app, "james.ortiz@chaperone.test").await;
    assert_eq!(
        app.call(
            &james,
            "revoke_support_session",
            &[("session_id", &session_id), ("note", "no")]
        )
        .await
        .status(),
        403
    );
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let res = app
        .call(
            &maya,
            "revoke_support_session",
            &[
                ("session_id", &session_id),
                ("note", "Wrong account for this ticket"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(
        res.headers()["location"],
        "/console?ended=revoked_by_manager"
    );
    let res = app
        .call(
            &maya,
            "revoke_support_session",
            &[("session_id", &session_id), ("note", "again")],
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_ends_a_live_session() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    assert_eq!(
        app.staff_sign_in(&sarah, "sarah.lee@chaperone.test", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    let cause: String = sqlx::query_scalar("select end_cause from chaperone.support_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cause, "signed_out");
}

#[tokio::test]
async fn repeated_identity_check_failures_stop_further_checks() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    for _ in 0..5 {
        let form = [("request_id", id.as_str()), ("password", "wrong")];
        assert_eq!(
            app.call(&sarah, "enter_support_session", &form)
                .await
                .status(),
            400
        );
    }
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        app.call(&sarah, "enter_support_session", &form)
            .await
            .status(),
        429
    );
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        app.call(&sarah, "enter_support_session", &form)
            .await
            .status(),
        200,
        "the pause is over and the approval is still valid"
    );
}

/// Disabling a staff member, or changing their role, ends their live
/// support session at once, with that cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_or_demoting_staff_ends_their_session_at_once() {
    use chaperone::audit::EventActor;
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let sarah_id: uuid::Uuid = sqlx::query_scalar(
        "select id from chaperone.staff where email = 'sarah.lee@chaperone.test'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let disabled = chaperone::access::staff_changes::disable_staff(
        &app.pool,
        sarah_id,
        EventActor::System,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(disabled);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where end_cause = 'staff_disabled'"
        )
        .await,
        1
    );
    // Signed out: to the console, told why (and from there to the staff
    // sign-in), never to the customers' sign-in.
    let res = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console?ended=staff_disabled");

    let priya = in_session(
        &app,
        "priya.nair@chaperone.test",
        "Acme Co",
        "tom@acme.test",
        "read_only",
    )
    .await;
    let priya_id: uuid::Uuid = sqlx::query_scalar(
        "select id from chaperone.staff where email = 'priya.nair@chaperone.test'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(chaperone::access::staff_changes::change_staff_role(
        &app.pool,
        priya_id,
        chaperone::staff::StaffRole::Agent,
        EventActor::System,
        app.clock.now(),
    )
    .await
    .unwrap());
    let res = priya.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/console?ended=staff_role_changed"
    );
}

/// A staff member disabled straight in the database (not through the admin
/// path) loses their live session on their next request too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_staff_member_is_found_disabled() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    sqlx::query(
        "update chaperone.staff set disabled_at = now() where email = 'sarah.lee@chaperone.test'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let res = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where end_cause = 'staff_disabled'"
        )
        .await,
        1
    );
}

/// A role changed straight in the database ends an edit session the new
/// role may not hold, on the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_staff_members_role_no_longer_allows_it() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    sqlx::query(
        "update chaperone.staff set role = 'agent' where email = 'priya.nair@chaperone.test'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let res = priya.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/console?ended=staff_role_changed"
    );
}

/// One person's failed identity checks never pause anyone else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_check_pauses_are_per_person() {
    let app = demo().await;
    for email in [
        "sarah.lee@chaperone.test",
        "james.ortiz@chaperone.test",
        "priya.nair@chaperone.test",
        "dan.kim@chaperone.test",
        "maya.chen@chaperone.test",
    ] {
        let client = staff(&app, email).await;
        let id: String = request(&app, &client, "Acme Co", "tom@acme.test", "read_only")
            .await
            .json()
            .await
            .unwrap();
        for _ in 0..5 {
            let form = [("request_id", id.as_str()), ("password", "wrong")];
            let status = app
                .call(&client, "enter_support_session", &form)
                .await
                .status();
            assert_eq!(status, 400, "{email}");
        }
        let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
        assert_eq!(
            app.call(&client, "enter_support_session", &form)
                .await
                .status(),
            429,
            "{email} is paused"
        );
    }
    // 25 failures by five people: the sixth person still gets their check.
    let omar_free = staff(&app, "leo.brandt@chaperone.test").await;
    let id: String = request(&app, &omar_free, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        app.call(&omar_free, "enter_support_session", &form)
            .await
            .status(),
        200
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.identity_check_paused'"
        )
        .await,
        5,
        "each pause is recorded"
    );
}

/// Two tabs of one session at once: views and refused changes, each
/// recorded, in any interleaving. The refusal once took the chain head
/// before the session row while a view took them the other way round, and
/// Postgres failed one of the two with a deadlock (a 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_in_many_tabs_never_deadlocks() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    for _round in 0..3 {
        let calls = (0..16).map(|i| {
            let (app, sarah) = (&app, &sarah);
            async move {
                if i % 2 == 0 {
                    app.call(sarah, "product_dashboard", &[]).await.status()
                } else {
                    let form = [("setting", "weekly_digest"), ("enabled", "true")];
                    app.call(sarah, "set_notification", &form).await.status()
                }
            }
        });
        let statuses = futures_util::future::join_all(calls).await;
        for (i, status) in statuses.iter().enumerate() {
            let want = if i % 2 == 0 { 200 } else { 403 };
            assert_eq!(status.as_u16(), want, "call {i}: {statuses:?}");
        }
    }
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.blocked'"
        )
        .await,
        24
    );
}

/// How a session ended is remembered for that login only: someone who
/// signs in afterwards in the same browser starts afresh, and their visit
/// to the product is a wrong-door attempt like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_is_forgotten_at_the_next_sign_in() {
    let app = demo().await;
    let browser = sarah_in_session(&app).await;
    let res = app.call(&browser, "end_support_session", &[]).await;
    assert_eq!(res.status(), 200);
    let stale = browser.get(app.url("/app/orders")).send().await.unwrap();
    assert_eq!(stale.headers()["location"], "/console?ended=ended_by_agent");
    let signed_in = app
        .staff_sign_in(&browser, "james.ortiz@chaperone.test", DEMO_PASSWORD)
        .await;
    assert_eq!(signed_in.status(), 200);
    let page = browser.get(app.url("/app/orders")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'access.wrong_door'"
        )
        .await,
        1
    );
}

/// A browser that lost its cookie leaves the agent's session live in a
/// sign-in she no longer has. Signed in again, the console says so and
/// lets her end it; until then it refuses her new requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_left_in_another_sign_in_can_be_ended_from_the_console() {
    let app = demo().await;
    let lost = sarah_in_session(&app).await;
    let again = staff(&app, "sarah.lee@chaperone.test").await;
    let elsewhere: Option<String> = app
        .call(&again, "live_session_elsewhere", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        elsewhere.as_deref(),
        Some("Acme Co, as Tom Becker, read-only")
    );
    let home = app.page(&again, "/console").await;
    assert!(
        home.contains("support session open in another sign-in"),
        "{home}"
    );
    // The sign-in that is in it is not told about itself.
    let own: Option<String> = app
        .call(&lost, "live_session_elsewhere", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own, None);

    let res = app.call(&again, "end_support_session", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<String>().await.unwrap(),
        "/console?ended=ended_by_agent"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where ended_at is null"
        )
        .await,
        0
    );
    let page = lost.get(app.url("/app/orders")).send().await.unwrap();
    assert_eq!(page.status(), 303, "the old sign-in's tabs learn it ended");
    let none: Option<String> = app
        .call(&again, "live_session_elsewhere", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, None);
}
