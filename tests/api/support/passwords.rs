//! Changing one's own password: the current one is checked under the same
//! throttle as the identity check, and every other login made with the old
//! password is signed out (a support session it was in ends).

use super::*;
use crate::helpers::*;
use chaperone::seed::DEMO_PASSWORD;

const NEW: &str = "a-brand-new-password";

fn change<'a>(current: &'a str, new: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("current", current),
        ("new_password", new),
        ("confirm", new),
    ]
}

async fn customer(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let res = app.customer_sign_in(&client, email, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_current_password_cannot_be_guessed_through_the_change_form() {
    let app = demo().await;
    let ana = customer(&app, "ana@acme.test").await;
    for i in 0..5 {
        let res = app
            .call(&ana, "change_password", &change(&format!("guess-{i}"), NEW))
            .await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("not correct"));
    }
    // Paused now, even for the right password: nothing is checked.
    let res = app
        .call(&ana, "change_password", &change(DEMO_PASSWORD, NEW))
        .await;
    assert_eq!(res.status(), 429);
    let signed_in = app
        .customer_sign_in(&new_client(), "ana@acme.test", DEMO_PASSWORD)
        .await;
    assert_eq!(signed_in.status(), 200, "the old password still signs in");
    // The same password again is refused before anything is checked.
    let jane = customer(&app, "jane@acme.test").await;
    let res = app
        .call(
            &jane,
            "change_password",
            &change(DEMO_PASSWORD, DEMO_PASSWORD),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("different"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_customer_password_signs_out_every_other_login() {
    let app = demo().await;
    let laptop = customer(&app, "jane@acme.test").await;
    let phone = customer(&app, "jane@acme.test").await;
    let res = app
        .call(&laptop, "change_password", &change(DEMO_PASSWORD, NEW))
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert!(session_cookie(&res).is_some(), "a new id for this login");
    assert!(res.text().await.unwrap().contains("signed out"));
    // The login that changed it carries on; the other is signed out.
    assert_eq!(
        laptop.get(app.url("/app")).send().await.unwrap().status(),
        200
    );
    let page = phone.get(app.url("/app")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert!(page.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    assert_eq!(app.call(&phone, "product_profile", &[]).await.status(), 401);
    let old = app
        .customer_sign_in(&new_client(), "jane@acme.test", DEMO_PASSWORD)
        .await;
    assert_eq!(old.status(), 401);
    let fresh = app
        .customer_sign_in(&new_client(), "jane@acme.test", NEW)
        .await;
    assert_eq!(fresh.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_staff_password_signs_out_other_logins_and_ends_their_session() {
    let app = demo().await;
    let desk = staff(&app, "sarah.lee@chaperone.test").await;
    let inside = sarah_in_session(&app).await;
    assert_eq!(
        inside.get(app.url("/app")).send().await.unwrap().status(),
        200
    );
    let res = app
        .call(&desk, "change_own_password", &change(DEMO_PASSWORD, NEW))
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(
        desk.get(app.url("/console")).send().await.unwrap().status(),
        200
    );
    // The session ends with the change, before the other login asks again.
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions
             where staff_name = 'Sarah Lee' and ended_at is null"
        )
        .await,
        0
    );
    // The banner's check comes first (a function, not a page); the page it
    // then reloads still goes to the console, told why.
    let status = app.call(&inside, "support_status", &[]).await;
    assert_eq!(status.status(), 200);
    let page = inside.get(app.url("/app/orders")).send().await.unwrap();
    assert_eq!(page.status(), 303, "the other login is signed out");
    assert_eq!(
        page.headers()["location"],
        "/console?ended=password_changed",
        "to the console (then the staff sign-in), told why"
    );
    let console = inside
        .get(app.url("/console?ended=password_changed"))
        .send()
        .await
        .unwrap();
    assert!(console.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/console/login"));
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions
             where staff_name = 'Sarah Lee' and ended_at is null"
        )
        .await,
        0,
        "the support session that login was in has ended"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions
             where staff_name = 'Sarah Lee' and end_cause = 'password_changed'"
        )
        .await,
        1
    );
}

/// Twenty guesses at once are throttled like any others, and hold no
/// connection while each hash is checked: nobody else is starved of the
/// database meanwhile (the guesses once held the pool and answered 503).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_at_a_password_starve_nobody() {
    let app = demo().await;
    let nancy = customer(&app, "nancy@northwind.test").await;
    let jane = customer(&app, "jane@acme.test").await;
    let guesses = (0..20).map(|i| {
        let (app, nancy) = (&app, &nancy);
        async move {
            let guess = format!("guess-number-{i}");
            app.call(nancy, "change_password", &change(&guess, NEW))
                .await
                .status()
                .as_u16()
        }
    });
    let other = async {
        app.call(&jane, "product_dashboard", &[])
            .await
            .status()
            .as_u16()
    };
    let (statuses, dashboard) = tokio::join!(futures_util::future::join_all(guesses), other);
    assert_eq!(dashboard, 200, "another customer was starved");
    assert!(
        statuses.iter().all(|s| matches!(s, 400 | 429)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        5,
        "five checks, then a pause: {statuses:?}"
    );
}
