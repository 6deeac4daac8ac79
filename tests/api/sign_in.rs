use crate::helpers::{new_client, session_cookie, spawn_app, spawn_app_with, Options, PASSWORD};
use chaperone::staff::StaffRole;
use chrono::Duration;

const WRONG_CREDENTIALS: &str = "That email and password do not match. Check them and try again.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_lands_on_the_console_as_themself() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();

    let res = app
        .staff_sign_in(&client, "Sarah.Lee@chaperone.test ", PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("chaperone_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "Secure is off unless configured: {cookie}"
    );
    assert_eq!(res.json::<String>().await.unwrap(), "/console");

    let page = client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("Welcome, Sarah Lee"));
    assert_eq!(app.event_count("auth.signed_in").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_sign_in_lands_on_their_account() {
    let app = spawn_app().await;
    app.add_customer("Acme Co", "Jane Doe", "jane@acme.test", "owner")
        .await;
    let client = new_client();

    let res = app
        .customer_sign_in(&client, "jane@acme.test", PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "/app");
    let page = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Acme Co") && html.contains("Welcome back, Jane Doe"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_customer_logins_are_separate() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    app.add_customer("Acme Co", "Jane Doe", "jane@acme.test", "owner")
        .await;
    let client = new_client();
    assert_eq!(
        app.customer_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.staff_sign_in(&client, "jane@acme.test", PASSWORD)
            .await
            .status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();

    let wrong = app
        .staff_sign_in(&client, "sarah.lee@chaperone.test", "not-the-password")
        .await;
    let unknown = app
        .staff_sign_in(&client, "nobody@chaperone.test", "not-the-password")
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
    let wrong_body = wrong.text().await.unwrap();
    assert_eq!(wrong_body, unknown.text().await.unwrap());
    assert!(wrong_body.contains(WRONG_CREDENTIALS), "{wrong_body}");

    // Both failures are on the record, without the typed email in clear.
    assert_eq!(app.event_count("auth.sign_in_failed").await, 2);
    let summaries: Vec<String> =
        sqlx::query_scalar("select summary || ' ' || detail::text from chaperone.events where kind = 'auth.sign_in_failed'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    for s in &summaries {
        assert!(
            !s.contains("sarah.lee@") && !s.contains("nobody@"),
            "raw email in the log: {s}"
        );
    }
    assert!(
        summaries.iter().any(|s| s.contains("s•••@chaperone.test")),
        "{summaries:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_typed_into_the_email_field_never_reaches_the_log() {
    let app = spawn_app().await;
    let client = new_client();
    let res = app
        .staff_sign_in(&client, "Hunter2-my-secret", "whatever")
        .await;
    assert_eq!(res.status(), 401);
    let all: String =
        sqlx::query_scalar("select string_agg(summary || detail::text, ' ') from chaperone.events")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!all.to_lowercase().contains("hunter2"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_and_oversized_input_is_refused_with_a_message() {
    let app = spawn_app().await;
    let client = new_client();
    let res = app.staff_sign_in(&client, "", "").await;
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Enter both your email and your password."));

    let long = "a".repeat(2000);
    let res = app.staff_sign_in(&client, "x@chaperone.test", &long).await;
    assert_eq!(res.status(), 400);

    // A malformed form (a field missing) is refused, not a crash.
    let res = app
        .call(&client, "staff_sign_in", &[("email", "x@chaperone.test")])
        .await;
    assert_eq!(res.status(), 400, "{:?}", res.text().await);
    assert_eq!(app.event_count("auth.sign_in_failed").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    app.add_staff(
        "James Ortiz",
        "james.ortiz@chaperone.test",
        StaffRole::Agent,
    )
    .await;
    let client = new_client();

    let first = app
        .staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    let first_id = session_cookie(&first).expect("first session");
    let second = app
        .staff_sign_in(&client, "james.ortiz@chaperone.test", PASSWORD)
        .await;
    let second_id = session_cookie(&second).expect("second session");
    assert_ne!(first_id, second_id);

    // The old id no longer signs anyone in.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = stale
        .get(app.url("/console"))
        .header("Cookie", format!("chaperone_session={first_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // A planted, made-up id is not adopted either.
    let res = stale
        .get(app.url("/console"))
        .header("Cookie", "chaperone_session=planted-by-an-attacker")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_sign_in_and_is_recorded() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    let res = app.call(&client, "sign_out", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "/console/login");
    assert_eq!(
        client
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    assert_eq!(app.event_count("auth.signed_out").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_email_from_that_address_for_fifteen_minutes() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    for _ in 0..5 {
        let res = app
            .staff_sign_in(&client, "sarah.lee@chaperone.test", "wrong-password")
            .await;
        assert_eq!(res.status(), 401);
    }
    // Even the right password is refused now.
    let res = app
        .staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    assert_eq!(res.status(), 429);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Too many wrong passwords in a row"));
    assert_eq!(app.event_count("auth.sign_in_refused_locked").await, 1);

    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
            .await
            .status(),
        429
    );

    app.clock
        .advance(Duration::minutes(1) + Duration::seconds(1));
    assert_eq!(
        app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    for _ in 0..4 {
        app.staff_sign_in(&client, "sarah.lee@chaperone.test", "wrong-password")
            .await;
    }
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        app.staff_sign_in(&client, "sarah.lee@chaperone.test", "wrong-password")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_emails_lock_exactly_like_known_ones() {
    let app = spawn_app().await;
    let client = new_client();
    for _ in 0..5 {
        assert_eq!(
            app.customer_sign_in(&client, "ghost@nowhere.test", "guess")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        app.customer_sign_in(&client, "ghost@nowhere.test", "guess")
            .await
            .status(),
        429
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_per_address() {
    let app = spawn_app_with(Options {
        trust_forwarded_for: true,
        ..Options::default()
    })
    .await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    let attempt = |ip: &'static str, password: &'static str| {
        let client = client.clone();
        let url = app.url("/api/staff_sign_in");
        let origin = app.base.clone();
        async move {
            client
                .post(url)
                .header("Origin", origin)
                .header("X-Forwarded-For", ip)
                .form(&[
                    ("email", "sarah.lee@chaperone.test"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("203.0.113.9", "wrong").await, 401);
    }
    assert_eq!(attempt("203.0.113.9", PASSWORD).await, 429);
    assert_eq!(attempt("198.51.100.7", PASSWORD).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_sign_in_records_the_browser_time_zone_once() {
    let app = spawn_app().await;
    let id = app
        .add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    let form = |tz: &'static str| {
        [
            ("email", "sarah.lee@chaperone.test"),
            ("password", PASSWORD),
            ("time_zone", tz),
        ]
    };
    app.call(&client, "staff_sign_in", &form("Europe/Berlin"))
        .await;
    app.call(&client, "staff_sign_in", &form("America/New_York"))
        .await;
    let tz: Option<String> =
        sqlx::query_scalar("select time_zone from chaperone.staff where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(tz.as_deref(), Some("Europe/Berlin"));
}

/// Sends one staff sign-in from `ip` (the server trusts X-Forwarded-For in
/// these tests) and returns the status.
async fn sign_in_from(app: &crate::helpers::TestApp, email: &str, password: &str, ip: &str) -> u16 {
    new_client()
        .post(app.url("/api/staff_sign_in"))
        .header("Origin", &app.base)
        .header("X-Forwarded-For", ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_wrong_passwords_get_five_checks_and_one_lock() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (url, origin) = (app.url("/api/staff_sign_in"), app.base.clone());
        tasks.spawn(async move {
            new_client()
                .post(url)
                .header("Origin", origin)
                .form(&[("email", "sarah.lee@chaperone.test"), ("password", "wrong")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let (mut checked, mut refused) = (0, 0);
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            401 => checked += 1,
            429 => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((checked, refused), (5, 15));
    let locks: i64 =
        sqlx::query_scalar("select count(*) from chaperone.sign_in_locks where side = 'staff'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(locks, 1, "exactly one lock");
    assert_eq!(app.event_count("auth.sign_in_failed").await, 5);
    assert_eq!(app.event_count("auth.sign_in_refused_locked").await, 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spray_over_many_emails_from_one_address_is_throttled() {
    let app = spawn_app_with(Options {
        trust_forwarded_for: true,
        ..Options::default()
    })
    .await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    for i in 0..20 {
        let email = format!("guess{i}@chaperone.test");
        assert_eq!(
            sign_in_from(&app, &email, "wrong", "203.0.113.50").await,
            401,
            "{email}"
        );
    }
    // The address is locked for every email, even with the right password…
    assert_eq!(
        sign_in_from(&app, "sarah.lee@chaperone.test", PASSWORD, "203.0.113.50").await,
        429
    );
    // …but not for other addresses.
    assert_eq!(
        sign_in_from(&app, "sarah.lee@chaperone.test", PASSWORD, "198.51.100.1").await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_email_tried_from_many_addresses_is_throttled() {
    let app = spawn_app_with(Options {
        trust_forwarded_for: true,
        ..Options::default()
    })
    .await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    for i in 0..10 {
        let ip = format!("203.0.113.{}", 10 + i);
        assert_eq!(
            sign_in_from(&app, "sarah.lee@chaperone.test", "wrong", &ip).await,
            401,
            "{ip}"
        );
    }
    assert_eq!(
        sign_in_from(&app, "sarah.lee@chaperone.test", PASSWORD, "198.51.100.99").await,
        429,
        "the email is locked from every address"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_loopback_the_login_cookie_is_secure_and_host_prefixed() {
    for (secure_cookies, expect_secure) in [(None, true), (Some(false), false)] {
        let app = spawn_app_with(Options {
            bind_addr: Some("0.0.0.0:0".parse().unwrap()),
            secure_cookies,
            ..Options::default()
        })
        .await;
        app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
            .await;
        let port = app.base.rsplit(':').next().unwrap().to_string();
        let res = new_client()
            .post(app.url("/api/staff_sign_in"))
            .header("Origin", format!("http://0.0.0.0:{port}"))
            .form(&[
                ("email", "sarah.lee@chaperone.test"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("chaperone_session="))
            .expect("a login cookie")
            .to_string();
        if expect_secure {
            assert!(cookie.starts_with("__Host-chaperone_session="), "{cookie}");
            assert!(cookie.contains("Secure"), "{cookie}");
            assert!(cookie.contains("Path=/"), "{cookie}");
            assert!(!cookie.contains("Domain"), "{cookie}");
        } else {
            assert!(cookie.starts_with("chaperone_session="), "{cookie}");
            assert!(!cookie.contains("Secure"), "{cookie}");
        }
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
}

/// A sign-in form submitted before the page came alive (slow network, no
/// JavaScript) is a plain HTML POST. A wrong password sends the browser back
/// to the sign-in page, which says what went wrong; it never gets an error
/// status with the raw JSON error as the page. The right one lands in the
/// console.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_form_posted_without_javascript_gets_pages_not_json() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    let post = |password: &'static str| {
        client
            .post(app.url("/api/staff_sign_in"))
            .header("Origin", &app.base)
            .header("Referer", app.url("/console/login"))
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .form(&[
                ("email", "sarah.lee@chaperone.test"),
                ("password", password),
            ])
            .send()
    };

    let wrong = post("not-the-password").await.unwrap();
    assert!(wrong.status().is_redirection(), "{}", wrong.status());
    let back = wrong.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&app.url("/console/login?")), "{back}");
    let page = client.get(&back).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(WRONG_CREDENTIALS), "the page says why");
    assert!(session_cookie(&wrong).is_none());

    let right = post(PASSWORD).await.unwrap();
    assert!(right.status().is_redirection(), "{}", right.status());
    assert_eq!(right.headers()["location"], "/console");
}

/// The guard's own refusals answer such a form with a page too: a form
/// posted after the sign-in ended says so in words, not in JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_posted_without_javascript_gets_a_page() {
    let app = spawn_app().await;
    let client = new_client();
    let res = client
        .post(app.url("/api/search_accounts"))
        .header("Origin", &app.base)
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .form(&[("q", "Acme")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let kind = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/html"), "{kind}");
    let html = res.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(!html.trim_start().starts_with('{'), "{html}");

    // The live app's own calls still get JSON it can decode.
    let res = client
        .post(app.url("/api/search_accounts"))
        .header("Origin", &app.base)
        .header("Accept", "application/json")
        .form(&[("q", "Acme")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

/// Everyone's time zone is taken from the browser at the first sign-in and
/// can be changed afterwards; a name that is not a zone changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_customers_change_their_own_time_zone() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    app.add_customer("Acme Co", "Jane Doe", "jane@acme.test", "owner")
        .await;
    let sarah = new_client();
    app.staff_sign_in(&sarah, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    let jane = new_client();
    app.customer_sign_in(&jane, "jane@acme.test", PASSWORD)
        .await;
    for (client, zone) in [(&sarah, "Europe/Paris"), (&jane, "America/Los_Angeles")] {
        let res = app
            .call(client, "set_time_zone", &[("time_zone", zone)])
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let me: serde_json::Value = app
            .call(client, "who_am_i", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["time_zone"], zone);
        for wrong in ["Mars/Olympus", "", "'; drop table chaperone.staff; --"] {
            let res = app
                .call(client, "set_time_zone", &[("time_zone", wrong)])
                .await;
            assert_eq!(res.status(), 400, "{wrong:?}");
            let me: serde_json::Value = app
                .call(client, "who_am_i", &[])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(me["time_zone"], zone, "unchanged by {wrong:?}");
        }
    }
    let anonymous = new_client();
    let res = app
        .call(&anonymous, "set_time_zone", &[("time_zone", "UTC")])
        .await;
    assert_eq!(res.status(), 401);
}
