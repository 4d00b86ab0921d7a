//! Browser tests: Debian's chromium, driven through chromedriver, against the real server.
//! Ignored by default (they need `chromium` and `chromium-driver`); `.ci/run` runs them with
//! `cargo test --test browser -- --ignored --test-threads=1`. They also take the screenshots
//! in docs/screenshots/.

#[path = "../api/helpers.rs"]
mod helpers;
#[path = "../api/fixtures.rs"]
mod fixtures;
#[path = "../api/page_fixtures.rs"]
mod page_fixtures;

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use helpers::{PASSWORD, TestApp};
use page_fixtures::{assigned, endorsable};

mod officer;
mod applicant;

/// chromedriver on a free port, stopped when dropped.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let binary = std::env::var("KYOSO_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        // Its own process group, so that dropping it also ends the chromium it started, even
        // when a failing test never reached `quit()`.
        let child = Command::new(&binary)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary} (install chromium-driver): {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        ChromeDriver { child, port }
    }

    async fn browser(&self) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&std::env::var("KYOSO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())).unwrap();
        caps.set_headless().unwrap();
        // Root in a container has no user namespace for chromium's sandbox.
        caps.set_no_sandbox().unwrap();
        caps.set_disable_dev_shm_usage().unwrap();
        caps.add_arg("--window-size=1280,900").unwrap();
        caps.add_arg("--lang=ja").unwrap();
        WebDriver::new(format!("http://127.0.0.1:{}", self.port), caps).await.expect("a chromium session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // killpg, not `kill -KILL -<pid>`: Debian's procps-ng 4.0.2 `kill` reads that negative
        // pid by its first digit, so a chromedriver whose pid began with 1 became `kill(-1)`,
        // which ends every process the user owns (CI's runner included).
        if let Ok(group) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: killpg takes plain integers and touches no memory of ours.
            unsafe { libc::killpg(group, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).expect("docs/screenshots");
    dir.join(name)
}

/// Waits for the page whose heading is `text` (a click's navigation may still be under way).
async fn heading(driver: &WebDriver, text: &str) {
    appears(driver, By::XPath(&format!("//h1[normalize-space()='{text}']")), &format!("heading {text:?}")).await;
}

/// Waits for what `by` finds on the page a click is navigating to; if it never appears, fails
/// with the page that was there instead.
async fn appears(driver: &WebDriver, by: By, what: &str) -> WebElement {
    // A loaded 2-core machine sometimes takes longer than the default 20 s poll to finish a
    // navigation (CI has printed the expected page right after such a miss), so wait longer.
    let query = driver.query(by).wait(Duration::from_secs(90), Duration::from_millis(250));
    let started = Instant::now();
    let found = query.first().await;
    let waited = started.elapsed();
    let url = driver.current_url().await.map(|u| u.to_string()).unwrap_or_default();
    let element = match found {
        Ok(element) => element,
        Err(e) => {
            let source = driver.source().await.unwrap_or_default();
            panic!("no {what} at {url} after {waited:?}: {e}\n{source}");
        }
    };
    // A slow page passes but is reported, so CI logs show where the time goes.
    if waited > Duration::from_secs(5) {
        eprintln!("slow page: {what} at {url} appeared after {waited:?}");
    }
    element
}

async fn text_of(driver: &WebDriver, css: &str) -> String {
    appears(driver, By::Css(css), css).await.text().await.expect("text")
}

#[actix_web::test]
#[ignore = "needs chromium and chromium-driver"]
async fn a_signatory_opens_the_emailed_link_and_endorses() {
    let app = TestApp::spawn().await;
    let (_, token) = endorsable(&app, "browser").await;
    let chromedriver = ChromeDriver::start();
    let driver = chromedriver.browser().await;
    let link = format!("{}/endorse?token={token}", app.address);
    driver.goto(&link).await.unwrap();
    heading(&driver, "提案書への連名のお願い").await;
    assert!(driver.source().await.unwrap().contains("2,000,000,000円"));
    driver.screenshot(&screenshot_path("endorse.png")).await.expect("screenshot");

    // The button closes a long page: bring it into view so the click is not lost.
    let button = driver.find(By::Id("endorse")).await.unwrap();
    button.scroll_into_view().await.unwrap();
    button.click().await.unwrap();
    heading(&driver, "連名を受け付けました").await;
    assert!(text_of(&driver, "table.facts").await.contains("browser 地域産学官共同研究拠点"));

    // The same link again: a page that says what to do.
    driver.goto(&link).await.unwrap();
    heading(&driver, "このリンクは使用できません").await;
    assert!(text_of(&driver, "p.lead").await.contains("新しい依頼メール"));
    driver.quit().await.unwrap();
}

#[actix_web::test]
#[ignore = "needs chromium and chromium-driver"]
async fn a_reviewer_signs_in_grades_and_submits() {
    let app = TestApp::spawn().await;
    let (reviewer, assignment, _, _) = assigned(&app).await;
    let chromedriver = ChromeDriver::start();
    let driver = chromedriver.browser().await;
    driver.goto(format!("{}/login", app.address)).await.unwrap();
    driver.find(By::Id("email")).await.unwrap().send_keys(&reviewer.email).await.unwrap();
    driver.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    driver.find(By::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    heading(&driver, "担当する審査").await;

    driver.find(By::Css("form[action$='/accept'] button")).await.unwrap().click().await.unwrap();
    appears(&driver, By::Css("input[name='grade.purpose']"), "the grading form").await;
    assert!(driver.current_url().await.unwrap().path().ends_with(&assignment));
    for (criterion, grade) in [("purpose", "S"), ("feasibility", "A"), ("impact", "B")] {
        driver.find(By::Css(&format!("input[name='grade.{criterion}'][value='{grade}']"))).await.unwrap().click().await.unwrap();
    }
    driver.find(By::Id("comment-feasibility")).await.unwrap().send_keys("実施体制と資金計画の根拠が明確である。").await.unwrap();
    driver.find(By::Css("input[name='overall_grade'][value='A']")).await.unwrap().click().await.unwrap();
    driver.find(By::Id("overall-comment")).await.unwrap().send_keys("地域の強みを生かした計画であり、総合的に優れている。").await.unwrap();
    driver.find(By::Id("review")).await.unwrap().scroll_into_view().await.unwrap();
    driver.screenshot(&screenshot_path("grading.png")).await.expect("screenshot");

    driver.find(By::Id("to-confirm")).await.unwrap().click().await.unwrap();
    heading(&driver, "評価の提出内容の確認").await;
    driver.find(By::Id("submit-review")).await.unwrap().click().await.unwrap();
    assert_eq!(text_of(&driver, "div.notice").await, "評価を提出しました。");

    let review = app.get(&format!("/api/v1/assignments/{assignment}/review")).token(&reviewer.token).send().await;
    assert_eq!(review.body["status"], "submitted");
    assert_eq!(review.body["overall_grade"], "A");
    driver.quit().await.unwrap();
}
