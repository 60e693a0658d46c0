"""detect_geo: places from the shipped country data (real addresses), from an operator's MaxMind DB, and filling
a record's location fields without ever replacing a value the record gives."""

from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from importer_service.domain.geo import fill_geo
from importer_service.domain.records import ReadRecord
from profilehub_shared.geo import GeoDatabaseError, MaxMindDatabase, Place, locator

SHIPPED = locator(None)


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.8", "US"),  # Google DNS
        ("1.1.1.1", "AU"),  # APNIC/Cloudflare, registered in Australia
        ("81.2.69.142", "GB"),  # MaxMind's own test address
        ("77.88.55.242", "RU"),  # Yandex
        ("133.242.0.3", "JP"),
        ("200.147.67.142", "BR"),
    ],
)
def test_the_shipped_data_knows_real_addresses(ip: str, country: str) -> None:
    assert SHIPPED.locate(ip) == Place(country=country)


@pytest.mark.parametrize("ip", ["10.0.0.1", "192.168.1.1", "127.0.0.1", "0.0.0.0", "240.0.0.1", "not an ip", "::1"])
def test_private_reserved_and_invalid_addresses_have_no_place(ip: str) -> None:
    assert SHIPPED.locate(ip) is None


def test_the_shipped_data_says_its_date() -> None:
    assert "GeoLite2-Country" in SHIPPED.source and "20240618" in SHIPPED.source


def city_database(path: Path) -> str:
    writer = MMDBWriter(ip_version=4, database_type="GeoIP2-City", languages=["en"])
    london = {
        "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
        "subdivisions": [{"iso_code": "ENG", "names": {"en": "England"}}],
        "city": {"names": {"en": "London"}},
    }
    writer.insert_network(IPSet(["81.2.69.0/24"]), london)
    writer.insert_network(IPSet(["89.160.20.0/24"]), {"country": {"iso_code": "SE"}})  # a country-only entry
    writer.to_db_file(str(path / "city.mmdb"))
    return str(path / "city.mmdb")


def test_an_operators_maxmind_database_gives_region_and_city(tmp_path: Path) -> None:
    database = MaxMindDatabase(city_database(tmp_path))
    assert database.locate("81.2.69.142") == Place(country="GB", region="England", city="London")
    assert database.locate("89.160.20.1") == Place(country="SE")
    assert database.locate("8.8.8.8") is None  # not in this database
    assert database.source.startswith("GeoIP2-City built ")


def test_a_wrong_geoip_database_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(GeoDatabaseError, match="no such file"):
        MaxMindDatabase(str(tmp_path / "missing.mmdb"))
    (tmp_path / "junk.mmdb").write_bytes(b"not a database")
    with pytest.raises(GeoDatabaseError, match="is not a MaxMind DB"):
        MaxMindDatabase(str(tmp_path / "junk.mmdb"))


def test_fill_geo_fills_what_the_record_lacks_and_keeps_what_it_gives(tmp_path: Path) -> None:
    locate = MaxMindDatabase(city_database(tmp_path)).locate
    rec = ReadRecord(standard={"reg_ip": "81.2.69.142", "ip": "81.2.69.7", "city": "Bath"}, empty={"region"})
    assert sorted(fill_geo(rec, locate)) == ["country", "reg_city", "reg_country", "region"]
    assert rec.standard == {
        "reg_ip": "81.2.69.142", "reg_country": "GB", "reg_city": "London",
        "ip": "81.2.69.7", "country": "GB", "region": "England", "city": "Bath",
    }  # fmt: skip
    assert rec.empty == set()


def test_fill_geo_leaves_records_without_a_known_address_alone() -> None:
    rec = ReadRecord(standard={"ip": "10.1.2.3", "email": "a@x.example"})
    assert fill_geo(rec, SHIPPED.locate) == []
    assert rec.standard == {"ip": "10.1.2.3", "email": "a@x.example"}
