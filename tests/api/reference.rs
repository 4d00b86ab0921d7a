use kyoso::domain::prefecture::{DESIGNATED_CITIES, PREFECTURES};

use crate::helpers::TestApp;

#[actix_web::test]
async fn prefectures_list_all_47_with_their_designated_cities_without_login() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/prefectures").send().await;
    res.assert_status(200);
    assert_eq!(res.body["total"], 47);
    let items = res.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 47);
    assert_eq!(items[0]["code"], "01");
    assert_eq!(items[0]["name_ja"], "北海道");
    assert_eq!(items[46]["code"], "47");
    assert_eq!(items[46]["name_en"], "Okinawa");

    let kanagawa = items.iter().find(|p| p["code"] == "14").expect("Kanagawa");
    assert_eq!(kanagawa["name_ja"], "神奈川県");
    assert_eq!(kanagawa["name_en"], "Kanagawa");
    let codes: Vec<&str> = kanagawa["designated_cities"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["14100", "14130", "14150"]);
    let tokyo = items.iter().find(|p| p["code"] == "13").expect("Tokyo");
    assert_eq!(tokyo["designated_cities"].as_array().unwrap().len(), 0);

    let cities: usize = items.iter().map(|p| p["designated_cities"].as_array().unwrap().len()).sum();
    assert_eq!(cities, 20);
}

/// The migrations and `domain::prefecture` carry the same reference data; this keeps them equal.
#[actix_web::test]
async fn reference_data_in_the_database_matches_the_domain_tables() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/prefectures").send().await;
    let items = res.body["items"].as_array().expect("items");
    for (i, info) in PREFECTURES.iter().enumerate() {
        assert_eq!(items[i]["code"], format!("{:02}", i + 1));
        assert_eq!(items[i]["name_ja"], info.name_ja);
        assert_eq!(items[i]["name_en"], info.name_en);
    }
    for city in &DESIGNATED_CITIES {
        let prefecture = &items[usize::from(city.prefecture) - 1];
        let found = prefecture["designated_cities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == city.city_code().to_string() && c["name_ja"] == city.name_ja && c["name_en"] == city.name_en);
        assert!(found, "{} missing or different in the database", city.name_en);
    }
}
