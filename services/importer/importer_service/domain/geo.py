"""`detect_geo`: registration and latest location from the record's IP addresses, where the record gives none.

`reg_ip` fills `reg_country` and `reg_city`; `ip` fills `country`, `region` and `city`. A value the record gives
is never replaced; a field the record gives empty is filled (asking for detect_geo asks for it).
"""

from collections.abc import Callable

from profilehub_shared.fields import FieldValueError, coerce_standard
from profilehub_shared.geo import Place

from .records import ReadRecord

FROM_IP = {
    "reg_ip": (("country", "reg_country"), ("city", "reg_city")),
    "ip": (("country", "country"), ("region", "region"), ("city", "city")),
}


def fill_geo(rec: ReadRecord, locate: Callable[[str], Place | None]) -> list[str]:
    """Fill the location fields of `rec` from its IPs; returns the fields filled."""
    filled = []
    for ip_field, targets in FROM_IP.items():
        ip = rec.standard.get(ip_field)
        wanted = [(attr, name) for attr, name in targets if name not in rec.standard]
        if not isinstance(ip, str) or not wanted:
            continue
        place = locate(ip)
        for attr, name in wanted if place is not None else ():
            value = getattr(place, attr)
            if value is None:
                continue
            try:
                rec.standard[name] = coerce_standard(name, value)
            except FieldValueError:
                continue  # a database's text that a field cannot hold (too long) is left out, not an error of the row
            rec.empty.discard(name)
            filled.append(name)
    return filled
