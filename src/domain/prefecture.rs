//! Prefectures (都道府県) and designated cities (政令指定都市): the reference data every
//! proposal rule is written against.
//!
//! The same data ships in the migrations (`reference_data`), so that SQL can join on it; a test
//! in `tests/api` checks that the two never drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JIS X 0401 prefecture code, `"01"` (北海道) … `"47"` (沖縄県). Parsing is the only way in,
/// so holding one means the prefecture exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct PrefectureCode(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a prefecture code (expected \"01\" … \"47\")")]
pub struct InvalidPrefectureCode;

impl PrefectureCode {
    pub fn new(number: u8) -> Result<Self, InvalidPrefectureCode> {
        if (1..=47).contains(&number) {
            Ok(Self(number))
        } else {
            Err(InvalidPrefectureCode)
        }
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// The two-digit code, `"01"` … `"47"`.
    pub fn as_str(self) -> &'static str {
        const CODES: [&str; 47] = [
            "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
            "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
            "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
        ];
        CODES[usize::from(self.0) - 1]
    }

    pub fn all() -> impl Iterator<Item = PrefectureCode> {
        (1..=47).map(PrefectureCode)
    }

    pub fn info(self) -> &'static PrefectureInfo {
        &PREFECTURES[usize::from(self.0) - 1]
    }

    pub fn name_ja(self) -> &'static str {
        self.info().name_ja
    }

    pub fn name_en(self) -> &'static str {
        self.info().name_en
    }

    /// The 地方 the prefecture lies in (the usual eight-region division).
    pub fn region(self) -> Region {
        use Region::*;
        match self.0 {
            1 => Hokkaido,
            2..=7 => Tohoku,
            8..=14 => Kanto,
            15..=23 => Chubu,
            24..=30 => Kinki,
            31..=35 => Chugoku,
            36..=39 => Shikoku,
            _ => KyushuOkinawa,
        }
    }

    /// The designated cities inside this prefecture; a proposal in which the prefecture takes
    /// part must record a prior consultation with each of them (001 §5(1)①).
    pub fn designated_cities(self) -> impl Iterator<Item = &'static DesignatedCity> {
        DESIGNATED_CITIES.iter().filter(move |c| c.prefecture == self.0)
    }
}

impl FromStr for PrefectureCode {
    type Err = InvalidPrefectureCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Exactly two ASCII digits: "1" or "014" are refused rather than guessed at.
        let bytes = s.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(InvalidPrefectureCode);
        }
        Self::new((bytes[0] - b'0') * 10 + (bytes[1] - b'0'))
    }
}

impl fmt::Display for PrefectureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl crate::domain::TextValue for PrefectureCode {
    fn as_text(&self) -> &'static str {
        self.as_str()
    }
}

impl Serialize for PrefectureCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PrefectureCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

crate::domain::text_enum! {
    /// 地方: the eight regions the agency's own reports group prefectures by (三重 counted in
    /// 近畿, 新潟 in 中部, 沖縄 with 九州, as the usual division does).
    #[derive(serde::Serialize, utoipa::ToSchema, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    pub enum Region ("region") {
        Hokkaido = "hokkaido",
        Tohoku = "tohoku",
        Kanto = "kanto",
        Chubu = "chubu",
        Kinki = "kinki",
        Chugoku = "chugoku",
        Shikoku = "shikoku",
        KyushuOkinawa = "kyushu_okinawa",
    }
}

impl Region {
    pub fn name_ja(self) -> &'static str {
        match self {
            Region::Hokkaido => "北海道地方",
            Region::Tohoku => "東北地方",
            Region::Kanto => "関東地方",
            Region::Chubu => "中部地方",
            Region::Kinki => "近畿地方",
            Region::Chugoku => "中国地方",
            Region::Shikoku => "四国地方",
            Region::KyushuOkinawa => "九州・沖縄地方",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Region::Hokkaido => "Hokkaido",
            Region::Tohoku => "Tohoku",
            Region::Kanto => "Kanto",
            Region::Chubu => "Chubu",
            Region::Kinki => "Kinki",
            Region::Chugoku => "Chugoku",
            Region::Shikoku => "Shikoku",
            Region::KyushuOkinawa => "Kyushu-Okinawa",
        }
    }
}

/// A local-government code of a designated city (5 digits, without the check digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CityCode(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a local-government code (expected five digits, e.g. \"14100\")")]
pub struct InvalidCityCode;

impl CityCode {
    /// The prefecture a local-government code belongs to: its first two digits.
    pub fn prefecture(self) -> Option<PrefectureCode> {
        PrefectureCode::new(u8::try_from(self.0 / 1000).ok()?).ok()
    }

    pub fn designated_city(self) -> Option<&'static DesignatedCity> {
        DESIGNATED_CITIES.iter().find(|c| c.code == self.0)
    }
}

impl FromStr for CityCode {
    type Err = InvalidCityCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidCityCode);
        }
        s.parse().map(CityCode).map_err(|_| InvalidCityCode)
    }
}

impl fmt::Display for CityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:05}", self.0)
    }
}

impl Serialize for CityCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CityCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug)]
pub struct PrefectureInfo {
    pub name_ja: &'static str,
    pub name_en: &'static str,
}

#[derive(Debug)]
pub struct DesignatedCity {
    pub code: u32,
    pub prefecture: u8,
    pub name_ja: &'static str,
    pub name_en: &'static str,
}

impl DesignatedCity {
    pub fn city_code(&self) -> CityCode {
        CityCode(self.code)
    }
}

const fn pref(name_ja: &'static str, name_en: &'static str) -> PrefectureInfo {
    PrefectureInfo { name_ja, name_en }
}

