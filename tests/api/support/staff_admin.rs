//! Staff admin: admins add people, change roles, deactivate and unlock —
//! never their own account — and taking access away acts at once.

use super::*;

async fn directory(app: &TestApp, client: &reqwest::Client) -> Vec<serde_json::Value> {
    let res = app.call(client, "staff_directory", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn entry<'a>(list: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    list.iter().find(|p| p["name"] == name).expect(name)
}

async fn id_of(app: &TestApp, email: &str) -> String {
    scalar_id(
        app,
        &format!("select id from chaperone.staff where email = '{email}'"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_manage_staff_and_never_their_own_account() {
    let app = demo().await;
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    let list = directory(&app, &alex).await;
    assert_eq!(list.len(), 8);
    assert_eq!(entry(&list, "Alex Rivera")["is_self"], true);
    assert_eq!(entry(&list, "Sarah Lee")["role"], "agent");
    for email in [
        "maya.chen@chaperone.test",
        "omar.haddad@chaperone.test",
        "sarah.lee@chaperone.test",
    ] {
        let client = staff(&app, email).await;
        assert_eq!(
            app.call(&client, "staff_directory", &[]).await.status(),
            403,
            "{email}"
        );
    }
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let sarah = id_of(&app, "sarah.lee@chaperone.test").await;
    let form = [("id", sarah.as_str()), ("role", "manager")];
    assert_eq!(app.call(&maya, "set_staff_role", &form).await.status(), 403);

    let me = id_of(&app, "alex.rivera@chaperone.test").await;
    for (endpoint, form) in [
        (
            "set_staff_role",
            vec![("id", me.as_str()), ("role", "agent")],
        ),
        ("deactivate_staff", vec![("id", me.as_str())]),
        ("unlock_staff", vec![("id", me.as_str())]),
    ] {
        let res = app.call(&alex, endpoint, &form).await;
        assert_eq!(res.status(), 403, "{endpoint}");
        assert!(
            res.text().await.unwrap().contains("another admin"),
            "{endpoint}"
        );
    }
    let unchanged: String = sqlx::query_scalar(
        "select role || (disabled_at is null)::text from chaperone.staff where email = 'alex.rivera@chaperone.test'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(unchanged, "admintrue");
    // Bad input changes nothing.
    let form = [("id", sarah.as_str()), ("role", "overlord")];
    assert_eq!(app.call(&alex, "set_staff_role", &form).await.status(), 400);
    let form = [("id", sarah.as_str()), ("role", "agent")];
    assert_eq!(
        app.call(&alex, "set_staff_role", &form).await.status(),
        400,
        "already an agent"
    );
    let nobody = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        app.call(&alex, "deactivate_staff", &[("id", nobody.as_str())])
            .await
            .status(),
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_person_signs_in_with_the_one_time_password_and_one_email_is_one_login() {
    let app = demo().await;
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    let form = [
        ("name", "Rosa Park"),
        ("email", "Rosa.Park@chaperone.test"),
        ("role", "agent"),
    ];
    let res = app.call(&alex, "add_staff_member", &form).await;
    assert_eq!(res.status(), 200);
    let added: serde_json::Value = res.json().await.unwrap();
    assert_eq!(added["email"], "rosa.park@chaperone.test");
    let password = added["password"].as_str().unwrap().to_string();
    assert_eq!(password.len(), 20);
    let rosa = new_client();
    assert_eq!(
        app.staff_sign_in(&rosa, "rosa.park@chaperone.test", &password)
            .await
            .status(),
        200
    );
    // The console asks her to choose her own password, and she does.
    let me: serde_json::Value = app.call(&rosa, "who_am_i", &[]).await.json().await.unwrap();
    assert_eq!(me["temporary_login"], true);
    // Alex knows that password: until Rosa chooses her own, it opens the
    // password page and nothing else, so nobody can act as her.
    let console = rosa.get(app.url("/console?q=Acme")).send().await.unwrap();
    assert_eq!(console.status(), 303);
    assert_eq!(console.headers()["location"], "/console/password");
    let page = rosa.get(app.url("/console/password")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("one-time password"));
    let acme = account(&app, "Acme Co").await;
    let tom = user(&app, "tom@acme.test").await;
    let ask = [
        ("account_id", acme.as_str()),
        ("target_user_id", tom.as_str()),
        ("reason", REASON),
        ("ticket", "#4821"),
        ("mode", "read_only"),
    ];
    let asked = app.call(&rosa, "request_support_session", &ask).await;
    assert_eq!(asked.status(), 403);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.access_requests where staff_name = 'Rosa Park'"
        )
        .await,
        0
    );
    for (form, status) in [
        (
            [
                ("current", "wrong-password-x"),
                ("new_password", "rosa-own-password"),
                ("confirm", "rosa-own-password"),
            ],
            400,
        ),
        (
            [
                ("current", password.as_str()),
                ("new_password", "short"),
                ("confirm", "short"),
            ],
            400,
        ),
        (
            [
                ("current", password.as_str()),
                ("new_password", "rosa-own-password"),
                ("confirm", "rosa-other-password"),
            ],
            400,
        ),
    ] {
        assert_eq!(
            app.call(&rosa, "change_own_password", &form).await.status(),
            status
        );
    }
    let form = [
        ("current", password.as_str()),
        ("new_password", "rosa-own-password"),
        ("confirm", "rosa-own-password"),
    ];
    assert_eq!(
        app.call(&rosa, "change_own_password", &form).await.status(),
        200
    );
    let me: serde_json::Value = app.call(&rosa, "who_am_i", &[]).await.json().await.unwrap();
    assert_eq!(me["temporary_login"], false);
    let asked = app.call(&rosa, "request_support_session", &ask).await;
    assert_eq!(
        asked.status(),
        200,
        "her own password opens her role's rights"
    );
    assert_eq!(
        app.staff_sign_in(&new_client(), "rosa.park@chaperone.test", &password)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.staff_sign_in(
            &new_client(),
            "rosa.park@chaperone.test",
            "rosa-own-password"
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        count(&app, "select count(*) from chaperone.events where summary = 'Rosa Park changed their own password'").await,
        1
    );
    // Guessing the current password is throttled like the identity check.
    for _ in 0..5 {
        let form = [
            ("current", "guess-guess-1"),
            ("new_password", "rosa-third-password"),
            ("confirm", "rosa-third-password"),
        ];
        app.call(&rosa, "change_own_password", &form).await;
    }
    let form = [
        ("current", "rosa-own-password"),
        ("new_password", "rosa-third-password"),
        ("confirm", "rosa-third-password"),
    ];
    assert_eq!(
        app.call(&rosa, "change_own_password", &form).await.status(),
        429
    );

    // The password is stored only as a hash.
    assert_eq!(
        count(
            &app,
            &format!(
                "select count(*) from chaperone.staff where password_hash like '%{password}%'"
            )
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from chaperone.events where summary = 'Alex Rivera added Rosa Park to the staff as Support agent'").await,
        1
    );
    for (form, why) in [
        (
            [
                ("name", "Rosa P."),
                ("email", "ROSA.PARK@chaperone.test"),
                ("role", "agent"),
            ],
            "one login",
        ),
        (
            [("name", "X"), ("email", "not-an-email"), ("role", "agent")],
            "email",
        ),
        (
            [
                ("name", " "),
                ("email", "x@chaperone.test"),
                ("role", "agent"),
            ],
            "name",
        ),
        (
            [
                ("name", "X"),
                ("email", "x@chaperone.test"),
                ("role", "root"),
            ],
            "role",
        ),
    ] {
        let res = app.call(&alex, "add_staff_member", &form).await;
        assert_eq!(res.status(), 400, "{why}");
    }
    assert_eq!(count(&app, "select count(*) from chaperone.staff").await, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demoting_or_deactivating_someone_takes_effect_on_their_next_request() {
    let app = demo().await;
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    let sarah = sarah_in_session(&app).await;
    let sarah_id = id_of(&app, "sarah.lee@chaperone.test").await;
    assert!(entry(&directory(&app, &alex).await, "Sarah Lee")["live_session"].is_string());

    // Demoted to auditor: the session ends at once, with that cause.
    let form = [("id", sarah_id.as_str()), ("role", "auditor")];
    assert_eq!(app.call(&alex, "set_staff_role", &form).await.status(), 200);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where ended_at is null"
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from chaperone.support_sessions where end_cause = 'staff_role_changed'").await,
        1
    );
    assert_ne!(
        app.call(&sarah, "product_dashboard", &[]).await.status(),
        200
    );
    let me: serde_json::Value = app
        .call(&sarah, "who_am_i", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role_label"], "Auditor");

    // Deactivated: signed out on the next request.
    assert_eq!(
        app.call(&alex, "deactivate_staff", &[("id", sarah_id.as_str())])
            .await
            .status(),
        200
    );
    let me: serde_json::Value = app
        .call(&sarah, "who_am_i", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me, serde_json::Value::Null);
    assert_eq!(
        app.staff_sign_in(&new_client(), "sarah.lee@chaperone.test", DEMO_PASSWORD)
            .await
            .status(),
        401
    );
    let list = directory(&app, &alex).await;
    assert_eq!(entry(&list, "Sarah Lee")["active"], false);
    for kind in ["staff.role_changed", "staff.disabled"] {
        assert_eq!(
            count(&app, &format!("select count(*) from chaperone.events where kind = '{kind}' and actor_name = 'Alex Rivera'")).await,
            1,
            "{kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_unlocks_a_locked_sign_in() {
    let app = demo().await;
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    let james_id = id_of(&app, "james.ortiz@chaperone.test").await;
    let form = [("id", james_id.as_str())];
    assert_eq!(
        app.call(&alex, "unlock_staff", &form).await.status(),
        400,
        "nothing to unlock"
    );
    for _ in 0..5 {
        app.staff_sign_in(&new_client(), "james.ortiz@chaperone.test", "guess")
            .await;
    }
    assert_eq!(
        app.staff_sign_in(&new_client(), "james.ortiz@chaperone.test", DEMO_PASSWORD)
            .await
            .status(),
        429
    );
    let list = directory(&app, &alex).await;
    assert!(entry(&list, "James Ortiz")["locked_until"].is_string());
    // The list's locks are looked up together: each lands on its own person.
    let locked: Vec<&str> = list
        .iter()
        .filter(|s| s["locked_until"].is_string())
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(locked, ["James Ortiz"]);
    assert_eq!(app.call(&alex, "unlock_staff", &form).await.status(), 200);
    assert!(entry(&directory(&app, &alex).await, "James Ortiz")["locked_until"].is_null());
    assert_eq!(
        app.staff_sign_in(&new_client(), "james.ortiz@chaperone.test", DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(
        count(&app, "select count(*) from chaperone.events where summary = 'Alex Rivera unlocked James Ortiz''s sign-in'").await,
        1
    );
}

/// A one-time password cannot be made by a plain HTML form, which could not
/// show it: the form comes back with the reason and nobody was added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_cannot_add_a_staff_member_whose_password_nobody_sees() {
    let app = demo().await;
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    let res = alex
        .post(app.url("/api/add_staff_member"))
        .header("Origin", &app.base)
        .header("Referer", app.url("/console/staff"))
        .header("Accept", "text/html")
        .form(&[
            ("name", "Rosa Park"),
            ("email", "rosa.park@chaperone.test"),
            ("role", "agent"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .contains("__err="));
    let added: i64 = sqlx::query_scalar(
        "select count(*) from chaperone.staff where email = 'rosa.park@chaperone.test'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(added, 0, "nobody was added");
}

/// Admins may end a live session (DESIGN's table) without reading session
/// logs: the staff list names the session, and ending it is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_ends_a_live_session_from_the_staff_list() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    let people = directory(&app, &alex).await;
    let row = people
        .iter()
        .find(|p| p["email"] == "sarah.lee@chaperone.test")
        .unwrap();
    let session = row["live_session"]
        .as_str()
        .expect("her live session")
        .to_string();
    let nobody = people
        .iter()
        .find(|p| p["email"] == "james.ortiz@chaperone.test")
        .unwrap();
    assert!(nobody["live_session"].is_null());
    let form = [
        ("session_id", session.as_str()),
        ("note", "Customer asked us to leave"),
    ];
    let res = app.call(&alex, "revoke_support_session", &form).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.session_revoked'"
        )
        .await,
        1
    );
    let page = sarah.get(app.url("/app")).send().await.unwrap();
    assert_eq!(
        page.headers()["location"],
        "/console?ended=revoked_by_manager"
    );
    // Sarah is told why, in Alex's words; nobody else is.
    let note: Option<String> = app
        .call(&sarah, "revoke_note", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(note.as_deref(), Some("Customer asked us to leave"));
    let james = staff(&app, "james.ortiz@chaperone.test").await;
    let none: Option<String> = app
        .call(&james, "revoke_note", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, None);
    let row = directory(&app, &alex).await;
    assert!(row.iter().all(|p| p["live_session"].is_null()));
}
