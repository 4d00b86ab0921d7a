DROP TABLE designated_cities;
DROP TABLE prefectures;