/// Indexed by code − 1, in JIS X 0401 order.
pub static PREFECTURES: [PrefectureInfo; 47] = [
    pref("北海道", "Hokkaido"),
    pref("青森県", "Aomori"),
    pref("岩手県", "Iwate"),
    pref("宮城県", "Miyagi"),
    pref("秋田県", "Akita"),
    pref("山形県", "Yamagata"),
    pref("福島県", "Fukushima"),
    pref("茨城県", "Ibaraki"),
    pref("栃木県", "Tochigi"),
    pref("群馬県", "Gunma"),
    pref("埼玉県", "Saitama"),
    pref("千葉県", "Chiba"),
    pref("東京都", "Tokyo"),
    pref("神奈川県", "Kanagawa"),
    pref("新潟県", "Niigata"),
    pref("富山県", "Toyama"),
    pref("石川県", "Ishikawa"),
    pref("福井県", "Fukui"),
    pref("山梨県", "Yamanashi"),
    pref("長野県", "Nagano"),
    pref("岐阜県", "Gifu"),
    pref("静岡県", "Shizuoka"),
    pref("愛知県", "Aichi"),
    pref("三重県", "Mie"),
    pref("滋賀県", "Shiga"),
    pref("京都府", "Kyoto"),
    pref("大阪府", "Osaka"),
    pref("兵庫県", "Hyogo"),
    pref("奈良県", "Nara"),
    pref("和歌山県", "Wakayama"),
    pref("鳥取県", "Tottori"),
    pref("島根県", "Shimane"),
    pref("岡山県", "Okayama"),
    pref("広島県", "Hiroshima"),
    pref("山口県", "Yamaguchi"),
    pref("徳島県", "Tokushima"),
    pref("香川県", "Kagawa"),
    pref("愛媛県", "Ehime"),
    pref("高知県", "Kochi"),
    pref("福岡県", "Fukuoka"),
    pref("佐賀県", "Saga"),
    pref("長崎県", "Nagasaki"),
    pref("熊本県", "Kumamoto"),
    pref("大分県", "Oita"),
    pref("宮崎県", "Miyazaki"),
    pref("鹿児島県", "Kagoshima"),
    pref("沖縄県", "Okinawa"),
];

const fn city(code: u32, prefecture: u8, name_ja: &'static str, name_en: &'static str) -> DesignatedCity {
    DesignatedCity { code, prefecture, name_ja, name_en }
}

pub static DESIGNATED_CITIES: [DesignatedCity; 20] = [
    city(1100, 1, "札幌市", "Sapporo"),
    city(4100, 4, "仙台市", "Sendai"),
    city(11100, 11, "さいたま市", "Saitama"),
    city(12100, 12, "千葉市", "Chiba"),
    city(14100, 14, "横浜市", "Yokohama"),
    city(14130, 14, "川崎市", "Kawasaki"),
    city(14150, 14, "相模原市", "Sagamihara"),
    city(15100, 15, "新潟市", "Niigata"),
    city(22100, 22, "静岡市", "Shizuoka"),
    city(22130, 22, "浜松市", "Hamamatsu"),
    city(23100, 23, "名古屋市", "Nagoya"),
    city(26100, 26, "京都市", "Kyoto"),
    city(27100, 27, "大阪市", "Osaka"),
    city(27140, 27, "堺市", "Sakai"),
    city(28100, 28, "神戸市", "Kobe"),
    city(33100, 33, "岡山市", "Okayama"),
    city(34100, 34, "広島市", "Hiroshima"),
    city(40100, 40, "北九州市", "Kitakyushu"),
    city(40130, 40, "福岡市", "Fukuoka"),
    city(43100, 43, "熊本市", "Kumamoto"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_only_as_two_digits_in_range() {
        assert_eq!("14".parse::<PrefectureCode>().map(|c| c.number()), Ok(14));
        assert_eq!("01".parse::<PrefectureCode>().map(|c| c.to_string()), Ok("01".to_string()));
        for bad in ["00", "48", "1", "014", "ab", "", "１４"] {
            assert!(bad.parse::<PrefectureCode>().is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn every_prefecture_lies_in_one_region_and_every_region_has_prefectures() {
        let counts: Vec<usize> =
            Region::VARIANTS.iter().map(|r| PrefectureCode::all().filter(|p| p.region() == *r).count()).collect();
        assert_eq!(counts, [1, 6, 7, 9, 7, 5, 4, 8]);
        assert_eq!(counts.iter().sum::<usize>(), 47);
        let region = |code: &str| code.parse::<PrefectureCode>().unwrap().region();
        assert_eq!(region("13"), Region::Kanto);
        assert_eq!(region("15"), Region::Chubu, "新潟");
        assert_eq!(region("24"), Region::Kinki, "三重");
        assert_eq!(region("47"), Region::KyushuOkinawa);
        assert_eq!(Region::KyushuOkinawa.as_str(), "kyushu_okinawa");
    }

    #[test]
    fn kanagawa_has_three_designated_cities_and_tokyo_none() {
        let kanagawa: PrefectureCode = "14".parse().unwrap();
        let codes: Vec<String> = kanagawa.designated_cities().map(|c| c.city_code().to_string()).collect();
        assert_eq!(codes, ["14100", "14130", "14150"]);
        let tokyo: PrefectureCode = "13".parse().unwrap();
        assert_eq!(tokyo.designated_cities().count(), 0);
    }

    #[test]
    fn every_designated_city_code_starts_with_its_prefecture() {
        for c in &DESIGNATED_CITIES {
            assert_eq!(c.city_code().prefecture().map(|p| p.number()), Some(c.prefecture));
        }
        assert_eq!(DESIGNATED_CITIES.len(), 20);
        assert_eq!("01100".parse::<CityCode>().map(|c| c.to_string()), Ok("01100".into()));
    }
}
