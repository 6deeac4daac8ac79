use crate::helpers::{new_client, spawn_app, PASSWORD};
use chaperone::staff::StaffRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_visitors_are_redirected_by_the_server_to_the_right_sign_in() {
    let app = spawn_app().await;
    let client = new_client();
    for (path, to) in [
        ("/console", "/console/login?next=/console"),
        ("/console/sessions", "/console/login?next=/console/sessions"),
        ("/app", "/login?next=/app"),
        ("/app/billing/tax", "/login?next=/app/billing/tax"),
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], to, "{path}");
    }
    for path in ["/", "/login", "/console/login"] {
        assert_eq!(
            client.get(app.url(path)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_refused_the_console() {
    let app = spawn_app().await;
    app.add_customer("Acme Co", "Tom Becker", "tom@acme.test", "member")
        .await;
    let client = new_client();
    assert_eq!(
        app.customer_sign_in(&client, "tom@acme.test", PASSWORD)
            .await
            .status(),
        200
    );
    let res = client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The console is for Chaperone staff"));
    assert_eq!(
        client.get(app.url("/app")).send().await.unwrap().status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_are_refused_the_product_outside_a_support_session() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    let res = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("only through a support session"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_users_skip_their_sign_in_page() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    let res = client.get(app.url("/console/login")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_returns_to_a_local_next_only() {
    let app = spawn_app().await;
    app.add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    for (next, expected) in [
        ("/console/sessions", "/console/sessions"),
        ("https://evil.example/console", "/console"),
        ("//evil.example", "/console"),
    ] {
        let form = [
            ("email", "sarah.lee@chaperone.test"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let res = app.call(&client, "staff_sign_in", &form).await;
        assert_eq!(res.json::<String>().await.unwrap(), expected, "{next}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_staff_member_is_signed_out_on_their_next_request() {
    let app = spawn_app().await;
    let id = app
        .add_staff("Sarah Lee", "sarah.lee@chaperone.test", StaffRole::Agent)
        .await;
    let client = new_client();
    app.staff_sign_in(&client, "sarah.lee@chaperone.test", PASSWORD)
        .await;
    assert_eq!(
        client
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    sqlx::query("update chaperone.staff set disabled_at = now() where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        client
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_server_function_paths_are_refused() {
    let app = spawn_app().await;
    let res = app.call(&new_client(), "drop_everything", &[]).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_am_i_tells_only_the_caller_about_themself() {
    let app = spawn_app().await;
    app.add_staff("Maya Chen", "maya.chen@chaperone.test", StaffRole::Manager)
        .await;
    let anonymous = app.call(&new_client(), "who_am_i", &[]).await;
    assert_eq!(anonymous.status(), 200);
    assert_eq!(anonymous.text().await.unwrap(), "null");

    let client = new_client();
    app.staff_sign_in(&client, "maya.chen@chaperone.test", PASSWORD)
        .await;
    let me: serde_json::Value = app
        .call(&client, "who_am_i", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "Maya Chen");
    assert_eq!(me["role_label"], "Manager");
    assert!(me["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "DecideRequests"));
    let text = me.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );
}
