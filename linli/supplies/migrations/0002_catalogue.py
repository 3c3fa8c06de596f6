from django.db import migrations


def load(apps, schema_editor):
    from linli.supplies.catalogue import CATALOGUE

    Item = apps.get_model("supplies", "Item")
    for code, name, category, grade, unit, shelf_life in CATALOGUE:
        Item.objects.get_or_create(code=code, defaults={"name": name, "category": category, "grade": grade,
                                                        "unit": unit, "shelf_life_days": shelf_life})


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
